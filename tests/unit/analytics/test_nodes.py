"""Throughput, backlog and dwell per node, worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peakguard.analytics import node_dwell, node_hours

from .conftest import duck, scan, settings
from .test_delivery import FAST, parcels_strategy


def node_case() -> list[dict[str, Any]]:
    """Node H, cutoff at hour 5: N1 accepted at outlet O at 0.5, leaves it at 1.0, arrives at H
    at 1.5 and leaves at 3.25; N2 is at H from 2.0 to 2.5; N3 arrives at H at 2.75 and stays."""
    return [
        scan("N1", "accept", "O", 0.5),
        scan("N1", "depart", "O", 1.0, next_node="H"),
        scan("N1", "arrive", "H", 1.5),
        scan("N1", "depart", "H", 3.25, next_node="S"),
        scan("N2", "arrive", "H", 2.0),
        scan("N2", "depart", "H", 2.5, next_node="S"),
        scan("N3", "arrive", "H", 2.75),
    ]


def hour(number: int) -> datetime:
    return datetime(2026, 11, 11, number, tzinfo=UTC)


def test_throughput_and_backlog_by_hand() -> None:
    """H from its first entry (hour 1) to the cutoff's hour (5): in 1, 2, 0, 0, 0 (N1; N2 and
    N3); out 0, 1, 1, 0, 0 (N2 at 2.5, N1 at 3.25); backlog 1, 2, 1, 1, 1 (N3 stays). O: N1
    in and out within hour 0 and 1 → backlog 1 at the end of hour 0, then 0."""
    engine = duck(node_case())
    table = engine.compute(node_hours(engine.events, settings(5)))
    columns = ("node_id", "hour", "arrived", "departed", "backlog")
    rows = [tuple(r[name] for name in columns) for r in table.to_pylist()]
    assert rows == [
        ("H", hour(1), 1, 0, 1),
        ("H", hour(2), 2, 1, 2),
        ("H", hour(3), 0, 1, 1),
        ("H", hour(4), 0, 0, 1),
        ("H", hour(5), 0, 0, 1),
        ("O", hour(0), 1, 0, 1),
        ("O", hour(1), 0, 1, 0),
        ("O", hour(2), 0, 0, 0),
        ("O", hour(3), 0, 0, 0),
        ("O", hour(4), 0, 0, 0),
        ("O", hour(5), 0, 0, 0),
    ]


def test_dwell_by_hand() -> None:
    """Stays that ended at H: N1 1.75 h, N2 0.5 h: mean 1.125 h, 90th percentile
    0.5 + 0.9 × 1.25 = 1.625 h; at O, N1 0.5 h. All left on 11 Nov (China time)."""
    engine = duck(node_case())
    table = engine.compute(node_dwell(engine.events, settings(5))).to_pylist()
    assert [(r["node_id"], r["day"], r["parcels"]) for r in table] == [
        ("H", date(2026, 11, 11), 2),
        ("O", date(2026, 11, 11), 1),
    ]
    assert table[0]["mean_dwell_hours"] == pytest.approx(1.125)
    assert table[0]["p90_dwell_hours"] == pytest.approx(1.625)
    assert table[1]["mean_dwell_hours"] == pytest.approx(0.5)


def test_the_cutoff_hides_later_departures() -> None:
    """At a cutoff of hour 3, N1's departure from H at 3.25 has not happened: it is still in
    H's backlog at the end of hour 3."""
    engine = duck(node_case())
    table = engine.compute(node_hours(engine.events, settings(3)))
    last = [row for row in table.to_pylist() if row["node_id"] == "H"][-1]
    assert (last["hour"], last["backlog"]) == (hour(3), 2)


@FAST
@given(parcels_strategy(), st.integers(0, 150))
def test_backlog_is_never_negative(rows: list[dict[str, Any]], cutoff: int) -> None:
    """Whatever the trails and the cutoff, no node's backlog ever goes below zero."""
    engine = duck(rows)
    table = engine.compute(node_hours(engine.events, settings(cutoff)))
    assert all(value >= 0 for value in table.column("backlog").to_pylist())
