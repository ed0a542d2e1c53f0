"""Rows no plan can overload are left out of the staggering program (issue 20, item 5).

The bound the program uses for a row's load over every plan must be an upper bound (else a
row some plan overloads would be dropped, and the plan would go over it unseen) and should be
tight (else rows are kept for nothing). The reference is brute force: every release picked up
whole on one day of its window, in every combination. Without floors the row's load is then
a sum over releases of what each puts on it, so its largest over those plans is the largest
over every plan, and the bound must equal it exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from peakguard.domain.network import Network
from peakguard.optimize import stagger
from peakguard.optimize.loads import LoadModel, build_load_model, load_basis
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import OrderRelease, StaggerParameters
from peakguard.optimize.stagger import PickupPlan, plan_pickups
from peakguard.optimize.stagger_groups import FORMULATIONS, Formulation
from peakguard.optimize.stagger_program import most_load

from .conftest import CARRIERS, lane, node, release, scenario
from .test_stagger_groups import Case, alike_cases

EVERY_HOUR = StaggerParameters(storage_hours_per_day=24)


def _network() -> Network:
    """O1 and O2 alike (hourly one-hour shuttle to H, grouped), O3 on a two-hour shuttle;
    H → S takes 20 hours, so a parcel picked up on one day sits at S on the next: rows at S
    are loaded by two days' pickups of one release (the case the old bound counted twice)."""
    return Network(
        name="rows",
        carriers=CARRIERS[:1],
        nodes=[
            node("O1", "outlet", daily_volume=1000),
            node("O2", "outlet", daily_volume=800),
            node("O3", "outlet", daily_volume=500),
            node("H", "hub", capacity=150, storage=2000),
            node("S", "station", daily_volume=10, storage=2500),
        ],
        lanes=[
            lane("O1", "H"),
            lane("O2", "H"),
            lane("O3", "H", hours=2),
            lane("H", "S", hours=20, departures=["20:00"]),
        ],
    )


RELEASES = [
    release("O1", 3000, 1, 2),
    release("O2", 2000, 1, 3),
    release("O3", 1500, 2, 3),
    release("O1", 1000, 2, 3),
    release("O2", 400, 3, 3),
]


def _model(formulation: Formulation) -> LoadModel:
    problem = compile_problem(_network(), scenario(3))
    basis = load_basis(problem, RELEASES, EVERY_HOUR, formulation=formulation)
    return build_load_model(basis, problem, EVERY_HOUR)


def _brute_force_most(model: LoadModel, releases: list[OrderRelease]) -> np.ndarray:
    """[row] the largest load over every plan that picks each release up whole on one day
    of its window (every combination)."""
    windows = [np.flatnonzero(model.pickup_release == r) for r in range(len(releases))]
    most = np.full(len(model.row_limit), -np.inf)
    for choice in itertools.product(*windows):
        quotas = np.zeros(len(model.quota_origin))
        for r, pickup in enumerate(choice):
            quotas[model.pickup_quota[pickup]] += releases[r].parcels
        most = np.maximum(most, model.row_loads(quotas))
    return most


@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_the_bound_is_the_largest_load_any_plan_puts_on_a_row(formulation: Formulation) -> None:
    """Equal, row by row, to the brute-force largest load over all whole-release plans, in
    both formulations (grouped: O1 and O2 load H and S through their group's column)."""
    model = _model(formulation)
    amounts = np.array([item.parcels for item in RELEASES])
    np.testing.assert_allclose(
        most_load(model, amounts), _brute_force_most(model, RELEASES), rtol=1e-12, atol=1e-9
    )


def test_the_bound_is_tighter_than_every_day_at_once() -> None:
    """The former bound (each quota column carrying every release it may take, on every
    day at once) counts a release twice at S, where two days' pickups meet; the bound here
    does not, and every random split of the releases over their windows stays under it."""
    model = _model("grouped")
    amounts = np.array([item.parcels for item in RELEASES])
    every_day = np.bincount(
        model.pickup_quota, weights=amounts[model.pickup_release], minlength=len(model.quota_origin)
    )
    bound = most_load(model, amounts)
    former = model.row_loads(every_day)
    assert np.all(bound <= former + 1e-9)
    assert np.any(bound < former - 1.0)
    generator = np.random.default_rng(20)
    for _ in range(50):
        quotas = np.zeros(len(model.quota_origin))
        for r, item in enumerate(RELEASES):
            pickups = np.flatnonzero(model.pickup_release == r)
            split = generator.dirichlet(np.ones(len(pickups)))
            np.add.at(quotas, model.pickup_quota[pickups], item.parcels * split)
        assert np.all(model.row_loads(quotas) <= bound + 1e-9)


def _objective(plan: PickupPlan) -> float:
    """Phase 2's objective: parcel-days of delay plus the fairness terms."""
    weights = plan.parameters
    return plan.delay_parcel_days + plan.parcels * (
        weights.carrier_fairness * plan.worst_carrier_delay_days
        + weights.origin_fairness * plan.worst_origin_delay_days
    )


def _with_every_row(case: Case, monkeypatch: pytest.MonkeyPatch) -> tuple[PickupPlan, PickupPlan]:
    """The fast plan (alike outlets grouped; the program starts with the rows near their
    limit and adds those its plan puts over) and the reference: the full program, one load
    column per outlet and every capacity row from the start."""
    problem = compile_problem(case.network, case.scenario)
    grown = plan_pickups(problem, case.releases, parameters=case.parameters, formulation="grouped")
    with monkeypatch.context() as patched:
        patched.setattr(
            stagger, "starting_rows", lambda model, share: np.ones(len(model.row_limit), bool)
        )
        whole = plan_pickups(problem, case.releases, parameters=case.parameters, formulation="full")
    return grown, whole


def test_rows_added_as_the_plan_needs_them_give_the_whole_programs_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """H sorts 150 an hour, less than the releases want: the fast program (grouped, starting
    with the rows near their limit and adding the rows its plan puts over) reaches the full
    program's least overflow and least objective (delay within 1 %, the issue's bar) in
    fewer rows, and overloads no node the full plan keeps inside. Before phase 2 held the
    total overflow the two found 6,646 and 6,024 (the same overflow split otherwise)."""
    case = Case(_network(), scenario(3), RELEASES, EVERY_HOUR)
    grown, whole = _with_every_row(case, monkeypatch)
    assert grown.statistics.rows < whole.statistics.rows
    assert whole.overflow > 4000  # a case where capacity falls short
    # Within a parcel: a row over by less than half a parcel is rounding, not a shortfall,
    # and the two programs leave such crumbs on other rows.
    assert grown.overflow == pytest.approx(whole.overflow, abs=1.0)
    assert _objective(grown) == pytest.approx(_objective(whole), rel=1e-3)
    assert grown.delay_parcel_days == pytest.approx(whole.delay_parcel_days, rel=1e-2)
    assert {(s.node, s.kind) for s in grown.shortfalls} <= {
        (s.node, s.kind) for s in whole.shortfalls
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=alike_cases())
def test_rows_added_as_needed_agree_with_every_row_on_random_networks(case: Case) -> None:
    """On random trees (alike and unlike outlets, random capacities, floors, windows) the
    fast plan has the full program's least overflow, to a parcel (a row over by less than
    half a parcel is rounding, so either may leave such crumbs: seen, the full one two
    crumbs where the fast one has one row 0.6 over). Where the full program's plan fits,
    the fast plan has its least objective, its delay is within 1 % (the issue's bar) and it
    overloads nothing. (Where none fits, a parcel of overflow more or less trades against
    delay, so objectives are compared on the hand-worked case above instead.)"""
    with pytest.MonkeyPatch.context() as monkeypatch:
        grown, whole = _with_every_row(case, monkeypatch)
    scale = max(whole.parcels, 1.0)
    room = 2e-3 * whole.statistics.rows + 1e-5 * scale
    assert grown.overflow == pytest.approx(whole.overflow, abs=room + 1.0)
    if whole.overflow <= room and grown.overflow <= room:
        assert _objective(grown) == pytest.approx(_objective(whole), rel=1e-5, abs=1e-4 * scale)
        assert grown.delay_parcel_days <= 1.01 * whole.delay_parcel_days + 1e-4 * scale
