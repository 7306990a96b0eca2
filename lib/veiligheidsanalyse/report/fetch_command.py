"""``veiligheidsanalyse fetch``: update the snapshot cache for a configuration, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

from ..config import load_config_for_command, resolve
from ..paths import project_root


def fetch_command(config_path: Path, endpoint=None, stream=None) -> int:
    """Fetch every table of the configuration (each gemeente of it); exit 3 when a required table
    failed or when any table's download lacked what the analysis structurally needs (a
    :class:`~..sources.odata.SchemaError`, e.g. a download kept aside as rejected: the line names
    table and field, and the snapshot that stays in use: the newest one a run would fall back to,
    see :func:`~..sources.fetch.newest_usable`). ``endpoint`` defaults to
    :func:`~veiligheidsanalyse.store.build.default_endpoint` (``VA_ODATA_URL`` or the real hosts). Offline (see
    ``fetch_tables``) is said once, and the gemeenten after it are not tried. Every table's
    warnings (``TableOutcome.warnings``, Dutch sentences) are printed under its line."""
    # Long: it reports on each table in the order it fetches them; the steps are functions already.
    from ..sources.fetch import newest_usable
    from ..sources.odata import SchemaError
    from ..sources.tables import table_spec
    from ..store.build import default_endpoint

    stream = stream or sys.stdout
    config = load_config_for_command(config_path)
    if config is None:
        return 2
    cache = resolve(project_root(), config.data.cache)
    endpoint = endpoint or default_endpoint()
    failed_required = False
    schema_failed = False  # a table whose structure changed: never silent, required or not
    offline = None  # the error that showed the server unreachable: said once, then no more requests
    for code, requests, report in _fetch_each(config, cache, endpoint):
        if report is None:
            why = f" ({offline.table_id}: {offline.reason})" if offline is not None else ""
            print(
                f"{code}: MISLUKT — {', '.join(r.table_id for r in requests)} niet geprobeerd: offline{why}",
                file=sys.stderr,
            )
            failed_required = failed_required or any(table_spec(r.table_id).required for r in requests)
            continue
        for table_id, outcome in report.outcomes.items():
            out = sys.stderr if outcome.status == "failed" else stream
            if outcome.status == "failed":
                error = outcome.error
                if offline is not None and getattr(error, "offline", False):
                    print(
                        f"{code} {table_id}: MISLUKT — niet geprobeerd: offline (zie {offline.table_id})",
                        file=sys.stderr,
                    )
                elif isinstance(error, SchemaError):
                    request = next(r for r in requests if r.table_id == table_id)
                    current = newest_usable(cache, table_id, request.key(), request.table)
                    print(f"{code} {table_id}: MISLUKT — {_schema_problem(table_id, error, current)}", file=sys.stderr)
                    schema_failed = True
                else:
                    print(f"{code} {table_id}: MISLUKT — {error}", file=sys.stderr)
                if getattr(error, "offline", False) and offline is None:
                    offline = error
                failed_required = failed_required or table_spec(table_id).required
            else:
                done = _STATUS.get(outcome.status, outcome.status)
                snap = outcome.snapshot
                where = f", snapshot {snap.snapshot_id} ({snap.path})" if snap is not None else ""
                print(f"{code} {table_id}: {done}{where}", file=stream)
            for warning in outcome.warnings:
                print(f"    LET OP: {warning}", file=out)
    pdok_failed = None  # (gemeente, error) once PDOK failed: the next gemeenten are not tried
    for code in config.targets():
        pdok_failed = _fetch_boundaries(config.for_gemeente(code), cache, offline, pdok_failed, stream)
    return 3 if failed_required or schema_failed else 0


def _fetch_boundaries(config, cache: Path, offline, pdok_failed, stream):
    """The wijk- en buurtkaart of one gemeente into the cache. Optional, like the maps it serves:
    a failure is said but never changes the exit status. ``pdok_failed``: (gemeente, error) of an
    earlier failure of PDOK itself in this command (HTTP error, time-out, not reachable); then nothing
    is tried (each request may wait a minute). A copy of the same request younger than
    ``data.max_leeftijd_dagen`` is kept without downloading, as a run does, unless the data policy asks
    for fresh data only (``require-fresh``). The request is a run's: from the newest usable copies of the
    national facts and of the wijk- and buurt tables (whose metadata state the year of the buurtindeling).
    Returns ``pdok_failed``, set when PDOK failed now."""
    from ..sources.boundaries import SOURCE_ID, BoundaryFetchError, fetch_boundaries, recent_copy, reuse_message
    from ..sources.fetch import newest_usable
    from ..sources.tables import TABLES
    from ..store.build import boundary_request_from, fetch_requests, is_national_table

    code = config.gemeente
    if offline is not None:
        print(f"{code} {SOURCE_ID}: MISLUKT — niet geprobeerd: offline (zie {offline.table_id})", file=sys.stderr)
        return pdok_failed
    if pdok_failed is not None:
        where, error = pdok_failed
        print(
            f"{code} {SOURCE_ID}: MISLUKT — niet geprobeerd: PDOK faalde al ({where}: {error.reden})", file=sys.stderr
        )
        return pdok_failed
    wanted = [
        r
        for r in fetch_requests(config)
        if is_national_table(r.table_id) or TABLES[r.table_id].region_level == "buurten"
    ]
    found = {r.table_id: newest_usable(cache, r.table_id, r.key(), r.table) for r in wanted}
    request = boundary_request_from(config, {t: s for t, s in found.items() if s is not None})
    recent = (
        None if config.data.beleid == "require-fresh" else recent_copy(cache, request, config.data.max_leeftijd_dagen)
    )
    if recent is not None:
        print(
            f"{code} {SOURCE_ID}: {reuse_message(recent, config.data.max_leeftijd_dagen)}, snapshot "
            f"{recent.snapshot_id} ({recent.path})",
            file=stream,
        )
        return pdok_failed
    try:
        snap = fetch_boundaries(request, cache)
    except BoundaryFetchError as exc:
        print(f"{code} {SOURCE_ID}: MISLUKT — {exc.reden} ({exc})", file=sys.stderr)
        return (code, exc) if exc.unreachable else pdok_failed
    print(f"{code} {SOURCE_ID}: opgehaald, snapshot {snap.snapshot_id} ({snap.path})", file=stream)
    return pdok_failed


def _fetch_each(config, cache: Path, endpoint):
    """(gemeente, requests, report) per gemeente of the config; report None when the network was
    already found down. With a derived peer group or provincie the national facts come first, then
    the tables for the gemeenten they name (as in a run, see ``store.build.resolve_tables``)."""
    from ..sources.fetch import fetch_tables, newest_usable
    from ..store.build import derives_comparison, fetch_requests, national_requests, requests_after_national

    offline = None

    def fetch(requests):
        nonlocal offline
        if offline is not None:
            return None
        report = fetch_tables(requests, cache, endpoint)
        offline = offline or report.offline
        return report

    for code in config.targets():  # a config may name several gemeenten: each its own buurten
        own = config.for_gemeente(code)
        if not derives_comparison(own):
            requests = fetch_requests(own)
            yield code, requests, fetch(requests)
            continue
        national = national_requests(own)
        yield code, national, fetch(national)
        snapshots = {r.table_id: newest_usable(cache, r.table_id, r.key(), r.table) for r in national}
        rest = requests_after_national(own, {t: s for t, s in snapshots.items() if s is not None})
        yield code, rest, fetch(rest)


_STATUS = {"downloaded": "opgehaald", "unchanged": "ongewijzigd"}


def _schema_problem(table_id: str, error, current) -> str:
    """A schema failure in Dutch, naming table and field, where a rejected download was kept and
    which snapshot stays in use (``current``: the newest intact, structurally usable cached one for
    this request, or None)."""
    stays = (
        f"snapshot {current.snapshot_id} blijft in gebruik"
        if current is not None
        else "er is nog geen bruikbare snapshot van deze tabel"
    )
    if hasattr(error, "problems"):  # RejectedDownload: its messages are Dutch and name table and field
        rejected = getattr(error, "rejected_path", None)
        where = f"apart gezet in {rejected} (reden in reden.txt)" if rejected else "niet apart gezet"
        return f"download afgekeurd: {'; '.join(error.problems)}; {where}; {stays}"
    return (
        f"tabel {table_id}, veld {error.field}: de opbouw van de tabel wijkt af van wat de analyse "
        f"nodig heeft ({error.reason}); {stays}"
    )
