"""Warnings from observation on each engine: raised once however often (or however many at
once) the evaluation runs, a severer one supersedes, the duty is alerted, the duty
acknowledges once, and another brand's desk does not see them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import sqlalchemy as sa

from peakguard.app import accounts
from peakguard.app.context import open_store
from peakguard.app.daily_reports import Submission, submit_report
from peakguard.app.networks import parse_network_document, save_network
from peakguard.app.observed_warnings import (
    DutyOffice,
    acknowledge,
    alerted_offices,
    evaluate_warnings,
    observed_state,
    read_warning,
    read_warnings,
)
from peakguard.cases.daily_reports import HubBacklog, ReportContent
from peakguard.config import Settings
from peakguard.domain.scans import SCAN_EVENT_SCHEMA
from peakguard.errors import IllegalTransitionError, NotFoundError
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.store.database import Store
from tests.conftest import tiny_document

ADMIN = LOCAL_ADMINISTRATOR
DAY = datetime(2026, 11, 11, tzinfo=UTC)
SC_POST = Organisation(
    code="sc-post",
    name="四川省邮政管理局",
    kind=OrganisationKind.regulator,
    level=RegulatorLevel.provincial,
    region="510000",
)
ZTO_SC = Organisation(
    code="zto-sc", name="中通四川", kind=OrganisationKind.carrier, carrier="ZTO", region="510000"
)
YTO = Organisation(code="yto", name="圆通", kind=OrganisationKind.carrier, carrier="YTO")


def principal(organisation: Organisation, *permissions: Permission) -> Principal:
    return Principal("someone", organisation, frozenset(permissions), Channel.token)


def watched_document(tiny: dict[str, Any]) -> dict[str, Any]:
    """The tiny network with Deyang's hub holding 10 parcels at most, so a handful of scans
    reach a level: 8 (80 %) yellow, 11 (110 %) red."""
    for node in tiny["nodes"]:
        if node["id"] == "DY-HUB":
            node["storage_capacity"] = 10
    return tiny


@pytest.fixture
def store(database_url: str, tmp_path: Path, tiny: dict[str, Any]) -> Iterator[Store]:
    """A migrated database with the watched network, Sichuan's administration and ZTO Sichuan."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    for organisation in (SC_POST, ZTO_SC, YTO):
        accounts.create_organisation(opened, ADMIN, organisation)
    save_network(opened, parse_network_document(watched_document(tiny)), actor=ADMIN, source="t")
    yield opened
    opened.engine.dispose()


def arrivals(count: int, hour: int, first: int = 0) -> list[dict[str, Any]]:
    """``count`` parcels arriving at Deyang's hub in ``hour`` of 11 Nov (UTC), none leaving."""
    return [
        {
            "waybill": f"ZT{first + number:06d}",
            "carrier": "ZTO",
            "event": "arrive",
            "reason": None,
            "node_id": "DY-HUB",
            "time": DAY + timedelta(hours=hour),
            "next_node_id": None,
            "origin_region": "510104",
            "destination_region": "510703",
            "product": "standard",
            "real_name_verified": None,
            "inspected": None,
            "x_rayed": None,
        }
        for number in range(count)
    ]


def events(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCAN_EVENT_SCHEMA)


def alerted(store: Store) -> list[tuple[str, str]]:
    """(office code, subject) of every alert raised to a duty."""
    query = sa.text(
        "SELECT o.code, a.subject FROM duty_alerts a JOIN organisations o "
        "ON o.id = a.organisation_id ORDER BY o.code"
    )
    with store.engine.connect() as connection:
        return [(row[0], row[1]) for row in connection.execute(query)]


def test_evaluated_twice_one_warning_then_a_severer_supersedes(store: Store) -> None:
    """8 parcels in Deyang (80 % of 10): one yellow warning, observed, from the lake, alerted
    to Sichuan's administration and ZTO Sichuan; again: nothing. 11 parcels (110 %): the
    yellow is superseded by a red that names it."""
    lake = events(arrivals(8, 10))
    now = DAY + timedelta(hours=12)
    first = evaluate_warnings(store, actor=ADMIN, now=now, network_name="tiny", events=lake)
    assert first.ran and len(first.raised) == 1 and first.alerts == 2
    again = evaluate_warnings(store, actor=ADMIN, now=now, network_name="tiny", events=lake)
    assert (again.raised, again.superseded, again.cleared) == ([], [], [])
    yellow = read_warning(store, first.raised[0], actor=ADMIN)
    assert (yellow.node_id, yellow.level, yellow.source, yellow.backlog_source) == (
        "DY-HUB",
        3,
        "observed",
        "lake",
    )
    subject = f"warning:{yellow.id}"
    assert alerted(store) == [("sc-post", subject), ("zto-sc", subject)]

    worse = events(arrivals(8, 10) + arrivals(3, 13, first=8))
    later = DAY + timedelta(hours=14)
    step = evaluate_warnings(store, actor=ADMIN, now=later, network_name="tiny", events=worse)
    assert step.superseded == [yellow.id] and len(step.raised) == 1
    red = read_warning(store, step.raised[0], actor=ADMIN)
    assert (red.level, red.supersedes_id, red.state) == (1, yellow.id, "raised")
    assert red.figures["utilisation"] == pytest.approx(1.1)
    listed, total = read_warnings(store, actor=ADMIN)
    assert total == 2 and [w.state for w in listed] == ["raised", "superseded"]


def test_concurrent_evaluations_open_one_warning(store: Store) -> None:
    """Four evaluations started together on 8 parcels: one warning open on Deyang."""
    lake = events(arrivals(8, 10))
    now = DAY + timedelta(hours=12)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def evaluate() -> None:
        barrier.wait()
        try:
            evaluate_warnings(store, actor=ADMIN, now=now, network_name="tiny", events=lake)
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=evaluate) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    listed, total = read_warnings(store, actor=ADMIN)
    assert total == 1 and listed[0].state == "raised"


def test_the_duty_acknowledges_once_and_other_brands_see_nothing(store: Store) -> None:
    """Sichuan's duty officer acknowledges (duty.keep); a second time is refused; YTO's desk
    neither lists nor reads it; the observed state shows Deyang's backlog from the lake."""
    lake = events(arrivals(8, 10))
    now = DAY + timedelta(hours=12)
    raised = evaluate_warnings(store, actor=ADMIN, now=now, network_name="tiny", events=lake)
    duty = principal(SC_POST, Permission.warning_read, Permission.duty_keep)
    acked = acknowledge(store, raised.raised[0], actor=duty, at=now)
    assert acked.state == "acknowledged" and acked.acknowledged_by == duty.label()
    with pytest.raises(IllegalTransitionError):
        acknowledge(store, raised.raised[0], actor=duty, at=now)
    other = principal(YTO, Permission.warning_read)
    assert read_warnings(store, actor=other) == ([], 0)
    with pytest.raises(NotFoundError):
        read_warning(store, raised.raised[0], actor=other)
    state = observed_state(store, "tiny", actor=duty, at=now, events=lake)
    deyang = next(node for node in state.nodes if node.node_id == "DY-HUB")
    assert (deyang.backlog, deyang.backlog_source, deyang.level) == (8.0, "lake", 3)


def test_a_hub_without_scans_is_watched_from_its_daily_report(store: Store) -> None:
    """No scan at Deyang; ZTO Sichuan reported 9 parcels held there at the end of 10 Nov
    (90 % of 10): on 11 Nov an orange warning, its backlog from the daily report."""
    report = Submission(
        region="510600",
        day=date(2026, 11, 10),
        content=ReportContent(
            picked_up=100, delivered=90, backlog=9, staff=5, vehicles=1,
            hub_backlogs=(HubBacklog("DY-HUB", 9),),
        ),
        carrier="ZTO",
    )  # fmt: skip
    submit_report(store, ADMIN, report, now=DAY)
    now = DAY + timedelta(hours=12)
    done = evaluate_warnings(store, actor=ADMIN, now=now, network_name="tiny", events=None)
    warning = read_warning(store, done.raised[0], actor=ADMIN)
    assert (warning.node_id, warning.level, warning.backlog_source) == ("DY-HUB", 2, "daily_report")


def test_the_nearest_offices_are_alerted() -> None:
    """Deyang's hub (510600, ZTO): Deyang's city office over Sichuan's and the national one;
    ZTO Sichuan over ZTO's headquarters; never YTO, never Chengdu's city office."""
    offices = [
        DutyOffice(1, "regulator", None, None, "national"),
        DutyOffice(2, "regulator", "510000", None, "provincial"),
        DutyOffice(3, "regulator", "510600", None, "city"),
        DutyOffice(4, "regulator", "510100", None, "city"),
        DutyOffice(5, "carrier", None, "ZTO", None),
        DutyOffice(6, "carrier", "510000", "ZTO", None),
        DutyOffice(7, "carrier", "510000", "YTO", None),
    ]
    node = parse_network_document(watched_document(tiny_document())).nodes[1]
    assert (node.id, alerted_offices(offices, node)) == ("DY-HUB", [3, 6])
    assert alerted_offices(offices[:2] + offices[4:5], node) == [2, 5]
