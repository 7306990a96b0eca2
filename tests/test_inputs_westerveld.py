"""The Westerveld example inputs, the committed templates, and the promise that inputs are never modified."""

from __future__ import annotations

import builtins
import shutil
from pathlib import Path

import openpyxl
import pytest

from veiligheidsanalyse import observations as obs
from veiligheidsanalyse.indicators import catalogue
from veiligheidsanalyse.sources.inputs import (
    TABLE_KINDS,
    TEMPLATES,
    InputProblem,
    InputsConfig,
    format_problems,
    known_gemeenten_from_snapshots,
    load_inputs,
    validate_inputs,
    write_templates,
)
from veiligheidsanalyse.sources.inputs.templates import (
    ILLUSTRATIVE_NOTE,
    IVP_TEXT_NOTE,
    allowed_values,
    catalogue_codes,
)
from veiligheidsanalyse.sources.inputs.writing import csv_text
from veiligheidsanalyse.sources.snapshots import latest_snapshot
from veiligheidsanalyse.sources.tables import TABLES

ROOT = Path(__file__).resolve().parents[1]
WESTERVELD = ROOT / "data" / "inputs" / "voorbeeld" / "westerveld"
TEMPLATES_DIR = ROOT / "data" / "inputs" / "templates"
GM, NAAM = "GM1701", "Westerveld"


@pytest.fixture(scope="module")
def known_gemeenten() -> dict[str, str]:
    """The gemeenten of the demo snapshots' region code lists, as a run passes them."""
    return known_gemeenten_from_snapshots(latest_snapshot(ROOT / "data" / "demo", t) for t in TABLES)


@pytest.fixture(scope="module")
def inputs(known_gemeenten):
    return load_inputs(InputsConfig(WESTERVELD), GM, NAAM, known_gemeenten=known_gemeenten)


def val(inputs, indicator, jaar, regio=GM):
    o = inputs.observations
    rows = o[(o.indicator == indicator) & (o.jaar == jaar) & (o.regio_code == regio)]
    assert len(rows) == 1, (indicator, jaar, regio)
    return float(rows.waarde.iloc[0])


def test_westerveld_example_is_clean(known_gemeenten):
    assert {"GM1701", "GM1690", "GM0118", "GM0119", "GM1731"} <= set(known_gemeenten)
    for known in (known_gemeenten, None):
        problems = validate_inputs(InputsConfig(WESTERVELD), GM, NAAM, known_gemeenten=known)
        assert problems == [], format_problems(problems)


def test_westerveld_kernen_named_like_former_gemeenten_stay_kernen(known_gemeenten):
    # A long CBS series lists the gemeenten Westerveld was formed from (1998) under their own codes
    # (made-up codes here): the kernen in kernen.csv are still kernen, not other gemeenten.
    known = {**known_gemeenten, "GM9001": "Diever", "GM9002": "Dwingeloo", "GM9003": "Havelte", "GM9004": "Vledder"}
    problems = validate_inputs(InputsConfig(WESTERVELD), GM, NAAM, known_gemeenten=known)
    assert problems == [], format_problems(problems)


def test_westerveld_values_from_the_ivp(inputs):
    assert val(inputs, "vm_leefbaarheid_cijfer", 2021) == 8.0
    assert val(inputs, "vm_veel_overlast_pct", 2021) == 30.0
    assert val(inputs, "vm_veiligheid_cijfer", 2021) == 8.1
    assert val(inputs, "vm_slachtoffer_traditioneel_pct", 2021) == pytest.approx(100 / 12, abs=0.05)
    assert val(inputs, "vm_slachtoffer_online_pct", 2021) == pytest.approx(100 / 7, abs=0.05)
    assert val(inputs, "vm_preventie_woning", 2021) == 1.6
    assert val(inputs, "vm_preventie_online", 2021) == 2.7
    assert val(inputs, "vm_preventief_gedrag", 2021) == 1.8
    assert val(inputs, "vm_tevreden_politiecontact_pct", 2021) == pytest.approx(200 / 3, abs=0.05)
    assert val(inputs, "vr_incidenten", 2018) == 186
    assert val(inputs, "vr_incidenten", 2022) == 171
    assert val(inputs, "vakantieparken", 2023) == 64


def test_westerveld_comparison_and_kernen(inputs):
    assert val(inputs, "vm_onveilig_buurt_pct", 2021, "NL01") == 14
    assert val(inputs, "vm_slachtoffer_traditioneel_pct", 2021, "NL01") == 17
    assert val(inputs, "vm_leefbaarheid_cijfer", 2021, "NL01") == 7.6
    assert val(inputs, "vm_onveilig_buurt_pct", 2017, "PV22") == 13.2
    assert {2017, 2021} <= set(inputs.observations[inputs.observations.indicator.str.startswith("vm_")].jaar)
    # IVP: Dwingeloo and Diever above, Vledder below the gemeente on leefbaarheid/veiligheid, more overlast
    for indicator in ("vm_leefbaarheid_cijfer", "vm_veiligheid_cijfer"):
        gemeente = val(inputs, indicator, 2021)
        assert val(inputs, indicator, 2021, "KN1701-dwingeloo") > gemeente
        assert val(inputs, indicator, 2021, "KN1701-diever") > gemeente
        assert val(inputs, indicator, 2021, "KN1701-vledder") < gemeente
    assert val(inputs, "vm_veel_overlast_pct", 2021, "KN1701-vledder") > val(inputs, "vm_veel_overlast_pct", 2021)
    kernen = inputs.observations[inputs.observations.regio_soort == "kern"]
    assert set(kernen.regio_code) == {"KN1701-dwingeloo", "KN1701-diever", "KN1701-havelte", "KN1701-vledder"}


def test_westerveld_partner_series(inputs):
    halt = inputs.observations[inputs.observations.indicator == "halt_verwijzingen"]
    assert len(halt) >= 5 and halt.waarde.between(10, 15).all()
    assert {
        "veilig_thuis_meldingen",
        "veilig_thuis_adviezen",
        "overlast_verward",
        "jeugdgroepen",
        "woonoverlast_meldingen",
        "vr_branden",
    } <= set(inputs.observations.indicator)
    assert set(inputs.tables) == {
        "veiligheidsmonitor",
        "halt_by_group",
        "vr_by_type",
        "veilig_thuis_by_period",
        "politie_by_type",
        "vakantieparken",
    }
    assert inputs.missing == []
    assert set(inputs.stories) == {"04_jeugd", "05_fysiek"}


def test_westerveld_observation_contract(inputs):
    o = inputs.observations
    obs.validate(o)
    assert set(o.status) == {"partner"}
    assert set(o.indicator) <= set(catalogue())
    assert o.bron.str.match(r"^partner: [a-z_]+ \([^)]+\.(csv|xlsx)\)$").all()
    assert o.snapshot.str.fullmatch(r"[0-9a-f]{64}").all()
    for bron, snapshot in o[["bron", "snapshot"]].drop_duplicates().itertuples(index=False):
        name = bron.split("(")[1].rstrip(")")
        assert inputs.files[str(WESTERVELD / name)] == snapshot


def test_kern_mapping_covers_every_buurt(inputs):
    mapping = inputs.kern_mapping
    assert len(mapping) == 45 and mapping.buurtcode.str.fullmatch(r"BU1701\d{4}").all()
    assert set(mapping.kern) == {"Havelte", "Diever", "Dwingeloo", "Vledder", "Overig/buitengebied"}
    row = mapping.set_index("buurtcode").loc["BU17011100"]
    assert (row.kern, row.kern_code) == ("Vledder", "KN1701-vledder")


def test_every_example_value_names_its_origin(inputs):
    for name, table in inputs.tables.items():
        assert table.bron_opmerking.notna().all(), name
        notes = table.bron_opmerking.astype(str)
        assert notes.str.contains("IVP 2023-2027|illustratief|CBS Veiligheidsmonitor", regex=True).all(), name
    vm = inputs.veiligheidsmonitor
    from_ivp = vm[(vm.regio_code == GM) & (vm.editie == 2021)]
    assert from_ivp.bron_opmerking.str.startswith(IVP_TEXT_NOTE).all()
    kern_rows = vm[vm.regio_soort == "kern"]
    assert kern_rows.bron_opmerking.str.startswith(ILLUSTRATIVE_NOTE).all()
    kernen_text = (WESTERVELD / "kernen.csv").read_text(encoding="utf-8")
    assert kernen_text.count("illustratief voorbeeld") == 45


def test_inputs_are_never_modified(tmp_path, monkeypatch):
    folder = tmp_path / "inputs"
    shutil.copytree(WESTERVELD, folder)
    wb = openpyxl.Workbook()
    wb.active.title = "halt"
    wb.active.append(["jaar", "delictgroep", "aantal"])
    wb.active.append([2024, "totaal", 12])
    (folder / "halt.csv").unlink()
    wb.save(folder / "halt.xlsx")
    (folder / "onbekend.txt").write_text("x", encoding="utf-8")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
    listing = sorted(folder.rglob("*"))

    opened_for_writing: list[str] = []
    real_open = builtins.open

    def watching_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            opened_for_writing.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watching_open)
    validate_inputs(InputsConfig(folder), GM, NAAM, known_gemeenten={"GM0119": "Meppel"})
    loaded = load_inputs(InputsConfig(folder), GM, NAAM, known_gemeenten={"GM0119": "Meppel"})
    monkeypatch.undo()

    assert loaded.observations[loaded.observations.indicator == "halt_verwijzingen"].waarde.tolist() == [12.0]
    assert not [f for f in opened_for_writing if str(folder) in f]
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(folder.rglob("*")) == listing  # nothing added (no lock files, no caches)


def test_malformed_inputs_are_not_modified_either(tmp_path):
    (tmp_path / "halt.xlsx").write_bytes(b"PK\x03\x04broken")
    (tmp_path / "halt_x.csv").write_bytes(b"\x81\x8d")
    (tmp_path / "veiligheidsregio.csv").write_bytes(b"\x81\x8d\x90")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    validate_inputs(InputsConfig(tmp_path), GM, NAAM)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()} == before


# ----------------------------------------------------------------------------- templates
def test_committed_templates_are_up_to_date(tmp_path):
    written = write_templates(tmp_path)
    for path in written:
        committed = TEMPLATES_DIR / path.relative_to(tmp_path)
        assert committed.is_file(), (
            f"{committed} missing: run python -m veiligheidsanalyse.sources.inputs {TEMPLATES_DIR}"
        )
        if path.suffix == ".xlsx":
            fresh = openpyxl.load_workbook(path)
            old = openpyxl.load_workbook(committed)
            assert fresh.sheetnames == old.sheetnames
            for name in fresh.sheetnames:
                assert [[c.value for c in r] for r in fresh[name].iter_rows()] == [
                    [c.value for c in r] for r in old[name].iter_rows()
                ], f"{committed}:{name} is out of date"
        else:
            assert path.read_bytes() == committed.read_bytes(), f"{committed} is out of date: regenerate the templates"


@pytest.mark.parametrize("kind", TABLE_KINDS)
def test_template_with_its_example_row_loads(tmp_path, kind, known_gemeenten):
    template = TEMPLATES[kind]
    text = csv_text(template).replace("# voorbeeld (deze regel wordt overgeslagen): ", "")
    (tmp_path / f"{kind}.csv").write_text(text, encoding="utf-8")
    problems = [
        p
        for p in validate_inputs(InputsConfig(tmp_path), GM, NAAM, known_gemeenten=known_gemeenten)
        if p.severity != "missing"
    ]
    if kind == "veilig_thuis":  # the example is one half year: a warning that no year figure follows
        assert [p.column for p in problems] == ["periode"] and problems[0].severity == "warning"
    else:
        assert problems == [], format_problems(problems)
    inputs = load_inputs(InputsConfig(tmp_path), GM, NAAM, known_gemeenten=known_gemeenten)
    if kind not in ("kernen", "veilig_thuis"):
        assert len(inputs.observations) == 1


@pytest.mark.parametrize("kind", TABLE_KINDS)
def test_empty_template_is_an_error_not_a_crash(tmp_path, kind):
    shutil.copy(TEMPLATES_DIR / f"{kind}.xlsx", tmp_path / f"{kind}.xlsx")
    problems = [p for p in validate_inputs(InputsConfig(tmp_path), GM, NAAM) if p.is_error]
    assert len(problems) == 1 and "geen gegevens" in problems[0].message


def test_catalogue_codes_are_allowed_by_the_templates():
    for indicator in catalogue().values():
        kind = indicator.input_kind
        if kind is None:
            continue
        assert kind in TEMPLATES, f"{indicator.id}: input kind {kind!r} has no template"
        template = TEMPLATES[kind]
        code = indicator.source["code"]
        code_columns = [c for c in template.columns if c.type == "code"]
        allowed = {v for c in code_columns for v in allowed_values(template, c)}
        assert code in allowed or code in template.column_names, f"{indicator.id}: code {code!r} not in template"
    assert catalogue_codes("politie_export")["e33"] == "overlast_verward"


def test_header_spellings_do_not_collide():
    for template in TEMPLATES.values():
        seen: dict[str, str] = {}
        for column in template.columns:
            for spelling in column.header_names:
                assert seen.setdefault(spelling, column.name) == column.name, (template.kind, spelling)


def test_format_problems_one_line_per_problem():
    problems = [
        InputProblem(
            file="data/inputs/x/halt.csv",
            row=5,
            column="aantal",
            column_letter="C",
            message="negatief aantal / negative count",
            found="-3",
            expected="geheel getal >= 0",
        ),
        InputProblem(file="data/inputs/x/vm.xlsx", sheet="Blad1", message="leeg / empty"),
        InputProblem(file="data/inputs/x/kernen.csv|.xlsx", severity="missing", message="ontbreekt / missing"),
        InputProblem(file="data/inputs/x/halt.csv", row=1, column="extra", severity="warning", message="onbekend"),
    ]
    lines = format_problems(problems).splitlines()
    assert lines[0] == (
        "data/inputs/x/halt.csv:5:aantal (C): FOUT/ERROR: negatief aantal / negative count "
        "(found '-3', expected geheel getal >= 0)"
    )
    assert lines[1] == "data/inputs/x/vm.xlsx:Blad1:-:-: FOUT/ERROR: leeg / empty"
    assert lines[2].startswith("data/inputs/x/halt.csv:1:extra: LET OP/WARNING")
    assert lines[3].startswith("data/inputs/x/kernen.csv|.xlsx:-:-: ONTBREEKT/MISSING")
    assert lines[4].startswith("2 fout(en), 1 waarschuwing(en), 1 ontbrekend")
    assert format_problems([]).startswith("Geen problemen")
