"""Outlets that load the network alike share load columns (issue 20, decision 0018): the
grouped program must be the full program written in fewer entries — the same load on every
row under every plan, and so the same least overflow and the same least delay."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peakguard.domain.network import Network
from peakguard.optimize.loads import build_load_model, load_basis
from peakguard.optimize.problem import PlanningProblem, compile_problem
from peakguard.optimize.releases import OrderRelease, StaggerParameters
from peakguard.optimize.stagger import PickupPlan, plan_pickups
from peakguard.simulate.scenario import Scenario

from .conftest import CARRIERS, lane, node, release, scenario, shift

EVERY_HOUR = StaggerParameters(storage_hours_per_day=24)


def _three_outlets() -> Network:
    """O1 and O2 take the same hourly one-hour shuttle to H: alike. O3's shuttle takes two
    hours, so its parcels reach H an hour later: not alike. H sorts 100 an hour and holds
    1,500; the station S sorts what comes."""
    return Network(
        name="three-outlets",
        carriers=CARRIERS[:1],
        nodes=[
            node("O1", "outlet", daily_volume=1000),
            node("O2", "outlet", daily_volume=800),
            node("O3", "outlet", daily_volume=500),
            node("H", "hub", capacity=100, storage=1500),
            node("S", "station", daily_volume=10),
        ],
        lanes=[lane("O1", "H"), lane("O2", "H"), lane("O3", "H", hours=2), lane("H", "S")],
    )


RELEASES = [
    release("O1", 3000, 1, 2),
    release("O2", 2000, 1, 2),
    release("O3", 1500, 2, 3),
    release("O1", 1000, 2, 3),
    release("O2", 400, 3, 3),
]


def _objective(plan: PickupPlan) -> float:
    """Phase 2's objective: parcel-days of delay plus the fairness terms."""
    weights = plan.parameters
    return plan.delay_parcel_days + plan.parcels * (
        weights.carrier_fairness * plan.worst_carrier_delay_days
        + weights.origin_fairness * plan.worst_origin_delay_days
    )


def test_alike_outlets_share_columns_and_load_every_row_as_the_full_program() -> None:
    """Only O1 and O2 are grouped (one group column per day), and the grouped load matrix,
    spread back to the outlets' quotas, equals the full program's entry for entry (the full
    one probes every outlet on its own: the independent reference); rows, limits,
    background and the storage hours checked are the same."""
    problem = compile_problem(_three_outlets(), scenario(3))
    models = {}
    for formulation in ("full", "grouped"):
        basis = load_basis(problem, RELEASES, EVERY_HOUR, formulation=formulation)
        models[formulation] = (basis, build_load_model(basis, problem, EVERY_HOUR))
    (full_basis, full), (grouped_basis, grouped) = models["full"], models["grouped"]
    days = len(full_basis.plan_days)
    assert full.columns.count == len(full.quota_origin) == 3 * days
    assert grouped.columns.count == 3 * days + days  # one group: O1 and O2
    assert len(grouped.entry_row) < len(full.entry_row)
    np.testing.assert_array_equal(grouped.row_limit, full.row_limit)
    np.testing.assert_array_equal(grouped.row_background, full.row_background)
    np.testing.assert_array_equal(grouped_basis.fullest, full_basis.fullest)
    np.testing.assert_allclose(
        grouped.quota_load_matrix().toarray(), full.load_matrix().toarray(), atol=1e-12
    )


def test_the_grouped_plan_is_the_full_plan_when_capacity_is_short() -> None:
    """H cannot take everything (least overflow, then least delay, with the pickup floor):
    both formulations find the same overflow and the same objective, and the grouped plan
    overloads no node the full plan does not."""
    problem = compile_problem(_three_outlets(), scenario(3))
    full = plan_pickups(problem, RELEASES, parameters=EVERY_HOUR, formulation="full")
    grouped = plan_pickups(problem, RELEASES, parameters=EVERY_HOUR, formulation="grouped")
    assert full.overflow > 0  # the case is one where capacity falls short
    assert grouped.overflow == pytest.approx(full.overflow, rel=1e-6, abs=1e-3)
    assert _objective(grouped) == pytest.approx(_objective(full), rel=1e-6, abs=1e-3)
    assert {s.node for s in grouped.shortfalls} <= {s.node for s in full.shortfalls}
    floors = {(q.origin, q.day): q.floor for q in full.quotas}
    for quota in grouped.quotas:  # the floor holds for each outlet, not only for the group
        assert quota.floor == floors[quota.origin, quota.day]
        assert quota.quota >= quota.floor - 1e-6


@dataclass(frozen=True)
class Case:
    network: Network
    scenario: Scenario
    releases: list[OrderRelease]
    parameters: StaggerParameters


@st.composite
def alike_cases(draw: st.DrawFn) -> Case:
    """1–2 hubs → root hub R → station S; 2–4 outlets per hub, each taking its hub's common
    shuttle (then alike) or one of its own timing; random capacities, releases, floors."""
    hub_ids = ["R", *[f"H{k}" for k in range(draw(st.integers(0, 1)))]]
    nodes = [
        node(h, "hub", capacity=draw(st.integers(40, 400)), storage=draw(st.integers(300, 6000)))
        for h in hub_ids
    ]
    nodes.append(node("S", "station", daily_volume=10))
    lanes = [lane(h, "R", hours=draw(st.sampled_from([1, 2.5]))) for h in hub_ids[1:]]
    lanes.append(lane("R", "S"))
    releases: list[OrderRelease] = []
    days = draw(st.integers(1, 3))
    for hub_id in hub_ids:
        common = draw(st.sampled_from([1.0, 2.0])), draw(st.sampled_from(["every", "13-19"]))
        for k in range(draw(st.integers(2, 4))):
            outlet = f"O{hub_id}{k}"
            late = draw(st.booleans())
            nodes.append(
                node(
                    outlet,
                    "outlet",
                    daily_volume=draw(st.integers(50, 1500)),
                    shifts=[shift(8, 22, 10**9)] if late else None,
                )
            )
            hours, timetable = common if draw(st.booleans()) else (3.0, "13-19")
            departures = ["13:00", "19:00"] if timetable == "13-19" else None
            lanes.append(lane(outlet, hub_id, hours=hours, **_departures(departures)))
            for released in range(1, days + 1):
                if draw(st.booleans()):
                    window = draw(st.integers(0, 2))
                    parcels = draw(st.floats(0, 3000))
                    releases.append(release(outlet, parcels, released, released + window))
    if not releases:
        releases.append(release(nodes[-1].id, 100.0, 1, 2))
    network = Network(name="alike", carriers=CARRIERS[:1], nodes=nodes, lanes=lanes)
    parameters = StaggerParameters(
        storage_hours_per_day=24,
        pickup_floor=draw(st.sampled_from([0.0, 0.5])),
        origin_fairness=draw(st.sampled_from([0.0, 0.25])),
    )
    return Case(network, scenario(days, drain_days=1), releases, parameters)


def _departures(departures: list[str] | None) -> dict[str, list[str]]:
    return {} if departures is None else {"departures": departures}


def _both(case: Case) -> tuple[PickupPlan, PickupPlan]:
    problem: PlanningProblem = compile_problem(case.network, case.scenario)
    return tuple(  # type: ignore[return-value]
        plan_pickups(problem, case.releases, parameters=case.parameters, formulation=f)
        for f in ("full", "grouped")
    )


def _excess(case: Case, plan: PickupPlan) -> float:
    """Parcels over a limit, summed over every shift and every hour (no tolerance), recounted
    on the full program's own load model from the plan's quotas."""
    problem = compile_problem(case.network, case.scenario)
    basis = load_basis(problem, case.releases, case.parameters, formulation="full")
    every_hour = np.ones(basis.background_backlog.shape, dtype=bool)
    model = build_load_model(basis, problem, case.parameters, extra_checked=every_hour)
    quotas = np.array([q.quota for q in plan.quotas])
    return float(np.maximum(model.row_loads(quotas) - model.row_limit, 0.0).sum())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=alike_cases())
def test_grouped_and_full_programs_agree_on_random_networks(case: Case) -> None:
    """On random trees where some outlets share their hub's shuttle, recounted on the full
    program's load model: the same least overflow always, and where a plan fits, the same
    least objective (delay and fairness). Where none fits, the least overflow can be split
    between rows in more than one way, and phase 2 holds phase 1's split row by row: the two
    programs may then find other least delays for the same overflow (seen: 1,020 against
    2,052 parcel-days, with 12,795 parcels over in both). That is the two-phase method's
    known limit (``test_least_delay_among_all_least_overflow_plans``), not the grouping's."""
    full, grouped = _both(case)
    scale = max(full.parcels, 1.0)
    room = 2e-3 * full.statistics.rows + 1e-5 * scale  # phase 2 may use 1e-3 more a row
    excess = _excess(case, full)
    assert _excess(case, grouped) == pytest.approx(excess, abs=room)
    if excess <= room:
        assert _objective(grouped) == pytest.approx(_objective(full), rel=1e-5, abs=1e-4 * scale)
    assert sum(q.quota for q in grouped.quotas) == pytest.approx(full.parcels, rel=1e-6, abs=1e-3)
