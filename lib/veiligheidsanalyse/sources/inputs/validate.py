"""Checking partner inputs: every problem in every file at once, never a traceback.

:func:`validate_inputs` finds the files of a run (:class:`InputsConfig`), reads them
(:mod:`.reading`) and checks each row against its template (:mod:`.templates`): required columns,
types, ranges (percent 0-100, rapportcijfer 1-10, schaalscore 0-max, counts whole and >= 0, years
plausible, bounds around the value), duplicate keys, rows or files about another gemeente, empty,
undecodable, encrypted or corrupt files. The checked rows are kept (:class:`CheckedTable`) so that
:func:`veiligheidsanalyse.sources.inputs.loading.load_inputs` builds observations from exactly
what was validated.

Another gemeente is recognised by its GM code always, and by its name only when the caller passes
``known_gemeenten`` ({GMxxxx: name}, from the region code lists of the run's open data:
:func:`veiligheidsanalyse.sources.regions.known_gemeenten_from_snapshots`). No list of gemeenten is
kept in the code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ..regions import GEMEENTE_CODE, gemeente_name
from .config import InputsConfig
from .problems import InputProblem, cap_errors
from .reading import (
    RawTable,
    clean_text,
    decimal_hint,
    is_empty,
    parse_number,
    parse_period,
    parse_year,
    read_partner_file,
    read_table,
    sha256_bytes,
)
from .templates import (
    CHAPTER_ID,
    KINDS,
    NEDERLAND,
    NEDERLAND_ALIASES,
    PROVINCIES,
    STORY_KIND,
    TABLE_KINDS,
    TEMPLATES,
    Column,
    Template,
    allowed_values,
    catalogue_codes,
    kern_code,
    norm_value,
)

TABLE_SUFFIXES = (".csv", ".xlsx")
OTHER_TABLE_SUFFIXES = (".xls", ".xlsm", ".ods", ".txt", ".tsv", ".numbers")
IGNORED_NAMES = {"readme.md", "readme.txt", "readme", ".ds_store", "thumbs.db", "desktop.ini"}
UNIT_RANGES = {"procent": (0.0, 100.0), "rapportcijfer": (1.0, 10.0)}
UNSUPPORTED_AREA_PREFIXES = (
    "eenheid ",
    "politie-eenheid",
    "politieeenheid",
    "basisteam",
    "district ",
    "landsdeel",
    "veiligheidsregio",
    "regio ",
    "wijk ",
    "buurt ",
)


# ----------------------------------------------------------------------------------- results
@dataclass
class CheckedTable:
    """One partner table after checking: typed rows (``frame``; ``_row`` = row number in the file)."""

    kind: str
    path: Path
    file: str
    sheet: str | None
    sha256: str
    frame: pd.DataFrame


@dataclass
class CheckResult:
    problems: list[InputProblem] = field(default_factory=list)
    tables: dict[str, CheckedTable] = field(default_factory=dict)
    stories: dict[str, str] = field(default_factory=dict)
    story_files: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    gemeente: Gemeente | None = None  # the gemeente of the run, once its code was valid

    @property
    def errors(self) -> list[InputProblem]:
        return [p for p in self.problems if p.is_error]


@dataclass(frozen=True)
class Gemeente:
    """The gemeente of the run; ``aliases``: other spellings of its name (its title in the open data)."""

    code: str
    naam: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> set[str]:
        names = {self.code.casefold()}
        for name in (self.naam, *self.aliases):
            base = norm_value(name)
            names |= {base, _strip_qualifier(base)}
        return names - {""}

    @property
    def full_names(self) -> set[str]:
        """Its names as written (normalised, qualifier kept): what a title row naming it contains."""
        return {norm_value(name) for name in (self.naam, *self.aliases)} - {""}


def _strip_qualifier(name: str) -> str:
    return re.sub(r"\s*\(.*?\)\s*$", "", name).strip()


def _norm_place(text: Any) -> str:
    s = norm_value(clean_text(text))
    s = re.sub(r"\s*\((gemeente|pv|provincie|gm)\)\s*$", "", s)
    s = re.sub(r"^(de )?(gemeente|gem\.|provincie|prov\.)\s+", "", s)
    return s.strip()


class KnownGemeenten:
    """The gemeenten a run can recognise by name: ``known_gemeenten`` {GMxxxx: name} from the caller.

    Built from None (no names known), only GM codes can be recognised; a name is then never taken
    for another gemeente.
    """

    def __init__(self, mapping: Mapping[str, str] | None = None):
        self.by_code: dict[str, str] = {}
        self.by_name: dict[str, set[str]] = {}
        for code, name in (mapping or {}).items():
            code = str(code or "").strip().upper()
            name = gemeente_name(name)
            if not GEMEENTE_CODE.fullmatch(code) or not name:
                continue
            self.by_code[code] = name
            place = _norm_place(name)
            for variant in {place, _strip_qualifier(place)}:
                if variant:
                    self.by_name.setdefault(variant, set()).add(code)
        self.max_words = max((len(n.split()) for n in self.by_name), default=1)

    def label(self, code: str) -> str:
        """``"Meppel (GM0119)"``, or the code alone when its name is not known."""
        name = self.by_code.get(code)
        return f"{name} ({code})" if name else code

    def codes(self, place: str) -> set[str]:
        """Codes of the gemeenten called ``place`` (normalised as by ``_norm_place``)."""
        return self.by_name.get(place, set())


def other_gemeente(text: Any, gemeente: Gemeente, known: KnownGemeenten | None = None) -> str | None:
    """If ``text`` names a gemeente other than ``gemeente``: its label (``"Meppel (GM0119)"``), else None.

    A GM code other than the run's always counts; a name only when it is the whole cell and one of
    the ``known`` gemeenten (and not also a name of the run's gemeente).
    """
    known = known or KnownGemeenten()
    raw = clean_text(text)
    codes = re.findall(r"\bGM\d{4}\b", raw.upper())
    for code in codes:
        if code != gemeente.code:
            return known.label(code)
    if codes:
        return None
    place = _norm_place(raw)
    if place in gemeente.names:
        return None
    found = known.codes(place)
    if found and gemeente.code not in found:
        return known.label(sorted(found)[0])
    return None


# ----------------------------------------------------------------------------------- locating
def _display(path: Path) -> str:
    return str(path)


def _listing(folder: Path) -> list[Path]:
    """Every entry of the folder (files, folders, links, FIFOs: nothing is opened); OSError if unreadable."""
    return sorted(p for p in folder.iterdir())


def outside_link(path: Path, folder: Path) -> bool:
    """True when ``path`` lies in the partner ``folder`` as written, but is really elsewhere: a symbolic
    link (the entry itself or a folder on the way) pointing outside the folder.

    Only the links are looked at (``os.path.realpath`` reads links, never opens the target). A path
    that the configuration names outside the folder (an absolute file, an example file) is not a
    link in the folder and is not refused here.
    """
    base = os.path.abspath(folder)
    where = os.path.abspath(path)
    if where == base or os.path.commonpath([base, where]) != base:
        return False
    real_base = os.path.realpath(base)
    real = os.path.realpath(where)
    return os.path.commonpath([real_base, real]) != real_base


LINK_FOUND = "symbolische link naar buiten de map"


def link_problem(path: Path, kind: str | None = None) -> InputProblem:
    """A link out of the partner folder: named by the link only (its target is not shown, nor read)."""
    return InputProblem(
        file=_display(path),
        kind=kind,
        message="dit is een snelkoppeling (symbolische link) naar een plek buiten de map met partnerbestanden; "
        "die wordt niet gevolgd en niet gelezen. Zet het bestand zelf in de map / this is a symbolic link "
        "to a place outside the partner folder; it is not followed or read. Put the file itself in the "
        "folder",
        found=LINK_FOUND,
        expected="een gewoon bestand in de map met partnerbestanden",
    )


def locate(config: InputsConfig, kind: str, listing: list[Path]) -> tuple[Path | None, list[InputProblem]]:
    """The file for ``kind`` in the inputs folder, or None; problems for ambiguous or wrong files.

    Any entry named like the kind counts, also a folder or FIFO called ``halt.csv``: reading it
    (:func:`.reading.read_partner_file`) says what it is, instead of the input being "missing".
    """
    # Long: each way a named or configured file can be wrong, in the order it is checked
    folder = config.folder
    if kind in config.files:
        path = Path(config.files[kind])
        if not path.is_absolute():
            path = folder / path
        if outside_link(path, folder):
            return None, [link_problem(path, kind)]
        if not os.path.lexists(path):
            return None, [
                InputProblem(
                    file=_display(path),
                    kind=kind,
                    message=f"het in de configuratie genoemde bestand voor '{kind}' bestaat niet / the file configured "
                    f"for '{kind}' does not exist",
                    found="bestand ontbreekt",
                    expected=str(path),
                )
            ]
        if path.suffix.casefold() not in TABLE_SUFFIXES:
            return None, [
                InputProblem(
                    file=_display(path),
                    kind=kind,
                    message=f"bestandstype {path.suffix} wordt niet gelezen; lever .csv of .xlsx / file type "
                    f"{path.suffix} is not read; supply .csv or .xlsx",
                    found=path.suffix,
                    expected=".csv of .xlsx",
                )
            ]
        return path, []
    matches = [p for p in listing if p.stem.casefold() == kind and p.suffix.casefold() in TABLE_SUFFIXES]
    if len(matches) > 1:
        return None, [
            InputProblem(
                file=_display(matches[0]),
                kind=kind,
                message=f"er zijn meerdere bestanden voor '{kind}' ({', '.join(p.name for p in matches)}); laat er één "
                f"staan of noem het bestand in de configuratie / several files for '{kind}'; keep one or name it "
                f"in the config",
                found=", ".join(p.name for p in matches),
                expected=f"één bestand {kind}.csv of {kind}.xlsx",
            )
        ]
    if matches:
        return matches[0], []
    others = [p for p in listing if p.stem.casefold() == kind and p.suffix.casefold() in OTHER_TABLE_SUFFIXES]
    if others:
        return None, [
            InputProblem(
                file=_display(others[0]),
                kind=kind,
                message=f"bestandstype {others[0].suffix} wordt niet gelezen; sla het op als .xlsx of .csv / file type "
                f"{others[0].suffix} is not read; save it as .xlsx or .csv",
                found=others[0].suffix,
                expected=".csv of .xlsx",
            )
        ]
    return None, []


def _stories_name(config: InputsConfig) -> str:
    return Path(config.files.get(STORY_KIND, STORY_KIND)).name


def _unrecognised(config: InputsConfig, listing: list[Path]) -> list[InputProblem]:
    """A warning for every entry of the folder that is not read (files and folders), and an error when
    the folder has entries but not one of them is recognised as a partner input."""
    # Long: one pass over the folder listing, deciding per entry
    used_stems = set(TABLE_KINDS)
    configured = {Path(v).name.casefold() for v in config.files.values()}
    stories = {STORY_KIND, _stories_name(config).casefold()}
    problems = []
    unused: list[str] = []
    recognised = 0
    for path in listing:
        name = path.name.casefold()
        if name.startswith((".", "~$")) or name in IGNORED_NAMES:
            continue
        if name in configured:
            recognised += 1
            continue
        if outside_link(path, config.folder):
            continue  # refused on its own (an error): neither recognised nor used
        stem, suffix = path.stem.casefold(), path.suffix.casefold()
        if stem in used_stems and suffix in TABLE_SUFFIXES + OTHER_TABLE_SUFFIXES:
            recognised += 1  # read, or refused with its own error (wrong file type, a folder, ...)
            continue
        if path.is_dir():
            if name in stories:
                recognised += 1
                continue
            problems.append(
                InputProblem(
                    file=_display(path),
                    severity="warning",
                    message="deze submap wordt niet gelezen: alleen de bestanden in de map zelf en de map verhaal/ "
                    "worden gelezen / this subfolder is not read: only the files in the folder itself and verhaal/ are",
                    found=path.name + "/",
                    expected="<soort>.csv|.xlsx in de map zelf, of verhaal/",
                )
            )
            unused.append(path.name + "/")
            continue
        problems.append(
            InputProblem(
                file=_display(path),
                severity="warning",
                message="dit bestand wordt niet gebruikt: de naam is geen soort invoer (noem het bijvoorbeeld "
                "halt.xlsx, of noem het in de configuratie) / this file is not used: its name is not an input kind",
                found=path.name,
                expected="een van: " + ", ".join(f"{k}.csv|.xlsx" for k in TABLE_KINDS),
            )
        )
        unused.append(path.name)
    if unused and not recognised:
        shown = ", ".join(unused[:10]) + (f" en nog {len(unused) - 10}" if len(unused) > 10 else "")
        problems.append(
            InputProblem(
                file=_display(config.folder),
                message="in de map met partnerbestanden is geen enkel partnerbestand herkend: er staan alleen "
                "bestanden die niet gelezen worden. Noem elk bestand naar zijn soort (halt.xlsx, kernen.csv, ...) of "
                "noem het in de configuratie (invoer.bestanden) / no partner file recognised in the inputs folder: it "
                "only holds files that are not read; name each file after its kind or name it in the config",
                found=shown,
                expected="een of meer van: "
                + ", ".join(f"{k}.csv|.xlsx" for k in TABLE_KINDS)
                + f", {STORY_KIND}/<hoofdstuk>.md",
            )
        )
    return problems


# ----------------------------------------------------------------------------------- checking
class _Checker:
    """Checks the rows of one table; collects problems; returns a typed frame."""

    def __init__(
        self,
        table: RawTable,
        template: Template,
        gemeente: Gemeente,
        kernen: dict[str, str] | None,
        known: KnownGemeenten | None = None,
    ):
        self.table = table
        self.template = template
        self.gemeente = gemeente
        self.kernen = kernen
        self.known = known or KnownGemeenten()
        self.problems: list[InputProblem] = []
        self.errors = 0
        self.this_year = date.today().year
        self._codes: dict[str, dict[str, str]] = {}
        number_columns = [c.name for c in template.columns if c.type == "number" and c.name in table.columns]
        self.hint = decimal_hint([row[name] for _, row in table.rows for name in number_columns])

    def problem(
        self,
        row: int | None,
        column: str | None,
        message: str,
        found: Any = None,
        expected: Any = None,
        severity: str = "error",
    ) -> None:
        if severity == "error":
            self.errors += 1
        self.problems.append(
            InputProblem(
                file=self.table.file,
                kind=self.table.kind,
                sheet=self.table.sheet,
                row=row,
                column=column,
                column_letter=self.table.letters.get(column) if column else None,
                message=message,
                found=found,
                expected=expected,
                severity=severity,
            )
        )

    # -- per column type -------------------------------------------------------------------
    def value(self, row: int, column: Column, raw: Any) -> Any:
        name = column.name
        if column.type in ("code", "text", "area", "buurtcode", "year", "period") and is_empty(raw):
            if column.required:
                self.problem(
                    row,
                    name,
                    f"lege cel in verplichte kolom '{name}' / empty cell in required column '{name}'",
                    found="(leeg)",
                    expected=self._expected(column),
                )
            return None
        if column.type == "code":
            return self.code(row, column, raw)
        if column.type in ("text", "area"):
            return clean_text(raw)
        if column.type == "gemeente":
            return self.gemeente_cell(row, column, raw)
        if column.type == "buurtcode":
            return self.buurtcode(row, column, raw)
        if column.type == "year":
            return self.year(row, column, raw)
        if column.type == "period":
            return self.period(row, column, raw)
        if column.type == "count":
            return self.count(row, column, raw)
        if column.type == "number":
            return self.number(row, column, raw)
        raise ValueError(f"unknown column type {column.type!r}")

    def _expected(self, column: Column) -> str:
        if column.type == "code":
            return "een van: " + ", ".join(allowed_values(self.template, column))
        if column.type in ("year", "period"):
            return f"een jaar {self._min(column)}-{self._max(column)}" + (
                " of halfjaar (2023-H1)" if column.type == "period" else ""
            )
        if column.type == "buurtcode":
            return f"BU{self.gemeente.code[2:]}xxxx"
        return column.description or column.type

    def _min(self, column: Column) -> int:
        return int(column.min) if column.min is not None else 1900

    def _max(self, column: Column) -> int:
        if column.max in (None, "now"):
            return self.this_year
        return min(int(column.max), self.this_year)

    def code(self, row: int, column: Column, raw: Any) -> str | None:
        if column.name not in self._codes:
            lookup: dict[str, str] = {}
            for canonical, spellings in allowed_values(self.template, column).items():
                for spelling in (canonical, *spellings):
                    lookup.setdefault(norm_value(spelling), canonical)
            self._codes[column.name] = lookup
        matched = self._codes[column.name].get(norm_value(clean_text(raw)))
        if matched is not None:
            return matched
        self.problem(
            row,
            column.name,
            f"onbekende waarde in kolom '{column.name}' / unknown value in column '{column.name}'",
            found=clean_text(raw),
            expected=self._expected(column),
        )
        return None

    def gemeente_cell(self, row: int, column: Column, raw: Any) -> str | None:
        if is_empty(raw):
            return None
        text = clean_text(raw)
        other = other_gemeente(text, self.gemeente, self.known)
        if other:
            self.problem(
                row,
                column.name,
                f"deze rij gaat over een andere gemeente: {other} / this row is about another gemeente: {other}",
                found=text,
                expected=f"{self.gemeente.naam} ({self.gemeente.code})",
            )
            return None
        if _norm_place(text) not in self.gemeente.names:
            self.problem(
                row,
                column.name,
                f"onbekende gemeente '{text}' / unknown gemeente '{text}'",
                found=text,
                expected=f"{self.gemeente.naam} of {self.gemeente.code}",
            )
            return None
        return self.gemeente.code

    def buurtcode(self, row: int, column: Column, raw: Any) -> str | None:
        text = clean_text(raw).upper().replace(" ", "")
        if not re.fullmatch(r"BU\d{8}", text):
            self.problem(
                row,
                column.name,
                "geen geldige CBS-buurtcode (BU + 8 cijfers) / not a valid CBS buurt code (BU + 8 digits)",
                found=clean_text(raw),
                expected=self._expected(column),
            )
            return None
        if text[2:6] != self.gemeente.code[2:]:
            other = self.known.label("GM" + text[2:6])
            self.problem(
                row,
                column.name,
                f"buurt {text} ligt in een andere gemeente: {other} / buurt {text} is in another gemeente: {other}",
                found=text,
                expected=self._expected(column),
            )
            return None
        return text

    def _year_range(self, row: int, column: Column, year: int) -> bool:
        low, high = self._min(column), self._max(column)
        if year > self.this_year:
            self.problem(
                row,
                column.name,
                f"jaar {year} ligt in de toekomst / year {year} is in the future",
                found=year,
                expected=f"{low}-{high}",
            )
            return False
        if not low <= year <= high:
            self.problem(
                row,
                column.name,
                f"jaar {year} is niet aannemelijk / year {year} is not plausible",
                found=year,
                expected=f"{low}-{high}",
            )
            return False
        return True

    def year(self, row: int, column: Column, raw: Any) -> int | None:
        year, error = parse_year(raw)
        if error:
            self.problem(
                row, column.name, _in_column(error, column.name), found=clean_text(raw), expected=self._expected(column)
            )
            return None
        assert year is not None  # parse_year gives a year or an error
        return year if self._year_range(row, column, year) else None

    def period(self, row: int, column: Column, raw: Any) -> tuple[int, int | None] | None:
        period, error = parse_period(raw)
        if error:
            self.problem(
                row, column.name, _in_column(error, column.name), found=clean_text(raw), expected=self._expected(column)
            )
            return None
        assert period is not None  # parse_period gives a period or an error
        return period if self._year_range(row, column, period[0]) else None

    def count(self, row: int, column: Column, raw: Any) -> float | None:
        number = parse_number(raw, integer=True)
        if number.error:
            self.problem(
                row,
                column.name,
                _in_column(number.error, column.name, "verwacht een geheel getal", "expects a whole number"),
                found=clean_text(raw),
                expected="geheel getal >= 0, of '.' voor onbekend",
            )
            return None
        if number.value is None:
            return float("nan")
        if number.percent:
            self.problem(
                row,
                column.name,
                f"een percentage in kolom '{column.name}', die een aantal verwacht / a percentage in a count column",
                found=clean_text(raw),
                expected="geheel getal >= 0",
            )
            return None
        if number.value < 0:
            self.problem(
                row,
                column.name,
                f"negatief aantal in kolom '{column.name}' / negative count",
                found=clean_text(raw),
                expected="geheel getal >= 0",
            )
            return None
        if abs(number.value - round(number.value)) > 1e-9:
            self.problem(
                row,
                column.name,
                f"geen geheel getal in kolom '{column.name}' / not a whole number",
                found=clean_text(raw),
                expected="geheel getal >= 0",
            )
            return None
        return float(round(number.value))

    def number(self, row: int, column: Column, raw: Any) -> tuple[float, bool] | None:
        number = parse_number(raw, hint=self.hint)
        if number.error:
            self.problem(
                row,
                column.name,
                _in_column(number.error, column.name, "verwacht een getal", "expects a number"),
                found=clean_text(raw),
                expected="getal zoals 8,0 of 30%, of '.' voor onbekend",
            )
            return None
        if number.value is None:
            return float("nan"), False
        return number.value, number.percent

    # -- rows --------------------------------------------------------------------------------
    def rows(self) -> list[dict[str, Any]]:
        out = []
        present = self.table.columns
        for number, raw in self.table.rows:
            before = self.errors
            record: dict[str, Any] = {"_row": number}
            for column in self.template.columns:
                if column.name not in present:
                    record[column.name] = None
                    continue
                record[column.name] = self.value(number, column, raw.get(column.name))
            record["_ok"] = self.errors == before
            out.append(record)
        return out

    def duplicates(self, records: list[dict[str, Any]], key: tuple[str, ...], label: str) -> None:
        seen: dict[tuple, int] = {}
        for record in records:
            values = tuple(record.get(k) for k in key)
            if any(v is None for v in values):
                continue
            if values in seen:
                shown = ", ".join(f"{k}={_fmt_key(v)}" for k, v in zip(label.split("+"), values))
                self.problem(
                    record["_row"],
                    key[0],
                    f"dubbele rij: dezelfde {shown} staat ook in rij {seen[values]} / "
                    f"duplicate row: same key as row {seen[values]}",
                    found=shown,
                    expected="elke combinatie één keer",
                )
                record["_ok"] = False
            else:
                seen[values] = record["_row"]

    def title_gemeente(self) -> None:
        """Title rows above the header that name another gemeente (and not this one): a wrong export.

        Another GM code counts anywhere; a name only right after "gemeente" ("Halt gemeente Meppel"),
        so that words that are also gemeente names ("Best", "Buren") are no false alarm, and only
        when ``known_gemeenten`` were given.
        """
        cells = self.table.title_text
        if not cells:
            return
        normalised_all = norm_value(" | ".join(text for _, text in cells))
        if (
            any(name in normalised_all for name in self.gemeente.full_names)
            or self.gemeente.code.casefold() in normalised_all
        ):
            return
        for row, text in cells:
            for code in re.findall(r"\bGM\d{4}\b", text.upper()):
                if code != self.gemeente.code:
                    self._title_problem(row, text, self.known.label(code))
                    return
            for match in re.finditer(r"gemeente\s+([^|,;:()]+)", norm_value(text)):
                words = match.group(1).split()
                for length in range(min(self.known.max_words, len(words)), 0, -1):
                    codes = self.known.codes(" ".join(words[:length]))
                    if codes and self.gemeente.code not in codes:
                        self._title_problem(row, text, self.known.label(sorted(codes)[0]))
                        return

    def _title_problem(self, row: int, text: str, other: str) -> None:
        self.problem(
            row,
            None,
            f"de titel boven de tabel noemt een andere gemeente: {other}; is dit de export van "
            f"{self.gemeente.naam}? / the title names another gemeente: {other}",
            found=text[:120],
            expected=f"gegevens van {self.gemeente.naam} ({self.gemeente.code})",
        )


def _in_column(error: str, column: str, nl_expects: str = "", en_expects: str = "") -> str:
    """ "geen getal / not a number" -> "geen getal in kolom 'x' (...) / not a number in column 'x' (...)"."""
    nl, _, en = error.partition(" / ")
    nl_text = f"{nl} in kolom '{column}'" + (f", die {nl_expects}" if nl_expects else "")
    en_text = f"{en or nl} in column '{column}'" + (f", which {en_expects}" if en_expects else "")
    return f"{nl_text} / {en_text}"


def _fmt_key(value: Any) -> str:
    if isinstance(value, tuple):
        year, half = value
        return f"{year}" if half is None else f"{year}-H{half}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ----------------------------------------------------------------------------------- per kind
def _check_table(
    table: RawTable, gemeente: Gemeente, kernen: dict[str, str] | None, known: KnownGemeenten | None = None
) -> tuple[pd.DataFrame, list[InputProblem]]:
    template = TEMPLATES[table.kind]
    checker = _Checker(table, template, gemeente, kernen, known)
    checker.title_gemeente()
    records = checker.rows()
    special = {
        "veiligheidsmonitor": _check_vm,
        "veiligheidsregio": _check_counts,
        "halt": _check_counts,
        "politie_export": _check_counts,
        "veilig_thuis": _check_veilig_thuis,
        "vakantieparken": _check_plain,
        "kernen": _check_kernen,
    }[table.kind]
    frame = special(checker, records)
    return frame, checker.problems


def _check_plain(checker: _Checker, records: list[dict[str, Any]]) -> pd.DataFrame:
    template = checker.template
    checker.duplicates(records, template.key, "+".join(template.key))
    return pd.DataFrame(records)


def _check_counts(checker: _Checker, records: list[dict[str, Any]]) -> pd.DataFrame:
    template = checker.template
    code_column = template.key[1]
    checker.duplicates(records, template.key, "+".join(template.key))
    total = template.total_code
    if total:
        by_year: dict[int, dict[str, Any]] = {}
        for record in records:
            if record["_ok"] and record["jaar"] is not None and record[code_column] is not None:
                by_year.setdefault(record["jaar"], {})[record[code_column]] = record
        for year, codes in sorted(by_year.items()):
            if total not in codes:
                continue
            parts = [r["aantal"] for c, r in codes.items() if c != total]
            total_value = codes[total]["aantal"]
            known = [p for p in parts if p == p]
            if known and total_value == total_value and sum(known) > total_value:
                checker.problem(
                    codes[total]["_row"],
                    "aantal",
                    f"de som van de {code_column}en in {year} ({int(sum(known))}) is groter dan het totaal "
                    f"({int(total_value)}) / the parts add up to more than the total",
                    found=int(sum(known)),
                    expected=f"<= {int(total_value)}",
                    severity="warning",
                )
    return pd.DataFrame(records)


def _check_veilig_thuis(checker: _Checker, records: list[dict[str, Any]]) -> pd.DataFrame:
    checker.duplicates(records, ("periode", "soort"), "periode+soort")
    groups: dict[tuple[int, str], dict[int | None, dict[str, Any]]] = {}
    for record in records:
        if record["_ok"] and record["periode"] is not None and record["soort"] is not None:
            year, half = record["periode"]
            groups.setdefault((year, record["soort"]), {})[half] = record
    for (year, soort), halves in sorted(groups.items()):
        if None in halves and (1 in halves or 2 in halves):
            parts = [halves[h]["aantal"] for h in (1, 2) if h in halves]
            year_value = halves[None]["aantal"]
            if len(parts) == 2 and all(p == p for p in parts) and year_value == year_value and sum(parts) != year_value:
                checker.problem(
                    halves[None]["_row"],
                    "aantal",
                    f"{soort} {year}: jaarcijfer {int(year_value)} is niet de som van de halfjaren "
                    f"({int(sum(parts))}); het jaarcijfer wordt gebruikt / the year figure differs from "
                    f"the sum of the half years; the year figure is used",
                    found=int(year_value),
                    expected=int(sum(parts)),
                    severity="warning",
                )
        elif None not in halves and len(halves) == 1:
            half = next(iter(halves))
            checker.problem(
                halves[half]["_row"],
                "periode",
                f"{soort} {year}: alleen het {half}e halfjaar; er komt geen jaarcijfer voor {year} / only "
                f"one half year, so no year figure for {year}",
                found=f"{year}-H{half}",
                expected=f"{year}-H1 en {year}-H2, of {year}",
                severity="warning",
            )
    frame = pd.DataFrame(records)
    if len(frame):
        frame["jaar"] = [p[0] if p else None for p in frame["periode"]]
        frame["halfjaar"] = [p[1] if p else None for p in frame["periode"]]
        frame["periode"] = [_fmt_key(p) if p else None for p in frame["periode"]]
    return frame


def _check_kernen(checker: _Checker, records: list[dict[str, Any]]) -> pd.DataFrame:
    checker.duplicates(records, ("buurtcode",), "buurtcode")
    frame = pd.DataFrame(records)
    if len(frame):
        frame["kern_code"] = [kern_code(checker.gemeente.code, k) if k else None for k in frame["kern"]]
    return frame


def _resolve_area(checker: _Checker, record: dict[str, Any]) -> tuple[str, str, str] | None:
    text = record["gebied"]
    row = record["_row"]
    gemeente = checker.gemeente
    place = _norm_place(text)
    if place in gemeente.names:
        return gemeente.code, gemeente.naam, "gemeente"
    if place in NEDERLAND_ALIASES:
        return NEDERLAND[0], NEDERLAND[1], "land"
    for code, (name, aliases) in PROVINCIES.items():
        if place == code.casefold() or place in {norm_value(a) for a in aliases}:
            return code, name, "provincie"
    if checker.kernen is not None and place in checker.kernen:
        name = checker.kernen[place]
        return kern_code(gemeente.code, name), name, "kern"
    other = other_gemeente(text, gemeente, checker.known)
    if other:
        by_name = not re.search(r"\bGM\d{4}\b", text.upper())
        hint_nl = (
            (
                f" (is het een kern van {gemeente.naam} met dezelfde naam, bijvoorbeeld een voormalige gemeente? "
                f"Zet de kern dan in kernen.csv)"
            )
            if by_name
            else ""
        )
        hint_en = " (a kern with the same name? list it in kernen.csv)" if by_name else ""
        checker.problem(
            row,
            "gebied",
            f"deze rij gaat over een andere gemeente: {other}{hint_nl} / this row is "
            f"about another gemeente: {other}{hint_en}",
            found=text,
            expected=f"{gemeente.naam}, een kern, Nederland of een provincie",
        )
        return None
    if place.startswith(UNSUPPORTED_AREA_PREFIXES) or re.fullmatch(r"(gm|pv|wk|bu|re|ld)\d+", place):
        checker.problem(
            row,
            "gebied",
            "dit soort gebied wordt niet ondersteund / this kind of area is not supported",
            found=text,
            expected=f"{gemeente.naam}, een kern, Nederland of een provincie",
        )
        return None
    if checker.kernen is not None:
        checker.problem(
            row,
            "gebied",
            f"'{text}' is geen kern in het kernen-bestand; gelezen als kern / not a kern in "
            f"the kernen file; read as a kern",
            found=text,
            expected="een kern uit kernen: " + ", ".join(sorted(set(checker.kernen.values()))),
            severity="warning",
        )
    return kern_code(gemeente.code, text), text, "kern"


def _check_vm(checker: _Checker, records: list[dict[str, Any]]) -> pd.DataFrame:
    from veiligheidsanalyse.indicators import catalogue

    codes = catalogue_codes("veiligheidsmonitor")
    indicators = catalogue()
    for record in records:
        row = record["_row"]
        record["indicator_id"] = codes.get(record["indicator"]) if record["indicator"] else None
        area = _resolve_area(checker, record) if record["gebied"] else None
        if record["gebied"] and area is None:
            record["_ok"] = False
        record["regio_code"], record["regio_naam"], record["regio_soort"] = area or (None, None, None)
        editie = record["editie"]
        if editie is not None and editie >= 2018 and editie % 2 == 0:
            checker.problem(
                row,
                "editie",
                f"in {editie} was er geen Veiligheidsmonitor (sinds 2017 om het jaar: "
                f"2017, 2019, 2021, 2023, ...) / no edition in {editie}",
                found=editie,
                expected="2017, 2019, 2021, 2023, 2025, ...",
                severity="warning",
            )
        values: dict[str, float] = {}
        percents: dict[str, bool] = {}
        for name in ("waarde", "ondergrens", "bovengrens", "marge"):
            parsed = record[name]
            values[name] = parsed[0] if parsed else float("nan")
            percents[name] = parsed[1] if parsed else False
            record[name] = values[name]
        indicator = indicators.get(record["indicator_id"]) if record["indicator_id"] else None
        if indicator is not None:
            _check_vm_ranges(checker, record, indicator, values, percents)
        if record["n"] is not None and record["n"] == record["n"] and record["n"] < 1:
            checker.problem(
                row,
                "n",
                "n (aantal respondenten) is 0 / n (respondents) is 0",
                found=0,
                expected="geheel getal >= 1, of leeg",
            )
            record["_ok"] = False
    checker.duplicates(records, ("indicator", "editie", "regio_code"), "indicator+editie+gebied")
    frame = pd.DataFrame(records)
    return frame


def _check_vm_ranges(
    checker: _Checker, record: dict[str, Any], indicator, values: dict[str, float], percents: dict[str, bool]
) -> None:
    # Long: the bounds of waarde, ondergrens and bovengrens and their order, each with its message
    row = record["_row"]
    unit = indicator.unit
    if unit in UNIT_RANGES:
        low, high = UNIT_RANGES[unit]
    elif unit == "score":
        low, high = 0.0, float(indicator.scale_max or 10)
    else:
        low, high = 0.0, float("inf")
    unit_label = {"procent": "percentage", "rapportcijfer": "rapportcijfer", "score": "schaalscore"}.get(unit, unit)
    ok = True
    for name in ("waarde", "ondergrens", "bovengrens"):
        value = values[name]
        if value != value:
            continue
        if percents[name] and unit != "procent":
            checker.problem(
                row,
                name,
                f"een percentage bij {indicator.id}, een {unit_label} / a percentage for an indicator that is a {unit}",
                found=f"{value:g}%",
                expected=f"{unit_label} {low:g}-{high:g}",
            )
            ok = False
            continue
        if not low <= value <= high:
            checker.problem(
                row,
                name,
                f"{unit_label} buiten het bereik {low:g}-{high:g} voor {indicator.id} / {unit} out of range",
                found=value,
                expected=f"{low:g} t/m {high:g}",
            )
            ok = False
    if unit == "procent" and 0 < values["waarde"] < 1 and not percents["waarde"]:
        checker.problem(
            row,
            "waarde",
            "een percentage kleiner dan 1: is dit een fractie (0,30 = 30%)? Vul procenten "
            "in / a percentage below 1: a fraction? Enter percent",
            found=values["waarde"],
            expected="procent (30, niet 0,30)",
            severity="warning",
        )
    marge = values["marge"]
    if marge == marge:
        if marge < 0:
            checker.problem(row, "marge", "negatieve marge / negative margin", found=marge, expected=">= 0")
            ok = False
        elif values["waarde"] == values["waarde"]:
            lower, upper = values["waarde"] - marge, values["waarde"] + marge
            if values["ondergrens"] != values["ondergrens"] and values["bovengrens"] != values["bovengrens"]:
                record["ondergrens"], record["bovengrens"] = max(lower, low), min(upper, high)
                values["ondergrens"], values["bovengrens"] = record["ondergrens"], record["bovengrens"]
            elif abs(values["ondergrens"] - lower) > 0.051 + 1e-9 and abs(values["bovengrens"] - upper) > 0.051 + 1e-9:
                checker.problem(
                    row,
                    "marge",
                    "marge past niet bij onder- en bovengrens / margin does not match the bounds",
                    found=marge,
                    expected=f"ongeveer {(values['bovengrens'] - values['ondergrens']) / 2:g}",
                    severity="warning",
                )
    lower, value, upper = values["ondergrens"], values["waarde"], values["bovengrens"]
    if (lower == lower) != (upper == upper):
        checker.problem(
            row,
            "ondergrens" if lower != lower else "bovengrens",
            "alleen één grens ingevuld; vul beide grenzen in of geen / only one bound given",
            found="één grens",
            expected="ondergrens en bovengrens",
            severity="warning",
        )
    if lower == lower and upper == upper and lower > upper:
        checker.problem(
            row,
            "ondergrens",
            "ondergrens is groter dan bovengrens / lower bound above upper bound",
            found=f"{lower:g} > {upper:g}",
            expected="ondergrens <= bovengrens",
        )
        ok = False
    elif value == value:
        if lower == lower and lower > value + 1e-9:
            checker.problem(
                row,
                "ondergrens",
                "ondergrens ligt boven de waarde / lower bound above the value",
                found=lower,
                expected=f"<= {value:g}",
            )
            ok = False
        if upper == upper and upper < value - 1e-9:
            checker.problem(
                row,
                "bovengrens",
                "bovengrens ligt onder de waarde / upper bound below the value",
                found=upper,
                expected=f">= {value:g}",
            )
            ok = False
    if not ok:
        record["_ok"] = False


# ----------------------------------------------------------------------------------- stories
def check_stories(
    config: InputsConfig, listing: list[Path]
) -> tuple[dict[str, str], dict[str, str], list[InputProblem], bool]:
    """Stories per chapter from ``<folder>/verhaal/<chapter>.md``: (stories, files, problems, present)."""
    # Long: each way a story file or folder can be refused, in the order it is checked
    name = config.files.get(STORY_KIND, STORY_KIND)
    folder = Path(name) if Path(name).is_absolute() else config.folder / name
    if outside_link(folder, config.folder):
        # a link in the listing is refused with the listing's entries; a configured one here
        listed = any(os.path.abspath(p) == os.path.abspath(folder) for p in listing)
        return {}, {}, [] if listed else [link_problem(folder, STORY_KIND)], True
    if not folder.is_dir():
        return {}, {}, [], False
    stories: dict[str, str] = {}
    files: dict[str, str] = {}
    problems: list[InputProblem] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "~$")) or path.name.casefold() in IGNORED_NAMES:
            continue
        if outside_link(path, config.folder):
            problems.append(link_problem(path, STORY_KIND))
            continue
        if path.is_dir():
            continue
        display = _display(path)
        if path.suffix.casefold() != ".md":
            problems.append(
                InputProblem(
                    file=display,
                    kind=STORY_KIND,
                    severity="warning",
                    message="alleen .md-bestanden worden gelezen als verhaal / only .md files are read as stories",
                    found=path.suffix,
                    expected=".md",
                )
            )
            continue
        chapter = path.stem
        if not CHAPTER_ID.match(chapter):
            problems.append(
                InputProblem(
                    file=display,
                    kind=STORY_KIND,
                    severity="warning",
                    message="de bestandsnaam is geen hoofdstuk-id (zoals 01_criminaliteit.md); "
                    "het verhaal wordt niet gebruikt / the file name is not a chapter id",
                    found=path.name,
                    expected="NN_naam.md, bijvoorbeeld 01_criminaliteit.md",
                )
            )
            continue
        if config.chapters is not None and chapter not in config.chapters:
            problems.append(
                InputProblem(
                    file=display,
                    kind=STORY_KIND,
                    severity="warning",
                    message="geen hoofdstuk met deze naam in het rapport; het verhaal wordt niet "
                    "getoond / no chapter with this id in the report",
                    found=chapter,
                    expected="een van: " + ", ".join(config.chapters),
                )
            )
            continue
        data, refused = read_partner_file(path, display, STORY_KIND)
        if data is None:
            problems += refused
            continue
        files[display] = sha256_bytes(data)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
                problems.append(
                    InputProblem(
                        file=display,
                        kind=STORY_KIND,
                        severity="warning",
                        message="het verhaal is geen UTF-8 en is gelezen als Windows-1252 / not "
                        "UTF-8, read as Windows-1252",
                        found="Windows-1252",
                        expected="UTF-8",
                    )
                )
            except UnicodeDecodeError as exc:
                problems.append(
                    InputProblem(
                        file=display,
                        kind=STORY_KIND,
                        message="verkeerde tekenset: het verhaal is geen leesbare tekst; sla het "
                        "op als UTF-8 / wrong encoding: save the story as UTF-8",
                        found=f"byte {data[exc.start : exc.start + 1].hex().upper()} op positie {exc.start}",
                        expected="UTF-8",
                    )
                )
                continue
        text = text.replace("\r\n", "\n").strip()
        if not text:
            problems.append(
                InputProblem(
                    file=display,
                    kind=STORY_KIND,
                    severity="warning",
                    message="het verhaal is leeg en wordt niet getoond / the story is empty",
                    found="(leeg)",
                    expected="tekst in markdown",
                )
            )
            continue
        stories[chapter] = text + "\n"
    return stories, files, problems, True


# ----------------------------------------------------------------------------------- driver
def check_inputs(
    config: InputsConfig, gemeente_code: str, gemeente_naam: str, known_gemeenten: Mapping[str, str] | None = None
) -> CheckResult:
    """Read and check every input; the shared work of ``validate_inputs`` and ``load_inputs``.

    ``known_gemeenten`` ({GMxxxx: name}) lets names of other gemeenten be recognised; without it
    only GM codes other than ``gemeente_code`` are. At most ``MAX_ERRORS_PER_FILE`` errors are
    listed per file, then one line with the number of the others (:func:`.problems.cap_errors`).
    """
    result = _check_inputs(config, gemeente_code, gemeente_naam, known_gemeenten)
    result.problems = cap_errors(result.problems)
    return result


def _check_inputs(
    config: InputsConfig, gemeente_code: str, gemeente_naam: str, known_gemeenten: Mapping[str, str] | None
) -> CheckResult:
    result = CheckResult()
    code = str(gemeente_code or "").strip().upper()
    if not re.fullmatch(r"GM\d{4}", code):
        result.problems.append(
            InputProblem(
                file=str(config.folder),
                message="ongeldige gemeentecode in de configuratie / invalid gemeente code",
                found=gemeente_code,
                expected="GM + 4 cijfers, bijvoorbeeld GM1701",
            )
        )
        return result
    known = KnownGemeenten(known_gemeenten)
    title = known.by_code.get(code)
    naam = str(gemeente_naam or title or code).strip()
    gemeente = Gemeente(code, naam, (title,) if title and title != naam else ())
    result.gemeente = gemeente
    listing = _folder_listing(config, result)
    if listing is None:
        return result
    refused = {path for path in listing if outside_link(path, config.folder)}
    refused_names = {_display(path) for path in refused}
    result.problems += [link_problem(path) for path in sorted(refused)]
    result.problems += _unrecognised(config, listing)
    kernen: dict[str, str] | None = None
    for kind in ("kernen",) + tuple(k for k in TABLE_KINDS if k != "kernen"):
        path, problems = locate(config, kind, listing)
        # a configured name for an entry refused above: reported once
        result.problems += [p for p in problems if not (p.found == LINK_FOUND and p.file in refused_names)]
        if path in refused:
            continue  # a link out of the folder: refused above, not "missing"
        if path is None:
            if not problems:
                result.missing.append(kind)
                result.problems.append(_missing_input(config, kind))
            continue
        checked = _read_and_check(config, kind, path, gemeente, kernen, known, result)
        if checked is None:
            continue
        result.tables[kind] = checked
        frame = checked.frame
        if kind == "kernen" and len(frame) and "kern" in frame:
            kernen = {norm_value(k): k for k in frame["kern"].dropna()}
    _add_stories(config, listing, result)
    return result


def _folder_listing(config: InputsConfig, result: CheckResult) -> list[Path] | None:
    """The entries of the inputs folder; None, with the problem in ``result``, when it is no readable folder."""
    if not config.folder.is_dir():
        exists = os.path.lexists(config.folder)
        result.problems.append(
            InputProblem(
                file=str(config.folder),
                message=(
                    "de map met partnerbestanden is geen map / the inputs folder is not a folder"
                    if exists
                    else "de map met partnerbestanden bestaat niet / the inputs folder does not exist"
                ),
                found="geen map" if exists else "map ontbreekt",
                expected="een map met <soort>.csv of <soort>.xlsx",
            )
        )
        result.missing = list(KINDS)
        return None
    try:
        return _listing(config.folder)
    except OSError as exc:
        result.problems.append(
            InputProblem(
                file=str(config.folder),
                message=f"de map met partnerbestanden kan niet gelezen worden ({exc.strerror or type(exc).__name__}); "
                f"controleer de rechten / the inputs folder cannot be read",
                found=type(exc).__name__,
                expected="een leesbare map",
            )
        )
        return None


def _missing_input(config: InputsConfig, kind: str) -> InputProblem:
    required = kind in config.required
    return InputProblem(
        file=str(config.folder / f"{kind}.csv|.xlsx"),
        kind=kind,
        severity="error" if required else "missing",
        message=(
            f"invoer '{kind}' ontbreekt"
            + (" en is verplicht in de configuratie" if required else "; het hoofdstuk meldt dat dit cijfer ontbreekt")
            + f" / input '{kind}' is missing"
            + (" and required" if required else "")
        ),
        found="geen bestand",
        expected=f"{kind}.csv of {kind}.xlsx",
    )


def _read_and_check(
    config: InputsConfig,
    kind: str,
    path: Path,
    gemeente: Gemeente,
    kernen: dict[str, str] | None,
    known: KnownGemeenten,
    result: CheckResult,
) -> CheckedTable | None:
    """One partner file read and checked (its hash and problems added to ``result``); None when unusable."""
    display = _display(path)
    try:
        data, problems = read_partner_file(path, display, kind)
        if data is None:
            result.problems += problems
            return None
        result.files[display] = sha256_bytes(data)
        table, problems = read_table(path, TEMPLATES[kind], file=display, sheet=config.sheets.get(kind), data=data)
        result.problems += problems
        if table is None:
            return None
        frame, problems = _check_table(table, gemeente, kernen, known)
        result.problems += problems
    except Exception as exc:  # noqa: BLE001 - a file must never crash validation
        result.problems.append(
            InputProblem(
                file=display,
                kind=kind,
                message=f"het bestand kan niet gelezen worden / the file cannot be read ({type(exc).__name__}: {exc})",
                found=type(exc).__name__,
                expected="een leesbaar .csv- of .xlsx-bestand",
            )
        )
        return None
    return CheckedTable(kind, path, display, table.sheet, table.sha256, frame)


def _add_stories(config: InputsConfig, listing: list[Path], result: CheckResult) -> None:
    """The stories behind the figures (``verhaal/``) and their problems, into ``result``."""
    try:
        stories, files, problems, present = check_stories(config, listing)
    except Exception as exc:  # noqa: BLE001
        stories, files, present = {}, {}, True
        problems = [
            InputProblem(
                file=str(config.folder / STORY_KIND),
                kind=STORY_KIND,
                message=f"de verhalen kunnen niet gelezen worden / stories cannot be read "
                f"({type(exc).__name__}: {exc})",
            )
        ]
    result.stories, result.story_files = stories, files
    result.files.update(files)
    result.problems += problems
    if not present:
        result.missing.append(STORY_KIND)
        required = STORY_KIND in config.required
        result.problems.append(
            InputProblem(
                file=str(config.folder / STORY_KIND),
                kind=STORY_KIND,
                severity="error" if required else "missing",
                message="geen verhalen achter de cijfers (map verhaal/ ontbreekt) / no stories behind the figures "
                "(folder verhaal/ missing)",
                found="geen map",
                expected="verhaal/<hoofdstuk>.md",
            )
        )


def validate_inputs(
    inputs_config: InputsConfig,
    gemeente_code: str,
    gemeente_naam: str,
    known_gemeenten: Mapping[str, str] | None = None,
) -> list[InputProblem]:
    """Every problem in the partner inputs of a run (errors, warnings and missing inputs), never raising.

    Files are only read. An empty list means: every input present and clean.

    ``known_gemeenten``: {GMxxxx: name} of the gemeenten of the Netherlands, from the open data of
    the run (:func:`veiligheidsanalyse.sources.regions.known_gemeenten_from_snapshots`). A cell or
    title naming another of them (by code or name) is an error. Without it (None) a GM code other
    than ``gemeente_code`` is still an error, but names of other gemeenten cannot be recognised.
    """
    try:
        return check_inputs(inputs_config, gemeente_code, gemeente_naam, known_gemeenten).problems
    except Exception as exc:  # noqa: BLE001 - last line of defence: the CLI prints problems, not tracebacks
        return [
            InputProblem(
                file=str(getattr(inputs_config, "folder", "?")),
                message=f"onverwachte fout bij het controleren / unexpected error while checking "
                f"({type(exc).__name__}: {exc})",
            )
        ]
