"""Messy but valid partner files are read correctly: title rows, Dutch numbers, percent strings,
thousands separators, trailing spaces, empty rows/columns, "."/"-" for unknown, encodings, sheets.
Also: recognising a file about another gemeente with and without ``known_gemeenten``, and reading
``known_gemeenten`` from the region code lists of snapshots."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from veiligheidsanalyse.sources.inputs import (
    InputsConfig,
    known_gemeenten_from_snapshots,
    load_inputs,
    validate_inputs,
)
from veiligheidsanalyse.sources.inputs.reading import decimal_hint, parse_number, parse_period, parse_year
from veiligheidsanalyse.sources.regions import gemeente_name
from veiligheidsanalyse.sources.snapshots import Snapshot, latest_snapshot
from veiligheidsanalyse.sources.tables import TABLES

GM, NAAM = "GM1701", "Westerveld"
DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
# A handful of gemeenten as a run gets them from the RegioS code lists (a long CBS series also
# lists former gemeenten such as Haren, merged into Groningen in 2019).
KNOWN = {
    "GM1701": "Westerveld",
    "GM1690": "De Wolden",
    "GM0119": "Meppel",
    "GM0014": "Groningen",
    "GM0017": "Haren",
    "GM0281": "Buren",
    "GM0753": "Best",
    "GM0164": "Hengelo (O.)",
}


def load(folder, **config):
    return load_inputs(InputsConfig(folder, **config), GM, NAAM)


def value(inputs, indicator, jaar, regio="GM1701"):
    obs = inputs.observations
    rows = obs[(obs.indicator == indicator) & (obs.jaar == jaar) & (obs.regio_code == regio)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# ----------------------------------------------------------------------------- number parsing
@pytest.mark.parametrize(
    "raw, integer, hint, expected, percent",
    [
        ("8,0", False, None, 8.0, False),
        ("8.0", False, None, 8.0, False),
        ("30%", False, None, 30.0, True),
        ("30 %", False, None, 30.0, True),
        ("14,3 %", False, None, 14.3, True),
        ("1.234", True, None, 1234.0, False),
        ("1.234.567", True, None, 1234567.0, False),
        ("1.234,5", False, None, 1234.5, False),
        ("1,234.5", False, None, 1234.5, False),
        ("1 234", True, None, 1234.0, False),
        ("1.234", False, ",", 1234.0, False),
        ("1.234", False, None, 1.234, False),
        ("1,234", True, None, 1234.0, False),
        ("0,30", False, None, 0.3, False),
        ("  12  ", True, None, 12.0, False),
        ("12\xa0", True, None, 12.0, False),
        ("-5", True, None, -5.0, False),
        ("−5", True, None, -5.0, False),
        (7, True, None, 7.0, False),
        (8.1, False, None, 8.1, False),
    ],
)
def test_parse_number(raw, integer, hint, expected, percent):
    number = parse_number(raw, integer=integer, hint=hint)
    assert number.error is None
    assert number.value == pytest.approx(expected)
    assert number.percent is percent


@pytest.mark.parametrize("raw", ["", " ", ".", "-", "–", "x", "?", "n.v.t.", "onbekend", None, float("nan")])
def test_unknown_is_none_never_zero(raw):
    number = parse_number(raw)
    assert number.error is None and number.value is None


@pytest.mark.parametrize("raw", ["veel", "12a", "1.2.3,4,5", "8,0,0", True])
def test_not_a_number(raw):
    assert parse_number(raw).error


def test_decimal_hint():
    assert decimal_hint(["8,0", "7,5"]) == ","
    assert decimal_hint(["8.0", "7.55"]) == "."
    assert decimal_hint(["1.234", "8"]) is None


@pytest.mark.parametrize(
    "raw, expected",
    [("2023", 2023), (2023, 2023), (2023.0, 2023), ("2023*", 2023), (" 2023 ", 2023), ("2023JJ00", 2023)],
)
def test_parse_year(raw, expected):
    assert parse_year(raw) == (expected, None)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2023", (2023, None)),
        ("2023-H1", (2023, 1)),
        ("2023 H2", (2023, 2)),
        ("2023H1", (2023, 1)),
        ("2023-HJ2", (2023, 2)),
        ("1e halfjaar 2023", (2023, 1)),
        ("2023 2e halfjaar", (2023, 2)),
        ("2023HJ01", (2023, 1)),
    ],
)
def test_parse_period(raw, expected):
    assert parse_period(raw) == (expected, None)


# ----------------------------------------------------------------------------- messy CSV files
def test_title_rows_blank_rows_footnotes_trailing_columns_and_spaces(tmp_path):
    (tmp_path / "halt.csv").write_text(
        "Halt-verwijzingen Westerveld;;;;\n"
        "Bron: Halt Noord-Nederland, export 12-03-2024;;;;\n"
        ";;;;\n"
        " Jaar ; DelictGroep ;Aantal  ;;\n"
        "2022 ; Vernieling ; 4 ;;\n"
        "2022;Diefstal;  3;;\n"
        "2022;TOTAAL;1.012;;\n"
        ";;;;\n"
        "2023;vernieling;.;;\n"
        "2023;diefstal;-;;\n"
        ";;;;\n"
        ";;;;\n"
        "* voorlopige cijfers;;;;\n",
        encoding="utf-8",
    )
    problems = validate_inputs(InputsConfig(tmp_path), GM, NAAM)
    assert not [p for p in problems if p.severity != "missing"], problems
    inputs = load(tmp_path)
    assert value(inputs, "halt_verwijzingen", 2022).waarde == 1012
    assert math.isnan(value(inputs, "halt_verwijzingen", 2023).waarde)  # sum of unknowns is unknown, never 0
    groups = inputs.halt_by_group
    assert list(groups[groups.jaar == 2022].delictgroep) == ["vernieling", "diefstal", "totaal"]
    assert list(groups[groups.jaar == 2022].rij) == [5, 6, 7]  # rows as Excel shows them
    assert groups[groups.jaar == 2023].aantal.isna().all()


def test_dutch_numbers_percent_strings_and_thousands_in_vm(tmp_path):
    (tmp_path / "veiligheidsmonitor.csv").write_text(
        "Veiligheidsmonitor 2021 - Westerveld\n"
        "\n"
        "Indicator;Editie;Gebied;Waarde;Ondergrens;Bovengrens;N ;Bron opmerking\n"
        "vm_veel_overlast_pct;2021;Westerveld;30%;27 %;33,0%;1.234;uit de tekst\n"
        "vm_leefbaarheid_cijfer;2021;gemeente Westerveld ;8,0;7,9;8,1;1.234;\n"
        "Rapportcijfer veiligheid in de buurt;2021;GM1701;8,1;.;.;-;\n"
        "vm_onveilig_buurt_pct;2021;Nederland;14;;;;\n"
        "vm_onveilig_buurt_pct;2021;Drenthe (PV);10,4;;;;\n"
        "vm_onveilig_buurt_pct;2021;Fryslân;12,0;;;;\n",
        encoding="utf-8",
    )
    inputs = load(tmp_path)
    overlast = value(inputs, "vm_veel_overlast_pct", 2021)
    assert (overlast.waarde, overlast.ondergrens, overlast.bovengrens, overlast.n) == (30.0, 27.0, 33.0, 1234.0)
    assert value(inputs, "vm_leefbaarheid_cijfer", 2021).waarde == 8.0
    veiligheid = value(inputs, "vm_veiligheid_cijfer", 2021)  # indicator given by its label
    assert veiligheid.waarde == 8.1 and math.isnan(veiligheid.ondergrens) and math.isnan(veiligheid.n)
    assert value(inputs, "vm_onveilig_buurt_pct", 2021, "NL01").regio_soort == "land"
    assert value(inputs, "vm_onveilig_buurt_pct", 2021, "PV22").waarde == 10.4
    assert value(inputs, "vm_onveilig_buurt_pct", 2021, "PV21").regio_naam == "Fryslân"
    assert (inputs.notes.bron_opmerking == "uit de tekst").sum() == 1


def test_margin_gives_bounds(tmp_path):
    (tmp_path / "veiligheidsmonitor.csv").write_text(
        "indicator;editie;gebied;waarde;marge\nvm_onveilig_buurt_pct;2017;Drenthe;13,2;0,9\n", encoding="utf-8"
    )
    row = value(load(tmp_path), "vm_onveilig_buurt_pct", 2017, "PV22")
    assert (row.ondergrens, row.bovengrens) == (pytest.approx(12.3), pytest.approx(14.1))


def test_comma_separated_with_quoted_decimals_and_bom(tmp_path):
    (tmp_path / "veiligheidsmonitor.csv").write_bytes(
        b"\xef\xbb\xbfindicator,editie,gebied,waarde\n"
        b'vm_leefbaarheid_cijfer,2021,Westerveld,"8,0"\n'
        b"vm_veiligheid_cijfer,2021,Westerveld,8.1\n"
    )
    inputs = load(tmp_path)
    assert value(inputs, "vm_leefbaarheid_cijfer", 2021).waarde == 8.0
    assert value(inputs, "vm_veiligheid_cijfer", 2021).waarde == 8.1


def test_cp1252_file_is_read_with_a_warning(tmp_path):
    text = "indicator;editie;gebied;waarde;bron_opmerking\nvm_onveilig_buurt_pct;2021;Fryslân;12;CBS – ‘provincie’\n"
    (tmp_path / "veiligheidsmonitor.csv").write_bytes(text.encode("cp1252"))
    problems = validate_inputs(InputsConfig(tmp_path), GM, NAAM)
    warnings = [p for p in problems if p.severity == "warning"]
    assert any("Windows-1252" in p.message for p in warnings)
    inputs = load(tmp_path)
    assert value(inputs, "vm_onveilig_buurt_pct", 2021, "PV21").waarde == 12
    assert inputs.notes.bron_opmerking.iloc[0] == "CBS – ‘provincie’"


def test_utf16_tab_separated_excel_unicode_text(tmp_path):
    text = "jaar\tsoort\taantal\r\n2022\ttotaal\t171\r\n2018\ttotaal\t186\r\n"
    (tmp_path / "veiligheidsregio.csv").write_bytes(text.encode("utf-16"))
    inputs = load(tmp_path)
    assert value(inputs, "vr_incidenten", 2022).waarde == 171


def test_crlf_and_semicolon_trailing_separators(tmp_path):
    (tmp_path / "politie_export.csv").write_bytes(b"jaar;soort;aantal;\r\n2023;E33 ;74;\r\n2023;Jeugdgroepen;1;\r\n")
    inputs = load(tmp_path)
    assert value(inputs, "overlast_verward", 2023).waarde == 74
    assert value(inputs, "jeugdgroepen", 2023).waarde == 1


# ----------------------------------------------------------------------------- xlsx
def _xlsx(path, sheets: dict[str, list[list]], formats: dict[tuple[str, str], str] | None = None):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    for (name, ref), fmt in (formats or {}).items():
        wb[name][ref].number_format = fmt
    wb.save(path)


def test_xlsx_with_title_rows_percent_cells_and_other_sheets(tmp_path):
    _xlsx(
        tmp_path / "veiligheidsmonitor.xlsx",
        {
            "Toelichting": [["Uitkomsten Veiligheidsmonitor 2021"], ["zie rapport I&O Research"]],
            "Blad2": [
                ["Veiligheidsmonitor 2021, gemeente Westerveld"],
                [],
                ["indicator", "editie", "gebied", "waarde", "ondergrens", "bovengrens", "n", None, None],
                ["vm_veel_overlast_pct", 2021.0, "Westerveld", 0.3, 0.27, 0.33, 512],
                ["vm_leefbaarheid_cijfer", 2021, "Westerveld", 8, None, None, "."],
                [None, None, None, None],
                [],
            ],
        },
        formats={("Blad2", "D4"): "0%", ("Blad2", "E4"): "0.0%", ("Blad2", "F4"): "0%"},
    )
    inputs = load(tmp_path)
    overlast = value(inputs, "vm_veel_overlast_pct", 2021)
    assert (overlast.waarde, overlast.ondergrens, overlast.bovengrens, overlast.n) == (30.0, 27.0, 33.0, 512.0)
    assert value(inputs, "vm_leefbaarheid_cijfer", 2021).waarde == 8.0
    assert list(inputs.veiligheidsmonitor.rij) == [4, 5]


def test_xlsx_configured_sheet_and_file_name(tmp_path):
    _xlsx(
        tmp_path / "Halt export 2024.xlsx",
        {
            "Meppel": [["jaar", "delictgroep", "aantal"], [2023, "totaal", 31]],
            "Westerveld": [
                ["Halt Westerveld"],
                ["jaar", "delictgroep", "aantal"],
                [2023, "totaal", 12],
                [2023, "vuurwerk", 3],
            ],
        },
    )
    config = {"files": {"halt": "Halt export 2024.xlsx"}, "sheets": {"halt": "westerveld "}}
    assert not [p for p in validate_inputs(InputsConfig(tmp_path, **config), GM, NAAM) if p.is_error]
    inputs = load(tmp_path, **config)
    assert value(inputs, "halt_verwijzingen", 2023).waarde == 12
    assert "Halt export 2024.xlsx" in value(inputs, "halt_verwijzingen", 2023).bron


def test_xlsx_sheet_named_after_kind_is_preferred(tmp_path):
    _xlsx(
        tmp_path / "vakantieparken.xlsx",
        {"oud": [["jaar", "aantal_parken"], [2019, 70]], "vakantieparken": [["jaar", "aantal_parken"], [2023, 64]]},
    )
    inputs = load(tmp_path)
    assert list(inputs.observations.jaar) == [2023]


# ----------------------------------------------------------------------------- totals and periods
def test_halt_total_row_wins_over_sum_and_sum_is_used_without_total(tmp_path):
    (tmp_path / "halt.csv").write_text(
        "jaar;delictgroep;aantal\n2022;diefstal;3\n2022;vernieling;4\n2022;totaal;9\n2023;diefstal;2\n2023;vuurwerk;5\n",
        encoding="utf-8",
    )
    inputs = load(tmp_path)
    assert value(inputs, "halt_verwijzingen", 2022).waarde == 9
    assert value(inputs, "halt_verwijzingen", 2023).waarde == 7
    note = inputs.notes[(inputs.notes.indicator == "halt_verwijzingen") & (inputs.notes.jaar == 2023)]
    assert "som" in note.bron_opmerking.iloc[0]


def test_vr_types_and_inconsistent_total_warning(tmp_path):
    (tmp_path / "veiligheidsregio.csv").write_text(
        "jaar;soort;aantal\n2022;brand;40\n2022;hulpverlening;60\n2022;totaal;90\n2021;brand;30\n2021;alarm;50\n",
        encoding="utf-8",
    )
    problems = validate_inputs(InputsConfig(tmp_path), GM, NAAM)
    assert any(p.severity == "warning" and p.row == 4 and "groter dan het totaal" in p.message for p in problems)
    inputs = load(tmp_path)
    assert value(inputs, "vr_incidenten", 2022).waarde == 90
    assert value(inputs, "vr_incidenten", 2021).waarde == 80  # sum of the soorten
    assert value(inputs, "vr_branden", 2021).waarde == 30
    assert set(inputs.vr_by_type.soort) == {"brand", "hulpverlening", "totaal", "alarm"}


def test_veilig_thuis_half_years(tmp_path):
    (tmp_path / "veilig_thuis.csv").write_text(
        "periode;soort;aantal\n2022-H1;meldingen;71\n2022 H2;meldingen;66\n2023;meldingen;140\n"
        "2023-H1;meldingen;74\n2023-H2;meldingen;70\n2024-H1;meldingen;80\n1e halfjaar 2022;adviezen;.\n"
        "2022-H2;adviezen;55\n",
        encoding="utf-8",
    )
    problems = validate_inputs(InputsConfig(tmp_path), GM, NAAM)
    warnings = [p for p in problems if p.severity == "warning"]
    assert any("niet de som" in p.message for p in warnings)  # 2023: 140 vs 144
    assert any("2024" in p.message and "halfjaar" in p.message for p in warnings)
    inputs = load(tmp_path)
    assert value(inputs, "veilig_thuis_meldingen", 2022).waarde == 137
    assert value(inputs, "veilig_thuis_meldingen", 2023).waarde == 140  # the year figure is used
    assert math.isnan(value(inputs, "veilig_thuis_adviezen", 2022).waarde)  # one half unknown
    assert 2024 not in set(inputs.observations.jaar)
    assert set(inputs.veilig_thuis_by_period.periode) >= {"2022-H1", "2022-H2", "2023", "2024-H1"}


def test_vm_kernen_from_mapping_and_warning_for_unknown_kern(tmp_path):
    (tmp_path / "kernen.csv").write_text("buurtcode;kern\nBU17011100;Vledder\nBU17010300;Dwingeloo\n", encoding="utf-8")
    (tmp_path / "veiligheidsmonitor.csv").write_text(
        "indicator;editie;gebied;waarde\nvm_veel_overlast_pct;2021;vledder;37\nvm_veel_overlast_pct;2021;Uffelte;28\n",
        encoding="utf-8",
    )
    problems = validate_inputs(InputsConfig(tmp_path), GM, NAAM)
    assert [(p.row, p.column, p.severity) for p in problems if p.severity != "missing"] == [(3, "gebied", "warning")]
    inputs = load(tmp_path)
    vledder = value(inputs, "vm_veel_overlast_pct", 2021, "KN1701-vledder")
    assert (vledder.regio_naam, vledder.regio_soort) == ("Vledder", "kern")
    assert list(inputs.kern_mapping.kern_code) == ["KN1701-vledder", "KN1701-dwingeloo"]


def test_warnings_do_not_block_loading(tmp_path):
    (tmp_path / "halt.csv").write_text("jaar;delictgroep;aantal;extra kolom\n2023;totaal;12;x\n", encoding="utf-8")
    (tmp_path / "halt_oud.csv").write_text("iets\n", encoding="utf-8")
    (tmp_path / "veiligheidsmonitor.csv").write_text(
        "indicator;editie;gebied;waarde\nvm_veel_overlast_pct;2022;Westerveld;0,3\n", encoding="utf-8"
    )
    problems = validate_inputs(InputsConfig(tmp_path), GM, NAAM)
    warnings = {(p.file.split("/")[-1], p.column) for p in problems if p.severity == "warning"}
    assert ("halt.csv", "extra kolom") in warnings  # unknown column
    assert ("halt_oud.csv", None) in warnings  # file not used
    assert ("veiligheidsmonitor.csv", "editie") in warnings  # no VM in 2022
    assert ("veiligheidsmonitor.csv", "waarde") in warnings  # 0,3 looks like a fraction
    inputs = load(tmp_path)
    assert value(inputs, "halt_verwijzingen", 2023).waarde == 12
    assert inputs.problems and not [p for p in inputs.problems if p.is_error]


def test_missing_inputs_are_reported_not_errors(tmp_path):
    (tmp_path / "halt.csv").write_text("jaar;delictgroep;aantal\n2023;totaal;12\n", encoding="utf-8")
    problems = validate_inputs(InputsConfig(tmp_path), GM, NAAM)
    assert {p.kind for p in problems if p.severity == "missing"} == {
        "veiligheidsmonitor",
        "veiligheidsregio",
        "veilig_thuis",
        "politie_export",
        "vakantieparken",
        "kernen",
        "verhaal",
    }
    assert not [p for p in problems if p.is_error]
    inputs = load(tmp_path)
    assert "halt" not in inputs.missing and "verhaal" in inputs.missing
    assert inputs.kern_mapping is None and inputs.stories == {}


def test_stories(tmp_path):
    (tmp_path / "verhaal").mkdir()
    (tmp_path / "verhaal" / "04_jeugd.md").write_bytes("\ufeff# Halt\r\n\r\nStabiel beeld.\r\n".encode("utf-8"))
    (tmp_path / "verhaal" / "leeg.md").write_text("x", encoding="utf-8")
    (tmp_path / "verhaal" / "05_fysiek.md").write_text("  \n", encoding="utf-8")
    problems = validate_inputs(InputsConfig(tmp_path), GM, NAAM)
    warnings = sorted(p.file.split("/")[-1] for p in problems if p.severity == "warning")
    assert warnings == ["05_fysiek.md", "leeg.md"]
    inputs = load(tmp_path)
    assert inputs.stories == {"04_jeugd": "# Halt\n\nStabiel beeld.\n"}
    assert any(path.endswith("04_jeugd.md") for path in inputs.files)


def test_gemeente_column_accepts_own_name_and_code(tmp_path):
    (tmp_path / "politie_export.csv").write_text(
        "jaar;soort;aantal;gemeente\n2022;e33;66;Westerveld\n2023;e33;74;GM1701\n2021;e33;63;gemeente westerveld\n",
        encoding="utf-8",
    )
    inputs = load(tmp_path)
    assert sorted(inputs.observations.jaar) == [2021, 2022, 2023]


def test_works_for_another_gemeente(tmp_path):
    (tmp_path / "veiligheidsmonitor.csv").write_text(
        "indicator;editie;gebied;waarde\nvm_leefbaarheid_cijfer;2021;Meppel;7,6\nvm_leefbaarheid_cijfer;2021;"
        "Westerveld;8,0\n",
        encoding="utf-8",
    )
    problems = validate_inputs(InputsConfig(tmp_path), "GM0119", "Meppel", known_gemeenten=KNOWN)
    errors = [p for p in problems if p.is_error]
    assert [(e.row, e.column) for e in errors] == [(3, "gebied")]  # Westerveld is another gemeente for Meppel
    assert "Westerveld (GM1701)" in errors[0].message
    (tmp_path / "veiligheidsmonitor.csv").write_text(
        "indicator;editie;gebied;waarde\nvm_leefbaarheid_cijfer;2021;Meppel;7,6\n", encoding="utf-8"
    )
    inputs = load_inputs(InputsConfig(tmp_path), "GM0119", "Meppel", known_gemeenten=KNOWN)
    assert value(inputs, "vm_leefbaarheid_cijfer", 2021, "GM0119").regio_naam == "Meppel"


def test_config_from_dict(tmp_path):
    config = InputsConfig.from_dict({"folder": "inputs/x", "files": {"halt": "h.csv"}}, base=tmp_path)
    assert config.folder == tmp_path / "inputs" / "x"
    assert InputsConfig.from_dict("a/b").folder.as_posix() == "a/b"
    dutch = InputsConfig.from_dict(
        {"map": "data/inputs/westerveld", "bestanden": {"halt": "Halt.xlsx"}, "tabbladen": {"halt": "Blad1"}}
    )
    assert (dutch.files, dutch.sheets) == ({"halt": "Halt.xlsx"}, {"halt": "Blad1"})
    with pytest.raises(ValueError, match="unknown kind"):
        InputsConfig(tmp_path, files={"hallt": "h.csv"})
    with pytest.raises(ValueError, match="unknown key"):
        InputsConfig.from_dict({"folder": "x", "mappen": "y"})


def test_xlsx_in_memory_reader_handles_bytes_io():
    # sanity: openpyxl reads what it wrote (the tests above rely on it)
    wb = openpyxl.Workbook()
    wb.active.append(["jaar"])
    buf = io.BytesIO()
    wb.save(buf)
    assert openpyxl.load_workbook(io.BytesIO(buf.getvalue()), read_only=True).active["A1"].value == "jaar"


def test_kern_named_like_a_former_gemeente_needs_the_kernen_file(tmp_path):
    # The code lists name Haren (a gemeente until 2019): without kernen.csv the row is refused,
    # with a hint; with Haren in kernen.csv it is a kern of Groningen.
    (tmp_path / "veiligheidsmonitor.csv").write_text(
        "Veiligheidsmonitor 2021 gemeente Haren en gemeente Groningen\n"
        "indicator;editie;gebied;waarde\nvm_leefbaarheid_cijfer;2021;Haren;8,1\nvm_leefbaarheid_cijfer;2021;Groningen;7,4\n",
        encoding="utf-8",
    )
    problems = [
        p
        for p in validate_inputs(InputsConfig(tmp_path), "GM0014", "Groningen", known_gemeenten=KNOWN)
        if p.severity != "missing"
    ]
    assert [(p.row, p.column, p.severity) for p in problems] == [(3, "gebied", "error")]
    assert "Haren (GM0017)" in problems[0].message and "kernen.csv" in problems[0].message
    (tmp_path / "kernen.csv").write_text(
        "buurtcode;kern\nBU00140000;Groningen-centrum\nBU00141700;Haren\n", encoding="utf-8"
    )
    problems = [
        p
        for p in validate_inputs(InputsConfig(tmp_path), "GM0014", "Groningen", known_gemeenten=KNOWN)
        if p.severity != "missing"
    ]
    assert problems == []
    inputs = load_inputs(InputsConfig(tmp_path), "GM0014", "Groningen", known_gemeenten=KNOWN)
    assert value(inputs, "vm_leefbaarheid_cijfer", 2021, "KN0014-haren").regio_soort == "kern"
    assert value(inputs, "vm_leefbaarheid_cijfer", 2021, "GM0014").waarde == 7.4


# ----------------------------------------------------------------------------- another gemeente
def _errors(folder, gemeente=(GM, NAAM), known=None):
    problems = validate_inputs(InputsConfig(folder), *gemeente, known_gemeenten=known)
    return [(Path(p.file).name, p.row, p.column) for p in problems if p.is_error]


def test_known_gemeenten_recognise_other_gemeenten_by_name(tmp_path):
    (tmp_path / "veiligheidsmonitor.csv").write_text(
        "indicator;editie;gebied;waarde\nvm_leefbaarheid_cijfer;2021;Meppel;7,6\n"
        "vm_veiligheid_cijfer;2021;gemeente De Wolden;8,0\nvm_veel_overlast_pct;2021;Dwingeloo;25\n",
        encoding="utf-8",
    )
    (tmp_path / "halt.csv").write_text(
        "Halt-verwijzingen gemeente Meppel\njaar;delictgroep;aantal\n2023;totaal;31\n", encoding="utf-8"
    )
    (tmp_path / "politie_export.csv").write_text(
        "jaar;soort;aantal;gemeente\n2023;e33;70;De Wolden\n", encoding="utf-8"
    )
    assert sorted(_errors(tmp_path, known=KNOWN)) == [
        ("halt.csv", 1, None),
        ("politie_export.csv", 2, "gemeente"),
        ("veiligheidsmonitor.csv", 2, "gebied"),
        ("veiligheidsmonitor.csv", 3, "gebied"),
    ]


def test_known_gemeenten_keys_and_titles_may_come_padded(tmp_path):
    (tmp_path / "veiligheidsmonitor.csv").write_text(
        "indicator;editie;gebied;waarde\nvm_leefbaarheid_cijfer;2021;Meppel;7,6\n", encoding="utf-8"
    )
    known = {"GM0119  ": " Meppel (GM) ", "GM1701  ": "Westerveld", "NL01  ": "Nederland"}
    assert _errors(tmp_path, known=known) == [("veiligheidsmonitor.csv", 2, "gebied")]


def test_own_title_in_the_code_lists_is_the_own_gemeente(tmp_path):
    (tmp_path / "veiligheidsmonitor.csv").write_text(
        "Veiligheidsmonitor gemeente Hengelo (O.)\nindicator;editie;gebied;waarde\n"
        "vm_leefbaarheid_cijfer;2021;Hengelo (O.);7,6\nvm_veiligheid_cijfer;2021;Hengelo;7,9\n",
        encoding="utf-8",
    )
    assert _errors(tmp_path, ("GM0164", "Hengelo"), KNOWN) == []
    inputs = load_inputs(InputsConfig(tmp_path), "GM0164", "", known_gemeenten=KNOWN)
    assert value(inputs, "vm_leefbaarheid_cijfer", 2021, "GM0164").regio_naam == "Hengelo (O.)"


def test_names_that_are_also_words_are_no_false_alarm(tmp_path):
    # "Best" and "Buren" are gemeenten: in a title they count only right after "gemeente".
    (tmp_path / "halt.csv").write_text(
        "Halt: best bekeken cijfers over buren en jeugd\njaar;delictgroep;aantal\n2023;totaal;31\n", encoding="utf-8"
    )
    (tmp_path / "veiligheidsregio.csv").write_text(
        "Brandweer: de beste cijfers, gemeente Westerveld en gemeente Buren samen\njaar;soort;aantal\n2023;brand;4\n",
        encoding="utf-8",
    )
    assert _errors(tmp_path, known=KNOWN) == []
    (tmp_path / "halt.csv").write_text(
        "Halt gemeente Buren\njaar;delictgroep;aantal\n2023;totaal;31\n", encoding="utf-8"
    )
    assert _errors(tmp_path, known=KNOWN) == [("halt.csv", 1, None)]


def test_without_known_gemeenten_codes_are_checked_and_names_are_not(tmp_path):
    (tmp_path / "veiligheidsmonitor.csv").write_text(
        "Veiligheidsmonitor 2021 gemeente Meppel\nindicator;editie;gebied;waarde\n"
        "vm_leefbaarheid_cijfer;2021;Meppel;7,6\nvm_veiligheid_cijfer;2021;GM0119;7,9\n"
        "vm_veel_overlast_pct;2021;GM1701;30\n",
        encoding="utf-8",
    )
    (tmp_path / "kernen.csv").write_text("buurtcode;kern\nBU17011100;Vledder\nBU01190000;Centrum\n", encoding="utf-8")
    (tmp_path / "halt.csv").write_text(
        "Export Halt GM1690\njaar;delictgroep;aantal\n2023;totaal;31\n", encoding="utf-8"
    )
    problems = validate_inputs(InputsConfig(tmp_path), GM, NAAM)  # known_gemeenten=None
    errors = [p for p in problems if p.is_error]
    assert sorted((Path(p.file).name, p.row, p.column) for p in errors) == [
        ("halt.csv", 1, None),
        ("kernen.csv", 3, "buurtcode"),
        ("veiligheidsmonitor.csv", 4, "gebied"),
    ]
    messages = " | ".join(p.message for p in errors)
    assert "GM1690" in messages and "GM0119" in messages and "Meppel" not in messages
    # "Meppel" (in the title and as gebied) is not recognised as a gemeente: the gebied is read as a kern
    (tmp_path / "halt.csv").unlink()
    (tmp_path / "kernen.csv").unlink()
    (tmp_path / "veiligheidsmonitor.csv").write_text(
        "Veiligheidsmonitor 2021 gemeente Meppel\nindicator;editie;gebied;waarde\n"
        "vm_leefbaarheid_cijfer;2021;Meppel;7,6\n",
        encoding="utf-8",
    )
    inputs = load_inputs(InputsConfig(tmp_path), GM, NAAM)
    assert value(inputs, "vm_leefbaarheid_cijfer", 2021, "KN1701-meppel").regio_soort == "kern"
    # with the known gemeenten the same file is refused twice: the title and the row
    assert _errors(tmp_path, known=KNOWN) == [
        ("veiligheidsmonitor.csv", 1, None),
        ("veiligheidsmonitor.csv", 3, "gebied"),
    ]


def test_gemeente_column_must_be_the_own_gemeente_even_without_known_gemeenten(tmp_path):
    (tmp_path / "politie_export.csv").write_text(
        "jaar;soort;aantal;gemeente\n2022;e33;66;Westerveld\n2023;e33;74;Meppel\n2021;e33;63;GM0119\n", encoding="utf-8"
    )
    problems = [p for p in validate_inputs(InputsConfig(tmp_path), GM, NAAM) if p.is_error]
    assert [(p.row, p.column) for p in problems] == [(3, "gemeente"), (4, "gemeente")]
    assert "onbekende gemeente" in problems[0].message and "andere gemeente" in problems[1].message


# ----------------------------------------------------------------------------- known_gemeenten_from_snapshots
def _snapshot(folder: Path, dimensions: dict) -> Snapshot:
    folder.mkdir(parents=True)
    (folder / "metadata.json").write_text(
        json.dumps({"TableInfos": {}, "DataProperties": [], "dimensions": dimensions}), encoding="utf-8"
    )
    return Snapshot(folder)


def test_known_gemeenten_from_the_demo_snapshots():
    snapshots = {table_id: latest_snapshot(DEMO, table_id) for table_id in TABLES}
    known = known_gemeenten_from_snapshots(snapshots.values())
    from veiligheidsanalyse.sources.demo import GEMEENTEN

    assert set(known) == {g.code for g in GEMEENTEN}  # every gemeente the demo generates, no more
    assert {code: known[code] for code in ("GM1701", "GM1690", "GM0118", "GM0119", "GM1731")} == {
        "GM1701": "Westerveld",
        "GM1690": "De Wolden",
        "GM0118": "Hoogeveen",
        "GM0119": "Meppel",
        "GM1731": "Midden-Drenthe",
    }
    assert all(code == code.strip() and code.startswith("GM") and len(code) == 6 for code in known)
    # level markers ("(gemeente)", "(GM)") are stripped; qualifiers that tell gemeenten apart stay
    assert all(
        name == name.strip() and "(gemeente)" not in name.lower() and "(gm)" not in name.lower()
        for name in known.values()
    )
    assert known.get("GM0687", "Middelburg (Z.)") == "Middelburg (Z.)"


def test_known_gemeenten_from_regios_and_wijken_en_buurten(tmp_path):
    regios = _snapshot(
        tmp_path / "83648NED" / "a",
        {
            "RegioS": [
                {"Key": "NL01  ", "Title": "Nederland", "Description": ""},
                {"Key": "PV22  ", "Title": "Drenthe (PV)", "Description": ""},
                {"Key": "GM0014  ", "Title": "Groningen (gemeente)", "Description": ""},
                {"Key": "GM1701", "Title": " Westerveld (GM) ", "Description": ""},
                {"Key": "GM0373  ", "Title": "Bergen (NH.)", "Description": ""},
            ],
            "Perioden": [{"Key": "2023JJ00", "Title": "2023"}],
        },
    )
    buurten = _snapshot(
        tmp_path / "47018NED" / "b",
        {
            "WijkenEnBuurten": [
                {"Key": "NL00      ", "Title": "Nederland"},
                {"Key": "GM1701    ", "Title": "Westerveld (oude naam)", "Municipality": "GM1701"},
                {"Key": "GM1680    ", "Title": "Aa en Hunze", "Municipality": "GM1680"},
                {"Key": "WK168000  ", "Title": "Wijk 00 Annen", "Municipality": "GM1680"},
                {"Key": "BU16800000", "Title": "Annen", "Municipality": "GM1680"},
            ],
        },
    )
    empty = _snapshot(tmp_path / "85146NED" / "c", {"Marges": [{"Key": "MW00000", "Title": "Waarde"}]})
    known = known_gemeenten_from_snapshots([regios, None, buurten, empty])
    assert known == {
        "GM0014": "Groningen",
        "GM1701": "Westerveld",
        "GM0373": "Bergen (NH.)",
        "GM1680": "Aa en Hunze",
    }  # the first list naming a code wins
    assert known_gemeenten_from_snapshots([]) == {}
    assert gemeente_name("Groningen (gemeente)") == "Groningen" and gemeente_name("Hengelo (O.)") == "Hengelo (O.)"


@given(st.integers(min_value=0, max_value=10**9))
def test_dutch_thousands_round_trip(number):
    dutch = f"{number:,}".replace(",", ".")
    assert parse_number(dutch, integer=True).value == number
    assert parse_number(f"{number:,}", integer=True).value == number


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False))
def test_dutch_decimal_comma_round_trip(number):
    english = f"{number:,.2f}"
    dutch = english.replace(",", "_").replace(".", ",").replace("_", ".")
    assert parse_number(dutch).value == pytest.approx(float(number))
    assert parse_number(english).value == pytest.approx(float(number))
    assert parse_number(dutch + " %").percent


def test_repeated_header_and_grand_total_rows(tmp_path):
    (tmp_path / "halt.csv").write_text(
        "jaar;delictgroep;aantal\n2022;totaal;12\njaar;delictgroep;aantal\n2023;totaal;11\nEindtotaal;;23\n",
        encoding="utf-8",
    )
    problems = [p for p in validate_inputs(InputsConfig(tmp_path), GM, NAAM) if p.severity != "missing"]
    assert [(p.row, p.severity) for p in problems] == [(5, "warning")]
    inputs = load(tmp_path)
    assert sorted(inputs.observations.waarde) == [11.0, 12.0]
