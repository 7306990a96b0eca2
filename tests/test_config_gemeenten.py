"""A config for several gemeenten (``gemeenten:``), its regional report and the new run keys."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from veiligheidsanalyse.config import DEFAULT_REGIO_THEMAS, ConfigError, load_config, parse_config

CHAPTERS = ["00_gebied", "01_criminaliteit"]


def multi() -> dict:
    return {
        "gemeenten": [{"code": "GM0119", "naam": "Meppel"}, "GM1731", {"code": "GM1701", "naam": "Westerveld"}],
        "regio_rapport": {"code": "ZWD", "naam": "Zuidwest-Drenthe"},
        "periode": {"van": 2015, "tot": 2025},
        "data": {"beleid": "demo"},
    }


def parse(data: dict):
    return parse_config(data, source="test.yaml", name="test", chapters=CHAPTERS, today=date(2026, 11, 27))


def test_shipped_configs_for_several_gemeenten(root: Path):
    zwd = load_config(root / "config" / "zuidwest-drenthe.yaml")
    assert zwd.multi and zwd.targets() == ["GM0119", "GM1731", "GM1701"]
    assert zwd.regio_rapport.naam == "Zuidwest-Drenthe" and zwd.regio_rapport.gemeenten == (
        "GM0119",
        "GM1731",
        "GM1701",
    )
    themes = dict(zwd.regio_rapport.themas)
    assert themes["Ondermijning"] == ("drugshandel", "wapenhandel", "mensenhandel", "drugsafval_bodem")
    assert themes["Jonge aanwas"] == ("overlast_jeugd", "halt_verwijzingen")
    assert themes["Digitale veiligheid"] == ("cybercrime", "fraude_horizontaal", "fraude_overig")
    assert themes["Veilig buitengebied"] == ("drugsafval_bodem", "autokraak", "inbraak_bedrijven")
    assert themes["Zorg en veiligheid"] == ("overlast_verward",)
    team = load_config(root / "config" / "basisteam.yaml")
    assert sorted(team.targets()) == sorted(["GM1701", "GM1690", "GM0118", "GM0119", "GM1731"])
    assert set(team.targets()) == set(team.vergelijking.regio.gemeenten)


def test_single_gemeente_still_works(root: Path):
    config = load_config(root / "config" / "westerveld.yaml")
    assert not config.multi and config.targets() == ["GM1701"] and config.regio_rapport is None
    assert config.bewaar_runs == 10


def test_one_gemeente_of_the_list_is_what_the_notebooks_load(root: Path):
    path = root / "config" / "zuidwest-drenthe.yaml"
    config = load_config(path)
    for code, naam in (("GM0119", "Meppel"), ("GM1731", "Midden-Drenthe"), ("GM1701", "Westerveld")):
        one = config.for_gemeente(code)
        assert one == load_config(path, gemeente=code)  # the runner's config = the kernel's config
        assert one.gemeente == code and one.naam == naam and not one.multi
        assert one.regio_rapport == config.regio_rapport  # still knows its region
        assert one.uitspraken == ()  # a previous plan's statements belong to one gemeente's own config


def test_entries_may_be_codes_or_mappings_and_default_themes():
    data = multi()
    del data["regio_rapport"]
    config = parse(data)
    assert [g.code for g in config.gemeenten] == ["GM0119", "GM1731", "GM1701"]
    assert config.gemeenten[1].naam is None and config.gemeenten[0].naam == "Meppel"
    assert dict(config.regio_rapport.themas) == {k: tuple(v) for k, v in DEFAULT_REGIO_THEMAS.items()}
    assert config.regio_rapport.naam == "Test"  # from the config's name when not given


@pytest.mark.parametrize(
    "change, key",
    [
        (lambda d: d.update(gemeenten="GM0119"), "gemeenten"),
        (lambda d: d.update(gemeenten=[]), "gemeenten"),
        (lambda d: d["gemeenten"].__setitem__(1, "Midden-Drenthe"), "gemeenten[1]"),
        (lambda d: d["gemeenten"].__setitem__(0, {"naam": "Meppel"}), "gemeenten[0].code"),
        (lambda d: d["gemeenten"].__setitem__(0, {"code": "GM119"}), "gemeenten[0].code"),
        (lambda d: d["gemeenten"].__setitem__(0, {"code": "GM0119", "name": "Meppel"}), "gemeenten[0].name"),
        (lambda d: d["gemeenten"].__setitem__(0, {"code": "GM0119", "naam": ""}), "gemeenten[0].naam"),
        (lambda d: d["gemeenten"].append("GM1731"), "gemeenten[3]"),
        (lambda d: d.pop("gemeenten"), "gemeente"),
        (lambda d: d.update(naam="Zuidwest-Drenthe"), "naam"),
        (lambda d: d.update(uitspraken=[]), "uitspraken"),
        (lambda d: d["regio_rapport"].update(onbekend=1), "regio_rapport.onbekend"),
        (lambda d: d["regio_rapport"].update(code="zuid west"), "regio_rapport.code"),
        (
            lambda d: d["regio_rapport"].update(themas={"Ondermijning": "drugshandel"}),
            "regio_rapport.themas.Ondermijning",
        ),
        (
            lambda d: d["regio_rapport"].update(themas={"Ondermijning": ["drugshandel", "drugs"]}),
            "regio_rapport.themas.Ondermijning[1]",
        ),
        (
            lambda d: d["regio_rapport"].update(themas={"Beleving": ["vm_veiligheid_cijfer"]}),
            "regio_rapport.themas.Beleving[0]",
        ),
        (lambda d: d.update(uitvoering={"bewaar_runs": 0}), "uitvoering.bewaar_runs"),
        (lambda d: d.update(uitvoering={"bewaar_runs": "alle"}), "uitvoering.bewaar_runs"),
    ],
)
def test_mistakes_name_the_key(change, key):
    data = multi()
    change(data)
    with pytest.raises(ConfigError) as err:
        parse(data)
    assert err.value.key == key
    assert key in str(err.value)


def test_regional_report_needs_a_list():
    with pytest.raises(ConfigError) as err:
        parse({"gemeente": "GM1701", "regio_rapport": {"naam": "Regio"}})
    assert err.value.key == "regio_rapport"


def test_gemeente_next_to_the_list_selects_one(tmp_path: Path):
    path = tmp_path / "regio.yaml"
    path.write_text(yaml.safe_dump(multi()), encoding="utf-8")
    one = load_config(path, gemeente="GM1731")
    assert not one.multi and one.targets() == ["GM1731"] and one.regio_rapport.code == "ZWD"


def test_cli_rejects_an_invalid_list_with_status_2(tmp_path: Path, root: Path):
    import subprocess
    import sys

    data = multi()
    data["gemeenten"][1] = "Midden-Drenthe"
    path = tmp_path / "regio.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "veiligheidsanalyse.cli", "run", str(path)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "gemeenten[1]" in result.stderr and "Traceback" not in result.stderr
