"""Every plan checked by the simulator: the unplanned peak against the planned one.

The staggering program works on free-flow profiles; the simulator works with queues, shift
capacities and lane timetables. A plan is only as good as what the simulator says it does, so
every plan is run through it beside the unplanned case. Both runs use the ``overflow`` storage
policy by default: what does not fit shows as overflow (爆仓) at the node where it happens,
rather than being held upstream (the ``block`` policy), so "inside capacity" can be read off
directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peakguard.domain.network import NodeKind
from peakguard.optimize.problem import PlanningProblem
from peakguard.optimize.reroute import ReroutePlan
from peakguard.optimize.stagger import PickupPlan
from peakguard.simulate.plan import Demand, FloatArray, StoragePolicy
from peakguard.simulate.run import SimulationResult, simulate
from peakguard.simulate.scenario import Scenario

FULL = 0.999
"""Storage utilisation counted as full (the fluid model reaches 1.0 only up to rounding)."""


@dataclass(frozen=True)
class RunFigures:
    """What one run did, over the hours after the warm-up."""

    accepted: float
    on_time_rate: float
    mean_delivery_hours: float
    parcels_late: float
    """Parcels accepted that were not delivered within their time limit by the end."""
    left_in_network: float
    blocked_parcels: float
    """Parcels a departure could not carry because the next node was full or closed."""
    overflow_node_hours: int
    hubs_full: int
    """Hubs whose storage was full (≥ 99.9 %) at some hour."""
    hubs_overflowing: int
    """Hubs holding more than their storage capacity at some hour (爆仓)."""
    hub_overflow_hours: int
    hubs_over_sorting: int
    """Hubs that sorted at full capacity with parcels still queued at some hour."""
    peak_hub_storage_utilisation: float


@dataclass(frozen=True)
class HubComparison:
    node: str
    peak_storage_before: float
    peak_storage_after: float
    blocked_before: float
    blocked_after: float
    full_hours_before: int
    full_hours_after: int
    overflow_hours_before: int
    overflow_hours_after: int


@dataclass(frozen=True)
class PlanComparison:
    unplanned: RunFigures
    planned: RunFigures
    hubs: list[HubComparison]
    pickup_delay_parcel_days: float
    mean_release_to_delivery_hours_before: float
    mean_release_to_delivery_hours_after: float
    unplanned_result: SimulationResult
    planned_result: SimulationResult


def simulate_unplanned(
    problem: PlanningProblem, *, policy: StoragePolicy = StoragePolicy.overflow
) -> SimulationResult:
    """The scenario without a plan (every release picked up on its day), under ``policy``."""
    checked = problem.scenario.model_copy(update={"storage_policy": policy})
    return simulate(problem.network, checked, demand=problem.demand, routing=problem.routing)


def simulate_planned(
    problem: PlanningProblem,
    plan: PickupPlan,
    *,
    policy: StoragePolicy = StoragePolicy.overflow,
    reroute: ReroutePlan | None = None,
) -> SimulationResult:
    """The scenario with the plan's pickups (and the reroute's routing), under ``policy``."""
    checked = problem.scenario.model_copy(update={"storage_policy": policy})
    demand = planned_demand(problem, plan)
    if reroute is None:
        return simulate(problem.network, checked, demand=demand, routing=problem.routing)
    return simulate(
        reroute.network,
        checked,
        demand=demand,
        routing=problem.routing,
        routing_windows=[reroute.routing_window],
    )


def peak_storage_utilisation(result: SimulationResult, scenario: Scenario) -> FloatArray:
    """[node] the highest backlog ÷ storage capacity after the warm-up."""
    return np.asarray(_storage_utilisation(result, scenario).max(axis=1, initial=0.0))


def planned_demand(problem: PlanningProblem, plan: PickupPlan) -> Demand:
    """The scenario's demand with the planned origins' pickups replaced by the quotas (taken
    on in the scenario's pickup rounds, in equal parts, to the origin's usual destinations)."""
    scenario, base, mixes = problem.scenario, problem.demand, problem.mixes
    position = problem.routing.position
    planned = np.array(sorted({position[item.origin] for item in plan.quotas}), dtype=np.int64)
    moved = np.isin(base.origin, planned) & (base.hour >= scenario.warm_up_hours)
    rounds = list(scenario.demand.pickup_hours)
    parts = [
        (base.origin[~moved], base.destination[~moved], base.hour[~moved], base.parcels[~moved])
    ]
    start = scenario.start.date()
    for quota in plan.quotas:
        if quota.quota <= 1e-9:
            continue
        mix = mixes[position[quota.origin]]
        day = (quota.day - start).days
        for hour in rounds:
            count = len(mix.destinations)
            parts.append(
                (
                    np.full(count, mix.origin, dtype=np.int64),
                    mix.destinations,
                    np.full(count, 24 * day + hour, dtype=np.int64),
                    mix.shares * quota.quota / len(rounds),
                )
            )
    return Demand(
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        np.concatenate([p[3] for p in parts]),
    )


def compare_by_simulation(
    problem: PlanningProblem,
    plan: PickupPlan,
    /,
    *,
    policy: StoragePolicy = StoragePolicy.overflow,
    reroute: ReroutePlan | None = None,
) -> PlanComparison:
    """Simulate the scenario without and with the plan (under ``policy``), and compare them
    hub by hub. With a ``reroute``, the planned run also sends the closed hub's parcels to
    its backups."""
    before = simulate_unplanned(problem, policy=policy)
    after = simulate_planned(problem, plan, policy=policy, reroute=reroute)
    return compare_runs(problem, plan, before, after)


def compare_runs(
    problem: PlanningProblem,
    plan: PickupPlan,
    before: SimulationResult,
    after: SimulationResult,
) -> PlanComparison:
    """The unplanned run ``before`` against the planned run ``after``, hub by hub (both made
    on ``problem`` under one storage policy)."""
    network, scenario = problem.network, problem.scenario
    hubs = np.array([node.kind is NodeKind.hub for node in network.nodes], dtype=bool)
    storage_before = _storage_utilisation(before, scenario)
    storage_after = _storage_utilisation(after, scenario)
    from_hour = scenario.warm_up_hours
    comparisons = [
        HubComparison(
            node=network.nodes[index].id,
            peak_storage_before=float(storage_before[index].max(initial=0.0)),
            peak_storage_after=float(storage_after[index].max(initial=0.0)),
            blocked_before=float(before.run.blocked[index, from_hour:].sum()),
            blocked_after=float(after.run.blocked[index, from_hour:].sum()),
            full_hours_before=int((storage_before[index] >= FULL).sum()),
            full_hours_after=int((storage_after[index] >= FULL).sum()),
            overflow_hours_before=int((storage_before[index] > 1 + 1e-6).sum()),
            overflow_hours_after=int((storage_after[index] > 1 + 1e-6).sum()),
        )
        for index in np.flatnonzero(hubs).tolist()
    ]
    figures_before = _figures(before, scenario, hubs, storage_before)
    figures_after = _figures(after, scenario, hubs, storage_after)
    accepted = max(plan.parcels, 1e-9)
    return PlanComparison(
        unplanned=figures_before,
        planned=figures_after,
        hubs=comparisons,
        pickup_delay_parcel_days=plan.delay_parcel_days,
        mean_release_to_delivery_hours_before=figures_before.mean_delivery_hours,
        mean_release_to_delivery_hours_after=figures_after.mean_delivery_hours
        + 24 * plan.delay_parcel_days / accepted,
        unplanned_result=before,
        planned_result=after,
    )


def _storage_utilisation(result: SimulationResult, scenario: Scenario) -> FloatArray:
    run = result.run
    storage = np.maximum(run.plan.storage_capacity, 1e-12)[:, None]
    return np.asarray(run.backlog[:, scenario.warm_up_hours :] / storage, dtype=np.float64)


def _figures(
    result: SimulationResult, scenario: Scenario, hubs: np.ndarray, storage: FloatArray
) -> RunFigures:
    summary = result.summary
    run = result.run
    from_hour = scenario.warm_up_hours
    queued = run.queued[:, from_hour:]
    busy = run.processed[:, from_hour:] >= run.capacity[:, from_hour:] - 1e-6
    saturated = (busy & (queued > 1e-6) & (run.capacity[:, from_hour:] > 0)).any(axis=1)
    return RunFigures(
        accepted=summary.accepted,
        on_time_rate=summary.on_time_rate,
        mean_delivery_hours=summary.mean_delivery_hours,
        parcels_late=summary.accepted - summary.delivered_on_time,
        left_in_network=summary.left_at_nodes + summary.in_transit,
        blocked_parcels=float(run.blocked[:, from_hour:].sum()),
        overflow_node_hours=summary.overflow_node_hours,
        hubs_full=int(((storage >= FULL).any(axis=1) & hubs).sum()),
        hubs_overflowing=int(((storage > 1 + 1e-6).any(axis=1) & hubs).sum()),
        hub_overflow_hours=int((storage[hubs] > 1 + 1e-6).sum()),
        hubs_over_sorting=int((saturated & hubs).sum()),
        peak_hub_storage_utilisation=float(storage[hubs].max(initial=0.0)),
    )
