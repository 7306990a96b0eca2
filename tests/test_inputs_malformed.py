"""Malformed partner files: each gives a clear problem naming file, row and column, never a traceback.

``MALFORMED`` is the catalogue of cases (a later fault-injection suite counts them): each case
writes one or more files into an empty inputs folder, runs ``validate_inputs`` and expects an
error at the given row and column (row as Excel shows it: 1-based, title rows counted).

The gemeenten a file may not be about are those of the demo snapshots (``known_gemeenten``, read
from their RegioS code lists), as a run passes them; cases with ``known=False`` run without them.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest

from veiligheidsanalyse.sources.inputs import (
    InputsConfig,
    InputValidationError,
    format_problems,
    known_gemeenten_from_snapshots,
    load_inputs,
    validate_inputs,
)
from veiligheidsanalyse.sources.snapshots import latest_snapshot
from veiligheidsanalyse.sources.tables import TABLES

GM, NAAM = "GM1701", "Westerveld"
DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


@pytest.fixture(scope="module")
def known_gemeenten() -> dict[str, str]:
    """{GMxxxx: name} from the region code lists of the demo snapshots, as a run builds it."""
    known = known_gemeenten_from_snapshots(latest_snapshot(DEMO, table_id) for table_id in TABLES)
    assert {"GM1701", "GM1690", "GM0119"} <= set(known)
    return known


VM_HEADER = "indicator;editie;gebied;waarde;ondergrens;bovengrens;n\n"


def xlsx_bytes(rows: list[list], title: str = "Blad1", formats: dict[str, str] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def encrypted_xlsx() -> bytes:
    """What Excel writes for a password-protected workbook: an OLE2/CFB container, not a zip."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50 + "EncryptedPackage".encode("utf-16-le")
    return header + directory + b"\x00" * 1024


def old_xls() -> bytes:
    return bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 512


@dataclass
class Case:
    id: str
    files: dict[str, str | bytes | Callable[[], bytes]]
    row: int | None
    column: str | None
    file: str
    text: str = ""  # a word the message must contain
    config: dict = field(default_factory=dict)
    gemeente: tuple[str, str] = (GM, NAAM)
    known: bool = True  # pass the known gemeenten of the demo data (False: known_gemeenten=None)


def vm(*rows: str) -> dict[str, str]:
    return {"veiligheidsmonitor.csv": VM_HEADER + "".join(r + "\n" for r in rows)}


MALFORMED: list[Case] = [
    # ------------------------------------------------------------------ Veiligheidsmonitor
    Case(
        "vm_missing_required_column",
        {"veiligheidsmonitor.csv": "indicator;editie;gebied\nvm_leefbaarheid_cijfer;2021;Westerveld\n"},
        1,
        "waarde",
        "veiligheidsmonitor.csv",
        "ontbreekt",
    ),
    Case(
        "vm_unknown_indicator",
        vm("vm_bestaat_niet;2021;Westerveld;8,0;;;"),
        2,
        "indicator",
        "veiligheidsmonitor.csv",
        "onbekende waarde",
    ),
    Case(
        "vm_percent_above_100",
        vm("vm_veel_overlast_pct;2021;Westerveld;130;;;"),
        2,
        "waarde",
        "veiligheidsmonitor.csv",
        "buiten het bereik",
    ),
    Case(
        "vm_percent_negative",
        vm("vm_veel_overlast_pct;2021;Westerveld;-5;;;"),
        2,
        "waarde",
        "veiligheidsmonitor.csv",
        "buiten het bereik",
    ),
    Case(
        "vm_rapportcijfer_above_10",
        vm("vm_leefbaarheid_cijfer;2021;Westerveld;11,5;;;"),
        2,
        "waarde",
        "veiligheidsmonitor.csv",
        "rapportcijfer",
    ),
    Case(
        "vm_rapportcijfer_below_1",
        vm("vm_leefbaarheid_cijfer;2021;Westerveld;0,5;;;"),
        2,
        "waarde",
        "veiligheidsmonitor.csv",
        "rapportcijfer",
    ),
    Case(
        "vm_score_above_scale_max",
        vm("vm_preventie_woning;2021;Westerveld;5;;;"),
        2,
        "waarde",
        "veiligheidsmonitor.csv",
        "0-4",
    ),
    Case(
        "vm_percent_sign_on_rapportcijfer",
        vm("vm_leefbaarheid_cijfer;2021;Westerveld;80%;;;"),
        2,
        "waarde",
        "veiligheidsmonitor.csv",
        "percentage",
    ),
    Case(
        "vm_lower_bound_above_value",
        vm("vm_leefbaarheid_cijfer;2021;Westerveld;8,0;8,5;8,9;"),
        2,
        "ondergrens",
        "veiligheidsmonitor.csv",
        "ondergrens",
    ),
    Case(
        "vm_upper_bound_below_value",
        vm("vm_leefbaarheid_cijfer;2021;Westerveld;8,0;7,5;7,9;"),
        2,
        "bovengrens",
        "veiligheidsmonitor.csv",
        "bovengrens",
    ),
    Case(
        "vm_lower_above_upper",
        vm("vm_veel_overlast_pct;2021;Westerveld;30;35;25;"),
        2,
        "ondergrens",
        "veiligheidsmonitor.csv",
        "groter dan bovengrens",
    ),
    Case(
        "vm_bound_out_of_range",
        vm("vm_veel_overlast_pct;2021;Westerveld;99;97;101;"),
        2,
        "bovengrens",
        "veiligheidsmonitor.csv",
        "buiten het bereik",
    ),
    Case(
        "vm_edition_too_old",
        vm("vm_leefbaarheid_cijfer;1999;Westerveld;8,0;;;"),
        2,
        "editie",
        "veiligheidsmonitor.csv",
        "niet aannemelijk",
    ),
    Case(
        "vm_edition_in_future",
        vm("vm_leefbaarheid_cijfer;2099;Westerveld;8,0;;;"),
        2,
        "editie",
        "veiligheidsmonitor.csv",
        "toekomst",
    ),
    Case(
        "vm_edition_not_a_year",
        vm("vm_leefbaarheid_cijfer;twintig21;Westerveld;8,0;;;"),
        2,
        "editie",
        "veiligheidsmonitor.csv",
        "geen jaartal",
    ),
    Case(
        "vm_value_not_a_number",
        vm("vm_leefbaarheid_cijfer;2021;Westerveld;hoog;;;"),
        2,
        "waarde",
        "veiligheidsmonitor.csv",
        "geen getal",
    ),
    Case(
        "vm_duplicate_key",
        vm(
            "vm_leefbaarheid_cijfer;2021;Westerveld;8,0;;;",
            "vm_veiligheid_cijfer;2021;Westerveld;8,1;;;",
            "vm_leefbaarheid_cijfer;2021;GM1701;8,0;;;",
        ),
        4,
        "indicator",
        "veiligheidsmonitor.csv",
        "dubbele rij",
    ),
    Case(
        "vm_wrong_gemeente_name",
        vm("vm_leefbaarheid_cijfer;2021;Meppel;7,8;;;"),
        2,
        "gebied",
        "veiligheidsmonitor.csv",
        "andere gemeente",
    ),
    Case(
        "vm_wrong_gemeente_code",
        vm("vm_leefbaarheid_cijfer;2021;GM0119;7,8;;;"),
        2,
        "gebied",
        "veiligheidsmonitor.csv",
        "Meppel",
    ),
    Case(
        "vm_wrong_gemeente_code_without_known_gemeenten",
        vm("vm_leefbaarheid_cijfer;2021;GM0119;7,8;;;"),
        2,
        "gebied",
        "veiligheidsmonitor.csv",
        "GM0119",
        known=False,
    ),
    Case(
        "vm_unsupported_area",
        vm("vm_leefbaarheid_cijfer;2021;basisteam Zuidwest-Drenthe;7,8;;;"),
        2,
        "gebied",
        "veiligheidsmonitor.csv",
        "niet ondersteund",
    ),
    Case(
        "vm_n_not_whole",
        vm("vm_leefbaarheid_cijfer;2021;Westerveld;8,0;;;12,5"),
        2,
        "n",
        "veiligheidsmonitor.csv",
        "geheel getal",
    ),
    Case(
        "vm_n_zero",
        vm("vm_leefbaarheid_cijfer;2021;Westerveld;8,0;;;0"),
        2,
        "n",
        "veiligheidsmonitor.csv",
        "respondent",
    ),
    Case("vm_empty_indicator", vm(";2021;Westerveld;8,0;;;"), 2, "indicator", "veiligheidsmonitor.csv", "lege cel"),
    Case(
        "vm_negative_margin",
        {
            "veiligheidsmonitor.csv": "indicator;editie;gebied;waarde;marge\n"
            "vm_veel_overlast_pct;2021;Westerveld;30;-2\n"
        },
        2,
        "marge",
        "veiligheidsmonitor.csv",
        "marge",
    ),
    Case(
        "vm_kern_of_other_gemeente_in_title",
        {
            "veiligheidsmonitor.csv": "Veiligheidsmonitor 2021 gemeente De Wolden\n"
            + VM_HEADER
            + "vm_leefbaarheid_cijfer;2021;Ruinen;7,9;;;\n"
        },
        1,
        None,
        "veiligheidsmonitor.csv",
        "De Wolden",
    ),
    # ------------------------------------------------------------------ Veiligheidsregio
    Case(
        "vr_unknown_type",
        {"veiligheidsregio.csv": "jaar;soort;aantal\n2022;explosie;3\n"},
        2,
        "soort",
        "veiligheidsregio.csv",
        "onbekende waarde",
    ),
    Case(
        "vr_negative_count",
        {"veiligheidsregio.csv": "jaar;soort;aantal\n2022;totaal;-3\n"},
        2,
        "aantal",
        "veiligheidsregio.csv",
        "negatief",
    ),
    Case(
        "vr_fraction_count",
        {"veiligheidsregio.csv": "jaar;soort;aantal\n2022;totaal;12,5\n"},
        2,
        "aantal",
        "veiligheidsregio.csv",
        "geheel getal",
    ),
    Case(
        "vr_year_in_future",
        {"veiligheidsregio.csv": "jaar;soort;aantal\n2099;totaal;170\n"},
        2,
        "jaar",
        "veiligheidsregio.csv",
        "toekomst",
    ),
    Case(
        "vr_year_implausible",
        {"veiligheidsregio.csv": "jaar;soort;aantal\n1850;totaal;170\n"},
        2,
        "jaar",
        "veiligheidsregio.csv",
        "niet aannemelijk",
    ),
    Case(
        "vr_duplicate_year_type",
        {"veiligheidsregio.csv": "jaar;soort;aantal\n2022;totaal;171\n2022;brand;40\n2022;Totaal ;171\n"},
        4,
        "jaar",
        "veiligheidsregio.csv",
        "dubbele rij",
    ),
    Case(
        "vr_wrong_gemeente_column",
        {"veiligheidsregio.csv": "jaar;soort;aantal;gemeente\n2022;totaal;171;Westerveld\n2022;brand;40;Meppel\n"},
        3,
        "gemeente",
        "veiligheidsregio.csv",
        "andere gemeente",
    ),
    Case(
        "vr_text_in_count",
        {"veiligheidsregio.csv": "jaar;soort;aantal\n2022;totaal;veel\n"},
        2,
        "aantal",
        "veiligheidsregio.csv",
        "geen getal",
    ),
    Case(
        "vr_missing_type_column",
        {"veiligheidsregio.csv": "jaar;aantal\n2022;171\n"},
        1,
        "soort",
        "veiligheidsregio.csv",
        "ontbreekt",
    ),
    Case(
        "vr_unknown_gemeente_column",
        {"veiligheidsregio.csv": "jaar;soort;aantal;gemeente\n2022;totaal;171;Atlantis\n"},
        2,
        "gemeente",
        "veiligheidsregio.csv",
        "onbekende gemeente",
    ),
    # ------------------------------------------------------------------ Halt
    Case(
        "halt_unknown_group",
        {"halt.csv": "jaar;delictgroep;aantal\n2022;zwartrijden;2\n"},
        2,
        "delictgroep",
        "halt.csv",
        "onbekende waarde",
    ),
    Case(
        "halt_percent_in_count",
        {"halt.csv": "jaar;delictgroep;aantal\n2022;totaal;30%\n"},
        2,
        "aantal",
        "halt.csv",
        "percentage",
    ),
    Case(
        "halt_duplicate_case_variant",
        {"halt.csv": "Verwijzingen Halt\n\njaar;delictgroep;aantal\n2022;totaal;12\n2022; TOTAAL ;12\n"},
        5,
        "jaar",
        "halt.csv",
        "rij 4",
    ),
    Case("halt_empty_year", {"halt.csv": "jaar;delictgroep;aantal\n;totaal;12\n"}, 2, "jaar", "halt.csv", "lege cel"),
    Case(
        "halt_wrong_gemeente_in_title",
        {"halt.csv": "Halt-verwijzingen gemeente Meppel 2023\njaar;delictgroep;aantal\n2023;totaal;31\n"},
        1,
        None,
        "halt.csv",
        "Meppel",
    ),
    Case(
        "halt_wrong_gemeente_code_in_title",
        {"halt.csv": "Export GM0119 Halt\njaar;delictgroep;aantal\n2023;totaal;31\n"},
        1,
        None,
        "halt.csv",
        "GM0119",
    ),
    Case(
        "halt_wrong_gemeente_code_in_title_without_known_gemeenten",
        {"halt.csv": "Export Halt GM0119\njaar;delictgroep;aantal\n2023;totaal;31\n"},
        1,
        None,
        "halt.csv",
        "GM0119",
        known=False,
    ),
    Case(
        "halt_duplicate_header_column",
        {"halt.csv": "jaar;delictgroep;aantal;Aantal\n2022;totaal;12;12\n"},
        1,
        "aantal",
        "halt.csv",
        "twee keer",
    ),
    Case(
        "halt_comma_separated_decimal_comma",
        {"halt.csv": "jaar,delictgroep,aantal\n2022,totaal,12,5\n"},
        2,
        None,
        "halt.csv",
        "decimale komma",
    ),
    Case(
        "halt_unquoted_separator_in_text",
        {"halt.csv": "jaar;delictgroep;aantal;bron_opmerking\n2022;totaal;12;export; bijgewerkt\n"},
        2,
        None,
        "halt.csv",
        "aanhalingstekens",
    ),
    # ------------------------------------------------------------------ Veilig Thuis
    Case(
        "vt_bad_half_year",
        {"veilig_thuis.csv": "periode;soort;aantal\n2023-H3;meldingen;70\n"},
        2,
        "periode",
        "veilig_thuis.csv",
        "halfjaar",
    ),
    Case(
        "vt_unknown_type",
        {"veilig_thuis.csv": "periode;soort;aantal\n2023;huisverboden;4\n"},
        2,
        "soort",
        "veilig_thuis.csv",
        "onbekende waarde",
    ),
    Case(
        "vt_duplicate_period_spelling",
        {"veilig_thuis.csv": "periode;soort;aantal\n2023-H1;meldingen;70\n2023 H1;meldingen;70\n"},
        3,
        "periode",
        "veilig_thuis.csv",
        "dubbele rij",
    ),
    Case(
        "vt_negative",
        {"veilig_thuis.csv": "periode;soort;aantal\n2023;adviezen;-1\n"},
        2,
        "aantal",
        "veilig_thuis.csv",
        "negatief",
    ),
    # ------------------------------------------------------------------ politie
    Case(
        "politie_unknown_type",
        {"politie_export.csv": "jaar;soort;aantal\n2023;E99;4\n"},
        2,
        "soort",
        "politie_export.csv",
        "onbekende waarde",
    ),
    Case(
        "politie_date_in_year_xlsx",
        {"politie_export.xlsx": lambda: _date_year_xlsx()},
        2,
        "jaar",
        "politie_export.xlsx",
        "jaartal",
    ),
    Case(
        "politie_wrong_gemeente_code_column",
        {"politie_export.csv": "jaar;soort;aantal;gemeente\n2023;e33;70;GM1690\n"},
        2,
        "gemeente",
        "politie_export.csv",
        "De Wolden",
    ),
    Case(
        "politie_wrong_gemeente_code_column_without_known_gemeenten",
        {"politie_export.csv": "jaar;soort;aantal;gemeente\n2023;e33;70;GM1690\n"},
        2,
        "gemeente",
        "politie_export.csv",
        "GM1690",
        known=False,
    ),
    # ------------------------------------------------------------------ vakantieparken
    Case(
        "vakantieparken_missing_column",
        {"vakantieparken.csv": "jaar;permanente_bewoning\n2023;120\n"},
        1,
        "aantal_parken",
        "vakantieparken.csv",
        "ontbreekt",
    ),
    Case(
        "vakantieparken_duplicate_year",
        {"vakantieparken.csv": "jaar;aantal_parken\n2023;64\n2023;63\n"},
        3,
        "jaar",
        "vakantieparken.csv",
        "dubbele rij",
    ),
    Case(
        "vakantieparken_fraction",
        {"vakantieparken.csv": "jaar;aantal_parken\n2023;64,5\n"},
        2,
        "aantal_parken",
        "vakantieparken.csv",
        "geheel getal",
    ),
    # ------------------------------------------------------------------ kernen
    Case(
        "kernen_bad_buurtcode",
        {"kernen.csv": "buurtcode;kern\nBU1701;Vledder\n"},
        2,
        "buurtcode",
        "kernen.csv",
        "buurtcode",
    ),
    Case(
        "kernen_buurt_of_other_gemeente",
        {"kernen.csv": "buurtcode;kern\nBU17011100;Vledder\nBU01190000;Meppel\n"},
        3,
        "buurtcode",
        "kernen.csv",
        "andere gemeente",
    ),
    Case(
        "kernen_duplicate_buurt",
        {"kernen.csv": "buurtcode;kern\nBU17011100;Vledder\nbu17011100;Vledder\n"},
        3,
        "buurtcode",
        "kernen.csv",
        "dubbele rij",
    ),
    Case("kernen_empty_kern", {"kernen.csv": "buurtcode;kern\nBU17011100;\n"}, 2, "kern", "kernen.csv", "lege cel"),
    # ------------------------------------------------------------------ whole files
    Case("empty_file", {"halt.csv": b""}, None, None, "halt.csv", "leeg"),
    Case("whitespace_only_file", {"halt.csv": "\n \r\n\t\n"}, None, None, "halt.csv", "leeg"),
    Case("header_without_data", {"halt.csv": "jaar;delictgroep;aantal\n\n"}, 1, None, "halt.csv", "geen gegevens"),
    Case(
        "not_the_right_file",
        {"halt.csv": "naam;adres;woonplaats\nJan;Dorpsstraat 1;Vledder\n"},
        1,
        None,
        "halt.csv",
        "kopregel",
    ),
    Case(
        "wrong_encoding",
        {"halt.csv": b"jaar;delictgroep;aantal\n2022;totaal;12\n2023;\x81\x8d\x90;3\n"},
        3,
        None,
        "halt.csv",
        "tekenset",
    ),
    Case(
        "utf16_without_bom",
        {"halt.csv": "jaar;delictgroep;aantal\n2022;totaal;12\n".encode("utf-16-le")},
        None,
        None,
        "halt.csv",
        "nul-bytes",
    ),
    Case("xlsx_password_protected", {"halt.xlsx": encrypted_xlsx}, None, None, "halt.xlsx", "wachtwoord"),
    Case("xlsx_is_old_xls", {"halt.xlsx": old_xls}, None, None, "halt.xlsx", ".xls"),
    Case("xlsx_corrupt_zip", {"halt.xlsx": b"PK\x03\x04" + b"\x00garbage" * 50}, None, None, "halt.xlsx", "beschadigd"),
    Case(
        "xlsx_truncated",
        {"halt.xlsx": lambda: xlsx_bytes([["jaar", "delictgroep", "aantal"]])[:700]},
        None,
        None,
        "halt.xlsx",
        "beschadigd",
    ),
    Case(
        "xlsx_zip_without_workbook",
        {"halt.xlsx": lambda: _zip_without_workbook()},
        None,
        None,
        "halt.xlsx",
        "beschadigd",
    ),
    Case(
        "xlsx_is_text",
        {"halt.xlsx": "jaar;delictgroep;aantal\n2022;totaal;12\n"},
        None,
        None,
        "halt.xlsx",
        "tekstbestand",
    ),
    Case(
        "xlsx_missing_sheet",
        {"halt.xlsx": lambda: xlsx_bytes([["jaar", "delictgroep", "aantal"], [2022, "totaal", 12]])},
        None,
        None,
        "halt.xlsx",
        "Blad9",
        config={"sheets": {"halt": "Blad9"}},
    ),
    Case("xlsx_empty_workbook", {"halt.xlsx": lambda: xlsx_bytes([])}, None, None, "halt.xlsx", "leeg"),
    Case(
        "xlsx_text_in_count",
        {
            "halt.xlsx": lambda: xlsx_bytes(
                [["Halt Westerveld"], [], ["jaar", "delictgroep", "aantal"], [2022, "totaal", "twaalf"]], title="halt"
            )
        },
        4,
        "aantal",
        "halt.xlsx",
        "geen getal",
    ),
    Case(
        "xlsx_named_csv",
        {"halt.csv": lambda: xlsx_bytes([["jaar", "delictgroep", "aantal"]])},
        None,
        None,
        "halt.csv",
        "Excel-bestand",
    ),
    Case(
        "csv_and_xlsx_both_present",
        {
            "halt.csv": "jaar;delictgroep;aantal\n2022;totaal;12\n",
            "halt.xlsx": lambda: xlsx_bytes([["jaar", "delictgroep", "aantal"], [2022, "totaal", 12]]),
        },
        None,
        None,
        "halt",
        "meerdere bestanden",
    ),
    Case("unsupported_extension", {"halt.xls": old_xls}, None, None, "halt.xls", ".xls"),
    Case("configured_file_missing", {}, None, None, "nope.csv", "bestaat niet", config={"files": {"halt": "nope.csv"}}),
    Case("required_input_missing", {}, None, None, "halt", "verplicht", config={"required": ["halt"]}),
    Case(
        "story_wrong_encoding",
        {"verhaal/04_jeugd.md": b"Halt \x81\x8d\x90 verhaal"},
        None,
        None,
        "04_jeugd.md",
        "tekenset",
    ),
    Case(
        "invalid_gemeente_code",
        {"halt.csv": "jaar;delictgroep;aantal\n2022;totaal;12\n"},
        None,
        None,
        "",
        "gemeentecode",
        gemeente=("1701", NAAM),
    ),
]


def _date_year_xlsx() -> bytes:
    import datetime

    return xlsx_bytes([["jaar", "soort", "aantal"], [datetime.datetime(2023, 1, 1), "e33", 70]])


def _zip_without_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    return buf.getvalue()


def write_case(folder: Path, case: Case) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content = content()
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


def test_there_are_at_least_40_malformed_cases():
    assert len(MALFORMED) >= 40
    assert len({c.id for c in MALFORMED}) == len(MALFORMED)


@pytest.mark.fault("bad input")
@pytest.mark.parametrize("case", MALFORMED, ids=[c.id for c in MALFORMED])
def test_malformed_input_gives_clear_error(tmp_path, case, known_gemeenten):
    folder = tmp_path / "inputs"
    write_case(folder, case)
    config = InputsConfig.from_dict({"folder": str(folder), **case.config})
    known = known_gemeenten if case.known else None
    problems = validate_inputs(config, *case.gemeente, known_gemeenten=known)  # must not raise
    errors = [p for p in problems if p.severity == "error"]
    report = format_problems(problems)
    assert errors, f"no error for {case.id}:\n{report}"
    matching = [
        p
        for p in errors
        if case.file in p.file
        and (case.row is None or p.row == case.row)
        and (case.column is None or p.column == case.column)
    ]
    assert matching, f"no error at {case.file}:{case.row}:{case.column} for {case.id}:\n{report}"
    line = str(matching[0])
    assert case.file in line
    if case.row is not None:
        assert f":{case.row}:" in line
    if case.column is not None:
        assert f":{case.column}" in line
    assert case.text.casefold() in line.casefold(), line
    assert " / " in matching[0].message  # Dutch / English
    assert "Traceback" not in report

    # load_inputs refuses with the same problems, as one exception listing them
    with pytest.raises(InputValidationError) as info:
        load_inputs(config, *case.gemeente, known_gemeenten=known)
    assert info.value.errors
    assert case.file in str(info.value)


@pytest.mark.fault("bad input")
def test_every_problem_is_listed_at_once(tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "halt.csv").write_text("jaar;delictgroep;aantal\n2022;zwartrijden;2\n2099;totaal;-1\n", encoding="utf-8")
    (folder / "veiligheidsregio.csv").write_text("jaar;soort;aantal\n2022;totaal;veel\n", encoding="utf-8")
    (folder / "kernen.csv").write_bytes(b"")
    problems = [p for p in validate_inputs(InputsConfig(folder), GM, NAAM) if p.is_error]
    where = {(Path(p.file).name, p.row, p.column) for p in problems}
    assert {
        ("halt.csv", 2, "delictgroep"),
        ("halt.csv", 3, "jaar"),
        ("halt.csv", 3, "aantal"),
        ("veiligheidsregio.csv", 2, "aantal"),
        ("kernen.csv", None, None),
    } <= where


@pytest.mark.fault("bad input")
def test_missing_folder_is_one_clear_error(tmp_path):
    problems = validate_inputs(InputsConfig(tmp_path / "bestaat-niet"), GM, NAAM)
    assert [p.severity for p in problems] == ["error"]
    assert "bestaat niet" in problems[0].message
