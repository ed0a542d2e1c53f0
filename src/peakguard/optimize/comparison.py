"""Every plan checked by the simulator: the releases as released against the plan.

The staggering program works on free-flow profiles; the simulator works with queues, shift
capacities and lane timetables. A plan is only as good as what the simulator says it does, so
every plan is run through it beside the case it replaces: the same releases picked up on
their release day, on the same background (:mod:`.stagger_runs`). Every figure of the
comparison comes from that pair; the customers' figures count from release
(:mod:`.stagger_customers`). Both runs use the ``overflow`` storage
policy by default: what does not fit shows as overflow (爆仓) at the node where it happens,
rather than being held upstream (the ``block`` policy), so "inside capacity" can be read off
directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from peakguard.domain.network import Network, NodeKind
from peakguard.optimize.platform_shares import even_split, platform_groups
from peakguard.optimize.problem import PlanningProblem
from peakguard.optimize.releases import OrderRelease
from peakguard.optimize.reroute import ReroutePlan
from peakguard.optimize.stagger import PickupPlan
from peakguard.optimize.stagger_customers import (
    CustomerFigures,
    CustomerGroup,
    customer_figures,
    customers_wait_longer,
    network_figures,
)
from peakguard.optimize.stagger_runs import (
    TaggedDemand,
    TaggedRun,
    cohort_rows,
    pickups_as_planned,
    pickups_as_released,
    simulate_tagged,
    tagged_demand,
)
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
class NodeOverflow:
    """A node the plan puts over its storage capacity (爆仓) that the "before" run did not."""

    node: str
    kind: NodeKind
    peak_storage_before: float
    peak_storage_after: float
    overflow_hours_after: int


@dataclass(frozen=True)
class PlanComparison:
    """The releases picked up on their release day ("before") against the plan ("after"),
    both on the same background (docs/explanation/staggering.md)."""

    unplanned: RunFigures
    planned: RunFigures
    hubs: list[HubComparison]
    pickup_delay_parcel_days: float
    mean_release_to_delivery_hours_before: float
    mean_release_to_delivery_hours_after: float
    customers_before: CustomerFigures
    customers_after: CustomerFigures
    platforms_before: list[CustomerGroup]
    """Each platform's customers' figures before (``key`` the platform; the schedule's, with
    the plan's alike releases sharing their pickups evenly)."""
    platforms_after: list[CustomerGroup]
    new_overflow_nodes: list[NodeOverflow]
    """Every node (hub, station or outlet) over storage with the plan and not before it."""
    network: Network
    """The network both runs were simulated on."""
    storage_policy: StoragePolicy
    """What both runs did with parcels a full node could not take."""

    @property
    def customers_wait_longer(self) -> bool:
        return customers_wait_longer(self.customers_before.total, self.customers_after.total)


@dataclass(frozen=True)
class RunReading:
    """What a comparison reads of one checked run: its figures, its storage use hour by hour,
    and its customers' figures (overall, per carrier, origin and platform). Read as soon as
    the run is made, so the run's per-cohort arrays (~0.2-0.4 GB each on the demo's season)
    are never held beside the other run's simulation."""

    figures: RunFigures
    storage: FloatArray
    """[node, hour after the warm-up] backlog ÷ storage capacity."""
    blocked: FloatArray
    """[node] parcels refused by the node after the warm-up."""
    customers: CustomerFigures
    platforms: list[CustomerGroup]
    network: Network
    storage_policy: StoragePolicy


def simulate_unplanned(
    problem: PlanningProblem,
    plan: PickupPlan | None = None,
    *,
    policy: StoragePolicy = StoragePolicy.overflow,
) -> SimulationResult:
    """The releases of ``plan`` picked up on their release day, on the background the plan
    does not move ("before"), under ``policy``. Without a plan: the scenario's own demand."""
    if plan is None:
        checked = problem.scenario.model_copy(update={"storage_policy": policy})
        return simulate(problem.network, checked, demand=problem.demand, routing=problem.routing)
    return _as_released(problem, plan, policy).result


def simulate_planned(
    problem: PlanningProblem,
    plan: PickupPlan,
    *,
    policy: StoragePolicy = StoragePolicy.overflow,
    reroute: ReroutePlan | None = None,
) -> SimulationResult:
    """The scenario with the plan's pickups (and the reroute's routing), under ``policy``."""
    return _as_planned(problem, plan, policy, reroute).result


def peak_storage_utilisation(result: SimulationResult, scenario: Scenario) -> FloatArray:
    """[node] the highest backlog ÷ storage capacity after the warm-up."""
    return np.asarray(_storage_utilisation(result, scenario).max(axis=1, initial=0.0))


def planned_demand(problem: PlanningProblem, plan: PickupPlan) -> Demand:
    """The scenario's demand with the planned origins' pickups replaced by the plan's (taken
    on in the scenario's pickup rounds, in equal parts, to the origin's usual destinations)."""
    return _planned_tags(problem, plan).demand


def released_demand(problem: PlanningProblem, plan: PickupPlan) -> Demand:
    """As :func:`planned_demand`, with every release picked up on its release day."""
    return _released_tags(problem, plan).demand


def _origins(plan: PickupPlan) -> set[str]:
    return {item.origin for item in plan.quotas}


def _planned_tags(problem: PlanningProblem, plan: PickupPlan) -> TaggedDemand:
    return tagged_demand(problem, _origins(plan), pickups_as_planned(plan.release_pickups))


def _releases(plan: PickupPlan) -> list[OrderRelease]:
    return [release for release, _pickups in plan.release_pickups]


def _released_tags(problem: PlanningProblem, plan: PickupPlan) -> TaggedDemand:
    return tagged_demand(problem, _origins(plan), pickups_as_released(_releases(plan)))


def _as_released(problem: PlanningProblem, plan: PickupPlan, policy: StoragePolicy) -> TaggedRun:
    pickups = pickups_as_released(_releases(plan))
    return simulate_tagged(problem, _origins(plan), pickups, policy=policy)


def _as_planned(
    problem: PlanningProblem,
    plan: PickupPlan,
    policy: StoragePolicy,
    reroute: ReroutePlan | None = None,
) -> TaggedRun:
    pickups = pickups_as_planned(plan.release_pickups)
    if reroute is None:
        return simulate_tagged(problem, _origins(plan), pickups, policy=policy)
    return simulate_tagged(
        problem,
        _origins(plan),
        pickups,
        policy=policy,
        network_override=reroute.network,
        routing_windows=[reroute.routing_window],
    )


def compare_by_simulation(
    problem: PlanningProblem,
    plan: PickupPlan,
    /,
    *,
    policy: StoragePolicy = StoragePolicy.overflow,
    reroute: ReroutePlan | None = None,
) -> PlanComparison:
    """Simulate the releases as released and the plan (under ``policy``, on the same
    background), and compare them. With a ``reroute``, the planned run also sends the closed
    hub's parcels to its backups."""
    before = read_released(problem, plan, _as_released(problem, plan, policy))
    after = read_planned(problem, plan, _as_planned(problem, plan, policy, reroute))
    return compare_readings(problem, plan, before, after)


def run_as_released(
    problem: PlanningProblem,
    plan: PickupPlan,
    *,
    policy: StoragePolicy = StoragePolicy.overflow,
) -> TaggedRun:
    """:func:`simulate_unplanned` with the plan, keeping its cohorts' tags for
    :func:`read_released` (which would otherwise make and match them again)."""
    return _as_released(problem, plan, policy)


def run_as_planned(
    problem: PlanningProblem,
    plan: PickupPlan,
    *,
    policy: StoragePolicy = StoragePolicy.overflow,
    reroute: ReroutePlan | None = None,
) -> TaggedRun:
    """:func:`simulate_planned`, keeping its cohorts' tags for :func:`read_planned`."""
    return _as_planned(problem, plan, policy, reroute)


def compare_tagged(
    problem: PlanningProblem, plan: PickupPlan, released: TaggedRun, planned: TaggedRun
) -> PlanComparison:
    """:func:`compare_runs` on runs made by :func:`run_as_released` and
    :func:`run_as_planned` from ``plan`` on ``problem`` (under one storage policy)."""
    return compare_readings(
        problem, plan, read_released(problem, plan, released), read_planned(problem, plan, planned)
    )


def read_released(problem: PlanningProblem, plan: PickupPlan, run: TaggedRun) -> RunReading:
    """The "before" side of a comparison: ``run`` made by :func:`run_as_released`."""
    return _read(problem, run, [(r, {r.release_day: r.parcels}) for r in _releases(plan)])


def read_planned(problem: PlanningProblem, plan: PickupPlan, run: TaggedRun) -> RunReading:
    """The "after" side of a comparison: ``run`` made by :func:`run_as_planned`."""
    return _read(problem, run, even_split(plan.release_pickups))


def compare_runs(
    problem: PlanningProblem,
    plan: PickupPlan,
    before: SimulationResult | None,
    after: SimulationResult,
) -> PlanComparison:
    """``before`` (the releases as released, :func:`simulate_unplanned` with the plan)
    against ``after`` (:func:`simulate_planned`), both on ``problem`` under one storage policy.
    A ``before`` made otherwise (the scenario's own demand) is not the releases' and is
    simulated again as released."""
    policy = after.scenario.storage_policy
    planned = _matching(after, _planned_tags(problem, plan))
    if planned is None:
        raise ValueError("the planned run was not made by simulate_planned from this plan")
    after_reading = read_planned(problem, plan, planned)
    del planned
    released = _matching(before, _released_tags(problem, plan))
    if released is None:
        released = _as_released(problem, plan, policy)
    return compare_readings(problem, plan, read_released(problem, plan, released), after_reading)


def _matching(result: SimulationResult | None, tags: TaggedDemand) -> TaggedRun | None:
    """``result`` with its cohorts' rows in ``tags``, if it was simulated from them."""
    if result is None:
        return None
    cohorts = result.run.plan
    try:
        rows = cohort_rows(
            tags.demand, cohorts.cohort_origin, cohorts.cohort_destination, cohorts.cohort_hour
        )
    except ValueError:
        return None
    if not np.allclose(tags.demand.parcels[rows], cohorts.cohort_parcels):
        return None
    return TaggedRun(result, tags.of_cohorts(rows))


def compare_readings(
    problem: PlanningProblem, plan: PickupPlan, before: RunReading, after: RunReading
) -> PlanComparison:
    """The comparison of ``plan``'s two checked runs, each read by :func:`read_released` and
    :func:`read_planned`."""
    network = problem.network
    hubs = np.flatnonzero([node.kind is NodeKind.hub for node in network.nodes]).tolist()
    storage_before, storage_after = before.storage, after.storage
    comparisons = [
        HubComparison(
            node=network.nodes[index].id,
            peak_storage_before=float(storage_before[index].max(initial=0.0)),
            peak_storage_after=float(storage_after[index].max(initial=0.0)),
            blocked_before=float(before.blocked[index]),
            blocked_after=float(after.blocked[index]),
            full_hours_before=int((storage_before[index] >= FULL).sum()),
            full_hours_after=int((storage_after[index] >= FULL).sum()),
            overflow_hours_before=int((storage_before[index] > 1 + 1e-6).sum()),
            overflow_hours_after=int((storage_after[index] > 1 + 1e-6).sum()),
        )
        for index in hubs
    ]
    return PlanComparison(
        unplanned=before.figures,
        planned=after.figures,
        hubs=comparisons,
        pickup_delay_parcel_days=plan.delay_parcel_days,
        mean_release_to_delivery_hours_before=before.customers.total.release_to_delivery_hours,
        mean_release_to_delivery_hours_after=after.customers.total.release_to_delivery_hours,
        customers_before=before.customers,
        customers_after=after.customers,
        platforms_before=before.platforms,
        platforms_after=after.platforms,
        new_overflow_nodes=_new_overflow(network, storage_before, storage_after),
        network=before.network,
        storage_policy=before.storage_policy,
    )


def _read(
    problem: PlanningProblem,
    tagged: TaggedRun,
    release_pickups: list[tuple[OrderRelease, dict[date, float]]],
) -> RunReading:
    """What a comparison reads of ``tagged``, the run of ``release_pickups``."""
    network, scenario = problem.network, problem.scenario
    result = tagged.result
    hubs = np.array([node.kind is NodeKind.hub for node in network.nodes], dtype=bool)
    storage = _storage_utilisation(result, scenario)
    return RunReading(
        figures=_figures(tagged, scenario, hubs, storage),
        storage=storage,
        blocked=result.run.blocked[:, scenario.warm_up_hours :].sum(axis=1),
        customers=customer_figures(network, result.run, tagged.cohorts),
        platforms=platform_groups(problem, result, tagged.cohorts, release_pickups),
        network=result.network,
        storage_policy=result.scenario.storage_policy,
    )


def _new_overflow(
    network: Network, storage_before: FloatArray, storage_after: FloatArray
) -> list[NodeOverflow]:
    over_before = (storage_before > 1 + 1e-6).any(axis=1)
    hours_after = (storage_after > 1 + 1e-6).sum(axis=1)
    return [
        NodeOverflow(
            node=network.nodes[index].id,
            kind=network.nodes[index].kind,
            peak_storage_before=float(storage_before[index].max(initial=0.0)),
            peak_storage_after=float(storage_after[index].max(initial=0.0)),
            overflow_hours_after=int(hours_after[index]),
        )
        for index in np.flatnonzero((hours_after > 0) & ~over_before).tolist()
    ]


def _storage_utilisation(result: SimulationResult, scenario: Scenario) -> FloatArray:
    run = result.run
    storage = np.maximum(run.plan.storage_capacity, 1e-12)[:, None]
    return np.asarray(run.backlog[:, scenario.warm_up_hours :] / storage, dtype=np.float64)


def _figures(
    tagged: TaggedRun, scenario: Scenario, hubs: np.ndarray, storage: FloatArray
) -> RunFigures:
    result = tagged.result
    summary = result.summary
    run = result.run
    from_hour = scenario.warm_up_hours
    own = network_figures(run, tagged.cohorts, from_hour)
    queued = run.queued[:, from_hour:]
    busy = run.processed[:, from_hour:] >= run.capacity[:, from_hour:] - 1e-6
    saturated = (busy & (queued > 1e-6) & (run.capacity[:, from_hour:] > 0)).any(axis=1)
    return RunFigures(
        accepted=own.accepted,
        on_time_rate=own.on_time_rate,
        mean_delivery_hours=own.mean_delivery_hours,
        parcels_late=own.parcels_late,
        left_in_network=summary.left_at_nodes + summary.in_transit,
        blocked_parcels=float(run.blocked[:, from_hour:].sum()),
        overflow_node_hours=summary.overflow_node_hours,
        hubs_full=int(((storage >= FULL).any(axis=1) & hubs).sum()),
        hubs_overflowing=int(((storage > 1 + 1e-6).any(axis=1) & hubs).sum()),
        hub_overflow_hours=int((storage[hubs] > 1 + 1e-6).sum()),
        hubs_over_sorting=int((saturated & hubs).sum()),
        peak_hub_storage_utilisation=float(storage[hubs].max(initial=0.0)),
    )
