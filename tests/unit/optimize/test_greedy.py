"""The greedy baseline: earliest deadline first, as much as fits, the rest on the latest day.

The networks are built here (every node in Chengdu, so no gateway hubs and no inbound
parcels; lanes every hour taking one hour; hubs sorting 100 an hour all day, one sorting row a
day of 2,400 parcels; storage never binds; margins 1 so the limits are the capacities).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from peakguard.domain.network import Carrier, Lane, Network, Node, NodeKind, Shift
from peakguard.optimize.greedy import greedy_pickups
from peakguard.optimize.loads import build_load_model, load_basis
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import OrderRelease, StaggerParameters
from peakguard.optimize.stagger import PickupPlan, plan_pickups
from peakguard.simulate.scenario import Scenario

BIG = 10**9
DAY1 = date(2024, 11, 11)
EVERY_HOUR = [f"{hour:02d}:00" for hour in range(24)]
FULL_MARGINS = StaggerParameters(sorting_margin=1.0, storage_margin=1.0)
DELAY_ONLY = StaggerParameters(
    sorting_margin=1.0,
    storage_margin=1.0,
    carrier_fairness=0.0,
    origin_fairness=0.0,
    pickup_floor=0.0,
)
"""The program on the greedy baseline's own terms: delay only, and no pickup floor (the
greedy keeps none, so a floor would make the two answer different questions)."""


def _day(number: int) -> date:
    return DAY1 + timedelta(days=number - 1)


def _node(node_id: str, kind: str, *, capacity: int = BIG, carrier: str = "ZTO") -> Node:
    return Node(
        id=node_id,
        name=node_id,
        kind=NodeKind(kind),
        region="510100",
        carrier=carrier,
        shifts=[
            Shift(name="all day", start_hour=0, end_hour=24, sorting_capacity_per_hour=capacity)
        ],
        storage_capacity=BIG,
        staff=1,
        vehicles=1,
        floor_area_m2=1.0,
        longitude=104.0,
        latitude=30.6,
        daily_volume=1000 if kind == "outlet" else 0,
    )


def _lane(origin: str, destination: str) -> Lane:
    return Lane(
        id=f"{origin}-{destination}",
        origin=origin,
        destination=destination,
        mode="road",
        transit_hours=1.0,
        departure_times=EVERY_HOUR,
        capacity_per_departure=BIG,
    )


def _chain() -> Network:
    """O → H (100 an hour) → S: a day's pickups are all sorted at H that day, so H's load
    on day d is the quota of day d."""
    return Network(
        name="chain",
        carriers=[Carrier(code="ZTO", name="中通快递")],
        nodes=[_node("O", "outlet"), _node("H", "hub", capacity=100), _node("S", "station")],
        lanes=[_lane("O", "H"), _lane("H", "S")],
    )


def _two_hubs() -> Network:
    """Three carriers' outlets: ZTO's OA → H1 → H2 → SA loads both hubs, YTO's OB → H1 → SB
    only H1, STO's OC → H2 → SC only H2 (each hub 100 an hour, all sorted the same day)."""
    carriers = [("ZTO", "中通快递"), ("YTO", "圆通速递"), ("STO", "申通快递")]
    return Network(
        name="two-hubs",
        carriers=[Carrier(code=code, name=name) for code, name in carriers],
        nodes=[
            _node("OA", "outlet", carrier="ZTO"),
            _node("OB", "outlet", carrier="YTO"),
            _node("OC", "outlet", carrier="STO"),
            _node("H1", "hub", capacity=100),
            _node("H2", "hub", capacity=100),
            _node("SA", "station", carrier="ZTO"),
            _node("SB", "station", carrier="YTO"),
            _node("SC", "station", carrier="STO"),
        ],
        lanes=[
            _lane(a, b)
            for a, b in [
                ("OA", "H1"),
                ("H1", "H2"),
                ("H2", "SA"),
                ("OB", "H1"),
                ("H1", "SB"),
                ("OC", "H2"),
                ("H2", "SC"),
            ]
        ],
    )


def _scenario(days: int) -> Scenario:
    return Scenario(name="double-11", first_day=DAY1, days=days, warm_up_days=0, drain_days=1)


def _release(
    origin: str, parcels: float, released: int, latest: int, carrier: str = "ZTO"
) -> OrderRelease:
    return OrderRelease(
        origin=origin,
        carrier=carrier,
        release_day=_day(released),
        latest_day=_day(latest),
        parcels=parcels,
    )


def _picked(plan: PickupPlan) -> list[dict[int, float]]:
    """Each release's pickups as {day number: parcels}, rounded."""
    return [
        {(moment - DAY1).days + 1: round(amount, 6) for moment, amount in pickups.items()}
        for _release, pickups in plan.release_pickups
    ]


def test_greedy_takes_deadlines_first_and_overflows_only_when_due() -> None:
    """Worked by hand: day 1 takes B (due) then 400 of A; day 2 A's rest overflows H by 200."""
    releases = [
        _release("O", 3000, 1, 2),  # A
        _release("O", 2000, 1, 1),  # B: due on day 1
        _release("O", 1000, 2, 3),  # C: no room on day 2, picked up on day 3
    ]
    plan = greedy_pickups(
        compile_problem(_chain(), _scenario(3)), releases, parameters=FULL_MARGINS
    )
    assert _picked(plan) == [{1: 400.0, 2: 2600.0}, {1: 2000.0}, {3: 1000.0}]
    assert plan.delay_parcel_days == pytest.approx(2600 + 1000)
    assert not plan.within_capacity
    assert [(item.node, item.kind, item.start.date(), item.excess) for item in plan.shortfalls] == [
        ("H", "sorting", _day(2), pytest.approx(200.0))
    ]
    assert plan.overflow == pytest.approx(200.0)


def test_greedy_within_limits_has_no_delay_when_everything_fits() -> None:
    """When every release fits on its release day, greedy picks everything up then."""
    releases = [_release("O", 2000, 1, 3), _release("O", 2400, 2, 2), _release("O", 100, 3, 4)]
    plan = greedy_pickups(
        compile_problem(_chain(), _scenario(3)), releases, parameters=FULL_MARGINS
    )
    assert plan.within_capacity
    assert plan.delay_parcel_days == pytest.approx(0.0)
    assert _picked(plan) == [{1: 2000.0}, {2: 2400.0}, {3: 100.0}]


def test_greedy_returns_the_programs_plan_type_and_node_loads() -> None:
    """Greedy's plan carries quotas and node loads like the program's, for the same rows."""
    releases = [_release("O", 3000, 1, 2), _release("O", 1000, 2, 3)]
    network, scenario = _chain(), _scenario(3)
    problem = compile_problem(network, scenario)
    greedy = greedy_pickups(problem, releases, parameters=FULL_MARGINS)
    optimal = plan_pickups(problem, releases, parameters=FULL_MARGINS)
    assert [(q.origin, q.day) for q in greedy.quotas] == [(q.origin, q.day) for q in optimal.quotas]
    assert sum(q.quota for q in greedy.quotas) == pytest.approx(4000.0)
    hub = next(load for load in greedy.node_loads if load.node == "H")
    assert hub.peak_sorting_before == pytest.approx(3000 / 2400)
    assert hub.peak_sorting_after == pytest.approx(1.0)
    assert greedy.statistics.columns == len(greedy.quotas)


def test_program_beats_greedy_where_a_release_loads_two_hubs() -> None:
    """Worked by hand: greedy takes OA first (loading H1 and H2) and delays OB and OC, 4,800
    parcel-days; the program delays OA instead, 2,400."""
    releases = [
        _release("OA", 2400, 1, 2, "ZTO"),
        _release("OB", 2400, 1, 2, "YTO"),
        _release("OC", 2400, 1, 2, "STO"),
    ]
    network, scenario = _two_hubs(), _scenario(2)
    problem = compile_problem(network, scenario)
    greedy = greedy_pickups(problem, releases, parameters=DELAY_ONLY)
    optimal = plan_pickups(problem, releases, parameters=DELAY_ONLY)
    assert greedy.within_capacity
    assert optimal.within_capacity
    assert _picked(greedy) == [{1: 2400.0}, {2: 2400.0}, {2: 2400.0}]
    assert greedy.delay_parcel_days == pytest.approx(4800.0)
    assert optimal.delay_parcel_days == pytest.approx(2400.0, abs=0.01)


CASES = [
    [("O", 3000, 1, 3), ("O", 2000, 2, 3), ("O", 1000, 2, 4)],
    [("O", 1000, 1, 2), ("O", 1000, 1, 3), ("O", 1000, 2, 2), ("O", 1500, 3, 4)],
    [("OA", 1500, 1, 3, "ZTO"), ("OB", 2000, 1, 2, "YTO"), ("OC", 1200, 2, 3, "STO")],
    [("OA", 2400, 1, 2, "ZTO"), ("OB", 2400, 1, 2, "YTO"), ("OC", 2400, 1, 2, "STO")],
    [("OA", 800, 1, 3, "ZTO"), ("OB", 2000, 2, 3, "YTO"), ("OC", 2300, 1, 1, "STO")],
]


def _network_for(case: list[tuple[object, ...]]) -> Network:
    return _chain() if case[0][0] == "O" else _two_hubs()


@pytest.mark.parametrize("case", CASES)
def test_program_delay_is_never_worse_than_greedy_when_both_fit(
    case: list[tuple[object, ...]],
) -> None:
    """With delay the only objective, a greedy plan within capacity is one the program could
    choose, so the program's delay is no larger."""
    releases = [_release(*item) for item in case]  # type: ignore[arg-type]
    network, scenario = _network_for(case), _scenario(3)
    problem = compile_problem(network, scenario)
    greedy = greedy_pickups(problem, releases, parameters=DELAY_ONLY)
    optimal = plan_pickups(problem, releases, parameters=DELAY_ONLY)
    if greedy.within_capacity and optimal.within_capacity:
        assert optimal.delay_parcel_days <= greedy.delay_parcel_days + 0.01
    assert optimal.overflow <= greedy.overflow + 0.01


@pytest.mark.parametrize("seed", range(6))
def test_greedy_exceeds_a_limit_only_with_pickups_on_latest_days(seed: int) -> None:
    """Pickups before a release's latest day, on their own, keep every row within its limit."""
    generator = np.random.default_rng(seed)
    network, scenario = _two_hubs(), _scenario(4)
    carriers = {"OA": "ZTO", "OB": "YTO", "OC": "STO"}
    releases = []
    for origin, carrier in carriers.items():
        for released in range(1, 5):
            latest = released + int(generator.integers(0, 3))
            parcels = float(generator.integers(0, 2400))
            releases.append(_release(origin, parcels, released, latest, carrier))
    problem = compile_problem(network, scenario)
    plan = greedy_pickups(problem, releases, parameters=FULL_MARGINS)
    basis = load_basis(problem, releases, FULL_MARGINS)
    every_hour = np.ones(basis.background_backlog.shape, dtype=bool)
    model = build_load_model(basis, problem, FULL_MARGINS, extra_checked=every_hour)
    early = np.zeros(len(model.quota_origin))
    for index, (release, pickups) in enumerate(plan.release_pickups):
        last = min(release.latest_day, _day(5))
        for moment, amount in pickups.items():
            if moment < last:
                early[model.quota_of_release[index] + (moment - release.release_day).days] += amount
    load = model.row_background + model.load_matrix() @ early
    assert np.all(load <= model.row_limit + 1e-6)
    assert sum(sum(p.values()) for _r, p in plan.release_pickups) == pytest.approx(
        sum(release.parcels for release in releases)
    )
