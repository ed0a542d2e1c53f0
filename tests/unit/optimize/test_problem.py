"""The planning problem compiled once: the same parts the functions derived themselves,
shared read-only."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from peakguard.domain.network import Network
from peakguard.domain.routing import derive_routing
from peakguard.optimize.loads import origin_mixes
from peakguard.optimize.problem import compile_problem, origin_mixes_of
from peakguard.optimize.releases import releases_from_problem, releases_from_scenario
from peakguard.simulate.demand import NormalDayFlows, build_demand, normal_day_flows
from peakguard.simulate.scenario import CapacityChange

from .conftest import DAY1, hub_chain, scenario

PEAK = scenario(
    3, warm_up_days=1, drain_days=1, volume_multipliers=[{"first_day": DAY1, "multiplier": 3}]
)
"""One warm-up day, Double 11 at three times a normal day, two more days, one drain day."""


@pytest.fixture
def peak_hub() -> Network:
    """O (1,000 a day) → H (sorting 100 an hour) → S: a peak that must be staggered."""
    return hub_chain(100)


def test_the_problem_holds_what_the_functions_derived(peak_hub: Network) -> None:
    """Routing, demand, normal-day flows and origin mixes equal those derived one by one."""
    problem = compile_problem(peak_hub, PEAK)
    alone = build_demand(peak_hub, PEAK)
    for name in ("origin", "destination", "hour", "parcels"):
        assert np.array_equal(getattr(problem.demand, name), getattr(alone, name))
    for mine, theirs in zip(problem.flows, normal_day_flows(peak_hub, PEAK), strict=True):
        assert np.array_equal(mine, theirs)
    routing = derive_routing(peak_hub)
    assert np.array_equal(problem.routing.next_hop, routing.next_hop)
    assert problem.mixes.keys() == origin_mixes(peak_hub, PEAK).keys()
    assert problem.normal_volumes.tolist() == [1000.0, 0.0, 0.0]
    assert releases_from_problem(problem) == releases_from_scenario(peak_hub, PEAK)


def test_the_shared_arrays_are_read_only(peak_hub: Network) -> None:
    """A run that wrote into the demand would change every later run on the problem."""
    problem = compile_problem(peak_hub, PEAK)
    with pytest.raises(ValueError, match="read-only"):
        problem.demand.parcels[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        problem.flows.parcels[0] = 0.0


def test_a_problem_takes_new_capacities_but_not_new_demand(peak_hub: Network) -> None:
    """with_scenario keeps demand and routing for a scenario with more capacity, and refuses
    one whose demand differs (it would need compiling again)."""
    problem = compile_problem(peak_hub, PEAK)
    change = CapacityChange(
        node="H", start=datetime(2024, 11, 11), end=datetime(2024, 11, 12), extra_per_hour=50
    )
    reinforced = problem.with_scenario(PEAK.model_copy(update={"capacity_changes": [change]}))
    assert reinforced.scenario.capacity_changes == [change]
    assert reinforced.demand is problem.demand
    assert reinforced.routing is problem.routing
    with pytest.raises(ValueError, match="compile a new problem"):
        problem.with_scenario(PEAK.model_copy(update={"days": 2}))


def test_origin_mixes_are_each_origins_flows_in_their_own_order() -> None:
    """On shuffled flows (inbound ones and empty ones among them), each origin's mix is its
    outbound flows with parcels, in the order they come, each share its parcels over their
    sum — the per-origin rule written out here, compared to the last bit."""
    generator = np.random.default_rng(7)
    count = 5_000
    origin = generator.integers(0, 40, count)
    destination = generator.integers(100, 160, count)
    parcels = np.where(generator.random(count) < 0.1, 0.0, generator.gamma(2.0, 50.0, count))
    parcels[origin == 39] = 0.0  # an origin with flows but no parcels has no mix
    inbound = generator.random(count) < 0.2
    mixes = origin_mixes_of(NormalDayFlows(origin, destination, parcels, inbound))
    expected = {}
    for node in sorted(set(origin[~inbound].tolist())):
        rows = [i for i in range(count) if origin[i] == node and not inbound[i] and parcels[i] > 0]
        total = float(parcels[rows].sum())
        if total > 0:
            expected[node] = (destination[rows], parcels[rows] / total)
    assert sorted(mixes) == sorted(expected) and 39 not in mixes
    for node, (destinations, shares) in expected.items():
        assert mixes[node].origin == node
        assert np.array_equal(mixes[node].destinations, destinations)
        assert np.array_equal(mixes[node].shares, shares)
