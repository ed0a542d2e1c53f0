"""A provincial duty desk's night on each engine: an alert is delivered to the officer on
duty, escalates once however many sweepers run, stops when acknowledged, and is raised once
per dedupe key."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from peakguard.app import accounts
from peakguard.app.alerts import (
    AlertSweepReport,
    acknowledge,
    alert_message,
    raise_alert,
    sweep_alerts,
)
from peakguard.app.context import open_store
from peakguard.cases.duty import Watch
from peakguard.config import Settings
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.i18n import _, render
from peakguard.identity import credentials
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.store.access_tables import OrganisationRow
from peakguard.store.accounts import organisation_of, organisation_row, user_row
from peakguard.store.database import Store, transaction
from peakguard.store.duty import escalations, load_alert, replace_roster

ADMIN = LOCAL_ADMINISTRATOR
NIGHT = date(2026, 11, 11)
TEN_PM = datetime(2026, 11, 11, 22, 0, tzinfo=CHINA_STANDARD_TIME)


@dataclass(frozen=True)
class Desk:
    """The Sichuan office: two duty officers and a leader on the night of 11 November."""

    store: Store
    office: int
    first: int
    second: int
    leader: int
    director: int


PASSWORD = "Pw-duty-q7Rm2xLw9Zt4"
"""Every user's password (the pages and the API log in with it)."""


def build_desk(database_url: str, home: Path) -> Desk:
    """Sichuan's postal administration with its night watch of Double 11 on the roster: two
    duty officers (first, second), a leader on duty and another director (chief)."""
    store = open_store(Settings(database_url=database_url, home=home, language="en"))
    accounts.create_organisation(
        store,
        ADMIN,
        Organisation(
            code="sc-post",
            name="四川省邮政管理局",
            kind=OrganisationKind.regulator,
            level=RegulatorLevel.provincial,
            region="510000",
        ),
    )
    people = {
        "first": "duty_officer",
        "second": "duty_officer",
        "leader": "director",
        "chief": "director",
    }
    for name, role in people.items():
        accounts.create_user(
            store, ADMIN, username=name, organisation="sc-post", roles=[role], password=PASSWORD
        )
    with transaction(store.sessions) as session:
        ids = {name: user_row(session, name).id for name in people}  # type: ignore[union-attr]
        office = organisation_row(session, "sc-post").id  # type: ignore[union-attr]
        night = Watch(NIGHT, "night", ids["leader"], (ids["first"], ids["second"]))
        replace_roster(session, office, NIGHT, NIGHT, [night])
    return Desk(store, office, ids["first"], ids["second"], ids["leader"], ids["chief"])


def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its lowest cost: these tests are about the duty, not passwords."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(credentials, "_HASHER", hasher)


@pytest.fixture
def desk(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    """The Sichuan office (:func:`build_desk`) on each engine."""
    cheap_hashing(monkeypatch)
    built = build_desk(database_url, tmp_path)
    yield built
    built.store.engine.dispose()


def test_an_alert_goes_to_the_first_officer_on_duty(desk: Desk) -> None:
    """Raised at 22:00 on the night shift, the alert is with the first duty officer."""
    alert_id = raise_alert(
        desk.store,
        organisation_id=desk.office,
        kind="report.late",
        subject="report:ZTO-2026-11-11",
        summary=_("the daily report of {carrier} is late", carrier="ZTO"),
        raised_at=TEN_PM,
    )
    with transaction(desk.store.sessions) as session:
        alert = load_alert(session, alert_id)
    assert alert is not None and alert.delivered_to == desk.first
    assert render(alert_message(alert), "en") == "the daily report of ZTO is late"


def test_the_same_dedupe_key_raises_one_alert(desk: Desk) -> None:
    """Raising twice with one dedupe key gives the same alert."""
    ids = {
        raise_alert(
            desk.store,
            organisation_id=desk.office,
            kind="incident.blockage",
            subject="incident:7",
            summary=("network blockage at {node}", {"node": "CD-HUB"}),
            raised_at=TEN_PM + timedelta(minutes=minute),
            dedupe_key="incident.blockage:7",
        )
        for minute in (0, 5)
    }
    assert len(ids) == 1


def _late_report(desk: Desk, key: str | None = None) -> int:
    return raise_alert(
        desk.store,
        organisation_id=desk.office,
        kind="report.late",
        subject="report:ZTO-2026-11-11",
        summary=_("the daily report of {carrier} is late", carrier="ZTO"),
        raised_at=TEN_PM,
        dedupe_key=key,
    )


def test_two_sweepers_at_once_escalate_once(desk: Desk) -> None:
    """Unacknowledged at 22:16, two concurrent sweeps move the alert to the second officer once;
    at 22:32 it reaches the leader on duty."""
    alert_id = _late_report(desk)
    barrier = threading.Barrier(2)
    reports: list[AlertSweepReport] = []

    def sweep() -> None:
        barrier.wait()
        reports.append(sweep_alerts(desk.store, now=TEN_PM + timedelta(minutes=16)))

    threads = [threading.Thread(target=sweep) for _index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.escalations for report in reports) == 1
    sweep_alerts(desk.store, now=TEN_PM + timedelta(minutes=32))
    with transaction(desk.store.sessions) as session:
        alert = load_alert(session, alert_id)
        steps = [(e.step, e.to_user) for e in escalations(session, alert_id)]
    assert steps == [(1, desk.second), (2, desk.leader)]
    assert alert is not None and alert.delivered_to == desk.leader


def test_an_acknowledged_alert_never_escalates(desk: Desk) -> None:
    """The first officer acknowledges at 22:10; a sweep the next morning changes nothing."""
    alert_id = _late_report(desk)
    officer = principal(desk.store, "first")
    acknowledge(
        desk.store, officer, alert_id, note="called ZTO", now=TEN_PM + timedelta(minutes=10)
    )
    report = sweep_alerts(desk.store, now=TEN_PM + timedelta(hours=9))
    with transaction(desk.store.sessions) as session:
        alert = load_alert(session, alert_id)
        assert escalations(session, alert_id) == []
    assert report.escalations == 0
    assert alert is not None and alert.delivered_to == desk.first
    assert alert.acknowledged_by == "first" and alert.acknowledged_note == "called ZTO"


def principal(store: Store, username: str, *extra: Permission) -> Principal:
    """A duty officer of the office acting through a browser session (with ``extra``)."""
    with transaction(store.sessions) as session:
        user = user_row(session, username)
        assert user is not None
        office = session.get(OrganisationRow, user.organisation_id)
        assert office is not None
        return Principal(
            name=username,
            organisation=organisation_of(office),
            permissions=frozenset({Permission.duty_read, Permission.duty_keep, *extra}),
            channel=Channel.session,
            roles=("duty_officer",),
            user_id=user.id,
        )


def test_a_sweep_after_a_downtime_catches_up_step_by_step(desk: Desk) -> None:
    """No sweep ran from 22:00 to 23:00: one sweep records steps 1, 2, 3 with their own due
    times (22:15, 22:30, 22:45) and leaves the alert with the director closing the chain."""
    alert_id = _late_report(desk)
    report = sweep_alerts(desk.store, now=TEN_PM + timedelta(hours=1))
    with transaction(desk.store.sessions) as session:
        steps = [(e.step, e.to_user, e.due_at) for e in escalations(session, alert_id)]
        alert = load_alert(session, alert_id)
    quarter = timedelta(minutes=15)
    assert steps == [
        (1, desk.second, TEN_PM + quarter),
        (2, desk.leader, TEN_PM + 2 * quarter),
        (3, desk.director, TEN_PM + 3 * quarter),
    ]
    assert report.escalations == 3
    assert alert is not None and alert.delivered_to == desk.director
