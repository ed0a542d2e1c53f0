"""Rerouting around a closed hub, on a network small enough to work out by hand."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import numpy as np
import pytest

from peakguard.domain.network import Carrier, Lane, Network, Node, NodeKind, Shift
from peakguard.domain.routing import derive_routing
from peakguard.errors import InvalidInputError
from peakguard.optimize.problem import PlanningProblem, compile_problem
from peakguard.optimize.reroute import (
    ClosureRequest,
    RerouteParameters,
    UnitRole,
    reroute_closure,
)
from peakguard.optimize.reroute_simulate import simulate_reroute
from peakguard.simulate.engine import conservation_gap
from peakguard.simulate.run import simulate
from peakguard.simulate.scenario import Scenario

BIG = 10**9
EVERY_HOUR = [f"{hour:02d}:00" for hour in range(24)]
KM_PER_DEGREE = math.pi * 6371.0088 / 180
"""One degree of latitude on the earth the geography module uses: with this speed and no
detour or handover, a temporary lane takes one hour per degree of latitude between its ends."""
CLOSURE = ClosureRequest(("H",), datetime(2026, 11, 12), datetime(2026, 11, 13))


def _node(
    node_id: str,
    kind: str,
    *,
    latitude: float = 30.0,
    rate: int = BIG,
    automated: bool = False,
    volume: int = 0,
    carrier: str = "ZTO",
) -> Node:
    return Node(
        id=node_id,
        name=node_id,
        kind=NodeKind(kind),
        region="510100",
        carrier=carrier,
        shifts=[Shift(name="all day", start_hour=0, end_hour=24, sorting_capacity_per_hour=rate)],
        storage_capacity=BIG,
        staff=1,
        vehicles=1,
        floor_area_m2=1.0,
        automated_sorter=automated,
        longitude=104.0,
        latitude=latitude,
        daily_volume=volume,
    )


def _lane(origin: str, destination: str) -> Lane:
    return Lane(
        id=f"{origin}>{destination}",
        origin=origin,
        destination=destination,
        mode="road",
        transit_hours=1.0,
        departure_times=EVERY_HOUR,
        capacity_per_departure=BIG,
    )


@pytest.fixture
def closed_city() -> Network:
    """Hub H (closing) sorts outlet O's parcels: to stations S1, S2 directly and to S3 through
    hub C, which belongs to another carrier (YTO); every lane takes 1 h. Backups: B1 one degree
    north (manual, 25 parcels/h), B2 two degrees north (automated, 100 parcels/h); the other
    nodes are at H's place. Without gateways the outlet's 1,200 parcels a day go to the
    stations by their weights 3 : 2 : 1."""
    return Network(
        name="closed-city",
        carriers=[Carrier(code="ZTO", name="中通快递"), Carrier(code="YTO", name="圆通速递")],
        nodes=[
            _node("O", "outlet", volume=1200),
            _node("H", "hub"),
            _node("S1", "station", volume=3),
            _node("S2", "station", volume=2),
            _node("S3", "station", volume=1),
            _node("C", "hub", carrier="YTO"),
            _node("B1", "hub", latitude=31.0, rate=25),
            _node("B2", "hub", latitude=32.0, rate=100, automated=True),
        ],
        lanes=[
            _lane("O", "H"),
            _lane("H", "S1"),
            _lane("H", "S2"),
            _lane("H", "C"),
            _lane("C", "S3"),
        ],
    )


@pytest.fixture
def scenario() -> Scenario:
    """Two days from 11 November, no warm-up, one day to drain; H closed all of 12 November
    (hours 24–48). Pickups at 10, 13, 16 and 19 h."""
    return Scenario.model_validate(
        {
            "name": "closure",
            "first_day": date(2026, 11, 11),
            "days": 2,
            "warm_up_days": 0,
            "drain_days": 1,
            "closures": [{"node": "H", "start": "2026-11-12T00:00", "end": "2026-11-13T00:00"}],
        }
    )


@pytest.fixture
def problem(closed_city: Network, scenario: Scenario) -> PlanningProblem:
    """The closed city through the closure scenario, compiled once for the test."""
    return compile_problem(closed_city, scenario)


HAND = RerouteParameters(
    max_added_transit_hours=6.0,
    automation_weight_hours=1.0,
    spare_weight_hours=0.0,
    detour_factor=1.0,
    road_speed_kmh=KM_PER_DEGREE,
    handover_hours=0.0,
    lead_hours=12,
)
"""Knobs for working by hand: 1 h per degree, a manual backup costs 1 h, no spare weight,
parcels accepted from 12 h before the closure rerouted."""


def _parameters(**changes: Any) -> RerouteParameters:
    return replace(HAND, **changes)


def test_units_and_assignment_by_hand(problem: PlanningProblem) -> None:
    """The station with the most parcels that fit in B1's spare goes to B1, the rest to B2."""
    plan = reroute_closure(problem, CLOSURE, parameters=_parameters())
    # Window: 12 h lead → hours [12, 48): pickups at 13, 16, 19, 34, 37, 40, 43 = 7 rounds of
    # 1200/4 = 300 → 2,100 parcels, split 3 : 2 : 1 → S1 1,050, S2 700, S3 350. S1 and S2 are
    # destination units (H delivers to them); S3's parcels go on through C, so they are the
    # origin unit O.
    units = {(unit.role, unit.node): unit for unit in plan.units}
    assert set(units) == {
        (UnitRole.destination, "S1"),
        (UnitRole.destination, "S2"),
        (UnitRole.origin, "O"),
    }
    assert units[(UnitRole.destination, "S1")].parcels == pytest.approx(1050)
    assert units[(UnitRole.destination, "S2")].parcels == pytest.approx(700)
    assert units[(UnitRole.origin, "O")].parcels == pytest.approx(350)
    assert plan.parcels == pytest.approx(2100)
    assert plan.window_hours == (12, 48)
    # Through a backup k degrees away: O→B (k h) + B→next (k h) − (O→H→next, 2 h) = 2k − 2:
    # B1 0 h, B2 2 h (C, of another carrier, is no candidate). B1's spare over 36 h:
    # 25 × 36 = 900, usable 0.8 × 900 = 720:
    # one of S2 (700) or O (350). Cost per parcel: B1 0 + 1 (manual) = 1, B2 2 + 0 = 2, so
    # B1 takes the larger, S2: 700 × 1 + 1,400 × 2 = 3,500 against 350 + 1,750 × 2 = 3,850.
    assert units[(UnitRole.destination, "S2")].backup == "B1"
    assert units[(UnitRole.destination, "S1")].backup == "B2"
    assert units[(UnitRole.origin, "O")].backup == "B2"
    assert units[(UnitRole.destination, "S2")].added_transit_hours == pytest.approx(0.0)
    assert units[(UnitRole.destination, "S1")].added_transit_hours == pytest.approx(2.0)
    backups = {backup.hub: backup for backup in plan.backups}
    assert set(backups) == {"B1", "B2"}
    assert backups["B1"].destinations == ("S2",) and backups["B1"].origins == ()
    assert backups["B1"].destination_share == pytest.approx(700 / 1750)
    assert backups["B2"].origin_share == pytest.approx(1.0)
    assert backups["B2"].parcel_share == pytest.approx(1400 / 2100)
    assert plan.unabsorbed == ()
    assert plan.misrouted_parcels == 0


def test_rerouted_network_and_routing(closed_city: Network, problem: PlanningProblem) -> None:
    """Original lanes keep their positions, temporary lanes copy the lane they replace, and
    the new routes avoid H."""
    plan = reroute_closure(problem, CLOSURE, parameters=_parameters())
    lanes = plan.network.lanes
    assert lanes[: len(closed_city.lanes)] == closed_city.lanes
    assert plan.network.nodes == closed_city.nodes
    temporary = {item.lane.id: item for item in plan.temporary_lanes}
    # O→B1 and O→B2 replace O→H; B1→S2, B2→S1 and B2→C replace H's lanes; 1 h per degree.
    assert temporary["O>B1-temporary"].replaces == "O>H"
    assert temporary["O>B1-temporary"].lane.transit_hours == pytest.approx(1.0)
    assert temporary["B2>S1-temporary"].lane.transit_hours == pytest.approx(2.0)
    assert temporary["B2>C-temporary"].lane.transit_hours == pytest.approx(2.0)
    assert temporary["B2>C-temporary"].replaces == "H>C"
    assert {lane.id for lane in lanes[len(closed_city.lanes) :]} == set(temporary)
    assert plan.routing.path("O", "S2") == ["O", "B1", "S2"]
    assert plan.routing.path("O", "S1") == ["O", "B2", "S1"]
    assert plan.routing.path("O", "S3") == ["O", "B2", "C", "S3"]


def test_a_too_far_backup_is_excluded_and_the_rest_reported(problem: PlanningProblem) -> None:
    """With at most 1 h added, B2 (2 h) is out: B1 takes what fits, the rest is unabsorbed."""
    plan = reroute_closure(problem, CLOSURE, parameters=_parameters(max_added_transit_hours=1.0))
    # Only B1 (0 h) is in reach; its 720 usable parcels take S2 (700) rather than O (350):
    # the program first leaves the fewest parcels unabsorbed.
    assert [backup.hub for backup in plan.backups] == ["B1"]
    left = {(item.role, item.node): item.parcels for item in plan.unabsorbed}
    assert left == {
        (UnitRole.destination, "S1"): pytest.approx(1050),
        (UnitRole.origin, "O"): pytest.approx(350),
    }
    assert not any(item.closed_end for item in plan.unabsorbed)
    assert plan.unabsorbed_parcels == pytest.approx(1400)
    # Unabsorbed units keep their route through the closed hub.
    assert plan.routing.path("O", "S1") == ["O", "H", "S1"]


def test_spare_capacity_limit_is_respected(problem: PlanningProblem) -> None:
    """No backup takes more than max_spare_share of its spare capacity."""
    plan = reroute_closure(problem, CLOSURE, parameters=_parameters(max_spare_share=0.5))
    # B1: 0.5 × 900 = 450 usable: S2 (700) no longer fits, O (350) does; B2: 0.5 × 3,600 =
    # 1,800 ≥ S1 + S2 = 1,750.
    backups = {backup.hub: backup for backup in plan.backups}
    assert backups["B1"].origins == ("O",) and backups["B1"].destinations == ()
    assert set(backups["B2"].destinations) == {"S1", "S2"}
    for backup in plan.backups:
        assert backup.parcels <= 0.5 * backup.spare + 1e-6
        assert backup.spare_used_share <= 0.5 + 1e-9
    assert backups["B1"].spare == pytest.approx(900)
    assert backups["B2"].spare == pytest.approx(3600)


def test_max_backups_limits_the_split(problem: PlanningProblem) -> None:
    """With one backup allowed, B2 takes everything (B1 cannot: 720 < 2,100)."""
    plan = reroute_closure(problem, CLOSURE, parameters=_parameters(max_backups=1))
    assert [backup.hub for backup in plan.backups] == ["B2"]
    assert plan.backups[0].parcels == pytest.approx(2100)


def test_closing_a_transit_hub_moves_what_it_delivers(problem: PlanningProblem) -> None:
    """Closing C, its sender H sorts straight to the station (seed 004: a closed district's
    mail sorted by the city's other centre directly to delivery segments)."""
    closure = ClosureRequest(("C",), datetime(2026, 11, 12), datetime(2026, 11, 13))
    plan = reroute_closure(problem, closure, parameters=_parameters())
    # Through C: O→H→C→S3 with predecessor H and successor S3 = destination: one destination
    # unit S3 of 350 parcels (hours [12, 48)). H is open now and a candidate itself: H→S3 by a
    # temporary lane at the same place (0.1 h) − H→C→S3 (2 h) = −1.9 h, cost −1.9 + 1 (manual)
    # = −0.9 per parcel; B1: H→B1 1 h + B1→S3 1 h − 2 h = 0 h, cost 1; B2: 2 h, cost 2.
    assert [(unit.role, unit.node) for unit in plan.units] == [(UnitRole.destination, "S3")]
    assert plan.units[0].parcels == pytest.approx(350)
    assert plan.units[0].backup == "H"
    assert plan.units[0].added_transit_hours == pytest.approx(-1.9)
    assert plan.routing.path("O", "S3") == ["O", "H", "S3"]
    assert plan.routing.path("O", "S1") == ["O", "H", "S1"]


def test_other_carriers_hubs_when_allowed(problem: PlanningProblem) -> None:
    """Allowing other carriers' hubs, YTO's C at H's place takes every unit."""
    plan = reroute_closure(problem, CLOSURE, parameters=_parameters(other_carriers=True))
    # At H's place a temporary lane takes the 0.1 h minimum: O→C 0.1 + C→S1 0.1 − 2 = −1.8 h
    # for S1 and S2; O's parcels go O→C (0.1 h) and on to S3 as before: 0.1 + 1 − 3 = −1.9 h.
    # C sorts without limit and is manual: cost −0.8 per parcel against 1 (B1) and 2 (B2).
    assert [backup.hub for backup in plan.backups] == ["C"]
    assert plan.units[0].added_transit_hours == pytest.approx(-1.8)
    assert {unit.node: unit.added_transit_hours for unit in plan.units}["O"] == pytest.approx(-1.9)


def test_bad_requests_list_every_problem(problem: PlanningProblem) -> None:
    """Unknown nodes, non-hubs and a window outside the scenario are all reported."""
    closure = ClosureRequest(("X", "O", "H"), datetime(2026, 11, 12), datetime(2026, 12, 1))
    with pytest.raises(InvalidInputError) as caught:
        reroute_closure(problem, closure)
    locations = [item.location for item in caught.value.problems]
    assert locations == ["closure.nodes[0]", "closure.nodes[1]", "closure.start"]
    backwards = ClosureRequest(("H",), datetime(2026, 11, 12), datetime(2026, 11, 11))
    with pytest.raises(InvalidInputError) as caught:
        reroute_closure(problem, backwards)
    assert [item.location for item in caught.value.problems] == ["closure.end"]


def test_bad_parameters_list_every_problem() -> None:
    """Every invalid knob is named."""
    with pytest.raises(InvalidInputError) as caught:
        RerouteParameters(max_spare_share=0, max_backups=0, road_speed_kmh=0, lead_hours=-1)
    assert {problem.location for problem in caught.value.problems} == {
        "max_spare_share",
        "max_backups",
        "road_speed_kmh",
        "lead_hours",
    }


def test_closure_request_from_a_scenario_closure(scenario: Scenario) -> None:
    """A scenario's closure converts to the same request."""
    assert ClosureRequest.from_closure(scenario.closures[0]) == ClosureRequest(
        ("H",), datetime(2026, 11, 12), datetime(2026, 11, 13), "closure"
    )


def test_window_cohorts_follow_the_backup(
    closed_city: Network, scenario: Scenario, problem: PlanningProblem
) -> None:
    """In the simulator, parcels accepted in [12, 48) for S2 pass B1, never H; those
    accepted before or after pass H."""
    plan = reroute_closure(problem, CLOSURE, parameters=_parameters())
    result = simulate(
        plan.network,
        scenario,
        routing=derive_routing(closed_city),
        routing_windows=[plan.routing_window],
        trace=True,
    )
    run = result.run
    trace = run.trace
    assert trace is not None
    position = {node_id: index for index, node_id in enumerate(run.plan.node_ids)}
    for cohort in np.flatnonzero(run.plan.cohort_destination == position["S2"]).tolist():
        visited = set(trace.node[trace.cohort == cohort].tolist())
        inside = 12 <= int(run.plan.cohort_hour[cohort]) < 48
        assert (position["B1"] in visited) is inside
        assert (position["H"] in visited) is not inside


def test_rerouting_conserves_parcels_and_blocks_fewer(problem: PlanningProblem) -> None:
    """The rerouted run loses no parcel and refuses fewer at the closed hub than the
    closure without rerouting."""
    plan = reroute_closure(problem, CLOSURE, parameters=_parameters())
    comparison = simulate_reroute(problem, plan)
    rerouted = comparison.with_reroute.run
    assert conservation_gap(rerouted) == pytest.approx(0, abs=1e-6)
    # 8 pickup rounds of 300 over the two days: all 2,400 delivered by the end of the drain day.
    assert rerouted.delivered.sum() == pytest.approx(2400)
    # Without the reroute, H refuses O's parcels every hour it is closed.
    assert comparison.before.blocked_at_closed_nodes > 0
    assert comparison.after.blocked_at_closed_nodes == pytest.approx(0)
    assert comparison.after.mean_delivery_hours < comparison.before.mean_delivery_hours
    assert set(comparison.after.backup_peak_storage_utilisation) == {"B1", "B2"}
