"""The rules of daily volume reports on a hand-built week.

hand_week: 7 days (2026-11-09 to 11-15) × 3 companies — ZTO and SF in Chengdu (510100), YTO in
Mianyang (510700) — each figure chosen so that exactly one thing is wrong with seven reports
(two late, one missing, one of each implausible kind) and every other report is correct,
including one corrected after its deadline and one received at the deadline itself. The
expected reasons are worked by hand in each comment.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from peakguard.cases.daily_reports import (
    DEFAULT_SETTINGS,
    DailyReportSettings,
    Evidence,
    FlagKind,
    ForecastBand,
    HubBacklog,
    Outcome,
    ReportContent,
    ReportKey,
    ScanCounts,
    Submitted,
    assess,
    check_jump,
    content_problems,
    days_due,
    region_problem,
    report_deadline,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError
from peakguard.i18n import render

DAYS = [date(2026, 11, 9) + timedelta(days=offset) for offset in range(7)]
CHENGDU, MIANYANG = "510100", "510700"
ZTO, SF, YTO = ("ZTO", CHENGDU), ("SF", CHENGDU), ("YTO", MIANYANG)


def cst(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA_STANDARD_TIME)


def content(picked: int, delivered: int, hubs: tuple[int, ...], backlog: int | None = None):
    return ReportContent(
        picked_up=picked,
        delivered=delivered,
        backlog=sum(hubs) if backlog is None else backlog,
        staff=40,
        vehicles=12,
        hub_backlogs=tuple(HubBacklog(f"hub-{i}", parcels) for i, parcels in enumerate(hubs)),
    )


def hand_week():
    """The week's reports and evidence; every report is in by 18:00 on its own day unless
    said otherwise."""
    submitted: dict[ReportKey, Submitted] = {}
    evidence: dict[ReportKey, Evidence] = {}
    for day in DAYS:
        zto = ReportKey(*ZTO, day)
        picked = 1300 if day == DAYS[4] else 1000
        submitted[zto] = Submitted(cst(day, 18), 1, content(picked, 900, (120, 80)))
        evidence[zto] = Evidence(ForecastBand(800, 1200), ScanCounts(picked, 900))
        sf = ReportKey(*SF, day)
        if day != DAYS[4]:  # SF's report of 11-13 never comes
            submitted[sf] = Submitted(cst(day, 18), 1, content(500, 450, (100,)))
        scanned = 300 if day == DAYS[1] else 450
        evidence[sf] = Evidence(ForecastBand(400, 600), ScanCounts(500, scanned))
        yto = ReportKey(*YTO, day)
        picked = 1000 if day == DAYS[6] else 300
        backlog = 100 if day == DAYS[3] else None
        hubs = (60, 30) if day == DAYS[3] else ()
        submitted[yto] = Submitted(cst(day, 18), 1, content(picked, 280, hubs, backlog))
        # YTO has no forecast and no scans: those checks cannot be made
    # ZTO's 11-11 report first came at 10:30 the next day, after the 10:00 deadline
    late = ReportKey(*ZTO, DAYS[2])
    submitted[late] = Submitted(cst(DAYS[3], 10, 30), 1, submitted[late].content)
    # YTO's 11-10 report first came at 11:45 on 11-11
    later = ReportKey(*YTO, DAYS[1])
    submitted[later] = Submitted(cst(DAYS[2], 11, 45), 1, submitted[later].content)
    # ZTO's 11-14 report came at 10:00 sharp the next day: in time
    sharp = ReportKey(*ZTO, DAYS[5])
    submitted[sharp] = Submitted(cst(DAYS[6], 10), 1, submitted[sharp].content)
    # SF's 11-14 report was in time; its correction (version 2) came after the deadline
    corrected = ReportKey(*SF, DAYS[5])
    submitted[corrected] = Submitted(cst(DAYS[5], 18), 2, content(510, 450, (100,)))
    expected = [ReportKey(*company, day) for company in (ZTO, SF, YTO) for day in DAYS]
    return expected, submitted, evidence


def rendered(flags):
    return {(f.key.carrier, f.key.day, f.kind, f.version): render(f.reason, "en") for f in flags}


def test_the_week_flags_exactly_the_late_missing_and_implausible_reports_with_their_reasons():
    """Seven flags, each with its hand-computed reason; the other 14 reports get none."""
    expected, submitted, evidence = hand_week()
    found = assess(expected, submitted, evidence, now=cst(date(2026, 11, 16), 12))
    assert rendered(found.flags) == {
        # late: 10:30 − 10:00 = 0 h 30 min
        ("ZTO", DAYS[2], FlagKind.late, 1): "first received 2026-11-12 10:30, 0 h 30 min after "
        "the deadline 2026-11-12 10:00",
        # late: 11:45 − 10:00 = 1 h 45 min
        ("YTO", DAYS[1], FlagKind.late, 1): "first received 2026-11-11 11:45, 1 h 45 min after "
        "the deadline 2026-11-11 10:00",
        # missing: due 11-14 10:00
        ("SF", DAYS[4], FlagKind.missing, 0): "no report received by the deadline 2026-11-14 10:00",
        # forecast: 1300 > 1200
        ("ZTO", DAYS[4], FlagKind.forecast, 1): "1300 picked up, outside the forecast's 95 % "
        "interval [800, 1200]",
        # scans: |450 − 300| = 150 > max(10 % of 300 = 30, 50) = 50
        ("SF", DAYS[1], FlagKind.scans, 1): "delivered: 450 reported, 300 scanned, 150 apart "
        "(tolerance 50)",
        # parts: 60 + 30 = 90 ≠ 100
        ("YTO", DAYS[3], FlagKind.parts, 1): "the 2 hubs' backlogs add up to 90, not to the "
        "total backlog 100",
        # jump: median(300 × 6) = 300; 1000 > 3 × 300 = 900
        ("YTO", DAYS[6], FlagKind.jump, 1): "1000 picked up, over 3 times the median 300 of 6 days",
    }
    thresholds = {(f.key.carrier, f.kind): render(f.threshold, "en") for f in found.flags}
    assert thresholds[("ZTO", FlagKind.forecast)] == "the 95 % interval [800, 1200]"
    assert thresholds[("YTO", FlagKind.jump)] == "×3 the median of the previous 6 days"
    assert thresholds[("SF", FlagKind.missing)] == "2026-11-14 10:00 China time (local policy)"
    assert thresholds[("SF", FlagKind.scans)] == "±max(10% of the scans, 50 parcels)"
    assert thresholds[("YTO", FlagKind.parts)] == "±0 parcels"


def test_a_check_that_cannot_be_made_says_so_rather_than_passing():
    """YTO has no forecast and no scans: those checks are 'not checked', with the reason."""
    expected, submitted, evidence = hand_week()
    found = assess(expected, submitted, evidence, now=cst(date(2026, 11, 16), 12))
    checks = {check.kind: check for check in found.checks[ReportKey(*YTO, DAYS[0])]}
    assert checks[FlagKind.forecast].outcome is Outcome.not_checked
    assert render(checks[FlagKind.forecast].reason, "en") == "not checked: no forecast"
    assert checks[FlagKind.scans].outcome is Outcome.not_checked
    assert render(checks[FlagKind.jump].reason, "en") == (
        "not checked: 0 previous reported days, 3 needed"
    )
    assert checks[FlagKind.parts].outcome is Outcome.passed


def test_nothing_is_flagged_before_its_deadline():
    """At 10:00 sharp on 11-14 the missing SF report of 11-13 is not flagged yet; a minute
    later it is, and the days after 11-13 are still left alone."""
    expected, submitted, evidence = hand_week()
    at_deadline = assess(expected, submitted, evidence, now=cst(DAYS[5], 10))
    assert FlagKind.missing not in {flag.kind for flag in at_deadline.flags}
    after = assess(expected, submitted, evidence, now=cst(DAYS[5], 10, 1))
    assert {(f.key.day, f.kind) for f in after.flags} >= {(DAYS[4], FlagKind.missing)}
    assert max(flag.key.day for flag in after.flags) == DAYS[4]


def test_the_deadline_and_the_days_due_follow_the_settings():
    """10:00 China time the next day by default; a sweep at 09:00 on 11-16 sees up to 11-14."""
    assert report_deadline(DAYS[0]) == cst(DAYS[1], 10)
    settings = DailyReportSettings(deadline_days_after=0, deadline_hour=22, catch_up_days=3)
    assert report_deadline(DAYS[0], settings) == cst(DAYS[0], 22)
    assert days_due(cst(date(2026, 11, 16), 9))[-1] == date(2026, 11, 14)
    assert days_due(cst(date(2026, 11, 16), 23), settings) == [
        date(2026, 11, 14),
        date(2026, 11, 15),
        date(2026, 11, 16),
    ]
    assert len(days_due(cst(date(2026, 11, 16), 9), DEFAULT_SETTINGS)) == 14


def test_figures_and_regions_are_checked_with_their_places():
    """A negative figure, a repeated hub and a district's code are each refused where they are."""
    wrong = ReportContent(
        picked_up=-1,
        delivered=0,
        backlog=5,
        staff=1,
        vehicles=1,
        hub_backlogs=(HubBacklog("h", 2), HubBacklog("h", 3)),
    )
    places = [where for where, _message in content_problems(wrong)]
    assert places == ["picked_up", "hub_backlogs[1].node"]
    assert region_problem("510100") is None
    assert region_problem("510104") is not None
    assert region_problem("510000") is not None


def test_settings_outside_their_range_are_refused():
    """A jump factor of 1 would flag every day: refused, located."""
    with pytest.raises(InvalidInputError) as raised:
        DailyReportSettings.from_toml("[daily_reports]\njump_factor = 1.0\n")
    assert [problem.location for problem in raised.value.problems] == [
        "settings: [daily_reports].jump_factor"
    ]


def test_a_large_median_is_written_in_full() -> None:
    """A median of millions reads as the number, not in exponent notation (1.84472e+06)."""
    content = ReportContent(picked_up=9_000_000, delivered=0, backlog=0, staff=0, vehicles=0)
    check = check_jump(content, [1_844_720] * 7, DEFAULT_SETTINGS)
    reason = render(check.reason, "en")
    assert check.outcome is Outcome.flagged
    assert "1844720" in reason
    assert "e+" not in reason
