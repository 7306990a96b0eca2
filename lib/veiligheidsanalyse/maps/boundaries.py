"""Boundaries of gemeenten, wijken and buurten from the CBS/Kadaster wijk- en buurtkaart (GeoJSON).

The wijk- en buurtkaart (CBS and Kadaster, via PDOK; CC BY 4.0, attribution "Kadaster / CBS")
is read in RD New (EPSG:28992): planar coordinates in metres, so simplification tolerances are
metres and drawing needs no map projection, only a flip of the y axis. Polygon and
MultiPolygon geometries are read with their holes; no GIS library is needed.

Properties understood: ``statcode``/``statnaam`` (the cartographic CBS files and cartomap/nl)
or the PDOK names ``buurtcode``/``buurtnaam``, ``wijkcode``/``wijknaam``,
``gemeentecode``/``gemeentenaam``; ``niveau`` and ``jaar`` when present. Where a feature lacks its
level or gemeente, both follow from the CBS code (``BU17010000``: buurt in gemeente ``GM1701``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

Point = tuple[float, float]
Ring = tuple[Point, ...]  # closed: first point == last point

RD_NEW = "28992"
LEVELS = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}
# RD New covers the Netherlands in roughly x -7.000..300.000 m, y 289.000..629.000 m
RD_BOUNDS = (-10_000.0, 280_000.0, 310_000.0, 640_000.0)


@dataclass(frozen=True)
class Polygon:
    """One polygon: an exterior ring and zero or more holes (each ring closed)."""

    exterior: Ring
    holes: tuple[Ring, ...] = ()

    @property
    def rings(self) -> tuple[Ring, ...]:
        return (self.exterior, *self.holes)


@dataclass(frozen=True)
class Gebied:
    """A gemeente, wijk or buurt with its boundary in RD New metres."""

    code: str  # CBS code: GM1701, WK170100, BU17010000
    naam: str
    gemeentecode: str  # GM1701 (the gemeente itself for a gemeente)
    niveau: str  # "gemeente", "wijk" or "buurt"
    polygons: tuple[Polygon, ...]
    jaar: int | None = None

    @property
    def rings(self) -> tuple[Ring, ...]:
        """All rings of all polygons, exteriors and holes."""
        return tuple(ring for polygon in self.polygons for ring in polygon.rings)

    def bounds(self) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y) in metres."""
        return bounds_of([self])


def read_boundaries(path, *, gemeentecode: str | None = None, niveau: str | None = None, codes=None) -> list[Gebied]:
    """Areas of a wijk- en buurtkaart GeoJSON file in RD New, optionally filtered.

    ``gemeentecode`` keeps the areas of one gemeente (or the gemeente itself), ``niveau`` one
    level, ``codes`` a set of CBS codes. The file must name EPSG:28992 in its ``crs`` member or,
    without one, have coordinates inside the RD New extent; WGS84 files are refused (reproject
    them first), because tolerances and drawing assume metres.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return areas_from_geojson(data, path, gemeentecode=gemeentecode, niveau=niveau, codes=codes)


def areas_from_geojson(
    data: dict, source="GeoJSON", *, gemeentecode: str | None = None, niveau: str | None = None, codes=None
) -> list[Gebied]:
    """:func:`read_boundaries` on an already parsed FeatureCollection (``source`` names it in errors)."""
    path = source
    _check_crs(data, path)
    wanted = set(codes) if codes is not None else None
    areas = []
    for feature in data.get("features", []):
        area = _gebied(feature)
        if area is None:
            continue
        if gemeentecode is not None and area.gemeentecode != gemeentecode:
            continue
        if niveau is not None and area.niveau != niveau:
            continue
        if wanted is not None and area.code not in wanted:
            continue
        areas.append(area)
    _check_extent(areas, path)
    return areas


def feature_of(area: Gebied, digits: int = 0) -> dict:
    """A GeoJSON feature of ``area`` (the properties :func:`read_boundaries` reads back), with
    coordinates rounded to ``digits`` decimals of a metre."""

    def ring(points: Ring) -> list:
        return [[_rounded(x, digits), _rounded(y, digits)] for x, y in points]

    polygons = [[ring(p.exterior), *(ring(h) for h in p.holes)] for p in area.polygons]
    geometry = (
        {"type": "Polygon", "coordinates": polygons[0]}
        if len(polygons) == 1
        else {"type": "MultiPolygon", "coordinates": polygons}
    )
    properties = {
        "statcode": area.code,
        "statnaam": area.naam,
        "gemeentecode": area.gemeentecode,
        "niveau": area.niveau,
        "jaar": area.jaar,
    }
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def to_geojson(areas, digits: int = 0, **members) -> dict:
    """A FeatureCollection in RD New of ``areas`` (``members``: extra top-level members such as ``jaar``)."""
    return {
        "type": "FeatureCollection",
        **members,
        "crs": {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{RD_NEW}"}},
        "features": [feature_of(area, digits) for area in areas],
    }


def _rounded(value: float, digits: int):
    return round(value) if digits <= 0 else round(value, digits)


def bounds_of(areas) -> tuple[float, float, float, float]:
    """(min x, min y, max x, max y) over all rings of ``areas``."""
    xs = [x for area in areas for ring in area.rings for x, _ in ring]
    ys = [y for area in areas for ring in area.rings for _, y in ring]
    if not xs:
        raise ValueError("no coordinates")
    return min(xs), min(ys), max(xs), max(ys)


def ring_area(ring: Ring) -> float:
    """Signed area by the shoelace formula (positive counter-clockwise), in square metres."""
    total = 0.0
    for (x1, y1), (x2, y2) in pairwise(ring):
        total += x1 * y2 - x2 * y1
    return total / 2.0


def area_of(area: Gebied) -> float:
    """Area in square metres: exteriors minus holes."""
    return sum(abs(ring_area(p.exterior)) - sum(abs(ring_area(h)) for h in p.holes) for p in area.polygons)


# --------------------------------------------------------------------------- parsing


def _check_crs(data: dict, path) -> None:
    name = str(((data.get("crs") or {}).get("properties") or {}).get("name", ""))
    if name and not name.endswith(RD_NEW):
        raise ValueError(f"{path}: coordinates are in {name}, expected RD New (EPSG:28992, metres)")


def _check_extent(areas: list[Gebied], path) -> None:
    if not areas:
        return
    min_x, min_y, max_x, max_y = bounds_of(areas)
    lo_x, lo_y, hi_x, hi_y = RD_BOUNDS
    if min_x < lo_x or max_x > hi_x or min_y < lo_y or max_y > hi_y:
        raise ValueError(
            f"{path}: coordinates ({min_x:.0f}..{max_x:.0f}, {min_y:.0f}..{max_y:.0f}) are not "
            "RD New metres in the Netherlands"
        )


def _gebied(feature: dict) -> Gebied | None:
    props = feature.get("properties") or {}
    geometry = feature.get("geometry")
    code = _first(props, "statcode", "buurtcode", "wijkcode", "gemeentecode")
    if not code or not geometry:
        return None
    code = str(code).strip()
    level = str(props.get("niveau") or LEVELS.get(code[:2], "")).strip()
    if not level:
        raise ValueError(f"cannot tell the level (gemeente, wijk, buurt) of {code!r}")
    name_key = {"buurt": "buurtnaam", "wijk": "wijknaam", "gemeente": "gemeentenaam"}[level]
    name = str(_first(props, "statnaam", name_key) or code).strip()
    gemeente = code if level == "gemeente" else str(props.get("gemeentecode") or f"GM{code[2:6]}").strip()
    year = props.get("jaar")
    return Gebied(
        code=code,
        naam=name,
        gemeentecode=gemeente,
        niveau=level,
        polygons=_polygons(geometry, code),
        jaar=int(year) if year not in (None, "") else None,
    )


def _first(props: dict, *keys):
    for key in keys:
        if props.get(key) not in (None, ""):
            return props[key]
    return None


def _polygons(geometry: dict, code: str) -> tuple[Polygon, ...]:
    kind = geometry.get("type")
    if kind == "Polygon":
        parts = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        parts = geometry["coordinates"]
    else:
        raise ValueError(f"{code}: geometry type {kind!r}, expected Polygon or MultiPolygon")
    polygons = []
    for part in parts:
        rings = [_ring(coords) for coords in part]
        rings = [ring for ring in rings if len(ring) >= 4]  # a ring needs three distinct points
        if rings:
            polygons.append(Polygon(rings[0], tuple(rings[1:])))
    if not polygons:
        raise ValueError(f"{code}: empty geometry")
    return tuple(polygons)


def _ring(coords) -> Ring:
    """A closed ring of float pairs without consecutive duplicates."""
    points: list[Point] = []
    for xy in coords:
        point = (float(xy[0]), float(xy[1]))
        if not points or point != points[-1]:
            points.append(point)
    if points and points[0] != points[-1]:
        points.append(points[0])
    return tuple(points)
