"""plan_pickups against cases worked out by hand, infeasible inputs, fairness, bad input."""

from __future__ import annotations

from datetime import datetime

import pytest

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError
from peakguard.optimize import stagger
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import OrderRelease, StaggerParameters
from peakguard.optimize.stagger import PickupPlan, plan_pickups

from .conftest import CARRIERS, DAY1, day, lane, node, release, scenario

FULL_MARGINS = StaggerParameters(sorting_margin=1.0, storage_margin=1.0)
"""The plan may use all of H's 2,400 parcels a day, so the hand arithmetic stays round."""
NO_FAIRNESS = StaggerParameters(
    sorting_margin=1.0, storage_margin=1.0, carrier_fairness=0.0, origin_fairness=0.0
)
FAIR_ORIGINS = StaggerParameters(
    sorting_margin=1.0, storage_margin=1.0, carrier_fairness=0.0, origin_fairness=0.25
)
FAIR_CARRIERS = StaggerParameters(
    sorting_margin=1.0, storage_margin=1.0, carrier_fairness=0.25, origin_fairness=0.0
)


def _quotas(plan: PickupPlan) -> dict[tuple[str, int], float]:
    """(origin, day number) → quota, day 1 = Double 11."""
    return {(q.origin, (q.day - DAY1).days + 1): q.quota for q in plan.quotas}


def _picked(plan: PickupPlan) -> list[dict[int, float]]:
    """Per release, day number → parcels picked up (crumbs below a tenth of a parcel left
    out: the second phase may use the solver's 0.001-parcel slack on a row)."""
    return [
        {(moment - DAY1).days + 1: amount for moment, amount in pickups.items() if amount > 0.1}
        for _, pickups in plan.release_pickups
    ]


def near(expected: object) -> object:
    """Equal up to a hundredth of a parcel (HiGHS tolerances and the phase-2 slack)."""
    return pytest.approx(expected, abs=1e-2)


def test_a_day_over_capacity_spills_into_the_next_day_by_hand(small_hub: Network) -> None:
    """3,000 released on day 1 (pickable on day 1 or 2) and 1,000 on day 2, into a hub that
    sorts 2,400 a day: the least delay takes 2,400 on day 1 and the other 600 on day 2.

    H's day-d load is exactly day d's quota (see ``hub_chain``). Day 1 can take at most 2,400,
    so at least 3,000 − 2,400 = 600 parcels wait a day: delay ≥ 600 parcel-days. Picking
    those 600 and all 1,000 of day 2's release on day 2 loads H with 1,600 ≤ 2,400 and
    reaches the bound, and nothing else reaches it (any of day 2's release picked on day 3,
    or fewer than 2,400 on day 1, adds delay). Quotas: day 1 2,400, day 2 1,600, day 3 0,
    drain day 4 0. Mean delay 600 / 4,000 = 0.15 days.
    """
    releases = [release("O", 3000, 1, 2), release("O", 1000, 2, 3)]
    plan = plan_pickups(compile_problem(small_hub, scenario(3)), releases, parameters=FULL_MARGINS)

    assert plan.within_capacity
    assert plan.shortfalls == []
    assert plan.overflow == 0
    quotas = _quotas(plan)
    assert quotas == near({("O", 1): 2400, ("O", 2): 1600, ("O", 3): 0, ("O", 4): 0})
    assert _picked(plan) == [near({1: 2400, 2: 600}), near({2: 1000})]
    assert plan.delay_parcel_days == near(600)
    assert plan.delayed_parcels == near(600)
    assert plan.parcels == 4000
    assert plan.worst_origin_delay_days == pytest.approx(0.15, abs=1e-6)
    assert plan.worst_carrier_delay_days == pytest.approx(0.15, abs=1e-6)
    released = {(q.origin, (q.day - DAY1).days + 1): q.released for q in plan.quotas}
    assert released == {("O", 1): 3000, ("O", 2): 1000, ("O", 3): 0, ("O", 4): 0}
    # Unplanned, H's fullest day is day 1's 3,000 of 2,400; planned, day 1's 2,400.
    (hub,) = [load for load in plan.node_loads if load.node == "H"]
    assert hub.peak_sorting_before == pytest.approx(3000 / 2400)
    assert hub.peak_sorting_after == pytest.approx(1.0, abs=1e-6)


def test_the_sorting_margin_is_the_limit(small_hub: Network) -> None:
    """With the default margin of 0.95, H may take 0.95 × 2,400 = 2,280 a day, so of 3,000
    released on day 1 (window to day 2) 720 wait a day."""
    plan = plan_pickups(compile_problem(small_hub, scenario(2)), [release("O", 3000, 1, 2)])
    assert plan.within_capacity
    assert _quotas(plan)["O", 1] == near(2280)
    assert plan.delay_parcel_days == near(720)


def test_nothing_moves_when_everything_fits(small_hub: Network) -> None:
    """2,000 a day on each of three days fits H's 2,400: every release on its own day."""
    releases = [release("O", 2000, d, d + 2) for d in (1, 2, 3)]
    plan = plan_pickups(compile_problem(small_hub, scenario(3)), releases, parameters=FULL_MARGINS)
    assert plan.within_capacity
    assert plan.delay_parcel_days == pytest.approx(0, abs=1e-6)
    assert _picked(plan) == [pytest.approx({d: 2000}) for d in (1, 2, 3)]


def test_infeasible_releases_give_the_least_overflow_and_say_where(small_hub: Network) -> None:
    """3,000 that must go on day 1 and 2,000 that may wait to day 2, into 2,400 a day.

    Day 1's load is at least the fixed 3,000, so at least 600 over H's day-1 row; putting
    all 2,000 flexible parcels on day 2 (2,000 ≤ 2,400) reaches exactly that: the least
    overflow is 600, all at H's sorting on day 1 (the shift starting 00:00, 24 hours,
    limit 2,400, load 3,000). Any flexible parcel left on day 1 adds to the overflow, so the
    plan delays all 2,000 by a day (2,000 parcel-days), and every release is picked up in
    full within its window.
    """
    releases = [release("O", 3000, 1, 1), release("O", 2000, 1, 2)]
    plan = plan_pickups(compile_problem(small_hub, scenario(2)), releases, parameters=FULL_MARGINS)

    assert not plan.within_capacity
    (shortfall,) = plan.shortfalls
    assert shortfall.node == "H"
    assert shortfall.kind == "sorting"
    assert shortfall.start == datetime(2024, 11, 11, 0, 0)
    assert shortfall.hours == 24
    assert shortfall.limit == pytest.approx(2400)
    assert shortfall.load == near(3000)
    assert shortfall.excess == near(600)
    assert plan.overflow == near(600)
    assert _picked(plan) == [near({1: 3000}), near({2: 2000})]
    assert plan.delay_parcel_days == near(2000)


def test_overflow_is_spread_where_it_is_least(small_hub: Network) -> None:
    """6,000 released on day 1 with a two-day window into 2,400 a day: days 1 and 2 can take
    4,800, so at least 1,200 overflow, exactly 1,200 when neither day is left below 2,400;
    the least delay among those plans keeps on day 1 as much as it can: 2,400 + 1,200 on
    day 1, 2,400 on day 2, delay 2,400 parcel-days."""
    plan = plan_pickups(
        compile_problem(small_hub, scenario(2)), [release("O", 6000, 1, 2)], parameters=FULL_MARGINS
    )
    assert not plan.within_capacity
    assert plan.overflow == near(1200)
    assert {(s.node, s.kind, s.start.day) for s in plan.shortfalls} == {("H", "sorting", 11)}
    assert _quotas(plan)["O", 1] == near(3600)
    assert plan.delay_parcel_days == near(2400)
    assert sum(_picked(plan)[0].values()) == pytest.approx(6000)


def test_a_closed_hub_day_is_a_shortfall_at_that_hub(small_hub: Network) -> None:
    """H closed all of day 1 has no capacity that day: 1,000 parcels that must be picked up
    on day 1 overflow it by all 1,000 (a ``closed`` shortfall, for a reroute to take), while
    the 500 that may wait go on day 2. No open hub falls short."""
    network = small_hub
    closed = scenario(
        2, closures=[{"node": "H", "start": "2024-11-11T00:00", "end": "2024-11-12T00:00"}]
    )
    releases = [release("O", 1000, 1, 1), release("O", 500, 1, 2)]
    plan = plan_pickups(compile_problem(network, closed), releases, parameters=FULL_MARGINS)
    assert not plan.within_capacity
    (shortfall,) = plan.shortfalls
    assert (shortfall.node, shortfall.kind, shortfall.start, shortfall.hours) == (
        "H",
        "closed",
        datetime(2024, 11, 11, 0, 0),
        24,
    )
    assert shortfall.limit == 0
    assert shortfall.excess == near(1000)
    assert plan.hubs_within_capacity
    assert _picked(plan) == [near({1: 1000}), near({2: 500})]


# Fairness -----------------------------------------------------------------------------


def test_origin_fairness_shares_the_wait_at_no_extra_delay(shared_hub: Network) -> None:
    """O1 releases 3,000 and O2 1,000 on day 1 (window to day 2) into H's 2,400 a day.

    Any plan delays at least 4,000 − 2,400 = 1,600 parcels by a day, and the parcel-weighted
    mean of the two origins' mean delays is 1,600 / 4,000 = 0.4, so the worst origin waits
    at least 0.4 days on average. Both origins waiting 0.4 (O1 1,200, O2 400) reaches both
    bounds at once: it is the unique fair plan, and its total is the least possible, so it is
    the least among plans with that worst delay. Day 1 quotas: O1 1,800, O2 600.
    """
    releases = [release("O1", 3000, 1, 2), release("O2", 1000, 1, 2)]
    fair = plan_pickups(compile_problem(shared_hub, scenario(2)), releases, parameters=FAIR_ORIGINS)
    unfair = plan_pickups(
        compile_problem(shared_hub, scenario(2)), releases, parameters=NO_FAIRNESS
    )

    assert fair.within_capacity and unfair.within_capacity
    assert fair.worst_origin_delay_days <= unfair.worst_origin_delay_days + 1e-6
    assert unfair.worst_origin_delay_days >= 0.4 - 1e-6  # the bound holds for any plan
    assert fair.worst_origin_delay_days == pytest.approx(0.4, abs=1e-4)
    assert fair.delay_parcel_days == near(1600)
    assert unfair.delay_parcel_days == near(1600)
    quotas = _quotas(fair)
    assert quotas["O1", 1] == near(1800)
    assert quotas["O2", 1] == near(600)


def test_carrier_fairness_shares_the_wait_between_carriers(two_carriers: Network) -> None:
    """ZTO releases 3,600 at OZ and YTO 1,200 at OY on day 1 (window to day 2) through the
    shared hub H (2,400 a day): 2,400 wait; the fair plan has each carrier wait
    2,400 / 4,800 = 0.5 days on average (ZTO 1,800, YTO 600) at the least total, 2,400."""
    releases = [
        release("OZ", 3600, 1, 2),
        release("OY", 1200, 1, 2, carrier="YTO"),
    ]
    fair = plan_pickups(
        compile_problem(two_carriers, scenario(2)), releases, parameters=FAIR_CARRIERS
    )
    unfair = plan_pickups(
        compile_problem(two_carriers, scenario(2)), releases, parameters=NO_FAIRNESS
    )
    assert fair.within_capacity
    assert fair.worst_carrier_delay_days <= unfair.worst_carrier_delay_days + 1e-6
    assert fair.worst_carrier_delay_days == pytest.approx(0.5, abs=1e-4)
    assert fair.delay_parcel_days == near(2400)
    picked = _picked(fair)
    assert picked[0].get(2, 0.0) == near(1800)
    assert picked[1].get(2, 0.0) == near(600)
    assert fair.daily_pickups["ZTO"][day(1)] == near(1800)
    assert fair.daily_pickups["YTO"][day(1)] == near(600)


# Bad input ------------------------------------------------------------------------------


def test_bad_releases_list_every_problem_and_plan_nothing(
    two_carriers: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each mistake is reported with its location, all in one error, before any solving."""

    def no_solving(*args: object, **kwargs: object) -> None:
        raise AssertionError("the solver must not run on bad input")

    monkeypatch.setattr(stagger, "Solver", no_solving)
    releases = [
        release("OZ", 100, 1, 2),  # fine
        release("NOWHERE", 100, 1, 2),  # unknown origin
        release("H", 100, 1, 2),  # a hub, not an outlet
        release("OZ", 100, 1, 2, carrier="YTO"),  # OZ is ZTO's
        release("OY", 100, 5, 6, carrier="YTO"),  # day 5 of a 2-day scenario
        release("OZ", 100, 2, 1),  # latest before release
        OrderRelease("OY", "YTO", day(0), day(0), -5),  # before day 1, negative parcels
        OrderRelease("NOWHERE", "ZTO", day(2), day(1), 1),  # three mistakes at once
    ]
    with pytest.raises(InvalidInputError) as caught:
        plan_pickups(compile_problem(two_carriers, scenario(2)), releases)
    locations = [problem.location for problem in caught.value.problems]
    assert sorted(locations) == sorted(
        [
            "releases[1].origin",
            "releases[2].origin",
            "releases[3].carrier",
            "releases[4].release_day",
            "releases[5].latest_day",
            "releases[6].release_day",
            "releases[6].parcels",
            "releases[7].origin",
            "releases[7].latest_day",
        ]
    )
    rendered = [problem.render("en") for problem in caught.value.problems]
    assert any("NOWHERE" in text for text in rendered)
    assert any("ZTO" in text and "YTO" in text for text in rendered)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sorting_margin", 0.0),
        ("sorting_margin", 1.01),
        ("storage_margin", -0.1),
        ("storage_margin", float("nan")),
        ("storage_hours_per_day", 0),
        ("storage_hours_per_day", 25),
        ("carrier_fairness", -0.01),
        ("origin_fairness", -1.0),
        ("time_limit_seconds", 0.0),
    ],
)
def test_out_of_range_parameters_are_refused(field: str, value: float) -> None:
    """A knob outside its range is an InvalidInputError naming that knob."""
    with pytest.raises(InvalidInputError) as caught:
        StaggerParameters(**{field: value})  # type: ignore[arg-type]
    assert [problem.location for problem in caught.value.problems] == [field]


def test_every_bad_parameter_is_listed_at_once() -> None:
    """All six knobs wrong: six problems, one per knob."""
    with pytest.raises(InvalidInputError) as caught:
        StaggerParameters(
            sorting_margin=2,
            storage_margin=0,
            storage_hours_per_day=30,
            carrier_fairness=-1,
            origin_fairness=-1,
            time_limit_seconds=-5,
        )
    assert {problem.location for problem in caught.value.problems} == {
        "sorting_margin",
        "storage_margin",
        "storage_hours_per_day",
        "carrier_fairness",
        "origin_fairness",
        "time_limit_seconds",
    }


def test_the_boundaries_are_accepted() -> None:
    """Margins of exactly 1, 1 or 24 checked hours and zero fairness are valid."""
    StaggerParameters(sorting_margin=1.0, storage_margin=1.0, storage_hours_per_day=1)
    StaggerParameters(storage_hours_per_day=24, carrier_fairness=0.0, origin_fairness=0.0)


# Gaps found while writing these tests (strict xfails: each passes once the gap is closed) --


def test_storage_is_kept_at_hours_a_normal_day_leaves_unchecked() -> None:
    """O1 (1,000 a day, ten pickup rounds 08–17, no releases) fills H for one hour after each
    round: 100 at the end of hours 10–19, the ten fullest hours of a normal day, so the eight
    checked are among them. O2 (10 a day) sends only on a 23:00 lane: its parcels reach H at
    00:00 and are held there at the end of that hour, 10 on a normal day (not among the
    eight). O2 releases 5,000 on day 1 that must go that day: all 5,000 sit at H at the end
    of 00:00 on 12 November, against 0.85 × 1,000 = 850. Expected: not within capacity, a
    storage shortfall at H then of 5,000 − 850 = 4,150. Got: within_capacity, no shortfall."""
    network = Network(
        name="late-trunk",
        carriers=CARRIERS[:1],
        nodes=[
            node("O1", "outlet", daily_volume=1000),
            node("O2", "outlet", daily_volume=10),
            node("H", "hub", storage=1000),
            node("S", "station"),
        ],
        lanes=[lane("O1", "H"), lane("O2", "H", departures=["23:00"]), lane("H", "S")],
    )
    peak = scenario(1, drain_days=1, demand={"pickup_hours": list(range(8, 18))})
    plan = plan_pickups(compile_problem(network, peak), [release("O2", 5000, 1, 1)])
    assert not plan.within_capacity
    (shortfall,) = [s for s in plan.shortfalls if s.kind == "storage"]
    assert (shortfall.node, shortfall.start) == ("H", datetime(2024, 11, 12, 0, 0))
    assert shortfall.excess == near(4150)


@pytest.mark.xfail(
    strict=True,
    reason="phase 2 holds each capacity row's overflow at its phase-1 value (per-row bounds, "
    "not the total), so it keeps phase 1's arbitrary split of the overflow between days and "
    "misses the least delay among the plans with the least total overflow",
)
def test_least_delay_among_all_least_overflow_plans(small_hub: Network) -> None:
    """5,000 released on day 1 (window to day 3) and 4,000 on day 2 (window to day 3) into
    2,400 a day. Days 1–3 take 7,200 of 9,000: at least 1,800 overflow, exactly 1,800 when
    no day is below 2,400. Among those plans the delay is least with the overflow on day 1
    (where only the day-1 release can go): day 1 4,200 (all day-1 parcels, none delayed),
    day 2 800 of the first release + 1,600 of the second, day 3 the other 2,400 of the
    second: delay 800 + 2,400 = 3,200 parcel-days. Got (measured): 2,600 / 4,000 / 2,400,
    the overflow split 200 + 1,600, delay 4,800."""
    releases = [release("O", 5000, 1, 3), release("O", 4000, 2, 3)]
    plan = plan_pickups(compile_problem(small_hub, scenario(3)), releases, parameters=FULL_MARGINS)
    assert plan.overflow == near(1800)
    assert plan.delay_parcel_days == near(3200)
    assert _quotas(plan) == near({("O", 1): 4200, ("O", 2): 2400, ("O", 3): 2400, ("O", 4): 0})


def test_no_releases_give_an_empty_plan_or_a_clear_error(small_hub: Network) -> None:
    """An empty list of releases is either nothing to plan (no quotas, inside capacity) or
    an InvalidInputError; not a ValueError from NumPy."""
    try:
        plan = plan_pickups(compile_problem(small_hub, scenario(2)), [])
    except InvalidInputError:
        return
    assert plan.quotas == []
    assert plan.within_capacity


def test_infinite_parcels_are_refused(small_hub: Network) -> None:
    """A release of infinitely many parcels is a located input error."""
    with pytest.raises(InvalidInputError) as caught:
        plan_pickups(compile_problem(small_hub, scenario(2)), [release("O", float("inf"), 1, 2)])
    assert [p.location for p in caught.value.problems] == ["releases[0].parcels"]


@pytest.mark.parametrize("field", ["carrier_fairness", "origin_fairness", "time_limit_seconds"])
def test_nan_parameters_are_refused(field: str) -> None:
    """NaN is not a weight or a time limit."""
    with pytest.raises(InvalidInputError) as caught:
        StaggerParameters(**{field: float("nan")})  # type: ignore[arg-type]
    assert [problem.location for problem in caught.value.problems] == [field]
