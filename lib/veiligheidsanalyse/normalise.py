"""From raw snapshots (CBS/politie OData rows) to the tidy observation table.

One generic path for every table: resolve the catalogue's measure and dimension codes against the
table's own metadata (keys change between table versions, titles less so), select the rows, strip
the padded keys, turn ``2022JJ00``/``2022MM01``/``2022HJ01`` into typed years and months, and keep
``.``/empty cells as unknown (NaN), never 0.
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterable

import numpy as np
import pandas as pd

from . import observations as obs
from .indicators import Indicator, catalogue
from .sources.snapshots import Snapshot
from .sources.tables import TABLES


class NormaliseError(ValueError):
    """The table's metadata lacks a measure or a dimension member the catalogue expects."""


_PERIOD = re.compile(r"^(\d{4})(JJ|MM|HJ|KW)(\d{2})$")
_SOORT_BY_PREFIX = {"NL": "land", "PV": "provincie", "GM": "gemeente", "WK": "wijk", "BU": "buurt",
                    "RE": "politie-eenheid"}
_STATUS = {"definitief": "definitief", "voorlopig": "voorlopig", "nader voorlopig": "voorlopig"}


def _norm(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def resolve_measure(metadata: dict, table_id: str, wanted: str) -> str:
    """The key of a measure (Topic) named by key or title; an error naming table and measure if absent."""
    topics = [p for p in metadata.get("DataProperties", []) if p.get("Type") == "Topic" and p.get("Key")]
    for prop in topics:
        if prop["Key"] == wanted:
            return prop["Key"]
    for prop in topics:
        if _norm(prop.get("Title", "")) == _norm(wanted):
            return prop["Key"]
    known = ", ".join(f"{p['Key']} ({p.get('Title')})" for p in topics[:12])
    raise NormaliseError(f"table {table_id}: measure {wanted!r} not found in DataProperties; found: {known}")


def resolve_members(metadata: dict, table_id: str, dimension: str, wanted: Iterable[str]) -> list[str]:
    """Stripped keys of dimension members named by key (padding ignored) or title."""
    members = metadata.get("dimensions", {}).get(dimension)
    if members is None:
        raise NormaliseError(f"table {table_id}: dimension {dimension!r} not in the table metadata")
    by_key = {str(m["Key"]).strip(): str(m["Key"]).strip() for m in members}
    by_title = {_norm(m.get("Title", "")): str(m["Key"]).strip() for m in members}
    keys = []
    for code in wanted:
        code = str(code)
        if code.strip() in by_key:
            keys.append(by_key[code.strip()])
        elif _norm(code) in by_title:
            keys.append(by_title[_norm(code)])
        else:
            raise NormaliseError(f"table {table_id}: dimension {dimension!r} has no member {code!r}")
    return keys


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
    rows = []
    for member in metadata.get("dimensions", {}).get("Perioden", []):
        key = str(member["Key"]).strip()
        match = _PERIOD.match(key)
        if not match:
            continue
        year, kind, number = int(match.group(1)), match.group(2), int(match.group(3))
        status = _STATUS.get(_norm(member.get("Status", "definitief")), "definitief")
        rows.append({"Perioden": key, "jaar": year, "soort": kind, "nummer": number, "periode_status": status})
    return pd.DataFrame(rows, columns=["Perioden", "jaar", "soort", "nummer", "periode_status"])


def _regions(metadata: dict, dimension: str) -> pd.DataFrame:
    rows = []
    for member in metadata.get("dimensions", {}).get(dimension, []):
        code = str(member["Key"]).strip()
        prefix = code[:2]
        if prefix not in _SOORT_BY_PREFIX:
            continue  # landsdelen and other groupings are not used
        if code == "NL00":  # Kerncijfers wijken en buurten call Nederland NL00
            code = "NL01"
        title = re.sub(r"\s*\((PV|GM|RE)\)\s*$", "", str(member.get("Title", code))).strip()
        rows.append({"raw_key": str(member["Key"]).strip(), "regio_code": code, "regio_naam": title,
                     "regio_soort": _SOORT_BY_PREFIX[prefix]})
    return pd.DataFrame(rows, columns=["raw_key", "regio_code", "regio_naam", "regio_soort"])


_KEY_COLUMNS = ["regio_code", "regio_naam", "regio_soort", "jaar", "soort", "nummer", "periode_status"]


def _frame(rows: list[dict], spec_dims: tuple[str, ...]) -> pd.DataFrame:
    """The raw rows as plain Python objects (cheaper to select and parse than arrow strings)."""
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
    if measure not in cache:
        cache[measure] = np.fromiter((parse_value(v) for v in df[measure].to_numpy()), dtype="float64",
                                     count=len(df))
    return cache[measure]


def normalise_snapshot(snapshot: Snapshot, indicators: list[Indicator] | None = None) -> pd.DataFrame:
    """Observations of every catalogue indicator that comes from this snapshot's table."""
    table_id = snapshot.table_id
    spec = TABLES[table_id]
    wanted = [i for i in (indicators or catalogue().values()) if i.table == table_id]
    if not wanted:
        return obs.empty()
    metadata = snapshot.metadata
    declared = {p.get("Key") for p in metadata.get("DataProperties", [])}
    for dim in spec.dimensions:
        if dim not in declared:
            raise NormaliseError(f"table {table_id}: dimension {dim!r} missing from DataProperties")
    df = _frame(snapshot.rows(), spec.dimensions)
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
        margin_keys = {k: resolve_members(metadata, table_id, "Marges", [k])[0]
                       for k in ("MW00000", "MOG0095", "MBG0095")}
    frames = []
    for indicator in wanted:
        measure = resolve_measure(metadata, table_id, indicator.source["measure"])
        mask = np.ones(len(df), dtype=bool)
        for dim, codes in (indicator.source.get("filter") or {}).items():
            codes = codes if isinstance(codes, list) else [codes]
            members = resolve_members(metadata, table_id, dim, codes)
            mask &= df[dim].isin(members).to_numpy()
        rows = np.flatnonzero(mask)
        values = _parsed(df, measure, values_by_measure)[rows]
        if "Marges" in spec.dimensions:
            sel = df.iloc[rows]
            part = sel[_KEY_COLUMNS].copy()
            part["waarde"] = values
            part["Marges"] = sel["Marges"].to_numpy()
            wide = part.pivot_table(index=_KEY_COLUMNS, columns="Marges", values="waarde", aggfunc="first").reset_index()
            part = wide[_KEY_COLUMNS].copy()
            part["waarde"] = wide.get(margin_keys["MW00000"], np.nan)
            part["ondergrens"] = wide.get(margin_keys["MOG0095"], np.nan)
            part["bovengrens"] = wide.get(margin_keys["MBG0095"], np.nan)
        else:
            # Several members (e.g. 1.4.2-1.4.5 for geweld): their sum; unknown if any part is unknown.
            cells, first, inverse = np.unique(cell[rows], return_index=True, return_inverse=True)
            if len(cells) < len(rows):
                unknown = np.bincount(inverse, weights=np.isnan(values), minlength=len(cells)) > 0
                sums = np.bincount(inverse, weights=np.nan_to_num(values), minlength=len(cells))
                order = np.argsort(first, kind="stable")  # regions and periods in order of appearance
                rows = rows[first[order]]
                values = np.where(unknown, np.nan, sums)[order]
            part = pd.DataFrame({c: keys[c][rows] for c in _KEY_COLUMNS})
            part["waarde"] = values
        part = _to_year_month(part)
        part["indicator"] = indicator.id
        part["bron"] = f"{spec.publisher} {table_id}"
        part["snapshot"] = f"{table_id}/{snapshot.snapshot_id}"
        part["status"] = np.where(part["waarde"].isna(), "onbekend", part["periode_status"])
        frames.append(part)
    out = pd.concat(frames, ignore_index=True) if frames else obs.empty()
    return obs.conform(out)


def _to_year_month(part: pd.DataFrame) -> pd.DataFrame:
    """Year rows keep maand <NA>; month rows get 1-12; half-years are summed to complete years."""
    soort = part["soort"].to_numpy()
    months = part[soort == "MM"].copy()
    months["maand"] = months["nummer"]
    years = part[soort == "JJ"].copy()
    years["maand"] = pd.NA
    halves = part[soort == "HJ"]
    if len(halves):
        keys = ["regio_code", "regio_naam", "regio_soort", "jaar"]
        agg = halves.groupby(keys, sort=False).agg(
            waarde=("waarde", lambda s: s.sum(min_count=len(s)) if len(s) == 2 else np.nan),
            periode_status=("periode_status", lambda s: "voorlopig" if (s == "voorlopig").any() else "definitief"),
            n_halves=("nummer", "nunique"),
        ).reset_index()
        agg = agg[agg["n_halves"] == 2].drop(columns="n_halves")  # a year with one half is incomplete
        agg["maand"] = pd.NA
        years = pd.concat([years, agg], ignore_index=True)
    if not len(months):
        return years
    return pd.concat([years, months], ignore_index=True)


def normalise_snapshots(snapshots: Iterable[Snapshot]) -> pd.DataFrame:
    frames = [normalise_snapshot(s) for s in snapshots]
    frames = [f for f in frames if len(f)]
    if not frames:
        return obs.empty()
    return obs.conform(pd.concat(frames, ignore_index=True))
