"""The duty desk's records on each engine: two roster editors from one version (the second
is refused), a handover that lists the open alerts, and complaint reminders turned into
alerts once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from peakguard.app.alerts import alert_case_reminders, alert_message, office_alerts
from peakguard.app.case_sweep import sweep_cases
from peakguard.app.cases import open_case
from peakguard.app.duty import (
    WatchInput,
    accept_handover,
    duty_now,
    get_roster,
    hand_over,
    set_roster,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import ConflictError, StaleRecordError
from peakguard.i18n import render
from peakguard.identity.model import Permission
from tests.integration import test_duty_alerts
from tests.integration.test_case_workflow import appeal
from tests.integration.test_duty_alerts import TEN_PM, Desk, _late_report, principal

CST = CHINA_STANDARD_TIME
desk = test_duty_alerts.desk
"""The Sichuan office with its Double 11 night watch (the fixture of test_duty_alerts)."""
DAY = date(2026, 11, 12)


def test_two_roster_editors_from_one_version_the_second_is_refused(desk: Desk) -> None:
    """Both read version 0; the first saves the 12th's day shift, the second gets a conflict
    and the first's roster stands."""
    manager = principal(desk.store, "chief", Permission.duty_manage)
    read = get_roster(desk.store, manager, first=DAY, last=DAY)
    first = [WatchInput(DAY, "day", "leader", ("first", "second"))]
    second = [WatchInput(DAY, "day", "chief", ("second",))]
    saved = set_roster(
        desk.store, manager, first=DAY, last=DAY, watches=first, expected_version=read.version
    )
    with pytest.raises(StaleRecordError):
        set_roster(
            desk.store, manager, first=DAY, last=DAY, watches=second, expected_version=read.version
        )
    now = duty_now(desk.store, manager, now=datetime(2026, 11, 12, 9, tzinfo=CST))
    assert saved.version == read.version + 1
    assert now.current is not None
    assert [p.username for p in now.current.officers] == ["first", "second"]
    assert now.next is not None and now.next.shift == "night" and not now.next.staffed


def test_a_handover_lists_the_open_alerts_and_is_accepted_once(desk: Desk) -> None:
    """At 07:50 the night officer hands over with the late-report alert open; the day
    officer accepts; a second acceptance is refused."""
    alert_id = _late_report(desk)
    outgoing, incoming = principal(desk.store, "first"), principal(desk.store, "second")
    morning = TEN_PM + timedelta(hours=9, minutes=50)
    handed = hand_over(desk.store, outgoing, to="second", note="ZTO report pending", now=morning)
    assert handed.open_alerts == (alert_id,)
    accepted = accept_handover(desk.store, incoming, handed.id, now=morning)
    assert accepted.accepted_at == morning
    with pytest.raises(ConflictError):
        accept_handover(desk.store, incoming, handed.id, now=morning)


def test_complaint_reminders_become_alerts_once(desk: Desk) -> None:
    """A Chengdu appeal's registration reminder (swept 11-18 09:00) becomes one alert to the
    office's duty, however often the reminders are alerted."""
    handler = principal(desk.store, "first", Permission.case_handle, Permission.case_read)
    received = datetime(2026, 11, 16, 10, tzinfo=CST)
    open_case(desk.store, appeal(received), actor=handler, now=received)
    sweep_cases(desk.store, now=datetime(2026, 11, 18, 9, tzinfo=CST))
    assert alert_case_reminders(desk.store, now=datetime(2026, 11, 18, 9, 5, tzinfo=CST)) == 1
    assert alert_case_reminders(desk.store, now=datetime(2026, 11, 18, 9, 6, tzinfo=CST)) == 0
    raised = office_alerts(desk.store, handler)
    assert [(alert.kind, alert.subject[:7]) for alert in raised] == [("case.reminder", "case:SS")]
    assert raised[0].delivered_to == desk.leader  # nobody rostered: the first director
    # The officer reads which clock in words, not its rule key.
    summary = render(alert_message(raised[0]), "en")
    assert "Register the appeal" in summary
    assert "appeal.register" not in summary
