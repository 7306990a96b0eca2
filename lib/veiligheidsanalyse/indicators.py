"""The indicator catalogue (``indicators.yaml``): what each indicator is, where it comes from, how to read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .errors import EXIT_INVALID, VeiligheidsanalyseError

UNITS = {"aantal", "procent", "rapportcijfer", "score", "per_1000"}
DENOMINATORS = {"inwoners", "jongeren_12_17", "woningen", "none"}
POLARITIES = {"hoger_slechter", "hoger_beter", "neutraal"}
_KEYS = {
    "id",
    "label",
    "chapter",
    "veld",
    "source",
    "unit",
    "denominator",
    "per",
    "polarity",
    "min_count",
    "sensitive",
    "definition",
    "caveats",
    "scale_max",
}


class CatalogueError(VeiligheidsanalyseError, ValueError):
    """The indicator catalogue is invalid (exit 2): the message names the indicator and the field."""

    exit_code = EXIT_INVALID


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    chapter: str
    veld: str
    source: dict[str, Any]
    unit: str
    denominator: str
    polarity: str
    definition: str
    caveats: str = ""
    per: int = 1000
    min_count: int = 10
    sensitive: bool = False
    scale_max: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def table(self) -> str | None:
        """Open-data table id, if the indicator (also) comes from open data."""
        return self.source.get("table")

    @property
    def input_kind(self) -> str | None:
        """Partner input kind, if the indicator (also) comes from a partner export."""
        return self.source.get("input")

    @property
    def is_count(self) -> bool:
        return self.unit == "aantal"

    @property
    def is_rate_indicator(self) -> bool:
        return self.is_count and self.denominator != "none"

    @property
    def per_label(self) -> str:
        noun = {"inwoners": "inwoners", "jongeren_12_17": "jongeren (12-17)", "woningen": "woningen"}.get(
            self.denominator, ""
        )
        return f"per {self.per:,} {noun}".replace(",", ".").strip()

    @property
    def eenheid(self) -> str:
        """The unit of the indicator's figures in words (a CSV's column ``eenheid``)."""
        if self.is_rate_indicator:
            return self.per_label
        if self.unit == "score":
            return f"gemiddelde score (0 tot {self.scale_max:g})" if self.scale_max else "gemiddelde score"
        return {"per_1000": "per 1.000 inwoners"}.get(self.unit, self.unit)


def _parse(entry: dict[str, Any], position: int) -> Indicator:
    where = f"indicators.yaml, indicator {position} ({entry.get('id', '?')})"
    unknown = set(entry) - _KEYS
    if unknown:
        raise CatalogueError(f"{where}: onbekende sleutel(s) {sorted(unknown)}")
    for key in ("id", "label", "chapter", "veld", "source", "unit", "denominator", "polarity", "definition"):
        if key not in entry:
            raise CatalogueError(f"{where}: sleutel {key!r} ontbreekt")
    if entry["unit"] not in UNITS:
        raise CatalogueError(f"{where}: unit {entry['unit']!r}, verwacht een van {sorted(UNITS)}")
    if entry["denominator"] not in DENOMINATORS:
        raise CatalogueError(f"{where}: denominator {entry['denominator']!r}, verwacht een van {sorted(DENOMINATORS)}")
    if entry["polarity"] not in POLARITIES:
        raise CatalogueError(f"{where}: polarity {entry['polarity']!r}, verwacht een van {sorted(POLARITIES)}")
    source = entry["source"]
    if not isinstance(source, dict) or not ({"table", "input"} & set(source)):
        raise CatalogueError(f"{where}: source heeft een 'table' of een 'input' nodig")
    if "table" in source and "measure" not in source:
        raise CatalogueError(f"{where}: source met een 'table' heeft een 'measure' nodig")
    return Indicator(
        id=entry["id"],
        label=entry["label"],
        chapter=entry["chapter"],
        veld=entry["veld"],
        source=source,
        unit=entry["unit"],
        denominator=entry["denominator"],
        polarity=entry["polarity"],
        definition=entry["definition"],
        caveats=entry.get("caveats") or "",
        per=int(entry.get("per", 1000)),
        min_count=int(entry.get("min_count", 10)),
        sensitive=bool(entry.get("sensitive", False)),
        scale_max=entry.get("scale_max"),
    )


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Indicator]:
    """All indicators by id, in catalogue order."""
    text = resources.files("veiligheidsanalyse").joinpath("indicators.yaml").read_text(encoding="utf-8")
    # libyaml when PyYAML has it: the catalogue is read by the runner and by every chapter kernel
    entries = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    result: dict[str, Indicator] = {}
    for position, entry in enumerate(entries, start=1):
        indicator = _parse(entry, position)
        if indicator.id in result:
            raise CatalogueError(f"indicators.yaml: id {indicator.id!r} komt meer dan eens voor")
        result[indicator.id] = indicator
    return result


def indicator(indicator_id: str) -> Indicator:
    try:
        return catalogue()[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; see indicators.yaml") from None


def for_table(table_id: str) -> list[Indicator]:
    return [i for i in catalogue().values() if i.table == table_id]


def for_input(kind: str) -> list[Indicator]:
    return [i for i in catalogue().values() if i.input_kind == kind]


def anchor(indicator_id: str) -> str:
    """The id of the place on its chapter page where an indicator is first shown (a table row or
    figure): priorities and the index link to it."""
    return "indicator-" + indicator_id.lower().replace("_", "-")
