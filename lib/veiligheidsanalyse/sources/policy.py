"""Which snapshot of each table a run uses: the data policy.

- ``fresh``: fetch; a table that cannot be fetched falls back to its newest cached snapshot and the
  run is marked stale, with a banner shown on every page;
- ``require-fresh`` (scheduled runs): like fresh, but a required table that cannot be fetched raises
  :class:`DataUnavailable` instead of falling back;
- ``cache``: newest cached snapshots, no network; a banner when one is older than ``max_age_days``;
- ``demo``: the snapshots shipped under ``data/demo/`` (same format); always a demo banner.

A required table (``TableSpec.required``) without any usable snapshot is a :class:`DataUnavailable`
error naming the table; an optional one is only reported missing. The report never silently uses
demo or stale data: :attr:`Resolution.banners` says so in Dutch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from .fetch import FetchReport, FetchRequest, covers, fetch_tables
from .odata import OdataEndpoint, OdataError, SchemaError
from .snapshots import Snapshot, SnapshotError, list_snapshots, snapshot_age_days

POLICIES = ("fresh", "require-fresh", "cache", "demo")

_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december")


class DataUnavailable(Exception):
    """A required table has no usable data under the chosen policy. ``tables`` maps table id to why."""

    def __init__(self, message: str, tables: dict[str, str]):
        super().__init__(message)
        self.tables = tables


@dataclass(frozen=True)
class ResolvedTable:
    """The snapshot a run uses for one table, and how current it is."""

    table_id: str
    origin: str  # "fresh" (current on the server this run), "cached", "demo" or "missing"
    snapshot: Snapshot | None
    retrieved_at: datetime | None
    required: bool
    stale: bool = False
    message: str | None = None  # technical reason when not fresh (for logs and the manifest)
    reason: str | None = None  # short Dutch reason for the banner when a fetch failed


@dataclass
class Resolution:
    policy: str
    tables: dict[str, ResolvedTable]
    banners: list[str] = field(default_factory=list)
    demo: bool = False
    stale: bool = False
    fetch_report: FetchReport | None = None

    @property
    def snapshots(self) -> dict[str, Snapshot]:
        return {t: r.snapshot for t, r in self.tables.items() if r.snapshot is not None}

    @property
    def missing(self) -> list[str]:
        return [t for t, r in self.tables.items() if r.snapshot is None]

    def manifest(self) -> list[dict[str, Any]]:
        """One record per table for the run manifest: origin, snapshot and its provenance essentials."""
        records = []
        for t, r in self.tables.items():
            prov = r.snapshot.provenance if r.snapshot else {}
            records.append({
                "table_id": t,
                "origin": r.origin,
                "stale": r.stale,
                "snapshot": f"{t}/{r.snapshot.snapshot_id}" if r.snapshot else None,
                "retrieved_at": prov.get("retrieved_at"),
                "table_modified": prov.get("table_modified"),
                "url": prov.get("url"),
                "sha256": prov.get("sha256"),
                "message": r.message,
            })
        return records


def resolve_sources(
    policy: str,
    requests: Sequence[FetchRequest],
    cache_root: Path,
    demo_root: Path,
    endpoint: OdataEndpoint | None = None,
    max_age_days: float = 31,
    now: datetime | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Resolution:
    """Pick the snapshot of every requested table according to ``policy`` (see the module docstring).

    Only ``fresh`` and ``require-fresh`` use the network (through ``endpoint``). Raises
    :class:`DataUnavailable` when a required table has no usable snapshot, and ``ValueError`` for an
    unknown policy.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown data policy {policy!r}; choose one of {', '.join(POLICIES)}")
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    cache_root, demo_root = Path(cache_root), Path(demo_root)
    tables: dict[str, ResolvedTable] = {}
    unavailable: dict[str, str] = {}
    report: FetchReport | None = None

    if policy == "demo":
        for req in requests:
            snap = _usable(demo_root, req, check_request=False)
            if snap is None:
                tables[req.table_id] = _missing(req, f"no demo snapshot under {demo_root}")
            else:
                tables[req.table_id] = _resolved(req, "demo", snap, now)
        resolution = Resolution(policy, tables, demo=True)

    elif policy == "cache":
        for req in requests:
            snap = _usable(cache_root, req)
            if snap is None:
                tables[req.table_id] = _missing(req, f"no cached snapshot under {cache_root} for this request")
                continue
            age = snapshot_age_days(snap, now)
            stale = age is None or age > max_age_days
            message = f"snapshot is {_days(age)} old (maximum {max_age_days:g} days)" if stale else None
            tables[req.table_id] = _resolved(req, "cached", snap, now, stale=stale, message=message)
        resolution = Resolution(policy, tables)

    else:  # fresh / require-fresh
        report = fetch_tables(requests, cache_root, endpoint, now, sleep=sleep)
        for req in requests:
            outcome = report.outcomes[req.table_id]
            if outcome.status != "failed":
                tables[req.table_id] = _resolved(req, "fresh", outcome.snapshot, now)
                continue
            reason = str(outcome.error)
            if policy == "require-fresh":
                if req.table.required:
                    unavailable[req.table_id] = reason
                tables[req.table_id] = _missing(req, reason)
                continue
            snap = _usable(cache_root, req)
            if snap is None:
                tables[req.table_id] = _missing(req, f"{reason}; and no cached snapshot")
            else:
                tables[req.table_id] = _resolved(
                    req, "cached", snap, now, stale=True, message=reason, error=outcome.error
                )
        resolution = Resolution(policy, tables, fetch_report=report)

    for t, r in tables.items():
        if r.origin == "missing" and r.required:
            unavailable.setdefault(t, r.message or "no data")
    if unavailable:
        details = "; ".join(f"{t}: {why}" for t, why in unavailable.items())
        raise DataUnavailable(f"required data unavailable under policy {policy!r}: {details}", unavailable)

    resolution.stale = any(r.stale for r in tables.values())
    resolution.banners = _banners(resolution, max_age_days)
    return resolution


# --------------------------------------------------------------------------------------------


def _resolved(req: FetchRequest, origin: str, snap: Snapshot | None, now: datetime, *, stale: bool = False,
              message: str | None = None, error: OdataError | None = None) -> ResolvedTable:
    retrieved = _retrieved_at(snap) if snap else None
    reason = _dutch_reason(error) if error is not None else None
    return ResolvedTable(req.table_id, origin, snap, retrieved, req.table.required, stale, message, reason)


def _missing(req: FetchRequest, message: str) -> ResolvedTable:
    return ResolvedTable(req.table_id, "missing", None, None, req.table.required, False, message)


def _usable(root: Path, req: FetchRequest, check_request: bool = True) -> Snapshot | None:
    """Newest intact snapshot under ``root`` that covers the request (any request for demo data)."""
    want = req.key()
    for snap in reversed(list_snapshots(root, req.table_id)):
        try:
            if check_request and not covers(snap.provenance.get("request"), want):
                continue
            snap.verify()
        except SnapshotError:
            continue
        return snap
    return None


def _retrieved_at(snap: Snapshot) -> datetime | None:
    try:
        value = snap.provenance.get("retrieved_at")
        when = datetime.fromisoformat(value) if value else None
    except (SnapshotError, ValueError):
        return None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when


def _dutch_reason(error: OdataError) -> str:
    if isinstance(error, SchemaError):
        return "de opbouw van de tabel is veranderd"
    kind = getattr(error, "kind", "")
    return {
        "connection": "de server was niet bereikbaar",
        "timeout": "de server antwoordde niet op tijd",
        "http": "de server gaf een foutmelding",
        "rate-limited": "de server weigerde tijdelijk verzoeken",
        "changed": "de tabel werd tijdens het ophalen bijgewerkt",
    }.get(kind, "de server gaf een onbruikbaar antwoord")


def _date_nl(when: datetime | None) -> str:
    if when is None:
        return "onbekende datum"
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}"


def _days(age: float | None) -> str:
    return "an unknown number of days" if age is None else f"{age:.0f} days"


def _banners(resolution: Resolution, max_age_days: float) -> list[str]:
    """Dutch banner texts for every page: demo data, fallback to cached data, too old data."""
    banners: list[str] = []
    tables = resolution.tables.values()
    if resolution.demo:
        dates = ", ".join(f"{r.table_id} ({_date_nl(r.retrieved_at)})" for r in tables if r.snapshot)
        banners.append(
            "Demodata: dit rapport is gemaakt met de meegeleverde demonstratiegegevens, niet met actuele cijfers "
            f"({dates}). Gebruik het niet voor besluiten."
        )
    fallbacks = [r for r in tables if r.origin == "cached" and resolution.policy == "fresh"]
    if fallbacks:
        reasons = sorted({r.reason for r in fallbacks if r.reason})
        used = ", ".join(f"{r.table_id} van {_date_nl(r.retrieved_at)}" for r in fallbacks)
        banners.append(
            f"Niet actueel: het ophalen van verse gegevens is mislukt ({'; '.join(reasons)}). "
            f"Dit rapport gebruikt eerder opgehaalde gegevens: {used}."
        )
    old = [r for r in tables if r.origin == "cached" and r.stale and resolution.policy == "cache"]
    if old:
        used = ", ".join(f"{r.table_id} van {_date_nl(r.retrieved_at)}" for r in old)
        banners.append(
            f"Niet actueel: gegevens ouder dan {max_age_days:g} dagen gebruikt ({used}). "
            "Haal verse gegevens op voor een actueel rapport."
        )
    return banners
