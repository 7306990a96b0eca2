"""The data step of a run: snapshots by data policy, partner inputs, region checks, the store.

The store is cached (``cache_dir``, the runner uses ``<uitvoer>/.cache/stores``), keyed by what it is
made of: every candidate snapshot of every table (id and sha256), every file in the gemeente's
partner-input folder and, when used, its example folder (sha256), the gemeente, the code that builds
it (normalise, sources, inputs, indicators.yaml, ...: see ``cache.STORE_CODE``) and the
versions of pandas and pyarrow. An unchanged re-run links the cached store into the run instead of
reading the partner files and normalising the snapshots again; only ``status.json`` (the data status
of this run: the same snapshot may be fresh today and an earlier copy tomorrow) is written anew.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from ..config import ConfigError, RunConfig, resolve
from .cache import cached_store, keep_store
from .prepare import (
    Prepared,
    build_store,
    choose_and_normalise,
    known_region_codes,
    last_year,
    period_text,
    snapshot_labels,
    years_with_data,
)

INPUTS_DIR = "inputs"  # inside a store (= chapters.page.INPUTS_DIR; not imported from there to keep pandas out)
STORE_CACHE_VERSION = 3  # 2: meta.json records the choice per table and the data status; 3: boundaries


@dataclass
class RunData:
    prepared: Prepared
    gemeente_naam: str
    source_labels: dict[str, str]
    input_labels: list[str] = field(default_factory=list)
    from_cache: bool = False  # the store came from the store cache (nothing was normalised)


@dataclass(frozen=True)
class DataOptions:
    """What the data step needs of a run's options (the runner's RunOptions has the same fields)."""

    policy: str | None = None  # fresh | require-fresh | cache | demo; None: the config's data.beleid
    fetch: bool = False  # --fetch: the policy "fresh"
    endpoint: object = None  # an OdataEndpoint instead of the real hosts (tests, mirrors)


GEBIEDEN = "85755NED"  # CBS Gebieden in Nederland: the provincie of every gemeente


def fetch_requests(config: RunConfig, peers: tuple[str, ...] = (), provincie: dict | None = None) -> list:
    """What to download for a run: gemeente rows for the comparison set (with ``peers`` and
    ``provincie``, a derived peer group and provincie), the gemeente's own buurten, and the national
    facts: the Kerncijfers row of every gemeente (the pool the peer group is derived from) and, when
    the config names no provincie, CBS Gebieden in Nederland (the provincie of every gemeente)."""
    from ..sources.fetch import FetchRequest
    from ..sources.tables import TABLES

    regions = config.all_gemeenten() + [g.code for g in config.gemeenten] + [config.vergelijking.nederland]
    if config.vergelijking.provincie is not None:
        regions.append(config.vergelijking.provincie.code)
    derived = list(peers) + ([provincie["code"], *provincie["gemeenten"]] if provincie is not None else [])
    derived = tuple(r for r in dict.fromkeys(derived) if r not in regions)
    regions += derived
    requests = []
    for table_id, spec in TABLES.items():
        if spec.region_level == "buurten":
            requests.append(FetchRequest(table_id, gemeente=config.gemeente, all_gemeente_rows=spec.national))
        elif spec.national:
            if table_id == GEBIEDEN and config.vergelijking.provincie is None:
                requests.append(FetchRequest(table_id, all_gemeente_rows=True))
        else:
            requests.append(FetchRequest(table_id, regions=tuple(dict.fromkeys(regions)), derived_regions=derived))
    return requests


def derives_peers(config: RunConfig) -> bool:
    """Is the peer group chosen by the rule at run time (``peers.derive``)?"""
    peers = config.vergelijking.peers
    return peers is not None and peers.afleiden


def derives_comparison(config: RunConfig) -> bool:
    """Is part of the comparison set derived at run time (a peer group by the rule, a provincie from
    CBS Gebieden in Nederland), so that its gemeenten are known only after the national facts?"""
    return derives_peers(config) or config.vergelijking.provincie is None


def national_requests(config: RunConfig) -> list:
    """With a derived comparison set: what to resolve first (the national facts)."""
    return [r for r in fetch_requests(config) if is_national_table(r.table_id)]


def requests_after_national(config: RunConfig, snapshots) -> list:
    """The other tables' requests once the national facts (``snapshots``: table id -> snapshot) are
    in: for the gemeenten of the derived peer group and provincie."""
    derived = derived_peers(config, snapshots.values()) if derives_peers(config) else ()
    return [
        r
        for r in fetch_requests(config, derived, derived_provincie(config, snapshots))
        if not is_national_table(r.table_id)
    ]


def is_national_table(table_id: str) -> bool:
    """The tables with the national facts (``TableSpec.national``): resolved first."""
    from ..sources.tables import TABLES

    return TABLES[table_id].national


def derived_provincie(config: RunConfig, snapshots) -> dict | None:
    """The provincie group of the config's gemeente from CBS Gebieden in Nederland (``snapshots``:
    table id -> snapshot), with its source; None when the config names one or the data cannot say."""
    from ..sources.odata import SchemaError
    from ..sources.regions import provincie_group, provincies_from_gebieden
    from ..sources.snapshots import SnapshotError
    from ..sources.tables import TABLES

    snapshot = snapshots.get(GEBIEDEN)
    if config.vergelijking.provincie is not None or snapshot is None:
        return None
    try:
        group = provincie_group(provincies_from_gebieden(snapshot), config.gemeente)
    except (SchemaError, SnapshotError):
        return None  # the data account names the table; the report compares without a provincie
    if group is not None:
        group["bron"] = f"CBS {GEBIEDEN} ({TABLES[GEBIEDEN].title})"
    return group


def derived_peers(config: RunConfig, snapshots) -> tuple[str, ...]:
    """The peer group the rule gives for the config's gemeente on the national facts in
    ``snapshots`` (of the peer facts tables); empty when the data do not allow it (the report then
    says so, see ``peers.resolve``). A snapshot that cannot be read is passed over here; the data
    step reports it when it builds the store."""
    import pandas as pd

    from .peers import derive, facts_from_observations
    from .prepare import normalised

    frames = []
    for snapshot in snapshots:
        try:
            frames.append(normalised(snapshot)[0])
        except Exception:  # noqa: BLE001 - the store step names what is wrong with it
            continue
    if not frames:
        return ()
    choice = derive(config.gemeente, facts_from_observations(pd.concat(frames, ignore_index=True)))
    return choice.gemeenten if choice is not None else ()


ODATA_URL_ENV = "VA_ODATA_URL"


def default_endpoint(url: str | None = None):
    """Where a run or a fetch reads the open data: ``url`` (``--odata-url``), else the environment
    variable ``VA_ODATA_URL``, else the real CBS/politie hosts.

    With a URL, every host is asked under it as ``URL/<host>/ODataFeed/odata/<table>/...``
    (:meth:`OdataEndpoint.at`: mirrors, proxies, tests). Few retries either way, so a failing server
    falls back within seconds.
    """
    from ..sources.odata import OdataEndpoint

    url = (url or os.environ.get(ODATA_URL_ENV, "")).strip()
    options = dict(retries=2, backoff=1.0, timeout=(10, 120))
    return OdataEndpoint.at(url, **options) if url else OdataEndpoint(**options)


@dataclass
class Network:
    """What a run has learnt about the network: once offline, the run's other gemeenten ask no more."""

    offline: object | None = None  # the FetchError that showed the network down
    pdok_failed: object | None = None  # the BoundaryFetchError of PDOK itself: not tried again in this run


def resolve_tables(config: RunConfig, root: Path, policy: str, endpoint=None, network: Network | None = None):
    """Every table of the run resolved on its own by the data policy (see ``sources.policy``).

    Raises :class:`~veiligheidsanalyse.sources.policy.DataUnavailable` (exit 3) naming every table that has
    no usable data and why.
    """
    from ..sources.policy import combine

    network = network or Network()
    if not derives_comparison(config):
        return _resolve(config, root, policy, fetch_requests(config), endpoint, network)
    first = _resolve(config, root, policy, national_requests(config), endpoint, network)
    return combine(
        first,
        _resolve(config, root, policy, requests_after_national(config, trusted_snapshots(first)), endpoint, network),
    )


def trusted_snapshots(resolution) -> dict:
    """The snapshots a comparison group may be derived from: real ones (fetched or cached), or demo ones
    in a demo run. A demo copy in a real run knows only some gemeenten of each provincie: a group
    derived from it would be wrong without saying so."""
    return {
        t: r.snapshot
        for t, r in resolution.tables.items()
        if r.snapshot is not None and (r.origin in ("fresh", "cached") or resolution.policy == "demo")
    }


def boundary_request(config: RunConfig, resolution):
    """Which boundaries the run draws: the wijken and buurten of its gemeente, and the outlines of the
    gemeenten around it (its basisteam and provincie, named or derived) for a location map, in the year
    of the buurtindeling its wijk- and buurt tables state (``sources.boundaries.boundary_year_of``)."""
    return boundary_request_from(config, trusted_snapshots(resolution))


def boundary_request_from(config: RunConfig, snapshots: dict):
    """:func:`boundary_request` with the national facts and the wijk- and buurt tables as ``snapshots``
    (table id -> snapshot)."""
    from ..sources.boundaries import BoundaryRequest, boundary_year_of

    verg = config.vergelijking
    around = [config.gemeente] + list(verg.regio.gemeenten if verg.regio else ())
    if verg.provincie is not None:
        around += verg.provincie.gemeenten
    else:
        provincie = derived_provincie(config, snapshots)
        around += provincie["gemeenten"] if provincie is not None else []
    return BoundaryRequest(boundary_year_of(snapshots).jaar, (config.gemeente,), tuple(dict.fromkeys(around)))


def resolve_run_boundaries(config: RunConfig, root: Path, policy: str, request, network: Network | None = None):
    """The wijk- en buurtkaart by the data policy, like an optional table (``sources.boundaries``):
    a run never fails for want of maps. Once the run knows the network is down, or PDOK failed for an
    earlier gemeente of the run, it does not try.
    Under ``fresh`` a cached copy of the same request younger than ``data.max_leeftijd_dagen`` is used
    without downloading ("eerder opgehaald", with its date)."""
    from ..sources.boundaries import resolve_boundaries

    offline = (network.offline or network.pdok_failed) if network is not None else None
    failures: list = []
    resolved = resolve_boundaries(
        policy,
        request,
        resolve(root, config.data.cache),
        resolve(root, config.data.demo),
        max_age_days=config.data.max_leeftijd_dagen,
        offline=offline,
        reuse_recent=True,
        failures=failures,
    )
    if network is not None and failures and network.pdok_failed is None:
        network.pdok_failed = failures[0]
    return resolved


def _store_boundaries(work_dir: Path, boundaries, request) -> dict:
    """The boundaries into the store; a snapshot that cannot be read is passed over, never fatal."""
    from ..sources.boundaries import write_store_boundaries

    return write_store_boundaries(work_dir, boundaries, request)


def boundary_status(resolved, recorded: dict | None, snapshots: dict | None = None):
    """(SourceStatus, manifest entry or None) of the wijk- en buurtkaart: this run's origin and
    reason, or what the store fell back to when the resolved snapshot could not be read. With the
    run's ``snapshots`` (as :func:`boundary_request` had them), its name says which buurtindeling the
    run asked for and which tables state it."""
    from ..sources.boundaries import attribution, boundary_year_of, snapshot_year
    from ..sources.policy import KIND_OF_ORIGIN
    from .status import SourceStatus

    origin, snap, reason, stale = resolved.origin, resolved.snapshot, resolved.reason, resolved.stale
    if recorded is not None and recorded.get("snapshot") != (str(snap.path) if snap is not None else None):
        snap = next(
            (a.snapshot for a in resolved.alternatives if str(a.snapshot.path) == recorded.get("snapshot")), None
        )
        origin = recorded["origin"] if snap is not None else "missing"
        reason = "; ".join(filter(None, [reason, recorded.get("rejected")])) or None
        stale = origin == "cached"
    kind = KIND_OF_ORIGIN[origin]
    prov = snap.provenance if snap is not None else {}
    year = snapshot_year(snap) if snap is not None else None
    naam = f"{attribution(year)}, wijk- en buurtkaart"
    if snapshots is not None:
        indeling = boundary_year_of(snapshots)
        other = f"; deze kaart is die van {year}" if year and year != indeling.jaar else ""
        naam += f" ({indeling.text()}{other})"
    status = SourceStatus(
        id=resolved.table_id,
        naam=naam,
        soort=kind,
        datum=None if kind == "demo" else prov.get("retrieved_at"),
        reden=reason,
        detail="; ".join(filter(None, [resolved.message, (recorded or {}).get("rejected")])) or None,
        snapshot=f"{resolved.table_id}/{snap.snapshot_id}" if snap is not None else None,
        verouderd=bool(stale),
    )
    if snap is None:
        return status, None
    entry = dict(
        {
            k: prov.get(k)
            for k in ("snapshot_id", "retrieved_at", "demo", "row_count", "sha256", "url", "jaar", "attributie")
        },
        origin=origin,
        status=kind,
        reason=reason,
        message=resolved.message,
    )
    return status, entry


def _resolve(config: RunConfig, root: Path, policy: str, requests: list, endpoint, network: Network):
    from ..sources.policy import resolve_sources

    cache_root = resolve(root, config.data.cache)
    demo_root = resolve(root, config.data.demo)
    resolution = resolve_sources(
        policy,
        requests,
        cache_root,
        demo_root,
        endpoint=endpoint or default_endpoint(),
        max_age_days=config.data.max_leeftijd_dagen,
        offline=network.offline,
    )
    if resolution.fetch_report is not None:
        network.offline = network.offline or resolution.fetch_report.offline
    return resolution


def check_regions(config: RunConfig, known: set[str]) -> None:
    """Every gemeente in the config must exist in the data's region list (errors name the key)."""
    if not known:
        return
    listed = [g.code for g in config.gemeenten]
    for i, code in enumerate(listed):
        if code not in known:
            raise ConfigError(
                config.source,
                f"gemeenten[{i}]",
                f"onbekende gemeentecode {code}: niet in de regiolijst van de gegevens",
                config.line(f"gemeenten[{i}]"),
            )
    if config.gemeente not in known:
        raise ConfigError(
            config.source,
            "gemeente",
            f"onbekende gemeentecode {config.gemeente}: niet in de regiolijst van de gegevens",
            config.line("gemeente"),
        )
    for key, group in (
        ("regio", config.vergelijking.regio),
        ("provincie", config.vergelijking.provincie),
        ("peers", config.vergelijking.peers),
    ):
        if group is None:
            continue
        for i, code in enumerate(group.gemeenten):
            if code not in known:
                raise ConfigError(
                    config.source,
                    f"vergelijking.{key}.gemeenten[{i}]",
                    f"onbekende gemeentecode {code}: niet in de regiolijst van de gegevens",
                    config.line(f"vergelijking.{key}.gemeenten[{i}]"),
                )


def prepare_run_data(
    config: RunConfig,
    root: Path,
    options,
    work_dir: Path,
    cache_dir: Path | None = None,
    network: Network | None = None,
) -> RunData:
    # Long: the data step in its order (resolve, check regions, cache key, cache or build, keep) in one place.
    policy = options.policy or ("fresh" if options.fetch else config.data.beleid)
    network = network or Network()  # shared with the boundaries: once offline, they are not tried
    resolution = resolve_tables(config, root, policy, options.endpoint, network)
    snapshots = resolution.snapshots
    known = known_region_codes(snapshots)
    check_regions(config, known)
    naam = gemeente_naam(config, snapshots)
    examples = use_examples(config, resolution)
    request = boundary_request(config, resolution)
    boundaries = resolve_run_boundaries(config, root, policy, request, network)
    cache_key = store_cache_key(config, root, naam, resolution, examples, boundaries) if cache_dir is not None else None
    if cache_key is not None:
        cached = _from_cache(cache_dir / cache_key, work_dir, config, resolution, known, naam, boundaries)
        if cached is not None:
            return cached

    observations, chosen, notes = choose_and_normalise(resolution)
    unusable = {t: c.rejected for t, c in chosen.items() if c.origin == "missing" and resolution.tables[t].required}
    if unusable:
        details = "; ".join(f"{t}: {why}" for t, why in unusable.items())
        from ..sources.policy import DataUnavailable

        raise DataUnavailable(f"gegevens niet bruikbaar onder gegevensbeleid '{policy}': {details}", unusable)
    inputs = read_partner_inputs(config, root, naam, snapshots, examples)
    partner = _partner_files(inputs, root, examples, config, naam)
    if inputs is not None and len(inputs.observations):
        import pandas as pd

        from .. import observations as obs

        observations = obs.conform(pd.concat([observations, obs.conform(inputs.observations)], ignore_index=True))
    record = {
        "choices": {t: _choice_json(c) for t, c in chosen.items()},
        "periods": years_with_data(observations),
        "notes": notes
        + [
            f"Partnerbestand {problem}"
            for problem in (inputs.problems if inputs is not None else [])
            if problem.severity == "warning"
        ],
        "partner": partner,
        "inputs_missing": list(inputs.missing) if inputs is not None else [],
    }
    provincie = derived_provincie(config, trusted_snapshots(resolution))
    if provincie is not None and _comparable(provincie["naam"]) == _comparable(naam):
        provincie["naam"] = f"provincie {provincie['naam']}"  # Groningen, Utrecht: never two lines with one name
    if provincie is None and config.vergelijking.provincie is None:
        record["notes"].append(
            "De configuratie noemt geen provincie en CBS Gebieden in Nederland (85755NED) kon er "
            "geen geven (niet opgehaald, alleen demodata, of de gemeente staat er niet in): de "
            "vergelijking met de provincie ontbreekt."
        )
    work_dir.mkdir(parents=True, exist_ok=True)
    record["grenzen"] = _store_boundaries(work_dir, boundaries, request)
    status = data_status(config, resolution, record, boundaries)
    build_store(work_dir, observations, status, provincie)
    if inputs is not None:
        write_partner_inputs(work_dir / INPUTS_DIR, inputs)
    prepared = Prepared(
        store_dir=work_dir,
        status=status,
        snapshots=_chosen_snapshots(resolution, record),
        region_codes=known,
        input_files=dict(status.inputs),
        stories=dict(inputs.stories) if inputs else {},
    )
    if cache_key is not None:
        keep_store(cache_dir, cache_key, work_dir, record)
    return RunData(prepared=prepared, gemeente_naam=naam, source_labels=source_labels(prepared.snapshots, status))


def use_examples(config: RunConfig, resolution) -> bool:
    """Example partner files only when the config asks for them or the open data are all demo."""
    return config.invoer_voorbeeld is not None and (config.invoer_voorbeeld_gebruiken or resolution.demo)


def data_status(config: RunConfig, resolution, record: dict, boundaries=None):
    """The status of every source of the run, from the resolution and what the store was made of
    (``boundaries``: the resolved wijk- en buurtkaart, see :func:`resolve_run_boundaries`)."""
    # Long: few statements, each a long call or literal that the formatter spreads over one argument per line.
    from ..sources.policy import KIND_OF_ORIGIN
    from ..sources.tables import TABLES
    from .status import DataStatus, SourceStatus

    sources = {}
    snapshots = {}
    wanted = (config.jaar_van, config.jaar_tot)
    for table_id, r in resolution.tables.items():
        choice = _final_choice(r, record)
        spec = TABLES[table_id]
        snap = _snapshot_at(resolution, table_id, choice)
        prov = snap.provenance if snap is not None else {}
        title = (snap.metadata.get("TableInfos", {}).get("Title") if snap is not None else None) or spec.title
        years = record["periods"].get(table_id)
        kind = KIND_OF_ORIGIN[choice["origin"]]
        sources[table_id] = SourceStatus(
            id=table_id,
            naam=f"{spec.publisher} {table_id} ({title})",
            soort=kind,
            datum=None if kind == "demo" else prov.get("retrieved_at"),
            periode=period_text(years, wanted, editions=spec.periods == "edition" and spec.kwb_year is None),
            reden=choice.get("reason"),
            detail=choice.get("detail"),
            snapshot=f"{table_id}/{snap.snapshot_id}" if snap is not None else None,
            verouderd=bool(choice.get("stale")),
            laatste_jaar=last_year(years),
        )
        if snap is not None:
            snapshots[table_id] = dict(
                {
                    k: prov.get(k)
                    for k in ("snapshot_id", "retrieved_at", "table_modified", "demo", "row_count", "sha256", "url")
                },
                origin=choice["origin"],
                status=kind,
                reason=choice.get("reason"),
                message=choice.get("detail"),
            )
    for source_id, info in record["partner"].items():
        years = record["periods"].get(source_id)
        last = last_year(years)
        editions = source_id == "partner:veiligheidsmonitor"  # a survey held every other year
        sources[source_id] = SourceStatus(
            id=source_id,
            naam=info["naam"],
            soort=info["soort"],
            datum=info.get("datum") if info["soort"] == "partner" else None,  # an example file has no delivery
            periode=period_text(years, editions=editions),
            # A delivery usually lags a year (a survey two): older than that is out of date.
            verouderd=last is not None and last < config.jaar_tot - (2 if editions else 1),
            laatste_jaar=last,
            reden="voorbeeldbestand, geen levering van de partner" if info["soort"] == "voorbeeld" else None,
        )
    for kind in record["inputs_missing"]:
        if kind != "verhaal" and f"partner:{kind}" not in sources:
            sources[f"partner:{kind}"] = SourceStatus(
                id=f"partner:{kind}", naam=f"Partnerbestand {kind}", soort="ontbreekt", reden="niet aangeleverd"
            )
    if boundaries is not None:
        sources[boundaries.table_id], entry = boundary_status(
            boundaries, record.get("grenzen"), trusted_snapshots(resolution)
        )
        if entry is not None:
            snapshots[boundaries.table_id] = entry
    report = resolution.fetch_report  # what this run's download noticed (e.g. a region code the table lacks)
    warnings = [w for outcome in report.outcomes.values() for w in outcome.warnings] if report is not None else []
    return DataStatus(
        sources=sources,
        notes=tuple(dict.fromkeys(record["notes"] + warnings)),
        snapshots=snapshots,
        inputs_missing=tuple(record["inputs_missing"]),
        inputs={info["pad"]: info["sha256"] for info in record["partner"].values()},
    )


def source_labels(snapshots, status) -> dict[str, str]:
    """Source id -> the line in a page's footer: the table or partner file, its dates and status."""
    from ..dates import date_nl
    from .status import KIND_WORDS, MAP_SOURCES

    labels = snapshot_labels(snapshots, {t: s.soort for t, s in status.tables.items()})
    for table_id, s in status.tables.items():  # which years of the table the report uses
        if table_id in labels and s.periode:
            labels[table_id] += _period_words(s.periode)
    for source_id, s in status.sources.items():
        if source_id.startswith("partner:"):
            period = _period_words(s.periode) if s.periode else ""
            when = f"; bestand van {date_nl(s.datum)}" if s.datum else ""
            mark = " (VOORBEELD)" if s.soort == "voorbeeld" else ""
            labels[source_id] = f"{s.naam}{period}{when}{mark}"
        elif source_id in MAP_SOURCES:
            labels[source_id] = _boundary_label(s)
        elif source_id not in labels:
            labels[source_id] = f"{s.naam}: {KIND_WORDS[s.soort]}"
    return labels


def _boundary_label(s) -> str:
    """The footer line of the map boundaries: like a table's, with its retrieval date or DEMODATA."""
    from ..dates import date_nl
    from .status import KIND_WORDS

    if s.soort == "demo":
        return f"{s.naam}; DEMODATA: vereenvoudigde grenzen voor de demonstratie"
    if s.soort in ("actueel", "opgeslagen") and s.datum:
        return f"{s.naam}; opgehaald {date_nl(s.datum)}" + (
            f" ({KIND_WORDS['opgeslagen']})" if s.soort == "opgeslagen" else ""
        )
    return f"{s.naam}: {KIND_WORDS[s.soort]}"


def _period_words(periode: str) -> str:
    """'; jaren 2015-2024' or '; edities 2021, 2023' for a source line."""
    return f"; {periode}" if periode.startswith("editie") else f"; jaren {periode}"


def _choice_json(choice) -> dict:
    """What the store records of a table: the snapshot it used and the ones it passed over."""
    return {
        "origin": choice.origin,
        "snapshot": str(choice.snapshot.path) if choice.snapshot is not None else None,
        "rejected": choice.rejected,
    }


def _final_choice(r, record: dict) -> dict:
    """The table as this run sees it: origin, snapshot, Dutch reason, stale, technical detail.

    The reason is this run's (the same snapshot may be fresh now and cached later), with what the
    store passed over added when the resolved snapshot could not be normalised.
    """
    resolved = {
        "origin": r.origin,
        "snapshot": str(r.snapshot.path) if r.snapshot is not None else None,
        "reason": r.reason,
        "stale": r.stale,
        "detail": r.message,
    }
    recorded = record["choices"].get(r.table_id)
    if recorded is None or not recorded.get("rejected"):
        return resolved
    return {
        "origin": recorded["origin"],
        "snapshot": recorded["snapshot"],
        "reason": "; ".join(filter(None, [r.reason, recorded["rejected"]])),
        "stale": recorded["origin"] == "cached",
        "detail": "; ".join(filter(None, [r.message, recorded["rejected"]])),
    }


def _snapshot_at(resolution, table_id: str, choice: dict):
    """The snapshot object of a recorded choice (the resolved one or one of its alternatives)."""
    r = resolution.tables[table_id]
    for snap in [r.snapshot] + [a.snapshot for a in r.alternatives]:
        if snap is not None and str(snap.path) == choice.get("snapshot"):
            return snap
    return None


def _chosen_snapshots(resolution, record: dict) -> dict:
    out = {}
    for table_id in resolution.tables:
        choice = _final_choice(resolution.tables[table_id], record)
        snap = _snapshot_at(resolution, table_id, choice)
        if snap is not None:
            out[table_id] = snap
    return out


def _partner_files(inputs, root: Path, examples: bool, config: RunConfig, naam: str) -> dict[str, dict]:
    """partner:<kind> -> name, status (partner or voorbeeld), file date and sha256 of each partner file read."""
    if inputs is None:
        return {}
    from datetime import datetime

    example_folder = examples_folder(config, root, naam) if examples else None
    out = {}
    for path, digest in inputs.files.items():
        path = Path(path)
        is_example = example_folder is not None and _inside(path, example_folder)
        try:
            when = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
        except OSError:
            when = None
        out[f"partner:{_kind_of(path, config)}"] = {
            "naam": f"{'Voorbeeldbestand' if is_example else 'Partnerbestand'} {path.name}",
            "soort": "voorbeeld" if is_example else "partner",
            "datum": when,
            "sha256": digest,
            "pad": _relative(path, root),
        }
    return out


def _kind_of(path: Path, config: RunConfig) -> str:
    """The input kind of a partner file: named in invoer.bestanden, else called after its kind."""
    named = {Path(name).name: kind for kind, name in config.invoer_bestanden.items()}
    return named.get(path.name, path.stem)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


# ------------------------------------------------------------------------------------ store cache


def store_cache_key(config: RunConfig, root: Path, naam: str, resolution, examples: bool, boundaries=None) -> str:
    """What a store is made of (see the module docstring), the boundaries snapshots included."""
    from ..hashing import dependency_versions, digest_json
    from .cache import input_fingerprints, store_code_hash

    folders = [
        inputs_folder(config, root, naam) if config.invoer_map is not None else None,
        examples_folder(config, root, naam) if examples else None,
    ]
    files = {}
    for folder in folders:
        if folder is not None and folder.is_dir():
            files[str(folder)] = input_fingerprints(folder)
    versions = dependency_versions()
    candidates = {
        t: [
            [s.snapshot_id, s.provenance.get("sha256"), str(s.path)]
            for s in [r.snapshot] + [a.snapshot for a in r.alternatives]
            if s is not None
        ]
        for t, r in sorted(resolution.tables.items())
    }
    if boundaries is not None:
        candidates[boundaries.table_id] = [
            [s.snapshot_id, s.provenance.get("sha256"), str(s.path)]
            for s in [boundaries.snapshot] + [a.snapshot for a in boundaries.alternatives]
            if s is not None
        ]
    return digest_json(
        {
            "v": STORE_CACHE_VERSION,
            "snapshots": candidates,
            "inputs": {"files": files, "bestanden": config.invoer_bestanden, "tabbladen": config.invoer_tabbladen},
            "gemeente": config.gemeente,
            "naam": naam,
            "periode": [config.jaar_van, config.jaar_tot],
            "code": store_code_hash(),
            "dependencies": {k: versions.get(k) for k in ("pandas", "pyarrow", "numpy", "openpyxl", "python")},
        }
    )


def _from_cache(
    entry: Path, work_dir: Path, config: RunConfig, resolution, known: set[str], naam: str, boundaries=None
) -> RunData | None:
    record = cached_store(entry, work_dir)
    if record is None:
        return None
    # The same snapshots may have another status this time (fresh then, cached now): status anew.
    status = data_status(config, resolution, record, boundaries)
    (work_dir / "status.json").write_text(json.dumps(status.to_json(), indent=1, ensure_ascii=False), encoding="utf-8")
    stories_dir = work_dir / INPUTS_DIR / "stories"
    stories = (
        {p.stem: p.read_text(encoding="utf-8") for p in sorted(stories_dir.glob("*.md"))}
        if stories_dir.is_dir()
        else {}
    )
    prepared = Prepared(
        store_dir=work_dir,
        status=status,
        snapshots=_chosen_snapshots(resolution, record),
        region_codes=known,
        input_files=dict(status.inputs),
        stories=stories,
    )
    return RunData(
        prepared=prepared, gemeente_naam=naam, source_labels=source_labels(prepared.snapshots, status), from_cache=True
    )


def read_partner_inputs(config: RunConfig, root: Path, naam: str, snapshots, examples: bool = False):
    """Validate and read the partner files; every problem at once, before any kernel starts.

    With ``examples``, each kind that the partner folder lacks is read from the example folder
    (never the stories: an example text is not shown to readers).
    """
    folder = inputs_folder(config, root, naam) if config.invoer_map is not None else None
    example_folder = examples_folder(config, root, naam) if examples else None
    if folder is None and example_folder is None:
        return None
    from ..sources.inputs import InputsConfig, load_inputs
    from ..sources.inputs.templates import KINDS

    files = dict(config.invoer_bestanden)
    if example_folder is not None and example_folder.is_dir():
        for kind in KINDS:
            if kind == "verhaal" or kind in files or (folder is not None and _has_kind(folder, kind)):
                continue
            found = [p for p in (example_folder / f"{kind}.csv", example_folder / f"{kind}.xlsx") if p.is_file()]
            if found:
                files[kind] = str(found[0].resolve())
    if example_folder is not None and (folder is None or not folder.exists()):
        folder = example_folder
        files.setdefault("verhaal", "__geen_verhalen__")  # only the partner folder's stories are shown
    inputs_config = InputsConfig(folder, files=files, sheets=config.invoer_tabbladen)
    return load_inputs(inputs_config, config.gemeente, naam, **_known_gemeenten_kwarg(snapshots))


def _has_kind(folder: Path, kind: str) -> bool:
    return (folder / f"{kind}.csv").exists() or (folder / f"{kind}.xlsx").exists()


def examples_folder(config: RunConfig, root: Path, naam: str) -> Path | None:
    """The example partner files for this gemeente (``invoer.voorbeeld``, with ``{naam}``/``{gemeente}``)."""
    if config.invoer_voorbeeld is None:
        return None
    folder = _placeholder_folder(str(config.invoer_voorbeeld), config, root, naam)
    return folder if folder.is_dir() else None


def _placeholder_folder(template: str, config: RunConfig, root: Path, naam: str) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", naam.lower()).strip("-")
    return resolve(root, Path(template.replace("{naam}", slug).replace("{gemeente}", config.gemeente)))


def inputs_folder(config: RunConfig, root: Path, naam: str) -> Path | None:
    """The partner-input folder; ``{naam}``/``{gemeente}`` in the config name one folder per gemeente.

    With a placeholder, a gemeente without a folder simply has no partner inputs (its chapters say
    what is missing); a literal folder that does not exist is left to the inputs check (an error).
    """
    template = str(config.invoer_map)
    folder = _placeholder_folder(template, config, root, naam)
    if template != str(folder) and ("{naam}" in template or "{gemeente}" in template) and not folder.exists():
        return None
    return folder


def _known_gemeenten_kwarg(snapshots) -> dict:
    """Gemeente names from the data's own region lists, for the partner files' wrong-gemeente check."""
    try:
        from ..sources.inputs import known_gemeenten_from_snapshots
    except ImportError:
        return {}
    return {"known_gemeenten": known_gemeenten_from_snapshots(snapshots.values())}


def write_partner_inputs(folder: Path, inputs) -> None:
    """Partner detail tables, the buurt->kern mapping and the stories, next to the store."""
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    (folder / "stories").mkdir(parents=True, exist_ok=True)
    for name, table in inputs.tables.items():
        table.to_parquet(folder / "tables" / f"{name}.parquet", index=False)
    if inputs.kern_mapping is not None:
        inputs.kern_mapping.to_parquet(folder / "tables" / "kernen.parquet", index=False)
    for chapter, text in inputs.stories.items():
        (folder / "stories" / f"{chapter}.md").write_text(text, encoding="utf-8")


def _relative(path, root: Path) -> str:
    path = Path(path)
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return path.name


def gemeente_naam(config: RunConfig, snapshots) -> str:
    """The gemeente's name: the data's name for its code. A configured ``naam`` must be that name
    (a name that belongs to another gemeente, or a typo, would publish one gemeente's figures under
    another's name and folder): otherwise a ConfigError naming both."""
    from ..sources.regions import gemeente_name

    known = _region_name(snapshots, config.gemeente)
    if known is None:
        return config.naam or config.gemeente
    known = gemeente_name(known)
    if config.naam is not None and _comparable(config.naam) != _comparable(known):
        raise ConfigError(
            config.source,
            "naam",
            f"'{config.naam}' is niet de naam van {config.gemeente}: volgens de gegevens heet die gemeente '{known}'",
            config.line("naam"),
        )
    return config.naam or known


def _comparable(name: str) -> str:
    """Names compared without case, extra spaces, soft hyphens or zero-width characters."""
    name = re.sub(r"[\u00ad\u200b\u200c\u200d\ufeff]", "", str(name))
    return " ".join(name.split()).casefold()


def _region_name(snapshots, code: str) -> str | None:
    for table_id in ("47013NED", "03759ned"):
        snap = snapshots.get(table_id)
        if snap is None:
            continue
        for member in snap.metadata.get("dimensions", {}).get("RegioS", []):
            if str(member["Key"]).strip() == code:
                return str(member.get("Title", code)).strip()
    return None
