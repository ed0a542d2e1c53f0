"""Whatever the network and releases, a plan picks every release up in full within its
window, and a plan that claims to stay inside capacity does, by an independent recount."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from peakguard.domain.network import Network, Node, NodeKind
from peakguard.domain.routing import derive_routing
from peakguard.optimize.comparison import planned_demand
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.profiles import uncongested_run
from peakguard.optimize.releases import OrderRelease, StaggerParameters
from peakguard.optimize.stagger import OVERFLOW_TOLERANCE, PickupPlan, plan_pickups
from peakguard.simulate.scenario import Scenario

from .conftest import CARRIERS, day, lane, node, release, scenario, shift

EVERY_HOUR_CHECKED = StaggerParameters(storage_hours_per_day=24)
"""Every hour's storage is a row, so every hour may be recounted against its limit."""


@dataclass(frozen=True)
class Case:
    network: Network
    scenario: Scenario
    releases: list[OrderRelease]
    parameters: StaggerParameters


def _departures(draw: st.DrawFn) -> list[str]:
    hours = draw(
        st.one_of(
            st.just(list(range(24))),
            st.lists(st.integers(0, 23), min_size=1, max_size=4, unique=True),
        )
    )
    return [f"{hour:02d}:{draw(st.sampled_from(['00', '30']))}" for hour in sorted(hours)]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A tree: 1–3 outlets → (0–2 collecting hubs →) root hub R → 1–2 stations. Hubs have
    random capacity, one random shift (possibly past midnight) and random storage; lanes
    random transit times and timetables; outlets random volumes and releases."""
    collectors = draw(st.integers(0, 2))
    hub_ids = ["R", *[f"H{k + 1}" for k in range(collectors)]]
    hubs: list[Node] = []
    for hub_id in hub_ids:
        per_hour = draw(st.integers(20, 500))
        if draw(st.booleans()):
            shifts = [shift(0, 24, per_hour)]
        else:
            start = draw(st.integers(0, 23))
            length = draw(st.integers(6, 16))
            shifts = [shift(start, (start + length) % 24, per_hour)]
        hubs.append(node(hub_id, "hub", shifts=shifts, storage=draw(st.integers(300, 8000))))
    outlet_count = draw(st.integers(1, 3))
    outlets = [
        node(f"O{k + 1}", "outlet", daily_volume=draw(st.integers(50, 1500)))
        for k in range(outlet_count)
    ]
    stations = [
        node(f"S{k + 1}", "station", daily_volume=draw(st.integers(1, 100)))
        for k in range(draw(st.integers(1, 2)))
    ]
    lanes = []
    for outlet in outlets:
        parent = draw(st.sampled_from(hub_ids[1:] or ["R"]))
        lanes.append(
            lane(
                outlet.id,
                parent,
                hours=draw(st.sampled_from([0.5, 1, 2, 3.5])),
                departures=_departures(draw),
            )
        )
    lanes += [
        lane(h, "R", hours=draw(st.sampled_from([1, 2.5, 4])), departures=_departures(draw))
        for h in hub_ids[1:]
    ]
    lanes += [
        lane("R", s.id, hours=draw(st.sampled_from([1, 2])), departures=_departures(draw))
        for s in stations
    ]
    network = Network(
        name="random-tree",
        carriers=CARRIERS[:1],
        nodes=[*outlets, *hubs, *stations],
        lanes=lanes,
    )
    days = draw(st.integers(1, 3))
    peak = scenario(days, warm_up_days=draw(st.integers(0, 1)), drain_days=draw(st.integers(1, 2)))
    releases = []
    for outlet in outlets:
        if not draw(st.booleans()) and outlet is not outlets[0]:
            continue  # an outlet without releases: its parcels are background
        for released in range(1, days + 1):
            if draw(st.booleans()) or (outlet is outlets[0] and released == 1):
                window = draw(st.integers(0, 3))
                releases.append(
                    release(outlet.id, draw(st.floats(0, 3000)), released, released + window)
                )
    parameters = StaggerParameters(
        sorting_margin=draw(st.sampled_from([0.8, 0.95, 1.0])),
        storage_margin=draw(st.sampled_from([0.85, 1.0])),
        storage_hours_per_day=24,
        carrier_fairness=draw(st.sampled_from([0.0, 0.25])),
        origin_fairness=draw(st.sampled_from([0.0, 0.25, 1.0])),
    )
    return Case(network, peak, releases, parameters)


def _shift_instances(network_node: Node, hours: int) -> list[range]:
    """Every worked instance of the node's one shift, clipped to the run's hours."""
    (only,) = network_node.shifts
    length = (only.end_hour - only.start_hour) % 24 or 24
    instances = []
    for k in range(-1, hours // 24 + 1):
        start = max(24 * k + only.start_hour, 0)
        end = min(24 * k + only.start_hour + length, hours)
        if start < end:
            instances.append(range(start, end))
    return instances


def _recount(
    case: Case, plan: PickupPlan
) -> tuple[dict[tuple[str, int], float], np.ndarray, list[int]]:
    """Independently of the program's rows: run the uncongested engine on the planned demand
    and add up, per node, the parcels sorted in each shift worked; and take its backlog (held
    at the end of each hour)."""
    network, peak = case.network, case.scenario
    routing = derive_routing(network)
    demand = planned_demand(compile_problem(network, peak), plan)
    hours = peak.hours
    run = uncongested_run(network, routing, demand, hours=hours, trace=False)
    ids = [n.id for n in network.nodes]
    sorted_per_shift = {}
    for index, network_node in enumerate(network.nodes):
        for instance in _shift_instances(network_node, hours):
            sorted_per_shift[network_node.id, instance.start] = float(
                run.processed[index, instance.start : instance.stop].sum()
            )
    planned = {q.origin for q in plan.quotas}
    touched = sorted(
        {
            ids.index(hop)
            for origin in planned
            for station in network.nodes
            if station.kind is NodeKind.station
            for hop in routing.path(origin, station.id) or []
        }
    )
    return sorted_per_shift, run.backlog, touched


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_plans_keep_their_promises(case: Case) -> None:
    """(a) every release is picked up in full within its window; (b) a plan that claims to
    stay inside capacity sorts no more than capacity × margin in any shift and holds no more
    than storage × margin at the end of any hour, recounted on the uncongested engine (and
    every shortfall it reports has the load the engine gives); (c) quotas are
    non-negative and add up, per origin, to what was released there."""
    network, peak = case.network, case.scenario
    plan = plan_pickups(compile_problem(network, peak), case.releases, parameters=case.parameters)
    last_day = day(peak.hours // 24 - peak.warm_up_days)

    # (a) Every release in full, inside its window (cut at the last simulated day).
    assert len(plan.release_pickups) == len(case.releases)
    for (given_release, pickups), original in zip(plan.release_pickups, case.releases, strict=True):
        assert given_release == original
        assert sum(pickups.values()) == pytest.approx(original.parcels, rel=1e-6, abs=1e-3)
        for moment, amount in pickups.items():
            assert amount >= 0
            assert original.release_day <= moment <= min(original.latest_day, last_day)

    # (c) Quotas: non-negative, per origin the released total, per day the pickups.
    assert all(q.quota >= -1e-9 for q in plan.quotas)
    origins = {r.origin for r in case.releases}
    for origin in origins:
        released = sum(r.parcels for r in case.releases if r.origin == origin)
        quotas = sum(q.quota for q in plan.quotas if q.origin == origin)
        assert quotas == pytest.approx(released, rel=1e-6, abs=1e-3)
        for quota in (q for q in plan.quotas if q.origin == origin):
            picked = sum(
                pickups.get(quota.day, 0.0)
                for r, pickups in plan.release_pickups
                if r.origin == origin
            )
            assert quota.quota == pytest.approx(picked, rel=1e-6, abs=1e-3)
    assert {q.origin for q in plan.quotas} == origins

    # (b) The independent recount.
    sorted_per_shift, backlog, touched = _recount(case, plan)
    ids = [n.id for n in network.nodes]
    hours = peak.hours
    for shortfall in plan.shortfalls:  # each shortfall's load is what the engine says
        index = ids.index(shortfall.node)
        start = peak.hour_of(shortfall.start)
        if shortfall.kind == "sorting":
            load = sorted_per_shift[shortfall.node, start]
        else:
            load = float(backlog[index, start])
        assert shortfall.load == pytest.approx(load, rel=1e-6, abs=1e-2)
    event("within capacity" if plan.within_capacity else "short of capacity")
    if not plan.within_capacity:
        return
    slack = OVERFLOW_TOLERANCE + 1e-6
    for index in touched:
        network_node = network.nodes[index]
        per_hour = network_node.sorting_capacity_by_hour()
        for instance in _shift_instances(network_node, hours):
            limit = case.parameters.sorting_margin * sum(per_hour[h % 24] for h in instance)
            assert sorted_per_shift[network_node.id, instance.start] <= limit * (1 + 1e-9) + slack
        storage_limit = case.parameters.storage_margin * network_node.storage_capacity
        assert backlog[index].max() <= storage_limit * (1 + 1e-9) + slack
