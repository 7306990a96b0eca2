"""Property-based, end to end: mutations of the shipped configuration and of the example partner
files, through ``validate`` and ``run`` as a user calls them (in this process, through ``cli.main``).

For every mutation the command either accepts it (exit 0) or refuses it with exit 2 (bad input) or
3 (no data) and a message that names the configuration file and key, or the partner file; never a
traceback or another exception, and a refused run publishes nothing.

Examples per run (hypothesis ``max_examples``): under ``make faults`` (``VA_FAULTS=1``) 60 config
mutations through validate, 8 through run and 60 partner-file mutations through validate; under
``make test`` 10, 2 and 10 (a fast profile of the same properties).
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from test_faults_config_properties import ODD_VALUES, PATHS, SHIPPED, _apply
from veiligheidsanalyse import cli

pytestmark = pytest.mark.fault("bad input")

ROOT = Path(__file__).resolve().parents[1]
FULL = bool(os.environ.get("VA_FAULTS"))
EXAMPLES = {
    "config_validate": 60 if FULL else 10,
    "config_run": 8 if FULL else 2,
    "partner_validate": 60 if FULL else 10,
}
EXAMPLES_DIR = ROOT / "data" / "inputs" / "voorbeeld" / "westerveld"
PARTNER_FILES = sorted(p.name for p in EXAMPLES_DIR.glob("*.csv"))


def _cli(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(list(args))
        except SystemExit as exc:  # argparse
            status = exc.code
    return status, out.getvalue() + err.getvalue()


def _write_config(folder: Path, data: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "westerveld.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _base(folder: Path) -> dict:
    data = copy.deepcopy(SHIPPED)
    data["data"]["beleid"] = "demo"
    data["uitvoer"] = str(folder / "outputs")
    data["hoofdstukken"] = ["00_gebied"]
    return data


def _refused_by_name(status: int, text: str, names: tuple[str, ...]) -> None:
    event(f"exit {status}")
    assert "Traceback" not in text, text
    assert status in (0, 2, 3), (status, text)
    if status != 0:
        assert any(name in text for name in names), text


@settings(
    max_examples=EXAMPLES["config_validate"],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.sampled_from(PATHS), ODD_VALUES, st.booleans())
def test_validate_accepts_or_names_the_key(tmp_path_factory, path, value, drop):
    folder = tmp_path_factory.mktemp("validate")
    data = _base(folder)
    _apply(data, path, value, drop)
    status, text = _cli("validate", str(_write_config(folder, data)))
    _refused_by_name(status, text, ("westerveld.yaml",))


@settings(
    max_examples=EXAMPLES["config_run"],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.sampled_from([p for p in PATHS if p[0] != "hoofdstukken"]), ODD_VALUES, st.sampled_from(["drop", "odd", "same"])
)
def test_run_accepts_or_names_the_key_and_publishes_nothing(tmp_path_factory, path, value, how):
    folder = tmp_path_factory.mktemp("run")
    data = _base(folder)
    if how != "same":  # "same": the original value written again, which must run as the original does
        _apply(data, path, value, how == "drop")
    outputs = Path(data["uitvoer"]) if isinstance(data.get("uitvoer"), str) else folder / "outputs"
    status, text = _cli("run", str(_write_config(folder, data)), "--quiet")
    _refused_by_name(status, text, ("westerveld.yaml",))
    if status != 0 and outputs.exists():
        assert not list(outputs.glob("*/latest")), "a refused run published a report"


MUTATIONS = (
    "latin-1",
    "utf-16",
    "semicolons",
    "truncated",
    "extra column",
    "zero-width",
    "soft hyphen",
    "dollars",
    "nul byte",
    "empty",
    "header only",
    "duplicated header",
)


def _mutate(text: str, kind: str, cut: float) -> bytes:
    lines = text.splitlines(keepends=True)
    if kind == "latin-1":
        return (text + "# café\n").encode("latin-1", errors="replace")
    if kind == "utf-16":
        return text.encode("utf-16")
    if kind == "semicolons":
        return text.replace(",", ";").encode("utf-8")
    if kind == "truncated":
        raw = text.encode("utf-8")
        return raw[: max(1, int(len(raw) * cut))]
    if kind == "extra column":
        return "".join(line.rstrip("\n") + ",x\n" for line in lines).encode("utf-8")
    if kind == "zero-width":
        return text.replace("e", "e\u200b", 3).encode("utf-8")
    if kind == "soft hyphen":
        return text.replace("Westerveld", "Wester\u00adveld").replace("a", "a\u00ad", 2).encode("utf-8")
    if kind == "dollars":
        return text.replace("a", "$\\a$", 2).encode("utf-8")
    if kind == "nul byte":
        return text.replace("\n", "\n\x00", 1).encode("utf-8")
    if kind == "empty":
        return b""
    if kind == "header only":
        return lines[0].encode("utf-8") if lines else b""
    return (lines[0] + text).encode("utf-8")  # duplicated header


@settings(
    max_examples=EXAMPLES["partner_validate"],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.sampled_from(PARTNER_FILES), st.sampled_from(MUTATIONS), st.floats(min_value=0.05, max_value=0.95))
def test_a_damaged_partner_file_is_accepted_or_named(tmp_path_factory, name, kind, cut):
    folder = tmp_path_factory.mktemp("partner")
    inputs = folder / "inputs"
    shutil.copytree(EXAMPLES_DIR, inputs)
    original = (EXAMPLES_DIR / name).read_text(encoding="utf-8")
    (inputs / name).write_bytes(_mutate(original, kind, cut))
    data = _base(folder)
    data["invoer"]["map"] = str(inputs)
    before = {p.name: p.read_bytes() for p in inputs.iterdir() if p.is_file()}
    status, text = _cli("validate", str(_write_config(folder, data)))
    _refused_by_name(status, text, (name,))
    assert {p.name: p.read_bytes() for p in inputs.iterdir() if p.is_file()} == before  # inputs never modified
