"""A reroute checked by simulation: the closure without it against the closure with it.

Both runs simulate the scenario with the closure in it (added when the scenario does not
already close the nodes over the window). The rerouted run uses the rerouted network and the
original routing, except for parcels accepted in the plan's window, which take the plan's
routes (:func:`peakguard.simulate.run.simulate`'s ``routing_windows``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peakguard.optimize.problem import PlanningProblem
from peakguard.optimize.reroute import ReroutePlan
from peakguard.simulate.run import SimulationResult, simulate
from peakguard.simulate.scenario import Closure, Scenario


@dataclass(frozen=True)
class RerouteOutcome:
    """What one run shows about the closure (parcels accepted after the warm-up)."""

    blocked_at_closed_nodes: float
    """Parcel-departures towards the closed nodes refused (summed over departures: a parcel
    refused at two departures counts twice)."""
    blocked_anywhere: float
    on_time_rate: float
    mean_delivery_hours: float
    delivered: float
    left_at_nodes: float
    backup_peak_storage_utilisation: dict[str, float]
    """Backup hub → its highest backlog ÷ storage capacity over the run after the warm-up."""


@dataclass(frozen=True)
class RerouteComparison:
    without_reroute: SimulationResult
    with_reroute: SimulationResult
    before: RerouteOutcome
    after: RerouteOutcome


def simulate_reroute(problem: PlanningProblem, plan: ReroutePlan) -> RerouteComparison:
    """Simulate the closure without the reroute and with it, and compare. The rerouted
    network has the same nodes, so the problem's demand is the demand of both runs."""
    closed = _with_closure(problem.scenario, plan)
    routing, demand = problem.routing, problem.demand
    without = simulate(problem.network, closed, demand=demand, routing=routing)
    rerouted = simulate(
        plan.network,
        closed,
        demand=demand,
        routing=routing,
        routing_windows=[plan.routing_window],
    )
    backups = [backup.hub for backup in plan.backups]
    return RerouteComparison(
        without_reroute=without,
        with_reroute=rerouted,
        before=_outcome(without, plan.closure.nodes, backups),
        after=_outcome(rerouted, plan.closure.nodes, backups),
    )


def _with_closure(scenario: Scenario, plan: ReroutePlan) -> Scenario:
    """The scenario with the plan's closure in it, unless it closes those nodes already."""
    start = plan.closure.start.replace(tzinfo=None)
    end = plan.closure.end.replace(tzinfo=None)
    missing = [
        node
        for node in plan.closure.nodes
        if not any(
            item.node == node
            and item.start.replace(tzinfo=None) <= start
            and item.end.replace(tzinfo=None) >= end
            for item in scenario.closures
        )
    ]
    if not missing:
        return scenario
    added = [
        Closure(node=node, start=start, end=end, reason=plan.closure.reason) for node in missing
    ]
    return scenario.model_copy(update={"closures": [*scenario.closures, *added]})


def _outcome(
    result: SimulationResult, closed: tuple[str, ...], backups: list[str]
) -> RerouteOutcome:
    run = result.run
    position = {node_id: index for index, node_id in enumerate(run.plan.node_ids)}
    warm_up = result.scenario.warm_up_hours
    closed_rows = [position[node] for node in closed]
    storage = run.plan.storage_capacity
    summary = result.summary
    return RerouteOutcome(
        blocked_at_closed_nodes=float(run.blocked[closed_rows].sum()),
        blocked_anywhere=float(run.blocked.sum()),
        on_time_rate=summary.on_time_rate,
        mean_delivery_hours=summary.mean_delivery_hours,
        delivered=summary.delivered,
        left_at_nodes=summary.left_at_nodes,
        backup_peak_storage_utilisation={
            hub: float(np.max(run.backlog[position[hub], warm_up:], initial=0.0))
            / float(storage[position[hub]])
            for hub in backups
        },
    )
