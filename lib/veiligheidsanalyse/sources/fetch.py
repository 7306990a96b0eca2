"""Download the tables a run needs into the snapshot cache, only when they changed.

For each :class:`FetchRequest` (a table and the regions to keep):

1. read TableInfos; if the newest cached snapshot that covers this request has the same ``Modified``
   date (and still has what normalisation structurally needs), nothing is downloaded (``unchanged``);
2. read DataProperties and check the schema (title, dimensions, needed measures);
3. read every dimension code list, resolve the space-padded keys of the requested codes;
4. read UntypedDataSet with ``$filter`` (and ``$select``), then TableInfos again to be sure the table
   did not change during the download;
5. check the download against what normalisation structurally needs (``structure.check_structure``:
   dimensions, the catalogue's measures, region and period keys). One that fails never becomes a
   snapshot: it is kept aside under ``<table>/rejected/<id>/`` with the reason
   (``snapshots.write_rejected``), the previous snapshot stays current and the table fails with
   :class:`RejectedDownload` (a :class:`SchemaError` naming table and field);
6. write one snapshot (``snapshots.write_snapshot``: atomic) with provenance.

Nothing touches the cache before step 5, so a failed or interrupted fetch leaves it exactly as it was
(a rejected download only adds its folder under ``rejected/``, which is never read as a snapshot).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .odata import FetchError, OdataClient, OdataEndpoint, OdataError, SchemaError, check_schema, dimension_keys
from .snapshots import (
    DATA_FILE,
    METADATA_FILE,
    PROVENANCE_FILE,
    Snapshot,
    SnapshotError,
    free_snapshot_id,
    list_snapshots,
    new_snapshot_id,
    write_rejected,
    write_snapshot,
)
from .tables import TableSpec, table_spec

_GEMEENTE = re.compile(r"^GM\d{4}$")


class RejectedDownload(SchemaError):
    """A download that lacks what normalisation structurally needs: kept aside, never a snapshot.

    ``field`` is the first field concerned, ``fields`` all of them, ``problems`` the Dutch messages
    (each naming table and field), ``rejected_path`` the folder it was kept in (None if that failed).
    """

    def __init__(self, table_id: str, problems: Sequence[Any], rejected_path: Path | None, kept: str):
        messages = [str(p) for p in problems]
        OdataError.__init__(
            self, table_id, f"download afgekeurd, niet als snapshot bewaard: {'; '.join(messages)}; {kept}"
        )
        self.fields = tuple(dict.fromkeys(getattr(p, "field", "") for p in problems))
        self.field = self.fields[0] if self.fields else ""
        self.problems = tuple(messages)
        self.rejected_path = rejected_path


@dataclass(frozen=True)
class FetchRequest:
    """Which table to fetch and which rows to keep.

    - ``regions``: for tables with region level "gemeenten": codes to keep (``GM1701``, ``PV22``,
      ``NL01``, ``RE01`` ...; without padding).
    - ``gemeente``: for tables with region level "buurten": the gemeente (``GM1701``) whose own row,
      wijken (``WK1701..``) and buurten (``BU1701....``) are kept.
    - ``all_gemeente_rows``: also keep the row of every gemeente of the country (the national facts
      the comparison set is derived from, see ``TableSpec.national``); a gemeenten table then needs
      no ``regions``.
    - ``derived_regions``: those of ``regions`` that a derived comparison group added (its peers, its
      provincie's gemeenten). Not part of the request's key: a cached copy without them is still the
      gemeente's real data, used (with a note) before demo data when a download fails.
    - ``filters``: other dimensions to restrict, ``{"Perioden": ("2023JJ00",)}`` (without padding).
    - ``measures``: measures the caller needs, by Key or Title; checked against DataProperties.
    - ``select_measures``: ``$select`` only ID, the dimensions and those measures.
    - ``spec``: a TableSpec to use instead of the registry entry (tests, new tables).
    """

    table_id: str
    regions: tuple[str, ...] = ()
    gemeente: str | None = None
    all_gemeente_rows: bool = False
    derived_regions: tuple[str, ...] = ()
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    measures: tuple[str, ...] = ()
    select_measures: bool = False
    spec: TableSpec | None = None

    @property
    def table(self) -> TableSpec:
        return self.spec or table_spec(self.table_id)

    def key(self) -> dict[str, Any]:
        """Canonical description of the requested rows, stored in provenance as ``request``."""
        spec = self.table
        for name, value in [("regions", self.regions), *((f"filters[{d}]", c) for d, c in self.filters.items())]:
            if isinstance(value, str):  # a bare string would be read as its characters
                raise ValueError(f"{self.table_id}: {name} must be a sequence of codes, got the string {value!r}")
        if spec.region_level == "buurten":
            if not self.gemeente or not _GEMEENTE.match(self.gemeente.strip()):
                raise ValueError(f"{self.table_id}: a buurten table needs gemeente='GMxxxx', got {self.gemeente!r}")
            regions, gemeente = None, self.gemeente.strip()
        else:
            if not self.regions and not self.all_gemeente_rows:
                raise ValueError(f"{self.table_id}: a gemeenten table needs the region codes to keep")
            regions, gemeente = sorted({r.strip() for r in self.regions}), None
        key: dict[str, Any] = {
            "region_dimension": spec.region_dimension,
            "regions": regions,
            "gemeente": gemeente,
            "filters": {dim: sorted({c.strip() for c in codes}) for dim, codes in sorted(self.filters.items())},
            "select": sorted(set(self.measures)) if self.select_measures else None,
        }
        if self.all_gemeente_rows:
            key["all_gemeente_rows"] = True  # only when set: older snapshots keep their key
        return key


def without_derived(request: FetchRequest) -> dict[str, Any]:
    """The request's key without what a fallback may lack: the rows of all gemeenten and the regions
    of derived comparison groups (what a copy must hold to be the gemeente's own real data)."""
    key = {k: v for k, v in request.key().items() if k != "all_gemeente_rows"}
    if key.get("regions") is not None and request.derived_regions:
        derived = {r.strip() for r in request.derived_regions}
        key["regions"] = [r for r in key["regions"] if r not in derived]
    return key


def covers(have: Mapping[str, Any] | None, want: Mapping[str, Any]) -> bool:
    """Does a snapshot fetched for request ``have`` hold every row and column request ``want`` needs?

    A snapshot without a request record (written by another tool) is taken to hold the whole table.
    """
    if have is None:
        return True
    if have.get("region_dimension") != want.get("region_dimension") or have.get("gemeente") != want.get("gemeente"):
        return False
    if not _subset(want.get("regions"), have.get("regions")) or not _subset(want.get("select"), have.get("select")):
        return False
    if want.get("all_gemeente_rows") and not have.get("all_gemeente_rows"):
        return False
    have_filters, want_filters = have.get("filters") or {}, want.get("filters") or {}
    return all(_subset(want_filters.get(dim), codes) for dim, codes in have_filters.items())


def _subset(want: Iterable[str] | None, have: Iterable[str] | None) -> bool:
    # None means "everything"
    if have is None:
        return True
    return want is not None and set(want) <= set(have)


def newest_covering(root: Path, table_id: str, request_key: Mapping[str, Any]) -> Snapshot | None:
    """The newest snapshot of a table under ``root`` whose rows cover the request (one whose
    provenance.json cannot be read is passed over: it cannot say what it holds)."""
    for snapshot in reversed(list_snapshots(root, table_id)):
        try:
            request = snapshot.provenance.get("request")
        except SnapshotError:
            continue
        if covers(request, request_key):
            return snapshot
    return None


def newest_usable(
    root: Path, table_id: str, request_key: Mapping[str, Any], spec: TableSpec | None = None
) -> Snapshot | None:
    """The snapshot a run falls back to for this request: the newest one under ``root`` that covers
    it, is intact (:meth:`Snapshot.verify`) and has what normalisation structurally needs
    (``structure.check_structure`` on its metadata and rows). A run passes over a snapshot that
    fails either check in the same way, so this is the one to name as "still in use"."""
    spec = spec or table_spec(table_id)
    for snapshot in reversed(list_snapshots(root, table_id)):
        try:
            if not covers(snapshot.provenance.get("request"), request_key):
                continue
            snapshot.verify()
            if _structure_problems(table_id, spec, snapshot.metadata, snapshot.rows()):
                continue
        except SnapshotError:
            continue
        return snapshot
    return None


@dataclass
class TableOutcome:
    """What happened to one table: ``downloaded``, ``unchanged`` or ``failed``.

    ``warnings``: complete Dutch sentences, each naming the table and the code or field concerned
    (a region code the table does not have, a selection without rows, a cached snapshot that could
    not be used), for the ``fetch`` output and the report's data account.
    """

    table_id: str
    status: str
    snapshot: Snapshot | None = None
    error: OdataError | None = None
    warnings: list[str] = field(default_factory=list)
    requests: int = 0  # HTTP requests sent for this table, retries included


@dataclass
class FetchReport:
    outcomes: dict[str, TableOutcome] = field(default_factory=dict)
    offline: FetchError | None = None  # the error that showed the network down (then nothing more was asked)

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def failed(self) -> dict[str, TableOutcome]:
        return {t: o for t, o in self.outcomes.items() if o.status == "failed"}

    @property
    def downloaded(self) -> dict[str, TableOutcome]:
        return {t: o for t, o in self.outcomes.items() if o.status == "downloaded"}

    @property
    def unchanged(self) -> dict[str, TableOutcome]:
        return {t: o for t, o in self.outcomes.items() if o.status == "unchanged"}


def fetch_tables(
    requests: Sequence[FetchRequest],
    cache_root: Path,
    endpoint: OdataEndpoint | None = None,
    now: datetime | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    offline: FetchError | None = None,
) -> FetchReport:
    """Fetch each requested table into ``cache_root`` unless the cache already holds its current version.

    Errors about a table (:class:`FetchError`, :class:`SchemaError`) are recorded in its outcome and the
    other tables are still fetched. Offline (a failed name lookup or a refused connection, not retried:
    :attr:`FetchError.offline`) holds for the whole fetch: every remaining table fails at once with the
    same reason, without a request. A host that stayed unreachable through the retries (connect
    timeouts, dropped connections) is not asked again for its remaining tables. Other exceptions
    propagate. In every failure case the
    cache is left exactly as it was. ``now`` fixes the retrieval time (tests). ``offline``: an earlier
    fetch of the same run found the network down (a run for several gemeenten asks once, not per gemeente).
    """
    endpoint = endpoint or OdataEndpoint()
    cache_root = Path(cache_root)
    seen = [r.table_id for r in requests]
    duplicates = sorted({t for t in seen if seen.count(t) > 1})
    if duplicates:
        raise ValueError(f"one request per table, got several for {', '.join(duplicates)}")
    for request in requests:  # bad requests are programming errors: fail before any download
        request.key()

    report = FetchReport()
    unreachable: dict[str, FetchError] = {}  # per host: connection errors that outlasted the retries
    for request in requests:
        spec = request.table
        client = OdataClient(endpoint, sleep=sleep)
        outcome = TableOutcome(request.table_id, "failed")
        try:
            cause = offline or unreachable.get(spec.host)
            if cause is not None:
                raise FetchError.not_tried(request.table_id, endpoint.table_url(spec.host, request.table_id), cause)
            _fetch_one(client, request, spec, cache_root, endpoint, now, outcome)
        except OdataError as exc:
            outcome.status, outcome.snapshot, outcome.error = "failed", None, exc
            if isinstance(exc, FetchError) and exc.offline:
                offline = offline or exc
            elif isinstance(exc, FetchError) and exc.kind == "connection":
                unreachable.setdefault(spec.host, exc)
        finally:
            outcome.requests = client.requests
        report.outcomes[request.table_id] = outcome
    report.offline = offline
    return report


def _fetch_one(
    client: OdataClient,
    request: FetchRequest,
    spec: TableSpec,
    cache_root: Path,
    endpoint: OdataEndpoint,
    now: datetime | None,
    outcome: TableOutcome,
) -> None:
    # Long: reuse, download, structure check and storing of one table share the outcome being written
    table_id, host = request.table_id, spec.host
    wanted = request.key()
    info = client.table_infos(table_id, host)
    modified = info.get("Modified")

    previous = newest_covering(cache_root, table_id, wanted)
    if previous is not None:
        try:
            previous.verify()
        except SnapshotError as exc:  # damaged on disk: fetch again rather than trust it
            outcome.warnings.append(
                f"Tabel {table_id}: opgeslagen snapshot {previous.snapshot_id} is beschadigd "
                f"({_damage(exc)}); de tabel wordt opnieuw opgehaald."
            )
            previous = None
    if previous is not None and modified and previous.provenance.get("table_modified") == modified:
        # Same version on the server: the snapshot still has to satisfy today's expectations.
        cached = previous.metadata
        check_schema(
            table_id,
            info,
            cached.get("DataProperties", []),
            title=spec.title,
            dimensions=_needed_dimensions(spec, request),
            measures=request.measures,
        )
        problems = _structure_problems(table_id, spec, cached)
        if not problems:
            # The same warnings as when it was downloaded (a region code the table lacks), so every
            # run's fetch says them, not only the one that downloaded.
            outcome.warnings.extend(_code_warnings(table_id, spec, request, cached.get("dimensions") or {}))
            outcome.status, outcome.snapshot = "unchanged", previous
            return
        # Cached before this check existed, or the catalogue needs more now: download and check again.
        outcome.warnings.append(
            f"Tabel {table_id}: opgeslagen snapshot {previous.snapshot_id} is onbruikbaar "
            f"({'; '.join(str(p) for p in problems)}); de tabel wordt opnieuw opgehaald."
        )

    props = client.data_properties(table_id, host)
    measure_keys = check_schema(
        table_id, info, props, title=spec.title, dimensions=_needed_dimensions(spec, request), measures=request.measures
    )
    dims = dimension_keys(props)
    code_lists = {dim: client.code_list(table_id, host, dim) for dim in dims}
    filters = build_filter(table_id, spec, request, code_lists, outcome.warnings)
    select = ["ID", *dims, *dict.fromkeys(measure_keys.values())] if request.select_measures else None
    rows = client.untyped_rows(table_id, host, filters=filters, select=select)
    url = endpoint.entity_url(host, table_id, "UntypedDataSet", filters=filters, select=select)
    if not rows:
        selected = ", ".join(dict.fromkeys((spec.region_dimension, *request.filters)))
        outcome.warnings.append(
            f"Tabel {table_id}: geen enkele rij voldoet aan de selectie op {selected} ({filters}); "
            "de tabel levert voor deze selectie geen gegevens."
        )

    # The table may have been republished while we read it: then rows and metadata may not match.
    after = client.table_infos(table_id, host)
    if after.get("Modified") != modified:
        raise FetchError(
            table_id,
            url,
            "changed",
            f"de tabel is tijdens het ophalen bijgewerkt ({modified} -> {after.get('Modified')}); probeer het opnieuw",
        )

    retrieved = (now or datetime.now(UTC)).astimezone(UTC)
    provenance = {
        "url": url,
        "filters": filters,
        "select": select,
        "request": wanted,
        "catalog": spec.catalog,
        "host": host,
        "base_url": endpoint.table_url(host, table_id),
        "retrieved_at": retrieved.isoformat(timespec="seconds"),
        "table_modified": modified,
        "table_title": info.get("Title"),
        "client": f"cbsodata {_cbsodata_version()}",
    }
    metadata = {"TableInfos": info, "DataProperties": props, "dimensions": code_lists}
    problems = _structure_problems(table_id, spec, metadata, rows)
    if problems:
        raise _rejected(cache_root, table_id, rows, metadata, provenance, problems, retrieved)
    snapshot_id = free_snapshot_id(cache_root, table_id, retrieved)
    outcome.snapshot = _write_snapshot_or_nothing(cache_root, table_id, rows, metadata, provenance, snapshot_id)
    outcome.status = "downloaded"


def _structure_problems(
    table_id: str, spec: TableSpec, metadata: Mapping[str, Any], rows: Sequence[Mapping[str, Any]] | None = None
) -> list:
    """What the table lacks that normalisation needs (``structure.StructuralProblem`` items)."""
    from .structure import check_structure  # reads the indicator catalogue: only when fetching

    return check_structure(table_id, metadata, spec=spec, rows=rows)


def _rejected(
    root: Path,
    table_id: str,
    rows,
    metadata,
    provenance,
    problems,
    retrieved: datetime,
) -> RejectedDownload:
    """Keep the download aside under ``<table>/rejected/`` and return the error that says so."""
    try:
        path = write_rejected(
            root,
            table_id,
            rows,
            metadata,
            provenance,
            [str(p) for p in problems],
            snapshot_id=new_snapshot_id(retrieved),
        )
    except OSError as exc:
        return RejectedDownload(table_id, problems, None, f"kon niet apart worden gezet ({exc})")
    return RejectedDownload(
        table_id, problems, path, f"apart gezet in {table_id}/{path.parent.name}/{path.name} in de cache"
    )


def _cbsodata_version() -> str:
    import cbsodata  # imported when fetching only (see odata.py)

    return cbsodata.__version__


def _write_snapshot_or_nothing(root: Path, table_id: str, rows, metadata, provenance, snapshot_id) -> Snapshot:
    """write_snapshot, and if it fails also remove the folders it created for it (cache root, table
    folder), so a failed write leaves the cache exactly as it was."""
    created = [p for p in (root / table_id, root, *root.parents) if not p.exists()]
    try:
        return write_snapshot(root, table_id, rows, metadata, provenance, snapshot_id=snapshot_id)
    except BaseException:
        for folder in created:  # innermost first
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def _needed_dimensions(spec: TableSpec, request: FetchRequest) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*spec.dimensions, spec.region_dimension, *request.filters)))


def build_filter(
    table_id: str,
    spec: TableSpec,
    request: FetchRequest,
    code_lists: Mapping[str, Sequence[Mapping[str, Any]]],
    warnings: list[str] | None = None,
) -> str:
    """The ``$filter`` for a request, with keys padded exactly as in the table's code lists.

    Gemeenten tables: ``RegioS eq 'GM1701  ' or ...``. Buurten tables: ``startswith(...)`` on the
    gemeente, wijk and buurt prefixes (a list of every buurt key would make the URL too long for big
    gemeenten). Codes that the table does not have are reported in ``warnings``; when none of the
    codes for a dimension exists that is a :class:`SchemaError`.
    """
    warnings = warnings if warnings is not None else []
    key = request.key()
    region_dim = spec.region_dimension
    groups: list[str] = []
    if spec.region_level == "buurten":
        gemeente = key["gemeente"]
        if not any(str(c.get("Key", "")).strip() == gemeente for c in code_lists.get(region_dim, [])):
            raise SchemaError(table_id, region_dim, f"gemeente {gemeente} staat niet in de codelijst")
        number = gemeente[2:]
        prefixes = (
            ("GM", "WK" + number, "BU" + number)
            if key.get("all_gemeente_rows")
            else ("GM" + number, "WK" + number, "BU" + number)
        )
        groups.append(" or ".join(f"startswith({region_dim},{_literal(p)})" for p in prefixes))
    else:
        listed = (
            [_eq_any(table_id, region_dim, key["regions"], code_lists, warnings, region=True)] if key["regions"] else []
        )
        every = [f"startswith({region_dim},{_literal('GM')})"] if key.get("all_gemeente_rows") else []
        groups.append(" or ".join(every + listed))
    for dim, codes in key["filters"].items():
        groups.append(_eq_any(table_id, dim, codes, code_lists, warnings, region=dim == region_dim))
    if len(groups) == 1:
        return groups[0]
    return " and ".join(f"({g})" for g in groups)


def _eq_any(
    table_id: str,
    dim: str,
    codes: Sequence[str],
    code_lists: Mapping[str, Sequence[Mapping[str, Any]]],
    warnings: list[str],
    region: bool = False,
) -> str:
    padded: dict[str, str] = {}
    for item in code_lists.get(dim, []):
        padded.setdefault(str(item.get("Key", "")).strip(), item["Key"])
    missing = [c for c in codes if c not in padded]
    found = [padded[c] for c in codes if c in padded]
    if not found:
        raise SchemaError(table_id, dim, f"geen van de codes {', '.join(codes)} staat in de codelijst")
    if missing:
        warnings.append(_missing_codes(table_id, dim, missing, region))
    return " or ".join(f"{dim} eq {_literal(k)}" for k in found)


def _code_warnings(
    table_id: str, spec: TableSpec, request: FetchRequest, code_lists: Mapping[str, Sequence[Mapping[str, Any]]]
) -> list[str]:
    """The warnings :func:`build_filter` gives for requested codes missing from ``code_lists``,
    without building a filter or raising (for a table that is unchanged since its snapshot)."""
    key = request.key()
    groups = [] if spec.region_level == "buurten" else [(spec.region_dimension, key["regions"])]
    warnings: list[str] = []
    for dim, codes in [*groups, *key["filters"].items()]:
        have = {str(item.get("Key", "")).strip() for item in code_lists.get(dim, [])}
        missing = [c for c in codes if c not in have]
        if missing:
            warnings.append(_missing_codes(table_id, dim, missing, dim == spec.region_dimension))
    return warnings


# region code prefix -> (one, several)
_REGION_KINDS = {
    "GM": ("die gemeente", "die gemeenten"),
    "PV": ("die provincie", "die provincies"),
    "NL": ("Nederland", "die regio's"),
    "WK": ("die wijk", "die wijken"),
    "BU": ("die buurt", "die buurten"),
}


def _missing_codes(table_id: str, dim: str, codes: Sequence[str], region: bool) -> str:
    """The warning for requested codes that the table's code list lacks: one Dutch sentence per
    table and dimension, naming the codes."""
    one = len(codes) == 1
    listed = ", ".join(codes)
    if region:
        kinds = {_REGION_KINDS.get(c[:2].upper(), ("die regio", "die regio's")) for c in codes}
        who = kinds.pop()[0 if one else 1] if len(kinds) == 1 else "die regio's"
        return (
            f"Tabel {table_id}: {'regiocode' if one else 'regiocodes'} {listed} "
            f"{'staat' if one else 'staan'} niet in de tabel (dimensie {dim}); "
            f"{who} {'heeft' if one else 'hebben'} geen gegevens uit deze tabel."
        )
    return (
        f"Tabel {table_id}: {'code' if one else 'codes'} {listed} {'staat' if one else 'staan'} niet "
        f"in de dimensie {dim} van de tabel; voor {'die code' if one else 'die codes'} zijn er geen "
        f"gegevens uit deze tabel."
    )


def _damage(exc: SnapshotError) -> str:
    """What is wrong with a damaged snapshot, in Dutch, naming the file (the error text is technical)."""
    text = str(exc)
    name = next((n for n in (DATA_FILE, METADATA_FILE, PROVENANCE_FILE) if n in text), None)
    where = f"bestand {name}" if name else "een bestand"
    if "sha256" in text:
        return f"{where} klopt niet met de controlesom in provenance.json"
    if "not valid JSON" in text or "cannot be read" in text:
        return f"{where} is onleesbaar"
    if "missing" in text:
        return f"{where} ontbreekt"
    return f"{where} is onbruikbaar"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
