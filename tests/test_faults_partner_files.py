"""Fault injection, bad partner files as they arrive in the folder of ``invoer.map``: formulas without a
stored value, extra sheets, merged cells, folders/FIFOs/links where a file is expected, files too
large, many errors in one file, invisible characters in names, a folder with only unknown files.

Each case goes through ``veiligheidsanalyse validate CONFIG`` (and for most also ``run CONFIG``)
in-process, as ``test_faults_inputs_cli`` does, and must end in exit status 2 with a Dutch message
naming the file (and sheet/row/cell where relevant), no traceback, and nothing published.
"""

from __future__ import annotations

import builtins
import io
import os
import re
import signal
import zipfile
from pathlib import Path

import openpyxl
import pytest

from test_faults_inputs_cli import base_config, file_state, run_cli, run_folders, write_config
from veiligheidsanalyse.sources.inputs import reading

pytestmark = pytest.mark.fault("bad input")

HALT = "jaar;delictgroep;aantal\n2023;totaal;12\n2023;vuurwerk;3\n"


def config_for(tmp_path: Path, folder: Path, **invoer) -> Path:
    data = base_config(tmp_path)
    data["invoer"] = {"map": str(folder), **invoer}
    data["hoofdstukken"] = ["00_gebied"]
    return write_config(tmp_path / "westerveld.yaml", data)


def check(tmp_path: Path, folder: Path, command: str = "validate", **invoer) -> tuple[int, str, str]:
    """Run the command on ``folder``; inputs unchanged, nothing published, no traceback."""
    config = config_for(tmp_path, folder, **invoer)
    before = file_state(config)
    argv = [command, str(config)] + (["--quiet"] if command == "run" else [])
    code, out, err = run_cli(argv)
    assert "Traceback" not in out + err, out + err
    assert file_state(config) == before
    if code != 0:
        assert not run_folders(tmp_path / "outputs")
    return code, out, err


def lines_naming(text: str, name: str, *words: str) -> list[str]:
    """Lines of ``text`` that name ``name`` and contain every word (case-insensitive)."""
    return [line for line in text.splitlines() if name in line and all(w.casefold() in line.casefold() for w in words)]


def assert_error(code: int, out: str, err: str, name: str, *words: str) -> str:
    assert code == 2, f"exit {code}\n{out}\n{err}"
    found = lines_naming(err, name, "FOUT", *words)
    assert found, f"no error line naming {name!r} with {words}:\n{err}"
    return found[0]


def xlsx(path: Path, sheets: dict[str, list[list]], merge: dict[str, list[str]] | None = None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for ref in (merge or {}).get(name, []):
            ws.merge_cells(ref)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "inputs"
    path.mkdir()
    return path


@pytest.fixture
def alarm():
    """Fail instead of hanging (a FIFO opened for reading waits for a writer)."""

    def timeout(*_):
        raise TimeoutError("the command hung: was a FIFO opened?")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# ------------------------------------------------------------------ 3. not a regular file
@pytest.mark.parametrize("command", ["validate", "run"])
def test_folder_named_like_a_partner_file_is_an_error_not_missing(tmp_path, folder, command):
    (folder / "halt.csv").mkdir()
    (folder / "halt.csv" / "halt.csv").write_text(HALT, encoding="utf-8")
    code, out, err = check(tmp_path, folder, command)
    line = assert_error(code, out, err, "halt.csv", "is een map", "geen gewoon bestand")
    assert "ontbreekt" not in line
    assert not lines_naming(out + err, "halt", "ONTBREEKT")


@pytest.mark.parametrize("command", ["validate", "run"])
def test_fifo_named_like_a_partner_file_is_an_error_and_never_opened(tmp_path, folder, alarm, command):
    os.mkfifo(folder / "veiligheidsregio.csv")
    code, out, err = check(tmp_path, folder, command)
    assert_error(code, out, err, "veiligheidsregio.csv", "FIFO", "geen gewoon bestand")


def test_fifo_as_a_story_is_an_error(tmp_path, folder, alarm):
    (folder / "verhaal").mkdir()
    os.mkfifo(folder / "verhaal" / "04_jeugd.md")
    code, out, err = check(tmp_path, folder)
    assert_error(code, out, err, "04_jeugd.md", "FIFO")


def test_configured_file_that_is_a_folder_is_an_error(tmp_path, folder):
    (folder / "Halt 2024.csv").mkdir()
    code, out, err = check(tmp_path, folder, bestanden={"halt": "Halt 2024.csv"})
    assert_error(code, out, err, "Halt 2024.csv", "is een map")


# ------------------------------------------------------------------ 4. links out of the folder
SECRET = "GEHEIM-wachtwoord-7f3a"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file outside the partner folder, in the shape of a partner file, with a secret in it."""
    target = tmp_path / "elders" / "geheim.csv"
    target.parent.mkdir()
    target.write_text(HALT + f"2022;{SECRET};1\n", encoding="utf-8")
    return target


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """Every path opened in this process (builtins.open, io.open, os.open), resolved."""
    seen: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def record(file):
        if isinstance(file, (str, bytes, os.PathLike)):
            seen.append(os.path.realpath(os.fsdecode(file)))

    def spy_open(file, *args, **kwargs):
        record(file)
        return real_open(file, *args, **kwargs)

    def spy_os_open(path, *args, **kwargs):
        record(path)
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    return seen


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("name", ["halt.csv", "notities.csv"])
def test_link_out_of_the_folder_is_refused_naming_only_the_link(tmp_path, folder, outside, opened, command, name):
    (folder / name).symlink_to(outside)
    code, out, err = check(tmp_path, folder, command)
    assert_error(code, out, err, name, "symbolische link", "buiten de map")
    assert SECRET not in out + err and "geheim" not in out + err and "elders" not in out + err
    assert str(outside) not in opened, "the target of the link was opened"


def test_stories_folder_linked_out_of_the_folder_is_refused(tmp_path, folder, opened):
    stories = tmp_path / "elders" / "verhalen"
    stories.mkdir(parents=True)
    (stories / "04_jeugd.md").write_text(f"# {SECRET}\n", encoding="utf-8")
    (folder / "verhaal").symlink_to(stories, target_is_directory=True)
    opened.clear()
    code, out, err = check(tmp_path, folder)
    assert_error(code, out, err, "verhaal", "symbolische link")
    assert SECRET not in out + err and "elders" not in out + err
    assert str(stories / "04_jeugd.md") not in opened


def test_story_linked_out_of_the_folder_is_refused(tmp_path, folder, outside, opened):
    (folder / "verhaal").mkdir()
    (folder / "verhaal" / "04_jeugd.md").symlink_to(outside)
    opened.clear()
    code, out, err = check(tmp_path, folder)
    assert_error(code, out, err, "04_jeugd.md", "symbolische link")
    assert SECRET not in out + err and str(outside) not in opened


def test_link_within_the_folder_is_read(tmp_path, folder):
    (folder / "exports").mkdir()
    (folder / "exports" / "halt-2024.csv").write_text(HALT, encoding="utf-8")
    (folder / "halt.csv").symlink_to(Path("exports") / "halt-2024.csv")
    code, out, err = check(tmp_path, folder)
    assert code == 0, out + err
    assert not lines_naming(out + err, "halt.csv", "symbolische link")


# ------------------------------------------------------------------ 5. size, before reading
def test_limit_is_a_documented_constant():
    assert reading.MAX_FILE_BYTES == 20 * 1024 * 1024
    assert "MAX_FILE_BYTES" in reading.__doc__ and "20 MB" in reading.__doc__


@pytest.mark.parametrize("command", ["validate", "run"])
def test_file_larger_than_the_limit_is_an_error_and_not_opened(tmp_path, folder, opened, command):
    big = folder / "halt.csv"
    with open(big, "wb") as fh:
        fh.write(HALT.encode("utf-8"))
        fh.truncate(reading.MAX_FILE_BYTES + 1)  # sparse: no disk used
    opened.clear()
    code, out, err = check(tmp_path, folder, command)
    line = assert_error(code, out, err, "halt.csv", "te groot", "20 MB", "20.971.521 bytes")
    assert "hoogstens 20 MB" in line
    assert str(big) not in opened, "a file above the limit was opened"


def test_run_never_opens_a_link_target_or_a_file_above_the_limit(tmp_path, folder, outside, opened):
    (folder / "halt.csv").symlink_to(outside)
    with open(folder / "veiligheidsregio.csv", "wb") as fh:
        fh.truncate(reading.MAX_FILE_BYTES + 1)
    opened.clear()
    code, out, err = check(tmp_path, folder, "run")
    assert code == 2, out + err
    assert str(outside) not in opened and str(folder / "veiligheidsregio.csv") not in opened


def test_story_larger_than_the_limit_is_an_error(tmp_path, folder):
    (folder / "verhaal").mkdir()
    with open(folder / "verhaal" / "04_jeugd.md", "wb") as fh:
        fh.truncate(reading.MAX_FILE_BYTES + 10)
    code, out, err = check(tmp_path, folder)
    assert_error(code, out, err, "04_jeugd.md", "te groot", "20 MB")


def test_xlsx_that_unpacks_beyond_the_limit_is_an_error(tmp_path, folder, monkeypatch):
    xlsx(folder / "halt.xlsx", {"halt": [["jaar", "delictgroep", "aantal"], [2023, "totaal", 12]]})
    monkeypatch.setattr(reading, "MAX_XLSX_UNPACKED_BYTES", 2_000)
    code, out, err = check(tmp_path, folder)
    assert_error(code, out, err, "halt.xlsx", "uitgepakt", "grens")


def test_too_many_rows_is_an_error(tmp_path, folder, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 5)
    rows = "".join(f"{year};totaal;1\n" for year in range(2010, 2020))
    (folder / "halt.csv").write_text("jaar;delictgroep;aantal\n" + rows, encoding="utf-8")
    code, out, err = check(tmp_path, folder)
    assert_error(code, out, err, "halt.csv", "rijen", "5")


# ------------------------------------------------------------------ 8. only unknown files
@pytest.mark.parametrize("command", ["validate", "run"])
def test_folder_with_only_unknown_files_is_an_error(tmp_path, folder, command):
    (folder / "Halt 2023.csv").write_text(HALT, encoding="utf-8")
    (folder / "notities.docx").write_bytes(b"PK\x03\x04")
    (folder / "README.md").write_text("leveringen\n", encoding="utf-8")
    code, out, err = check(tmp_path, folder, command)
    line = assert_error(code, out, err, str(folder), "geen enkel partnerbestand herkend")
    assert "Halt 2023.csv" in line and "notities.docx" in line and "halt.csv|.xlsx" in line
    assert "Partnerbestanden in" not in out  # not "in orde"


def test_folder_with_only_a_subfolder_is_an_error(tmp_path, folder):
    (folder / "levering 2024").mkdir()
    (folder / "levering 2024" / "halt.csv").write_text(HALT, encoding="utf-8")
    code, out, err = check(tmp_path, folder)
    line = assert_error(code, out, err, str(folder), "geen enkel partnerbestand herkend")
    assert "levering 2024/" in line


def test_folder_with_a_known_file_and_an_unknown_one_is_fine(tmp_path, folder):
    (folder / "halt.csv").write_text(HALT, encoding="utf-8")
    (folder / "notities.docx").write_bytes(b"PK\x03\x04")
    code, out, err = check(tmp_path, folder)
    assert code == 0, out + err
    assert lines_naming(out, "notities.docx", "LET OP", "niet gebruikt")


def test_folder_with_only_a_readme_is_not_an_error(tmp_path, folder):
    (folder / "README.md").write_text("Hier komen de leveringen.\n", encoding="utf-8")
    code, out, err = check(tmp_path, folder)
    assert code == 0, out + err


# ------------------------------------------------------------------ 1. formulas without a stored value
@pytest.mark.parametrize("command", ["validate", "run"])
def test_formula_without_stored_value_is_an_error_naming_file_sheet_and_cell(tmp_path, folder, command):
    # openpyxl (like many export tools) writes formulas without their result: data_only reading sees None
    xlsx(
        folder / "halt.xlsx",
        {"halt": [["jaar", "delictgroep", "aantal"], [2023, "vuurwerk", 3], [2023, "totaal", "=SUM(C2:C2)"]]},
    )
    code, out, err = check(tmp_path, folder, command)
    line = assert_error(code, out, err, "halt.xlsx:halt:3:aantal (C)", "formule zonder opgeslagen waarde", "C3")
    assert "opgeslagen waarde" in line


def test_formula_with_stored_value_is_read(tmp_path, folder):
    """What Excel saves: the formula and its cached result; the result is read."""
    xlsx(folder / "halt.xlsx", {"halt": [["jaar", "delictgroep", "aantal"], [2023, "totaal", "=1+2"]]})
    path = folder / "halt.xlsx"
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert b"<f>1+2</f><v" in parts[sheet]
    parts[sheet] = re.sub(rb"<f>1\+2</f><v\s*/>", b"<f>1+2</f><v>3</v>", parts[sheet])
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    code, out, err = check(tmp_path, folder)
    assert code == 0, out + err
    assert "formule" not in out + err


# ------------------------------------------------------------------ 2. sheets and merged cells
@pytest.mark.parametrize("command", ["validate", "run"])
def test_two_sheets_with_the_template_and_no_rule_to_choose_is_an_error(tmp_path, folder, command):
    xlsx(
        folder / "halt.xlsx",
        {
            "2022": [["jaar", "delictgroep", "aantal"], [2022, "totaal", 10]],
            "2023": [["jaar", "delictgroep", "aantal"], [2023, "totaal", 12]],
        },
    )
    code, out, err = check(tmp_path, folder, command)
    assert_error(code, out, err, "halt.xlsx", "meerdere tabbladen", "'2022'", "'2023'")


def test_sheet_named_after_the_kind_is_read_and_other_sheets_are_named_in_a_warning(tmp_path, folder):
    xlsx(
        folder / "halt.xlsx",
        {
            "Blad1": [["aantekeningen van de analist"], ["nog controleren"]],
            "halt": [["jaar", "delictgroep", "aantal"], [2023, "totaal", 12]],
            "oud": [["jaar", "delictgroep", "aantal"], [2019, "totaal", 9]],
            "toelichting": [["Halt: verwijzingen"], ["kolom", "type"]],
        },
    )
    code, out, err = check(tmp_path, folder)
    assert code == 0, out + err
    warnings = lines_naming(out, "halt.xlsx", "LET OP", "'Blad1'", "'oud'", "niet gelezen", "'halt'")
    assert warnings, out
    assert "toelichting" not in warnings[0]  # the template's own explanation sheet is no surprise


def test_configured_sheet_names_the_other_sheets_in_a_warning(tmp_path, folder):
    xlsx(
        folder / "Halt 2024.xlsx",
        {
            "Meppel": [["jaar", "delictgroep", "aantal"], [2023, "totaal", 31]],
            "Westerveld": [["jaar", "delictgroep", "aantal"], [2023, "totaal", 12]],
        },
    )
    code, out, err = check(tmp_path, folder, bestanden={"halt": "Halt 2024.xlsx"}, tabbladen={"halt": "Westerveld"})
    assert code == 0, out + err
    assert lines_naming(out, "Halt 2024.xlsx", "LET OP", "'Meppel'", "niet gelezen", "configuratie")


@pytest.mark.parametrize("command", ["validate", "run"])
def test_merged_cells_in_the_table_are_an_error_naming_the_range(tmp_path, folder, command):
    xlsx(
        folder / "halt.xlsx",
        {
            "halt": [
                ["Halt Westerveld"],
                ["jaar", "delictgroep", "aantal"],
                [2023, "totaal", 12],
                [2023, "vuurwerk", 3],
                [None, "vernieling", 4],
            ]
        },
        merge={"halt": ["A1:C1", "A4:A5"]},
    )
    code, out, err = check(tmp_path, folder, command)
    assert_error(code, out, err, "halt.xlsx:halt:4:", "samengevoegde cellen", "A4:A5")
    assert "A1:C1" not in err  # a merged title above the table is fine


def test_merged_title_and_footnote_around_the_table_are_fine(tmp_path, folder):
    xlsx(
        folder / "halt.xlsx",
        {
            "halt": [
                ["Halt Westerveld"],
                ["jaar", "delictgroep", "aantal"],
                [2023, "totaal", 12],
                [],
                ["Bron: Halt Noord-Nederland"],
            ]
        },
        merge={"halt": ["A1:C1", "A5:C5"]},
    )
    code, out, err = check(tmp_path, folder)
    assert code == 0, out + err
    assert "samengevoegd" not in out + err


# ------------------------------------------------------------------ 6. at most 20 errors per file
@pytest.mark.parametrize("command", ["validate", "run"])
def test_at_most_20_errors_per_file_then_the_count_of_the_rest(tmp_path, folder, command):
    rows = "".join(f"2023;onbekend{i:02d};1\n" for i in range(35))  # 35 rows, one error each
    (folder / "halt.csv").write_text("jaar;delictgroep;aantal\n" + rows, encoding="utf-8")
    (folder / "veiligheidsregio.csv").write_text("jaar;soort;aantal\n2022;totaal;veel\n", encoding="utf-8")
    code, out, err = check(tmp_path, folder, command)
    assert code == 2, out + err
    halt = lines_naming(err, "halt.csv", "FOUT")
    listed = [line for line in halt if "onbekende waarde" in line]
    assert len(listed) == 20, "\n".join(halt)
    assert [f"halt.csv:{row}:delictgroep" in line for row, line in zip(range(2, 22), listed)] == [True] * 20
    more = lines_naming(err, "halt.csv", "… en nog 15 fouten in dit bestand")
    assert len(more) == 1 and halt[-1] == more[0], "\n".join(halt)  # one line, after the file's errors
    assert lines_naming(err, "veiligheidsregio.csv", "FOUT", "geen getal")  # the other file is not buried
    assert "36 fout(en)" in err  # the counts are of every error


def test_twenty_errors_are_all_listed(tmp_path, folder):
    rows = "".join(f"2023;onbekend{i:02d};1\n" for i in range(20))
    (folder / "halt.csv").write_text("jaar;delictgroep;aantal\n" + rows, encoding="utf-8")
    code, _, err = check(tmp_path, folder)
    assert code == 2 and len(lines_naming(err, "halt.csv", "FOUT", "onbekende waarde")) == 20
    assert "en nog" not in err


# ------------------------------------------------------------------ 7. invisible characters in names
# Chosen (templates.INVISIBLE_CHARACTERS): zero-width characters and the soft hyphen are removed, so the
# name is the name a reader sees.
SHY, ZWSP, ZWNJ, ZWJ, BOM = "\u00ad", "\u200b", "\u200c", "\u200d", "\ufeff"


def test_invisible_characters_do_not_make_a_new_name(tmp_path, folder):
    (folder / "halt.csv").write_text(
        f"jaar;delictgroep;aantal;gemeente\n2023;totaal;12;Wester{SHY}veld\n2023;vuur{ZWSP}werk;3;{BOM}Westerveld\n"
        f"2022;totaal;10;Wester{ZWJ}veld{ZWNJ}\n",
        encoding="utf-8",
    )
    (folder / "kernen.csv").write_text(
        f"buurtcode;kern\nBU17011100;Vled{SHY}der\nBU17010300;Dwinge{ZWSP}loo\n", encoding="utf-8"
    )
    (folder / "veiligheidsmonitor.csv").write_text(
        f"indicator;editie;gebied;waarde\nvm_veel_overlast_pct;2021;Vledder;37\n"
        f"vm_veel_overlast_pct;2021;Dwin{SHY}geloo;25\nvm_veel_overlast_pct;2021;Wester{SHY}veld;30\n",
        encoding="utf-8",
    )
    code, out, err = check(tmp_path, folder)
    assert code == 0, out + err
    for word in ("onbekende gemeente", "onbekende waarde", "geen kern", "dubbele rij"):
        assert word not in out + err, out + err


def test_invisible_characters_in_another_gemeente_name_are_still_recognised(tmp_path, folder):
    (folder / "halt.csv").write_text(
        f"jaar;delictgroep;aantal;gemeente\n2023;totaal;12;Mep{ZWSP}pel\n", encoding="utf-8"
    )
    code, out, err = check(tmp_path, folder)
    assert_error(code, out, err, "halt.csv:2:gemeente", "andere gemeente", "Meppel (GM0119)")


def test_invisible_characters_are_removed_from_the_names_that_are_loaded(tmp_path, folder):
    from veiligheidsanalyse.sources.inputs import InputsConfig, load_inputs

    (folder / "kernen.csv").write_text(
        f"buurtcode;kern\nBU17011100;Vled{SHY}der\nBU17010300;Vledder\n", encoding="utf-8"
    )
    (folder / "veiligheidsmonitor.csv").write_text(
        f"indicator;editie;gebied;waarde\nvm_veel_overlast_pct;2021;Vled{ZWSP}der;37\n", encoding="utf-8"
    )
    inputs = load_inputs(InputsConfig(folder), "GM1701", "Westerveld")
    assert list(inputs.kern_mapping.kern) == ["Vledder", "Vledder"]
    assert set(inputs.kern_mapping.kern_code) == {"KN1701-vledder"}
    assert set(inputs.observations.regio_code) == {"KN1701-vledder"}
    assert set(inputs.observations.regio_naam) == {"Vledder"}


def test_too_many_cells_in_one_line_is_an_error(tmp_path, folder, monkeypatch):
    monkeypatch.setattr(reading, "MAX_CELLS", 50)
    (folder / "halt.csv").write_text("jaar;delictgroep;aantal" + ";" * 100 + "\n2023;totaal;1\n", encoding="utf-8")
    code, out, err = check(tmp_path, folder)
    assert_error(code, out, err, "halt.csv", "meer dan 50 cellen")


def test_partner_folder_reached_through_a_link_is_read(tmp_path):
    real = tmp_path / "echt" / "westerveld"
    real.mkdir(parents=True)
    (real / "halt.csv").write_text(HALT, encoding="utf-8")
    (real / "verhaal").mkdir()
    (real / "verhaal" / "04_jeugd.md").write_text("# Halt\n", encoding="utf-8")
    (tmp_path / "inputs").symlink_to(real, target_is_directory=True)  # as a project copy links data/inputs
    code, out, err = check(tmp_path, tmp_path / "inputs")
    assert code == 0, out + err
    assert "symbolische link" not in out + err


def test_configured_link_out_of_the_folder_is_reported_once(tmp_path, folder, outside):
    (folder / "Halt 2024.csv").symlink_to(outside)
    code, out, err = check(tmp_path, folder, bestanden={"halt": "Halt 2024.csv"})
    assert_error(code, out, err, "Halt 2024.csv", "symbolische link")
    assert len(lines_naming(err, "Halt 2024.csv", "symbolische link")) == 1, err
    assert SECRET not in out + err


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_link_loop_is_named_not_a_crash(tmp_path, folder, command):
    # A stray link to itself: run and validate both name it (run used to stop with an internal error).
    (folder / "oud.csv").symlink_to(folder / "oud.csv")
    code, out, err = check(tmp_path, folder, command)
    assert "Traceback" not in out + err and "interne fout" not in out + err
    assert code in (0, 2) and "oud.csv" in out + err
