"""Reading partner files as they really come: CSV or XLSX, with title rows, Dutch numbers and all.

Files are opened read-only and nothing is ever written back. Before a byte is read, a file is
checked (:func:`read_partner_file`): it must be a regular file (a folder, FIFO, socket or device
named like a partner file is an error, never opened, so a FIFO cannot hang the run) and at most
``MAX_FILE_BYTES`` = 20 MB (20 x 1024 x 1024 bytes) large; a larger file is an error naming its size
and the limit, and at most the limit is ever read, also when the file grows while it is read. Real
partner exports are a few hundred kB at most. What is read stays bounded in memory too:

- an xlsx is a zip: its parts may unpack to at most ``MAX_XLSX_UNPACKED_BYTES`` = 100 MB together
  (checked in the zip's directory before unpacking: no zip bomb);
- at most ``MAX_ROWS`` = 100 000 rows with content per table and ``MAX_CELLS`` = 2 000 000 cells
  per CSV or workbook are read; more is an error naming the limit.

Symbolic links that point outside the partner folder are refused by the caller
(:mod:`.validate`) before this module sees the path. What is understood:

- ``.csv`` separated by ``;``, ``,``, tab or ``|`` (the separator that makes the template's header
  appear wins); UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 (reported as a
  warning); bytes that are none of these are reported as a wrong encoding.
- ``.xlsx`` read with openpyxl in read-only mode from the bytes in memory; the sheet is the one
  configured, else the one named after the kind, else the one sheet with the template's header
  (two such sheets: an error, which one is meant cannot be told). Every other sheet with content
  is named in a warning (not the templates' own ``toelichting``). Formula cells without a stored
  result (a file written by a program and never saved by Excel: openpyxl's ``data_only`` gives
  None, as for an empty cell) and merged cells touching the header or data rows are errors naming
  the cell or range (:func:`scan_sheet`). Percent-formatted cells (Excel stores 30% as 0.3) are
  read as 30. Password-protected workbooks (an OLE2/CFB "EncryptedPackage" container instead of a
  zip), old .xls files and corrupt zips are recognised and reported, never raised.
- Title rows above the header: the header is the row (of the first 50 non-empty rows) that has the
  most template column names, compared case-, space- and unit-insensitively.
- Empty rows and columns, rows starting with ``#`` (comments, the template's example row) and
  single-cell footnotes after the table (``Bron: ...``, ``* voorlopig``) are skipped.
- Numbers: ``8,0`` and ``8.0``; ``1.234`` and ``1.234,5`` (thousands separators); ``30%`` and
  ``30 %``; ``.``, ``-``, ``x`` and empty = unknown (NaN, never 0).
"""

from __future__ import annotations

import bisect
import codecs
import csv
import hashlib
import io
import math
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..limits import MAX_PARTNER_FILE_BYTES
from .problems import InputProblem
from .templates import UNKNOWN_MARKERS, Template, norm_header, norm_value, remove_invisible

MAX_FILE_BYTES = MAX_PARTNER_FILE_BYTES  # 20 MB per partner file (table or story), checked before reading
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024  # what the parts of one xlsx may unpack to, together
MAX_ROWS = 100_000  # rows with content per table (a CSV, or one sheet)
MAX_CELLS = 2_000_000  # cells per workbook, empty cells between filled ones counted
OLE2_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_SIGNATURE = b"PK\x03\x04"
ENCRYPTED_MARKER = "EncryptedPackage".encode("utf-16-le")
DELIMITERS = (";", ",", "\t", "|")
HEADER_SEARCH_ROWS = 50
EXPLANATION_SHEETS = {"toelichting"}  # the templates' explanation sheet: content, but never data
GRAND_TOTALS = {"eindtotaal", "totaal generaal", "algemeen totaal", "grand total", "eind totaal"}
FOOTNOTE_PREFIXES = (
    "bron",
    "noot",
    "*",
    "opmerking",
    "toelichting",
    "©",
    "(c)",
    "peildatum",
    "bijgewerkt",
    "gegenereerd",
    "source",
    "note",
)


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


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, opened read-only; :class:`FileRefused` if it is not a regular file or is
    larger than ``limit`` (checked before reading; never more than ``limit`` bytes are read)."""
    info = os.stat(path)  # no open: a FIFO opened for reading would wait for a writer
    kind_of_file = _not_regular(info.st_mode)
    if kind_of_file:
        raise FileRefused("not_regular", kind_of_file)
    if info.st_size > limit:
        raise FileRefused("too_large", info.st_size)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    with os.fdopen(os.open(path, flags), "rb") as fh:
        info = os.fstat(fh.fileno())
        kind_of_file = _not_regular(info.st_mode)  # swapped for something else between stat and open
        if kind_of_file:
            raise FileRefused("not_regular", kind_of_file)
        if info.st_size > limit:
            raise FileRefused("too_large", info.st_size)
        data = fh.read(limit + 1)
    if len(data) > limit:  # grew while it was read
        raise FileRefused("too_large", len(data))
    return data


class FileRefused(Exception):
    """A partner file that is not read: ``reason`` "not_regular" (``detail``: what it is, in Dutch)
    or "too_large" (``detail``: its size in bytes)."""

    def __init__(self, reason: str, detail: Any):
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


_NOT_REGULAR = (
    (stat.S_ISDIR, "een map", "a folder"),
    (stat.S_ISFIFO, "een named pipe (FIFO)", "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "een socket", "a socket"),
    (stat.S_ISCHR, "een apparaat (character device)", "a character device"),
    (stat.S_ISBLK, "een apparaat (block device)", "a block device"),
)


def _not_regular(mode: int) -> tuple[str, str] | None:
    """(Dutch, English) name of what a non-regular file is, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, dutch, english in _NOT_REGULAR:
        if test(mode):
            return dutch, english
    return "geen gewoon bestand", "not a regular file"


def format_size(size: int) -> str:
    """Bytes as Dutch text: ``"25,3 MB (26.542.080 bytes)"`` (MB = 1024 x 1024 bytes)."""
    megabytes = f"{size / (1024 * 1024):.1f}".replace(".", ",")
    grouped = f"{size:,}".replace(",", ".")
    return f"{megabytes} MB ({grouped} bytes)"


def limit_text(limit: int = MAX_FILE_BYTES) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit % (1024 * 1024) == 0 else format_size(limit)


def read_partner_file(
    path: Path, file: str, kind: str | None, limit: int = MAX_FILE_BYTES
) -> tuple[bytes | None, list[InputProblem]]:
    """The bytes of a partner file, or None and the problem saying why it is not read (not a regular
    file, too large, gone, not readable). Nothing is opened before it is known to be a regular file
    of at most ``limit`` bytes."""
    try:
        return read_bytes(path, limit), []
    except FileRefused as exc:
        if exc.reason == "too_large":
            return None, [
                InputProblem(
                    file=file,
                    kind=kind,
                    message=f"het bestand is te groot: {format_size(exc.detail)}, de grens is {limit_text(limit)} per "
                    f"bestand; het wordt niet gelezen. Lever alleen de gegevens van deze gemeente aan, zonder "
                    f"afbeeldingen of extra tabbladen / the file is too large ({exc.detail} bytes, limit "
                    f"{limit_text(limit)} per file); it is not read",
                    found=format_size(exc.detail),
                    expected=f"hoogstens {limit_text(limit)}",
                )
            ]
        dutch, english = exc.detail
        return None, [
            InputProblem(
                file=file,
                kind=kind,
                message=f"dit is {dutch}, geen gewoon bestand; het wordt niet gelezen. Zet hier het bestand zelf neer "
                f"/ this is {english}, not a regular file; it is not read",
                found=dutch,
                expected="een gewoon bestand (.csv, .xlsx of .md)",
            )
        ]
    except FileNotFoundError:
        return None, [
            InputProblem(
                file=file,
                kind=kind,
                message="het bestand bestaat niet (meer), of is een snelkoppeling naar een bestand dat niet bestaat / "
                "the file does not exist (any more), or is a link to a file that does not exist",
                found="bestand ontbreekt",
                expected="een leesbaar bestand",
            )
        ]
    except OSError as exc:
        return None, [
            InputProblem(
                file=file,
                kind=kind,
                message=f"het bestand kan niet geopend worden ({exc.strerror or type(exc).__name__}); controleer de "
                f"rechten / the file cannot be opened ({exc.strerror or type(exc).__name__})",
                found=type(exc).__name__,
                expected="een leesbaar bestand",
            )
        ]


# ------------------------------------------------------------------------------------ values
def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and remove_invisible(value).replace("\xa0", " ").strip() == ""


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
    # invisible characters (zero-width, soft hyphen) are removed: see templates.INVISIBLE_CHARACTERS
    return re.sub(r"\s+", " ", remove_invisible(str(value)).replace("\xa0", " ")).strip()


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
    # Long: one case per way a spreadsheet writes a number, in order of precedence
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
    s = remove_invisible(str(raw)).replace("\xa0", " ").replace("\u202f", " ").strip()
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
    if year is not None:
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
        return (
            None,
            None,
            [
                InputProblem(
                    file=file,
                    kind=kind,
                    message="het bestand bevat nul-bytes: geen gewone tekst (UTF-16 zonder BOM of een binair bestand); "
                    "sla het op als 'CSV UTF-8 (door lijstscheidingsteken gescheiden)' / the file contains NUL "
                    "bytes: not plain text (UTF-16 without BOM or binary); save it as CSV UTF-8",
                    found="NUL-bytes",
                    expected="CSV in UTF-8 of Windows-1252",
                )
            ],
        )
    try:
        return data.decode("utf-8"), "utf-8", problems
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        return (
            None,
            None,
            [_encoding_problem(file, kind, data, exc, ("UTF-8 of Windows-1252", "UTF-8 or Windows-1252"))],
        )
    problems.append(
        InputProblem(
            file=file,
            kind=kind,
            severity="warning",
            message="het bestand is geen UTF-8 en is gelezen als Windows-1252 (ANSI); controleer letters met accenten "
            "/ the file is not UTF-8 and was read as Windows-1252 (ANSI); check accented letters",
            found="Windows-1252",
            expected="UTF-8",
        )
    )
    return text, "cp1252", problems


def _encoding_problem(
    file: str, kind: str, data: bytes, exc: UnicodeDecodeError, tried: tuple[str, str]
) -> InputProblem:
    line = data[: exc.start].count(b"\n") + 1
    bad = data[exc.start : exc.start + 4].hex(" ").upper()
    return InputProblem(
        file=file,
        kind=kind,
        row=line,
        message=f"verkeerde tekenset: bytes {bad} op positie {exc.start} zijn geen geldige tekst in {tried[0]}; "
        f"sla het bestand op als 'CSV UTF-8' / wrong encoding: bytes {bad} at position {exc.start} are not "
        f"valid text in {tried[1]}; save the file as CSV UTF-8",
        found=f"bytes {bad}",
        expected="UTF-8 (of Windows-1252)",
    )


class LimitReached(Exception):
    """More rows or cells than a partner table may have (``MAX_ROWS``, ``MAX_CELLS``)."""

    def __init__(self, what: str, what_en: str, limit: int, sheet: str | None = None):
        super().__init__(what, limit)
        self.what, self.what_en, self.limit, self.sheet = what, what_en, limit, sheet

    def problem(self, file: str, kind: str) -> InputProblem:
        limit = f"{self.limit:,}".replace(",", ".")
        return InputProblem(
            file=file,
            kind=kind,
            sheet=self.sheet,
            message=f"het bestand heeft meer dan {limit} {self.what}; zo'n groot bestand wordt niet gelezen. Lever "
            f"alleen de gegevens van deze gemeente aan / the file has more than {self.limit} {self.what_en}; "
            f"it is not read",
            found=f"meer dan {limit} {self.what}",
            expected=f"hoogstens {limit} {self.what}",
        )


def csv_grid(text: str, delimiter: str) -> Grid:
    grid: Grid = []
    cells_read = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for number, cells in enumerate(reader, start=1):
        cells_read += len(cells)
        if cells_read > MAX_CELLS:
            raise LimitReached("cellen", "cells", MAX_CELLS)
        if any(not is_empty(c) for c in cells):
            grid.append((number, list(cells)))
            if len(grid) > MAX_ROWS:
                raise LimitReached("rijen met inhoud", "rows with content", MAX_ROWS)
    return grid


def _xlsx_read(
    data: bytes, file: str, kind: str
) -> tuple[dict[str, Grid] | None, dict[str, str | None], list[InputProblem]]:
    """(grids by sheet, zip part of each sheet, problems); grids None when the file cannot be read."""
    # Long: every way a workbook can be unreadable, each with its own message, in detection order
    if data[:8] == OLE2_SIGNATURE:
        if ENCRYPTED_MARKER in data:
            message = (
                "het Excel-bestand is beveiligd met een wachtwoord (versleuteld) en kan niet gelezen worden; "
                "sla het op zonder wachtwoord (Bestand > Info > Werkmap beveiligen) / the workbook is "
                "password-protected (encrypted); save a copy without a password"
            )
            found = "versleuteld bestand (OLE2/CFB EncryptedPackage)"
        else:
            message = (
                "dit is een oud Excel 97-2003-bestand (.xls) of ander OLE2-bestand met de extensie .xlsx; "
                "sla het op als Excel-werkmap (.xlsx) / this is an old Excel 97-2003 (.xls) or other OLE2 "
                "file named .xlsx; save it as an Excel workbook (.xlsx)"
            )
            found = "OLE2/CFB-bestand"
        return None, {}, [InputProblem(file=file, kind=kind, message=message, found=found, expected="xlsx (zip)")]
    if not data.startswith(ZIP_SIGNATURE):
        looks_text = b"\x00" not in data[:4096]
        hint = (
            " Het lijkt een tekstbestand: geef het de extensie .csv / it looks like a text file: name it .csv"
            if looks_text
            else ""
        )
        return (
            None,
            {},
            [
                InputProblem(
                    file=file,
                    kind=kind,
                    message="het bestand is geen geldig Excel-bestand (.xlsx is een zip-bestand) / the file is not a "
                    "valid xlsx workbook (not a zip)." + hint,
                    found=f"begint met {data[:4]!r}",
                    expected="xlsx (zip)",
                )
            ],
        )
    try:  # the zip's own directory says what its parts unpack to: checked before anything is unpacked
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return None, {}, [_corrupt(file, kind, f"kapot zip-bestand / bad zip file: {exc}")]
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        return (
            None,
            {},
            [
                InputProblem(
                    file=file,
                    kind=kind,
                    message=f"het Excel-bestand is uitgepakt te groot: {format_size(unpacked)}, de grens is "
                    f"{limit_text(MAX_XLSX_UNPACKED_BYTES)} uitgepakt; het wordt niet gelezen. Lever alleen de "
                    f"gegevens van deze gemeente aan / the workbook unpacks to {unpacked} bytes, above the limit of "
                    f"{limit_text(MAX_XLSX_UNPACKED_BYTES)}; it is not read",
                    found=format_size(unpacked),
                    expected=f"hoogstens {limit_text(MAX_XLSX_UNPACKED_BYTES)} uitgepakt",
                )
            ],
        )
    import openpyxl  # local: importing openpyxl costs time the CSV path does not need

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except zipfile.BadZipFile as exc:
        return None, {}, [_corrupt(file, kind, f"kapot zip-bestand / bad zip file: {exc}")]
    except Exception as exc:  # noqa: BLE001 - any failure of a corrupt workbook becomes a problem
        return None, {}, [_corrupt(file, kind, f"{type(exc).__name__}: {exc}")]
    sheets: dict[str, Grid] = {}
    parts: dict[str, str | None] = {}
    cells_read = 0
    try:
        for ws in workbook.worksheets:
            try:
                ws.reset_dimensions()
            except AttributeError:
                pass
            parts[ws.title] = getattr(ws, "_worksheet_path", None)
            grid: Grid = []
            counter = 0
            for cells in ws.iter_rows():
                counter += 1
                cells_read += len(cells)
                if cells_read > MAX_CELLS:
                    raise LimitReached("cellen", "cells", MAX_CELLS)
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
                    while is_empty(values[-1]):  # trailing empty cells: nothing to keep in memory
                        values.pop()
                    grid.append((counter, values))
                    if len(grid) > MAX_ROWS:
                        raise LimitReached("rijen met inhoud", "rows with content", MAX_ROWS, ws.title)
            sheets[ws.title] = grid
    except LimitReached as exc:
        return None, {}, [exc.problem(file, kind)]
    except Exception as exc:  # noqa: BLE001
        return None, {}, [_corrupt(file, kind, f"{type(exc).__name__}: {exc}")]
    finally:
        try:
            workbook.close()
        except Exception:  # noqa: BLE001
            pass
    return sheets, parts, []


def scan_sheet(data: bytes, part: str) -> tuple[list[tuple[int, int, str]], list[str]]:
    """What ``data_only`` reading cannot tell, from one sheet's XML (streamed, element by element):
    cells with a formula but no stored value, as (row, 0-based column, "C7"), and merged ranges ("A3:B4").

    openpyxl with ``data_only=True`` gives None both for an empty cell and for a formula whose result
    was never stored (a file written by a program, not saved by Excel); without this scan such a
    figure would silently become "unknown".
    """
    from xml.etree.ElementTree import iterparse

    formulas: list[tuple[int, int, str]] = []
    merged: list[str] = []
    row_number, column = 0, -1
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(part) as source:
        for event, element in iterparse(source, events=("start", "end")):
            tag = element.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "row":
                    r = element.get("r")
                    row_number = int(r) if r and r.isdigit() else row_number + 1
                    column = -1
                continue
            if tag == "c":
                ref = element.get("r") or ""
                match = re.fullmatch(r"([A-Z]{1,3})(\d+)", ref)
                if match:
                    column = _column_index(match.group(1))
                    row = int(match.group(2))
                else:
                    column += 1
                    row = row_number
                    ref = f"{column_letter(column)}{row}"
                children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
                if "f" in children:
                    value = children.get("v")
                    stored = value is not None and (bool(value.text) or element.get("t") in ("str", "inlineStr"))
                    if not stored:
                        formulas.append((row, column, ref))
                element.clear()
            elif tag == "row":
                element.clear()
            elif tag == "mergeCell" and element.get("ref"):
                merged.append(element.get("ref"))
    return formulas, merged


def _column_index(letters: str) -> int:
    """Excel letters -> 0-based column index (A -> 0, AA -> 26)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _range_rows(ref: str) -> tuple[int, int, int] | None:
    """ "B3:C5" -> (first row, last row, first column 0-based); None for a reference that is not a range."""
    match = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?", ref.strip().upper())
    if not match:
        return None
    first, last = int(match.group(2)), int(match.group(4) or match.group(2))
    return min(first, last), max(first, last), _column_index(match.group(1))


def _corrupt(file: str, kind: str, detail: str) -> InputProblem:
    return InputProblem(
        file=file,
        kind=kind,
        message="het Excel-bestand is beschadigd en kan niet geopend worden; sla het opnieuw op vanuit Excel / the "
        f"workbook is corrupt and cannot be opened; save it again from Excel ({detail})",
        found="beschadigd xlsx-bestand",
        expected="xlsx",
    )


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


def _has_required_header(grid: Grid, template: Template) -> bool:
    """Whether the sheet has a header row with every required column of the template."""
    position, _ = find_header(grid, template)
    if position is None:
        return False
    names = _match(template)
    found = {names[norm_header(c)] for c in grid[position][1] if not is_empty(c) and norm_header(c) in names}
    return set(template.required) <= found


def _formula_problems(
    formulas: list[tuple[int, int, str]], file: str, kind: str, sheet: str | None, names: dict[int, str]
) -> list[InputProblem]:
    return [
        InputProblem(
            file=file,
            kind=kind,
            sheet=sheet,
            row=row,
            column=names.get(index),
            column_letter=column_letter(index),
            message=f"formule zonder opgeslagen waarde in cel {ref}: het bestand is niet in Excel opgeslagen nadat de "
            f"formule erin kwam (of is door een ander programma gemaakt), dus de uitkomst staat er niet in. Open "
            f"het in Excel en sla het op, of plak de cellen als waarden / formula without a stored value in cell "
            f"{ref}; open and save the file in Excel, or paste the cells as values",
            found=f"formule in {ref}",
            expected="een opgeslagen waarde",
        )
        for row, index, ref in formulas
    ]


def _merged_problems(
    merged: list[str], file: str, kind: str, sheet: str | None, data_rows: list[int]
) -> list[InputProblem]:
    """Merged ranges that touch the header or a data row (a merged title above the table is fine)."""
    rows = sorted(set(data_rows))
    problems = []
    for ref in merged:
        bounds = _range_rows(ref)
        if bounds is None:
            continue
        first, last, _ = bounds
        at = bisect.bisect_left(rows, first)
        if at < len(rows) and rows[at] <= last:
            problems.append(
                InputProblem(
                    file=file,
                    kind=kind,
                    sheet=sheet,
                    row=first,
                    message=f"samengevoegde cellen {ref} in de tabel: alleen de eerste cel heeft een waarde, de andere "
                    f"zijn leeg. Maak de samenvoeging ongedaan en vul elke cel in / merged cells {ref} in the "
                    f"table: only the first cell has a value; unmerge them and fill every cell",
                    found=f"samengevoegd {ref}",
                    expected="één waarde per cel, geen samengevoegde cellen",
                )
            )
    return problems


@dataclass
class _Grid:
    """The cells of the sheet or CSV that is read, where its header is, and what reading found on the way."""

    grid: Grid
    position: int | None  # index in ``grid`` of the header row (None: none found)
    score: int  # how much of the template's header that row has
    sheet: str | None = None  # xlsx: the sheet read
    encoding: str | None = None  # csv
    delimiter: str | None = None  # csv
    formulas: list[tuple[int, int, str]] = field(default_factory=list)  # xlsx: formula cells without a stored value
    merged: list[str] = field(default_factory=list)  # xlsx: merged ranges


def _csv_grid(data: bytes, file: str, kind: str, template: Template) -> tuple[_Grid | None, list[InputProblem]]:
    """The grid of a CSV file, by the delimiter that finds the template's header best; None when unusable."""
    problems: list[InputProblem] = []
    if data[:8] == OLE2_SIGNATURE or data.startswith(ZIP_SIGNATURE):
        return None, [
            InputProblem(
                file=file,
                kind=kind,
                message="dit is een Excel-bestand met de extensie .csv; geef het de extensie .xlsx of sla het op "
                "als CSV / this is an Excel file named .csv; rename it to .xlsx or save it as CSV",
                found="Excel-bestand",
                expected="tekst (CSV)",
            )
        ]
    text, encoding, decode_problems = _decode(data, file, kind)
    problems += decode_problems
    if text is None:
        return None, problems
    best = None
    for candidate in DELIMITERS:
        try:
            grid = csv_grid(text, candidate)
        except LimitReached as exc:
            return None, problems + [exc.problem(file, kind)]
        position, score = find_header(grid, template)
        if best is None or score > best[2]:
            best = (candidate, grid, score, position)
    assert best is not None  # DELIMITERS is not empty
    delimiter, grid, score, position = best
    if not grid:
        return None, problems + [
            InputProblem(
                file=file,
                kind=kind,
                message="het bestand is leeg / the file is empty",
                found="alleen lege regels",
                expected="kopregel en gegevens",
            )
        ]
    return _Grid(grid, position, score, encoding=encoding, delimiter=delimiter), problems


def _xlsx_grid(
    data: bytes, file: str, kind: str, template: Template, sheet: str | None
) -> tuple[_Grid | None, list[InputProblem]]:
    """The grid of the sheet of a workbook that is read (see the rule below); None when unusable."""
    # Long: every rule of choosing a sheet, each with its own message, in the order it is applied
    problems: list[InputProblem] = []
    formulas: list[tuple[int, int, str]] = []
    merged: list[str] = []
    sheets, parts, open_problems = _xlsx_read(data, file, kind)
    if sheets is None:
        return None, open_problems
    if all(not g for g in sheets.values()):
        return None, [
            InputProblem(
                file=file,
                kind=kind,
                sheet=next(iter(sheets), None),
                message="het Excel-bestand is leeg / the workbook is empty",
                found="geen gevulde cellen",
                expected="kopregel en gegevens",
            )
        ]
    # Which sheet is read: the one in the configuration (invoer.tabbladen), else the one named after
    # the kind, else the one sheet with the template's header. Any other sheet with content is named
    # in a warning (never silently ignored), except the template's own explanation 'toelichting';
    # two sheets that both have the template's header, with no rule to choose, are an error.
    content = [name for name, g in sheets.items() if g and norm_value(name) not in EXPLANATION_SHEETS]
    if sheet is not None:
        lookup = {norm_value(name): name for name in sheets}
        chosen_sheet = lookup.get(norm_value(sheet))
        if chosen_sheet is None:
            return None, [
                InputProblem(
                    file=file,
                    kind=kind,
                    sheet=sheet,
                    message=f"tabblad '{sheet}' bestaat niet in het bestand / sheet '{sheet}' does not exist",
                    found=sheet,
                    expected="een van: " + ", ".join(sheets),
                )
            ]
        candidates = [chosen_sheet]
        reason = "het tabblad uit de configuratie (invoer.tabbladen)", "the sheet in the configuration"
    else:
        named = [name for name in sheets if norm_header(name) == norm_header(kind)]
        complete = [name for name in content if _has_required_header(sheets[name], template)]
        if named:
            candidates = named
            reason = f"het tabblad met de naam '{kind}'", f"the sheet named '{kind}'"
        elif len(complete) > 1:
            shown = ", ".join(f"'{name}'" for name in complete)
            return None, [
                InputProblem(
                    file=file,
                    kind=kind,
                    message=f"meerdere tabbladen hebben de kolommen van het sjabloon ({shown}); niet duidelijk is "
                    f"welk gelezen moet worden. Laat er één staan, noem het te lezen tabblad '{kind}', of noem het "
                    f"in de configuratie (invoer.tabbladen) / several sheets have the template's columns "
                    f"({shown}); keep one, name the sheet '{kind}' or name it in the config",
                    found=shown,
                    expected=f"één tabblad met gegevens, of een tabblad '{kind}'",
                )
            ]
        else:
            candidates = complete or content or list(sheets)
            if complete:
                reason = "het enige tabblad met de kolommen van het sjabloon", "the one sheet with its columns"
            else:
                reason = "het tabblad dat het meest op het sjabloon lijkt", "the sheet most like the template"
    best = None
    for name in candidates:
        position, score = find_header(sheets[name], template)
        if best is None or score > best[2]:
            best = (name, sheets[name], score, position)
    if best is None:  # reported as an unreadable file
        raise ValueError("de werkmap heeft geen werkblad met cellen / the workbook has no worksheet")
    chosen_sheet, grid, score, position = best
    ignored = [name for name in content if name != chosen_sheet]
    if ignored:
        shown = ", ".join(f"'{name}'" for name in ignored)
        several = len(ignored) > 1
        problems.append(
            InputProblem(
                file=file,
                kind=kind,
                severity="warning",
                message=f"{'de tabbladen' if several else 'tabblad'} {shown} {'hebben' if several else 'heeft'} "
                f"ook inhoud maar {'worden' if several else 'wordt'} niet gelezen: alleen tabblad '{chosen_sheet}' "
                f"wordt gelezen ({reason[0]}) / sheet(s) {shown} also have content but are not read: only "
                f"sheet '{chosen_sheet}' is read ({reason[1]})",
                found=shown,
                expected=f"alleen tabblad '{chosen_sheet}' met gegevens",
            )
        )
    part = parts.get(chosen_sheet)
    if part:
        try:
            formulas, merged = scan_sheet(data, part)
        except Exception as exc:  # noqa: BLE001 - openpyxl read this part; a failure here is a corrupt part
            return None, problems + [_corrupt(file, kind, f"{type(exc).__name__}: {exc}")]
    return _Grid(grid, position, score, chosen_sheet, formulas=formulas, merged=merged), problems


def read_table(
    path: Path, template: Template, *, file: str, sheet: str | None = None, data: bytes | None = None
) -> tuple[RawTable | None, list[InputProblem]]:
    """Read one partner file. Returns the table (None if unusable) and the problems found on the way."""
    # Long: the header and the rows of a partner file, checked in reading order with nested helpers sharing its problems
    kind = template.kind
    if data is None:
        data, refused = read_partner_file(path, file, kind)
        if data is None:
            return None, refused
    digest = sha256_bytes(data)
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        return None, [
            InputProblem(
                file=file,
                kind=kind,
                message="het bestand is leeg / the file is empty",
                found=f"{len(data)} bytes, geen tekst",
                expected="kopregel met " + ", ".join(template.required),
            )
        ]
    suffix = path.suffix.casefold()
    if suffix == ".csv":
        found, problems = _csv_grid(data, file, kind, template)
    elif suffix == ".xlsx":
        found, problems = _xlsx_grid(data, file, kind, template, sheet)
    else:
        return None, [
            InputProblem(
                file=file,
                kind=kind,
                message=f"bestandstype {path.suffix or '(geen extensie)'} wordt niet gelezen; lever .csv of .xlsx / "
                f"file type {path.suffix or '(none)'} is not read; supply .csv or .xlsx",
                found=path.suffix,
                expected=".csv of .xlsx",
            )
        ]
    if found is None:
        return None, problems
    grid, position, score, chosen_sheet = found.grid, found.position, found.score, found.sheet
    encoding, delimiter, formulas, merged = found.encoding, found.delimiter, found.formulas, found.merged

    if position is None or score == 0:
        first = next((cells for _, cells in grid), [])
        shown = ", ".join(clean_text(c) for c in first if not is_empty(c))[:120]
        return None, problems + _formula_problems(formulas, file, kind, chosen_sheet, {}) + [
            InputProblem(
                file=file,
                kind=kind,
                sheet=chosen_sheet,
                row=grid[0][0] if grid else None,
                message="geen kopregel met de kolommen van het sjabloon gevonden; is dit het goede bestand? / no "
                "header row with the template's columns found; is this the right file?",
                found=shown or "(leeg)",
                expected="kolommen " + ", ".join(template.column_names),
            )
        ]

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
                problems.append(
                    InputProblem(
                        file=file,
                        kind=kind,
                        sheet=chosen_sheet,
                        row=header_number,
                        column=name,
                        column_letter=letter,
                        message=f"kolom '{name}' staat twee keer in de kopregel (ook in kolom {letters[name]}) / "
                        f"column '{name}' appears twice in the header",
                        found=clean_text(cell),
                        expected="elke kolom één keer",
                    )
                )
                continue
            columns[name] = index
            letters[name] = letter
        else:
            unknown.append((clean_text(cell), letter))

    for column in template.columns:
        if column.required and column.name not in columns:
            problems.append(
                InputProblem(
                    file=file,
                    kind=kind,
                    sheet=chosen_sheet,
                    row=header_number,
                    column=column.name,
                    message=f"verplichte kolom '{column.name}' ontbreekt in de kopregel / required column "
                    f"'{column.name}' is missing from the header",
                    found=", ".join(clean_text(c) for c in header_cells if not is_empty(c)),
                    expected=f"kolom '{column.name}'"
                    + (f" (of {', '.join(column.aliases)})" if column.aliases else ""),
                )
            )
    for text, letter in unknown:
        problems.append(
            InputProblem(
                file=file,
                kind=kind,
                sheet=chosen_sheet,
                row=header_number,
                column=text,
                column_letter=letter,
                severity="warning",
                message=f"onbekende kolom '{text}' wordt genegeerd / unknown column '{text}' is ignored",
                found=text,
                expected="een van: " + ", ".join(template.column_names),
            )
        )

    known_indices = set(columns.values()) | {i for i, c in enumerate(header_cells) if not is_empty(c)}
    rows: list[tuple[int, dict[str, Any]]] = []
    headless_reported: set[int] = set()
    header_key = [norm_header(c) for c in header_cells if not is_empty(c)]
    for number, cells in grid[position + 1 :]:
        if _is_skippable(cells):
            continue
        if [norm_header(c) for c in cells if not is_empty(c)] == header_key:
            continue  # the header repeated (exports pasted below each other)
        first_cell = next((c for c in cells if not is_empty(c)), None)
        if isinstance(first_cell, str) and norm_value(first_cell) in GRAND_TOTALS:
            problems.append(
                InputProblem(
                    file=file,
                    kind=kind,
                    sheet=chosen_sheet,
                    row=number,
                    severity="warning",
                    message=f"rij '{clean_text(first_cell)}' (een eindtotaal over alle rijen) wordt overgeslagen / "
                    "grand total row skipped",
                    found=clean_text(first_cell),
                    expected="één rij per sleutel",
                )
            )
            continue
        extra = [i for i, c in enumerate(cells) if i not in known_indices and not is_empty(c)]
        if delimiter is not None and any(i >= len(header_cells) for i in extra):
            if delimiter == ",":
                why_nl = (
                    "staat er een decimale komma in een bestand dat met komma's is gescheiden? Gebruik ';' als "
                    "scheidingsteken of zet de getallen tussen aanhalingstekens"
                )
                why_en = "a decimal comma in a comma-separated file? Use ';' or quote the numbers"
            else:
                why_nl = f"staat er een '{delimiter}' in een tekst zonder aanhalingstekens? Zet de tekst tussen \"...\""
                why_en = f"a '{delimiter}' inside an unquoted text? Quote the text"
            shown = (delimiter if delimiter != "\t" else " | ").join(clean_text(c) for c in cells)
            problems.append(
                InputProblem(
                    file=file,
                    kind=kind,
                    row=number,
                    message=f"deze rij heeft meer cellen ({len(cells)}) dan de kopregel ({len(header_cells)}); "
                    f"{why_nl} / this row has more cells than the header; {why_en}",
                    found=shown if len(shown) <= 80 else shown[:77] + "...",
                    expected=f"{len(header_cells)} cellen gescheiden door '{delimiter}'",
                )
            )
            continue
        for index in extra:
            if index not in headless_reported:
                headless_reported.add(index)
                problems.append(
                    InputProblem(
                        file=file,
                        kind=kind,
                        sheet=chosen_sheet,
                        row=number,
                        column_letter=column_letter(index),
                        column=f"kolom {column_letter(index)}",
                        severity="warning",
                        message="deze kolom heeft geen kop en wordt genegeerd / this column has no header and is "
                        "ignored",
                        found=clean_text(cells[index]),
                        expected="een kolomkop",
                    )
                )
        rows.append((number, {name: (cells[index] if index < len(cells) else None) for name, index in columns.items()}))
    problems += _formula_problems(formulas, file, kind, chosen_sheet, {index: name for name, index in columns.items()})
    problems += _merged_problems(merged, file, kind, chosen_sheet, [header_number] + [n for n, _ in rows])
    if not rows and not any(p.is_error for p in problems):
        problems.append(
            InputProblem(
                file=file,
                kind=kind,
                sheet=chosen_sheet,
                row=header_number,
                message="het bestand heeft een kopregel maar geen gegevens / the file has a header but no data rows",
                found="0 rijen",
                expected="minstens één rij",
            )
        )
    title_text = [(n, clean_text(c)) for n, cells in grid[:position] for c in cells if not is_empty(c)]
    table = RawTable(
        kind=kind,
        path=path,
        file=file,
        sha256=digest,
        sheet=chosen_sheet,
        header_row=header_number,
        columns=columns,
        letters=letters,
        rows=rows,
        unknown_columns=unknown,
        title_text=title_text,
        encoding=encoding,
        delimiter=delimiter,
    )
    return table, problems
