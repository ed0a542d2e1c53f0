"""The staggering plan's "before" is the releases picked up on their release day (issue 20).

On the example network (Chengdu–Mianyang, its Double 11 week) with the small release file of
``docs/examples/releases-small.csv``, the comparison's before-figures must equal a simulation
built here by hand: the scenario's demand without the three outlets' own pickups after the
warm-up, plus each release taken on at its outlet on its release day, in the scenario's
pickup rounds, to the outlet's usual destinations.
"""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
from typer.testing import CliRunner

from peakguard.cli import app
from peakguard.domain.network import Network, NodeKind
from peakguard.formats.loading import load_network
from peakguard.formats.release_document import read_releases
from peakguard.formats.scenario_document import load_scenario
from peakguard.optimize import stagger_program
from peakguard.optimize.comparison import (
    PlanComparison,
    compare_by_simulation,
    simulate_planned,
    simulate_unplanned,
)
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import OrderRelease, StaggerParameters
from peakguard.optimize.stagger import PickupPlan, plan_pickups
from peakguard.simulate.demand import build_demand, normal_day_flows
from peakguard.simulate.plan import Demand, StoragePolicy
from peakguard.simulate.run import SimulationResult, simulate
from peakguard.simulate.scenario import Scenario
from peakguard.web.plan_report import render_plan_report

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture(scope="module")
def example() -> tuple[Network, Scenario, list[OrderRelease]]:
    network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
    scenario = load_scenario(EXAMPLES / "double11-small.yaml", network)
    releases, _places = read_releases(
        EXAMPLES / "releases-small.csv", network=network, scenario=scenario
    )
    return network, scenario, releases


@pytest.fixture(scope="module")
def planned(
    example: tuple[Network, Scenario, list[OrderRelease]],
) -> tuple[PickupPlan, PlanComparison]:
    network, scenario, releases = example
    problem = compile_problem(network, scenario)
    plan = plan_pickups(problem, releases)
    return plan, compare_by_simulation(problem, plan)


def _as_released_by_hand(
    network: Network, scenario: Scenario, releases: list[OrderRelease]
) -> SimulationResult:
    """The releases picked up on their day, on the scenario's other demand, simulated."""
    position = {node.id: index for index, node in enumerate(network.nodes)}
    demand = build_demand(network, scenario)
    origins = [position[item.origin] for item in releases]
    own = np.isin(demand.origin, origins) & (demand.hour >= scenario.warm_up_hours)
    parts = [
        (demand.origin[~own], demand.destination[~own], demand.hour[~own], demand.parcels[~own])
    ]
    flows = normal_day_flows(network, scenario)
    rounds = list(scenario.demand.pickup_hours)
    for item in releases:
        origin = position[item.origin]
        mine = (flows.origin == origin) & ~flows.inbound & (flows.parcels > 0)
        shares = flows.parcels[mine] / flows.parcels[mine].sum()
        day = (item.release_day - scenario.start.date()).days
        for hour in rounds:
            count = int(mine.sum())
            parts.append(
                (
                    np.full(count, origin),
                    flows.destination[mine],
                    np.full(count, 24 * day + hour),
                    shares * item.parcels / len(rounds),
                )
            )
    built = Demand(*(np.concatenate([p[k] for p in parts]) for k in range(4)))
    checked = scenario.model_copy(update={"storage_policy": StoragePolicy.overflow})
    return simulate(network, checked, demand=built)


def test_before_is_the_releases_as_released(
    example: tuple[Network, Scenario, list[OrderRelease]],
    planned: tuple[PickupPlan, PlanComparison],
) -> None:
    """Every before-figure (hub peaks, overflow hours, on time, parcels, release-to-delivery)
    equals an independent simulation of the releases picked up on their release day."""
    network, scenario, releases = example
    _plan, comparison = planned
    by_hand = _as_released_by_hand(network, scenario, releases)
    run = by_hand.run
    from_hour = scenario.warm_up_hours
    storage = run.backlog[:, from_hour:] / run.plan.storage_capacity[:, None]
    for hub in comparison.hubs:
        index = [node.id for node in network.nodes].index(hub.node)
        assert hub.peak_storage_before == pytest.approx(storage[index].max(), rel=1e-6)
        assert hub.overflow_hours_before == int((storage[index] > 1 + 1e-6).sum())
    before = comparison.unplanned
    assert before.accepted == pytest.approx(by_hand.summary.accepted, rel=1e-9)
    assert before.on_time_rate == pytest.approx(by_hand.summary.on_time_rate, rel=1e-6)
    assert before.overflow_node_hours == by_hand.summary.overflow_node_hours
    released = np.isin(
        run.plan.cohort_origin,
        [network.nodes.index(n) for n in network.nodes if n.id in {r.origin for r in releases}],
    )
    released &= run.plan.cohort_hour >= from_hour
    mean = run.delivered_hours[released].sum() / run.delivered[released].sum()
    customers = comparison.customers_before.total
    assert customers.parcels == pytest.approx(sum(r.parcels for r in releases))
    assert customers.release_to_delivery_hours == pytest.approx(mean, rel=1e-6)
    assert customers.late_from_release == pytest.approx(
        run.plan.cohort_parcels[released].sum() - run.delivered_on_time[released].sum(), rel=1e-6
    )


def test_after_splitting_delayed_pickups_leaves_the_network_figures_unchanged(
    example: tuple[Network, Scenario, list[OrderRelease]],
    planned: tuple[PickupPlan, PlanComparison],
) -> None:
    """The planned run (delayed pickups split into a network and a customer half) gives the
    same hub peaks, parcels and on-time rate from pickup as the plan's quotas simulated whole."""
    network, scenario, _releases = example
    plan, comparison = planned
    as_quotas = [
        OrderRelease(q.origin, q.carrier, q.day, q.day, q.quota) for q in plan.quotas if q.quota > 0
    ]
    whole = _as_released_by_hand(network, scenario, as_quotas)
    assert comparison.planned.accepted == pytest.approx(whole.summary.accepted, rel=1e-9)
    assert comparison.planned.on_time_rate == pytest.approx(whole.summary.on_time_rate, rel=1e-6)
    assert comparison.planned.overflow_node_hours == whole.summary.overflow_node_hours
    assert comparison.customers_after.total.parcels == pytest.approx(plan.parcels, rel=1e-9)
    assert {group.key for group in comparison.customers_after.origins} == {
        "ZTO-CD-O1",
        "ZTO-CD-O2",
        "ZTO-MY-O1",
    }


def test_no_origin_is_planned_zero_on_a_day_it_releases(
    planned: tuple[PickupPlan, PlanComparison],
) -> None:
    """The issue's stops of pickup are gone: ZTO-CD-O1 and ZTO-CD-O2 pick up on 10 November
    and ZTO-MY-O1 on 11 November (none of them is closed), at least half a normal day."""
    plan, _comparison = planned
    quota = {(q.origin, q.day.isoformat()): q for q in plan.quotas}
    for key in (
        ("ZTO-CD-O1", "2026-11-10"),
        ("ZTO-CD-O2", "2026-11-10"),
        ("ZTO-MY-O1", "2026-11-11"),
    ):
        assert quota[key].quota >= quota[key].floor - 1e-6 > 0
    assert all(q.quota > 0 for q in plan.quotas if q.released > 0)


def test_a_plan_that_makes_customers_wait_says_so_first(
    planned: tuple[PickupPlan, PlanComparison], tmp_path: pathlib.Path
) -> None:
    """On the example the plan holds back most of the 38,000 parcels: release-to-delivery
    rises and more parcels are late counted from release, and the page's summary and the
    command's output both open with it, and the page says what "before" means."""
    plan, comparison = planned
    before, after = comparison.customers_before.total, comparison.customers_after.total
    assert after.release_to_delivery_hours > before.release_to_delivery_hours + 12
    assert after.late_from_release > before.late_from_release
    assert comparison.customers_wait_longer
    page = render_plan_report(plan, comparison, language="en")
    summary = page.split("data-summary>", 1)[1]
    assert summary.startswith("Customers wait longer under this plan")
    assert "the same releases picked up on their release day" in summary
    result = CliRunner().invoke(
        app,
        [
            "--lang",
            "en",
            "plan",
            "stagger",
            "--network",
            str(EXAMPLES / "chengdu-mianyang.yaml"),
            "--scenario",
            str(EXAMPLES / "double11-small.yaml"),
            "--releases",
            str(EXAMPLES / "releases-small.csv"),
            "--out",
            str(tmp_path / "out"),
        ],
        catch_exceptions=False,
        env={"COLUMNS": "240", "PEAKGUARD_HOME": str(tmp_path / "home")},
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert any(line.startswith("Customers wait longer under this plan") for line in lines[:3])


def test_every_node_newly_over_storage_is_named_not_only_hubs(
    example: tuple[Network, Scenario, list[OrderRelease]],
) -> None:
    """Without the floor the example plan crowds Mianyang's delivery station (ZTO-MY-S1)
    past its storage, which the releases as released did not: it is named, and the named
    nodes are exactly those over storage with the plan and never before, read off the two
    runs simulated again on their own."""
    network, scenario, releases = example
    problem = compile_problem(network, scenario)
    plan = plan_pickups(problem, releases, parameters=StaggerParameters(pickup_floor=0.0))
    comparison = compare_by_simulation(problem, plan)
    named = {item.node: item for item in comparison.new_overflow_nodes}
    assert "ZTO-MY-S1" in named
    assert named["ZTO-MY-S1"].kind is NodeKind.station
    hour = scenario.warm_up_hours

    def over(result: SimulationResult) -> set[str]:
        run = result.run
        full = (run.backlog[:, hour:] > run.plan.storage_capacity[:, None] * (1 + 1e-6)).any(axis=1)
        return {network.nodes[i].id for i in np.flatnonzero(full).tolist()}

    after, before = simulate_planned(problem, plan), simulate_unplanned(problem, plan)
    assert set(named) == over(after) - over(before)


def test_leaving_out_rows_nobody_can_overload_changes_no_optimum(
    example: tuple[Network, Scenario, list[OrderRelease]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The program without the capacity rows no plan can push over their limit reaches the
    same least overflow and least delay as with every row."""
    network, scenario, releases = example
    problem = compile_problem(network, scenario)
    lean = plan_pickups(problem, releases)
    every_row = lambda model, amounts: np.ones(len(model.row_limit), dtype=bool)  # noqa: E731
    monkeypatch.setattr(stagger_program, "_bindable", every_row)
    full = plan_pickups(problem, releases)
    assert lean.statistics.rows < full.statistics.rows
    assert lean.overflow == pytest.approx(full.overflow, abs=1e-2)
    assert lean.delay_parcel_days == pytest.approx(full.delay_parcel_days, rel=1e-6, abs=1e-2)
