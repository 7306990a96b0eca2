"""Run configuration: valid files load; every kind of mistake names the key and exits with status 2."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

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
        (lambda d: d["vergelijking"]["provincie"].update(gemeenten=["GM1701", "Meppel"]),
         "vergelijking.provincie.gemeenten[1]"),
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


def test_yaml_syntax_error_names_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("gemeente: GM1701\nperiode: {van: 2015, tot\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(bad)
    assert err.value.line == 3 and "regel 3" in str(err.value) and "geen geldige YAML" in str(err.value)


def test_missing_file():
    with pytest.raises(ConfigError) as err:
        load_config("config/bestaat-niet.yaml")
    assert "bestand niet gevonden" in str(err.value) and err.value.line is None


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "veiligheidsanalyse.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


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
