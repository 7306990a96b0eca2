"""Reading partner files as they really come: CSV or XLSX, with title rows, Dutch numbers and all.

Files are opened read-only (``open(path, "rb")``) and read whole into memory; nothing is ever
written back. What is understood:

- ``.csv`` separated by ``;``, ``,``, tab or ``|`` (the separator that makes the template's header
  appear wins); UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 (reported as a
  warning); bytes that are none of these are reported as a wrong encoding.
- ``.xlsx`` read with openpyxl in read-only mode from the bytes in memory; the sheet is the one
  configured, else the one named after the kind, else the first sheet with the template's header.
  Percent-formatted cells (Excel stores 30% as 0.3) are read as 30. Password-protected workbooks
  (an OLE2/CFB "EncryptedPackage" container instead of a zip), old .xls files and corrupt zips are
  recognised and reported, never raised.
- Title rows above the header: the header is the row (of the first 50 non-empty rows) that has the
  most template column names, compared case-, space- and unit-insensitively.
- Empty rows and columns, rows starting with ``#`` (comments, the template's example row) and
  single-cell footnotes after the table (``Bron: ...``, ``* voorlopig``) are skipped.
- Numbers: ``8,0`` and ``8.0``; ``1.234`` and ``1.234,5`` (thousands separators); ``30%`` and
  ``30 %``; ``.``, ``-``, ``x`` and empty = unknown (NaN, never 0).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .problems import InputProblem
from .templates import UNKNOWN_MARKERS, Template, norm_header, norm_value

OLE2_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_SIGNATURE = b"PK\x03\x04"
ENCRYPTED_MARKER = "EncryptedPackage".encode("utf-16-le")
DELIMITERS = (";", ",", "\t", "|")
HEADER_SEARCH_ROWS = 50
GRAND_TOTALS = {"eindtotaal", "totaal generaal", "algemeen totaal", "grand total", "eind totaal"}
FOOTNOTE_PREFIXES = ("bron", "noot", "*", "opmerking", "toelichting", "©", "(c)", "peildatum", "bijgewerkt",
                     "gegenereerd", "source", "note")


class PercentValue(float):
    """A number that was written as a percentage (``30%`` or a percent-formatted Excel cell), in percent."""


@dataclass
class RawTable:
    """A partner table as read: header located, rows as raw cell values keyed by template column."""

    kind: str
    path: Path
    file: str
    sha256: str
    sheet: str | None
    header_row: int
    columns: dict[str, int]
    letters: dict[str, str]
    rows: list[tuple[int, dict[str, Any]]]
    unknown_columns: list[tuple[str, str]] = field(default_factory=list)
    title_text: list[tuple[int, str]] = field(default_factory=list)  # (row, text) of cells above the header
    encoding: str | None = None
    delimiter: str | None = None


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_bytes(path: Path) -> bytes:
    """The file's bytes, opened read-only."""
    with open(path, "rb") as fh:
        return fh.read()


# ------------------------------------------------------------------------------------ values
def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.replace("\xa0", " ").replace("\ufeff", "").strip() == ""


def is_unknown(value: Any) -> bool:
    """True for an empty cell or an 'unknown' marker (".", "-", "x", ...)."""
    if is_empty(value):
        return True
    return isinstance(value, str) and norm_value(value) in UNKNOWN_MARKERS


def clean_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return re.sub(r"\s+", " ", str(value).replace("\xa0", " ").replace("\ufeff", "")).strip()


@dataclass(frozen=True)
class Number:
    value: float | None  # None = unknown
    percent: bool = False
    error: str | None = None


_DIGITS = re.compile(r"^\d[\d.,]*$|^[.,]\d+$")


def decimal_hint(values: list[Any]) -> str | None:
    """Which decimal separator a column (or file) uses: "," or "." or None when it cannot be told."""
    comma = dot = 0
    for value in values:
        if not isinstance(value, str):
            continue
        s = value.strip().rstrip("%").strip().lstrip("+-−")
        if not _DIGITS.match(s):
            continue
        if s.count(",") == 1 and "." not in s:
            comma += 1
        elif s.count(".") == 1 and "," not in s and not re.fullmatch(r"\d{1,3}\.\d{3}", s):
            dot += 1
    if comma and not dot:
        return ","
    if dot and not comma:
        return "."
    return None


def parse_number(raw: Any, *, integer: bool = False, hint: str | None = None) -> Number:
    """Read a number as a Dutch or English spreadsheet shows it. Never turns 'unknown' into 0."""
    if isinstance(raw, PercentValue):
        return Number(float(raw), percent=True)
    if isinstance(raw, bool):
        return Number(None, error="waar/onwaar in plaats van een getal / true/false instead of a number")
    if isinstance(raw, (int, float)):
        value = float(raw)
        if math.isnan(value):
            return Number(None)
        if math.isinf(value):
            return Number(None, error="oneindig / infinite")
        return Number(value)
    if isinstance(raw, (datetime, date)):
        return Number(None, error="een datum in plaats van een getal / a date instead of a number")
    if is_unknown(raw):
        return Number(None)
    s = str(raw).replace("\xa0", " ").replace("\u202f", " ").replace("\ufeff", "").strip()
    percent = False
    if s.endswith("%"):
        percent = True
        s = s[:-1].strip()
    sign = 1.0
    if s[:1] in "+-−":
        sign = -1.0 if s[0] in "-−" else 1.0
        s = s[1:].strip()
    if re.fullmatch(r"\d{1,3}( \d{3})+([.,]\d+)?", s):
        s = s.replace(" ", "")
    if not _DIGITS.match(s):
        return Number(None, error="geen getal / not a number")
    dots, commas = s.count("."), s.count(",")
    try:
        if dots and commas:
            dec = "," if s.rfind(",") > s.rfind(".") else "."
            thou = "." if dec == "," else ","
            if not re.fullmatch(rf"\d{{1,3}}(\{thou}\d{{3}})*\{dec}\d+", s):
                return Number(None, error="onduidelijk getalformaat / ambiguous number format")
            value = float(s.replace(thou, "").replace(dec, "."))
        elif commas:
            grouped = re.fullmatch(r"\d{1,3}(,\d{3})+", s)
            if commas > 1:
                if not grouped:
                    return Number(None, error="onduidelijk getalformaat / ambiguous number format")
                value = float(s.replace(",", ""))
            elif grouped and (integer or hint == "."):
                value = float(s.replace(",", ""))
            else:
                value = float(s.replace(",", "."))
        elif dots:
            grouped = re.fullmatch(r"\d{1,3}(\.\d{3})+", s)
            if dots > 1:
                if not grouped:
                    return Number(None, error="onduidelijk getalformaat / ambiguous number format")
                value = float(s.replace(".", ""))
            elif grouped and (integer or hint == ","):
                value = float(s.replace(".", ""))
            else:
                value = float(s)
        else:
            value = float(s)
    except ValueError:
        return Number(None, error="geen getal / not a number")
    return Number(sign * value, percent=percent)


def parse_year(raw: Any) -> tuple[int | None, str | None]:
    """A year as int; "2023*" (voorlopig) is 2023. Returns (year, error)."""
    if isinstance(raw, bool) or isinstance(raw, (datetime, date)):
        return None, "geen jaartal / not a year"
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and (math.isnan(raw) or not raw.is_integer()):
            return None, "geen jaartal / not a year"
        return int(raw), None
    s = clean_text(raw).rstrip("*").strip()
    if re.fullmatch(r"\d{4}", s):
        return int(s), None
    if re.fullmatch(r"\d{4}\s*jj00", s.casefold()):  # CBS period code 2023JJ00
        return int(s[:4]), None
    return None, "geen jaartal / not a year"


def parse_period(raw: Any) -> tuple[tuple[int, int | None] | None, str | None]:
    """A year or half year: (year, None) or (year, 1|2). Returns ((year, half), error)."""
    year, error = parse_year(raw)
    if error is None:
        return (year, None), None
    s = norm_value(clean_text(raw)).rstrip("*").strip()
    patterns = (
        (r"(\d{4})\s*[-/ ]?\s*(?:h|hj|hj0|s)([12])", 1, 2),
        (r"(\d{4})\s*[-/ ]?\s*([12])\s*e?\s*(?:half ?jaar|hj)", 1, 2),
        (r"([12])\s*e?\s*(?:half ?jaar|hj)\s*(\d{4})", 2, 1),
        (r"(?:h|hj)([12])\s*[-/ ]?\s*(\d{4})", 2, 1),
    )
    for pattern, y, h in patterns:
        m = re.fullmatch(pattern, s)
        if m:
            return (int(m.group(y)), int(m.group(h))), None
    return None, "geen jaar of halfjaar / not a year or half year"


# ------------------------------------------------------------------------------------ grids
Grid = list[tuple[int, list[Any]]]  # (row number as in Excel, cells); only rows with content


def _decode(data: bytes, file: str, kind: str) -> tuple[str | None, str | None, list[InputProblem]]:
    problems: list[InputProblem] = []
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", problems
        except UnicodeDecodeError as exc:
            return None, None, [_encoding_problem(file, kind, data, exc, ("UTF-8 (met BOM)", "UTF-8 (with BOM)"))]
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16"), "utf-16", problems
        except UnicodeDecodeError as exc:
            return None, None, [_encoding_problem(file, kind, data, exc, ("UTF-16", "UTF-16"))]
    if b"\x00" in data:
        return None, None, [InputProblem(
            file=file, kind=kind,
            message="het bestand bevat nul-bytes: geen gewone tekst (UTF-16 zonder BOM of een binair bestand); "
                    "sla het op als 'CSV UTF-8 (door lijstscheidingsteken gescheiden)' / the file contains NUL "
                    "bytes: not plain text (UTF-16 without BOM or binary); save it as CSV UTF-8",
            found="NUL-bytes", expected="CSV in UTF-8 of Windows-1252")]
    try:
        return data.decode("utf-8"), "utf-8", problems
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        return None, None, [_encoding_problem(file, kind, data, exc, ("UTF-8 of Windows-1252",
                                                                      "UTF-8 or Windows-1252"))]
    problems.append(InputProblem(
        file=file, kind=kind, severity="warning",
        message="het bestand is geen UTF-8 en is gelezen als Windows-1252 (ANSI); controleer letters met accenten "
                "/ the file is not UTF-8 and was read as Windows-1252 (ANSI); check accented letters",
        found="Windows-1252", expected="UTF-8"))
    return text, "cp1252", problems


def _encoding_problem(file: str, kind: str, data: bytes, exc: UnicodeDecodeError,
                      tried: tuple[str, str]) -> InputProblem:
    line = data[: exc.start].count(b"\n") + 1
    bad = data[exc.start: exc.start + 4].hex(" ").upper()
    return InputProblem(
        file=file, kind=kind, row=line,
        message=f"verkeerde tekenset: bytes {bad} op positie {exc.start} zijn geen geldige tekst in {tried[0]}; "
                f"sla het bestand op als 'CSV UTF-8' / wrong encoding: bytes {bad} at position {exc.start} are not "
                f"valid text in {tried[1]}; save the file as CSV UTF-8",
        found=f"bytes {bad}", expected="UTF-8 (of Windows-1252)")


def csv_grid(text: str, delimiter: str) -> Grid:
    grid: Grid = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for number, cells in enumerate(reader, start=1):
        if any(not is_empty(c) for c in cells):
            grid.append((number, list(cells)))
    return grid


def xlsx_workbook(data: bytes, file: str, kind: str) -> tuple[dict[str, Grid] | None, list[InputProblem]]:
    """All sheets of an xlsx as grids, or a problem saying why the file cannot be opened."""
    if data[:8] == OLE2_SIGNATURE:
        if ENCRYPTED_MARKER in data:
            message = ("het Excel-bestand is beveiligd met een wachtwoord (versleuteld) en kan niet gelezen worden; "
                       "sla het op zonder wachtwoord (Bestand > Info > Werkmap beveiligen) / the workbook is "
                       "password-protected (encrypted); save a copy without a password")
            found = "versleuteld bestand (OLE2/CFB EncryptedPackage)"
        else:
            message = ("dit is een oud Excel 97-2003-bestand (.xls) of ander OLE2-bestand met de extensie .xlsx; "
                       "sla het op als Excel-werkmap (.xlsx) / this is an old Excel 97-2003 (.xls) or other OLE2 "
                       "file named .xlsx; save it as an Excel workbook (.xlsx)")
            found = "OLE2/CFB-bestand"
        return None, [InputProblem(file=file, kind=kind, message=message, found=found, expected="xlsx (zip)")]
    if not data.startswith(ZIP_SIGNATURE):
        looks_text = b"\x00" not in data[:4096]
        hint = (" Het lijkt een tekstbestand: geef het de extensie .csv / it looks like a text file: name it .csv"
                if looks_text else "")
        return None, [InputProblem(
            file=file, kind=kind,
            message="het bestand is geen geldig Excel-bestand (.xlsx is een zip-bestand) / the file is not a valid "
                    "xlsx workbook (not a zip)." + hint,
            found=f"begint met {data[:4]!r}", expected="xlsx (zip)")]
    import openpyxl  # local: importing openpyxl costs time the CSV path does not need

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except zipfile.BadZipFile as exc:
        return None, [_corrupt(file, kind, f"kapot zip-bestand / bad zip file: {exc}")]
    except Exception as exc:  # noqa: BLE001 - any failure of a corrupt workbook becomes a problem
        return None, [_corrupt(file, kind, f"{type(exc).__name__}: {exc}")]
    sheets: dict[str, Grid] = {}
    try:
        for ws in workbook.worksheets:
            try:
                ws.reset_dimensions()
            except AttributeError:
                pass
            grid: Grid = []
            counter = 0
            for cells in ws.iter_rows():
                counter += 1
                values: list[Any] = []
                number = None
                for cell in cells:
                    value = getattr(cell, "value", None)
                    if number is None and getattr(cell, "row", None) is not None:
                        number = cell.row
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        fmt = getattr(cell, "number_format", "") or ""
                        if "%" in fmt:
                            value = PercentValue(round(float(value) * 100, 9))
                    values.append(value)
                if number is not None:
                    counter = number
                if any(not is_empty(v) for v in values):
                    grid.append((counter, values))
            sheets[ws.title] = grid
    except Exception as exc:  # noqa: BLE001
        return None, [_corrupt(file, kind, f"{type(exc).__name__}: {exc}")]
    finally:
        try:
            workbook.close()
        except Exception:  # noqa: BLE001
            pass
    return sheets, []


def _corrupt(file: str, kind: str, detail: str) -> InputProblem:
    return InputProblem(
        file=file, kind=kind,
        message="het Excel-bestand is beschadigd en kan niet geopend worden; sla het opnieuw op vanuit Excel / the "
                f"workbook is corrupt and cannot be opened; save it again from Excel ({detail})",
        found="beschadigd xlsx-bestand", expected="xlsx")


# ------------------------------------------------------------------------------------ header
def _match(template: Template) -> dict[str, str]:
    names: dict[str, str] = {}
    for column in template.columns:
        for spelling in column.header_names:
            names.setdefault(spelling, column.name)
    return names


def find_header(grid: Grid, template: Template) -> tuple[int | None, int]:
    """Position in ``grid`` of the header row and how many template columns it names."""
    names = _match(template)
    best, best_score = None, 0
    for position, (_, cells) in enumerate(grid[:HEADER_SEARCH_ROWS]):
        found = {names[norm_header(c)] for c in cells if not is_empty(c) and norm_header(c) in names}
        if len(found) > best_score:
            best, best_score = position, len(found)
    return best, best_score


def _is_skippable(cells: list[Any]) -> bool:
    filled = [c for c in cells if not is_empty(c)]
    if not filled:
        return True
    first = filled[0]
    if isinstance(first, str) and first.strip().startswith("#"):
        return True
    if len(filled) == 1 and isinstance(first, str):
        text = norm_value(first)
        return text.startswith(FOOTNOTE_PREFIXES)
    return False


def read_table(path: Path, template: Template, *, file: str, sheet: str | None = None,
               data: bytes | None = None) -> tuple[RawTable | None, list[InputProblem]]:
    """Read one partner file. Returns the table (None if unusable) and the problems found on the way."""
    kind = template.kind
    if data is None:
        data = read_bytes(path)
    digest = sha256_bytes(data)
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        return None, [InputProblem(file=file, kind=kind,
                                   message="het bestand is leeg / the file is empty",
                                   found=f"{len(data)} bytes, geen tekst",
                                   expected="kopregel met " + ", ".join(template.required))]
    suffix = path.suffix.casefold()
    problems: list[InputProblem] = []
    encoding = delimiter = None
    chosen_sheet: str | None = None
    if suffix == ".csv":
        if data[:8] == OLE2_SIGNATURE or data.startswith(ZIP_SIGNATURE):
            return None, [InputProblem(
                file=file, kind=kind,
                message="dit is een Excel-bestand met de extensie .csv; geef het de extensie .xlsx of sla het op als "
                        "CSV / this is an Excel file named .csv; rename it to .xlsx or save it as CSV",
                found="Excel-bestand", expected="tekst (CSV)")]
        text, encoding, decode_problems = _decode(data, file, kind)
        problems += decode_problems
        if text is None:
            return None, problems
        best = None
        for candidate in DELIMITERS:
            grid = csv_grid(text, candidate)
            position, score = find_header(grid, template)
            if best is None or score > best[2]:
                best = (candidate, grid, score, position)
        delimiter, grid, score, position = best
        if not grid:
            return None, problems + [InputProblem(file=file, kind=kind,
                                                  message="het bestand is leeg / the file is empty",
                                                  found="alleen lege regels", expected="kopregel en gegevens")]
    elif suffix == ".xlsx":
        sheets, open_problems = xlsx_workbook(data, file, kind)
        if sheets is None:
            return None, open_problems
        if sheet is not None:
            lookup = {norm_value(name): name for name in sheets}
            chosen_sheet = lookup.get(norm_value(sheet))
            if chosen_sheet is None:
                return None, [InputProblem(
                    file=file, kind=kind, sheet=sheet,
                    message=f"tabblad '{sheet}' bestaat niet in het bestand / sheet '{sheet}' does not exist",
                    found=sheet, expected="een van: " + ", ".join(sheets))]
            candidates = [chosen_sheet]
        else:
            named = [name for name in sheets if norm_header(name) == norm_header(kind)]
            candidates = named or list(sheets)
        best = None
        for name in candidates:
            position, score = find_header(sheets[name], template)
            if best is None or score > best[2]:
                best = (name, sheets[name], score, position)
        chosen_sheet, grid, score, position = best
        if all(not g for g in sheets.values()):
            return None, [InputProblem(file=file, kind=kind, sheet=chosen_sheet,
                                       message="het Excel-bestand is leeg / the workbook is empty",
                                       found="geen gevulde cellen", expected="kopregel en gegevens")]
    else:
        return None, [InputProblem(
            file=file, kind=kind,
            message=f"bestandstype {path.suffix or '(geen extensie)'} wordt niet gelezen; lever .csv of .xlsx / file "
                    f"type {path.suffix or '(none)'} is not read; supply .csv or .xlsx",
            found=path.suffix, expected=".csv of .xlsx")]

    if position is None or score == 0:
        first = next((cells for _, cells in grid), [])
        shown = ", ".join(clean_text(c) for c in first if not is_empty(c))[:120]
        return None, problems + [InputProblem(
            file=file, kind=kind, sheet=chosen_sheet, row=grid[0][0] if grid else None,
            message="geen kopregel met de kolommen van het sjabloon gevonden; is dit het goede bestand? / no header "
                    "row with the template's columns found; is this the right file?",
            found=shown or "(leeg)", expected="kolommen " + ", ".join(template.column_names))]

    header_number, header_cells = grid[position]
    names = _match(template)
    columns: dict[str, int] = {}
    letters: dict[str, str] = {}
    unknown: list[tuple[str, str]] = []
    for index, cell in enumerate(header_cells):
        if is_empty(cell):
            continue
        key = norm_header(cell)
        letter = column_letter(index)
        if key in names:
            name = names[key]
            if name in columns:
                problems.append(InputProblem(
                    file=file, kind=kind, sheet=chosen_sheet, row=header_number, column=name, column_letter=letter,
                    message=f"kolom '{name}' staat twee keer in de kopregel (ook in kolom {letters[name]}) / column "
                            f"'{name}' appears twice in the header",
                    found=clean_text(cell), expected="elke kolom één keer"))
                continue
            columns[name] = index
            letters[name] = letter
        else:
            unknown.append((clean_text(cell), letter))

    for column in template.columns:
        if column.required and column.name not in columns:
            problems.append(InputProblem(
                file=file, kind=kind, sheet=chosen_sheet, row=header_number, column=column.name,
                message=f"verplichte kolom '{column.name}' ontbreekt in de kopregel / required column "
                        f"'{column.name}' is missing from the header",
                found=", ".join(clean_text(c) for c in header_cells if not is_empty(c)),
                expected=f"kolom '{column.name}'" + (f" (of {', '.join(column.aliases)})" if column.aliases else "")))
    for text, letter in unknown:
        problems.append(InputProblem(
            file=file, kind=kind, sheet=chosen_sheet, row=header_number, column=text, column_letter=letter,
            severity="warning",
            message=f"onbekende kolom '{text}' wordt genegeerd / unknown column '{text}' is ignored",
            found=text, expected="een van: " + ", ".join(template.column_names)))

    known_indices = set(columns.values()) | {i for i, c in enumerate(header_cells) if not is_empty(c)}
    rows: list[tuple[int, dict[str, Any]]] = []
    headless_reported: set[int] = set()
    header_key = [norm_header(c) for c in header_cells if not is_empty(c)]
    for number, cells in grid[position + 1:]:
        if _is_skippable(cells):
            continue
        if [norm_header(c) for c in cells if not is_empty(c)] == header_key:
            continue  # the header repeated (exports pasted below each other)
        first = next((c for c in cells if not is_empty(c)), None)
        if isinstance(first, str) and norm_value(first) in GRAND_TOTALS:
            problems.append(InputProblem(
                file=file, kind=kind, sheet=chosen_sheet, row=number, severity="warning",
                message=f"rij '{clean_text(first)}' (een eindtotaal over alle rijen) wordt overgeslagen / grand total "
                        f"row skipped", found=clean_text(first), expected="één rij per sleutel"))
            continue
        extra = [i for i, c in enumerate(cells) if i not in known_indices and not is_empty(c)]
        if delimiter is not None and any(i >= len(header_cells) for i in extra):
            if delimiter == ",":
                why_nl = ("staat er een decimale komma in een bestand dat met komma's is gescheiden? Gebruik ';' als "
                          "scheidingsteken of zet de getallen tussen aanhalingstekens")
                why_en = "a decimal comma in a comma-separated file? Use ';' or quote the numbers"
            else:
                why_nl = f"staat er een '{delimiter}' in een tekst zonder aanhalingstekens? Zet de tekst tussen \"...\""
                why_en = f"a '{delimiter}' inside an unquoted text? Quote the text"
            shown = (delimiter if delimiter != "\t" else " | ").join(clean_text(c) for c in cells)
            problems.append(InputProblem(
                file=file, kind=kind, row=number,
                message=f"deze rij heeft meer cellen ({len(cells)}) dan de kopregel ({len(header_cells)}); {why_nl} / "
                        f"this row has more cells than the header; {why_en}",
                found=shown if len(shown) <= 80 else shown[:77] + "...",
                expected=f"{len(header_cells)} cellen gescheiden door '{delimiter}'"))
            continue
        for index in extra:
            if index not in headless_reported:
                headless_reported.add(index)
                problems.append(InputProblem(
                    file=file, kind=kind, sheet=chosen_sheet, row=number, column_letter=column_letter(index),
                    column=f"kolom {column_letter(index)}", severity="warning",
                    message="deze kolom heeft geen kop en wordt genegeerd / this column has no header and is ignored",
                    found=clean_text(cells[index]), expected="een kolomkop"))
        rows.append((number, {name: (cells[index] if index < len(cells) else None)
                              for name, index in columns.items()}))
    if not rows and not any(p.is_error for p in problems):
        problems.append(InputProblem(
            file=file, kind=kind, sheet=chosen_sheet, row=header_number,
            message="het bestand heeft een kopregel maar geen gegevens / the file has a header but no data rows",
            found="0 rijen", expected="minstens één rij"))
    title_text = [(n, clean_text(c)) for n, cells in grid[:position] for c in cells if not is_empty(c)]
    table = RawTable(
        kind=kind, path=path, file=file, sha256=digest, sheet=chosen_sheet, header_row=header_number,
        columns=columns, letters=letters, rows=rows, unknown_columns=unknown, title_text=title_text,
        encoding=encoding, delimiter=delimiter,
    )
    return table, problems
