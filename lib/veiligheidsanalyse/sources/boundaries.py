"""Boundaries of gemeenten, wijken and buurten: the CBS/Kadaster wijk- en buurtkaart as a data source.

Fetched from PDOK's OGC API Features (``<base>/cbs/wijken-en-buurten-<jaar>/ogc/v1/collections/
{gemeenten,wijken,buurten}/items``, GeoJSON in RD New, paged through the ``next`` link) and kept as a
snapshot in the same cache and format as the OData tables (:mod:`.snapshots`): ``data.json.gz`` holds
the features (properties reduced to code, name, gemeente, level and year), ``metadata.json`` the
year and the number of areas per level, ``provenance.json`` the URL, the request, the retrieval time,
the year and the attribution "Kadaster / CBS <jaar>". A download that fails in any part, or whose
features cannot be read as boundaries, never becomes a snapshot: the last good one stays.

What a run asks for (:class:`BoundaryRequest`): the wijken and buurten of its gemeente and the
gemeente outlines around it (its provincie and basisteam, for a location map), in the year of the
buurtindeling its wijk- and buurt tables state in their metadata (:func:`boundary_year_of`). The data policy is
applied as for an optional table (:func:`resolve_boundaries`): a run never fails for want of maps.
A run under ``fresh`` uses a cached copy of its request younger than ``data.max_leeftijd_dagen``
without downloading ("eerder opgehaald"); a download the server sent unchanged keeps the newest
snapshot of the same request (the snapshots of other gemeenten are not compared with it).

The base URL is ``https://api.pdok.nl`` unless the environment variable ``VA_PDOK_URL`` names another
(a mirror, a test server), like ``VA_ODATA_URL`` for the tables.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

# Light to import (no .policy, .fetch or urllib.request at module level): ``status`` and ``data`` take
# SOURCE_ID and STORE_FILE from here, and .policy imports ``status``.
from .snapshots import (
    Snapshot,
    SnapshotError,
    free_snapshot_id,
    gzip_json,
    list_snapshots,
    retrieved_at,
    set_aside,
    snapshot_age_days,
    write_snapshot,
)
from .tables import TABLES

if TYPE_CHECKING:
    from .policy import ResolvedTable

SOURCE_ID = "wijkbuurtkaart"  # the folder in the cache and the source id in the data status
STORE_FILE = "grenzen.geojson"  # in a run's store: the boundaries the chapters draw
PDOK_URL_ENV = "VA_PDOK_URL"
PDOK_URL = "https://api.pdok.nl"
RD_NEW_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
NEWEST_BOUNDARY_YEAR = 2024  # the newest wijk- en buurtkaart PDOK serves: asked for when no table names its indeling
MAP_TABLE = "47018NED"  # the politie buurt table the maps draw: its buurtindeling wins when tables disagree
COLLECTIONS = {"gemeente": "gemeenten", "wijk": "wijken", "buurt": "buurten"}
PAGE_LIMIT = 1000
MAX_PAGES = 200  # a server that keeps sending 'next' links is broken, not large
KEPT_PROPERTIES = (
    "gemeentecode",
    "gemeentenaam",
    "wijkcode",
    "wijknaam",
    "buurtcode",
    "buurtnaam",
    "statcode",
    "statnaam",
    "niveau",
    "jaar",
)

HttpGet = Callable[[str, float], bytes]  # (url, timeout) -> body; raises BoundaryFetchError


class BoundaryFetchError(Exception):
    """Fetching the boundaries failed; ``reden`` is the Dutch reason for readers."""

    def __init__(self, message: str, reden: str, unreachable: bool = False):
        super().__init__(message)
        self.reden = reden
        # the server itself failed (HTTP error, time-out, not reachable), not one gemeente's answer:
        # a command that fetches several gemeenten does not try again
        self.unreachable = unreachable


@dataclass(frozen=True)
class BoundaryRequest:
    """Which boundaries a run needs: wijken and buurten of ``gemeenten``, outlines of ``omgeving``."""

    jaar: int
    gemeenten: tuple[str, ...]
    omgeving: tuple[str, ...] = ()

    def key(self) -> dict:
        return {
            "jaar": self.jaar,
            "gemeenten": sorted(set(self.gemeenten)),
            "omgeving": sorted(set(self.omgeving) | set(self.gemeenten)),
        }


def attribution(jaar: int | None) -> str:
    return f"Kadaster / CBS {jaar}" if jaar else "Kadaster / CBS"


def base_url(url: str | None = None) -> str:
    """``url``, else ``VA_PDOK_URL``, else PDOK itself."""
    return (url or os.environ.get(PDOK_URL_ENV, "") or PDOK_URL).strip().rstrip("/")


def items_url(base: str, jaar: int, niveau: str) -> str:
    return f"{base}/cbs/wijken-en-buurten-{jaar}/ogc/v1/collections/{COLLECTIONS[niveau]}/items"


# ------------------------------------------------------------------------------------ which year

# Where a table's metadata states its buurtindeling, in the order they are read: the description of its
# region dimension (47018NED: "Wijken en buurten (indeling 2024)"), its TableInfos texts (47018NED: "volgens
# de buurtindeling van 2024") and the title of a Kerncijfers table ("Kerncijfers wijken en buurten 2024").
_INDELING_OF_REGION = re.compile(r"indeling (\d{4})", re.IGNORECASE)
_INDELING_IN_TEXT = re.compile(r"buurtindeling (?:van )?(\d{4})", re.IGNORECASE)
_KERNCIJFERS_TITLE = re.compile(r"Kerncijfers wijken en buurten (\d{4})", re.IGNORECASE)
_TABLE_INFO_TEXTS = ("ExplanatoryText", "ShortDescription", "Description", "Summary")


def stated_buurtindeling(metadata: dict) -> int | None:
    """The year of the buurtindeling a table's metadata states, None when it states none. Never the
    region dimension's ``MapYear``: 2019 in politie 47018NED, whose rows follow the indeling of 2024."""
    region = " ".join(
        str(p.get("Description") or "")
        for p in metadata.get("DataProperties") or []
        if isinstance(p, dict) and p.get("Type") in ("GeoDetail", "GeoDimension")
    )
    infos = metadata.get("TableInfos") or {}
    texts = " ".join(str(infos.get(k) or "") for k in _TABLE_INFO_TEXTS)
    for pattern, text in (
        (_INDELING_OF_REGION, region),
        (_INDELING_IN_TEXT, texts),
        (_KERNCIJFERS_TITLE, str(infos.get("Title") or "")),
    ):
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    return None


@dataclass(frozen=True)
class BoundaryYear:
    """The year of the wijk- en buurtkaart a run asks for, and which tables state it."""

    jaar: int
    tabellen: tuple[str, ...] = ()  # the tables that state this year; empty: none states a year
    afwijkend: tuple[tuple[str, int], ...] = ()  # (table, year) of tables that state another year

    def text(self) -> str:
        """For readers: 'buurtindeling 2024 van Politie 47018NED en CBS 85984NED'."""
        if not self.tabellen:
            return (
                f"buurtindeling {self.jaar}, de nieuwste bij PDOK: de tabellen met wijken en buurten noemen "
                "geen buurtindeling"
            )
        said = f"buurtindeling {self.jaar} van {' en '.join(_table_name(t) for t in self.tabellen)}"
        if not self.afwijkend:
            return said
        maps = ", waarop de kaarten tekenen" if MAP_TABLE in self.tabellen else ""
        others = "; ".join(f"{_table_name(t)} volgt die van {year}" for t, year in self.afwijkend)
        return f"{said}{maps} ({others})"


def boundary_year_of(snapshots: dict) -> BoundaryYear:
    """The buurtindeling the run's wijk- and buurt tables state (``snapshots``: table id -> snapshot).
    When they disagree, that of the table the maps draw (:data:`MAP_TABLE`), else of the first in
    ``TABLES``; when none states one, the newest PDOK serves (:data:`NEWEST_BOUNDARY_YEAR`)."""
    stated = {}
    for table_id, spec in TABLES.items():
        snap = snapshots.get(table_id)
        if spec.region_level != "buurten" or snap is None:
            continue
        try:
            year = stated_buurtindeling(snap.metadata)
        except SnapshotError:
            continue  # unreadable metadata states nothing; the run's data step says what is wrong with it
        if year is not None:
            stated[table_id] = year
    if not stated:
        return BoundaryYear(NEWEST_BOUNDARY_YEAR)
    jaar = stated.get(MAP_TABLE, next(iter(stated.values())))
    return BoundaryYear(
        jaar, tuple(t for t, y in stated.items() if y == jaar), tuple((t, y) for t, y in stated.items() if y != jaar)
    )


def _table_name(table_id: str) -> str:
    return f"{TABLES[table_id].publisher} {table_id}"


# ------------------------------------------------------------------------------------ fetching


def fetch_boundaries(
    request: BoundaryRequest,
    cache_root: Path,
    *,
    url: str | None = None,
    now: datetime | None = None,
    http_get: HttpGet | None = None,
) -> Snapshot:
    """Download what ``request`` asks for and return its snapshot (a new one, or the newest cached one
    when the server sent the same). Raises :class:`BoundaryFetchError` naming the part that failed;
    nothing is written then."""
    now = _utc(now)
    base = base_url(url)
    get = http_get or _http_get
    features = []
    for gemeente in request.key()["gemeenten"]:
        for niveau in ("wijk", "buurt"):
            features += _fetch_part(base, request.jaar, niveau, gemeente, get)
    for gemeente in request.key()["omgeving"]:
        features += _fetch_part(base, request.jaar, "gemeente", gemeente, get)
    _check_readable(features)
    return _store(cache_root, request, features, base, now)


def _fetch_part(base: str, jaar: int, niveau: str, gemeente: str, get: HttpGet) -> list[dict]:
    """Every feature of one collection for one gemeente, page after page."""
    query = {"f": "json", "crs": RD_NEW_URI, "gemeentecode": gemeente, "limit": PAGE_LIMIT}
    page_url = f"{items_url(base, jaar, niveau)}?{urllib.parse.urlencode(query)}"
    what = f"{COLLECTIONS[niveau]} van {gemeente}"
    features: list[dict] = []
    for _ in range(MAX_PAGES):
        page = _page(get, page_url, what)
        features += [trimmed_feature(f, niveau, jaar) for f in page["features"] if not _water(f)]
        next_url = _next_link(page)
        if next_url is None:
            break
        page_url = next_url
    else:
        raise BoundaryFetchError(f"{what}: meer dan {MAX_PAGES} pagina's", f"{what}: de server bleef pagina's sturen")
    if not features:
        raise BoundaryFetchError(f"{what}: geen gebieden", f"{what}: de server gaf geen gebieden")
    return features


def _page(get: HttpGet, url: str, what: str) -> dict:
    try:
        body = get(url, 60.0)
    except BoundaryFetchError as exc:
        raise BoundaryFetchError(f"{what}: {exc}", f"{what}: {exc.reden}", exc.unreachable) from None
    try:
        page = json.loads(body)
    except ValueError:
        raise BoundaryFetchError(
            f"{what}: geen JSON ({url})", f"{what}: de server gaf een onbruikbaar antwoord"
        ) from None
    if not isinstance(page, dict) or not isinstance(page.get("features"), list):
        raise BoundaryFetchError(
            f"{what}: geen FeatureCollection ({url})", f"{what}: de server gaf een onbruikbaar antwoord"
        )
    return page


def _next_link(page: dict) -> str | None:
    for link in page.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def _water(feature) -> bool:
    """The wijk- en buurtkaart has the water of an area as a separate feature with the same code
    (``water: "JA"``); the maps show the land."""
    props = feature.get("properties") if isinstance(feature, dict) else None
    return isinstance(props, dict) and str(props.get("water", "")).strip().upper() == "JA"


def trimmed_feature(feature: dict, niveau: str, jaar: int) -> dict:
    """The feature with only the properties the maps read (PDOK adds dozens of kerncijfers)."""
    props = feature.get("properties") or {} if isinstance(feature, dict) else {}
    kept = {k: props[k] for k in KEPT_PROPERTIES if props.get(k) not in (None, "")}
    kept.setdefault("niveau", niveau)
    kept.setdefault("jaar", jaar)
    return {
        "type": "Feature",
        "properties": kept,
        "geometry": feature.get("geometry") if isinstance(feature, dict) else None,
    }


def _check_readable(features: list[dict]) -> None:
    """The download must read as RD New boundaries, every feature with a code and a polygon."""
    from ..maps.boundaries import areas_from_geojson

    try:
        areas = areas_from_geojson({"type": "FeatureCollection", "features": features}, "wijk- en buurtkaart")
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise BoundaryFetchError(f"onleesbare grenzen: {exc}", "de server gaf onleesbare grenzen") from None
    if len(areas) != len(features):
        raise BoundaryFetchError(
            f"{len(features) - len(areas)} gebieden zonder code of geometrie",
            "de server gaf gebieden zonder code of geometrie",
        )


def _http_get(url: str, timeout: float) -> bytes:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"Accept": "application/geo+json, application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise BoundaryFetchError(
            f"HTTP {exc.code} voor {url}", f"de server gaf een foutmelding (HTTP {exc.code})", unreachable=True
        ) from None
    except TimeoutError:
        raise BoundaryFetchError(
            f"time-out voor {url}", "de server antwoordde niet op tijd", unreachable=True
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        raise BoundaryFetchError(f"{exc} ({url})", "de server was niet bereikbaar", unreachable=True) from None


def _store(cache_root: Path, request: BoundaryRequest, features: list[dict], base: str, now: datetime) -> Snapshot:
    """A new snapshot, unless the newest intact one for the same request holds the same features.
    Snapshots of other requests (the other gemeenten of a config) are passed over, not compared."""
    digest = hashlib.sha256(gzip_json(features)).hexdigest()
    for snap in reversed(list_snapshots(cache_root, SOURCE_ID)):
        try:
            if snap.provenance.get("request") != request.key():
                continue  # another request: says nothing about whether this one changed
            if snap.provenance.get("sha256", {}).get("data.json.gz") != digest:
                break  # the newest copy of this request differs: a new snapshot
            snap.verify()
            return snap  # unchanged on the server: keep the copy (and the store built on it)
        except SnapshotError:
            continue  # damaged: an older intact copy of this request may still be the same
    levels = {niveau: sum(1 for f in features if f["properties"]["niveau"] == niveau) for niveau in COLLECTIONS}
    metadata = {"jaar": request.jaar, "crs": "EPSG:28992", "niveaus": levels}
    provenance = {
        "url": f"{base}/cbs/wijken-en-buurten-{request.jaar}/ogc/v1",
        "catalog": "PDOK",
        "request": request.key(),
        "retrieved_at": now.isoformat(timespec="seconds"),
        "jaar": request.jaar,
        "attributie": attribution(request.jaar),
        "demo": False,
    }
    try:
        # several gemeenten of one run may fetch within the same second: a free id
        return write_snapshot(
            cache_root,
            SOURCE_ID,
            features,
            metadata,
            provenance,
            snapshot_id=free_snapshot_id(cache_root, SOURCE_ID, now),
        )
    except (SnapshotError, OSError) as exc:  # a full disk, a read-only cache: the run goes on without it
        raise BoundaryFetchError(f"snapshot niet te schrijven: {exc}", "de kopie kon niet worden bewaard") from None


def _utc(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


# ------------------------------------------------------------------------------------ data policy


def resolve_boundaries(
    policy: str,
    request: BoundaryRequest,
    cache_root: Path,
    demo_root: Path,
    *,
    url: str | None = None,
    max_age_days: float = 31,
    now: datetime | None = None,
    offline: object | None = None,
    http_get: HttpGet | None = None,
    reuse_recent: bool = False,
    failures: list | None = None,
) -> ResolvedTable:
    """The boundaries snapshot a run uses under ``policy``, as for an optional table: ``fresh`` falls
    back to the newest good cached copy, then to the demo copy, each with its reason; ``require-fresh``
    never falls back (missing instead; never an error); ``cache`` takes the newest cached copy, else
    demo; ``demo`` the demo copy. ``offline``: the run already knows the network is down.

    ``reuse_recent`` (a run's ``fresh``): a cached copy of the whole request no older than
    ``max_age_days`` is used without downloading (origin "cached", "eerder opgehaald" with its date,
    never stale): the wijk- en buurtkaart of a year hardly changes, and downloading it takes a dozen
    requests per gemeente.

    ``failures``: a list that gets the :class:`BoundaryFetchError` when PDOK itself failed (HTTP
    error, time-out, not reachable), so that a run of several gemeenten does not try again."""
    # Long: few statements, each a long call or literal that the formatter spreads over one argument per line.
    now = _utc(now)
    cache_root, demo_root = Path(cache_root), Path(demo_root)
    if policy == "fresh" and reuse_recent:
        recent = recent_copy(cache_root, request, max_age_days, now)
        if recent is not None:
            rest = _cached(cache_root, request, now, max_age_days, None, skip=recent)
            return _first(
                [("cached", recent, None, False)] + rest + _demo(demo_root, None),
                now,
                message=reuse_message(recent, max_age_days),
            )
    if policy == "demo":
        return _first(_demo(demo_root, None), now)
    if policy == "cache":
        damaged: list[str] = []
        cached = _cached(cache_root, request, now, max_age_days, None, damaged=damaged)
        why = "; ".join(damaged) or "er is geen eerder opgehaalde kopie"
        return _first(cached + _demo(demo_root, why), now, missing=why)
    try:
        if isinstance(offline, BoundaryFetchError):  # PDOK failed earlier in this run
            raise BoundaryFetchError(
                f"niet geprobeerd: {offline}", f"niet geprobeerd, PDOK faalde eerder in deze run ({offline.reden})"
            )
        if offline is not None:
            raise BoundaryFetchError(f"niet geprobeerd: {offline}", "de server was niet bereikbaar")
        snapshot = fetch_boundaries(request, cache_root, url=url, now=now, http_get=http_get)
    except BoundaryFetchError as exc:
        if failures is not None and exc.unreachable:
            failures.append(exc)
        reason = f"ophalen mislukt: {exc.reden}"
        if policy == "require-fresh":
            return _missing(str(exc), reason)
        damaged = []
        cached = _cached(cache_root, request, now, max_age_days, reason, fallback=True, damaged=damaged)
        no_copy = "; ".join(damaged) or "er is geen eerder opgehaalde kopie"
        return _first(
            cached + _demo(demo_root, f"{reason}, en {no_copy}"),
            now,
            message=str(exc),
            missing=f"{exc}; geen eerder opgehaalde kopie",
            missing_reason=reason,
        )
    from .policy import Alternative, ResolvedTable

    later = []
    if policy == "fresh":
        later = _cached(cache_root, request, now, max_age_days, None, skip=snapshot) + _demo(demo_root, None)
    return ResolvedTable(
        SOURCE_ID, "fresh", snapshot, now, False, alternatives=tuple(Alternative(o, s) for o, s, _r, _st in later)
    )


def recent_copy(
    cache_root: Path, request: BoundaryRequest, max_age_days: float, now: datetime | None = None
) -> Snapshot | None:
    """The newest intact cached copy of the whole request (surroundings included) no older than
    ``max_age_days``: what a run under ``fresh`` and ``veiligheidsanalyse fetch`` use without downloading."""
    cached = _cached(Path(cache_root), request, _utc(now), max_age_days, None)
    return next((snap for _o, snap, _r, stale in cached if not stale and _covers_surroundings(snap, request)), None)


def reuse_message(snap: Snapshot, max_age_days: float) -> str:
    """'eerder opgehaald op 1 december 2026 (minder dan 120 dagen geleden): niet opnieuw gedownload'."""
    from ..dates import date_nl

    day = retrieved_at(snap)
    when = f"op {date_nl(day.isoformat())} " if day is not None else ""
    return f"eerder opgehaald {when}(minder dan {max_age_days:g} dagen geleden): niet opnieuw gedownload"


def _cached(
    cache_root: Path,
    request: BoundaryRequest,
    now: datetime,
    max_age_days: float,
    reason: str | None,
    *,
    fallback: bool = False,
    skip: Snapshot | None = None,
    damaged: list | None = None,
) -> list:
    """Intact cached copies for this year and gemeente, newest first (those without every outline
    of the surroundings last): (origin, snapshot, reason, stale)."""
    want = request.key()
    full: list[tuple[str, Snapshot, str | None, bool]] = []
    partial: list[tuple[str, Snapshot, str | None, bool]] = []
    for snap in reversed(list_snapshots(cache_root, SOURCE_ID)):
        if skip is not None and snap.path == skip.path:
            continue
        try:
            have = snap.provenance.get("request") or {}
            if have.get("jaar") != want["jaar"] or not set(want["gemeenten"]) <= set(have.get("gemeenten", ())):
                continue
            snap.verify()
        except SnapshotError as exc:
            if damaged is not None:
                set_aside(snap, str(exc))
                damaged.append(f"de eerder opgehaalde kopie is beschadigd en apart gezet ({exc})")
            continue
        age = snapshot_age_days(snap, now)
        too_old = age is None or age > max_age_days
        why = reason
        if too_old and not fallback:
            why = "; ".join(filter(None, [reason, f"ouder dan {max_age_days:g} dagen"]))
        entry = ("cached", snap, why, fallback or too_old)
        (full if _covers_surroundings(snap, request) else partial).append(entry)
    return full + partial


def _covers_surroundings(snap: Snapshot, request: BoundaryRequest) -> bool:
    """Does the snapshot hold every gemeente outline around the request (its provenance says so)?"""
    try:
        have = snap.provenance.get("request") or {}
    except SnapshotError:
        return False
    return set(request.key()["omgeving"]) <= set(have.get("omgeving", ()))


def _demo(demo_root: Path, reason: str | None) -> list:
    found = []
    for snap in reversed(list_snapshots(demo_root, SOURCE_ID)):
        try:
            snap.verify()
        except SnapshotError:
            continue
        found.append(("demo", snap, reason, False))
        break
    return found


def _first(
    candidates: list,
    now: datetime,
    *,
    missing: str | None = None,
    missing_reason: str | None = None,
    message: str | None = None,
) -> ResolvedTable:
    if not candidates:
        return _missing(missing or "geen demogrenzen", missing_reason)
    (origin, snap, reason, stale), rest = candidates[0], candidates[1:]
    detail = message
    if origin == "cached" and stale and message is None:
        age = snapshot_age_days(snap, now)
        detail = "kopie is een onbekend aantal dagen oud" if age is None else f"kopie is {age:.0f} dagen oud"
    from .policy import Alternative, ResolvedTable

    return ResolvedTable(
        SOURCE_ID,
        origin,
        snap,
        retrieved_at(snap),
        False,
        stale,
        detail,
        reason,
        tuple(Alternative(o, s) for o, s, _r, _st in rest),
    )


def _missing(message: str, reason: str | None = None) -> ResolvedTable:
    from .policy import ResolvedTable

    return ResolvedTable(SOURCE_ID, "missing", None, None, False, False, message, reason or "geen gegevens")


def snapshot_year(snap: Snapshot) -> int | None:
    """The year of the wijk- en buurtkaart in a snapshot."""
    year = snap.provenance.get("jaar") or snap.metadata.get("jaar")
    return int(year) if year else None


# ------------------------------------------------------------------------------------ into the store

PRINT_WIDTH_PX = 1000  # simplified so that nothing is lost at this drawing width (half a pixel)


def write_store_boundaries(folder: Path, resolved: ResolvedTable, request: BoundaryRequest) -> dict:
    """The first readable snapshot of ``resolved`` (then its alternatives), cut to the request and
    simplified for print, into ``folder/grenzen.geojson``. Returns what was used, for the store's
    record: ``{"origin", "snapshot", "rejected"}`` (origin "missing" and nothing written when no
    snapshot is readable)."""
    rejected = []
    candidates = [(resolved.origin, resolved.snapshot)] + [(a.origin, a.snapshot) for a in resolved.alternatives]
    for origin, snap in candidates:
        if snap is None:
            continue
        try:
            areas = areas_for_run(snap, request)
        except (SnapshotError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            rejected.append(f"kopie {snap.snapshot_id} onleesbaar ({exc})")
            continue
        try:
            write_boundaries_file(folder / STORE_FILE, areas, snapshot_year(snap))
        except OSError as exc:  # the maps are left out; the store itself says what is wrong with the disk
            return {
                "origin": "missing",
                "snapshot": None,
                "rejected": f"{folder / STORE_FILE}: niet te schrijven ({exc})",
            }
        return {"origin": origin, "snapshot": str(snap.path), "rejected": "; ".join(rejected) or None}
    return {"origin": "missing", "snapshot": None, "rejected": "; ".join(rejected) or None}


def areas_for_run(snap: Snapshot, request: BoundaryRequest) -> list:
    """The run's wijken and buurten and the outlines around it, simplified per level."""
    from ..maps.boundaries import areas_from_geojson
    from ..maps.simplify import auto_tolerance, simplify_areas

    collection = {"type": "FeatureCollection", "features": snap.rows()}
    areas = areas_from_geojson(collection, f"{snap.path}/data.json.gz")
    own = set(request.gemeenten)
    outlines = set(request.key()["omgeving"])
    out = []
    for niveau in ("gemeente", "wijk", "buurt"):
        level = [
            a
            for a in areas
            if a.niveau == niveau and (a.code in outlines if niveau == "gemeente" else a.gemeentecode in own)
        ]
        if level:
            out += simplify_areas(level, auto_tolerance(level, PRINT_WIDTH_PX))
    return out


def write_boundaries_file(path: Path, areas: list, jaar: int | None) -> None:
    from ..maps.boundaries import to_geojson

    data = to_geojson(areas, jaar=jaar, bron=SOURCE_ID, attributie=attribution(jaar))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)
