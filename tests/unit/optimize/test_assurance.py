"""plan_assurance on a small network whose free-flow plan the simulator's queues put over
storage: the loop must settle on a plan the simulator confirms, whichever of the equally
good plans the solver returns."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import numpy as np
import pytest

from peakguard.domain.network import Network, NodeKind
from peakguard.optimize.assurance import _recalibrated, plan_assurance
from peakguard.optimize.comparison import simulate_planned
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import OrderRelease, StaggerParameters
from peakguard.optimize.stagger import NodeLoad, PickupPlan

from .conftest import CARRIERS, lane, node, release, scenario


def two_outlets(hub_storage: int) -> Network:
    """O1 and O2 (alike: same lanes, same 1,000 a day) → hub H sorting 100 an hour with
    ``hub_storage`` → station S. A pickup round's parcels reach H at once and queue there
    for its sorting, which the program's free flow does not see: at these storages the
    first plan goes over in the simulator and the loop has to lower H's limit. The two
    outlets are interchangeable, so which of them waits is a tie the solver breaks."""
    return Network(
        name="two-outlets",
        carriers=CARRIERS[:1],
        nodes=[
            node("O1", "outlet", daily_volume=1000),
            node("O2", "outlet", daily_volume=1000),
            node("H", "hub", capacity=100, storage=hub_storage),
            node("S", "station"),
        ],
        lanes=[lane("O1", "H"), lane("O2", "H"), lane("H", "S")],
    )


def _releases(first: str, second: str, parcels: float) -> list[OrderRelease]:
    return [release(first, parcels, 1, 3), release(second, parcels, 1, 3)]


@pytest.mark.parametrize(("hub_storage", "parcels"), [(300, 3000), (600, 3000), (1000, 5000)])
def test_the_loop_confirms_whichever_tie_the_solver_breaks(
    hub_storage: int, parcels: float
) -> None:
    """With the releases (so the program's columns) in either order, the simulator confirms
    the final plan: its own node-hour backlog stays within every open node's storage, and
    the two orders' plans delay the same parcel-days (equally good plans)."""
    problem = compile_problem(two_outlets(hub_storage), scenario(4, drain_days=2))
    plans = [
        plan_assurance(problem, _releases(first, second, parcels))
        for first, second in (("O1", "O2"), ("O2", "O1"))
    ]
    for plan in plans:
        assert plan.confirmed
        checked = problem.with_scenario(plan.scenario)
        run = simulate_planned(checked, plan.plan).run
        backlog = run.backlog[:, problem.scenario.warm_up_hours :]
        assert (backlog <= run.plan.storage_capacity[:, None] * (1 + 1e-6)).all()
        assert plan.comparison.planned.hubs_overflowing == 0
    assert plans[0].plan.delay_parcel_days == pytest.approx(
        plans[1].plan.delay_parcel_days, rel=1e-6
    )


def test_the_limits_only_fall_and_the_first_plan_needed_lowering() -> None:
    """The case needs the loop (the first plan goes over in the simulator: more than one
    check), and the hub's limit the final plan kept to is below its full margin, never
    above: each check lowers the limits of the nodes still over and raises none."""
    problem = compile_problem(two_outlets(600), scenario(4, drain_days=2))
    plan = plan_assurance(problem, _releases("O1", "O2", 3000))
    hub = [item.id for item in problem.network.nodes].index("H")
    assert plan.checks > 1
    assert 0 < plan.storage_factor[hub] < 1
    assert np.all(plan.storage_factor <= 1)


def test_after_the_first_check_only_the_nodes_over_are_lowered() -> None:
    """The first check sets every loaded node's limit from its own model error (simulated ÷
    program peak); a later check lowers only the nodes the simulator found over and leaves
    every other limit as it was, so the re-plan moves only the pickups behind those nodes
    (moving others would move queues the simulator has already seen fit). Limits never rise."""
    network = two_outlets(600)
    ids = [item.id for item in network.nodes]
    program = {"O1": 0.5, "H": 0.85}
    simulated = {"O1": 0.9, "H": 1.2}
    plan = cast(
        PickupPlan,
        SimpleNamespace(
            node_loads=[
                NodeLoad(name, NodeKind.hub, 0.0, 0.0, 0.0, peak) for name, peak in program.items()
            ]
        ),
    )
    peaks = np.array([simulated.get(name, 0.0) for name in ids])
    over = peaks > 1.0
    factor = np.ones(len(ids))
    settings = StaggerParameters()
    first = _recalibrated(factor, plan, peaks, network, settings, over, everywhere=True)
    later = _recalibrated(factor, plan, peaks, network, settings, over, everywhere=False)
    o1, hub = ids.index("O1"), ids.index("H")
    assert first[o1] < 1.0 and later[o1] == 1.0
    assert later[hub] == pytest.approx(first[hub]) and later[hub] < 1.0
    assert (first <= factor).all() and (later <= factor).all()
