"""Fault injection, disclosure: what a published report may never show, checked on the shared full
demo report (``demo_run``: Westerveld with the example partner inputs, threshold
``onthulling.drempel`` = 5).

*Published* means every file a reader gets: the run folder (``outputs/<gemeente>/<run_id>/``, what
``latest`` points at and a file share serves) without its ``intern/`` folder, and
``outputs/index.html``. ``intern/`` (executed notebooks, data store, logs) is checked separately:
it should not be inside the published folder at all.

1. Small partner cells: every cell of a partner detail table (the run's store,
   ``intern/data/inputs/tables/*.parquet``) and every aggregate of such cells that a published
   table shows (by year, period of years, half year, category or total) is found by matching the
   table's row and column labels against the partner table and checking the shown numbers against
   the true sums. A true value of 1 to 4 must never be shown as a number, in any CSV or HTML table.
2. Not derivable: for every published table with hidden cells ("<5", "x") the equations its
   totals give (rows and columns that add up to a "Totaal" row or column) are solved as an integer
   program with what the labels tell a reader: "<5" is 1 to 4, "x" is a count the rule did not call
   small, so 0 or 5 and more. A hidden "<5" cell that can be computed, or narrowed to fewer than 3
   of its 4 possible values, by anyone with the table is a leak. (The same rule as
   ``stats.disclosure.narrowed_cells``, written independently here from the published text.)
3. No raw partner rows: no line of a partner file, and no (year, category, small count) of one,
   appears in a published file; no published CSV carries the store's row provenance (bestand, rij).
4. No machine details or secrets: the absolute project path, the home directory, the output
   folder's absolute path, the user name, the host name, and token-like strings (words such as
   token, password, secret, Authorization; long hex or base64 strings) appear in no published file.
   Whitelisted explicitly: sha256 digests in ``manifest.json`` under the keys that hold digests
   (snapshot and partner-file hashes, chapter keys, module hashes: see ``DIGEST_KEYS``), the CSS
   pseudo-class ``:root``, and ``data:`` URIs of inline figures (base64 PNG).
5. Executed notebooks (which hold unsuppressed numbers) and the data store are kept apart from the
   published folder.
"""

from __future__ import annotations

import csv
import getpass
import json
import math
import re
import socket
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from veiligheidsanalyse.paths import intern_dir

pytestmark = [pytest.mark.fault("disclosure"), pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[1]
THRESHOLD = 5  # onthulling.drempel of config/westerveld.yaml (checked below)
PRIMARY = f"<{THRESHOLD}"
SECONDARY = "x"


# ---------------------------------------------------------------------------------- tables


@dataclass
class Table:
    source: str  # file (and table number for HTML)
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


class _TableParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._depth += 1
            self.tables.append([])
        elif tag == "tr" and self._depth:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.tables[-1].append(self._row)
            self._row = None
        elif tag == "table" and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(path: Path) -> list[Table]:
    parser = _TableParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return [Table(f"{path.name} tabel {i + 1}", rows[0], rows[1:]) for i, rows in enumerate(parser.tables) if rows]


def csv_table(path: Path) -> Table:
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    return Table(path.name, [_csv_label(name) for name in rows[0]] if rows else [], rows[1:])


def _csv_label(name: str) -> str:
    """A CSV column name as the page's header reads it: 'aantal_2018_2020' -> '2018-2020', 'aantal_brand' -> 'brand'."""
    name = re.sub(r"(\d{4})_(\d{4})", r"\1-\2", name.removeprefix("aantal_"))
    return name.replace("_", " ")


def published_tables(run_dir: Path) -> list[Table]:
    tables = [csv_table(p) for p in sorted((run_dir / "csv").glob("*.csv"))]
    for page in sorted(run_dir.glob("*.html")):
        tables.extend(html_tables(page))
    return tables


def number(text: str) -> float | None:
    """A shown number in Dutch notation ("1.234", "10,4"); None for anything else."""
    s = text.strip().replace("\u2212", "-")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", s):
        return float(s.replace(".", ""))
    if re.fullmatch(r"-?\d+(,\d+)?", s):
        return float(s.replace(",", "."))
    return None


def hidden(text: str) -> bool:
    return text.strip() in (PRIMARY, SECONDARY)


# ---------------------------------------------------------------------------------- the run


@pytest.fixture(scope="module")
def run(demo_run: Path) -> dict:
    """The demo run, its published files and the partner detail tables of its store."""
    output_root = demo_run.parent.parent
    store_tables = intern_dir(demo_run) / "data" / "inputs" / "tables"  # outside the run folder
    assert store_tables.is_dir(), "the run's partner tables are nowhere to be found"
    partner = {p.stem: pd.read_parquet(p) for p in sorted(store_tables.glob("*.parquet"))}
    published = [p for p in demo_run.rglob("*") if p.is_file() and "intern" not in p.relative_to(demo_run).parts]
    published.append(output_root / "index.html")
    manifest = json.loads((demo_run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["onthulling"]["drempel"] == THRESHOLD
    return {
        "dir": demo_run,
        "output_root": output_root,
        "partner": partner,
        "published": published,
        "manifest": manifest,
        "tables": published_tables(demo_run),
    }


# ---------------------------------------------------------------------------------- 1. small cells


def _norm(text: str) -> str:
    return " ".join(str(text).replace("_", " ").casefold().split())


@dataclass
class PartnerCounts:
    """A partner detail table as (time, category) -> count, with label matching."""

    name: str
    cells: pd.DataFrame  # columns: jaar, periode, categorie, waarde
    # label -> answer of rows_for_time / categories: a label recurs in every cell of its row or column
    _rows: dict = field(default_factory=dict, repr=False, compare=False)
    _categories: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_store(cls, name: str, df: pd.DataFrame) -> PartnerCounts | None:
        if "aantal" in df.columns:
            category = next((c for c in ("delictgroep", "soort") if c in df.columns), None)
            if category is None or "jaar" not in df.columns:
                return None
            cells = pd.DataFrame(
                {
                    "jaar": df["jaar"].astype(int),
                    "periode": df["periode"].astype(str) if "periode" in df.columns else df["jaar"].astype(str),
                    "categorie": df[category].astype(str),
                    "waarde": df["aantal"].astype(float),
                }
            )
        elif "jaar" in df.columns:  # wide: one count column per measure (vakantieparken)
            counts = [
                c for c in df.columns if c not in ("jaar", "rij", "bestand") and pd.api.types.is_numeric_dtype(df[c])
            ]
            if not counts:
                return None
            long = df.melt(id_vars=["jaar"], value_vars=counts, var_name="categorie", value_name="waarde")
            cells = pd.DataFrame(
                {
                    "jaar": long["jaar"].astype(int),
                    "periode": long["jaar"].astype(str),
                    "categorie": long["categorie"].astype(str),
                    "waarde": long["waarde"].astype(float),
                }
            )
        else:
            return None
        return cls(name, cells.dropna(subset=["waarde"]))

    def categories(self, label: str) -> set[str] | None:
        """Categories a row or column label stands for ("Mishandeling", "Meldingen woonoverlast", "Totaal")."""
        if label not in self._categories:
            self._categories[label] = self._categories_of(label)
        return self._categories[label]

    def _categories_of(self, label: str) -> set[str] | None:
        n = _norm(label)
        everything = set(self.cells["categorie"].unique())
        cats = {c for c in everything if _norm(c) != "totaal"}
        if n == "totaal":  # the partner's own total row if it has one, else the sum of the categories
            return (everything - cats) or cats
        exact = {c for c in cats if _norm(c) == n}
        if exact:
            return exact
        words = {c for c in cats if re.search(rf"\b{re.escape(_norm(c))}\b", n)}
        return words or None

    def rows_for_time(self, label: str) -> pd.Series | None:
        if label not in self._rows:
            self._rows[label] = self._rows_for_time(label)
        return self._rows[label]

    def _rows_for_time(self, label: str) -> pd.Series | None:
        s = label.strip()
        if _norm(s) == "totaal":
            return pd.Series(True, index=self.cells.index)
        if re.fullmatch(r"\d{4}", s):
            year = int(s)
            whole = self.cells["periode"] == s
            if whole.any():
                return whole
            return (self.cells["jaar"] == year) if (self.cells["jaar"] == year).any() else None
        m = re.fullmatch(r"(\d{4})\s*[-–]\s*(\d{4})", s)
        if m:
            mask = self.cells["jaar"].between(int(m.group(1)), int(m.group(2)))
            return mask if mask.any() else None
        mask = self.cells["periode"].map(_norm) == _norm(s)  # 2022-H1
        return mask if mask.any() else None

    def value(self, time_label: str, category_label: str) -> float | None:
        rows, cats = self.rows_for_time(time_label), self.categories(category_label)
        if rows is None or cats is None:
            return None
        selected = self.cells[rows & self.cells["categorie"].isin(cats)]
        if selected.empty:
            return None
        return float(selected["waarde"].sum())


def matched_cells(partner: PartnerCounts, table: Table) -> list[tuple[str, str, str, float]]:
    """(row label, column label, shown, true value) for every cell of ``table`` that shows an
    aggregate of ``partner``, in the orientation that matches best; [] if the table does not show it."""
    best: list[tuple[str, str, str, float]] = []
    for rows_are_time in (True, False):
        cells = []
        for row in table.rows:
            if not row:
                continue
            for col, shown in zip(table.header[1:], row[1:]):
                truth = partner.value(row[0], col) if rows_are_time else partner.value(col, row[0])
                if truth is not None:
                    cells.append((row[0], col, shown, truth))
        consistent = [c for c in cells if hidden(c[2]) or (number(c[2]) is not None and number(c[2]) == c[3])]
        if len(cells) >= 2 and len(consistent) >= 0.6 * len(cells) and len(consistent) > len(best):
            best = cells
    return best


def test_small_partner_cells_are_never_shown_as_numbers(run):
    partners = [p for name, df in run["partner"].items() if (p := PartnerCounts.from_store(name, df)) is not None]
    assert {p.name for p in partners} >= {"halt_by_group", "politie_by_type", "veilig_thuis_by_period", "vr_by_type"}
    small_raw = {p.name: int(((p.cells["waarde"] > 0) & (p.cells["waarde"] < THRESHOLD)).sum()) for p in partners}
    assert small_raw["halt_by_group"] > 0 and small_raw["politie_by_type"] > 0  # there is something to protect
    leaks, checked_small, shown_by = [], 0, {}
    for partner in partners:
        for table in run["tables"]:
            cells = matched_cells(partner, table)
            if not cells:
                continue
            shown_by.setdefault(partner.name, []).append(table.source)
            for row, col, shown, truth in cells:
                if 0 < truth < THRESHOLD:
                    checked_small += 1
                    if not hidden(shown):
                        leaks.append(f"{table.source}: {row} / {col} shows {shown!r} (true value {truth:g})")
    # The check found the tables it is about: Halt by delict group (CSV and HTML) and the youth groups.
    assert any("halt_delictgroepen" in s for s in shown_by.get("halt_by_group", [])), shown_by
    assert any("jeugdgroepen" in s for s in shown_by.get("politie_by_type", [])), shown_by
    assert any("vr_per_soort" in s for s in shown_by.get("vr_by_type", [])), shown_by
    assert checked_small >= 8, checked_small
    assert not leaks, "\n".join(leaks)


def test_small_cell_check_finds_a_planted_leak():
    """The check itself: a pooled cell whose true value is 3 shown as "3" is found, "<5" is not."""
    raw = pd.DataFrame(
        {
            "jaar": [2020, 2021, 2020, 2021],
            "delictgroep": ["diefstal", "diefstal", "vuurwerk", "vuurwerk"],
            "aantal": [10.0, 12.0, 1.0, 2.0],
        }
    )
    partner = PartnerCounts.from_store("halt_by_group", raw)
    leaky = Table(
        "plant",
        ["Delictgroep", "2020-2021", "Totaal"],
        [["Diefstal", "22", "22"], ["Vuurwerk", "3", "3"], ["Totaal", "25", "25"]],
    )
    cells = matched_cells(partner, leaky)
    assert [(r, c) for r, c, shown, truth in cells if 0 < truth < THRESHOLD and not hidden(shown)] == [
        ("Vuurwerk", "2020-2021"),
        ("Vuurwerk", "Totaal"),
    ]
    safe = Table("plant", leaky.header, [["Diefstal", "22", "22"], ["Vuurwerk", "<5", "<5"], ["Totaal", "x", "x"]])
    assert all(hidden(shown) for r, c, shown, truth in matched_cells(partner, safe) if 0 < truth < THRESHOLD)


# ---------------------------------------------------------------------------------- 2. derivable


def _total_index(labels: list[str]) -> int | None:
    found = [i for i, label in enumerate(labels) if _norm(label).startswith("totaal")]
    return found[0] if len(found) == 1 else None


MIN_FEASIBLE = 3  # a "<5" cell must keep at least this many possible values (or its whole band 1..4)


def derivable_cells(table: Table) -> list[str]:
    """Hidden "<5" cells of a table that its totals determine exactly or narrow to fewer than
    ``MIN_FEASIBLE`` values. A reader's integer program over the relations rows/columns = total:
    "<5" is 1..4; "x" is a count the rule did not call small, so 0 or >= 5 (a 0/1 indicator z with
    5z <= x <= Mz); all whole numbers. Each value 1..4 of each "<5" cell is tried for feasibility."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    if not any(hidden(c) for row in table.rows for c in row[1:]):
        return []
    width = len(table.header)
    grid = [row + [""] * (width - len(row)) for row in table.rows if row]
    total_row = _total_index([r[0] for r in grid])
    total_col = _total_index(table.header)
    if total_row is None and total_col is None:
        return []
    shown = [number(c) for row in grid for c in row[1:]]
    big = 2 * sum(abs(v) for v in shown if v is not None and float(v).is_integer()) + 10 * THRESHOLD
    unknown: dict[tuple[int, int], int] = {}
    lower, upper = [], []
    for i, row in enumerate(grid):
        for j in range(1, width):
            if hidden(row[j]):
                unknown[(i, j)] = len(unknown)
                lower.append(1 if row[j].strip() == PRIMARY else 0)
                upper.append(THRESHOLD - 1 if row[j].strip() == PRIMARY else big)
    secondary = [k for (i, j), k in unknown.items() if grid[i][j].strip() == SECONDARY]
    n = len(unknown) + len(secondary)  # cells, then one indicator per "x"

    def cell(i, j):
        return ("x", unknown[(i, j)]) if (i, j) in unknown else ("v", number(grid[i][j]))

    relations = []  # (member cells, total cell)
    if total_row is not None:
        for j in range(1, width):
            if j == total_col:
                continue
            relations.append(([(i, j) for i in range(len(grid)) if i != total_row], (total_row, j)))
    if total_col is not None:
        for i in range(len(grid)):
            if i == total_row:
                continue
            relations.append(([(i, j) for j in range(1, width) if j != total_col], (i, total_col)))
    rows_a, lo_a, hi_a = [], [], []
    for members, total in relations:
        coeffs = np.zeros(n)
        constant = 0.0
        usable = True
        for sign, c in [(1.0, m) for m in members] + [(-1.0, total)]:
            kind, v = cell(*c)
            if kind == "x":
                coeffs[v] += sign
            elif v is None or not float(v).is_integer():
                usable = False  # text, rates, intervals: not an additive count column
                break
            else:
                constant += sign * v
        if not usable or not coeffs.any():
            continue
        # a relation that cannot hold with the bounds is not a relation of this table (e.g. rates)
        low = sum(c * (lower[k] if c > 0 else upper[k]) for k, c in enumerate(coeffs) if c)
        high = sum(c * (upper[k] if c > 0 else lower[k]) for k, c in enumerate(coeffs) if c)
        if not (low - 1e-9 <= -constant <= high + 1e-9):
            continue
        rows_a.append(coeffs)
        lo_a.append(-constant)
        hi_a.append(-constant)
    if not rows_a:
        return []
    for z, k in enumerate(secondary):  # x = 0 (z = 0) or 5 <= x <= big (z = 1)
        for coeff_z, lo, hi in ((-THRESHOLD, 0.0, np.inf), (-big, -np.inf, 0.0)):
            row = np.zeros(n)
            row[k], row[len(unknown) + z] = 1.0, coeff_z
            rows_a.append(row)
            lo_a.append(lo)
            hi_a.append(hi)
    a, lo_a, hi_a = np.vstack(rows_a), np.array(lo_a), np.array(hi_a)
    constraints = LinearConstraint(a, lo_a, hi_a)
    lower_all = np.array(lower + [0.0] * len(secondary), dtype=float)
    upper_all = np.array(upper + [1.0] * len(secondary), dtype=float)
    integrality = np.ones(n)

    def feasible(bounds_low, bounds_high) -> bool:
        res = milp(
            np.zeros(n), constraints=constraints, bounds=Bounds(bounds_low, bounds_high), integrality=integrality
        )
        if res.status != 0:
            return False
        x = np.round(res.x)  # whole numbers that meet everything exactly, not within a solver tolerance
        ax = a @ x
        return bool(
            np.all(ax >= lo_a - 1e-9)
            and np.all(ax <= hi_a + 1e-9)
            and np.all(x >= bounds_low - 1e-9)
            and np.all(x <= bounds_high + 1e-9)
        )

    if not feasible(lower_all, upper_all):
        return []  # the equations are not this table's; nothing derived
    found = []
    for (i, j), k in unknown.items():
        if grid[i][j].strip() != PRIMARY:
            continue
        possible = []
        for v in range(1, THRESHOLD):
            low, high = lower_all.copy(), upper_all.copy()
            low[k] = high[k] = v
            if feasible(low, high):
                possible.append(v)
        if len(possible) < min(MIN_FEASIBLE, THRESHOLD - 1):
            values = " or ".join(str(v) for v in possible)
            found.append(f"{table.source}: {grid[i][0]} / {table.header[j]} shows {PRIMARY!r} but must be {values}")
    return found


def _is_halt_by_group(table: Table) -> bool:
    return bool(table.header) and _norm(table.header[0]) == "delictgroep"


def test_derivation_check_finds_a_planted_leak():
    """The check itself: one hidden cell in a row with a total is found; two in a 2x2 block are not."""
    planted = Table(
        "plant",
        ["Groep", "2020", "2021", "Totaal"],
        [["a", "<5", "10", "13"], ["b", "8", "9", "17"], ["Totaal", "11", "19", "30"]],
    )
    assert derivable_cells(planted) == ["plant: a / 2020 shows '<5' but must be 3"]
    block = Table(
        "blok",
        ["Groep", "2020", "2021", "Totaal"],
        [["a", "<5", "<5", "5"], ["b", "<5", "<5", "5"], ["c", "7", "8", "15"], ["Totaal", "12", "13", "25"]],
    )
    assert derivable_cells(block) == []
    # what "x" tells a reader: not 1..4, so 0 or >= 5. x + <5 = 6 forces <5 = 1, x = 5 (issue 18's example)
    column = Table("kolom", ["Wijk", "Aantal"], [["A", "<5"], ["B", "x"], ["C", "20"], ["Totaal", "26"]])
    assert derivable_cells(column) == ["kolom: A / Aantal shows '<5' but must be 1"]
    # x + <5 = 8: <5 in 1..3 (x = 7, 6, 5), three values remain: protected
    three = Table("drie", ["Wijk", "Aantal"], [["A", "<5"], ["B", "x"], ["C", "20"], ["Totaal", "28"]])
    assert derivable_cells(three) == []
    # narrowing to two values is a leak too: x + <5 = 7 leaves <5 in {1, 2} (x = 6 or 5; 3 and 4 need x < 5)
    two = Table("twee", ["Wijk", "Aantal"], [["A", "<5"], ["B", "x"], ["C", "20"], ["Totaal", "27"]])
    assert derivable_cells(two) == ["twee: A / Aantal shows '<5' but must be 1 or 2"]
    # hiding one more cell, as the suppression now does, protects it again
    hidden_more = Table("meer", ["Wijk", "Aantal"], [["A", "<5"], ["B", "x"], ["C", "x"], ["Totaal", "26"]])
    assert derivable_cells(hidden_more) == []


def test_hidden_cells_cannot_be_derived_from_totals(run):
    analysed = [t for t in run["tables"] if any(hidden(c) for row in t.rows for c in row[1:])]
    assert len(analysed) >= 5  # kernen (open data, suppressed by choice), Halt, youth groups, in CSV and HTML
    leaks = [leak for t in analysed for leak in derivable_cells(t)]
    assert not leaks, "\n".join(leaks)


def test_halt_by_delict_group_cannot_be_derived(run):
    tables = [t for t in run["tables"] if _is_halt_by_group(t)]
    assert tables, "the Halt table is not in the report"
    leaks = [leak for t in tables for leak in derivable_cells(t)]
    assert not leaks, "\n".join(leaks)


# ---------------------------------------------------------------------------------- 3. raw rows


def _partner_files(run) -> list[Path]:
    files = [ROOT / rel for rel in run["manifest"]["data"].get("inputs", {})]
    files = [f for f in files if f.is_file() and f.suffix == ".csv"]
    assert len(files) >= 5, files
    return files


def test_no_raw_partner_rows_are_published(run):
    texts = {
        p: p.read_text(encoding="utf-8", errors="replace")
        for p in run["published"]
        if p.suffix in (".html", ".csv", ".json")
    }
    rows_in_tables = [";".join(_norm(c) for c in row) for t in run["tables"] for row in [t.header, *t.rows]]
    problems = []
    checked = 0
    for path in _partner_files(run):
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        header = [_norm(h) for h in lines[0].split(";")]
        count_col = header.index("aantal") if "aantal" in header else None
        for line in lines[1:]:
            fields = [f.strip() for f in line.split(";")]
            if len(fields) < 3:
                continue
            checked += 1
            for published, text in texts.items():
                if line.strip() and line.strip() in text:
                    problems.append(f"{path.name} row {line!r} appears verbatim in {published.name}")
            if count_col is not None and count_col < len(fields):
                value = number(fields[count_col])
                if value is not None and 0 < value < THRESHOLD:
                    key = ";".join(_norm(f) for f in fields[: count_col + 1])
                    problems += [f"{path.name} row {line!r} appears as a table row" for r in rows_in_tables if key in r]
    assert checked >= 50
    for table in run["tables"]:
        if {"bestand", "rij"} <= {_norm(h) for h in table.header}:
            problems.append(f"{table.source} carries the raw rows' provenance (bestand, rij)")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------- 4. paths, secrets


DIGEST_KEYS = {"sha256", "key", "static_key", "data_key", "package_hash"}
DIGEST_PARENTS = {"sha256", "modules", "inputs"}  # mappings whose values are digests


def _manifest_digests(node, path=()) -> tuple[set[str], list[str]]:
    """(digests at whitelisted keys, other long hex strings with their key path)."""
    ok, other = set(), []
    if isinstance(node, dict):
        for k, v in node.items():
            o, x = _manifest_digests(v, path + (str(k),))
            ok |= o
            other += x
    elif isinstance(node, list):
        for i, v in enumerate(node):
            o, x = _manifest_digests(v, path + (str(i),))
            ok |= o
            other += x
    elif isinstance(node, str) and re.fullmatch(r"[0-9a-f]{32,}", node):
        if (path and path[-1] in DIGEST_KEYS) or (len(path) > 1 and path[-2] in DIGEST_PARENTS):
            ok.add(node)
        else:
            other.append(".".join(path))
    return ok, other


def _texts(run, exclude_manifest_config: bool) -> dict[str, str]:
    out = {}
    for p in run["published"]:
        text = p.read_text(encoding="utf-8", errors="replace")
        if p.name == "manifest.json" and exclude_manifest_config:
            data = json.loads(text)
            data.pop("config", None)
            text = json.dumps(data, ensure_ascii=False)
        out[str(p.relative_to(run["output_root"]))] = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "data:", text)
    return out


def _name_pattern(name: str) -> re.Pattern:
    """A user or host name as a leak would show it. A name of 4 or more characters anywhere as a word
    (not the CSS pseudo-class ``:root``, not inside ids like ``figuur-vm-kernen``); a shorter one
    (``vm``) only where a machine name goes: ``@vm``, ``vm@``, ``//vm``, ``/vm/``, ``\\vm``, ``"vm"``,
    ``host: vm``."""
    n = re.escape(name)
    if len(name) >= 4:
        return re.compile(rf"(?<![\w:.-]){n}(?![\w-])")
    return re.compile(
        rf"(?:@{n}\b|\b{n}@|//{n}\b|/{n}/|\\\\{n}\b|\"{n}\"|(?i:host(?:name)?)[\"']?\s*[:=]\s*[\"']?{n}\b)"
    )


def _machine_strings(run) -> dict[str, re.Pattern]:
    home = str(Path.home())
    user = getpass.getuser()
    host = socket.gethostname()
    output_root = str(run["output_root"])
    patterns = {
        "project path": re.compile(re.escape(str(ROOT))),
        "output folder": re.compile(re.escape(output_root)),
        "python": re.compile(re.escape(sys.prefix)),
        "home directory": re.compile(re.escape(home) + r"(?![\w.-])"),
        "user name": _name_pattern(user),
        "host name": _name_pattern(host),
        "absolute path": re.compile(r"(?<![\w.])/(?:home|Users|root|tmp|var|srv|opt|mnt|work)/[\w.-]+"),
        "windows path": re.compile(r"\b[A-Za-z]:\\\\?(?:Users|Documents)"),
    }
    return patterns


SECRET_WORDS = re.compile(
    r"(?i)\b(?:token|password|passwd|secret|wachtwoord|authorization|bearer|api[_-]?key|"
    r"private[ _-]key|aws_access|client[_-]secret)\b"
)
HEX = re.compile(r"(?<![0-9A-Fa-f])[0-9a-fA-F]{32,}(?![0-9A-Fa-f])")
BASE64ISH = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}")


def _looks_secret(s: str) -> bool:
    """Long hex, or a long run of mixed-case letters and digits with high entropy (API keys, tokens).
    A string with slashes is judged per part, so URL paths and run folders are not secrets."""
    if HEX.fullmatch(s):
        return True
    for part in s.split("/"):
        if len(part) < 24:
            continue
        has = [any(ch.islower() for ch in part), any(ch.isupper() for ch in part), any(ch.isdigit() for ch in part)]
        if not all(has):
            continue  # slugs, words, names
        counts = {ch: part.count(ch) for ch in set(part)}
        entropy = -sum(c / len(part) * math.log2(c / len(part)) for c in counts.values())
        if entropy > 4.0:
            return True
    return False


def test_published_files_hold_no_machine_details(run):
    problems = []
    patterns = _machine_strings(run)
    for name, text in _texts(run, exclude_manifest_config=True).items():
        for what, pattern in patterns.items():
            for m in pattern.finditer(text):
                problems.append(f"{name}: {what}: ...{text[max(0, m.start() - 40) : m.end() + 40]!r}...")
    assert not problems, "\n".join(problems[:30])


def test_manifest_config_holds_no_machine_details(run):
    manifest = run["dir"] / "manifest.json"
    config_text = json.dumps(json.loads(manifest.read_text(encoding="utf-8"))["config"], ensure_ascii=False)
    problems = [what for what, pattern in _machine_strings(run).items() if pattern.search(config_text)]
    assert not problems, f"manifest.json 'config' holds: {', '.join(problems)}"


def test_published_files_hold_no_secrets(run):
    legit, stray = _manifest_digests(run["manifest"])
    assert len(legit) > 20
    problems = [f"manifest.json: long hex string at {p}" for p in stray]
    for name, text in _texts(run, exclude_manifest_config=False).items():
        for m in SECRET_WORDS.finditer(text):
            problems.append(f"{name}: {m.group(0)!r} in ...{text[max(0, m.start() - 40) : m.end() + 40]!r}...")
        for m in BASE64ISH.finditer(text):
            s = m.group(0)
            if _looks_secret(s) and s not in legit:
                problems.append(f"{name}: secret-like string {s[:16]}... ({len(s)} chars)")
    assert not problems, "\n".join(problems[:30])


def test_the_secret_scan_finds_planted_secrets():
    assert _looks_secret("ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8")
    assert _looks_secret("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
    assert not _looks_secret("wat-het-vorige-plan-zei-en-wat-de-cijfers-zeggen")
    assert not _looks_secret("dataderden.cbs.nl/ODataApi/OData/47013NED/UntypedDataSet")
    assert not _looks_secret("westerveld/20261127T185034Z-430d")
    assert SECRET_WORDS.search("Authorization: Bearer abc") and not SECRET_WORDS.search("geheim of onbekend")
    assert _name_pattern("vm").search('"host": "vm"') and not _name_pattern("vm").search('id="figuur-vm-kernen"')
    assert _name_pattern("root").search("/home/root/x") and not _name_pattern("root").search(":root {")


# ---------------------------------------------------------------------------------- 5. notebooks apart


PUBLISHABLE = {".html", ".csv"}


def test_published_folder_holds_only_pages_csv_and_the_manifest(run):
    """Outside ``intern/``: pages, CSV files and manifest.json; nothing half-written or temporary."""
    odd = [
        str(p.relative_to(run["dir"]))
        for p in run["published"]
        if p.is_relative_to(run["dir"]) and p.suffix not in PUBLISHABLE and p.name != "manifest.json"
    ]
    assert not odd, odd
    for page in run["dir"].glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "intern/" not in text, f"{page.name} links to the internal folder"


def test_executed_notebooks_are_kept_apart_from_the_published_folder(run):
    inside = sorted(
        str(p.relative_to(run["dir"]))
        for p in run["dir"].rglob("*")
        if p.is_file() and (p.suffix in (".ipynb", ".parquet", ".log") or p.name == "kernel.json")
    )
    assert not inside, f"{len(inside)} internal files in the published folder, e.g. {inside[:5]}"
    assert not (run["dir"] / "intern").exists()
    kept = list((intern_dir(run["dir"]) / "notebooks").glob("*.ipynb"))
    assert kept, "the executed notebooks must still be kept (outside the published folder)"
    assert not any(p.is_relative_to(run["output_root"]) for p in kept)  # the output root is outside the project
