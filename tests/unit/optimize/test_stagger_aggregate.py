"""The aggregated formulation (issue 20 item 5, decision 0028): one column per group of alike
outlets and day, cumulative bounds in place of the releases, capacity rows added as the plan
needs them, then split back to outlets and releases. Checked by hand on small cases and
against the full program (every outlet its own columns, every row from the start) on random
networks, recounted on the full program's load model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from peakguard.domain.network import Network
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import StaggerParameters
from peakguard.optimize.stagger import PickupPlan, plan_pickups
from peakguard.optimize.stagger_aggregate import least_by_day

from .conftest import DAY1, release, scenario
from .test_stagger_groups import Case, _excess, alike_cases

NO_FLOOR = StaggerParameters(
    sorting_margin=1.0, storage_margin=1.0, carrier_fairness=0.0, pickup_floor=0.0
)


def _quotas(plan: PickupPlan) -> dict[tuple[str, int], float]:
    return {(q.origin, (q.day - DAY1).days + 1): q.quota for q in plan.quotas}


def test_a_group_over_capacity_by_hand(shared_hub: Network) -> None:
    """Day 1: O1 releases 2,000 and O2 1,000 (each pickable on day 1 or 2); day 2: O2
    releases 1,000 (day 2 or 3). H takes 2,400 a day, so 600 of day 1's 3,000 wait a day:
    delay ≥ 600 parcel-days, reached by the group picking 2,400 on day 1 and 1,600 on day 2.
    Each outlet has 2,000 parcels; the worst origin's mean delay is least when they share
    the 600 parcel-days equally: 300 each, 0.15 days. So O1 picks 1,700 then 300, O2 700
    then 1,300 — the aggregate decides the group's days, the split who waits."""
    releases = [release("O1", 2000, 1, 2), release("O2", 1000, 1, 2), release("O2", 1000, 2, 3)]
    problem = compile_problem(shared_hub, scenario(3))
    plan = plan_pickups(problem, releases, parameters=NO_FLOOR, formulation="aggregated")
    full = plan_pickups(problem, releases, parameters=NO_FLOOR, formulation="full")

    assert plan.within_capacity
    assert plan.delay_parcel_days == pytest.approx(600, abs=1e-2)
    assert plan.worst_origin_delay_days == pytest.approx(0.15, abs=1e-6)
    quotas = _quotas(plan)
    expected = {("O1", 1): 1700, ("O1", 2): 300, ("O2", 1): 700, ("O2", 2): 1300}
    for key, value in expected.items():
        assert quotas[key] == pytest.approx(value, abs=1e-2)
    assert quotas["O1", 3] + quotas["O2", 3] == pytest.approx(0, abs=1e-2)
    assert full.delay_parcel_days == pytest.approx(600, abs=1e-2)  # the reference agrees


def test_least_by_day_carries_floors_forward_by_hand() -> None:
    """An outlet with 10 parcels due by day 1 and a floor of 5 on days 0 and 1 must have
    picked up 5 by day 0 and 10 by day 1; one with nothing due before day 2 but a floor of 5
    on day 1 must have 5 by day 1. Summed over a group, these are the aggregate's lower
    bounds: without the floors (due alone: 0, 10, 20) a plan of 5, 5, 10 for the group would
    pass, yet the first outlet needs 5 more and the second its floor on day 1 — 10, not 5."""
    due_by = np.array([[0.0, 10.0, 10.0], [0.0, 0.0, 10.0]])
    floors = np.array([[5.0, 5.0, 0.0], [0.0, 5.0, 0.0]])
    least = least_by_day(due_by, floors)
    np.testing.assert_allclose(least, [[5.0, 10.0, 10.0], [0.0, 5.0, 10.0]])
    assert least.sum(axis=0)[1] == 15.0  # the group's 5 + 5 by day 1 is refused


def test_floors_hold_for_each_outlet_of_a_group(shared_hub: Network) -> None:
    """With the pickup floor (half a normal day, 500 parcels), each outlet of the group picks
    up at least its floor on every day it has releases, not only the group in sum."""
    releases = [release("O1", 2000, 1, 2), release("O2", 1000, 1, 2), release("O2", 1000, 2, 3)]
    parameters = StaggerParameters(sorting_margin=1.0, storage_margin=1.0)
    problem = compile_problem(shared_hub, scenario(3))
    plan = plan_pickups(problem, releases, parameters=parameters, formulation="aggregated")
    floored = [q for q in plan.quotas if q.floor > 0]
    assert floored
    assert all(q.quota >= q.floor - 1e-6 for q in floored)
    for original, pickups in plan.release_pickups:  # every release in full, in its window
        assert sum(pickups.values()) == pytest.approx(original.parcels, rel=1e-7, abs=1e-4)
        assert all(original.release_day <= day <= original.latest_day for day in pickups)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=alike_cases())
def test_aggregated_and_full_programs_agree_on_random_networks(case: Case) -> None:
    """On random trees where some outlets share their hub's shuttle, recounted on the full
    program's load model at every shift and hour: the aggregated plan overloads no more than
    the full one, and where a plan fits, its delay is within 1 % of the full program's (its
    fairness term is each group's mean delay, the worst outlet's being settled in the split);
    every outlet keeps its floor and every release is picked up in full in its window."""
    problem = compile_problem(case.network, case.scenario)
    full, fast = (
        plan_pickups(problem, case.releases, parameters=case.parameters, formulation=f)
        for f in ("full", "aggregated")
    )
    scale = max(full.parcels, 1.0)
    room = 2e-3 * max(full.statistics.rows, 1) + 1e-5 * scale
    excess = _excess(case, full)
    assert _excess(case, fast) <= excess + room
    if excess <= room:
        assert fast.delay_parcel_days == pytest.approx(
            full.delay_parcel_days, rel=1e-2, abs=1e-4 * scale
        )
    assert all(q.quota >= q.floor - 1e-6 for q in fast.quotas)
    for original, pickups in fast.release_pickups:
        assert sum(pickups.values()) == pytest.approx(original.parcels, rel=1e-6, abs=1e-3)
        assert all(original.release_day <= day <= original.latest_day for day in pickups)
