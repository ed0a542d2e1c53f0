"""The short-horizon projection: the simulator started from the observed state, a day or two on.

Where :mod:`.simulation` plays a peak from an empty network (after warm-up days), the watch
asks what the next hours hold for the network as it is now: the plan is compiled as a
simulation's is (the stored network, its routing, the scenario's demand and capacity changes —
normal days when no scenario is given), and the run starts at the observed hour from a state
built from each node's observed backlog (:func:`~peakguard.simulate.observation.waiting_by_share`
splits it over destinations as the plan routes parcels through the node, and
:func:`~peakguard.simulate.observation.state_from_observation` makes the state), not from
nothing. Where the lake has the node, its parcels already sorted and waiting for a vehicle (a
sort scan, no departure: :func:`~peakguard.analytics.observed_nodes.parcels_at_nodes`) are
given apart (``ready=``), bound for the plan's destinations in their destination region, so
they take the next vehicle instead of being sorted again. What the observation does not tell
(where a queued parcel is bound, when it was accepted) is filled in as
:mod:`peakguard.simulate.observation` says; a node holding parcels that the plan routes nothing
through is left out of the state and named. The run covers the projected hours only
(:func:`~peakguard.simulate.state.plan_until`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import numpy as np

from peakguard.analytics.engines import Engine, EventSource, duckdb_engine
from peakguard.analytics.observed_nodes import parcels_at_nodes, parcels_on_lanes
from peakguard.analytics.settings import KpiSettings
from peakguard.app.networks import planning_network
from peakguard.app.observed_warnings import (
    Evaluation,
    check_moment,
    evaluate_warnings,
    observed_backlogs,
)
from peakguard.domain.network import Network
from peakguard.domain.routing import derive_routing
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.simulate.demand import build_demand
from peakguard.simulate.engine import simulate_plan
from peakguard.simulate.observation import state_from_observation, waiting_by_share
from peakguard.simulate.plan import FloatArray, SimulationPlan, compile_plan
from peakguard.simulate.run import scenario_capacities
from peakguard.simulate.scenario import Scenario
from peakguard.simulate.state import plan_until
from peakguard.simulate.warning_rules import WarningThresholds
from peakguard.store.database import Store

CHINA = timezone(timedelta(hours=8))
MAX_HOURS = 72


@dataclass(frozen=True)
class Projection:
    """The projected backlog at the end of each hour from the observed hour on."""

    network_name: str
    start: datetime
    """The observed moment the run starts from (on the hour, UTC)."""
    hours: int
    node_ids: tuple[str, ...]
    backlog: FloatArray
    """[node, hour] parcels at the node at the end of hour ``start + hour``."""
    storage: FloatArray
    observed: dict[str, tuple[float, str]]
    """node → (backlog it started from, where that figure came from)."""
    left_out: tuple[str, ...] = ()
    """Nodes holding parcels the plan routes nothing through (not in the state)."""
    thresholds: WarningThresholds = field(default_factory=WarningThresholds)

    def by_node(self) -> dict[str, FloatArray]:
        return {node: self.backlog[index] for index, node in enumerate(self.node_ids)}


def projection_scenario(
    at: datetime, hours: int, scenario: Scenario | None
) -> tuple[Scenario, int]:
    """The scenario a projection of ``hours`` from ``at`` runs (``scenario``, or normal days
    from the day before ``at``'s, China time) and the hour of ``at`` in it."""
    problems = []
    if not 1 <= hours <= MAX_HOURS:
        problems.append(Problem("hours", _("give 1 to {most} hours", most=MAX_HOURS)))
    check_moment(at)
    if problems:
        raise InvalidInputError(_("The projection cannot start."), problems)
    china = at.astimezone(CHINA).replace(tzinfo=None)
    if scenario is None:
        days = math.ceil((china.hour + hours + 1) / 24)
        scenario = Scenario(
            name="projection", first_day=china.date(), days=days, warm_up_days=1, drain_days=0
        )
    offset = (china - scenario.start) / timedelta(hours=1)
    if offset < 0 or offset + hours > scenario.hours:
        where = Problem(
            "scenario",
            _(
                "The scenario runs from {start} for {hours} h; the projection needs {at} and "
                "the hours after it.",
                start=scenario.start.strftime("%Y-%m-%d %H:00"),
                hours=scenario.hours,
                at=china.strftime("%Y-%m-%d %H:00"),
            ),
        )
        raise InvalidInputError(_("The projection cannot start."), [where])
    return scenario, int(offset)


def compile_projection_plan(network: Network, scenario: Scenario) -> SimulationPlan:
    """The plan as :func:`peakguard.simulate.run.simulate` compiles it."""
    capacity, accepting, factor, storage = scenario_capacities(network, scenario)
    return compile_plan(
        network,
        derive_routing(network),
        build_demand(network, scenario),
        hours=scenario.hours,
        sorting_capacity=capacity,
        accepting=accepting,
        lane_capacity_factor=factor,
        policy=scenario.storage_policy,
        storage_capacity=storage,
    )


def project_plan(
    plan: SimulationPlan,
    hour: int,
    backlog: Mapping[str, float],
    hours: int,
    in_transit: Mapping[str, Sequence[tuple[int, float]]] | None = None,
    *,
    ready: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[FloatArray, tuple[str, ...]]:
    """[node, hour] backlog for ``hours`` hours from the start of ``hour``, the run started
    from ``backlog`` (node → parcels there), ``ready`` (node → destination node → those of
    its parcels already sorted, waiting for a vehicle) and ``in_transit`` (lane id → (hour it
    arrives, parcels) per vehicle on it), and the nodes left out of the state. The other
    parcels are queued, their destinations split as the plan routes parcels through the node
    (on a lane: through the node it arrives at). The run stops at the last projected hour."""
    shares_from = shares_hours(hour)
    held = {node: float(value) for node, value in backlog.items() if value > 0}
    lane_position = {lane_id: index for index, lane_id in enumerate(plan.lane_ids)}
    arriving: dict[str, float] = {}
    for lane, vehicles in (in_transit or {}).items():
        node = plan.node_ids[int(plan.lane_destination[lane_position[lane]])]
        arriving[node] = arriving.get(node, 0.0) + sum(parcels for _hour, parcels in vehicles)
    left_out = _unrouted(plan, {**held, **arriving}, shares_from)
    sorted_ = {
        node: {to: value for to, value in bound.items() if value > 0}
        for node, bound in (ready or {}).items()
        if node in held and node not in left_out
    }
    queued = {
        node: max(0.0, value - sum(sorted_.get(node, {}).values())) for node, value in held.items()
    }
    waiting = _split(plan, queued, left_out, shares_from)
    split = _split(plan, arriving, left_out, shares_from)
    moving: dict[str, list[tuple[int, dict[str, float]]]] = {}
    for lane, vehicles in (in_transit or {}).items():
        node = plan.node_ids[int(plan.lane_destination[lane_position[lane]])]
        if node not in split:
            continue
        total = arriving[node]
        for arrives, parcels in vehicles:
            if parcels > 0:
                share = {to: value * parcels / total for to, value in split[node].items()}
                moving.setdefault(lane, []).append((arrives, share))
    state = state_from_observation(plan, hour, waiting, moving, ready=sorted_)
    run = simulate_plan(plan_until(plan, hour + hours), start=state)
    return run.backlog[:, hour : hour + hours].astype(np.float64), left_out


def shares_hours(hour: int) -> tuple[int, int]:
    """The plan's hours whose parcels' routes split an observed backlog at ``hour``: the day
    before it."""
    return (max(0, hour - 24), max(1, hour))


def ready_by_destination(
    plan: SimulationPlan,
    regions: Mapping[str, str],
    sorted_parcels: Sequence[tuple[str, str, float]],
    hour: int,
) -> dict[str, dict[str, float]]:
    """node → destination node → sorted parcels, from (node, destination region, parcels):
    a region's parcels go to the destinations the plan routes through the node in that
    region (in proportion to its parcels), else in its city, province, else any of them.
    Nodes the plan routes nothing through are left out (the projection names them)."""
    nodes = {node for node, _region, parcels in sorted_parcels if parcels > 0}
    shares_from = shares_hours(hour)
    routed = nodes - set(_unrouted(plan, dict.fromkeys(nodes, 1.0), shares_from))
    shares = _split(plan, dict.fromkeys(routed, 1.0), (), shares_from)
    ready: dict[str, dict[str, float]] = {}
    for node, region, parcels in sorted_parcels:
        share = shares.get(node)
        if parcels <= 0 or not share:
            continue
        bound = share
        for digits in (6, 4, 2):
            near = {to: w for to, w in share.items() if regions[to][:digits] == region[:digits]}
            if near:
                bound = near
                break
        total = sum(bound.values())
        into = ready.setdefault(node, {})
        for to, weight in bound.items():
            into[to] = into.get(to, 0.0) + parcels * weight / total
    return ready


def _unrouted(
    plan: SimulationPlan, held: Mapping[str, float], shares_from: tuple[int, int]
) -> tuple[str, ...]:
    """The nodes of ``held`` the plan routes nothing through."""
    try:
        waiting_by_share(plan, held, hours=shares_from)
    except InvalidInputError as error:
        refused = {problem.location.removeprefix("backlog.") for problem in error.problems}
        return tuple(sorted(refused & set(held)))
    return ()


def _split(
    plan: SimulationPlan,
    held: Mapping[str, float],
    left_out: Sequence[str],
    shares_from: tuple[int, int],
) -> dict[str, dict[str, float]]:
    kept = {node: value for node, value in held.items() if node not in left_out}
    return waiting_by_share(plan, kept, hours=shares_from) if kept else {}


def project_from_observation(
    store: Store,
    principal: Principal,
    network_name: str,
    at: datetime,
    hours: int = 24,
    *,
    events: EventSource | None,
    scenario: Scenario | None = None,
    window_hours: int = 24,
    thresholds: WarningThresholds | None = None,
) -> Projection:
    """The next ``hours`` of the network ``principal`` simulates (``simulation.run``: the whole
    network, or a carrier's whole brand in it), started from the backlogs observed at the start
    of ``at``'s hour (the lake, else the daily reports), with ``scenario``'s demand (normal days
    when None)."""
    network = planning_network(
        store, network_name, actor=principal, permission=Permission.simulation_run
    )
    start = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    chosen, hour = projection_scenario(start, hours, scenario)
    before = start - timedelta(microseconds=1)  # the state at the hour's start: scans before it
    observed, _throughput = observed_backlogs(store, network, before, events, window_hours)
    plan = compile_projection_plan(network, chosen)
    moving: dict[str, list[tuple[int, float]]] = {}
    ready: dict[str, dict[str, float]] = {}
    if events is not None:
        engine = duckdb_engine(events)
        moving = lake_in_transit(engine, network, chosen, before)
        regions = {node.id: node.region for node in network.nodes}
        ready = ready_by_destination(plan, regions, lake_sorted(engine, start), hour)
    totals = {node: value for node, (value, _source) in observed.items()}
    backlog, left_out = project_plan(plan, hour, totals, hours, moving, ready=ready)
    return Projection(
        network_name=network_name,
        start=start,
        hours=hours,
        node_ids=plan.node_ids,
        backlog=backlog,
        storage=plan.storage_capacity.astype(np.float64),
        observed=observed,
        left_out=left_out,
        thresholds=thresholds or chosen.warnings,
    )


def lake_in_transit(
    engine: Engine, network: Network, scenario: Scenario, at: datetime
) -> dict[str, list[tuple[int, float]]]:
    """Lane id → (scenario hour it arrives, parcels) of the parcels on the road at ``at``
    (the lake's last scan a departure): the fastest lane from the node left to the next, the
    arrival the departure's hour plus the lane's whole hours, as the simulator moves them."""
    rows = engine.compute(parcels_on_lanes(engine.events, KpiSettings(cutoff=at))).to_pylist()
    fastest: dict[tuple[str, str], tuple[float, str]] = {}
    for lane in network.lanes:
        key = (lane.origin, lane.destination)
        if key not in fastest or lane.transit_hours < fastest[key][0]:
            fastest[key] = (lane.transit_hours, lane.id)
    moving: dict[str, list[tuple[int, float]]] = {}
    for row in rows:
        found = fastest.get((row["node_id"], row["next_node_id"]))
        if found is None:
            continue
        departed = scenario.hour_of(row["hour"].astimezone(CHINA))
        arrives = departed + max(1, math.ceil(found[0] - 1e-9))
        moving.setdefault(found[1], []).append((arrives, float(row["parcels"])))
    return moving


def lake_sorted(engine: Engine, at: datetime) -> list[tuple[str, str, float]]:
    """(node, destination region, parcels) sorted at the node and waiting for a vehicle at
    ``at`` (the start of an hour), per the lake."""
    rows = engine.compute(parcels_at_nodes(engine.events, KpiSettings(cutoff=at))).to_pylist()
    return [
        (row["node_id"], row["destination_region"], float(row["sorted"]))
        for row in rows
        if row["sorted"] > 0
    ]


def evaluate_with_projection(
    store: Store,
    *,
    actor: Principal,
    now: datetime,
    network_name: str,
    events: EventSource | None,
    hours: int = 24,
    scenario: Scenario | None = None,
    thresholds: WarningThresholds | None = None,
) -> Evaluation:
    """:func:`~.observed_warnings.evaluate_warnings` with the projection of the next ``hours``
    (``hours`` 0: the observed state only)."""
    projected = None
    if hours > 0:
        projection = project_from_observation(
            store,
            actor,
            network_name,
            now,
            hours,
            events=events,
            scenario=scenario,
            thresholds=thresholds,
        )
        projected = projection.by_node()
    return evaluate_warnings(
        store,
        actor=actor,
        now=now,
        network_name=network_name,
        events=events,
        thresholds=thresholds,
        projected=projected,
    )
