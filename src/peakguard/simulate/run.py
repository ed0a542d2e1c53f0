"""``simulate(network, scenario)``: the one entry point the CLI, the API and the demo call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from peakguard.domain.network import Network
from peakguard.domain.routing import RoutingTable, derive_routing
from peakguard.simulate.demand import build_demand
from peakguard.simulate.engine import SimulationRun, simulate_plan
from peakguard.simulate.plan import (
    Demand,
    FloatArray,
    LaneFactor,
    RoutingWindow,
    compile_plan,
)
from peakguard.simulate.scenario import Scenario
from peakguard.simulate.warnings import BlockageReport, Warning, blockage_reports, raise_warnings


@dataclass(frozen=True)
class SimulationSummary:
    accepted: float
    delivered: float
    delivered_on_time: float
    on_time_rate: float
    mean_delivery_hours: float
    left_at_nodes: float
    in_transit: float
    unroutable: float
    peak_backlog: float
    overflow_node_hours: int
    """Node-hours with the backlog above storage capacity."""
    nodes_overflowing: int
    warnings_by_level: dict[str, int]


@dataclass(frozen=True)
class SimulationResult:
    network: Network
    scenario: Scenario
    run: SimulationRun
    warnings: list[Warning]
    blockages: list[BlockageReport]
    summary: SimulationSummary


def scenario_capacities(
    network: Network, scenario: Scenario
) -> tuple[FloatArray, np.ndarray, LaneFactor, FloatArray]:
    """Sorting capacity [node, hour], open [node, hour], lane factor (sparse), storage."""
    hours = scenario.hours
    position = {node.id: index for index, node in enumerate(network.nodes)}
    lane_position = {lane.id: index for index, lane in enumerate(network.lanes)}
    daily = np.array([node.sorting_capacity_by_hour() for node in network.nodes], dtype=float)
    capacity = np.tile(daily, (1, hours // 24 + 1))[:, :hours].copy()
    accepting = np.ones((len(network.nodes), hours), dtype=bool)
    storage = np.array([node.storage_capacity for node in network.nodes], dtype=float)
    for change in scenario.capacity_changes:
        node = position[change.node]
        start, end = scenario.hour_of(change.start), scenario.hour_of(change.end)
        window = capacity[node, start:end]
        staffed = window > 0
        window[staffed] = window[staffed] * change.sorting_multiplier + change.extra_per_hour
        storage[node] += change.extra_storage
    for closure in scenario.closures:
        start, end = scenario.hour_of(closure.start), scenario.hour_of(closure.end)
        accepting[position[closure.node], start:end] = False
    changes = []
    for lane_change in scenario.lane_changes:
        start, end = scenario.hour_of(lane_change.start), scenario.hour_of(lane_change.end)
        changes.append(
            (lane_position[lane_change.lane], start, end, lane_change.capacity_multiplier)
        )
    factor = LaneFactor(len(network.lanes), hours, tuple(changes))
    return capacity, accepting, factor, storage


def simulate(
    network: Network,
    scenario: Scenario,
    *,
    demand: Demand | None = None,
    routing: RoutingTable | None = None,
    trace: bool = False,
    routing_windows: Sequence[RoutingWindow] = (),
    trace_share: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> SimulationResult:
    """Simulate ``scenario`` on ``network`` hour by hour and raise the warnings.

    ``routing_windows`` (hours from the scenario's start, see :func:`compile_plan`) give the
    routes of parcels accepted inside each window, e.g. a reroute around a closed hub; pass
    the original network's table as ``routing`` then, since the network here is the rerouted
    one and its own table would apply the reroute everywhere. ``trace_share`` traces only that
    share of the cohorts (chosen at random with a fixed seed), for scan events of a season too
    large to trace whole. ``progress`` is told the share of the run's hours done, once a
    simulated day (a few hundred times at most: a run covers at most a few hundred days)."""
    table = routing or derive_routing(network)
    load = demand if demand is not None else build_demand(network, scenario)
    capacity, accepting, factor, storage = scenario_capacities(network, scenario)
    plan = compile_plan(
        network,
        table,
        load,
        hours=scenario.hours,
        sorting_capacity=capacity,
        accepting=accepting,
        lane_capacity_factor=factor,
        policy=scenario.storage_policy,
        storage_capacity=storage,
        routing_windows=routing_windows,
    )
    chosen = None
    if trace_share is not None:
        # A fixed-seed cluster sample of cohorts (all of a chosen cohort's parcels are traced).
        chosen = np.random.default_rng(0).random(len(plan.cohort_parcels)) < trace_share
    run = simulate_plan(plan, trace=trace, trace_cohorts=chosen, progress=progress)
    warnings = raise_warnings(run, network, scenario)
    return SimulationResult(
        network,
        scenario,
        run,
        warnings,
        blockage_reports(run, network, scenario),
        summarise_run(run, warnings, from_hour=scenario.warm_up_hours),
    )


def summarise_run(
    run: SimulationRun, warnings: list[Warning], *, from_hour: int = 0
) -> SimulationSummary:
    """Totals over the parcels accepted from ``from_hour`` on (the warm-up left out)."""
    watched = run.plan.cohort_hour >= from_hour
    delivered = float(run.delivered[watched].sum())
    on_time = float(run.delivered_on_time[watched].sum())
    overflow = run.overflow()[:, from_hour:] > 1e-6
    counts: dict[str, int] = {}
    for warning in warnings:
        counts[warning.level.name] = counts.get(warning.level.name, 0) + 1
    return SimulationSummary(
        accepted=float(run.plan.cohort_parcels[watched].sum()),
        delivered=delivered,
        delivered_on_time=on_time,
        on_time_rate=on_time / delivered if delivered else 0.0,
        mean_delivery_hours=(
            float(run.delivered_hours[watched].sum()) / delivered if delivered else 0.0
        ),
        left_at_nodes=float(run.backlog[:, -1].sum()),
        in_transit=run.in_transit_at_end,
        unroutable=float(sum(run.plan.unroutable.values())),
        peak_backlog=float(run.backlog[:, from_hour:].max(initial=0.0)),
        overflow_node_hours=int(overflow.sum()),
        nodes_overflowing=int(overflow.any(axis=1).sum()),
        warnings_by_level=counts,
    )
