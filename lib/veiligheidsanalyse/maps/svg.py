"""Low-level SVG writing for maps: coordinates to path data, text escaping, label points.

RD New is planar, in metres, with y to the north; SVG has y downwards. :class:`Frame` maps one
onto the other with a single scale, so distances and shapes are kept. Path data are written with
one decimal of a pixel, relative after the first point, which keeps a buurt map of a gemeente
at a few tens of kilobytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from xml.sax.saxutils import escape, quoteattr

from .boundaries import Gebied, Point, Polygon, ring_area


@dataclass(frozen=True)
class Frame:
    """Maps RD metres to SVG pixels: ``x' = left + (x - min_x) s``, ``y' = top + (max_y - y) s``."""

    min_x: float
    max_y: float
    scale: float
    left: float
    top: float

    @classmethod
    def fit(cls, bounds, width: float, height: float, left: float, top: float) -> Frame:
        """The largest frame that shows ``bounds`` inside ``width`` x ``height`` pixels, centred."""
        min_x, min_y, max_x, max_y = bounds
        span_x, span_y = max(max_x - min_x, 1e-9), max(max_y - min_y, 1e-9)
        scale = min(width / span_x, height / span_y)
        left += (width - span_x * scale) / 2
        top += (height - span_y * scale) / 2
        return cls(min_x, max_y, scale, left, top)

    def tenths(self, point: Point) -> tuple[int, int]:
        """The point in tenths of a pixel (integers, so relative steps add up exactly)."""
        x = (self.left + (point[0] - self.min_x) * self.scale) * 10
        y = (self.top + (self.max_y - point[1]) * self.scale) * 10
        return round(x), round(y)

    def pixel(self, point: Point) -> tuple[float, float]:
        x, y = self.tenths(point)
        return x / 10, y / 10


def number(tenths: int) -> str:
    """Tenths of a pixel as a short decimal: 123 -> "12.3", 120 -> "12", -5 -> "-.5"."""
    sign = "-" if tenths < 0 else ""
    whole, frac = divmod(abs(tenths), 10)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac}" if whole else f"{sign}.{frac}"


def path_data(area: Gebied, frame: Frame) -> str:
    """SVG path data for all rings of an area (draw with ``fill-rule="evenodd"`` for the holes)."""
    parts = []
    for polygon in area.polygons:
        for ring in polygon.rings:
            parts.append(_ring_data(ring, frame))
    return "".join(part for part in parts if part)


def _ring_data(ring, frame: Frame) -> str:
    points: list[tuple[int, int]] = []
    for point in ring[:-1]:
        p = frame.tenths(point)
        if not points or p != points[-1]:
            points.append(p)
    if len(points) > 1 and points[-1] == points[0]:
        points.pop()
    if len(points) < 3:
        return ""  # smaller than a tenth of a pixel: nothing to draw
    (x0, y0), steps = points[0], []
    previous = points[0]
    for x, y in points[1:]:
        steps.append(f"{number(x - previous[0])},{number(y - previous[1])}")
        previous = (x, y)
    return f"M{number(x0)},{number(y0)}l{' '.join(steps)}z"


def text(value) -> str:
    """Escape text content for XML."""
    return escape(str(value))


def attr(value) -> str:
    """A quoted, escaped XML attribute value."""
    return quoteattr(str(value))


def wrap(words: str, width: int) -> list[str]:
    """Greedy word wrap at ``width`` characters (legend titles, long labels)."""
    lines: list[str] = []
    for word in str(words).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def label_point(area: Gebied) -> Point:
    """A point inside the largest polygon of an area, for its label.

    The centroid of the exterior when it lies inside the polygon (holes included), otherwise the
    middle of the widest inside stretch of the horizontal line through the centroid.
    """
    polygon = max(area.polygons, key=lambda p: abs(ring_area(p.exterior)))
    cx, cy = _centroid(polygon.exterior)
    if _inside((cx, cy), polygon):
        return cx, cy
    stretches = _scanline(polygon, cy)
    if not stretches:
        return polygon.exterior[0]
    a, b = max(stretches, key=lambda s: s[1] - s[0])
    return (a + b) / 2, cy


def _centroid(ring) -> Point:
    area = ring_area(ring)
    if area == 0:
        xs, ys = zip(*ring)
        return sum(xs) / len(xs), sum(ys) / len(ys)
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in pairwise(ring):
        cross = x1 * y2 - x2 * y1
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return cx / (6 * area), cy / (6 * area)


def _inside(point: Point, polygon: Polygon) -> bool:
    """Even-odd rule over all rings of the polygon."""
    x, y = point
    inside = False
    for ring in polygon.rings:
        for (x1, y1), (x2, y2) in pairwise(ring):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside


def _scanline(polygon: Polygon, y: float) -> list[tuple[float, float]]:
    """Inside stretches (x from, x to) of the horizontal line at ``y``."""
    xs = []
    for ring in polygon.rings:
        for (x1, y1), (x2, y2) in pairwise(ring):
            if (y1 > y) != (y2 > y):
                xs.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
    xs.sort()
    return list(zip(xs[0::2], xs[1::2]))
