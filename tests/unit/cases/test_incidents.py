"""The incident's reports and its blockage clock, checked against the transition table and
hand-worked deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from peakguard.app.announcements import HOTLINE, LANGUAGES, draft_texts
from peakguard.cases.clocks import Basis, load_clock_rules
from peakguard.cases.incidents import (
    BLOCKAGE_REPORT,
    ClockOutcome,
    IncidentState,
    ReportKind,
    allowed,
    blockage_due,
    check_figures,
    clock_outcome,
    declares_blockage,
    opening,
    stops_blockage_clock,
    transition,
)
from peakguard.cases.model import Side
from peakguard.errors import IllegalTransitionError, InvalidInputError
from peakguard.store.incidents import IncidentRecord

CHINA = ZoneInfo("Asia/Shanghai")
BLOCKED = datetime(2026, 11, 11, 22, 30, tzinfo=CHINA)


def test_the_rule_is_24_hours_from_article_39() -> None:
    """The packaged blockage rule: 24 hours, cited to 快递市场管理办法 第三十九条."""
    rule = load_clock_rules()[BLOCKAGE_REPORT]
    assert (rule.limit, rule.basis, rule.source) == (24, Basis.hours, "快递市场管理办法 第三十九条")


def test_the_clock_is_due_24_hours_after_the_blockage_rest_days_included() -> None:
    """Blocked Wed 11 Nov 22:30 → due Thu 12 Nov 22:30; blocked Sat 31 Oct → due Sun 1 Nov."""
    rule = load_clock_rules()[BLOCKAGE_REPORT]
    assert blockage_due(rule, BLOCKED) == datetime(2026, 11, 12, 22, 30, tzinfo=CHINA)
    saturday = datetime(2026, 10, 31, 9, tzinfo=CHINA)
    assert blockage_due(rule, saturday) == datetime(2026, 11, 1, 9, tzinfo=CHINA)


def test_a_first_report_at_the_deadline_is_in_time_and_one_after_is_late() -> None:
    """Reported at the deadline exactly: met; a second later: breached; none yet: running until
    the deadline and breached after it."""
    due = BLOCKED + timedelta(hours=24)
    second = timedelta(seconds=1)
    assert clock_outcome(due, due, due + timedelta(days=3)) is ClockOutcome.met
    assert clock_outcome(due, due + second, due + second) is ClockOutcome.breached
    assert clock_outcome(due, None, due) is ClockOutcome.running
    assert clock_outcome(due, None, due + second) is ClockOutcome.breached


def test_the_reports_follow_the_table_only() -> None:
    """record → first → follow-ups → final; a closed incident takes only corrections; the
    first and final reports are the carrier's."""
    assert opening(Side.carrier) == (ReportKind.first, IncidentState.reported)
    assert opening(Side.regulator) == (ReportKind.record, IncidentState.recorded)
    assert transition("recorded", "first", Side.carrier).target is IncidentState.reported
    assert transition("reported", "follow_up", Side.regulator).target is IncidentState.reported
    assert transition("reported", "final", None).target is IncidentState.closed
    assert allowed("closed") == ("correction",)
    with pytest.raises(IllegalTransitionError) as refused:
        transition("closed", "follow_up", Side.carrier)
    assert refused.value.allowed == ("correction",)
    with pytest.raises(IllegalTransitionError):
        transition("recorded", "first", Side.regulator)
    with pytest.raises(IllegalTransitionError):
        transition("reported", "first", Side.carrier)


def test_only_the_carriers_reports_meet_the_blockage_clock() -> None:
    """The carrier's first report, follow-up or final report meets it; the administration's
    reports and corrections do not; a blockage is declared by a first report or a follow-up."""
    assert stops_blockage_clock("first", Side.carrier) and stops_blockage_clock("final", None)
    assert stops_blockage_clock("follow_up", Side.carrier)
    assert not stops_blockage_clock("follow_up", Side.regulator)
    assert not stops_blockage_clock("correction", Side.carrier)
    assert [kind for kind in ReportKind if declares_blockage(kind)] == ["first", "follow_up"]


def test_figures_are_whole_numbers_of_known_names() -> None:
    """Each wrong figure is located by its name."""
    assert check_figures({"parcels_held": 120_000}) == {"parcels_held": 120_000}
    with pytest.raises(InvalidInputError) as wrong:
        check_figures({"parcels_held": -1, "trucks": 3, "outlets_affected": True})
    assert [problem.location for problem in wrong.value.problems] == [
        "figures.parcels_held",
        "figures.trucks",
        "figures.outlets_affected",
    ]


def test_the_announcement_draft_names_area_services_period_and_hotline() -> None:
    """The draft says which area, which services, since when and until when (China time), what
    customers should expect, and keeps the hotline placeholder, in both languages."""
    incident = IncidentRecord(
        id=1, reference="SJ2026-000001", incident_type="road_cut", state="reported",
        carrier="ZTO", region="510700", reporting_organisation_id=None,
        reporting_organisation="zto-sc", network="chengdu-mianyang", nodes=("ZTO-MY-HUB",),
        period_start=BLOCKED, period_end=BLOCKED + timedelta(days=1), blocked=True,
        blocked_at=BLOCKED, description="", announcement=None, reroute=None, version=1,
        opened_by="x", created_at=BLOCKED, updated_at=BLOCKED, closed_at=None,
    )  # fmt: skip
    texts = draft_texts(incident, "ZTO-MY-HUB")
    assert set(texts) == set(LANGUAGES)
    english = texts["en"]
    for part in ("road cut", "ZTO", "ZTO-MY-HUB", "510700", "2026-11-11 22:30",
                 "2026-11-12 22:30", "Pickup and delivery", HOTLINE):  # fmt: skip
        assert part in english
    assert HOTLINE in texts["zh_CN"] and "510700" in texts["zh_CN"]
