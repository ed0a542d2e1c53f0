"""Plans on one load basis that carry the last plan's storage hours and basis (warm) give the
same plans as plans made from scratch (cold), and the basis maps row by row."""

from __future__ import annotations

import numpy as np
import pytest

from peakguard.domain.network import Network
from peakguard.optimize.highs import (
    AT_LOWER,
    BASIC,
    UNDECIDED,
    LinearProgram,
    Solution,
    Solver,
    SolverError,
)
from peakguard.optimize.loads import build_load_model, load_basis
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import StaggerParameters
from peakguard.optimize.stagger import plan_pickups_on_basis
from peakguard.optimize.stagger_program import ProgramLayout, build_program
from peakguard.optimize.stagger_warm import (
    FAR,
    PlanningMemory,
    Vertex,
    held_rows,
    mapped_onto,
    near_enough,
    row_keys,
)

from .conftest import CARRIERS, lane, node, release, scenario


def late_trunk() -> Network:
    """O1 fills H after its pickup rounds; O2's parcels reach H at 00:00 on a 23:00 lane, an
    hour a normal day leaves unchecked, so a plan of O2's releases finds storage rows over
    in a later round (as in test_stagger's hand-worked case)."""
    return Network(
        name="late-trunk",
        carriers=CARRIERS[:1],
        nodes=[
            node("O1", "outlet", daily_volume=1000),
            node("O2", "outlet", daily_volume=10),
            node("H", "hub", capacity=400, storage=2000),
            node("S", "station"),
        ],
        lanes=[lane("O1", "H"), lane("O2", "H", departures=["23:00"]), lane("H", "S")],
    )


@pytest.mark.parametrize("lowered", [1.0, 0.7, 0.4])
def test_a_warm_replan_is_the_cold_plan(lowered: float) -> None:
    """A first plan at full limits, then a re-plan with H's storage limit scaled by
    ``lowered`` from the first's memory: the same overflow as the re-plan made cold (to a
    hundredth of a parcel); where a plan fits, the same parcel-days of delay (to 1e-6).
    Where none fits (0.4) the least delay depends on how phase 1 split the overflow between
    rows, which the two-phase method holds row by row (test_stagger's xfail
    ``test_least_delay_among_all_least_overflow_plans``), so only the overflow is compared."""
    problem = compile_problem(
        late_trunk(), scenario(3, drain_days=1, demand={"pickup_hours": list(range(8, 18))})
    )
    releases = [release("O2", 3000, 1, 3), release("O1", 1500, 1, 2)]
    settings = StaggerParameters()
    basis = load_basis(problem, releases, settings)
    factor = np.ones(len(problem.network.nodes))
    factor[[item.id for item in problem.network.nodes].index("H")] = lowered
    memory = PlanningMemory()
    plan_pickups_on_basis(problem, basis, parameters=settings, memory=memory)
    assert memory.checked is not None and memory.checked.any()
    assert memory.vertex is not None
    warm = plan_pickups_on_basis(
        problem, basis, parameters=settings, storage_factor=factor, memory=memory
    )
    cold = plan_pickups_on_basis(problem, basis, parameters=settings, storage_factor=factor)
    assert warm.overflow == pytest.approx(cold.overflow, abs=1e-2)
    assert sum(q.quota for q in warm.quotas) == pytest.approx(sum(q.quota for q in cold.quotas))
    if cold.within_capacity:
        assert warm.delay_parcel_days == pytest.approx(cold.delay_parcel_days, rel=1e-6, abs=1e-3)


def test_the_basis_maps_row_by_row() -> None:
    """A program whose capacity rows are the last one's first row dropped and one new row
    added: kept rows keep their statuses (and their overflow columns'), the new row enters
    basic with its overflow column at zero, the other rows and columns are copied; a program
    with other columns gets no basis."""
    problem = compile_problem(late_trunk(), scenario(2, drain_days=1))
    basis = load_basis(problem, [release("O2", 100, 1, 2)], StaggerParameters())
    model = build_load_model(basis, problem, StaggerParameters())
    _, layout = build_program(model, StaggerParameters(), np.zeros(len(model.quota_origin)))
    fixed = len(layout.pickup) + len(layout.quota) + len(layout.group)
    rows = np.arange(3)
    before = Vertex(
        columns=np.array([BASIC] * fixed + [AT_LOWER, BASIC, 2, 0, 1], dtype=np.int8),
        rows=np.array([BASIC, 2, 0, 1, 0], dtype=np.int8),
        capacity_keys=row_keys(model, rows),
        fixed_columns=fixed,
    )
    after = type(layout)(
        pickup=layout.pickup,
        quota=layout.quota,
        group=layout.group,
        slack=layout.slack,
        worst_carrier=layout.worst_carrier,
        worst_origin=layout.worst_origin,
        capacity_row=np.array([1, 2, 3]),
    )
    mapped = mapped_onto(before, model, after, (3 + 2, fixed + 3 + 2))
    assert mapped is not None
    columns, row_status = mapped
    assert columns.tolist() == [BASIC] * fixed + [BASIC, 2, AT_LOWER, 0, 1]
    assert row_status.tolist() == [2, 0, BASIC, 1, 0]
    assert mapped_onto(before, model, after, (5, fixed + 6)) is None


def test_a_phase_2_that_ends_undecided_is_solved_again_from_scratch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When HiGHS ends a warm phase 2 "Unknown" (as one of the demo's programs did), the plan
    is still made: phase 2 again from scratch, the same least overflow and least delay as a
    plan whose phase 2 ended optimal; any other status still fails."""
    problem = compile_problem(
        late_trunk(), scenario(3, drain_days=1, demand={"pickup_hours": list(range(8, 18))})
    )
    releases = [release("O2", 3000, 1, 3), release("O1", 1500, 1, 2)]
    settings = StaggerParameters()
    basis = load_basis(problem, releases, settings)
    normal = plan_pickups_on_basis(problem, basis, parameters=settings)
    original = Solver.solve
    calls: list[int] = []

    def phase_2_undecided(self: Solver) -> Solution:
        calls.append(1)
        solution = original(self)
        if len(calls) == 2:  # the first phase 2
            raise SolverError(UNDECIDED)
        return solution

    monkeypatch.setattr(Solver, "solve", phase_2_undecided)
    again = plan_pickups_on_basis(problem, basis, parameters=settings)
    assert len(calls) >= 3
    assert again.overflow == pytest.approx(normal.overflow, abs=1e-2)
    assert again.delay_parcel_days == pytest.approx(normal.delay_parcel_days, rel=1e-6)
    calls.clear()

    def phase_2_infeasible(self: Solver) -> Solution:
        calls.append(1)
        if len(calls) == 2:
            raise SolverError("Infeasible")
        return original(self)

    monkeypatch.setattr(Solver, "solve", phase_2_infeasible)
    with pytest.raises(SolverError, match="Infeasible"):
        plan_pickups_on_basis(problem, basis, parameters=settings)


def test_a_replan_keeps_the_last_plans_days_among_equally_good_plans() -> None:
    """Two releases alike in every way (one outlet, the same days and parcels): which of them
    waits is a tie. A plan made with a memory whose last plan picked them up the other way
    round keeps that way (the days of each release the last plan used), with the same delay
    and overflow: among equally good plans a re-plan moves no parcel without need, whichever
    way HiGHS would have broken the tie from where it starts."""
    problem = compile_problem(
        late_trunk(), scenario(3, drain_days=1, demand={"pickup_hours": list(range(8, 18))})
    )
    releases = [release("O1", 5000, 1, 3), release("O1", 5000, 1, 3)]
    settings = StaggerParameters()
    basis = load_basis(problem, releases, settings)
    cold = plan_pickups_on_basis(problem, basis, parameters=settings)
    first, second = (dict(pickups) for _release, pickups in cold.release_pickups)
    assert first != pytest.approx(second, abs=1.0)  # the solver broke the tie one way
    memory = PlanningMemory()
    plan_pickups_on_basis(problem, basis, parameters=settings, memory=memory)
    assert memory.pickups is not None
    half = len(memory.pickups) // 2
    memory.pickups = np.concatenate([memory.pickups[half:], memory.pickups[:half]])
    memory.vertex = None  # no warm start: only the memory of the last plan's days
    again = plan_pickups_on_basis(problem, basis, parameters=settings, memory=memory)
    assert [dict(pickups) for _release, pickups in again.release_pickups] == [
        pytest.approx(second, abs=1e-3),
        pytest.approx(first, abs=1e-3),
    ]
    assert again.delay_parcel_days == pytest.approx(cold.delay_parcel_days, rel=1e-9)
    assert again.overflow == pytest.approx(cold.overflow, abs=1e-3)


def test_a_program_built_on_a_basis_keeps_its_rows_and_its_optimum() -> None:
    """Rows the last basis holds stay in the next program though no plan can overload them
    any more (so the mapped basis needs no repair); such a row's overflow column is zero in
    every plan, so the least overflow and the plan's quotas are the same without it."""
    problem = compile_problem(
        late_trunk(), scenario(3, drain_days=1, demand={"pickup_hours": list(range(8, 18))})
    )
    settings = StaggerParameters()
    basis = load_basis(problem, [release("O2", 3000, 1, 3), release("O1", 1500, 1, 2)], settings)
    model = build_load_model(basis, problem, settings)
    floors = np.zeros(len(model.quota_origin))
    _, alone = build_program(model, settings, floors)
    every = np.ones(len(model.row_limit), dtype=bool)
    program, kept = build_program(model, settings, floors, every)
    assert len(alone.capacity_row) < len(kept.capacity_row) == len(model.row_limit)
    memory = PlanningMemory()
    plan_pickups_on_basis(problem, basis, parameters=settings, memory=memory)
    assert memory.vertex is not None
    after = build_load_model(basis, problem, settings, extra_checked=memory.checked)
    held = held_rows(memory, after)
    assert held is not None
    assert set(row_keys(after, np.flatnonzero(held)).tolist()) == set(
        memory.vertex.capacity_keys.tolist()
    )
    solved = [
        _least_overflow(*build_program(model, settings, floors, keep)) for keep in (None, every)
    ]
    assert solved[0] == pytest.approx(solved[1], abs=1e-6)
    assert program.shape[0] > 0


def _least_overflow(program: LinearProgram, layout: ProgramLayout) -> float:
    cost = np.zeros(program.shape[1])
    cost[layout.slack] = 1.0
    solver = Solver(program)
    solver.set_cost(cost)
    return solver.solve().objective


def test_a_solve_cut_short_starts_again_cold_to_the_same_optimum() -> None:
    """A solve stopped by its iteration limit says so (None); after the basis is dropped, the
    next solve reaches the optimum a solver never stopped reaches. (Presolve is off for the
    stopped solve, as it is from a mapped basis: on so small a program it alone would
    solve it.)"""
    problem = compile_problem(
        late_trunk(), scenario(3, drain_days=1, demand={"pickup_hours": list(range(8, 18))})
    )
    settings = StaggerParameters()
    basis = load_basis(problem, [release("O2", 3000, 1, 3), release("O1", 1500, 1, 2)], settings)
    model = build_load_model(basis, problem, settings)
    program, _ = build_program(model, settings, np.zeros(len(model.quota_origin)))
    reference = Solver(program).solve()
    solver = Solver(program)
    solver.highs.setOptionValue("presolve", "off")
    assert solver.solve_within(1) is None
    solver.forget_basis()
    solver.highs.setOptionValue("presolve", "choose")
    assert solver.solve().objective == pytest.approx(reference.objective, rel=1e-9)


@pytest.mark.parametrize(("scale", "warm"), [(1.0, True), (0.8, True), (0.2, False)])
def test_a_warm_start_is_tried_only_where_the_overflow_stays_of_a_size(
    scale: float, warm: bool
) -> None:
    """The last plan's quotas, on a program whose storage limits are scaled by ``scale``:
    a warm start is tried where their overflow there is within ``FAR`` times the last least
    overflow (counted here by hand from the rows' loads), not where it grew far beyond."""
    problem = compile_problem(
        late_trunk(), scenario(3, drain_days=1, demand={"pickup_hours": list(range(8, 18))})
    )
    settings = StaggerParameters()
    basis = load_basis(problem, [release("O2", 3000, 1, 3), release("O1", 1500, 1, 2)], settings)
    factor = np.full(len(problem.network.nodes), 0.5)
    memory = PlanningMemory()
    plan_pickups_on_basis(problem, basis, parameters=settings, memory=memory, storage_factor=factor)
    assert memory.quotas is not None and memory.overflow > 1.0
    model = build_load_model(
        basis, problem, settings, extra_checked=memory.checked, storage_factor=factor * scale
    )
    excess = np.maximum(model.row_loads(memory.quotas) - model.row_limit, 0.0).sum()
    assert bool(excess <= FAR * memory.overflow) is warm
    assert near_enough(memory, model) is warm
