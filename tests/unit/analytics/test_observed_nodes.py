"""The observed node state (backlog and throughput) on a hand-built event set."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from peakguard.analytics.observed_nodes import (
    node_days,
    node_state,
    parcels_at_nodes,
    parcels_on_lanes,
)

from .conftest import CHENGDU_2, XIAN, duck, scan, settings


def hub_day() -> list[dict[str, Any]]:
    """Hub H across the China-time day boundary (hour 16 UTC = 00:00 China time): P1..P4
    arrive at hours 14, 15, 15.5, 17; P1 departs at 15.2, P2 at 17.5 (delivered at station S
    at 19), P3 stays; P4 departs at 20.5. Outlet O accepts P5 at 18 and it stays."""
    return [
        scan("P1", "arrive", "H", 14),
        scan("P1", "depart", "H", 15.2, next_node="S"),
        scan("P2", "arrive", "H", 15),
        scan("P2", "depart", "H", 17.5, next_node="S"),
        scan("P2", "arrive", "S", 18.5),
        scan("P2", "deliver", "S", 19),
        scan("P3", "arrive", "H", 15.5),
        scan("P4", "arrive", "H", 17),
        scan("P4", "depart", "H", 20.5, next_node="S"),
        scan("P5", "accept", "O", 18),
    ]


def test_backlog_and_throughput_by_day() -> None:
    """H's end-of-hour backlog: 1 (hour 14), 2, 2, 2, 2, 2, 1 (hour 20), 1. On 11 Nov (UTC
    hours 14–15) in 3, out 1 (P1), closing 2, peak 2; on 12 Nov up to the cutoff (hour 21) in 1
    (P4), out 2 (P2, P4), closing 1 (P3), peak 2. S: P2 in and delivered, closing 0."""
    engine = duck(hub_day())
    rows = engine.compute(node_days(engine.events, settings(21))).to_pylist()
    h = [
        (r["day"], r["arrived"], r["departed"], r["backlog"], r["peak_backlog"])
        for r in rows
        if r["node_id"] == "H"
    ]
    assert h == [
        (date(2026, 11, 11), 3, 1, 2, 2),
        (date(2026, 11, 12), 1, 2, 1, 2),
    ]
    s = [(r["arrived"], r["departed"], r["backlog"]) for r in rows if r["node_id"] == "S"]
    assert s == [(1, 1, 0)]


def test_state_at_the_cutoff_with_its_window() -> None:
    """At 20:45 UTC (hour 20) with a 6-hour window (hours 15–20): H holds P3 only (backlog 1);
    in 3 (P2, P3 in hour 15, P4 in 17), out 3 (P1 in 15, P2 in 17, P4 in 20), peak 2. O
    holds P5 (in 1)."""
    engine = duck(hub_day())
    rows = engine.compute(node_state(engine.events, settings(20.75), window_hours=6)).to_pylist()
    by_node = {r["node_id"]: r for r in rows}
    assert by_node["H"]["hour"] == datetime(2026, 11, 11, 20, tzinfo=UTC)
    assert (by_node["H"]["backlog"], by_node["H"]["arrived"], by_node["H"]["departed"]) == (1, 3, 3)
    assert by_node["H"]["peak_backlog"] == 2
    assert (by_node["O"]["backlog"], by_node["O"]["arrived"]) == (1, 1)


def test_parcels_on_the_road_at_the_cutoff() -> None:
    """At 17:45: P2 left H at 17.5 for S and has not arrived (on the road); P1 left at 15.2
    and has no later scan either (on the road since hour 15); P4 (20.5) has not left yet."""
    engine = duck(hub_day())
    rows = engine.compute(parcels_on_lanes(engine.events, settings(17.75))).to_pylist()
    assert [(r["node_id"], r["next_node_id"], r["hour"].hour, r["parcels"]) for r in rows] == [
        ("H", "S", 15, 1),
        ("H", "S", 17, 1),
    ]


def test_parcels_at_a_node_sorted_apart_from_queued() -> None:
    """At 17:00 H holds P2 (arrived 15, sorted by 16), P6 (arrived 16, its sort scan stamped
    17:00, the cutoff: sorted then), P7 (arrived 16, unsorted, leaving at 17:00: not before the
    cutoff) and P3 (arrived 15.5 for Xi'an, unsorted); P4 arrives at 17:00 (in the next hour),
    P1 left at 15.2. So H, Chengdu: 3 parcels, 2 sorted; H, Xi'an: 1, none sorted — 4 in all,
    the backlog node_state gives just before 17:00."""
    events = [
        scan("P1", "arrive", "H", 14),
        scan("P1", "depart", "H", 15.2, next_node="S"),
        scan("P2", "arrive", "H", 15),
        scan("P2", "sort", "H", 16),
        scan("P2", "depart", "H", 17.5, next_node="S"),
        scan("P3", "arrive", "H", 15.5, destination=XIAN),
        scan("P4", "arrive", "H", 17),
        scan("P6", "arrive", "H", 16),
        scan("P6", "sort", "H", 17),
        scan("P7", "arrive", "H", 16),
        scan("P7", "depart", "H", 17, next_node="S"),
    ]
    engine = duck(events)
    rows = engine.compute(parcels_at_nodes(engine.events, settings(17))).to_pylist()
    found = sorted((r["node_id"], r["destination_region"], r["parcels"], r["sorted"]) for r in rows)
    assert found == [("H", CHENGDU_2, 3, 2), ("H", XIAN, 1, 0)]
    state = engine.compute(node_state(engine.events, settings(17 - 1e-9))).to_pylist()
    assert [(r["node_id"], r["backlog"]) for r in state] == [("H", 4)]
