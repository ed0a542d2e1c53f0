"""The demo season's complaints and appeals: drawn at the stated rates, deterministic for a
seed, received after the problem they are about, with fake personal data, and every state of
both workflows on the desk."""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peakguard.cases.machines import states, step
from peakguard.cases.model import CaseKind, Category, RejectionReason
from peakguard.demo.complaints import (
    ComplaintParameters,
    ControlledArea,
    PlannedCase,
    SeasonComplaints,
    season_complaints,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME as CHINA

END = datetime(2026, 11, 21, tzinfo=CHINA)
"""The demo season's end: 6–17 November and three days to drain."""
CLOSURE = ControlledArea(
    "5106", datetime(2026, 11, 12, tzinfo=CHINA), datetime(2026, 11, 13, tzinfo=CHINA)
)
"""Deyang (5106…) closed on 12 November, as the demo's scenario closes its ZTO hub."""


def parcels(
    late: int, undelivered: int, in_time: int, *, start: int = 0, region: str = "510104"
) -> pa.Table:
    """A season's parcels, accepted on the hour from 5 November 08:00 (one hour apart, cycling
    over ten days), each due 48 hours later; a late one arrives 20 hours after it was due, an
    in-time one 10 hours before. Carriers alternate ZTO and SF; all go to ``region``."""
    rows: dict[str, list[object]] = {
        key: []
        for key in (
            "waybill",
            "carrier",
            "origin_region",
            "destination_region",
            "accepted_at",
            "due_at",
            "delivered_at",
            "late",
        )
    }
    first = datetime(2026, 11, 5, 8, tzinfo=CHINA)
    kinds = ["late"] * late + ["undelivered"] * undelivered + ["in_time"] * in_time
    for number, kind in enumerate(kinds, start=start):
        accepted = first + timedelta(hours=number % 240)
        due = accepted + timedelta(hours=48)
        delivered = {"late": due + timedelta(hours=20), "in_time": due - timedelta(hours=10)}
        carrier = "ZTO" if number % 2 == 0 else "SF"
        rows["waybill"].append(f"{carrier}{number:012d}")
        rows["carrier"].append(carrier)
        rows["origin_region"].append("440106")
        rows["destination_region"].append(region)
        rows["accepted_at"].append(accepted)
        rows["due_at"].append(due)
        rows["delivered_at"].append(delivered.get(kind))
        rows["late"].append(kind != "in_time")
    moment = pa.timestamp("us", tz="UTC")
    schema = pa.schema(
        [
            ("waybill", pa.string()),
            ("carrier", pa.string()),
            ("origin_region", pa.string()),
            ("destination_region", pa.string()),
            ("accepted_at", moment),
            ("due_at", moment),
            ("delivered_at", moment),
            ("late", pa.bool_()),
        ]
    )
    return pa.table(rows, schema=schema)


def problem_moment(table: pa.Table) -> dict[str, datetime]:
    """When each parcel's problem showed, from the table itself: its limit ran out (late or
    undelivered), or it arrived (in time)."""
    found = {}
    for row in table.to_pylist():
        found[row["waybill"]] = row["delivered_at"] if not row["late"] else row["due_at"]
    return found


@pytest.fixture(scope="module")
def busy_season() -> tuple[pa.Table, SeasonComplaints]:
    """A congested season of 6,000 parcels (half late, a sixth undelivered) with rates high
    enough for a few hundred complaints, some from Deyang during its closure."""
    table = pa.concat_tables(
        [
            parcels(3000, 1000, 1000),
            parcels(600, 200, 200, start=5000, region="510603"),
        ]
    )
    rates = ComplaintParameters(late_rate=0.06, undelivered_rate=0.08, service_rate=0.02)
    return table, season_complaints(table, end=END, seed=7, parameters=rates, controlled=[CLOSURE])


def held(cases: tuple[PlannedCase, ...]) -> Counter[tuple[CaseKind, str]]:
    """The states held at the season's end, a complaint an appeal follows being escalated."""
    followed = {case.follows for case in cases if case.follows}
    return Counter(
        (case.kind, "escalated" if case.key in followed else case.state()) for case in cases
    )


def test_the_same_seed_gives_the_same_cases_whatever_the_rows_order() -> None:
    """Deterministic for a seed, and independent of the order the lake returned the rows in;
    another seed gives another season."""
    table = parcels(400, 100, 300)
    rates = ComplaintParameters(late_rate=0.1, undelivered_rate=0.1, service_rate=0.02)
    first = season_complaints(table, end=END, seed=3, parameters=rates)
    reversed_rows = table.take(pa.array(range(table.num_rows - 1, -1, -1)))
    again = season_complaints(reversed_rows, end=END, seed=3, parameters=rates)
    other = season_complaints(table, end=END, seed=4, parameters=rates)
    assert first.cases and first == again
    assert other.cases != first.cases


def binomial_bounds(n: int, p: float, z: float = 4.5) -> tuple[float, float]:
    """The count of successes of ``n`` trials of chance ``p`` lies within ``z`` standard
    deviations of ``np`` but for a chance of about 1 in 150,000."""
    mean, spread = n * p, math.sqrt(n * p * (1 - p))
    return mean - z * spread, mean + z * spread


def test_complaints_are_drawn_at_the_stated_rates() -> None:
    """With the default parameters, each class of problem complains at its stated rate: the
    counts lie within the binomial bounds of 100,000 late, 40,000 undelivered and 300,000
    in-time parcels (expected 150, 120 and 30)."""
    table = parcels(100_000, 40_000, 300_000)
    stated = ComplaintParameters()
    season = season_complaints(table, end=END, seed=11)
    draws = {draw.problem: draw for draw in season.draws}
    expected = {
        "late": (100_000, stated.late_rate),
        "undelivered": (40_000, stated.undelivered_rate),
        "in_time": (300_000, stated.service_rate),
    }
    for problem, (n, rate) in expected.items():
        low, high = binomial_bounds(n, rate)
        assert draws[problem].parcels == n
        assert draws[problem].rate == rate
        assert low <= draws[problem].complaints <= high, problem


def test_the_valid_share_is_the_published_one() -> None:
    """The share of appeals found valid is February 2022's: 4,298 valid of 27,335 appeals
    (State Post Bureau)."""
    assert ComplaintParameters().valid_share == pytest.approx(4298 / 27335, abs=5e-4)


def test_every_case_comes_after_its_problem_and_by_the_seasons_end(
    busy_season: tuple[pa.Table, SeasonComplaints],
) -> None:
    """A complaint is received after the parcel's limit ran out (or after it arrived, for a
    service complaint), an appeal after the complaint it follows; every step comes after the
    one before, by the season's end."""
    table, season = busy_season
    shown = problem_moment(table)
    by_key = {case.key: case for case in season.cases}
    for case in season.cases:
        assert shown[case.waybill] < case.received_at <= END
        assert case.dispute_on == shown[case.waybill].astimezone(CHINA).date()
        if case.follows:
            complaint = by_key[case.follows]
            assert complaint.received_at < case.received_at
            assert all(move.at < case.received_at for move in complaint.moves)
        moments = [case.received_at, *(move.at for move in case.moves)]
        assert moments == sorted(moments) and len(set(moments)) == len(moments)
        assert moments[-1] <= END


def test_complaints_of_late_parcels_are_about_delay_or_loss(
    busy_season: tuple[pa.Table, SeasonComplaints],
) -> None:
    """A late parcel's complaint is about delay; an undelivered one's about delay or loss
    (loss once it is three days overdue); a parcel in time complains of its service."""
    table, season = busy_season
    kinds = {row["waybill"]: row for row in table.to_pylist()}
    for case in season.cases:
        row = kinds[case.waybill]
        if not row["late"]:
            assert case.category not in (Category.delay, Category.loss)
        elif row["delivered_at"] is not None:
            assert case.category is Category.delay
        else:
            overdue = END - row["due_at"] >= timedelta(hours=72)
            assert case.category is (Category.loss if overdue else Category.delay)


def test_personal_data_is_fake_by_construction(
    busy_season: tuple[pa.Table, SeasonComplaints],
) -> None:
    """Every complainant is a 测试用户 with a number of the demo's 199-0000-xxxx block, written
    with its hyphens, and an address on 演示路 in the complainant's own city."""
    _table, season = busy_season
    for case in season.cases:
        person = case.complainant
        assert re.fullmatch(r"测试用户\d{4}", person.name)
        assert re.fullmatch(r"199-0000-\d{4}", person.phone)
        city = "成都市" if case.region.startswith("5101") else "德阳市"
        assert person.address.startswith("四川省" + city) and "演示路" in person.address


def test_every_state_of_both_workflows_is_held(
    busy_season: tuple[pa.Table, SeasonComplaints],
) -> None:
    """At the season's end the desk shows a case in every state of a complaint and of an
    appeal, rejected and withdrawn appeals included, and a valid finding."""
    _table, season = busy_season
    found = held(season.cases)
    for kind in (CaseKind.complaint, CaseKind.appeal):
        for state in states(kind):
            assert found[(kind, state)] >= 1, (kind, state)
    findings = [
        move for case in season.cases for move in case.moves if move.action == "record_finding"
    ]
    assert any(move.finding_valid for move in findings)


def test_only_appeals_that_skipped_the_carrier_are_rejected(
    busy_season: tuple[pa.Table, SeasonComplaints],
) -> None:
    """An appeal is rejected only when the user went straight to 12305 without complaining
    to the carrier, and says so; one admitted without a complaint says the carrier could not
    be reached."""
    _table, season = busy_season
    appeals = [case for case in season.cases if case.kind is CaseKind.appeal]
    for case in appeals:
        actions = [move.action for move in case.moves]
        if "reject" in actions:
            assert case.follows is None and case.summary.endswith("（未向快递公司投诉）")
            reject = case.moves[actions.index("reject")]
            assert reject.reason is RejectionReason.carrier_not_asked_first
        if "admit" in actions and case.follows is None:
            assert case.summary.endswith("（快递公司客服电话无法接通）")


def test_complaints_from_the_closed_area_are_emergency_work_orders(
    busy_season: tuple[pa.Table, SeasonComplaints],
) -> None:
    """A complaint from Deyang received while it is closed (and 48 hours after) is an
    emergency work order, no other is; one of them has been called back."""
    _table, season = busy_season
    complaints = [case for case in season.cases if case.kind is CaseKind.complaint]
    window_end = CLOSURE.end + timedelta(hours=48)
    for case in complaints:
        inside = case.region.startswith("5106") and (CLOSURE.start <= case.received_at < window_end)
        assert case.emergency is inside, case.key
    emergencies = [case for case in complaints if case.emergency]
    assert emergencies
    assert any("call_back" in [move.action for move in case.moves] for case in emergencies)


def seven_days_later(received: datetime) -> datetime:
    """快递暂行条例 art. 28 by hand: 7 calendar days from the day after receipt, ending at
    midnight China time (the demo season has no rest day that moves it: 5–28 November 2026
    holds no statutory holiday, and a weekend end moves it to the Monday)."""
    last = received.astimezone(CHINA).date() + timedelta(days=7)
    while last.weekday() >= 5:
        last += timedelta(days=1)
    return datetime.combine(last + timedelta(days=1), datetime.min.time(), CHINA)


def test_some_carriers_answer_late(busy_season: tuple[pa.Table, SeasonComplaints]) -> None:
    """Most answers come within the carrier's 7 days, and some after them (a breach)."""
    _table, season = busy_season
    answers = [
        (case, move)
        for case in season.cases
        if case.kind is CaseKind.complaint and not case.emergency
        for move in case.moves
        if move.action == "answer"
    ]
    late = [case for case, move in answers if move.at > seven_days_later(case.received_at)]
    assert answers and 0 < len(late) < len(answers) / 2


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), late=st.integers(0, 120), in_time=st.integers(0, 120))
def test_every_planned_step_is_legal(seed: int, late: int, in_time: int) -> None:
    """For any seed and season, each case's steps are steps its workflow allows from the
    state it is in, an emergency work order closes only after its call-back, and an appeal's
    complaint can still be escalated when the appeal arrives."""
    table = parcels(late, late // 3, in_time)
    rates = ComplaintParameters(late_rate=0.2, undelivered_rate=0.2, service_rate=0.05)
    season = season_complaints(table, end=END, seed=seed, parameters=rates)
    by_key = {case.key: case for case in season.cases}
    for case in season.cases:
        current = states(case.kind)[0]
        for move in case.moves:
            current = step(case.kind, current, move.action, emergency=case.emergency).target
        if case.follows:
            complaint = by_key[case.follows]
            step(CaseKind.complaint, complaint.state(), "escalate", emergency=complaint.emergency)
        if case.emergency and current == "closed":
            assert "call_back" in [move.action for move in case.moves]
    assert all(case.received_at <= END for case in season.cases)
    assert date(2026, 11, 5) <= min(
        (case.dispute_on for case in season.cases), default=date(2026, 11, 5)
    )
