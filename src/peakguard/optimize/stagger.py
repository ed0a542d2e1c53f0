"""Pickup staggering (错峰发货) as a linear program on a time-expanded network, solved by HiGHS.

``plan_pickups(problem, releases)`` decides how many of each release's parcels are
picked up on each day of its window so that every node's sorting load per shift and its
storage at its fullest hours stay inside capacity, and otherwise the parcel-days of delay are
least, with the worst carrier's and the worst origin's mean delay in the objective too. When
no plan fits, the program first finds the least overflow (parcels over capacity, summed over
every shift and checked hour), then the least delay among the plans with that overflow, and
the plan says where capacity falls short and by how much. The formulation is written out in
docs/explanation/staggering.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from peakguard.domain.network import Network, NodeKind
from peakguard.optimize.highs import UNDECIDED, LinearProgram, Solution, Solver, SolverError
from peakguard.optimize.loads import LoadBasis, LoadModel, build_load_model, load_basis
from peakguard.optimize.problem import PlanningProblem
from peakguard.optimize.releases import OrderRelease, StaggerParameters
from peakguard.optimize.stagger_floor import pickup_floors
from peakguard.optimize.stagger_groups import Formulation
from peakguard.optimize.stagger_program import ProgramLayout, build_program, program_layout
from peakguard.optimize.stagger_rolling import plan_by_windows
from peakguard.optimize.stagger_warm import (
    PlanningMemory,
    held_rows,
    mapped_onto,
    near_enough,
    staying_cost,
    vertex_of,
)
from peakguard.optimize.storage_hours import storage_at_every_hour
from peakguard.simulate.plan import BoolArray, FloatArray
from peakguard.simulate.scenario import Scenario

MAX_ROUNDS = 4
"""Solves at most: each adds the storage hours the previous plan went over unchecked."""
OVERFLOW_TOLERANCE = 0.5
"""Parcels: overflow below half a parcel is rounding, not a shortfall."""
FLOOR_SLACK = 0.5
"""Parcels: a quota within half a parcel of its floor is at the floor."""
WARM_ITERATIONS = 3000
"""Simplex iterations a warm phase 1 may take before it starts again cold, with presolve
(and a warm phase 2 before it starts again from phase 1's basis).
A warm start skips presolve, so each iteration costs ~2× a cold one's on the demo's
programs; a re-plan after limits moved far (reserves, a recalibration) needs as many
iterations from the old basis as from none (13,000–28,000 against ~21,000 cold; decision
0025)."""


@dataclass(frozen=True)
class PickupQuota:
    """Parcels the carrier may pick up at ``origin`` on ``day`` (揽收配额)."""

    origin: str
    carrier: str
    day: date
    quota: float
    released: float
    """Parcels the platforms released at the origin that day."""
    floor: float = 0.0
    """The least the plan may set (no stop of pickup, :mod:`.stagger_floor`)."""


@dataclass(frozen=True)
class Shortfall:
    """Where even the best plan exceeds a capacity, and by how much."""

    node: str
    kind: str
    """``sorting`` (a shift's sorting capacity), ``storage`` (parcels held at an hour) or
    ``closed`` (a shift cut short or an hour when the node is closed: parcels routed
    through it then are for the reroute to take)."""
    start: datetime
    hours: int
    capacity: float
    """The shift's sorting capacity over its hours, or the node's storage."""
    limit: float
    """The capacity the plan may use (capacity × margin)."""
    load: float
    excess: float
    unavoidable: bool
    """True when the load that is not the plan's to move (inbound parcels, the warm-up) is
    over the limit on its own."""


@dataclass(frozen=True)
class NodeLoad:
    """A node's peak load under the program's model, unplanned (everything picked up on its
    release day) and planned."""

    node: str
    kind: NodeKind
    peak_sorting_before: float
    peak_sorting_after: float
    peak_storage_before: float
    peak_storage_after: float
    """Shares of capacity (1.0 = full)."""


@dataclass(frozen=True)
class SolveStatistics:
    rows: int
    columns: int
    nonzeros: int
    build_seconds: float
    solve_seconds: float
    iterations: int


@dataclass(frozen=True)
class PickupPlan:
    network: str
    scenario: str
    parameters: StaggerParameters
    quotas: list[PickupQuota]
    release_pickups: list[tuple[OrderRelease, dict[date, float]]]
    """Each release and the parcels picked up of it per day."""
    within_capacity: bool
    shortfalls: list[Shortfall]
    node_loads: list[NodeLoad]
    parcels: float
    delayed_parcels: float
    delay_parcel_days: float
    worst_carrier_delay_days: float
    worst_origin_delay_days: float
    statistics: SolveStatistics
    daily_pickups: dict[str, dict[date, float]] = field(default_factory=dict)
    """Carrier → day → parcels picked up under the plan."""

    @property
    def hubs_within_capacity(self) -> bool:
        """No open hub falls short (stations, outlets and closed hubs may, and are listed)."""
        hubs = {load.node for load in self.node_loads if load.kind is NodeKind.hub}
        return not any(item.node in hubs and item.kind != "closed" for item in self.shortfalls)

    @property
    def overflow(self) -> float:
        return sum(item.excess for item in self.shortfalls)

    @property
    def origin_days_at_floor(self) -> int:
        """Origin-days the plan holds at their pickup floor (it would pick up less there if
        pickup could stop)."""
        return sum(
            1 for item in self.quotas if item.floor > 0 and item.quota <= item.floor + FLOOR_SLACK
        )


def plan_pickups(
    problem: PlanningProblem,
    releases: list[OrderRelease],
    /,
    *,
    parameters: StaggerParameters | None = None,
    places: list[str] | None = None,
    storage_factor: FloatArray | None = None,
    formulation: Formulation = "full",
) -> PickupPlan:
    """The least-delay pickup quotas that keep every node inside capacity (or, if none can,
    the least-overflow plan and where it falls short). ``places`` says where each release
    came from (``releases.csv row 3``) for the messages; ``storage_factor`` [node] scales each
    node's storage limit. ``formulation`` ``full`` (the default) gives every origin its own load
    columns; ``grouped`` lets origins that load the network alike share them, the same program
    in fewer entries (:mod:`.stagger_groups`) but not always the same optimal plan among equals
    (decision 0018)."""
    settings = parameters or StaggerParameters()
    started = time.perf_counter()
    basis = load_basis(problem, releases, settings, places, formulation=formulation)
    return plan_pickups_on_basis(
        problem, basis, parameters=settings, storage_factor=storage_factor, started=started
    )


def plan_pickups_on_basis(
    problem: PlanningProblem,
    basis: LoadBasis,
    *,
    parameters: StaggerParameters,
    storage_factor: FloatArray | None = None,
    started: float | None = None,
    memory: PlanningMemory | None = None,
) -> PickupPlan:
    """:func:`plan_pickups` on releases already compiled (by :func:`load_basis`, with the same
    ``parameters``), for a caller that plans them again and again under other capacities:
    ``problem`` may be the basis's own or one :meth:`PlanningProblem.with_scenario` made from
    it. ``started`` is when the build began (for the statistics), now if not given.
    ``memory``, passed to every plan on the basis, carries the storage hours found over and
    phase 1's basis from one plan to the next (:mod:`.stagger_warm`): the same optimum,
    found with fewer and warm solves."""
    network, scenario = problem.network, problem.scenario
    started = time.perf_counter() if started is None else started
    memory = PlanningMemory() if memory is None else memory
    extra = np.zeros(basis.background_backlog.shape, dtype=bool)
    if memory.checked is not None and memory.checked.shape == extra.shape:
        extra |= memory.checked
    solve_seconds = 0.0
    iterations = 0
    build_seconds = 0.0
    floors = pickup_floors(problem, basis, parameters)
    if 0 < parameters.rolling_days < len(basis.plan_days):
        return _plan_by_windows(problem, basis, parameters, floors, storage_factor, started, extra)
    for round_number in range(MAX_ROUNDS):
        model = build_load_model(
            basis, problem, parameters, extra_checked=extra, storage_factor=storage_factor
        )
        program, layout = build_program(model, parameters, floors, held_rows(memory, model))
        build_seconds = time.perf_counter() - started - solve_seconds
        values, seconds, count = _solve(program, layout, model, parameters, memory)
        solve_seconds += seconds
        iterations += count
        # Storage is in the program only at the checked hours: check every hour, and add
        # the hours that are over (and the same hour on every day at that node) as rows.
        missed = _unchecked_violations(basis, model, values[layout.quota], extra)
        if not missed.any():
            break
        if round_number == MAX_ROUNDS - 1:
            # Out of rounds: report what is still over as shortfalls rather than hide it.
            extra |= missed
            model = build_load_model(
                basis, problem, parameters, extra_checked=extra, storage_factor=storage_factor
            )
            program, layout = build_program(model, parameters, floors, held_rows(memory, model))
            values = _extend(values, layout)
            break
        _check_every_day(extra, missed)
    memory.checked = extra
    statistics = SolveStatistics(
        rows=program.shape[0],
        columns=program.shape[1],
        nonzeros=int(program.matrix.nnz),
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
        iterations=iterations,
    )
    return _result(network, scenario, model, layout, values, parameters, statistics, floors)


def _plan_by_windows(
    problem: PlanningProblem,
    basis: LoadBasis,
    parameters: StaggerParameters,
    floors: FloatArray,
    storage_factor: FloatArray | None,
    started: float,
    extra: BoolArray,
) -> PickupPlan:
    """The plan decided a day at a time, each day with the next ``rolling_days - 1`` in view
    (:mod:`.stagger_rolling`); the figures are the whole model's. Storage hours the plan goes
    over unchecked become rows and the windows run again, as for the whole program."""
    solve_seconds, iterations = 0.0, 0
    for round_number in range(MAX_ROUNDS):
        model = build_load_model(
            basis, problem, parameters, extra_checked=extra, storage_factor=storage_factor
        )
        picked, sizes = plan_by_windows(model, floors, parameters)
        solve_seconds += sizes.solve_seconds
        iterations += sizes.iterations
        quotas: FloatArray = np.asarray(
            np.bincount(model.pickup_quota, weights=picked, minlength=len(model.quota_origin)),
            dtype=np.float64,
        )
        missed = _unchecked_violations(basis, model, quotas, extra)
        if not missed.any():
            break
        extra |= missed
        if round_number == MAX_ROUNDS - 1:
            # Out of rounds: report what is still over as shortfalls rather than hide it.
            model = build_load_model(
                basis, problem, parameters, extra_checked=extra, storage_factor=storage_factor
            )
            break
        _check_every_day(extra, missed)
    layout = program_layout(model)
    values = np.zeros(layout.worst_origin + 1)
    values[layout.pickup] = picked
    values[layout.quota] = quotas
    statistics = SolveStatistics(
        rows=sizes.rows,
        columns=sizes.columns,
        nonzeros=sizes.nonzeros,
        build_seconds=time.perf_counter() - started - solve_seconds,
        solve_seconds=solve_seconds,
        iterations=iterations,
    )
    return _result(
        problem.network, problem.scenario, model, layout, values, parameters, statistics, floors
    )


def _check_every_day(extra: BoolArray, missed: BoolArray) -> None:
    """Add to ``extra`` [node, hour] the hours found over (``missed``) and the same hour of
    every day at those nodes."""
    extra |= missed
    nodes, hours_of_day = np.nonzero(missed.reshape(missed.shape[0], -1, 24).any(axis=1))
    extra[nodes[:, None], hours_of_day[:, None] + 24 * np.arange(missed.shape[1] // 24)] = True


def _solve(
    program: LinearProgram,
    layout: ProgramLayout,
    model: LoadModel,
    settings: StaggerParameters,
    memory: PlanningMemory,
) -> tuple[FloatArray, float, int]:
    """Phase 1, least overflow (dual simplex, from the last plan's phase 1 basis where
    ``memory`` holds one and :func:`~.stagger_warm.near_enough` says it is worth it, started
    again cold if that takes more than ``WARM_ITERATIONS``); phase 2, least delay with each
    row's overflow held at its phase-1 value (warm, by the dual simplex from the last phase
    2's basis, :func:`_least_delay_warm`; else the primal simplex on from phase 1's optimal
    basis, which stays feasible: only the costs change and the overflow bounds hold it)."""
    solver = Solver(program, time_limit_seconds=settings.time_limit_seconds)
    overflow_cost = np.zeros(program.shape[1])
    overflow_cost[layout.slack] = 1.0
    solver.set_cost(overflow_cost)
    warm = memory.vertex is not None and near_enough(memory, model)
    start = (
        mapped_onto(memory.vertex, model, layout, program.shape)
        if warm and memory.vertex is not None
        else None
    )
    solver.use_simplex("dual")
    first = None
    if start is not None and solver.start_from(*start):
        first = solver.solve_within(WARM_ITERATIONS)
        if first is None:
            solver.forget_basis()
    first = first or solver.solve()
    least_overflow = solver.basis()
    memory.vertex = vertex_of(*least_overflow, model, layout)
    memory.quotas, memory.overflow = first.values[layout.quota], first.objective
    # Holding each row's overflow (a bound) rather than the total (a dense row, which the
    # simplex handles badly) keeps the program sparse; see docs/explanation/staggering.md.
    allowed = first.values[layout.slack]
    solver.bound_columns(layout.slack, allowed + 1e-6 * np.maximum(allowed, 1.0) + 1e-3)
    cost = program.cost.copy()
    cost[layout.pickup] += staying_cost(memory, len(layout.pickup))
    solver.set_cost(cost)
    second = _least_delay_warm(solver, model, layout, program, memory) if warm else None
    if second is None:
        solver.start_from(*least_overflow)
        solver.use_simplex("primal")
        try:
            second = solver.solve()
        except SolverError as error:
            # The warm primal simplex can end undecided on a numerically awkward program (one
            # of the demo's did, after the engine's figures moved in their last bits): the
            # same phase 2 from scratch by the interior point.
            if error.status != UNDECIDED:
                raise
            second = solver.solve_afresh()
    memory.delay_vertex = vertex_of(*solver.basis(), model, layout)
    memory.pickups = second.values[layout.pickup]
    return second.values, first.seconds + second.seconds, first.iterations + second.iterations


def _least_delay_warm(
    solver: Solver,
    model: LoadModel,
    layout: ProgramLayout,
    program: LinearProgram,
    memory: PlanningMemory,
) -> Solution | None:
    """Phase 2 by the dual simplex from the last phase 2's optimal basis, mapped onto this
    program: its costs are the same (but for :data:`~.stagger_warm.STAY`), so it is dual
    feasible and only the limits and overflow bounds that moved are left to repair — when few
    moved, far fewer iterations than the primal simplex from phase 1's basis (4,000-5,500 on
    the demo's programs). None when there is no such basis or it takes more than
    ``WARM_ITERATIONS`` (phase 2 is then made from phase 1's basis)."""
    last = memory.delay_vertex
    start = None if last is None else mapped_onto(last, model, layout, program.shape)
    if start is None or not solver.start_from(*start):
        return None
    solver.use_simplex("dual")
    return solver.solve_within(WARM_ITERATIONS)


def _unchecked_violations(
    basis: LoadBasis, model: LoadModel, quotas: FloatArray, checked: BoolArray
) -> BoolArray:
    """[node, hour] storage over its limit at an hour the program did not check."""
    load = storage_at_every_hour(basis, quotas)
    limit_per_node = np.full(load.shape[0], np.inf)
    storage_rows = model.row_kind == "storage"
    np.minimum.at(limit_per_node, model.row_node[storage_rows], model.row_limit[storage_rows])
    rows_at = np.zeros(load.shape, dtype=bool)
    rows_at[model.row_node[storage_rows], model.row_start[storage_rows]] = True
    over = load > limit_per_node[:, None] + OVERFLOW_TOLERANCE
    return np.asarray(over & basis.touched[:, None] & ~rows_at & ~checked, dtype=bool)


def _extend(values: FloatArray, layout: ProgramLayout) -> FloatArray:
    """A solution laid out for a program with more capacity rows: the pickup and quota
    columns come first and keep their places; the rest is recomputed from them."""
    kept = len(layout.pickup) + len(layout.quota) + len(layout.group)
    extended = np.zeros(layout.worst_origin + 1)
    extended[:kept] = values[:kept]
    return extended


def _result(
    network: Network,
    scenario: Scenario,
    model: LoadModel,
    layout: ProgramLayout,
    values: FloatArray,
    settings: StaggerParameters,
    statistics: SolveStatistics,
    floors: FloatArray,
) -> PickupPlan:
    pickups = np.maximum(values[layout.pickup], 0.0)
    quotas_value = np.maximum(values[layout.quota], floors)
    quotas = _quotas(network, scenario, model, quotas_value, floors)
    per_release = _release_pickups(scenario, model, pickups)
    delay = model.pickup_delay_days
    load_after = model.row_loads(quotas_value)
    load_before = model.row_loads(model.unplanned_quotas())
    shortfalls = _shortfalls(network, scenario, model, load_after)
    worst_carrier_delay, worst_origin_delay = _worst_delays(model.releases, per_release)
    return PickupPlan(
        network=network.name,
        scenario=scenario.name,
        parameters=settings,
        quotas=quotas,
        release_pickups=list(zip(model.releases, per_release, strict=True)),
        within_capacity=not shortfalls,
        shortfalls=shortfalls,
        node_loads=_node_loads(network, model, load_before, load_after),
        parcels=model.total_parcels,
        delayed_parcels=float(pickups[delay > 0].sum()),
        delay_parcel_days=float((pickups * delay).sum()),
        worst_carrier_delay_days=worst_carrier_delay,
        worst_origin_delay_days=worst_origin_delay,
        statistics=statistics,
        daily_pickups=_daily_pickups(quotas),
    )


def _plan_day(scenario: Scenario, index: int) -> date:
    """The date of the scenario's day ``index`` (0 = its first day)."""
    return scenario.moment(24 * index).date()


def _quotas(
    network: Network,
    scenario: Scenario,
    model: LoadModel,
    quotas_value: FloatArray,
    floors: FloatArray,
) -> list[PickupQuota]:
    """One pickup quota per quota column, with the parcels released at its origin that day."""
    nodes = network.nodes
    released = model.unplanned_quotas()
    return [
        PickupQuota(
            origin=nodes[int(origin)].id,
            carrier=nodes[int(origin)].carrier,
            day=_plan_day(scenario, int(day)),
            quota=float(quotas_value[k]),
            released=float(released[k]),
            floor=float(floors[k]),
        )
        for k, (origin, day) in enumerate(zip(model.quota_origin, model.quota_day, strict=True))
    ]


def _release_pickups(
    scenario: Scenario, model: LoadModel, pickups: FloatArray
) -> list[dict[date, float]]:
    """Parcels picked up of each release per day."""
    per_release: list[dict[date, float]] = [{} for _ in model.releases]
    for k, amount in enumerate(pickups.tolist()):
        if amount > 1e-9:
            target = per_release[int(model.pickup_release[k])]
            moment = _plan_day(scenario, int(model.pickup_day[k]))
            target[moment] = target.get(moment, 0.0) + amount
    return per_release


def _shortfalls(
    network: Network, scenario: Scenario, model: LoadModel, load_after: FloatArray
) -> list[Shortfall]:
    """The capacity rows the planned load is over by more than the tolerance."""
    nodes = network.nodes
    excess = np.maximum(load_after - model.row_limit, 0.0)
    return [
        Shortfall(
            node=nodes[int(model.row_node[row])].id,
            kind="closed" if model.row_closed[row] else str(model.row_kind[row]),
            start=scenario.moment(int(model.row_start[row])),
            hours=int(model.row_hours[row]),
            capacity=float(model.row_capacity[row]),
            limit=float(model.row_limit[row]),
            load=float(load_after[row]),
            excess=float(excess[row]),
            unavoidable=bool(model.row_background[row] > model.row_limit[row] + OVERFLOW_TOLERANCE),
        )
        for row in np.flatnonzero(excess > OVERFLOW_TOLERANCE).tolist()
    ]


def _daily_pickups(quotas: list[PickupQuota]) -> dict[str, dict[date, float]]:
    """Carrier → day → parcels picked up under the plan."""
    daily: dict[str, dict[date, float]] = {}
    for item in quotas:
        per_carrier = daily.setdefault(item.carrier, {})
        per_carrier[item.day] = per_carrier.get(item.day, 0.0) + item.quota
    return daily


def _worst_delays(
    releases: list[OrderRelease], per_release: list[dict[date, float]]
) -> tuple[float, float]:
    """The worst carrier's and the worst origin's mean delay in days."""
    carrier_delay: dict[str, list[float]] = {}
    origin_delay: dict[str, list[float]] = {}
    for index, release in enumerate(releases):
        days = sum(
            amount * (moment - release.release_day).days
            for moment, amount in per_release[index].items()
        )
        for table, key in ((carrier_delay, release.carrier), (origin_delay, release.origin)):
            entry = table.setdefault(key, [0.0, 0.0])
            entry[0] += days
            entry[1] += release.parcels
    return _worst(carrier_delay), _worst(origin_delay)


def _worst(table: dict[str, list[float]]) -> float:
    return max((days / parcels for days, parcels in table.values() if parcels > 0), default=0.0)


def _node_loads(
    network: Network, model: LoadModel, before: FloatArray, after: FloatArray
) -> list[NodeLoad]:
    """Each node with rows: its peak sorting and storage shares before and after (one pass
    over the rows, not one per node: a national model has ~150,000 rows and 2,700 nodes)."""
    # A shift with no capacity left (a closed node) has no share; its load is a shortfall.
    usable = model.row_capacity > 0
    capacity = np.where(usable, model.row_capacity, 1.0)
    nodes = len(network.nodes)
    peaks: dict[tuple[str, str], FloatArray] = {}
    for kind in ("sorting", "storage"):
        rows = np.flatnonzero(model.row_kind == kind)
        for label, load in (("before", before), ("after", after)):
            peak = np.zeros(nodes)
            share = np.where(usable[rows], load[rows] / capacity[rows], 0.0)
            np.maximum.at(peak, model.row_node[rows], np.maximum(share, 0.0))
            peaks[kind, label] = peak
    present = np.bincount(model.row_node, minlength=nodes) > 0
    return [
        NodeLoad(
            node=network.nodes[position].id,
            kind=network.nodes[position].kind,
            peak_sorting_before=float(peaks["sorting", "before"][position]),
            peak_sorting_after=float(peaks["sorting", "after"][position]),
            peak_storage_before=float(peaks["storage", "before"][position]),
            peak_storage_after=float(peaks["storage", "after"][position]),
        )
        for position in np.flatnonzero(present).tolist()
    ]
