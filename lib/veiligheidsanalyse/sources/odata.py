"""A thin, careful client for the CBS and politie OData v3 tables, built on ``cbsodata``.

``cbsodata`` (the ecosystem's client) builds every URL as
``{http|https}://{catalog_url}/ODataFeed/odata/{table_id}/{entity set}`` and follows
``odata.nextLink``, but it has no timeouts, no retries and trusts whatever comes back. We keep its
code path (so the URLs and paging are exactly what the real client does) and add, per HTTP request:

- timeouts: a connect/read timeout and a deadline for the whole response (a slow trickle of bytes
  never trips a read timeout);
- retries with exponential backoff on timeouts (connect and read), dropped connections, truncated
  bodies, 5xx and 429 (``Retry-After`` honoured, capped); a failed name lookup or a refused
  connection is not retried: that is "offline" (:attr:`FetchError.offline`), known at once;
- checks that turn bad answers into a :class:`FetchError` naming table, URL and what went wrong:
  HTTP errors, wrong content type (an HTML error page), invalid JSON, a JSON document without a
  ``value`` list, paging that loops or points to a missing page.

How: cbsodata creates a fresh ``requests.Session()`` for every page through its module global
``Session``; for the duration of one call we swap in a session subclass whose ``send`` does the
above. ``use_https`` is also a module-level option in cbsodata, so both swaps happen under one lock
and are undone afterwards.

Where the servers are is an :class:`OdataEndpoint`: the real hosts by default, or one local base
address (the fake server in the tests) with the real host name as a path prefix.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

# requests, urllib3 and cbsodata are imported where a table is fetched, not here: every run imports
# this module through the data step, and a run on local snapshots that executes no chapter (an
# unchanged re-run) would pay ~0.3 s of CPU for them.
from ..errors import EXIT_DATA_UNAVAILABLE, VeiligheidsanalyseError
from .adapters import cbsodata as cbsodata_adapter
from .adapters.requests import set_body
from .tables import CBS_HOST, POLITIE_HOST

if TYPE_CHECKING:
    import requests

KNOWN_HOSTS = (CBS_HOST, POLITIE_HOST)
FEED_PATH = "ODataFeed/odata"  # what cbsodata 1.3.5 requests (its BULK constant)
DIMENSION_TYPES = frozenset({"Dimension", "TimeDimension", "GeoDimension", "GeoDetail"})
MEASURE_TYPES = frozenset({"Topic"})

# --------------------------------------------------------------------------------------------
# Errors


class OdataError(VeiligheidsanalyseError):
    """Base class: something about a remote table that the analysis cannot work with (exit 3)."""

    exit_code = EXIT_DATA_UNAVAILABLE

    def __init__(self, table_id: str, message: str):
        super().__init__(f"{table_id}: {message}")
        self.table_id = table_id
        self.reason = message


class FetchError(OdataError):
    """A download failed (after retries where retrying made sense).

    ``kind`` is one of: connection, timeout, http, rate-limited, truncated, content-type,
    invalid-json, paging, empty, changed (the table was republished during the download).
    ``url`` is the request that failed.
    """

    def __init__(self, table_id: str, url: str, kind: str, message: str, attempts: int = 1, offline: bool = False):
        super().__init__(table_id, f"{message} [{kind}; {url}]")
        self.url = url
        self.kind = kind
        self.reason = message
        self.attempts = attempts
        # The server could not be reached at all: its name was not found or the connection was
        # refused (kind "connection"). Not retried; a fetch stops using the network after it.
        self.offline = offline

    @classmethod
    def not_tried(cls, table_id: str, url: str, cause: FetchError) -> FetchError:
        """The error of a table that was not requested because ``cause`` (another table's error in
        the same fetch) showed the server unreachable: same kind and reason, no attempt."""
        return cls(
            table_id,
            url,
            cause.kind,
            f"niet geprobeerd, eerder in deze ophaalronde: {cause.reason}",
            attempts=0,
            offline=cause.offline,
        )


class SchemaError(OdataError):
    """The table's metadata does not have what the code expects (title, dimension, measure, code)."""

    def __init__(self, table_id: str, field_name: str, message: str):
        super().__init__(table_id, f"{field_name}: {message}")
        self.field = field_name


# --------------------------------------------------------------------------------------------
# Endpoint configuration


@dataclass(frozen=True)
class OdataEndpoint:
    """Where the OData hosts are, and how patient to be with them.

    ``base_urls`` maps a real host (``opendata.cbs.nl``, ``dataderden.cbs.nl``) to what cbsodata
    calls ``catalog_url``: ``host[:port][/path prefix]`` without scheme. A host that is not in the
    mapping is used as is. Use :meth:`at` to point every host at one local server.
    """

    base_urls: Mapping[str, str] = field(default_factory=dict)
    use_https: bool = True
    timeout: tuple[float, float] = (10.0, 60.0)  # (connect, read) seconds per socket operation
    total_timeout: float = 900.0  # one whole response, headers and body (catches slow trickles)
    retries: int = 4  # extra attempts after the first one
    backoff: float = 2.0  # first wait in seconds; doubles per attempt
    max_backoff: float = 60.0
    max_retry_after: float = 120.0  # cap on a server's Retry-After
    max_pages: int = 100_000  # safety net against endless paging
    trust_env: bool = True  # proxies (and no_proxy) from the environment
    proxies: Mapping[str, str] | None = None  # explicit proxies; overrides the environment

    @classmethod
    def at(cls, base_url: str, **options: Any) -> OdataEndpoint:
        """All hosts behind one base URL, each under its own host name as path prefix.

        ``OdataEndpoint.at("http://127.0.0.1:8123")`` sends politie requests to
        ``http://127.0.0.1:8123/dataderden.cbs.nl/ODataFeed/odata/<id>/...``. Environment proxies are
        ignored for such an endpoint unless ``trust_env=True`` is passed.
        """
        parts = urlsplit(base_url if "://" in base_url else "http://" + base_url)
        prefix = (parts.netloc + parts.path).rstrip("/")
        options.setdefault("trust_env", False)
        return cls(
            base_urls={host: f"{prefix}/{host}" for host in KNOWN_HOSTS},
            use_https=parts.scheme == "https",
            **options,
        )

    def catalog_url(self, host: str) -> str:
        """The ``catalog_url`` cbsodata gets for a host."""
        return self.base_urls.get(host, host)

    def table_url(self, host: str, table_id: str) -> str:
        """Service root of a table, exactly as cbsodata builds it."""
        scheme = "https" if self.use_https else "http"
        return f"{scheme}://{self.catalog_url(host)}/{FEED_PATH}/{table_id}/"

    def entity_url(
        self,
        host: str,
        table_id: str,
        entity_set: str,
        filters: str | None = None,
        select: Sequence[str] | None = None,
    ) -> str:
        """The first-page URL of an entity set, as cbsodata requests it (for provenance)."""
        params = {"$format": "json"}
        if select:
            params["$select"] = ",".join(select)
        if filters:
            params["$filter"] = filters
        return self.table_url(host, table_id) + entity_set + "?" + urlencode(params)


# --------------------------------------------------------------------------------------------
# The guarded session cbsodata uses while we are in control


class _Deadline(Exception):
    pass


class _Guard:
    """State of one cbsodata call (one entity set, possibly many pages): retries, paging checks."""

    def __init__(self, endpoint: OdataEndpoint, table_id: str, sleep: Callable[[float], None]):
        self.endpoint = endpoint
        self.table_id = table_id
        self.sleep = sleep
        self.visited: set[str] = set()
        self.next_links: set[str] = set()
        self.requests = 0  # HTTP requests sent, retries included
        self.retries = 0

    # -- one page ---------------------------------------------------------------------------
    def send(self, session: requests.Session, request: requests.PreparedRequest, kwargs: dict) -> requests.Response:
        # Long: paging checks, retries, back-off and the body deadline share one attempt's state
        import requests

        url = request.url or ""
        is_next = url in self.next_links
        if url in self.visited:
            raise FetchError(
                self.table_id, url, "paging", "odata.nextLink verwijst terug naar een pagina die al gelezen is"
            )
        if len(self.visited) >= self.endpoint.max_pages:
            raise FetchError(self.table_id, url, "paging", f"meer dan {self.endpoint.max_pages} pagina's; opgegeven")
        self.visited.add(url)

        ep = self.endpoint
        kwargs = dict(kwargs)
        kwargs.pop("proxies", None)  # cbsodata passes env proxies without no_proxy; decide here
        if ep.proxies is not None:
            kwargs["proxies"] = dict(ep.proxies)
        elif not ep.trust_env:
            kwargs["proxies"] = {}
        kwargs["timeout"] = ep.timeout
        kwargs["stream"] = True  # read the body ourselves, against a deadline

        attempts = ep.retries + 1
        for attempt in range(1, attempts + 1):
            wait = min(ep.backoff * (2 ** (attempt - 1)), ep.max_backoff)
            self.requests += 1
            deadline = time.monotonic() + ep.total_timeout
            try:
                response = requests.Session.send(session, request, **kwargs)
            except requests.exceptions.ConnectTimeout:
                kind, message = "connection", f"geen verbinding binnen {ep.timeout[0]:g} s"
            except requests.exceptions.Timeout:
                kind, message = "timeout", f"geen antwoord binnen {ep.timeout[1]:g} s"
            except requests.exceptions.ConnectionError as exc:
                offline = _offline_reason(exc)
                if offline is not None:  # no network or nothing listening: waiting will not help
                    host = urlsplit(url).netloc or url
                    raise FetchError(
                        self.table_id,
                        url,
                        "connection",
                        f"offline: server {host} niet bereikbaar ({offline}); niet opnieuw geprobeerd",
                        attempt,
                        offline=True,
                    ) from None
                kind, message = "connection", f"verbinding mislukt ({_short(exc)})"
            else:
                status = response.status_code
                if status == 429 or status >= 500:
                    kind = "rate-limited" if status == 429 else "http"
                    message = f"HTTP {status} {response.reason or ''}".strip()
                    retry_after = _retry_after(response.headers.get("Retry-After"))
                    if retry_after is not None:
                        wait = min(retry_after, ep.max_retry_after)
                        message += f" (Retry-After {retry_after:g} s)"
                    response.close()
                elif status >= 400:
                    what = f"HTTP {status} {response.reason or ''}".strip()
                    try:  # error bodies are small and often say what is wrong
                        what += f": {_snippet(response.raw.read(2048, decode_content=True) or b'')}"
                    except Exception:  # noqa: BLE001 - the status alone is enough
                        pass
                    response.close()
                    if is_next:
                        raise FetchError(
                            self.table_id,
                            url,
                            "paging",
                            f"{what} voor een pagina uit odata.nextLink (paginering klopt niet)",
                        )
                    raise FetchError(self.table_id, url, "http", what)
                else:
                    try:
                        self._read_body(response, deadline)
                    except _Deadline:
                        kind, message = "timeout", f"antwoord niet compleet binnen {ep.total_timeout:g} s"
                    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
                        # requests reports a read timeout inside the body as a ConnectionError
                        if "timed out" in str(exc).lower():
                            kind, message = "timeout", f"antwoord stokte langer dan {ep.timeout[1]:g} s"
                        else:
                            kind, message = "truncated", f"antwoord hield voortijdig op ({_short(exc)})"
                    else:
                        self._check_page(url, response)
                        return response
            if attempt < attempts:
                self.retries += 1
                self.sleep(wait)
        tries = "1 poging" if attempts == 1 else f"{attempts} pogingen"
        raise FetchError(self.table_id, url, kind, f"{message}; opgegeven na {tries}", attempts)

    def _read_body(self, response: requests.Response, deadline: float) -> None:
        import requests
        import urllib3

        # read1 returns whatever one socket read brings, so the deadline is checked at least every
        # read timeout even when the server trickles bytes (read(n) would wait for all n bytes).
        raw = response.raw
        read = getattr(raw, "read1", raw.read)
        chunks = []
        try:
            while True:
                chunk = read(64 * 1024, decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _Deadline()
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.exceptions.ConnectionError(f"read timed out in body ({exc})") from exc
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError) as exc:
            raise requests.exceptions.ChunkedEncodingError(str(exc)) from exc
        finally:
            response.close()
        # hand the complete body to cbsodata, which reads response.text
        set_body(response, b"".join(chunks))

    def _check_page(self, url: str, response: requests.Response) -> None:
        import requests

        body = response.content or b""
        ctype = response.headers.get("Content-Type", "")
        if "json" not in ctype.lower():
            raise FetchError(
                self.table_id,
                url,
                "content-type",
                f"JSON verwacht, maar het inhoudstype is {ctype or '(geen)'!r}: {_snippet(body)}",
            )
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise FetchError(
                self.table_id, url, "invalid-json", f"antwoord is geen geldige JSON ({exc}): {_snippet(body)}"
            ) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("value"), list):
            raise FetchError(self.table_id, url, "invalid-json", f"JSON zonder lijst 'value': {_snippet(body)}")
        if any(not isinstance(row, dict) for row in doc["value"]):
            raise FetchError(self.table_id, url, "invalid-json", "'value' bevat iets anders dan objecten")
        link = doc.get("odata.nextLink")
        if link is not None:
            if not isinstance(link, str) or not link:
                raise FetchError(self.table_id, url, "paging", f"odata.nextLink is geen URL: {link!r}")
            try:  # compare in the form requests will send it
                link = requests.Request("GET", link).prepare().url or link
            except requests.exceptions.RequestException as exc:
                raise FetchError(
                    self.table_id, url, "paging", f"odata.nextLink is geen bruikbare URL ({exc})"
                ) from None
            if link == url or link in self.visited:
                raise FetchError(
                    self.table_id,
                    url,
                    "paging",
                    f"odata.nextLink verwijst terug naar een pagina die al gelezen is: {link}",
                )
            self.next_links.add(link)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _offline_reason(exc: BaseException) -> str | None:
    """Why a connection could not be made at all (in Dutch), or None when retrying may help.

    A failed name lookup (``NameResolutionError``, ``socket.gaierror``), a refused connection
    (``ConnectionRefusedError``) or another error while connecting (``NewConnectionError``: network
    unreachable) is offline; a connect timeout (``ConnectTimeoutError``, which ``NewConnectionError``
    subclasses), a dropped connection or a reset is not. requests wraps the cause in a
    ``MaxRetryError`` (``reason``), urllib3 chains the socket error as ``__cause__``.
    """
    import socket

    import urllib3

    chain: list[BaseException] = []
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or any(item is seen for seen in chain):
            continue
        chain.append(item)
        todo.extend([getattr(item, "reason", None), item.__cause__, item.__context__, *item.args])
    lookup = (getattr(urllib3.exceptions, "NameResolutionError", socket.gaierror), socket.gaierror)  # urllib3 < 2
    if any(isinstance(e, lookup) for e in chain):
        return "naam niet gevonden"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "verbinding geweigerd"
    for e in chain:
        if isinstance(e, urllib3.exceptions.NewConnectionError):
            cause = e.__cause__ or e.__context__
            return f"geen verbinding: {cause.strerror or cause}" if isinstance(cause, OSError) else "geen verbinding"
    return None


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:200] + "…"


def _snippet(body: bytes, size: int = 120) -> str:
    text = body[:size].decode("utf-8", "replace").replace("\n", " ")
    return repr(text + ("…" if len(body) > size else ""))


def _session_factory(guard: _Guard) -> Callable[[], requests.Session]:
    import requests

    class GuardedSession(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            self.trust_env = guard.endpoint.trust_env

        def send(self, request, **kwargs):
            return guard.send(self, request, kwargs)

    return GuardedSession


def _cbsodata_guarded(guard: _Guard) -> AbstractContextManager[None]:
    """cbsodata's calls inside the block send every request through ``guard``."""
    return cbsodata_adapter.sessions_from(_session_factory(guard), guard.endpoint.use_https)


# --------------------------------------------------------------------------------------------
# Client


class OdataClient:
    """Reads one table's metadata and rows through cbsodata, with the guards above.

    Every method takes the table id and its host (``TableSpec.host``). Rows and metadata are
    returned exactly as the server sent them (space-padded keys, untyped values as strings).
    """

    def __init__(self, endpoint: OdataEndpoint | None = None, sleep: Callable[[float], None] = time.sleep):
        self.endpoint = endpoint or OdataEndpoint()
        self.sleep = sleep
        self.requests = 0  # HTTP requests sent through this client, retries included
        self.retries = 0

    def _call(self, table_id: str, fn: Callable[[], Any]) -> Any:
        guard = _Guard(self.endpoint, table_id, self.sleep)
        try:
            with _cbsodata_guarded(guard):
                return fn()
        finally:
            self.requests += guard.requests
            self.retries += guard.retries

    def _get(
        self, table_id: str, host: str, entity_set: str, filters: str | None = None, select: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        catalog = self.endpoint.catalog_url(host)
        return self._call(
            table_id,
            lambda: cbsodata_adapter.download_metadata(
                table_id, entity_set, select=list(select) if select else None, filters=filters, catalog_url=catalog
            ),
        )

    def entity_sets(self, table_id: str, host: str) -> list[str]:
        """Names of the table's entity sets, from its service root."""
        return [str(item["name"]) for item in self._get(table_id, host, "") if item.get("name")]

    def table_infos(self, table_id: str, host: str) -> dict[str, Any]:
        """The table's TableInfos record (title, Modified, ...)."""
        import cbsodata

        catalog = self.endpoint.catalog_url(host)
        info = self._call(table_id, lambda: cbsodata.get_info(table_id, catalog_url=catalog))
        if not info:
            raise FetchError(
                table_id, self.endpoint.entity_url(host, table_id, "TableInfos"), "empty", "TableInfos is leeg"
            )
        return info

    def data_properties(self, table_id: str, host: str) -> list[dict[str, Any]]:
        """DataProperties: dimensions and measures (topics) with key, title, type and unit."""
        import cbsodata

        catalog = self.endpoint.catalog_url(host)
        props = self._call(table_id, lambda: cbsodata.get_meta(table_id, "DataProperties", catalog_url=catalog))
        if not props:
            raise FetchError(
                table_id, self.endpoint.entity_url(host, table_id, "DataProperties"), "empty", "DataProperties is leeg"
            )
        return props

    def code_list(self, table_id: str, host: str, dimension: str) -> list[dict[str, Any]]:
        """The code list of one dimension (Key, Title, Description, ...)."""
        import cbsodata

        catalog = self.endpoint.catalog_url(host)
        return self._call(table_id, lambda: cbsodata.get_meta(table_id, dimension, catalog_url=catalog))

    def untyped_rows(
        self, table_id: str, host: str, filters: str | None = None, select: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Rows of UntypedDataSet (values as strings, ``"."`` unknown), filtered server side."""
        return self._get(table_id, host, "UntypedDataSet", filters=filters, select=select)


# --------------------------------------------------------------------------------------------
# Schema check


def dimension_keys(data_properties: Iterable[Mapping[str, Any]]) -> list[str]:
    """Keys of the dimensions in DataProperties, in table order."""
    return [p["Key"] for p in data_properties if p.get("Type") in DIMENSION_TYPES]


def check_schema(
    table_id: str,
    table_infos: Mapping[str, Any],
    data_properties: Sequence[Mapping[str, Any]],
    *,
    title: str | None = None,
    dimensions: Iterable[str] = (),
    measures: Iterable[str] = (),
) -> dict[str, str]:
    """Check the metadata read at run time against what the code expects.

    ``title`` must occur in the table's title (case-insensitive), every name in ``dimensions`` must be a
    dimension, and every name in ``measures`` must match one measure by Key or, failing that, by Title.
    Returns ``{requested measure name: measure Key}``. Raises :class:`SchemaError` naming table and field.
    """
    actual_title = str(table_infos.get("Title") or "")
    if title and title.casefold() not in actual_title.casefold():
        raise SchemaError(table_id, "Title", f"de titel moet {title!r} bevatten, maar de tabel heet {actual_title!r}")

    dims = dimension_keys(data_properties)
    for name in dimensions:
        if name not in dims:
            raise SchemaError(
                table_id, name, f"dimensie {name!r} ontbreekt (de tabel heeft: {', '.join(dims) or 'geen'})"
            )

    topics = [p for p in data_properties if p.get("Type") in MEASURE_TYPES]
    resolved: dict[str, str] = {}
    for name in measures:
        by_key = [p for p in topics if p.get("Key") == name]
        by_title = [p for p in topics if str(p.get("Title", "")).strip().casefold() == name.strip().casefold()]
        match = by_key or by_title
        if not match:
            available = ", ".join(f"{p.get('Key')} ({p.get('Title')})" for p in topics)
            raise SchemaError(
                table_id,
                name,
                f"meetwaarde {name!r} ontbreekt (geen Key of Title komt overeen; "
                f"de tabel heeft: {available or 'geen'})",
            )
        if len(match) > 1:
            raise SchemaError(
                table_id, name, f"meetwaarde {name!r} is niet eenduidig: {', '.join(p['Key'] for p in match)}"
            )
        resolved[name] = match[0]["Key"]
    return resolved
