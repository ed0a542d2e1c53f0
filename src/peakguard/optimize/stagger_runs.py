"""The two runs a staggering plan is judged by, and what they mean to the customers.

"Before" is the releases picked up on their release day; "after" is the plan's pickups. Both
carry the same background (everything the plan does not move: the scenario's demand at the
origins without releases, inbound parcels, the warm-up), so the difference between them is
the plan's and nothing else's.

Every demand row of a run is tagged with how many days its parcels were picked up after
their release. The simulator counts a parcel on time against its service standard from
acceptance (pickup); for the customer the clock starts at the release. A delayed row is
therefore split in two equal halves: one keeps the time limit (the network's view, from
pickup), the other has it shortened by the days it waited (the customer's view, from
release). The engine sorts every cohort of a batch in the same proportion, so both halves
travel exactly as the whole row would and the network's load is unchanged; each half,
counted twice, gives one view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from peakguard.domain.network import Network
from peakguard.optimize.problem import PlanningProblem
from peakguard.optimize.releases import OrderRelease
from peakguard.simulate.engine import simulate_plan
from peakguard.simulate.plan import (
    BoolArray,
    Demand,
    FloatArray,
    IntArray,
    RoutingWindow,
    StoragePolicy,
    compile_plan,
)
from peakguard.simulate.run import SimulationResult, scenario_capacities, summarise_run
from peakguard.simulate.warnings import blockage_reports, raise_warnings

Pickup = tuple[str, date, int, float]
"""(origin, pickup day, days after release, parcels)."""


@dataclass(frozen=True)
class TaggedDemand:
    """Demand rows with what each counts towards."""

    demand: Demand
    delay_days: IntArray
    """[row] days the row's parcels were picked up after their release (0: background)."""
    released: BoolArray
    """[row] the row holds released parcels (not background)."""
    network: BoolArray
    """[row] the row counts in the network's figures (from pickup)."""
    customer: BoolArray
    """[row] the row counts in the customers' figures (from release)."""
    weight: FloatArray
    """[row] what a parcel of the row counts for (2 for each half of a split row)."""

    def of_cohorts(self, rows: IntArray) -> CohortTags:
        """The tags of a run's cohorts, ``rows[cohort]`` the demand row each was made from
        (:func:`cohort_rows`)."""
        return CohortTags(
            delay_days=self.delay_days[rows],
            released=self.released[rows],
            network=self.network[rows],
            customer=self.customer[rows],
            weight=self.weight[rows],
        )


@dataclass(frozen=True)
class CohortTags:
    """:class:`TaggedDemand`'s tags, one per cohort of a run rather than per demand row: what
    the figures read. A run's cohorts carry their origin, destination and hour themselves, so
    the demand rows (four columns of some 2 M rows on the demo's season) need not be kept
    beside it."""

    delay_days: IntArray
    """[cohort] days its parcels were picked up after their release (0: background)."""
    released: BoolArray
    """[cohort] it holds released parcels (not background)."""
    network: BoolArray
    """[cohort] it counts in the network's figures (from pickup)."""
    customer: BoolArray
    """[cohort] it counts in the customers' figures (from release)."""
    weight: FloatArray
    """[cohort] what a parcel of it counts for (2 for each half of a split row)."""


@dataclass(frozen=True)
class TaggedRun:
    result: SimulationResult
    cohorts: CohortTags
    """What each of the run's cohorts counts towards."""


def pickups_as_released(releases: Iterable[OrderRelease]) -> list[Pickup]:
    """Every release picked up in full on its release day: what happens without a plan."""
    return [(r.origin, r.release_day, 0, r.parcels) for r in releases if r.parcels > 0]


def pickups_as_planned(
    release_pickups: Iterable[tuple[OrderRelease, dict[date, float]]],
) -> list[Pickup]:
    """The plan's pickups, grouped by origin, day and days after release."""
    grouped: dict[tuple[str, date, int], float] = {}
    for release, per_day in release_pickups:
        for day, amount in per_day.items():
            key = (release.origin, day, (day - release.release_day).days)
            grouped[key] = grouped.get(key, 0.0) + amount
    return [(o, d, k, p) for (o, d, k), p in sorted(grouped.items()) if p > 1e-9]


def tagged_demand(
    problem: PlanningProblem, planned_origins: Iterable[str], pickups: list[Pickup]
) -> TaggedDemand:
    """The scenario's demand with the planned origins' pickups after the warm-up replaced by
    ``pickups`` (each taken on in the scenario's pickup rounds in equal parts, to the
    origin's usual destinations); delayed pickups split into a network and a customer half."""
    scenario, base, mixes = problem.scenario, problem.demand, problem.mixes
    position = problem.routing.position
    planned = np.array(sorted({position[o] for o in planned_origins}), dtype=np.int64)
    moved = np.isin(base.origin, planned) & (base.hour >= scenario.warm_up_hours)
    kept = int((~moved).sum())
    parts: list[tuple[IntArray, IntArray, IntArray, FloatArray]] = [
        (base.origin[~moved], base.destination[~moved], base.hour[~moved], base.parcels[~moved])
    ]
    tags: list[tuple[int, bool, bool, bool, float, int]] = [(0, False, True, False, 1.0, kept)]
    rounds = list(scenario.demand.pickup_hours)
    start = scenario.start.date()
    for origin, day, delay, parcels in pickups:
        mix = mixes[position[origin]]
        count = len(mix.destinations)
        halves = [(True, False, 2.0), (False, True, 2.0)] if delay > 0 else [(True, True, 1.0)]
        for network_half, customer_half, weight in halves:
            for hour in rounds:
                parts.append(
                    (
                        np.full(count, mix.origin, dtype=np.int64),
                        mix.destinations,
                        np.full(count, 24 * (day - start).days + hour, dtype=np.int64),
                        mix.shares * parcels / (len(rounds) * weight),
                    )
                )
                tags.append((delay, True, network_half, customer_half, weight, count))
    sizes = [tag[5] for tag in tags]
    demand = Demand(
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        np.concatenate([p[3] for p in parts]),
    )
    return TaggedDemand(
        demand=demand,
        delay_days=np.repeat(np.array([t[0] for t in tags], dtype=np.int64), sizes),
        released=np.repeat(np.array([t[1] for t in tags], dtype=bool), sizes),
        network=np.repeat(np.array([t[2] for t in tags], dtype=bool), sizes),
        customer=np.repeat(np.array([t[3] for t in tags], dtype=bool), sizes),
        weight=np.repeat(np.array([t[4] for t in tags], dtype=float), sizes),
    )


def simulate_tagged(
    problem: PlanningProblem,
    planned_origins: Iterable[str],
    pickups: list[Pickup],
    *,
    policy: StoragePolicy,
    network_override: Network | None = None,
    routing_windows: list[RoutingWindow] | None = None,
) -> TaggedRun:
    """Simulate :func:`tagged_demand` of ``planned_origins`` and ``pickups`` (as
    :func:`peakguard.simulate.run.simulate` does) with the customer halves' time limits
    counted from release. ``network_override`` is a rerouted network (with
    ``routing_windows``).

    The tagged demand is made here and let go once the run's cohorts are compiled from it:
    its rows (some 4 M on the demo's planned season, ~0.2 GB) are not held beside the
    engine's own memory."""
    tags = tagged_demand(problem, planned_origins, pickups)
    network = problem.network if network_override is None else network_override
    scenario = problem.scenario.model_copy(update={"storage_policy": policy})
    capacity, accepting, factor, storage = scenario_capacities(network, scenario)
    plan = compile_plan(
        network,
        problem.routing,
        tags.demand,
        hours=scenario.hours,
        sorting_capacity=capacity,
        accepting=accepting,
        lane_capacity_factor=factor,
        policy=scenario.storage_policy,
        storage_capacity=storage,
        routing_windows=routing_windows or [],
    )
    rows = cohort_rows(tags.demand, plan.cohort_origin, plan.cohort_destination, plan.cohort_hour)
    cohorts = tags.of_cohorts(rows)
    del rows, tags
    shorter = 24.0 * cohorts.delay_days * cohorts.customer * ~cohorts.network
    plan = replace(plan, cohort_time_limit=plan.cohort_time_limit - shorter)
    del shorter
    run = simulate_plan(plan)
    warnings = raise_warnings(run, network, scenario)
    result = SimulationResult(
        network,
        scenario,
        run,
        warnings,
        blockage_reports(run, network, scenario),
        summarise_run(run, warnings, from_hour=scenario.warm_up_hours),
    )
    return TaggedRun(result, cohorts)


def cohort_rows(
    demand: Demand, origin: IntArray, destination: IntArray, hour: IntArray
) -> IntArray:
    """[cohort] the demand row each cohort came from. The simulator keeps the rows with
    parcels, inside the run and with a route, in their order; rows with one (origin,
    destination, hour) are kept or dropped together.

    Mostly every row with parcels in the run's hours has a route: those rows, checked
    against the cohorts one by one, are the answer in one linear pass; otherwise each row is
    looked up among the cohorts by its (origin, destination, hour)."""
    if len(hour):
        in_run = (demand.parcels > 0) & (demand.hour >= hour.min()) & (demand.hour <= hour.max())
        rows = np.flatnonzero(in_run)
        if (
            len(rows) == len(origin)
            and np.array_equal(demand.origin[rows], origin)
            and np.array_equal(demand.destination[rows], destination)
            and np.array_equal(demand.hour[rows], hour)
        ):
            return rows
    span = int(max(demand.hour.max(initial=0), hour.max(initial=0))) + 1
    nodes = int(max(demand.origin.max(initial=0), demand.destination.max(initial=0))) + 1

    def key(o: IntArray, d: IntArray, h: IntArray) -> IntArray:
        return np.asarray((o.astype(np.int64) * nodes + d) * span + h, dtype=np.int64)

    kept = np.isin(
        key(demand.origin, demand.destination, demand.hour), key(origin, destination, hour)
    )
    kept &= demand.parcels > 0
    rows = np.flatnonzero(kept)
    if len(rows) != len(origin):
        raise ValueError("the simulator's cohorts do not follow the demand's rows")
    return rows
