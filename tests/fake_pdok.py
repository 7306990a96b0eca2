"""A fake PDOK OGC API Features server for the wijk- en buurtkaart (stdlib only, 127.0.0.1, a free port).

Serves ``/cbs/wijken-en-buurten-<jaar>/ogc/v1/collections/{gemeenten,wijken,buurten}/items`` for the one
``jaar`` it is made with (any other year is 404, so a test sees which year a run asked for), with
``gemeentecode=`` as a property filter, paged by ``page_size`` features through a ``next`` link (as PDOK
does: an absolute URL with a cursor). Faults per collection with :meth:`FakePdokServer.fail`:
``status`` (an HTTP error), ``invalid_json``, ``no_features`` (a JSON object without features) and
``bad_geometry`` (WGS84 coordinates instead of RD New metres) and ``geometry_list`` (not a
geometry object at all).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from veiligheidsanalyse.sources.boundaries import SOURCE_ID
from veiligheidsanalyse.sources.snapshots import list_snapshots


class FakePdokServer:
    def __init__(self, features: dict[str, list[dict]], *, jaar: int = 2024, page_size: int = 5):
        self.features = features  # collection -> features (PDOK property names)
        self.jaar = jaar
        self.page_size = page_size
        self.faults: dict[str, str] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                server.requests.append(self.path)
                status, body = server.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/geo+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakePdokServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail(self, collection: str, kind: str) -> None:
        self.faults[collection] = kind

    def answer(self, path: str) -> tuple[int, bytes]:
        parts = urlsplit(path)
        prefix = f"/cbs/wijken-en-buurten-{self.jaar}/ogc/v1/collections/"
        if not parts.path.startswith(prefix) or not parts.path.endswith("/items"):
            return 404, b'{"code": "NotFound"}'
        collection = parts.path[len(prefix) : -len("/items")]
        if collection not in self.features:
            return 404, b'{"code": "NotFound"}'
        query = dict(parse_qsl(parts.query))
        fault = self.faults.get(collection)
        if fault == "status":
            return 500, b'{"code": "InternalServerError"}'
        if fault == "invalid_json":
            return 200, b'{"type": "FeatureCollection", "features": [{"type": '
        if fault == "no_features":
            return 200, b'{"type": "FeatureCollection"}'
        selected = [
            f for f in self.features[collection] if f["properties"].get("gemeentecode") == query.get("gemeentecode")
        ]
        if fault == "bad_geometry":
            selected = [
                dict(
                    f,
                    geometry={"type": "Polygon", "coordinates": [[[6.1, 52.7], [6.2, 52.7], [6.2, 52.8], [6.1, 52.7]]]},
                )
                for f in selected
            ]
        if fault == "geometry_list":
            selected = [dict(f, geometry=[1, 2, 3]) for f in selected]
        start = int(query.get("cursor", 0))
        page = selected[start : start + self.page_size]
        links = [{"rel": "self", "href": f"{self.url}{path}"}]
        if start + self.page_size < len(selected):
            following = dict(query, cursor=str(start + self.page_size))
            links.append({"rel": "next", "href": f"{self.url}{parts.path}?{urlencode(following)}"})
        body = {"type": "FeatureCollection", "features": page, "links": links, "numberReturned": len(page)}
        return 200, json.dumps(body).encode("utf-8")


def demo_features(demo_root: Path) -> dict[str, list[dict]]:
    """PDOK-shaped features (its property names, plus a kerncijfer the snapshot must drop), made from
    the demo boundaries; the buurten are the wijken under buurt codes."""
    rows = list_snapshots(demo_root, SOURCE_ID)[-1].rows()
    wijken = [r for r in rows if r["properties"]["niveau"] == "wijk"]
    gemeenten = [r for r in rows if r["properties"]["niveau"] == "gemeente"]
    return {
        "gemeenten": [
            {
                "type": "Feature",
                "geometry": g["geometry"],
                "properties": {
                    "gemeentecode": g["properties"]["statcode"],
                    "gemeentenaam": g["properties"]["statnaam"],
                    "aantalInwoners": 1000,
                },
            }
            for g in gemeenten
        ],
        "wijken": [
            {
                "type": "Feature",
                "geometry": w["geometry"],
                "properties": {
                    "wijkcode": w["properties"]["statcode"],
                    "wijknaam": w["properties"]["statnaam"],
                    "gemeentecode": w["properties"]["gemeentecode"],
                    "aantalInwoners": 100,
                },
            }
            for w in wijken
        ],
        "buurten": [
            {
                "type": "Feature",
                "geometry": w["geometry"],
                "properties": {
                    "buurtcode": "BU" + w["properties"]["statcode"][2:] + "00",
                    "buurtnaam": w["properties"]["statnaam"].replace("Wijk", "Buurt"),
                    "wijkcode": w["properties"]["statcode"],
                    "gemeentecode": w["properties"]["gemeentecode"],
                },
            }
            for w in wijken
        ],
    }
