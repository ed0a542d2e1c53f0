"""The season's assurance plan: reroute around closures, stagger the pickups, add the
reserves staggering cannot avoid, stagger again, and check it all by simulation.

This is the order a carrier's network planner works in: closed hubs first (their parcels
must go somewhere), then the pickup rhythm, then the capacity the rhythm alone cannot make
up for — sized from the plan's own shortfalls — and a last plan on the reinforced network.
"""

from __future__ import annotations

from dataclasses import dataclass

from peakguard.domain.network import Network
from peakguard.domain.routing import RoutingTable, derive_routing
from peakguard.optimize.comparison import PlanComparison, compare_by_simulation
from peakguard.optimize.releases import OrderRelease, StaggerParameters
from peakguard.optimize.reroute import ReroutePlan, reroute_closure
from peakguard.optimize.reroute_parameters import ClosureRequest
from peakguard.optimize.shortfall_reserves import Reserve, reserves_for_shortfalls, with_reserves
from peakguard.optimize.stagger import PickupPlan, plan_pickups
from peakguard.simulate.scenario import Scenario


@dataclass(frozen=True)
class AssurancePlan:
    reroute: ReroutePlan | None
    first_plan: PickupPlan
    """Staggering on the capacity on hand."""
    reserves: list[Reserve]
    """What the first plan could not avoid, as capacity to add."""
    plan: PickupPlan
    """Staggering with the reserves in place."""
    scenario: Scenario
    """The scenario with the reserves."""
    comparison: PlanComparison
    """Unplanned (with the reserves) against the plan, by simulation."""


def plan_assurance(
    network: Network,
    scenario: Scenario,
    releases: list[OrderRelease],
    *,
    parameters: StaggerParameters | None = None,
    routing: RoutingTable | None = None,
) -> AssurancePlan:
    """Reroute the scenario's first closure, stagger, reserve, stagger again, simulate."""
    table = routing or derive_routing(network)
    reroute = (
        reroute_closure(
            network, scenario, ClosureRequest.from_closure(scenario.closures[0]), routing=table
        )
        if scenario.closures
        else None
    )
    first = plan_pickups(network, scenario, releases, parameters=parameters, routing=table)
    reserves = reserves_for_shortfalls(first)
    reinforced = with_reserves(scenario, reserves) if reserves else scenario
    plan = (
        plan_pickups(network, reinforced, releases, parameters=parameters, routing=table)
        if reserves
        else first
    )
    comparison = compare_by_simulation(network, reinforced, plan, routing=table, reroute=reroute)
    return AssurancePlan(reroute, first, reserves, plan, reinforced, comparison)
