"""Where every number of a run comes from: the data status of each source, without pandas.

Each open-data table and each partner input is resolved on its own (see
:mod:`veiligheidsanalyse.sources.policy`) and gets one of these kinds:

============ ======================================================================
actueel      fetched from the server in this run (or unchanged there since the last fetch)
opgeslagen   an earlier fetched snapshot, used because fetching failed or was not asked for
demo         the shipped demonstration data: invented numbers in the shape of the real table
voorbeeld    an example partner file: invented or copied numbers that show the format
partner      a partner file delivered for this gemeente
ontbreekt    no usable data at all
============ ======================================================================

A source id is the table id (``47013NED``), ``partner:<kind>`` for a partner input, or
``wijkbuurtkaart`` for the boundaries the maps are drawn on (:data:`MAP_SOURCES`: a source with a
status like any other, but no table of numbers, so it never decides whether the report as a whole
is demo data or how far its years reach). Pages,
captions, table source lines, CSV files and images ask this module how to mark what they show
(:meth:`DataStatus.mark`, :meth:`DataStatus.describe`), so the wording is the same everywhere.

Kept apart from :mod:`.data` so that the runner can write and read a store's status without
importing pandas (an unchanged re-run takes its store from the cache and never needs pandas).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# light to import: no pandas, no .policy
from ..dates import date_nl
from ..sources.boundaries import SOURCE_ID as _BOUNDARY_SOURCE

KINDS = ("actueel", "opgeslagen", "demo", "voorbeeld", "partner", "ontbreekt")
INVENTED = ("demo", "voorbeeld")  # kinds whose numbers are not real
MAP_SOURCES = frozenset({_BOUNDARY_SOURCE})  # the boundaries of the maps: a source, but no numbers

# How a kind is named for readers (badge, banners, captions, CSV column "gegevensstatus").
KIND_WORDS = {
    "actueel": "actueel",
    "opgeslagen": "eerder opgehaald",
    "demo": "demodata",
    "voorbeeld": "voorbeeldgegevens",
    "partner": "partnergegevens",
    "ontbreekt": "ontbreekt",
}
# The visible mark in images and next to captions: only numbers that are not real get one.
MARKS = {"demo": "DEMO", "voorbeeld": "VOORBEELD"}


def partner_source_id(bron: str) -> str | None:
    """'partner: halt (Halt 2024.xlsx)' (an observation's ``bron``) -> 'partner:halt'; None for open data."""
    match = re.match(r"^partner:\s*([a-z_]+)", str(bron))
    return f"partner:{match.group(1)}" if match else None


@dataclass(frozen=True)
class SourceStatus:
    """The data status of one table or partner input in a run."""

    id: str  # table id or "partner:<stem>"
    naam: str  # for readers: "Politie 47013NED – Geregistreerde misdrijven ..." or "Partnerbestand halt.csv"
    soort: str  # one of KINDS
    datum: str | None = None  # ISO: when it was fetched (tables) or last changed (partner files)
    periode: str | None = None  # the years that have data, e.g. "2015-2024"
    reden: str | None = None  # Dutch: why this is not the fresh table (or why it is missing)
    detail: str | None = None  # technical reason, for the manifest and the run log
    snapshot: str | None = None  # "<table>/<snapshot id>" or the file's sha256
    verouderd: bool = False  # older than the data policy allows, or older than the analysis period
    laatste_jaar: int | None = None  # the last year with yearly data

    @property
    def invented(self) -> bool:
        return self.soort in INVENTED

    def line(self) -> str:
        """One Dutch sentence for the data account and the banners."""
        parts = [f"{self.naam}: {KIND_WORDS[self.soort]}"]
        if self.soort == "opgeslagen" and self.datum:
            parts[0] += f" (van {date_nl(self.datum)})"
        elif self.soort in ("actueel", "partner") and self.datum:
            parts[0] += f" ({'opgehaald' if self.soort == 'actueel' else 'bestand van'} {date_nl(self.datum)})"
        if self.periode:
            parts.append(f"jaren met gegevens {self.periode}")
        if self.reden:
            parts.append(self.reden)
        return "; ".join(parts) + "."

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict) -> SourceStatus:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class DataStatus:
    """What a store rests on: the status of every source, and the notes recorded while building it."""

    sources: dict[str, SourceStatus] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # Dutch warnings of the data step (missing codes, unknown regions, ...)
    snapshots: dict = field(default_factory=dict)  # table id -> provenance essentials (for the manifest)
    inputs_missing: tuple[str, ...] = ()
    inputs: dict = field(default_factory=dict)  # partner file (relative path) -> sha256

    # ------------------------------------------------------------------ the run as a whole
    @property
    def tables(self) -> dict[str, SourceStatus]:
        """The open-data tables (not the partner files, not the boundaries of the maps)."""
        return {k: s for k, s in self.sources.items() if not k.startswith("partner:") and k not in MAP_SOURCES}

    @property
    def demo(self) -> bool:
        """Every open-data table is demo data: the whole report is a demonstration."""
        tables = [s for s in self.tables.values() if s.soort != "ontbreekt"]
        return bool(tables) and all(s.soort == "demo" for s in tables)

    @property
    def stale(self) -> bool:
        return any(s.soort == "opgeslagen" and (s.verouderd or s.reden) for s in self.sources.values())

    def of(self, ids: Iterable[str]) -> list[SourceStatus]:
        """The statuses of the given source ids (unknown ids are skipped)."""
        return [self.sources[i] for i in dict.fromkeys(ids) if i in self.sources]

    def mark(self, ids: Iterable[str]) -> str | None:
        """'DEMO', 'VOORBEELD' (or both) when any of these sources is not real; None otherwise."""
        kinds = {s.soort for s in self.of(ids)}
        marks = [MARKS[k] for k in INVENTED if k in kinds]
        return " + ".join(marks) or None

    def describe(self, ids: Iterable[str]) -> str:
        """Short Dutch status of these sources, e.g. 'demodata (47021NED); actueel (47013NED, 03759ned)'."""
        by_kind: dict[str, list[str]] = {}
        for s in self.of(ids):
            if s.soort != "ontbreekt":  # a source without data shows no numbers
                by_kind.setdefault(s.soort, []).append(_short(s))
        if len(by_kind) == 1:
            ((kind, names),) = by_kind.items()
            if kind == "opgeslagen":
                return f"{KIND_WORDS[kind]} ({', '.join(names)})"
            return KIND_WORDS[kind]
        return "; ".join(f"{KIND_WORDS[k]} ({', '.join(by_kind[k])})" for k in KINDS if k in by_kind)

    def badge(self, ids: Iterable[str] | None = None) -> tuple[str, str]:
        """(kind for the css class, Dutch text) of the header badge: e.g. ('demo', 'actueel, 2 bronnen demo')."""
        statuses = self.of(self.sources if ids is None else ids)
        statuses = [s for s in statuses if s.soort != "ontbreekt"]
        if not statuses:
            return "ok", "geen gegevens"
        counts = {k: sum(1 for s in statuses if s.soort == k) for k in KINDS}
        real = counts["actueel"] + counts["partner"]
        if counts["demo"] == len(statuses) or (counts["demo"] and not real and not counts["opgeslagen"]):
            main = "demodata, niet voor beleid"
        elif real:
            main = "actueel"
        else:
            main = "eerder opgehaald"
        extra = []
        if counts["opgeslagen"] and main != "eerder opgehaald":
            extra.append(_n_sources(counts["opgeslagen"], "eerder opgehaald"))
        if counts["demo"] and not main.startswith("demo"):
            extra.append(_n_sources(counts["demo"], "demo"))
        if counts["voorbeeld"]:
            extra.append(_n_sources(counts["voorbeeld"], "voorbeeld"))
        # boundaries reused because they are recent (no reason, not too old) are no sign of stale data
        old = [
            s
            for s in statuses
            if s.soort == "opgeslagen" and not (s.id in MAP_SOURCES and not s.reden and not s.verouderd)
        ]
        kind = "demo" if counts["demo"] or counts["voorbeeld"] else ("stale" if old else "ok")
        return kind, ", ".join([main] + extra)

    def banners(self, ids: Iterable[str] | None = None) -> list[dict]:
        """Banners (kind, title, text) for a page showing these sources (all sources: None)."""
        statuses = self.of(self.sources if ids is None else ids)
        out = []
        demo = [s for s in statuses if s.soort == "demo"]
        if demo:
            whole = len(demo) == len([s for s in statuses if not s.id.startswith("partner:")])
            what = "Alle open data op deze pagina zijn" if whole else "Op deze pagina komen cijfers uit"
            out.append(
                {
                    "kind": "demo",
                    "title": "Demodata.",
                    "text": f"{what} verzonnen demonstratiegegevens in de vorm van de echte tabellen "
                    f"({', '.join(_short(s) for s in demo)}): gemarkeerd met DEMO. "
                    "Gebruik die cijfers niet voor beleid.",
                }
            )
        example = [s for s in statuses if s.soort == "voorbeeld"]
        if example:
            out.append(
                {
                    "kind": "demo",
                    "title": "Voorbeeldgegevens.",
                    "text": "Partnercijfers op deze pagina komen uit voorbeeldbestanden, niet uit een levering "
                    f"van de partner ({', '.join(_short(s) for s in example)}): gemarkeerd met VOORBEELD.",
                }
            )
        old = [s for s in statuses if s.soort == "opgeslagen" and (s.reden or s.verouderd)]
        if old:
            out.append({"kind": "stale", "title": "Niet actueel.", "text": " ".join(_stale_sentence(s) for s in old)})
        partner_old = [s for s in statuses if s.soort == "partner" and s.verouderd]
        if partner_old:
            out.append(
                {
                    "kind": "stale",
                    "title": "Verouderde partnergegevens.",
                    "text": " ".join(
                        f"{s.naam} heeft gegevens over {s.periode}: de laatste jaren van de analyseperiode ontbreken."
                        for s in partner_old
                        if s.periode
                    ),
                }
            )
        return out

    def period(self, first: int, last: int) -> str:
        """The analysis period as the data have it: '2015-2024 (2025 nog niet beschikbaar)' when no
        open-data table has figures for the last years of the configured period."""
        have = [s.laatste_jaar for s in self.tables.values() if s.laatste_jaar is not None]
        if not have or max(have) >= last:
            return f"{first}-{last}"
        end = max(have)
        missing = str(last) if end + 1 == last else f"{end + 1}-{last}"
        return f"{first}-{end} ({missing} nog niet beschikbaar)"

    @classmethod
    def merged(cls, statuses: Iterable[DataStatus]) -> DataStatus:
        """One status for a report over several stores (the regional report): per source the least
        trustworthy status any store has, so that nothing is shown as more current than it is."""
        statuses = list(statuses)
        sources: dict[str, SourceStatus] = {}
        for status in statuses:
            for key, source in status.sources.items():
                if key not in sources or _TRUST[source.soort] < _TRUST[sources[key].soort]:
                    sources[key] = source
        notes = tuple(dict.fromkeys(n for status in statuses for n in status.notes))
        return cls(sources=sources, notes=notes)

    # ------------------------------------------------------------------ (de)serialising
    @classmethod
    def from_json(cls, data: dict) -> DataStatus:
        return cls(
            sources={k: SourceStatus.from_json(v) for k, v in (data.get("sources") or {}).items()},
            notes=tuple(data.get("notes", ())),
            snapshots=dict(data.get("snapshots", {})),
            inputs_missing=tuple(data.get("inputs_missing", ())),
            inputs=dict(data.get("inputs", {})),
        )

    def to_json(self) -> dict:
        return {
            "sources": {k: s.to_json() for k, s in self.sources.items()},
            "notes": list(self.notes),
            "snapshots": self.snapshots,
            "inputs_missing": list(self.inputs_missing),
            "inputs": self.inputs,
        }


# Least trustworthy first; "ontbreekt" last: a table missing for one gemeente is there for another.
_TRUST = {"voorbeeld": 0, "demo": 1, "opgeslagen": 2, "partner": 3, "actueel": 4, "ontbreekt": 5}


def _short(s: SourceStatus) -> str:
    """A source in a banner: the table id, or the partner by the name readers know it by."""
    from ..sources.partner_kinds import READER_NAMES

    kind = s.id.removeprefix("partner:")
    name = READER_NAMES.get(kind, kind) if s.id.startswith("partner:") else s.id
    if s.soort == "opgeslagen" and s.datum:
        return f"{name} van {date_nl(s.datum)}"
    return name


def _n_sources(n: int, word: str) -> str:
    return f"{n} {'bron' if n == 1 else 'bronnen'} {word}"


def _stale_sentence(s: SourceStatus) -> str:
    when = f" van {date_nl(s.datum)}" if s.datum else ""
    why = f" ({s.reden})" if s.reden else ""
    return f"{s.naam}: eerder opgehaalde gegevens{when} gebruikt{why}."
