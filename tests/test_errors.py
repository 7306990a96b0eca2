"""Every error a user can read derives from one base class that carries the exit status; the
command line maps it once.

The classes are found by walking the package, so a new exception class fails here until it either
derives from ``VeiligheidsanalyseError`` or is listed in INTERNAL with the reason it never reaches
the user.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import veiligheidsanalyse
from veiligheidsanalyse import cli
from veiligheidsanalyse.errors import (
    EXIT_CHAPTER_FAILED,
    EXIT_DATA_UNAVAILABLE,
    EXIT_INVALID,
    EXIT_LOCKED,
    VeiligheidsanalyseError,
)

EXIT_CODES = {EXIT_CHAPTER_FAILED, EXIT_INVALID, EXIT_DATA_UNAVAILABLE, EXIT_LOCKED}

# Exceptions that never leave the code that raises them, each with why.
INTERNAL = {
    "config_yaml._YamlRefused": "control flow of the YAML reader; it becomes a ConfigError naming the line",
    "sources.odata._Deadline": "control flow: a download's overall time-out, turned into a FetchError",
    "sources.inputs.reading.FileRefused": "caught by read_partner_file, which makes it an input problem",
    "sources.inputs.reading.LimitReached": "caught by the readers, which make it an input problem",
    "sources.boundaries.BoundaryFetchError": "always caught: a run goes on without maps, fetch prints the reden",
    "chapters.kaarten.NoMap": "caught by the map chapter, whose page shows the sentence instead of the map",
    "report.publish.LatestBlocked": "caught by publish, which logs why a report was not published",
}

# The exit status of every user-facing error class.
EXPECTED_EXIT = {
    "config_errors.ConfigError": EXIT_INVALID,
    "indicators.CatalogueError": EXIT_INVALID,
    "sources.inputs.problems.InputValidationError": EXIT_INVALID,
    "report.plan.PlanError": EXIT_INVALID,
    "observations.ObservationError": EXIT_CHAPTER_FAILED,
    "sources.odata.OdataError": EXIT_DATA_UNAVAILABLE,
    "sources.odata.FetchError": EXIT_DATA_UNAVAILABLE,
    "sources.odata.SchemaError": EXIT_DATA_UNAVAILABLE,
    "sources.fetch.RejectedDownload": EXIT_DATA_UNAVAILABLE,
    "sources.snapshots.SnapshotError": EXIT_DATA_UNAVAILABLE,
    "sources.policy.DataUnavailable": EXIT_DATA_UNAVAILABLE,
    "store.normalise.NormaliseError": EXIT_DATA_UNAVAILABLE,
    "report.lock.LockHeld": EXIT_LOCKED,
}


def exception_classes() -> dict[str, type]:
    prefix = veiligheidsanalyse.__name__ + "."
    found = {}
    for info in pkgutil.walk_packages(veiligheidsanalyse.__path__, prefix):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Exception) and obj.__module__ == module.__name__:
                found[f"{module.__name__.removeprefix(prefix)}.{name}"] = obj
    return found


CLASSES = exception_classes()


def test_the_walk_finds_the_package_errors():
    assert {"config_errors.ConfigError", "sources.policy.DataUnavailable", "sources.odata._Deadline"} <= set(CLASSES)


@pytest.mark.parametrize("name", sorted(set(CLASSES) - {"errors.VeiligheidsanalyseError"}))
def test_every_exception_class_derives_from_the_base_or_is_internal(name):
    cls = CLASSES[name]
    if name in INTERNAL:
        assert not issubclass(cls, VeiligheidsanalyseError), f"{name} is listed as internal but reaches the user"
        return
    assert name in EXPECTED_EXIT, f"{name}: derive it from VeiligheidsanalyseError, or list it in INTERNAL with why"
    assert issubclass(cls, VeiligheidsanalyseError), f"{name} does not derive from VeiligheidsanalyseError"
    assert cls.exit_code == EXPECTED_EXIT[name]


def test_every_listed_class_exists():
    assert set(INTERNAL) <= set(CLASSES)
    assert set(EXPECTED_EXIT) <= set(CLASSES)


def test_two_names_for_one_idea_are_gone():
    """DataUnavailableError (store) and InputError (store) were the same errors under a second name."""
    assert "store.prepare.DataUnavailableError" not in CLASSES
    assert "store.build.InputError" not in CLASSES


@pytest.mark.parametrize(
    "error, code",
    [
        (
            lambda: CLASSES["config_errors.ConfigError"]("config/x.yaml", "periode.tot", "verwacht een jaar", 3),
            EXIT_INVALID,
        ),
        (
            lambda: CLASSES["sources.policy.DataUnavailable"]("gegevens niet beschikbaar: 47013NED", {"47013NED": "x"}),
            EXIT_DATA_UNAVAILABLE,
        ),
        (
            lambda: CLASSES["sources.odata.SchemaError"]("47013NED", "Perioden", "dimensie ontbreekt"),
            EXIT_DATA_UNAVAILABLE,
        ),
    ],
)
def test_the_command_line_maps_an_error_once(monkeypatch, capsys, error, code):
    exc = error()

    def fails(args):
        raise exc

    monkeypatch.setattr(cli, "_command", fails)
    assert cli.main(["validate", "config/x.yaml"]) == code
    err = capsys.readouterr().err
    assert err.strip() == exc.user_message()
    assert "Traceback" not in err


def test_config_error_message_says_what_kind_of_error():
    exc = CLASSES["config_errors.ConfigError"]("config/x.yaml", "periode.tot", "verwacht een jaar", 3)
    assert exc.user_message() == "ongeldige configuratie: config/x.yaml, regel 3: periode.tot: verwacht een jaar"


ENGLISH = re.compile(r"\b(lack|expected|unknown|missing|duplicate|outside|needs|not in|must be)\b")


def test_observation_and_catalogue_messages_are_dutch():
    import pandas as pd

    from veiligheidsanalyse import indicators, observations

    with pytest.raises(observations.ObservationError) as err:
        observations.conform(pd.DataFrame({"indicator": ["x"]}))
    assert "ontbreken" in str(err.value) and not ENGLISH.search(str(err.value))
    with pytest.raises(indicators.CatalogueError) as err:
        indicators._parse({"id": "x", "onzin": 1}, 1)
    assert "onbekende sleutel" in str(err.value) and not ENGLISH.search(str(err.value))
