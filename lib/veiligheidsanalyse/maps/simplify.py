"""Simplify boundaries for print: Douglas-Peucker along shared borders, every area kept.

Method: Douglas & Peucker (1973), "Algorithms for the reduction of the number of points
required to represent a digitized line or its caricature", The Canadian Cartographer 10(2):
112-122. A point is dropped when it lies within ``tolerance`` metres of the line through the
points kept around it.

Neighbouring buurten share their border; simplifying each ring on its own would move that
border differently on each side and open slivers between them. So the rings are first cut into
*arcs* at their nodes (a vertex is a node when it has more than two distinct neighbours over all
rings: where three areas meet or where a shared border ends) and each arc is simplified once,
in a canonical direction, so both sides get the same line. A ring without nodes (an island, or
a buurt lying wholly inside another) is cut at its smallest vertex and the vertex farthest from it.

No area disappears: when a ring would keep fewer than three distinct points or (an exterior) less
than ``MIN_AREA_SHARE`` of its area, the tolerance of its arcs is halved and they are simplified
again, for every area that uses them, down to the original arcs if needed.
"""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import pairwise

from .boundaries import Gebied, Point, Polygon, Ring, bounds_of, ring_area

MIN_AREA_SHARE = 0.25  # a simplified exterior keeps at least a quarter of its area
MIN_TOLERANCE = 1e-6  # below this the arc is kept as it is


def auto_tolerance(areas, width_px: float, pixels: float = 0.5) -> float:
    """Tolerance in metres that equals ``pixels`` at a drawing ``width_px`` wide (half a pixel by default)."""
    min_x, min_y, max_x, max_y = bounds_of(areas)
    return max(max_x - min_x, max_y - min_y) / float(width_px) * pixels


def simplify_areas(areas: list[Gebied], tolerance: float) -> list[Gebied]:
    """The same areas (same order and codes) with simplified rings; shared borders stay shared."""
    if tolerance <= 0:
        return list(areas)
    rings = [ring for area in areas for ring in area.rings]
    nodes = _nodes(rings)
    arcs_per_ring = [_split(ring, nodes) for ring in rings]
    arc_tolerance: dict[tuple[Point, ...], float] = {}
    cache: dict[tuple[tuple[Point, ...], float], tuple[Point, ...]] = {}

    def simplified_ring(index: int) -> Ring:
        points: list[Point] = []
        for arc in arcs_per_ring[index]:
            key = _canonical(arc)[0]
            line = _simplified_arc(arc, arc_tolerance.get(key, tolerance), cache)
            points.extend(line if not points else line[1:])
        return tuple(points)

    result = [simplified_ring(i) for i in range(len(rings))]
    exterior = _exterior_flags(areas)
    for _ in range(64):  # each round halves the tolerance of the failing arcs
        failing = [i for i, ring in enumerate(result) if not _acceptable(ring, rings[i], exterior[i])]
        if not failing:
            break
        for i in failing:
            for arc in arcs_per_ring[i]:
                key = _canonical(arc)[0]
                arc_tolerance[key] = arc_tolerance.get(key, tolerance) / 2.0
        # arcs are shared: recompute every ring, so both sides of a border stay identical
        result = [simplified_ring(i) for i in range(len(rings))]
    return _rebuild(areas, result)


def douglas_peucker(points, tolerance: float) -> list[Point]:
    """Douglas-Peucker on an open line: the first and last point are always kept."""
    points = list(points)
    if len(points) <= 2 or tolerance <= 0:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        farthest, distance = -1, tolerance
        for i in range(start + 1, end):
            d = _segment_distance(points[i], points[start], points[end])
            if d > distance:
                farthest, distance = i, d
        if farthest >= 0:
            keep[farthest] = True
            stack.append((start, farthest))
            stack.append((farthest, end))
    return [p for p, k in zip(points, keep) if k]


# --------------------------------------------------------------------------- arcs


def _nodes(rings) -> set[Point]:
    """Vertices with more than two distinct neighbours over all rings."""
    neighbours: dict[Point, set[Point]] = {}
    for ring in rings:
        cycle = ring[:-1]
        n = len(cycle)
        for i, point in enumerate(cycle):
            around = neighbours.setdefault(point, set())
            around.add(cycle[i - 1])
            around.add(cycle[(i + 1) % n])
    return {point for point, around in neighbours.items() if len(around) > 2}


def _split(ring: Ring, nodes: set[Point]) -> list[tuple[Point, ...]]:
    """The ring as consecutive arcs from node to node (closed ring without nodes: two halves)."""
    cycle = list(ring[:-1])
    cuts = [i for i, point in enumerate(cycle) if point in nodes]
    if not cuts:
        return _halves(cycle)
    start = cuts[0]
    rotated = cycle[start:] + cycle[:start]
    cuts = [i - start for i in cuts] + [len(cycle)]
    rotated.append(rotated[0])
    return [tuple(rotated[a : b + 1]) for a, b in pairwise(cuts)]


def _halves(cycle: list[Point]) -> list[tuple[Point, ...]]:
    """A ring without nodes, cut at its smallest vertex and the vertex farthest from it.

    The direction does not matter: each half is simplified in its canonical direction, and the
    same ring walked the other way (the hole that is another buurt's exterior) gives the same halves.
    """
    first = cycle.index(min(cycle))
    rotated = cycle[first:] + cycle[:first]
    far = max(range(1, len(rotated)), key=lambda i: (_dist2(rotated[0], rotated[i]), rotated[i]))
    closed = rotated + [rotated[0]]
    return [tuple(closed[: far + 1]), tuple(closed[far:])]


def _canonical(arc: tuple[Point, ...]) -> tuple[tuple[Point, ...], bool]:
    """The arc in a fixed direction (the smaller of forward and reversed), and whether it was reversed."""
    backward = arc[::-1]
    return (backward, True) if backward < arc else (arc, False)


def _simplified_arc(arc, tolerance: float, cache) -> tuple[Point, ...]:
    key, reversed_ = _canonical(arc)
    if (key, tolerance) not in cache:
        cache[(key, tolerance)] = tuple(key) if tolerance < MIN_TOLERANCE else tuple(douglas_peucker(key, tolerance))
    line = cache[(key, tolerance)]
    return line[::-1] if reversed_ else line


# --------------------------------------------------------------------------- checks and rebuild


def _exterior_flags(areas) -> list[bool]:
    return [
        ring_index == 0 for area in areas for polygon in area.polygons for ring_index, _ in enumerate(polygon.rings)
    ]


def _acceptable(ring: Ring, original: Ring, exterior: bool) -> bool:
    if len(set(ring)) < 3:
        return False
    area, before = abs(ring_area(ring)), abs(ring_area(original))
    if area <= 0:
        return False
    return not exterior or area >= MIN_AREA_SHARE * before


def _rebuild(areas, rings) -> list[Gebied]:
    out, k = [], 0
    for area in areas:
        polygons = []
        for polygon in area.polygons:
            count = len(polygon.rings)
            new = rings[k : k + count]
            k += count
            polygons.append(Polygon(new[0], tuple(new[1:])))
        out.append(replace(area, polygons=tuple(polygons)))
    return out


def _dist2(a: Point, b: Point) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    """Distance from p to the segment a-b (to a when a == b, as for a closed arc)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return math.dist(p, a)
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return math.dist(p, (a[0] + t * dx, a[1] + t * dy))
