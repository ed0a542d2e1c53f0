"""Unauthorised stops and quota deviations, on a hand-built week worked out by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from peakguard.cases.stops import (
    ApprovedClosure,
    DeviationKind,
    NodeDay,
    NormalSource,
    QuotaTolerance,
    StopKind,
    StopPolicy,
    SupervisedNode,
    day_window,
    judge_node,
    judge_quota,
    stop_reason,
)
from peakguard.domain.network import NodeKind
from peakguard.errors import InvalidInputError
from peakguard.i18n import render

WEEK = [date(2026, 11, 5) + timedelta(days=n) for n in range(7)]
"""5 to 11 November: six ordinary days, then Double 11 (the day judged)."""
ORDINARY = [100, 90, 110, 100, 95, 105]
"""An outlet's acceptances on the six ordinary days: median 100 (the normal day)."""


def outlet(node_id: str = "O1", declared: int = 100) -> SupervisedNode:
    return SupervisedNode(node_id, NodeKind.outlet, "ZTO", "510104", declared, "sichuan")


def station(node_id: str = "S1") -> SupervisedNode:
    return SupervisedNode(node_id, NodeKind.station, "ZTO", "510104", 100, "sichuan")


def accepted(counts: list[int]) -> list[NodeDay]:
    return [NodeDay(day, accepted=count) for day, count in zip(WEEK, counts, strict=True)]


def test_an_outlet_that_accepts_nothing_on_an_ordinary_week_is_flagged_with_its_figures() -> None:
    """Six days around 100, then 0: one stop, on the 11th, against the median 100 of its own
    days, flagged (no closure), the reason naming 0 against 100."""
    stops = judge_node(outlet(), accepted([*ORDINARY, 0]), observed=WEEK)
    assert len(stops) == 1
    stop = stops[0]
    assert (stop.day, stop.kind, stop.count, stop.normal) == (WEEK[-1], StopKind.pickup, 0, 100)
    assert stop.normal_source is NormalSource.own_days
    assert stop.flagged
    reason = render(stop_reason(stop), "en")
    assert "0 parcels accepted against a normal day of 100 (0 %)" in reason
    assert "no approved closure" in reason


def test_a_stop_inside_an_approved_closure_is_listed_but_not_flagged() -> None:
    """The same stop while a declared closure of the outlet covers 18:00 on the 10th to 06:00
    on the 11th (China time): excused, with the closure named."""
    first, _last = day_window(WEEK[-1])
    closure = ApprovedClosure(
        first - timedelta(hours=6), first + timedelta(hours=6), "road cut", node="O1"
    )
    other = ApprovedClosure(first, first + timedelta(days=1), "elsewhere", node="O9")
    stops = judge_node(outlet(), accepted([*ORDINARY, 0]), observed=WEEK, closures=[other, closure])
    assert [stop.authorised_by for stop in stops] == ["road cut"]
    assert not stops[0].flagged


def test_an_area_closure_excuses_the_nodes_inside_it_only() -> None:
    """A closure of Chengdu (510100) excuses an outlet in 510104, not one in Mianyang."""
    first, last = day_window(WEEK[-1])
    area = ApprovedClosure(first, last, "epidemic control", region="510100")
    assert area.covers(outlet(), WEEK[-1])
    mianyang = SupervisedNode("O2", NodeKind.outlet, "ZTO", "510703", 100)
    assert not area.covers(mianyang, WEEK[-1])
    assert not area.covers(outlet(), WEEK[-2])


def test_normal_low_days_are_not_stops() -> None:
    """60 on a normal day of 100 is low but above 20 %; a small outlet (normal 10 < 20) at 0 is
    not judged; a day the carrier sent no scans at all is not judged."""
    assert judge_node(outlet(), accepted([*ORDINARY, 60]), observed=WEEK) == []
    small = [10, 10, 10, 10, 10, 10, 0]
    assert judge_node(outlet(declared=10), accepted(small), observed=WEEK) == []
    assert judge_node(outlet(), accepted([*ORDINARY, 0]), observed=WEEK[:-1]) == []


def test_a_stop_does_not_lower_the_normal_of_the_days_after_it() -> None:
    """Zeros on the 9th, 10th and 11th: three stops, each against the median of the four
    ordinary days before them (100, 90, 110, 100: median 100), never against the zeros."""
    counts = [100, 90, 110, 100, 0, 0, 0]
    stops = judge_node(outlet(), accepted(counts), observed=WEEK)
    assert [(stop.day, stop.normal) for stop in stops] == [(day, 100.0) for day in WEEK[4:]]


def test_a_new_outlet_is_judged_against_its_declared_volume() -> None:
    """Two days of history are too few: the network's declared 80 a day is the normal day."""
    stops = judge_node(outlet(declared=80), accepted([0, 0, 0, 0, 0, 0, 0])[:1], observed=WEEK[:1])
    assert [(stop.normal, stop.normal_source) for stop in stops] == [(80.0, NormalSource.declared)]


def test_an_overstated_declared_volume_gives_way_to_the_outlets_own_days() -> None:
    """Declared 3000 a day but 30 accepted every day: the first days are low against 3000,
    yet enter the history, so from the fourth day on the normal day is 30 and nothing on the
    11th is a stop."""
    stops = judge_node(outlet(declared=3000), accepted([30] * 7), observed=WEEK)
    assert [stop.day for stop in stops] == WEEK[:3]
    assert all(stop.normal_source is NormalSource.declared for stop in stops)


def test_a_station_stops_delivering_only_while_parcels_keep_arriving() -> None:
    """Deliveries 0 with 80 arrivals: a stop of delivery; deliveries 0 with nothing arriving
    (the hub upstream was closed): not the station's stop."""
    ordinary = [NodeDay(day, delivered=100, arrived=100) for day in WEEK[:-1]]
    stopped = judge_node(
        station(), [*ordinary, NodeDay(WEEK[-1], delivered=0, arrived=80)], observed=WEEK
    )
    assert [(stop.kind, stop.count, stop.arrived) for stop in stopped] == [
        (StopKind.delivery, 0, 80)
    ]
    starved = judge_node(station(), [*ordinary, NodeDay(WEEK[-1])], observed=WEEK)
    assert starved == []


def test_an_outlet_its_carrier_reports_closed_is_listed_with_the_report() -> None:
    """The carrier's daily report names the outlet closed on the 11th and no closure was
    approved: flagged, the report named in the reason."""
    stops = judge_node(
        outlet(),
        accepted([*ORDINARY, 0]),
        observed=WEEK,
        reported_closed={WEEK[-1]: "ZTO 2026-11-11 v1"},
    )
    assert [stop.reported_closed for stop in stops] == ["ZTO 2026-11-11 v1"]
    assert "reported closed by the carrier" in render(stop_reason(stops[0]), "en")


@pytest.mark.parametrize(
    ("quota", "picked_up", "kind", "allowed"),
    [
        (1000, 1150, DeviationKind.over, 100.0),  # 10 % of 1000 = 100 < 150 over
        (1000, 1080, DeviationKind.within, 100.0),
        (1000, 850, DeviationKind.under, 100.0),
        (50, 75, DeviationKind.over, 20.0),  # 10 % of 50 = 5: the 20-parcel floor applies
        (50, 70, DeviationKind.within, 20.0),
        (0, 21, DeviationKind.over, 20.0),  # picked up on a day the plan gave no quota
    ],
)
def test_pickups_against_a_quota_by_hand(
    quota: float, picked_up: int, kind: DeviationKind, allowed: float
) -> None:
    """The tolerance is the larger of 10 % of the quota and 20 parcels."""
    found = judge_quota("O1", "ZTO", WEEK[-1], quota=quota, released=quota, picked_up=picked_up)
    assert (found.kind, found.allowed, found.difference) == (kind, allowed, picked_up - quota)


def test_policies_refuse_nonsense() -> None:
    """A share of 0 or a negative tolerance is refused at its field."""
    with pytest.raises(InvalidInputError) as stop:
        StopPolicy(stop_share=0)
    assert [problem.location for problem in stop.value.problems] == ["stop_share"]
    with pytest.raises(InvalidInputError) as quota:
        QuotaTolerance(parcels=-1)
    assert [problem.location for problem in quota.value.problems] == ["parcels"]


def test_day_window_is_china_time() -> None:
    """The 11th runs from 16:00 UTC on the 10th to 16:00 UTC on the 11th."""
    first, last = day_window(WEEK[-1])
    assert first == datetime.fromisoformat("2026-11-10T16:00:00+00:00")
    assert last - first == timedelta(days=1)
