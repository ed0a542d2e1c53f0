"""The maps' plane geometry, checked on hand-worked shapes."""

from __future__ import annotations

import pytest

from peakguard.web.map_geometry import convex_hull, fit_projection, round_down, svg_line


def test_convex_hull_drops_inner_points() -> None:
    """A square with its centre: the hull is the four corners, counter-clockwise."""
    square = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (1.0, 1.0)]
    assert convex_hull(square) == [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]


@pytest.mark.parametrize(
    ("value", "expected"), [(0.3, 1), (1, 1), (7, 5), (19, 10), (250, 200), (999, 500)]
)
def test_round_down_to_one_two_or_five(value: float, expected: int) -> None:
    """Size-key values are the largest 1, 2 or 5 × 10ⁿ not above the value."""
    assert round_down(value) == expected


def test_projection_keeps_points_inside_the_margins() -> None:
    """Every projected point lies within the width and height, margins included."""
    points = [(104.0, 30.6), (104.7, 31.5), (105.8, 32.4)]
    project, height = fit_projection(points, 500.0, margin=20.0)
    for longitude, latitude in points:
        x, y = project(longitude, latitude)
        assert 20.0 - 0.1 <= x <= 480.0 + 0.1
        assert 20.0 - 0.1 <= y <= height - 20.0 + 0.1


def test_svg_line_is_straight_unless_bent() -> None:
    """No bend draws a straight segment; a bend a quadratic curve."""
    assert svg_line((0.0, 0.0), (10.0, 0.0)) == "M0.0,0.0 L10.0,0.0"
    assert svg_line((0.0, 0.0), (10.0, 0.0), 0.5) == "M0.0,0.0 Q5.0,5.0 10.0,0.0"
