"""What normalisation structurally needs from a downloaded table, and finding its measures and members.

A table without its dimensions, the measures the catalogue's indicators use, or region and period
keys of the expected shape cannot be used at all: the fetch keeps such a download out of the cache
(:func:`check_structure`), and normalisation (``store/normalise.py``) refuses it. Measures and members
are found by key (padding ignored) or by title: keys change between table versions, titles less so.
Light to import (no numpy, no pandas): the fetch uses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..indicators import Indicator, catalogue
from .tables import TableSpec, table_spec

PERIOD = re.compile(r"^(\d{4})(JJ|MM|HJ|KW)(\d{2})$")
# Region keys (without padding) a table of each region level must have at least one of.
REGION_SHAPES = {
    "gemeenten": (re.compile(r"^(NL\d{2}|PV\d{2}|GM\d{4}|RE\d{2})$"), "GM0000, PV00, NL01 of RE00"),
    "buurten": (re.compile(r"^(NL\d{2}|GM\d{4}|WK\d{6}|BU\d{8})$"), "GM0000, WK000000 of BU00000000"),
}
MARGES = ("MW00000", "MOG0095", "MBG0095")  # estimate, lower and upper 95% bound


def norm(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def _topics(metadata: Mapping[str, Any]) -> list[dict]:
    props = metadata.get("DataProperties") or []
    return [p for p in props if isinstance(p, dict) and p.get("Type") == "Topic" and p.get("Key")]


def find_measure(metadata: Mapping[str, Any], wanted: str) -> str | None:
    """The key of a measure (Topic) named by key or title, or None."""
    topics = _topics(metadata)
    for prop in topics:
        if prop["Key"] == wanted:
            return prop["Key"]
    for prop in topics:
        if norm(prop.get("Title", "")) == norm(wanted):
            return prop["Key"]
    return None


def known_measures(metadata: Mapping[str, Any]) -> str:
    topics = _topics(metadata)
    listed = ", ".join(f"{p['Key']} ({p.get('Title')})" for p in topics[:12])
    return (listed + (f" en {len(topics) - 12} andere" if len(topics) > 12 else "")) or "geen"


def member_index(metadata: Mapping[str, Any], dimension: str) -> tuple[dict[str, str], dict[str, str]] | None:
    members = (metadata.get("dimensions") or {}).get(dimension)
    if not isinstance(members, list):
        return None
    by_key: dict[str, str] = {}
    by_title: dict[str, str] = {}
    for m in members:
        if isinstance(m, dict) and m.get("Key") is not None:
            key = str(m["Key"]).strip()
            by_key.setdefault(key, key)
            by_title.setdefault(norm(m.get("Title", "")), key)
    return by_key, by_title


def find_members(metadata: Mapping[str, Any], dimension: str, wanted: Iterable[str]) -> tuple[list[str], list[str]]:
    """(stripped keys of the members found by key, padding ignored, or title; the codes not found)."""
    index = member_index(metadata, dimension)
    by_key, by_title = index if index is not None else ({}, {})
    found, missing = [], []
    for code in wanted:
        code = str(code)
        if code.strip() in by_key:
            found.append(by_key[code.strip()])
        elif norm(code) in by_title:
            found.append(by_title[norm(code)])
        else:
            missing.append(code)
    return found, missing


# --------------------------------------------------------------------------------------------
# What normalisation structurally needs


@dataclass(frozen=True)
class StructuralProblem:
    """One thing a table lacks that normalisation needs. ``message`` names table and field."""

    table_id: str
    field: str  # the dimension, measure or column concerned
    detail: str  # Dutch, without table and field

    @property
    def message(self) -> str:
        return f"tabel {self.table_id}, veld {self.field}: {self.detail}"

    def __str__(self) -> str:
        return self.message


def indicators_of(table_id: str, indicators: Iterable[Indicator] | None) -> list[Indicator]:
    return [i for i in (catalogue().values() if indicators is None else indicators) if i.table == table_id]


def check_structure(
    table_id: str,
    metadata: Mapping[str, Any],
    *,
    spec: TableSpec | None = None,
    indicators: Iterable[Indicator] | None = None,
    rows: Sequence[Mapping[str, Any]] | None = None,
) -> list[StructuralProblem]:
    """What this table lacks that normalisation structurally needs; empty when it can be normalised.

    Checked: every dimension of the TableSpec (and every dimension an indicator filters on) is in
    DataProperties and has a code list; every measure the indicators of this table use (default:
    the catalogue's) resolves by key or title; the region dimension has keys of the expected shape;
    a table with Perioden has period keys like ``2024JJ00``; a table with Marges has the estimate
    and its bounds; and, when ``rows`` are given and not empty, the rows carry every dimension.
    Category codes (members of SoortMisdrijf, Overlast ...) are not checked: a missing one costs only
    the indicators that need it (see :func:`normalise_snapshot_with_notes`).
    """
    # Long: one check per kind of structural need, in the order the docstring names them.
    spec = spec or table_spec(table_id)
    wanted = indicators_of(table_id, indicators)
    problems: list[StructuralProblem] = []

    def problem(field_name: str, detail: str) -> None:
        problems.append(StructuralProblem(table_id, field_name, detail))

    props = metadata.get("DataProperties")
    if not isinstance(props, list):
        problem("DataProperties", "de lijst met dimensies en meetwaarden ontbreekt in de metadata")
        return problems
    declared = {p.get("Key") for p in props if isinstance(p, dict)}
    filter_dims = [d for i in wanted for d in (i.source.get("filter") or {})]
    present: dict[str, tuple[dict[str, str], dict[str, str]]] = {}  # dimension -> its member index
    for dim in dict.fromkeys((*spec.dimensions, spec.region_dimension, *filter_dims)):
        index = member_index(metadata, dim) if dim in declared else None
        if dim not in declared:
            problem(dim, "dimensie ontbreekt in DataProperties")
        elif index is None:
            problem(dim, "de codelijst van deze dimensie ontbreekt in de metadata")
        else:
            present[dim] = index

    region_dim = spec.region_dimension
    if region_dim in present:
        shape, expected = REGION_SHAPES.get(spec.region_level, REGION_SHAPES["gemeenten"])
        keys = list(present[region_dim][0])
        if not any(shape.match(k) for k in keys):
            problem(region_dim, f"geen regiocode van de verwachte vorm ({expected}); gevonden: {_sample(keys)}")
    if "Perioden" in spec.dimensions and "Perioden" in present:
        keys = list(present["Perioden"][0])
        if not any(PERIOD.match(k) for k in keys):
            problem(
                "Perioden", f"geen periodecode van de vorm 2024JJ00, 2024MM01 of 2024HJ01; gevonden: {_sample(keys)}"
            )
    if "Marges" in spec.dimensions and "Marges" in present:
        _found, missing = find_members(metadata, "Marges", MARGES)
        if missing:
            problem("Marges", f"geen code {', '.join(missing)} (schatting en 95%-grenzen)")

    users: dict[str, list[str]] = {}
    for indicator in wanted:
        users.setdefault(str(indicator.source["measure"]), []).append(indicator.id)
    for measure, ids in users.items():
        if find_measure(metadata, measure) is None:
            problem(
                measure,
                f"meetwaarde ontbreekt in DataProperties (nodig voor {', '.join(ids)}); "
                f"wel aanwezig: {known_measures(metadata)}",
            )

    if rows:
        first = rows[0]
        for dim in spec.dimensions:
            if dim not in first:
                problem(dim, "kolom ontbreekt in de rijen (UntypedDataSet)")
    return problems


def structural_problems(
    table_id: str,
    metadata: Mapping[str, Any],
    *,
    spec: TableSpec | None = None,
    indicators: Iterable[Indicator] | None = None,
    rows: Sequence[Mapping[str, Any]] | None = None,
) -> list[str]:
    """:func:`check_structure` as Dutch sentences naming table and field (empty: nothing lacking)."""
    return [p.message for p in check_structure(table_id, metadata, spec=spec, indicators=indicators, rows=rows)]


def _sample(keys: Sequence[str], n: int = 3) -> str:
    if not keys:
        return "geen codes"
    return ", ".join(repr(k) for k in keys[:n]) + (f" en {len(keys) - n} andere" if len(keys) > n else "")
