"""Run configuration: valid files load; every kind of mistake names the key and exits with status 2."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import get_origin

import pytest
import yaml

from veiligheidsanalyse.config import ConfigError, load_config, parse_config

CHAPTERS = ["00_gebied", "01_criminaliteit"]


def base() -> dict:
    return {
        "gemeente": "GM1701",
        "periode": {"van": 2015, "tot": 2025},
        "vergelijking": {"provincie": {"code": "PV22", "naam": "Drenthe", "gemeenten": ["GM1701", "GM1690"]}},
        "data": {"beleid": "demo"},
    }


def parse(data: dict):
    return parse_config(data, source="test.yaml", chapters=CHAPTERS, today=date(2026, 11, 27))


def test_shipped_config_is_valid(root: Path):
    config = load_config(root / "config" / "westerveld.yaml")
    assert config.gemeente == "GM1701"
    assert config.vergelijking.provincie.code == "PV22"
    assert "GM1701" in config.vergelijking.regio.gemeenten
    assert config.jaar_van < config.jaar_tot


def test_defaults_fill_in():
    config = parse({"gemeente": "GM1690"})
    assert config.data.beleid == "fresh"
    assert config.hoofdstukken == tuple(CHAPTERS)
    assert config.jaar_tot == 2025  # last complete year


@pytest.mark.fault("bad input")
@pytest.mark.parametrize(
    "change, key",
    [
        (lambda d: d.update(onbekend=1), "onbekend"),
        (lambda d: d["periode"].update(tot_en_met=2024), "periode.tot_en_met"),
        (lambda d: d["vergelijking"]["provincie"].update(leden=[]), "vergelijking.provincie.leden"),
        (lambda d: d.update(gemeente="1701"), "gemeente"),
        (lambda d: d.update(gemeente="GM17011"), "gemeente"),
        (lambda d: d.pop("gemeente"), "gemeente"),
        (lambda d: d["periode"].update(van=2024, tot=2016), "periode"),
        (lambda d: d["periode"].update(tot=2030), "periode.tot"),
        (lambda d: d["periode"].update(van="2015"), "periode.van"),
        (lambda d: d["periode"].update(van=1999), "periode.van"),
        (lambda d: d["data"].update(beleid="vers"), "data.beleid"),
        (lambda d: d.update(hoofdstukken=["01_criminaliteit", "07_bestaat_niet"]), "hoofdstukken[1]"),
        (
            lambda d: d["vergelijking"]["provincie"].update(gemeenten=["GM1701", "Meppel"]),
            "vergelijking.provincie.gemeenten[1]",
        ),
        (lambda d: d["vergelijking"]["provincie"].update(code="Drenthe"), "vergelijking.provincie.code"),
        (lambda d: d.update(onthulling={"drempel": 0}), "onthulling.drempel"),
        (lambda d: d.update(uitvoering={"parallel": "veel"}), "uitvoering.parallel"),
        (lambda d: d.update(invoer={"map": "data/inputs/{naam}", "voorbeeld": 5}), "invoer.voorbeeld"),
        (lambda d: d.update(invoer={"map": "data/inputs/{naam}", "voorbeeld": " "}), "invoer.voorbeeld"),
        (lambda d: d.update(invoer={"voorbeeld_gebruiken": "ja"}), "invoer.voorbeeld_gebruiken"),
        (lambda d: d.update(invoer={"voorbeeld_gebruiken": 1}), "invoer.voorbeeld_gebruiken"),
    ],
)
def test_invalid_values_name_the_key(change, key):
    data = base()
    change(data)
    with pytest.raises(ConfigError) as err:
        parse(data)
    assert err.value.key == key
    assert key in str(err.value)


@pytest.mark.fault("bad input")
def test_yaml_syntax_error_names_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("gemeente: GM1701\nperiode: {van: 2015, tot\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(bad)
    assert err.value.line == 3 and "regel 3" in str(err.value) and "geen geldige YAML" in str(err.value)


@pytest.mark.fault("bad input")
def test_missing_file():
    with pytest.raises(ConfigError) as err:
        load_config("config/bestaat-niet.yaml")
    assert "bestand niet gevonden" in str(err.value) and err.value.line is None


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "veiligheidsanalyse.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.fault("bad input")
@pytest.mark.parametrize(
    "change, key",
    [
        (lambda d: d.update(kleur="blauw"), "kleur"),
        (lambda d: d.update(gemeente="GM9999"), "gemeente"),  # valid form, unknown to the data
        (lambda d: d["vergelijking"]["peers"]["gemeenten"].append("GM9998"), "vergelijking.peers.gemeenten[9]"),
        (lambda d: d["periode"].update(van=2026), "periode.van"),
    ],
)
def test_cli_exits_2_naming_the_key_without_traceback(change, key, demo_config: Path, root: Path):
    data = yaml.safe_load(demo_config.read_text(encoding="utf-8"))
    change(data)
    demo_config.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = _cli("run", str(demo_config), "--quiet", cwd=root)
    assert result.returncode == 2, result.stderr
    assert key in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def _schema_fields():
    """(section, key, FieldInfo) of every key of the schema, sections included."""
    from pydantic import BaseModel

    from veiligheidsanalyse import config_schema

    seen, todo = set(), [config_schema.ConfigFile]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            yield model.__name__, name, info
            bare = config_schema._unwrap(info.annotation)[0]
            for inner in (bare, *getattr(bare, "__args__", ())):
                inner = config_schema._unwrap(inner)[0]
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    todo.append(inner)


def test_every_key_of_the_schema_declares_what_it_expects_in_dutch():
    """The schema is the one place that says what a key expects: every key that holds a value (not a
    section, whose own check lists its keys) has a Dutch description, which the error messages use."""
    from pydantic import BaseModel

    from veiligheidsanalyse import config_schema

    fields = list(_schema_fields())
    assert len(fields) > 50
    missing = []
    for section, name, info in fields:
        bare, declared = config_schema._unwrap(info.annotation)
        if isinstance(bare, type) and issubclass(bare, BaseModel):
            continue
        if not (info.description or declared):
            missing.append(f"{section}.{name}")
        # the elements of a list or mapping of values: their own description (an item left empty, a wrong item)
        elements = getattr(bare, "__args__", ())[-1:] if get_origin(bare) in (list, dict) else ()
        for element in elements:
            element_bare, element_declared = config_schema._unwrap(element)
            if (
                element_bare is not type(None)
                and not (isinstance(element_bare, type) and issubclass(element_bare, BaseModel))
                and not element_declared
            ):
                missing.append(f"{section}.{name} (elementen)")
    assert not missing, missing


def test_partner_kinds_of_the_configuration_are_those_of_the_templates():
    """The configuration checks invoer.bestanden against a light list; the templates define the kinds."""
    from veiligheidsanalyse.sources.inputs.templates import TEMPLATE_DATA
    from veiligheidsanalyse.sources.partner_kinds import TABLE_KINDS

    assert tuple(TEMPLATE_DATA) == TABLE_KINDS


def test_an_unknown_partner_kind_is_a_configuration_error_not_a_crash():
    data = base() | {"invoer": {"map": "data/inputs/{naam}", "bestanden": {"onzin": "x.csv"}}}
    with pytest.raises(ConfigError) as err:
        parse(data)
    assert err.value.key == "invoer.bestanden.onzin" and "halt" in err.value.message


def test_validating_imports_no_data_library():
    """Every run validates its configuration first, also the 0,3-second run that finds nothing changed:
    the schema may not pull in pandas."""
    code = (
        "import sys; from veiligheidsanalyse.config import load_config; load_config('config/westerveld.yaml'); "
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.stdout.strip() == "False"


def test_every_partner_kind_has_a_name_for_readers():
    from veiligheidsanalyse.sources.partner_kinds import KINDS, READER_NAMES

    assert set(READER_NAMES) == set(KINDS) and all("_" not in name for name in READER_NAMES.values())
