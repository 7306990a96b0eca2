"""From raw snapshots (CBS/politie OData rows) to the tidy observation table.

One generic path for every table: resolve the catalogue's measure and dimension codes against the
table's own metadata (keys change between table versions, titles less so), select the rows, strip
the padded keys, turn ``2022JJ00``/``2022MM01``/``2022HJ01`` into typed years and months, and keep
``.``/empty cells as unknown (NaN), never 0.

Structure versus content. What normalisation structurally needs (``sources.structure.check_structure``:
the table's dimensions, the measures the catalogue's indicators use, region and period keys of the
expected shape) is checked before anything else; a table without it cannot be used at all
(:class:`NormaliseError`, and the fetch keeps such a download out of the cache). Category codes
(members of SoortMisdrijf, Overlast, Leeftijd ...) are content: an indicator whose codes the table
lacks gets no observations and a note (:func:`normalise_snapshot_with_notes`), the rest of the
table is used. Where the catalogue names the table's own total code for a sum of codes
(``source.total``), that total is used when the table has it.

numpy and pandas are imported where rows are normalised, not at import time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import EXIT_DATA_UNAVAILABLE, VeiligheidsanalyseError
from ..indicators import Indicator
from ..sources.regions import gemeente_name
from ..sources.snapshots import Snapshot
from ..sources.structure import (
    MARGES,
    PERIOD,
    check_structure,
    find_measure,
    find_members,
    indicators_of,
    known_measures,
    member_index,
    norm,
)
from ..sources.tables import TABLES

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


class NormaliseError(VeiligheidsanalyseError, ValueError):
    """The table lacks something normalisation structurally needs (a dimension, a measure, region or
    period keys): exit 3. The message names table and field; missing category codes are never this error."""

    exit_code = EXIT_DATA_UNAVAILABLE


_SOORT_BY_PREFIX = {
    "NL": "land",
    "PV": "provincie",
    "GM": "gemeente",
    "WK": "wijk",
    "BU": "buurt",
    "RE": "politie-eenheid",
}
_STATUS = {"definitief": "definitief", "voorlopig": "voorlopig", "nader voorlopig": "voorlopig"}

# Category codes the project knows, per table and dimension: the politie code lists as served for
# 47018NED and 47025NED (59 SoortMisdrijf codes, all leaves besides the overall total 0.0.0) and
# 47021NED (9 Overlast codes). Codes outside these lists are not used and are named in one note per
# table. Tables not listed here get no such note.
_POLITIE_SOORT_MISDRIJF = frozenset(
    """
    0.0.0 1.1.1 1.1.2 1.2.1 1.2.2 1.2.3 1.2.4 1.2.5 1.3.1 1.4.1 1.4.2 1.4.3 1.4.4 1.4.5 1.4.6 1.4.7
    1.5.2 1.6.1 1.6.2 1.6.3 2.1.1 2.2.1 2.4.1 2.4.2 2.5.1 2.5.2 2.6.1 2.6.2 2.6.3 2.6.4 2.6.5 2.6.7
    2.6.8 2.6.9 2.6.10 2.6.11 2.6.12 2.6.13 2.6.14 2.7.2 2.7.3 3.1.1 3.1.2 3.1.3 3.2.1 3.2.2 3.3.2
    3.3.5 3.4.2 3.5.2 3.5.5 3.6.4 3.7.1 3.7.2 3.7.3 3.7.4 3.9.1 3.9.2 3.9.3
""".split()
)
_POLITIE_OVERLAST = frozenset("0.0.0 E33 E35 E38 E41 F010 M061 M062 M22".split())
KNOWN_CODES: dict[str, dict[str, frozenset[str]]] = {
    "47013NED": {"SoortMisdrijf": _POLITIE_SOORT_MISDRIJF},
    "47018NED": {"SoortMisdrijf": _POLITIE_SOORT_MISDRIJF},
    "47022NED": {"SoortMisdrijf": _POLITIE_SOORT_MISDRIJF},
    "47021NED": {"Overlast": _POLITIE_OVERLAST},
    "47024NED": {"Overlast": _POLITIE_OVERLAST},
}
_LISTED = 5  # unknown codes named in a note; the rest are counted


def _codes(value: Any) -> list[str]:
    return [str(c) for c in (value if isinstance(value, list) else [value])]


# --------------------------------------------------------------------------------------------
# Resolving measures and members by key or title


def resolve_measure(metadata: dict, table_id: str, wanted: str) -> str:
    """The key of a measure (Topic) named by key or title; an error naming table and measure if absent."""
    key = find_measure(metadata, wanted)
    if key is None:
        raise NormaliseError(
            f"tabel {table_id}, veld {wanted}: meetwaarde niet gevonden in DataProperties; "
            f"wel aanwezig: {known_measures(metadata)}"
        )
    return key


def resolve_members(metadata: dict, table_id: str, dimension: str, wanted: Iterable[str]) -> list[str]:
    """Stripped keys of dimension members named by key (padding ignored) or title; an error if one is absent."""
    if member_index(metadata, dimension) is None:
        raise NormaliseError(f"tabel {table_id}, veld {dimension}: dimensie ontbreekt in de metadata")
    found, missing = find_members(metadata, dimension, wanted)
    if missing:
        raise NormaliseError(f"tabel {table_id}, veld {dimension}: geen code {', '.join(missing)}")
    return found


# --------------------------------------------------------------------------------------------
# Cells, periods, regions


def parse_value(raw: Any) -> float:
    """UntypedDataSet cell to float: '.' (unknown/secret), '' and None become NaN, never 0."""
    if raw is None:
        return math.nan
    if isinstance(raw, (int, float)):
        return float(raw)
    text = str(raw).strip()
    if text in ("", ".", "-", "x"):
        return math.nan
    return float(text)


def _periods(metadata: dict) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for member in metadata.get("dimensions", {}).get("Perioden", []):
        key = str(member["Key"]).strip()
        match = PERIOD.match(key)
        if not match:
            continue
        year, kind, number = int(match.group(1)), match.group(2), int(match.group(3))
        status = _STATUS.get(norm(member.get("Status", "definitief")), "definitief")
        rows.append({"Perioden": key, "jaar": year, "soort": kind, "nummer": number, "periode_status": status})
    return pd.DataFrame(rows, columns=["Perioden", "jaar", "soort", "nummer", "periode_status"])


def _regions(metadata: dict, dimension: str) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for member in metadata.get("dimensions", {}).get(dimension, []):
        code = str(member["Key"]).strip()
        prefix = code[:2]
        if prefix not in _SOORT_BY_PREFIX:
            continue  # landsdelen and other groupings are not used
        if code == "NL00":  # Kerncijfers wijken en buurten call Nederland NL00
            code = "NL01"
        title = re.sub(r"\s*\((PV|GM|RE)\)\s*$", "", str(member.get("Title", code))).strip()
        if prefix == "GM":
            title = gemeente_name(title)  # also "Groningen (gemeente)"; "Bergen (NH.)" keeps its qualifier
        rows.append(
            {
                "raw_key": str(member["Key"]).strip(),
                "regio_code": code,
                "regio_naam": title,
                "regio_soort": _SOORT_BY_PREFIX[prefix],
            }
        )
    return pd.DataFrame(rows, columns=["raw_key", "regio_code", "regio_naam", "regio_soort"])


_KEY_COLUMNS = ["regio_code", "regio_naam", "regio_soort", "jaar", "soort", "nummer", "periode_status"]


def _frame(rows: list[dict], spec_dims: tuple[str, ...]) -> pd.DataFrame:
    """The raw rows as plain Python objects (cheaper to select and parse than arrow strings)."""
    import numpy as np
    import pandas as pd

    names = list(dict.fromkeys(k for row in rows[:1] for k in row)) if rows else []
    names += [k for k in {k for row in rows for k in row} if k not in names]
    columns = {}
    for name in names:
        cells = [row.get(name) for row in rows]
        if name in spec_dims:  # padded keys ("GM1701    "), stripped once per table
            cells = [None if v is None else str(v).strip() for v in cells]
        columns[name] = np.array(cells, dtype=object)
    return pd.DataFrame(columns, dtype=object)


def _parsed(df: pd.DataFrame, measure: str, cache: dict[str, np.ndarray]) -> np.ndarray:
    """The measure's cells as floats, parsed once per table (several indicators share a measure)."""
    import numpy as np

    if measure not in cache:
        cache[measure] = np.fromiter((parse_value(v) for v in df[measure].to_numpy()), dtype="float64", count=len(df))
    return cache[measure]


# --------------------------------------------------------------------------------------------
# Normalisation


def _filter_members(metadata: Mapping[str, Any], indicator: Indicator) -> tuple[dict[str, list[str]], list[str]]:
    """Per filter dimension the member keys to select, and Dutch descriptions of what is missing.

    A ``source.total`` code for a dimension (the table's own total of the listed codes) replaces the
    codes when the table has it; otherwise the listed codes are summed and all of them must exist.
    """
    totals = indicator.source.get("total") or {}
    selected: dict[str, list[str]] = {}
    missing: list[str] = []
    for dim, codes in (indicator.source.get("filter") or {}).items():
        if dim in totals:
            total, _absent = find_members(metadata, dim, _codes(totals[dim])[:1])
            if total:
                selected[dim] = total
                continue
        found, absent = find_members(metadata, dim, _codes(codes))
        if absent:
            word = "code" if len(absent) == 1 else "codes"
            missing.append(f"{dim} heeft geen {word} {', '.join(absent)}")
        selected[dim] = found
    return selected, missing


def _unknown_codes_note(table_id: str, metadata: Mapping[str, Any], wanted: list[Indicator]) -> str | None:
    """One line naming the category codes of this table that the project does not know, if any."""
    used = {
        c.strip()
        for i in wanted
        for part in ("filter", "total")
        for codes in (i.source.get(part) or {}).values()
        for c in _codes(codes)
    }
    parts, count = [], 0
    for dim, known in KNOWN_CODES.get(table_id, {}).items():
        members = (metadata.get("dimensions") or {}).get(dim) or []
        unknown = [
            m
            for m in members
            if isinstance(m, dict)
            and str(m.get("Key", "")).strip() not in known
            and str(m.get("Key", "")).strip() not in used
        ]
        if not unknown:
            continue
        named = [f"{str(m['Key']).strip()} {m.get('Title') or ''}".strip() for m in unknown[:_LISTED]]
        more = f" en {len(unknown) - _LISTED} andere" if len(unknown) > _LISTED else ""
        word = "code" if len(unknown) == 1 else "codes"
        count += len(unknown)
        parts.append(f"{dim} heeft {len(unknown)} {word} die het project niet kent ({', '.join(named)}{more})")
    if not parts:
        return None
    unused = "die wordt niet gebruikt" if count == 1 else "die worden niet gebruikt"
    return f"Tabel {table_id}: {'; '.join(parts)}; {unused}."


def normalise_snapshot_with_notes(
    snapshot: Snapshot,
    indicators: list[Indicator] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Observations of every catalogue indicator that comes from this snapshot's table, and notes.

    The notes are Dutch sentences for the data account: which indicators got no data and why (a
    category code or a measure column the table lacks), and the category codes the project does
    not know (one line per table). Raises :class:`NormaliseError` (message naming table and field)
    only for structural problems (``check_structure``).
    """
    # Long: one pass over a table (structure, filters, periods, regions, measures per indicator) reads best in order.
    import numpy as np
    import pandas as pd

    from .. import observations as obs

    table_id = snapshot.table_id
    spec = TABLES[table_id]
    wanted = indicators_of(table_id, indicators)
    if not wanted:
        return obs.empty(), []
    metadata = snapshot.metadata
    rows = snapshot.rows()
    problems = check_structure(table_id, metadata, spec=spec, indicators=wanted, rows=rows)
    if problems:
        raise NormaliseError("; ".join(p.message for p in problems))

    notes: list[str] = []
    unknown = _unknown_codes_note(table_id, metadata, wanted)
    if not rows:
        notes.append(
            f"Tabel {table_id}: de snapshot {snapshot.snapshot_id} bevat geen rijen; "
            f"geen gegevens voor {', '.join(i.id for i in wanted)}."
        )
        return obs.empty(), notes + ([unknown] if unknown else [])

    df = _frame(rows, spec.dimensions)
    regions = _regions(metadata, spec.region_dimension)
    df = df.merge(regions, left_on=spec.region_dimension, right_on="raw_key", how="inner")

    if "Perioden" in spec.dimensions:
        periods = _periods(metadata)
        df = df.merge(periods, on="Perioden", how="inner")
    else:  # Kerncijfers wijken en buurten: one year per table
        df["jaar"] = spec.kwb_year
        df["soort"] = "JJ"
        df["nummer"] = 0
        df["periode_status"] = "definitief"

    # One observation per region and period: rows of several selected members are summed.
    cell = df.groupby(["regio_code", "jaar", "soort", "nummer"], sort=False).ngroup().to_numpy()
    keys = {c: df[c].to_numpy() for c in _KEY_COLUMNS}
    values_by_measure: dict[str, np.ndarray] = {}
    if "Marges" in spec.dimensions:
        margin_keys = {k: resolve_members(metadata, table_id, "Marges", [k])[0] for k in MARGES}
    frames = []
    for indicator in wanted:
        measure = resolve_measure(metadata, table_id, indicator.source["measure"])
        if measure not in df.columns:  # not in the rows ($select of another request)
            notes.append(
                f"Tabel {table_id}: geen gegevens voor indicator {indicator.id} ({indicator.label}): "
                f"meetwaarde {measure} staat niet in de opgehaalde rijen."
            )
            continue
        selected, missing = _filter_members(metadata, indicator)
        if missing:
            notes.append(
                f"Tabel {table_id}: geen gegevens voor indicator {indicator.id} ({indicator.label}): "
                f"{'; '.join(missing)}."
            )
            continue
        mask = np.ones(len(df), dtype=bool)
        for dim, members in selected.items():
            mask &= df[dim].isin(members).to_numpy()
        rows_idx = np.flatnonzero(mask)
        values = _parsed(df, measure, values_by_measure)[rows_idx]
        if "Marges" in spec.dimensions:
            sel = df.iloc[rows_idx]
            part = sel[_KEY_COLUMNS].copy()
            part["waarde"] = values
            part["Marges"] = sel["Marges"].to_numpy()
            wide = part.pivot_table(
                index=_KEY_COLUMNS, columns="Marges", values="waarde", aggfunc="first"
            ).reset_index()
            part = wide[_KEY_COLUMNS].copy()
            part["waarde"] = wide.get(margin_keys["MW00000"], np.nan)
            part["ondergrens"] = wide.get(margin_keys["MOG0095"], np.nan)
            part["bovengrens"] = wide.get(margin_keys["MBG0095"], np.nan)
        else:
            # Several members (e.g. 1.4.2-1.4.5 for geweld): their sum; unknown if any part is unknown.
            cells, first, inverse = np.unique(cell[rows_idx], return_index=True, return_inverse=True)
            if len(cells) < len(rows_idx):
                unknown_cell = np.bincount(inverse, weights=np.isnan(values), minlength=len(cells)) > 0
                sums = np.bincount(inverse, weights=np.nan_to_num(values), minlength=len(cells))
                order = np.argsort(first, kind="stable")  # regions and periods in order of appearance
                rows_idx = rows_idx[first[order]]
                values = np.where(unknown_cell, np.nan, sums)[order]
            part = pd.DataFrame({c: keys[c][rows_idx] for c in _KEY_COLUMNS})
            part["waarde"] = values
        part = _to_year_month(part)
        part["indicator"] = indicator.id
        part["bron"] = f"{spec.publisher} {table_id}"
        part["snapshot"] = f"{table_id}/{snapshot.snapshot_id}"
        part["status"] = np.where(part["waarde"].isna(), "onbekend", part["periode_status"])
        frames.append(part)
    if unknown:
        notes.append(unknown)
    out = pd.concat(frames, ignore_index=True) if frames else obs.empty()
    return obs.conform(out), notes


def normalise_snapshot(snapshot: Snapshot, indicators: list[Indicator] | None = None) -> pd.DataFrame:
    """Observations of every catalogue indicator that comes from this snapshot's table.

    The notes of :func:`normalise_snapshot_with_notes` are in ``frame.attrs["notes"]`` when there
    are any (no ``attrs`` otherwise, so a clean table gives exactly the frame it always gave).
    """
    frame, notes = normalise_snapshot_with_notes(snapshot, indicators)
    if notes:
        frame.attrs["notes"] = list(notes)
    return frame


def _to_year_month(part: pd.DataFrame) -> pd.DataFrame:
    """Year rows keep maand <NA>; month rows get 1-12; half-years are summed to complete years."""
    import numpy as np
    import pandas as pd

    soort = part["soort"].to_numpy()
    months = part[soort == "MM"].copy()
    months["maand"] = months["nummer"]
    years = part[soort == "JJ"].copy()
    years["maand"] = pd.NA
    halves = part[soort == "HJ"]
    if len(halves):
        keys = ["regio_code", "regio_naam", "regio_soort", "jaar"]
        agg = (
            halves.groupby(keys, sort=False)
            .agg(
                waarde=("waarde", lambda s: s.sum(min_count=len(s)) if len(s) == 2 else np.nan),
                periode_status=("periode_status", lambda s: "voorlopig" if (s == "voorlopig").any() else "definitief"),
                n_halves=("nummer", "nunique"),
            )
            .reset_index()
        )
        agg = agg[agg["n_halves"] == 2].drop(columns="n_halves")  # a year with one half is incomplete
        agg["maand"] = pd.NA
        years = pd.concat([years, agg], ignore_index=True)
    if not len(months):
        return years
    return pd.concat([years, months], ignore_index=True)


def normalise_snapshots_with_notes(snapshots: Iterable[Snapshot]) -> tuple[pd.DataFrame, list[str]]:
    """The observations of several snapshots and all their notes."""
    import pandas as pd

    from .. import observations as obs

    frames, notes = [], []
    for snapshot in snapshots:
        frame, table_notes = normalise_snapshot_with_notes(snapshot)
        notes.extend(table_notes)
        if len(frame):
            frames.append(frame)
    if not frames:
        return obs.empty(), notes
    return obs.conform(pd.concat(frames, ignore_index=True)), notes


def normalise_snapshots(snapshots: Iterable[Snapshot]) -> pd.DataFrame:
    return normalise_snapshots_with_notes(snapshots)[0]
