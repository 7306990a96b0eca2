"""Which snapshot of each table a run uses: the data policy, applied to each table on its own.

Every table is resolved by itself, so one table that cannot be fetched never turns the whole report
into demo data, and the reason for each fallback is kept:

- ``fresh``: fetch; a table that cannot be fetched falls back to its newest cached snapshot (marked
  as not current, with the reason and the snapshot's date), else to the demo snapshot of that table
  only (marked as demo), else it is missing;
- ``require-fresh`` (scheduled runs): fetch; a required table that cannot be fetched raises
  :class:`DataUnavailable` naming every table that failed and why; nothing falls back;
- ``cache``: newest cached snapshots, no network; not current when older than ``max_age_days``; a
  table without a cached snapshot falls back to its demo snapshot;
- ``demo``: the snapshots shipped under ``data/demo/`` (same format).

A required table (``TableSpec.required``) without any usable snapshot is a :class:`DataUnavailable`
error naming the table; an optional one is only reported missing. Each resolved table also lists the
snapshots it may fall back to (``alternatives``), in order, for when the chosen one turns out not to
be usable at run time (it fails to normalise): the data step then takes the next one and says why.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..dates import date_nl
from ..errors import EXIT_DATA_UNAVAILABLE, VeiligheidsanalyseError
from .fetch import FetchReport, FetchRequest, covers, fetch_tables, without_derived
from .odata import FetchError, OdataEndpoint, OdataError, SchemaError
from .snapshots import Snapshot, SnapshotError, list_snapshots, retrieved_at, set_aside, snapshot_age_days

POLICIES = ("fresh", "require-fresh", "cache", "demo")

# The data status kind (see veiligheidsanalyse.store.status) of each origin.
KIND_OF_ORIGIN = {"fresh": "actueel", "cached": "opgeslagen", "demo": "demo", "missing": "ontbreekt"}


class DataUnavailable(VeiligheidsanalyseError):
    """A required table has no usable data under the chosen policy (exit 3). ``tables`` maps table
    id to why (empty when the message alone says it)."""

    exit_code = EXIT_DATA_UNAVAILABLE

    def __init__(self, message: str, tables: dict[str, str] | None = None):
        super().__init__(message)
        self.tables = tables or {}


@dataclass(frozen=True)
class Alternative:
    """A snapshot a table may fall back to when the one before it cannot be read."""

    origin: str  # "cached" or "demo"
    snapshot: Snapshot


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
    reason: str | None = None  # short Dutch reason when not fresh (banner, data account)
    alternatives: tuple[Alternative, ...] = ()  # what to fall back to if this snapshot is unusable

    @property
    def kind(self) -> str:
        return KIND_OF_ORIGIN[self.origin]


@dataclass
class Resolution:
    policy: str
    tables: dict[str, ResolvedTable]
    demo: bool = False  # every table is demo data
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
            records.append(
                {
                    "table_id": t,
                    "origin": r.origin,
                    "status": r.kind,
                    "stale": r.stale,
                    "snapshot": f"{t}/{r.snapshot.snapshot_id}" if r.snapshot else None,
                    "retrieved_at": prov.get("retrieved_at"),
                    "table_modified": prov.get("table_modified"),
                    "url": prov.get("url"),
                    "sha256": prov.get("sha256"),
                    "reason": r.reason,
                    "message": r.message,
                }
            )
        return records


def _from_cache(
    req: FetchRequest, cache_root: Path, demo_root: Path, now: datetime, max_age_days: float
) -> ResolvedTable:
    """Policy ``cache``: the newest copy in the cache, else the demo data, else missing."""
    damaged: list[str] = []
    cached = _cached_candidates(cache_root, req, now, max_age_days, None, damaged=damaged)
    no_copy = "; ".join(damaged) or "er is geen eerder opgehaalde kopie"
    return _first(
        req,
        now,
        cached + _demo_candidates(demo_root, req, no_copy),
        missing=f"{no_copy} onder {cache_root} voor deze gemeenten"
        if damaged
        else f"geen eerder opgehaalde kopie onder {cache_root} voor deze gemeenten",
        missing_reason="; ".join(damaged) or None,
    )


def _after_fetch(
    policy: str, req: FetchRequest, outcome, cache_root: Path, demo_root: Path, now: datetime, max_age_days: float
) -> ResolvedTable:
    """Policies ``fresh`` and ``require-fresh``: the fetched table; when the fetch failed, ``fresh``
    falls back to the cache and the demo data, ``require-fresh`` never does."""
    if outcome.status != "failed":
        later = []  # require-fresh never falls back, not even when the fresh table cannot be read
        if policy == "fresh":
            later = _cached_candidates(cache_root, req, now, max_age_days, None, skip=outcome.snapshot)
            later += _demo_candidates(demo_root, req, None)
        return _resolved(
            req, "fresh", outcome.snapshot, now, alternatives=tuple(Alternative(o, s) for o, s, _r, _stale in later)
        )
    reason, message = f"ophalen mislukt: {_dutch_reason(outcome.error)}", str(outcome.error)
    if policy == "require-fresh":
        return _missing(req, message, reason)
    damaged: list[str] = []
    cached = _cached_candidates(cache_root, req, now, max_age_days, reason, fallback=True, damaged=damaged)
    no_copy = "; ".join(damaged) or "er is geen eerder opgehaalde kopie"
    candidates = cached + _demo_candidates(demo_root, req, f"{reason}, en {no_copy}")
    return _first(
        req, now, candidates, missing=f"{message}; geen eerder opgehaalde kopie", missing_reason=reason, message=message
    )


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
    offline: FetchError | None = None,
) -> Resolution:
    """Pick the snapshot of every requested table according to ``policy`` (see the module docstring).

    Only ``fresh`` and ``require-fresh`` use the network (through ``endpoint``); ``offline`` is an earlier
    fetch's proof that the network is down (see :func:`fetch_tables`). Raises
    :class:`DataUnavailable` when a required table has no usable snapshot, and ``ValueError`` for an
    unknown policy.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown data policy {policy!r}; choose one of {', '.join(POLICIES)}")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    cache_root, demo_root = Path(cache_root), Path(demo_root)
    tables: dict[str, ResolvedTable] = {}
    report: FetchReport | None = None

    if policy in ("fresh", "require-fresh"):
        report = fetch_tables(requests, cache_root, endpoint, now, sleep=sleep, offline=offline)
    for req in requests:
        if policy == "demo":
            tables[req.table_id] = _first(req, now, _demo_candidates(demo_root, req, None))
        elif policy == "cache":
            tables[req.table_id] = _from_cache(req, cache_root, demo_root, now, max_age_days)
        else:
            assert report is not None  # fresh and require-fresh fetched above
            outcome = report.outcomes[req.table_id]
            tables[req.table_id] = _after_fetch(policy, req, outcome, cache_root, demo_root, now, max_age_days)

    if any(r.origin == "missing" and r.required for r in tables.values()):
        # Name every table without data, optional ones too: the user fixes them in one go.
        unavailable = {
            t: f"{r.reason} ({r.message})" if r.reason else (r.message or "geen gegevens")
            for t, r in tables.items()
            if r.origin == "missing"
        }
        details = "; ".join(f"{t}: {why}" for t, why in unavailable.items())
        raise DataUnavailable(f"gegevens niet beschikbaar onder gegevensbeleid {policy!r}: {details}", unavailable)

    resolution = Resolution(policy, tables, fetch_report=report)
    found = [r for r in tables.values() if r.snapshot is not None]
    resolution.demo = bool(found) and all(r.origin == "demo" for r in found)
    resolution.stale = any(r.stale for r in tables.values())
    return resolution


def combine(first: Resolution, second: Resolution) -> Resolution:
    """One resolution of the tables of two resolutions of the same policy (a run that resolves the
    national facts of its peer rule before the tables that depend on the peer group)."""
    from .tables import TABLES

    tables = {**first.tables, **second.tables}
    order = list(TABLES)
    tables = dict(sorted(tables.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))
    report = None
    if first.fetch_report is not None or second.fetch_report is not None:
        a, b = first.fetch_report or FetchReport(), second.fetch_report or FetchReport()
        report = FetchReport(outcomes={**a.outcomes, **b.outcomes}, offline=a.offline or b.offline)
    found = [r for r in tables.values() if r.snapshot is not None]
    return Resolution(
        first.policy,
        tables,
        demo=bool(found) and all(r.origin == "demo" for r in found),
        stale=any(r.stale for r in tables.values()),
        fetch_report=report,
    )


def _cached_candidates(
    cache_root: Path,
    req: FetchRequest,
    now: datetime,
    max_age_days: float,
    reason: str | None,
    *,
    fallback: bool = False,
    skip: Snapshot | None = None,
    damaged: list | None = None,
) -> list[tuple[str, Snapshot, str | None, bool]]:
    """Intact cached snapshots covering the request, newest first: (origin, snapshot, reason, stale).
    Damaged ones are set aside and described in ``damaged``."""
    out = []
    want = req.key()
    for snap in _usable(cache_root, req, damaged=damaged):
        if skip is not None and snap.path == skip.path:
            continue
        age = snapshot_age_days(snap, now)
        too_old = age is None or age > max_age_days
        why = reason
        if not covers(snap.provenance.get("request"), want):
            part = "een kopie zonder alle gemeenten die deze run vergelijkt (die hebben uit deze tabel geen cijfers)"
            why = part if why is None else f"{why}; {part}"
        if too_old and not fallback:
            why = (
                f"ouder dan {max_age_days:g} dagen" if reason is None else f"{reason}; ouder dan {max_age_days:g} dagen"
            )
        out.append(("cached", snap, why, fallback or too_old))
    return out


def _demo_candidates(
    demo_root: Path, req: FetchRequest, reason: str | None
) -> list[tuple[str, Snapshot, str | None, bool]]:
    return [("demo", snap, reason, False) for snap in _usable(demo_root, req, check_request=False)[:1]]


def _first(
    req: FetchRequest,
    now: datetime,
    candidates: list,
    *,
    missing: str | None = None,
    missing_reason: str | None = None,
    message: str | None = None,
) -> ResolvedTable:
    """The first candidate, with the others as alternatives; missing when there is none."""
    if not candidates:
        return _missing(req, missing or "geen demodata voor deze tabel", missing_reason)
    (origin, snap, reason, stale), rest = candidates[0], candidates[1:]
    detail = message
    if origin == "cached" and stale and message is None:
        age = snapshot_age_days(snap, now)
        detail = f"kopie is {_days(age)} oud"
    alternatives = tuple(Alternative(o, s) for o, s, _r, _stale in rest)
    return _resolved(req, origin, snap, now, stale=stale, message=detail, reason=reason, alternatives=alternatives)


# --------------------------------------------------------------------------------------------


def _resolved(
    req: FetchRequest,
    origin: str,
    snap: Snapshot | None,
    now: datetime,
    *,
    stale: bool = False,
    message: str | None = None,
    reason: str | None = None,
    alternatives: tuple[Alternative, ...] = (),
) -> ResolvedTable:
    retrieved = retrieved_at(snap) if snap else None
    return ResolvedTable(
        req.table_id, origin, snap, retrieved, req.table.required, stale, message, reason, alternatives
    )


def _missing(req: FetchRequest, message: str, reason: str | None = None) -> ResolvedTable:
    return ResolvedTable(
        req.table_id, "missing", None, None, req.table.required, False, message, reason or "geen gegevens"
    )


def _usable(root: Path, req: FetchRequest, check_request: bool = True, damaged: list | None = None) -> list[Snapshot]:
    """Intact snapshots under ``root`` that cover the request (any request for demo data), newest first.

    With ``damaged`` (a list), a snapshot whose files fail their check is set aside in ``rejected/``
    (snapshots.set_aside) and its date and reason are added to the list: a damaged copy is a data
    problem with a name, not "no copy"."""
    want = req.key()
    # A copy without the rows of all gemeenten, or without a derived group's gemeenten (made before the
    # group changed), still holds the gemeente's own rows: real data, used after the copies that hold
    # everything, never replaced by demo data.
    own_rows = without_derived(req)
    found: list[Snapshot] = []
    own_only: list[Snapshot] = []
    for snap in reversed(list_snapshots(root, req.table_id)):
        try:
            have = snap.provenance.get("request") if check_request else None
            if check_request and not covers(have, own_rows):
                continue
            snap.verify()
        except SnapshotError as exc:
            if damaged is not None:
                when = retrieved_at(snap)
                set_aside(snap, str(exc))
                damaged.append(
                    f"de eerder opgehaalde kopie{' van ' + date_nl(when.date().isoformat()) if when else ''}"
                    f" is beschadigd en apart gezet ({exc})"
                )
            continue
        (found if not check_request or covers(have, want) else own_only).append(snap)
    return found + own_only


def _dutch_reason(error: OdataError | None) -> str:
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


def _days(age: float | None) -> str:
    return "een onbekend aantal dagen" if age is None else f"{age:.0f} dagen"
