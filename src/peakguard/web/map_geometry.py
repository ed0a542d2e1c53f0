"""Plane geometry for the reports' maps: a projection of longitudes and latitudes onto an SVG
canvas, convex hulls, and SVG ``points`` and ``path`` strings.

Functions of coordinates only; :mod:`.network_maps` decides what to draw where.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from peakguard.domain.network import Node

Point = tuple[float, float]
"""(x, y) on the canvas, or (longitude, latitude) before projection."""


@dataclass(frozen=True)
class Projection:
    """Equirectangular: x = longitude · cos(mean latitude), y = −latitude, scaled and centred."""

    cos_latitude: float
    scale: float
    offset_x: float
    offset_y: float

    def __call__(self, longitude: float, latitude: float) -> Point:
        x = self.offset_x + self.scale * longitude * self.cos_latitude
        y = self.offset_y - self.scale * latitude
        return round(x, 1), round(y, 1)


def fit_projection(
    points: Sequence[Point],
    width: float,
    *,
    margin: float,
    min_ratio: float = 0.45,
    max_ratio: float = 1.25,
) -> tuple[Projection, float]:
    """An equirectangular projection of ``points`` into ``width`` (and the height it needs).

    x = longitude · cos(mean latitude), y = −latitude, scaled uniformly and centred; the
    height follows the points' aspect, kept between ``min_ratio`` and ``max_ratio`` of the width.
    """
    mean_latitude = sum(latitude for _longitude, latitude in points) / len(points)
    cos_latitude = math.cos(math.radians(mean_latitude))
    xs = [longitude * cos_latitude for longitude, _latitude in points]
    ys = [-latitude for _longitude, latitude in points]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    inner_width = width - 2 * margin
    aspect = span_y / span_x if span_x > 0 else max_ratio
    height = round(
        min(max(inner_width * aspect, width * min_ratio), width * max_ratio) + 2 * margin
    )
    inner_height = height - 2 * margin
    scales = [size / span for size, span in ((inner_width, span_x), (inner_height, span_y)) if span]
    scale = min(scales, default=1.0)
    offset_x = width / 2 - scale * (min(xs) + max(xs)) / 2
    offset_y = height / 2 - scale * (min(ys) + max(ys)) / 2
    return Projection(cos_latitude, scale, offset_x, offset_y), float(height)


def convex_hull(points: Sequence[Point]) -> list[Point]:
    """Convex hull, counter-clockwise (Andrew's monotone chain)."""
    unique = sorted(set(points))
    if len(unique) < 3:
        return unique

    def turn(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    upper: list[Point] = []
    for point in unique:
        while len(lower) >= 2 and turn(lower[-2], lower[-1], point) <= 0:
            lower.pop()
        lower.append(point)
    for point in reversed(unique):
        while len(upper) >= 2 and turn(upper[-2], upper[-1], point) <= 0:
            upper.pop()
        upper.append(point)
    return lower[:-1] + upper[:-1]


def svg_polygon(points: Sequence[Point], *, padding: float) -> str:
    """SVG ``points`` for the polygon, each corner moved ``padding`` away from the centre."""
    if len(points) < 3:
        return ""
    cx, cy = centre_of(points)
    corners = []
    for x, y in points:
        distance = math.hypot(x - cx, y - cy) or 1.0
        corners.append(
            f"{x + padding * (x - cx) / distance:.1f},{y + padding * (y - cy) / distance:.1f}"
        )
    return " ".join(corners)


def svg_line(start: Point, end: Point, bend: float = 0.0) -> str:
    """SVG path from ``start`` to ``end``; a quadratic curve bowed sideways if ``bend`` ≠ 0."""
    (x1, y1), (x2, y2) = start, end
    if not bend:
        return f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    cx, cy = mx - bend * (y2 - y1), my + bend * (x2 - x1)
    return f"M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}"


def centre_of_nodes(nodes: Sequence[Node]) -> Point:
    """The mean (longitude, latitude) of ``nodes``."""
    return centre_of([(node.longitude, node.latitude) for node in nodes])


def centre_of(points: Sequence[Point]) -> Point:
    return (
        sum(x for x, _y in points) / len(points),
        sum(y for _x, y in points) / len(points),
    )


def round_down(value: float) -> int:
    """The largest of 1, 2 or 5 × 10ⁿ not above ``value`` (at least 1)."""
    if value < 1:
        return 1
    base = int(10 ** math.floor(math.log10(value)))
    return next(step * base for step in (5, 2, 1) if step * base <= value)
