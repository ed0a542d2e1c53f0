"""Blocking that matches a real hub: a vehicle is loaded with what its target can take when it
arrives, so a hub with parcels waiting upstream sorts at its capacity and fills to its storage.

The series below are worked out by hand (issue 19's done-when); the engine's order within an
hour is: departures leave, arrivals join, nodes sort (see ``simulate/engine.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from peakguard.domain.network import Carrier, Network
from peakguard.simulate.blocking import Outflow, project_holding, room_on_arrival
from peakguard.simulate.engine import SimulationRun, conservation_gap
from peakguard.simulate.plan import StoragePolicy

from .conftest import BIG, chain, lane, node, run_chain

FED = [1500.0] * 10
"""1,500 parcels an hour for 10 hours at the outlet O, bound for the station S through H."""


def outlet_hub_station(*, storage: int, transit: float = 1.0) -> Network:
    """O → H → S: the hub H sorts 1,000 an hour and holds ``storage``; O→H takes ``transit``
    hours, H→S one; every lane leaves every hour with room for anything; O and S never
    limit anything."""
    return Network(
        name="one-hub",
        carriers=[Carrier(code="ZTO", name="中通快递")],
        nodes=[
            node("O", "outlet", BIG),
            node("H", "hub", 1000, storage),
            node("S", "station", BIG),
        ],
        lanes=[lane("O", "H", hours=transit), lane("H", "S")],
    )


def assert_conserved_every_hour(run: SimulationRun, arrivals: list[float]) -> None:
    """Accepted so far = at the nodes + on lanes + delivered so far, at the end of every hour."""
    hours = run.backlog.shape[1]
    accepted = np.cumsum(np.pad(np.asarray(arrivals), (0, hours - len(arrivals))))
    present = run.backlog.sum(axis=0) + run.in_transit + np.cumsum(run.delivered_per_hour)
    assert present == pytest.approx(accepted, abs=1e-6)
    assert conservation_gap(run) == pytest.approx(0, abs=1e-6)


def test_a_hub_with_storage_for_two_hours_sorts_at_capacity_while_parcels_wait_upstream() -> None:
    """Storage 2,000 = twice the hub's hourly sorting of 1,000; O takes on 1,500 an hour in
    hours 0–9 and sorts them in the hour, so they can leave from the next.

    Hours 1 and 2: H is empty, so each departure loads all 1,500 O has ready. They arrive in
    hours 2 and 3; H sorts 1,000 of each, so it ends hour 2 with 500 queued + 1,000 sorted
    (1,500), and hour 3 with 500 + 1,500 − 1,000 = 1,000 queued + 1,000 sorted = 2,000: full.
    In hour 3 the departure to H (arriving in hour 4) sees H's 500 queued, the 1,500 due in
    hour 3, the 1,000 it will sort in hour 3 — leaving 1,000 queued at the end of it, which the
    hour-4 departures of sorted parcels do not reduce — so 2,000 − 1,000 = 1,000 fits: O sends
    1,000 and keeps 500. From then on H is full at every hour's end (1,000 queued + 1,000
    sorted), takes 1,000 an hour and sorts 1,000 an hour; O keeps what H cannot take, 500 more
    every hour: 1,500 + 500·(k − 2) at the end of hour k = 3..9 (5,000 at hour 9), then 1,000
    less an hour once it takes on nothing more (0 at hour 14). O's last 1,000 reach H in
    hour 15, and H sorts its last 1,000 in hour 16: it sorts 1,000 in every hour 2–16, the
    15,000 in 15 hours, as fast as its sorting allows (hours 0 and 1 it cannot: the first
    parcels reach it in hour 2). Each hour's 1,000 sorted leave the next hour and are
    delivered at S the hour after: hours 4–18."""
    run = run_chain(outlet_hub_station(storage=2000), FED, hours=24)
    hub, outlet = run.backlog[1], run.backlog[0]
    assert run.processed[1] == pytest.approx([0, 0] + [1000] * 15 + [0] * 7)
    assert hub == pytest.approx([0, 0, 1500] + [2000] * 13 + [1000] + [0] * 7)
    assert outlet == pytest.approx(
        [1500, 1500, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 4000, 3000, 2000, 1000]
        + [0] * 10
    )
    # On lanes at each hour's end: what O sent (1,500, 1,500, then 1,000 in hours 3–14) and
    # what H sent on to S (1,000 in hours 3–17).
    assert run.in_transit == pytest.approx([0, 1500, 1500] + [2000] * 12 + [1000] * 3 + [0] * 6)
    assert run.delivered_per_hour == pytest.approx([0] * 4 + [1000] * 15 + [0] * 5)
    assert_conserved_every_hour(run, FED)
    # The upstream node holds only what the hub cannot: whenever O holds more than the 1,500
    # it took on in the hour, H is full.
    holding_back = outlet > 1500 + 1e-6
    assert hub[holding_back] == pytest.approx(2000)
    # What each departure to H left behind at O for want of room, recorded against H and
    # against the lane O→H: O's ready parcels less the 1,000 that fit, hours 3–13.
    left_behind = [0, 0, 0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 3000, 2000, 1000]
    assert run.blocked[1] == pytest.approx(left_behind + [0] * 10)
    assert run.lane_blocks.hour.tolist() == list(range(3, 14))
    assert set(run.lane_blocks.lane.tolist()) == {0}
    assert run.lane_blocks.parcels == pytest.approx(left_behind[3:])


def test_a_hub_with_storage_for_three_hours_fills_it() -> None:
    """Storage 3,000: as above, H is empty when O's first departures are loaded, and sorts
    1,000 of every hour's 1,500, so its queue grows by 500 an hour: it ends hours 2–5 holding
    1,500, 2,000, 2,500 and 3,000 (queue 500…2,000 + 1,000 sorted). In hour 5 the departure
    to H sees H end hour 5 with 2,000 queued, so 1,000 fits: O sends 1,000 of its 1,500 and
    keeps 500 more every hour until it takes on no more (4,000 at hour 9), then 1,000 less an
    hour (0 at hour 13). O sent 4 × 1,500 + 9 × 1,000 = 15,000 in hours 1–13; H sorts 1,000
    in every hour 2–16 and holds all its storage in hours 5–14."""
    run = run_chain(outlet_hub_station(storage=3000), FED, hours=24)
    assert run.processed[1] == pytest.approx([0, 0] + [1000] * 15 + [0] * 7)
    assert run.backlog[1] == pytest.approx(
        [0, 0, 1500, 2000, 2500] + [3000] * 10 + [2000, 1000] + [0] * 7
    )
    assert run.backlog[0] == pytest.approx(
        [1500] * 5 + [2000, 2500, 3000, 3500, 4000, 3000, 2000, 1000] + [0] * 11
    )
    assert_conserved_every_hour(run, FED)


def test_a_hub_three_hours_down_the_road_sorts_at_capacity_too() -> None:
    """O→H takes 3 hours, storage 2,000. A departure in hour t arrives in t + 3, and its room
    is judged then, counting what is already on the road: hours 1 and 2 load 1,500 each (H
    will hold 1,500 at the end of hour 4 — 500 queued and 1,000 sorted — and 1,000 queued at
    the end of hour 5 once it has sorted hour 4's 1,500 and 1,000 of hour 5's); hour 3's sees
    H end hour 6 with 1,000 queued, so 1,000 fits. H's series is the one-hour case's two hours
    later — sorting 1,000 in every hour 4–18, full in hours 5–17 — and O's is the one-hour
    case's, since it sends the same loads in the same hours; the lane carries up to three
    hours of them (4,000 at the end of hour 3: 1,500 + 1,500 + 1,000)."""
    run = run_chain(outlet_hub_station(storage=2000, transit=3.0), FED, hours=26)
    assert run.processed[1] == pytest.approx([0] * 4 + [1000] * 15 + [0] * 7)
    assert run.backlog[1] == pytest.approx([0] * 4 + [1500] + [2000] * 13 + [1000] + [0] * 7)
    assert run.backlog[0] == pytest.approx(
        [1500, 1500, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 4000, 3000, 2000, 1000]
        + [0] * 12
    )
    on_the_road_to_hub = [0, 1500, 3000, 4000, 3500] + [3000] * 10 + [2000, 1000] + [0] * 9
    to_station = [0] * 5 + [1000] * 15 + [0] * 6
    assert run.in_transit == pytest.approx(np.add(on_the_road_to_hub, to_station))
    assert_conserved_every_hour(run, FED)


def test_a_projection_that_counts_on_a_refused_departure_waits_at_the_gate() -> None:
    """O → H1 → H2 → S with H2 sorting 200 an hour and holding 400: H1 (1,000 an hour, storage
    2,000) cannot send on what it sorts, but O's departures were loaded counting on H1's lane
    out carrying it. What then arrives at H1 without room waits on the lane, at H1's gate:
    no hub ever holds more than its storage, no parcel is lost, and all are delivered. The
    refusals at the gate are recorded against the lane O→H1, hour by hour: with the
    departures short for room at H1, all that is recorded as blocked at H1."""
    run = run_chain(chain([1000, 200], storage=[2000, 400]), FED, hours=120)
    assert run.backlog[1].max() <= 2000 + 1e-6
    assert run.backlog[2].max() <= 400 + 1e-6
    blocks = run.lane_blocks
    assert blocks.at_gate is not None
    gate, to_hub = blocks.at_gate, run.plan.lane_destination[blocks.lane] == 1
    assert gate.any() and set(blocks.lane[gate].tolist()) == {0}
    at_hub = np.zeros(120)
    np.add.at(at_hub, blocks.hour[to_hub], blocks.parcels[to_hub])
    assert at_hub == pytest.approx(run.blocked[1], abs=1e-6)
    assert run.delivered.sum() == pytest.approx(15000)
    assert_conserved_every_hour(run, FED)


def test_the_projection_by_hand() -> None:
    """One node sorting 100 an hour, with two lanes out: lane 0 leaves every hour with room for
    80, lane 1 only in hour 2, with room for 100. It holds 150 queued and 50 sorted for lane 1,
    with 120 due in one hour and 30 in two (a ring of 3 hours).

    Hour 0: lane 0 has nothing waiting, so its 80 are room for parcels sorted later (none yet);
    the 50 for lane 1 stay: 150 + 50 = 200; it sorts 100 (50 queued, 100 fresh). Hour 1: lane 0
    takes 80 of the fresh (20 left), 50 + 120 queued: 170 + 50 + 20 = 240; it sorts 100 (70
    queued, 120 fresh). Hour 2: lane 1 takes its 50 and has 50 to spare, lane 0 80: 130 of room
    for the 120 fresh; 70 + 30 queued: 100. A departure arriving in hour 1 may load
    250 − max(240, 100) = 10 on a storage of 250; arriving in hour 2, 150. (Draining the 50
    by the node's 80 an hour in hour 0, as if they could take any lane, would project 150
    and 190: room for 60.)"""
    departing = {
        0: (np.array([0]), np.array([80.0]), np.array([0])),
        1: (np.array([0]), np.array([80.0]), np.array([0])),
        2: (np.array([0, 1]), np.array([80.0, 100.0]), np.array([0, 0])),
    }
    outflow = Outflow(departing=departing, sorting=np.full((1, 10), 100.0))
    incoming = np.array([[0.0, 120.0, 30.0]])
    waiting = np.array([0.0, 50.0])
    holding = project_holding(np.array([150.0]), waiting, np.array([50.0]), incoming, outflow, 0)
    assert holding[0] == pytest.approx([200, 240, 100])
    assert room_on_arrival(holding, 250.0, 0, 1) == pytest.approx(10)
    assert room_on_arrival(holding, 250.0, 0, 2) == pytest.approx(150)
    assert room_on_arrival(holding, 200.0, 0, 1) == 0.0


def test_overflow_is_not_projected() -> None:
    """Under ``overflow`` a departure carries all it can, and nothing waits at a gate."""
    run = run_chain(outlet_hub_station(storage=2000), FED, hours=24, policy=StoragePolicy.overflow)
    assert run.backlog[0].max() == pytest.approx(1500)
    assert run.blocked.sum() == 0 and len(run.lane_blocks.lane) == 0
