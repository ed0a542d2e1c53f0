"""No stop of pickup (不得擅自停收, issue 20): each origin picks up at least its floor on every
day it has releases, unless a closure of the scenario covers it; when the floor leaves no
plan inside capacity, the least-overflow plan says where it falls short."""

from __future__ import annotations

from datetime import datetime

import pytest

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import StaggerParameters
from peakguard.optimize.stagger import PickupPlan, plan_pickups

from .conftest import DAY1, day, release, scenario

FULL = {"sorting_margin": 1.0, "storage_margin": 1.0}


def _quota(plan: PickupPlan, origin: str, number: int) -> float:
    return next(q.quota for q in plan.quotas if q.origin == origin and q.day == day(number))


def test_without_a_floor_the_program_stops_an_outlet_for_a_day(shared_hub: Network) -> None:
    """O1 must ship its 2,400 on day 1 and H sorts 2,400 a day: with no floor, the least
    delay leaves O2 (1,000 released on day 1, window to day 2) with nothing on day 1."""
    releases = [release("O1", 2400, 1, 1), release("O2", 1000, 1, 2)]
    plan = plan_pickups(
        compile_problem(shared_hub, scenario(2)),
        releases,
        parameters=StaggerParameters(**FULL, pickup_floor=0.0),
    )
    assert plan.within_capacity
    assert _quota(plan, "O2", 1) == pytest.approx(0, abs=1e-2)


def test_the_floor_keeps_pickup_going_and_the_shortfall_says_what_it_costs(
    shared_hub: Network,
) -> None:
    """With the default floor (half a normal day, O2's normal day is 1,000) O2 picks up 500
    on day 1; H then holds 2,900 of 2,400 on day 1: no plan fits, the least-overflow plan
    is over by exactly the floor's 500, at H on day 1, and O2's day 1 is at its floor."""
    releases = [release("O1", 2400, 1, 1), release("O2", 1000, 1, 2)]
    plan = plan_pickups(
        compile_problem(shared_hub, scenario(2)), releases, parameters=StaggerParameters(**FULL)
    )
    assert _quota(plan, "O2", 1) == pytest.approx(500, abs=1e-2)
    assert _quota(plan, "O2", 2) == pytest.approx(500, abs=1e-2)
    assert not plan.within_capacity
    assert plan.overflow == pytest.approx(500, abs=1e-2)
    assert [(item.node, item.start.date()) for item in plan.shortfalls] == [("H", DAY1)]
    assert plan.origin_days_at_floor == 1
    assert next(q.floor for q in plan.quotas if q.origin == "O2" and q.day == DAY1) == 500


def test_a_share_of_the_released_parcels_as_the_floor(shared_hub: Network) -> None:
    """Basis ``released``, share 0.2: O2's floor on day 1 is 0.2 × 1,000 = 200, the overflow
    at H 200."""
    releases = [release("O1", 2400, 1, 1), release("O2", 1000, 1, 2)]
    settings = StaggerParameters(**FULL, pickup_floor=0.2, pickup_floor_basis="released")
    plan = plan_pickups(compile_problem(shared_hub, scenario(2)), releases, parameters=settings)
    assert _quota(plan, "O2", 1) == pytest.approx(200, abs=1e-2)
    assert plan.overflow == pytest.approx(200, abs=1e-2)


def test_an_approved_closure_of_the_outlet_allows_zero(shared_hub: Network) -> None:
    """O2 closed all of day 1 (a closure of the scenario): no floor that day, so it picks up
    nothing and the plan fits."""
    closed = scenario(
        2,
        closures=[{"node": "O2", "start": datetime(2024, 11, 11), "end": datetime(2024, 11, 12)}],
    )
    releases = [release("O1", 2400, 1, 1), release("O2", 1000, 1, 2)]
    plan = plan_pickups(
        compile_problem(shared_hub, closed), releases, parameters=StaggerParameters(**FULL)
    )
    assert _quota(plan, "O2", 1) == pytest.approx(0, abs=1e-2)
    assert next(q.floor for q in plan.quotas if q.origin == "O2" and q.day == DAY1) == 0
    assert plan.within_capacity


def test_a_floor_never_forces_a_delay(shared_hub: Network) -> None:
    """When everything fits on its release day, the floor changes nothing: no delay."""
    releases = [release("O1", 1000, 1, 2), release("O2", 1000, 1, 2)]
    plan = plan_pickups(
        compile_problem(shared_hub, scenario(2)),
        releases,
        parameters=StaggerParameters(**FULL, pickup_floor=1.0),
    )
    assert plan.delay_parcel_days == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize(
    ("field", "value"), [("pickup_floor", 1.5), ("pickup_floor", -0.1), ("pickup_floor_basis", "x")]
)
def test_a_bad_floor_is_named(field: str, value: object) -> None:
    """A floor share outside [0, 1] or an unknown basis is refused, naming the knob."""
    with pytest.raises(InvalidInputError) as raised:
        StaggerParameters(**{field: value})  # type: ignore[arg-type]
    assert [problem.location for problem in raised.value.problems] == [field]
