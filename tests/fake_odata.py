"""A fake CBS / politie OData v3 server for tests (stdlib only, 127.0.0.1, a free port).

It serves what ``cbsodata`` requests, under the real host name as path prefix so one server plays
both catalogs::

    /opendata.cbs.nl/ODataFeed/odata/<ID>/                  service root (entity set list)
    /dataderden.cbs.nl/ODataFeed/odata/<ID>/TableInfos       (also DataProperties, CategoryGroups,
    /dataderden.cbs.nl/ODataFeed/odata/<ID>/UntypedDataSet    TypedDataSet, one set per dimension)
    /dataderden.cbs.nl/ODataCatalog/Tables                    table list of that catalog

with ``$format=json``, ``$select``, ``$filter`` (eq/ne/gt/ge/lt/le, and/or/not, parentheses,
startswith, endswith, substringof, substring, trim, tolower, toupper, length, indexof) and paging
through ``odata.nextLink`` (``$skiptoken``). A table asked for under the wrong host is a 404.

Faults are switched on per test with :meth:`FakeOdataServer.fail`: ``status`` (5xx or 429 with
Retry-After, N times then OK), ``hang`` (no answer), ``trickle`` (slow body), ``truncate`` (body
shorter than Content-Length), ``invalid_json``, ``html`` (an HTML error page), ``next_404`` and
``next_loop`` (broken paging), ``reset`` (connection closed without answer). A refused connection is
a stopped server or :func:`dead_address`. Schema changes and new Modified dates are edits of a
:class:`FakeTable` (``rename_measure``, ``drop_dimension``, ``set_modified``).

Tables come from snapshot folders (:meth:`FakeTable.from_snapshot`) or are built from Python data
(:meth:`FakeTable.build`).
"""

from __future__ import annotations

import copy
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from veiligheidsanalyse.sources.odata import OdataEndpoint
from veiligheidsanalyse.sources.snapshots import Snapshot
from veiligheidsanalyse.sources.tables import CBS_HOST, POLITIE_HOST

DIMENSION_ODATA_TYPES = {
    "Dimension": "Cbs.OData.Dimension",
    "TimeDimension": "Cbs.OData.TimeDimension",
    "GeoDimension": "Cbs.OData.GeoDimension",
    "GeoDetail": "Cbs.OData.GeoDetail",
}

# Fast settings for tests: small timeouts, tiny backoff.
FAST = dict(timeout=(0.5, 0.5), total_timeout=1.5, retries=2, backoff=0.01, max_backoff=0.05, max_retry_after=0.2)


# ------------------------------------------------------------------------------------------
# Tables


@dataclass
class FakeTable:
    table_id: str
    host: str
    table_infos: dict[str, Any]
    data_properties: list[dict[str, Any]]
    dimensions: dict[str, list[dict[str, Any]]]
    rows: list[dict[str, Any]]

    @classmethod
    def from_snapshot(cls, path: Path, host: str | None = None) -> FakeTable:
        """Serve a snapshot folder (metadata.json + data.json.gz) as it was downloaded."""
        snap = Snapshot(Path(path))
        meta = snap.metadata
        info = meta["TableInfos"]
        if host is None:
            host = POLITIE_HOST if info.get("Catalog") == "Politie" else CBS_HOST
        return cls(snap.table_id, host, info, meta["DataProperties"], meta["dimensions"], snap.rows())

    @classmethod
    def build(
        cls,
        table_id: str,
        host: str,
        title: str,
        dimensions: Mapping[str, Iterable[str | tuple[str, str]]],
        measures: Iterable[str | tuple[str, str]],
        rows: Iterable[Mapping[str, Any]],
        modified: str = "2025-01-15T02:00:00",
        dimension_types: Mapping[str, str] | None = None,
    ) -> FakeTable:
        """A small table from Python data. Codes are used as given (pad them yourself where the real
        table pads); measure values become strings as in UntypedDataSet (None -> ``"."``)."""
        types = {"Perioden": "TimeDimension", "RegioS": "GeoDimension", "WijkenEnBuurten": "GeoDetail"}
        types.update(dimension_types or {})
        props: list[dict[str, Any]] = []
        dims: dict[str, list[dict[str, Any]]] = {}
        for name, codes in dimensions.items():
            kind = types.get(name, "Dimension")
            props.append(_prop(len(props), kind, name, name, DIMENSION_ODATA_TYPES[kind]))
            dims[name] = [
                {"Key": c[0], "Title": c[1], "Description": None}
                if isinstance(c, tuple)
                else {"Key": c, "Title": c.strip(), "Description": None}
                for c in codes
            ]
        measure_keys = []
        for m in measures:
            key, mtitle = m if isinstance(m, tuple) else (m, m)
            measure_keys.append(key)
            props.append(
                _prop(len(props), "Topic", key, mtitle, "Cbs.OData.Topic", Datatype="Long", Unit="aantal", Decimals=0)
            )
        out = []
        for i, row in enumerate(rows):
            r = {"ID": row.get("ID", i)}
            for name in dimensions:
                r[name] = row[name]
            for key in measure_keys:
                value = row.get(key)
                r[key] = "." if value is None else str(value)
            out.append(r)
        catalog = "Politie" if host == POLITIE_HOST else "CBS"
        info = {
            "ID": 0,
            "Title": title,
            "ShortTitle": title[:40],
            "Identifier": table_id,
            "Summary": "",
            "Modified": modified,
            "ReasonDelivery": "Actualisering",
            "Language": "nl",
            "Catalog": catalog,
            "Frequency": "Perjaar",
            "Period": "",
            "MetaDataModified": modified,
        }
        return cls(table_id, host, info, props, dims, out)

    # -- edits for schema-change / new-version tests -------------------------------------
    def set_modified(self, value: str) -> None:
        self.table_infos["Modified"] = value

    def rename_measure(self, old: str, new: str, title: str | None = None) -> None:
        for p in self.data_properties:
            if p["Key"] == old:
                p["Key"] = new
                if title is not None:
                    p["Title"] = title
        self.rows = [{(new if k == old else k): v for k, v in r.items()} for r in self.rows]

    def drop_dimension(self, name: str) -> None:
        self.data_properties = [p for p in self.data_properties if p["Key"] != name]
        self.dimensions.pop(name, None)
        self.rows = [{k: v for k, v in r.items() if k != name} for r in self.rows]

    # -- what the server sends -----------------------------------------------------------
    def entity_set(self, name: str) -> list[dict[str, Any]] | None:
        if name == "TableInfos":
            return [self.table_infos]
        if name == "DataProperties":
            return self.data_properties
        if name == "CategoryGroups":
            return []
        if name == "UntypedDataSet":
            return self.rows
        if name == "TypedDataSet":
            return self.typed_rows()
        return self.dimensions.get(name)

    def entity_set_names(self) -> list[str]:
        return ["TableInfos", "UntypedDataSet", "TypedDataSet", "DataProperties", "CategoryGroups", *self.dimensions]

    def typed_rows(self) -> list[dict[str, Any]]:
        topics = {p["Key"] for p in self.data_properties if p.get("Type") == "Topic"}
        return [{k: (_typed(v) if k in topics else v) for k, v in r.items()} for r in self.rows]


def _prop(i: int, kind: str, key: str, title: str, odata_type: str, **extra: Any) -> dict[str, Any]:
    return {
        "odata.type": odata_type,
        "ID": i,
        "Position": i,
        "ParentID": None,
        "Type": kind,
        "Key": key,
        "Title": title,
        "Description": "",
        **extra,
    }


def _typed(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text in ("", "."):
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return value


# ------------------------------------------------------------------------------------------
# $filter: a small OData v3 expression parser


class FilterError(ValueError):
    pass


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|(?P<punct>[(),]))"
)
_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "startswith": lambda s, p: str(s).startswith(p),
    "endswith": lambda s, p: str(s).endswith(p),
    "substringof": lambda needle, s: needle in str(s),  # OData v3 argument order
    "substring": lambda s, i, n=None: str(s)[int(i) :] if n is None else str(s)[int(i) : int(i) + int(n)],
    "trim": lambda s: str(s).strip(),
    "tolower": lambda s: str(s).lower(),
    "toupper": lambda s: str(s).upper(),
    "length": lambda s: len(str(s)),
    "indexof": lambda s, p: str(s).find(p),
}


def parse_filter(text: str) -> Callable[[Mapping[str, Any]], bool]:
    """Compile an OData v3 ``$filter`` into a predicate on a row (raises FilterError)."""
    tokens: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FilterError(f"cannot parse $filter at {text[pos : pos + 20]!r}")
        pos = m.end()
        if m.group("str") is not None:
            tokens.append(("lit", m.group("str")[1:-1].replace("''", "'")))
        elif m.group("num") is not None:
            num = m.group("num")
            tokens.append(("lit", float(num) if "." in num else int(num)))
        elif m.group("name") is not None:
            tokens.append(("name", m.group("name")))
        else:
            tokens.append(("punct", m.group("punct")))
    parser = _Parser(tokens)
    expr = parser.expr()
    if parser.i != len(tokens):
        raise FilterError(f"unexpected {tokens[parser.i][1]!r} in $filter")
    return lambda row: bool(expr(row))


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]]):
        self.tokens, self.i = tokens, 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, kind: str | None = None, value: Any = None) -> tuple[str, Any]:
        tok = self.peek()
        if tok is None or (kind and tok[0] != kind) or (value is not None and tok[1] != value):
            raise FilterError(f"expected {value or kind}, got {tok[1] if tok else 'end of $filter'!r}")
        self.i += 1
        return tok

    def _word(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "name" and tok[1] == word

    def expr(self):
        left = self.and_expr()
        while self._word("or"):
            self.i += 1
            right = self.and_expr()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def and_expr(self):
        left = self.not_expr()
        while self._word("and"):
            self.i += 1
            right = self.not_expr()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def not_expr(self):
        if self._word("not"):
            self.i += 1
            inner = self.not_expr()
            return lambda r: not inner(r)
        return self.comparison()

    def comparison(self):
        left = self.value()
        tok = self.peek()
        if tok and tok[0] == "name" and tok[1] in _COMPARE:
            self.i += 1
            right = self.value()
            op = _COMPARE[tok[1]]
            return lambda r: op(left(r), right(r))
        return left

    def value(self):
        kind, val = self.take()
        if kind == "lit":
            return lambda r: val
        if kind == "punct" and val == "(":
            inner = self.expr()
            self.take("punct", ")")
            return inner
        if kind == "name":
            if val in ("true", "false", "null"):
                const = {"true": True, "false": False, "null": None}[val]
                return lambda r: const
            nxt = self.peek()
            if nxt == ("punct", "("):
                if val not in _FUNCTIONS:
                    raise FilterError(f"unknown function {val}")
                self.i += 1
                args = []
                if self.peek() != ("punct", ")"):
                    args.append(self.expr())
                    while self.peek() == ("punct", ","):
                        self.i += 1
                        args.append(self.expr())
                self.take("punct", ")")
                fn = _FUNCTIONS[val]
                return lambda r: fn(*(a(r) for a in args))

            def field_value(r, name=val):
                if name not in r:
                    raise FilterError(f"no property {name!r}")
                return r[name]

            return field_value
        raise FilterError(f"unexpected {val!r} in $filter")


# ------------------------------------------------------------------------------------------
# Server


@dataclass
class Fault:
    kind: str
    match: str | None = None  # entity set name ("UntypedDataSet", "TableInfos", "" = service root); None = all
    table_id: str | None = None
    times: int | None = None  # None: every matching request
    status: int = 503
    retry_after: str | None = None
    delay: float = 10.0  # hang: seconds before closing without an answer
    chunk: int = 16  # trickle: bytes per write
    interval: float = 0.05  # trickle: seconds between writes
    fraction: float = 0.5  # truncate / invalid_json: share of the body sent
    hits: int = 0

    def matches(self, table_id: str | None, entity_set: str | None) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.table_id is not None and self.table_id != table_id:
            return False
        return self.match is None or self.match == entity_set


@dataclass
class LoggedRequest:
    host: str
    table_id: str | None
    entity_set: str | None
    query: dict[str, str]
    fault: str | None = None
    path: str = ""
    body_size: int = 0  # a trickled body: its length, and how many bytes of it were written so far
    body_sent: int = 0


class FakeOdataServer:
    """The server. Use as a context manager or call start()/stop()."""

    def __init__(self, tables: Iterable[FakeTable] = (), page_size: int = 1000):
        self.tables: dict[tuple[str, str], FakeTable] = {}
        for t in tables:
            self.add_table(t)
        self.page_size = page_size
        self.faults: list[Fault] = []
        self.log: list[LoggedRequest] = []
        self.hooks: list[Callable[[LoggedRequest], None]] = []  # called for every request, before the answer
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeOdataServer:
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def __enter__(self) -> FakeOdataServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def address(self) -> str:
        assert self.httpd is not None, "server not started"
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"http://{self.address}"

    def endpoint(self, **options: Any) -> OdataEndpoint:
        """An endpoint pointing at this server, with the fast test settings unless overridden.

        A test that sets its own ``timeout`` means it: the fast limit on a whole response would cut a
        large table short on a busy machine (two test workers), so it grows with that timeout."""
        settings = {**FAST, **options}
        if "timeout" in options and "total_timeout" not in options:
            settings["total_timeout"] = 3 * sum(options["timeout"])
        return OdataEndpoint.at(self.base_url, **settings)

    # -- content and faults ----------------------------------------------------------------
    def add_table(self, table: FakeTable) -> FakeTable:
        self.tables[(table.host, table.table_id)] = table
        return table

    def table(self, table_id: str) -> FakeTable:
        return next(t for (_, tid), t in self.tables.items() if tid == table_id)

    def fail(self, kind: str, **options: Any) -> Fault:
        fault = Fault(kind, **options)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def _take_fault(self, table_id: str | None, entity_set: str | None) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(table_id, entity_set):
                    fault.hits += 1
                    return fault
        return None

    def requests_for(self, table_id: str, entity_set: str | None = None) -> list[LoggedRequest]:
        return [r for r in self.log if r.table_id == table_id and (entity_set is None or r.entity_set == entity_set)]


def dead_address() -> str:
    """host:port where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"127.0.0.1:{port}"


_HTML_ERROR = (
    "<!DOCTYPE html><html><head><title>Onderhoud</title></head><body><h1>Er is een fout opgetreden</h1>"
    "<p>De service is tijdelijk niet beschikbaar.</p></body></html>"
)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOdataServer
    protocol_version = "HTTP/1.0"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        segments = [unquote(s) for s in parts.path.split("/") if s != ""]
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        trailing = parts.path.endswith("/")
        host = segments[0] if segments else ""
        table_id = entity_set = None
        if len(segments) >= 4 and segments[1].lower() in ("odatafeed", "odataapi") and segments[2].lower() == "odata":
            table_id = segments[3]
            entity_set = segments[4] if len(segments) > 4 else ""
            if len(segments) > 5 or (entity_set and trailing):
                entity_set = "/".join(segments[4:])
        logged = LoggedRequest(host, table_id, entity_set, query, path=self.path)
        with self.fake.lock:
            self.fake.log.append(logged)
        for hook in list(self.fake.hooks):
            hook(logged)
        fault = self.fake._take_fault(table_id, entity_set)
        logged.fault = fault.kind if fault else None

        if fault and fault.kind == "hang":
            self.fake.stopping.wait(fault.delay)
            self.close_connection = True
            return
        if fault and fault.kind == "reset":
            self.close_connection = True
            return
        if fault and fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            body = {"odata.error": {"code": "", "message": {"lang": "nl", "value": "Tijdelijk niet beschikbaar"}}}
            return self._send(fault.status, json.dumps(body).encode(), "application/json;charset=utf-8", headers)
        if fault and fault.kind == "html":
            return self._send(200, _HTML_ERROR.encode(), "text/html; charset=utf-8")

        try:
            status, doc = self._answer(host, segments, table_id, entity_set, query, fault)
        except FilterError as exc:
            status, doc = 400, {"odata.error": {"code": "", "message": {"lang": "en-US", "value": str(exc)}}}
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        ctype = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8"

        if fault and fault.kind == "invalid_json":
            text = json.dumps(doc, ensure_ascii=False)
            body = text[: max(1, int(len(text) * fault.fraction))].encode("utf-8")
        if fault and fault.kind == "truncate":
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: int(len(body) * fault.fraction)])
            self.wfile.flush()
            self.close_connection = True
            return
        if fault and fault.kind == "trickle":
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            logged.body_size = len(body)
            try:
                for i in range(0, len(body), fault.chunk):
                    if self.fake.stopping.is_set():
                        break
                    self.wfile.write(body[i : i + fault.chunk])
                    self.wfile.flush()
                    logged.body_sent = i + len(body[i : i + fault.chunk])
                    time.sleep(fault.interval)  # the slow server is the fault under test
            except OSError:
                pass  # the client gave up
            self.close_connection = True
            return
        self._send(status, body, ctype)

    def _answer(self, host, segments, table_id, entity_set, query, fault):
        base = f"http://{self.headers.get('Host')}"
        if len(segments) == 3 and segments[1] == "ODataCatalog" and segments[2] == "Tables":
            rows = [
                {
                    "Identifier": t.table_id,
                    "Title": t.table_infos.get("Title"),
                    "Modified": t.table_infos.get("Modified"),
                    "Catalog": t.table_infos.get("Catalog"),
                }
                for (h, _), t in self.fake.tables.items()
                if h == host
            ]
            return 200, {"odata.metadata": f"{base}/{host}/ODataCatalog/$metadata#Tables", "value": _apply(rows, query)}
        table = self.fake.tables.get((host, table_id)) if table_id else None
        if table is None:
            return 404, {
                "odata.error": {"code": "", "message": {"lang": "nl", "value": f"Tabel {table_id} bestaat niet"}}
            }
        root = f"{base}/{host}/{segments[1]}/{segments[2]}/{table_id}"
        if entity_set == "":
            value = [{"name": n, "url": f"{root}/{n}"} for n in table.entity_set_names()]
            return 200, {"odata.metadata": f"{root}/$metadata", "value": value}
        rows = table.entity_set(entity_set)
        if rows is None:
            return 404, {"odata.error": {"code": "", "message": {"lang": "nl", "value": f"Onbekend: {entity_set}"}}}
        selected = _apply(copy.deepcopy(rows), query)
        start = int(query.get("$skiptoken", "0") or 0)
        page = selected[start : start + self.fake.page_size]
        doc: dict[str, Any] = {"odata.metadata": f"{root}/$metadata#Cbs.OData.WebAPI.{entity_set}", "value": page}
        first_page = f"{root}/{entity_set}?" + urlencode({k: v for k, v in query.items() if k != "$skiptoken"})
        if start + self.fake.page_size < len(selected):
            doc["odata.nextLink"] = first_page + "&" + urlencode({"$skiptoken": start + self.fake.page_size})
        if fault and fault.kind == "next_404":
            doc["odata.nextLink"] = f"{root}/{entity_set}Vervolg?" + urlencode({"$format": "json", "$skiptoken": 1})
        if fault and fault.kind == "next_loop":
            doc["odata.nextLink"] = first_page
        return 200, doc

    def _send(self, status: int, body: bytes, ctype: str, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass


def _apply(rows: list[dict[str, Any]], query: Mapping[str, str]) -> list[dict[str, Any]]:
    """$filter then $select."""
    if query.get("$filter"):
        predicate = parse_filter(query["$filter"])
        rows = [r for r in rows if predicate(r)]
    if query.get("$select"):
        cols = [c.strip() for c in query["$select"].split(",") if c.strip()]
        for c in cols:
            if rows and c not in rows[0]:
                raise FilterError(f"$select: no property {c!r}")
        rows = [{c: r.get(c) for c in cols} for r in rows]
    return rows


# ------------------------------------------------------------------------------------------
# Small tables and helpers shared by the fetch tests

GEMEENTE_TITLE = "Geregistreerde misdrijven en aangiften; soort misdrijf, gemeente"
BUURT_TITLE = "Geregistreerde misdrijven; soort misdrijf, wijk, buurt, jaarcijfers"


def gemeente_table(modified: str = "2025-01-15T02:00:00") -> FakeTable:
    """A 47013NED-shaped table: 2 soorten x 6 regions (keys padded to 8) x 3 periods, 3 measures."""
    regions = [
        ("NL01    ", "Nederland"),
        ("PV22    ", "Drenthe"),
        ("GM1701  ", "Westerveld"),
        ("GM1690  ", "De Wolden"),
        ("GM0118  ", "Hoogeveen"),
        ("RE01    ", "Noord-Nederland (RE)"),
    ]
    soorten = [("0.0.0 ", "Totaal misdrijven"), ("1.1.1 ", "1.1.1 Diefstal/inbraak woning")]
    periods = [("2022JJ00", "2022"), ("2023JJ00", "2023"), ("2023MM01", "2023 januari")]
    rows = []
    for s_i, (s, _) in enumerate(soorten):
        for r_i, (r, _) in enumerate(regions):
            for p_i, (p, _) in enumerate(periods):
                value = None if (r.startswith("GM0118") and p == "2023MM01") else 100 * r_i + 10 * p_i + s_i
                rows.append(
                    {
                        "SoortMisdrijf": s,
                        "RegioS": r,
                        "Perioden": p,
                        "GeregistreerdeMisdrijven_1": value,
                        "Aangiften_2": value and value // 2,
                        "Internetaangiften_3": 0,
                    }
                )
    return FakeTable.build(
        "47013NED",
        POLITIE_HOST,
        GEMEENTE_TITLE,
        {"SoortMisdrijf": soorten, "RegioS": regions, "Perioden": periods},
        [
            ("GeregistreerdeMisdrijven_1", "Geregistreerde misdrijven"),
            ("Aangiften_2", "Aangiften"),
            ("Internetaangiften_3", "Internetaangiften"),
        ],
        rows,
        modified=modified,
    )


def buurt_table(modified: str = "2024-08-15T02:00:00") -> FakeTable:
    """A 47018NED-shaped table: two gemeenten with a wijk and buurten each (keys padded to 10)."""
    areas = [
        ("NL00      ", "Nederland"),
        ("GM1701    ", "Westerveld"),
        ("WK170100  ", "Wijk 00 Diever"),
        ("BU17010000", "Diever"),
        ("BU17010003", "Verspreide huizen Diever"),
        ("WK170108  ", "Wijk 08 Havelte"),
        ("BU17010800", "Havelte"),
        ("GM1690    ", "De Wolden"),
        ("WK169000  ", "Wijk 00 Zuidwolde"),
        ("BU16900000", "Zuidwolde"),
    ]
    values = {
        "NL00": 800000,
        "GM1701": 365,
        "WK170100": 38,
        "BU17010000": 31,
        "BU17010003": 7,
        "WK170108": 54,
        "BU17010800": 54,
        "GM1690": 467,
        "WK169000": 99,
        "BU16900000": 99,
    }
    rows = [
        {
            "SoortMisdrijf": "0.0.0 ",
            "WijkenEnBuurten": k,
            "Perioden": p,
            "GeregistreerdeMisdrijven_1": values[k.strip()] + (0 if p == "2023JJ00" else -1),
        }
        for k, _ in areas
        for p in ("2022JJ00", "2023JJ00")
    ]
    return FakeTable.build(
        "47018NED",
        POLITIE_HOST,
        BUURT_TITLE,
        {
            "SoortMisdrijf": [("0.0.0 ", "Totaal misdrijven")],
            "WijkenEnBuurten": areas,
            "Perioden": [("2022JJ00", "2022"), ("2023JJ00", "2023")],
        },
        [("GeregistreerdeMisdrijven_1", "Geregistreerde misdrijven")],
        rows,
        modified=modified,
    )


def tree_state(path: Path) -> dict[str, bytes] | None:
    """Every file and folder under ``path`` with its bytes (None if ``path`` does not exist):
    equal states mean the folder is byte-for-byte unchanged."""
    path = Path(path)
    if not path.exists():
        return None
    state: dict[str, bytes] = {}
    for p in sorted(path.rglob("*")):
        rel = str(p.relative_to(path))
        state[rel + ("/" if p.is_dir() else "")] = b"" if p.is_dir() else p.read_bytes()
    return state


def real_data_dir() -> Path | None:
    """The shared real extracts: $VA_SHARED_DATA, else <repo>/../shared/data/real (None if absent).
    They are read in place and never copied into the repository."""
    import os

    candidates = []
    if os.environ.get("VA_SHARED_DATA"):
        env = Path(os.environ["VA_SHARED_DATA"])
        candidates += [env, env / "real", env / "data" / "real"]
    repo = Path(__file__).resolve().parents[1]
    candidates += [repo.parent / "shared" / "data" / "real"]
    for c in candidates:
        if (c / "politie-47018NED-buurt").is_dir() or (c / "politie-47013NED-gemeente").is_dir():
            return c
    return None


# The basisteam Zuidwest-Drenthe and Nederland in the real 47013NED extract (names only; codes given here).
BASISTEAM_CODES = {
    "Westerveld": "GM1701",
    "De Wolden": "GM1690",
    "Hoogeveen": "GM0118",
    "Meppel": "GM0119",
    "Midden-Drenthe": "GM1731",
    "Nederland": "NL01",
}
REAL_47013_YEARS = ("2022", "2023", "2024")


def read_statline_export(path: Path) -> dict[tuple[str, str], str]:
    """{(name, year): value} from a StatLine-style ';' export (6 header lines, 'Bron' footer)."""
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        lines = list(csv.reader(fh, delimiter=";"))
    years = lines[4][1:]
    return {
        (line[0], year): value
        for line in lines[6:]
        if len(line) == len(years) + 1
        for year, value in zip(years, line[1:])
    }


def real_47013_table(
    folder: Path, extra_categories: Mapping[str, tuple[str, int]] | None = None, pad: int = 8
) -> tuple[FakeTable, dict[str, dict[int, int]]]:
    """47013NED as the server has it, from the real extract in ``folder``: Totaal misdrijven (0.0.0)
    for the basisteam and Nederland, 2022-2024, keys padded to ``pad`` characters, JJ00 periods.

    ``extra_categories`` ({code: (title, divisor)}) adds categories with test values (total // divisor).
    Returns the table and the real totals {region code: {year: count}}."""
    values = {
        **read_statline_export(folder / "misdrijven_2022_2023.csv"),
        **read_statline_export(folder / "Misdrijven_2024.csv"),
    }
    categories = {"0.0.0": ("Totaal misdrijven", 1), **(extra_categories or {})}
    rows = []
    for name, code in BASISTEAM_CODES.items():
        for year in REAL_47013_YEARS:
            total = int(values[(name, year)])
            for key, (_title, divisor) in categories.items():
                rows.append(
                    {
                        "SoortMisdrijf": key.ljust(pad),
                        "RegioS": code.ljust(pad),
                        "Perioden": f"{year}JJ00",
                        "GeregistreerdeMisdrijven_1": total // divisor,
                        "Aangiften_2": None,
                        "Internetaangiften_3": None,
                    }
                )
    table = FakeTable.build(
        "47013NED",
        POLITIE_HOST,
        "Geregistreerde misdrijven en aangiften; soort misdrijf, gemeente",
        {
            "SoortMisdrijf": [(key.ljust(pad), title) for key, (title, _d) in categories.items()],
            "RegioS": [(code.ljust(pad), name) for name, code in BASISTEAM_CODES.items()],
            "Perioden": [(f"{y}JJ00", y) for y in REAL_47013_YEARS],
        },
        [
            ("GeregistreerdeMisdrijven_1", "Geregistreerde misdrijven"),
            ("Aangiften_2", "Aangiften"),
            ("Internetaangiften_3", "Internetaangiften"),
        ],
        rows,
    )
    known = {code: {int(y): int(values[(name, y)]) for y in REAL_47013_YEARS} for name, code in BASISTEAM_CODES.items()}
    return table, known


def demo_tables(table_ids: Iterable[str] | None = None) -> list[FakeTable]:
    """The shipped demo snapshots (all tables, or ``table_ids``) as a server would serve them."""
    from veiligheidsanalyse.sources.tables import TABLES

    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    return [FakeTable.from_snapshot(demo / t / "demo") for t in (table_ids or TABLES) if (demo / t / "demo").exists()]
