"""Daily volume reports on each engine: submitted and corrected (a new version, never an
overwrite), swept at the deadline twice and by four workers at once (each flag once), checked
against the scans in the lake; over the API, another brand or province is 404 and a file with
bad cells is 422 with every cell located and nothing written."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from peakguard.api.app import create_app
from peakguard.app import accounts
from peakguard.app.context import open_store
from peakguard.app.daily_reports import Submission, get_report, submit_report
from peakguard.app.daily_rollup import daily_rollup, forecast_in_force, sweep_reports
from peakguard.app.events import read_event_file_table
from peakguard.app.networks import read_network_file, save_network
from peakguard.cases.daily_reports import (
    DailyReportSettings,
    HubBacklog,
    ReportContent,
)
from peakguard.config import Settings
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import StaleRecordError
from peakguard.i18n import render
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
)
from peakguard.store.daily_reports import closed_outlets, hub_backlogs
from peakguard.store.database import Store
from peakguard.store.event_lake import ingest
from peakguard.store.jobs import NewJob
from peakguard.store.recorded_jobs import record_finished_job

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
DAY = date(2026, 11, 11)
ONE_DAY = DailyReportSettings(catch_up_days=1)
"""Sweeps judge only the day before (the 11-11 reports, swept on 11-12 after 10:00)."""
ZTO_SICHUAN = Organisation(
    code="zto-sc", name="中通四川", kind=OrganisationKind.carrier, carrier="ZTO", region="510000"
)


def cst(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA_STANDARD_TIME)


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """The Chengdu–Mianyang example network (ZTO nodes in 510100, 510700 and Xi'an) and ZTO's
    Sichuan company: two reports are expected of it each day (Xi'an is another province)."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    accounts.create_organisation(opened, LOCAL_ADMINISTRATOR, ZTO_SICHUAN)
    network = read_network_file(EXAMPLES / "chengdu-mianyang.yaml")
    save_network(opened, network, actor=LOCAL_ADMINISTRATOR, source="example")
    yield opened
    opened.engine.dispose()


def reporter() -> Principal:
    return Principal(
        name="reporter",
        organisation=ZTO_SICHUAN,
        permissions=frozenset({Permission.report_submit, Permission.report_read}),
        channel=Channel.token,
    )


def figures(picked: int = 2, backlog: tuple[int, ...] = (30,)) -> ReportContent:
    return ReportContent(
        picked_up=picked,
        delivered=0,
        backlog=sum(backlog),
        staff=12,
        vehicles=3,
        hub_backlogs=tuple(HubBacklog("ZTO-CD-HUB", parcels) for parcels in backlog),
    )


def flag_rows(store: Store) -> list[tuple[str, str, int]]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT region, kind, version FROM daily_report_flags ORDER BY region, kind")
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_correction_is_a_new_version_and_the_sweep_flags_once(
    store: Store, tmp_path: Path
) -> None:
    """Chengdu's report in time, corrected after the deadline (version 2, reason kept, a
    stale correction refused); Mianyang's never sent. Swept twice on 11-12: Chengdu's latest
    says 500 picked up against 2 acceptance scans (498 apart, tolerance 50), Mianyang is
    missing — two flags, once each, and the roll-up lists both."""
    lake = tmp_path / "lake"
    ingest(lake, read_event_file_table([EXAMPLES / "scan-events.csv"]))
    actor = reporter()
    first = submit_report(store, actor, Submission("510100", DAY, figures()), now=cst(DAY, 20))
    second = submit_report(
        store,
        actor,
        Submission("510100", DAY, figures(500), reason="typo", expected_version=1),
        now=cst(date(2026, 11, 12), 11),
    )
    assert (first.report_id, first.version, second.version) == (first.report_id, 1, 2)
    with pytest.raises(StaleRecordError):
        submit_report(store, actor, Submission("510100", DAY, figures(3), expected_version=1))
    for _round in range(2):
        sweep_reports(store, now=cst(date(2026, 11, 12), 12), settings=ONE_DAY, lake=lake)
    assert flag_rows(store) == [("510100", "scans", 2), ("510700", "missing", 0)]
    detail = get_report(store, actor, first.report_id)
    assert [(v.version, v.reason, v.content.picked_up) for v in detail.versions] == [
        (1, None, 2),
        (2, "typo", 500),
    ]
    assert render(detail.flags[0].reason, "en") == (
        "picked up: 500 reported, 2 scanned, 498 apart (tolerance 50)"
    )
    rollup = daily_rollup(store, actor, DAY)
    assert (rollup.total.reports, rollup.total.picked_up) == (1, 500)
    assert [key.region for key in rollup.missing] == ["510700"]
    assert hub_backlogs(store, DAY) == {"ZTO-CD-HUB": 30}
    assert closed_outlets(store, DAY) == []


def test_four_workers_sweeping_at_once_raise_each_flag_once(store: Store) -> None:
    """Both expected reports missing, four sweeps started together: two flags, two audit
    entries of them."""
    barrier = threading.Barrier(4)

    def sweep() -> None:
        barrier.wait()
        sweep_reports(store, now=cst(date(2026, 11, 12), 12), settings=ONE_DAY)

    workers = [threading.Thread(target=sweep) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert flag_rows(store) == [("510100", "missing", 0), ("510700", "missing", 0)]
    with store.engine.connect() as connection:
        entries = connection.execute(
            sa.text("SELECT count(*) FROM audit_entries WHERE action = 'daily_report.flagged'")
        ).scalar_one()
    assert entries == 2


@pytest.fixture
def client(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url="sqlite://", home=tmp_path, language="en")
    with TestClient(create_app(settings, store)) as test_client:
        issued = accounts.issue_token(
            store,
            LOCAL_ADMINISTRATOR,
            organisation="zto-sc",
            name="daily",
            permissions=["report.submit", "report.read"],
            days=1,
            max_days=1,
        )
        test_client.headers.update({"Authorization": f"Bearer {issued.text}"})
        yield test_client


def body(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "day": "2026-11-11",
        "region": "510100",
        "picked_up": 2,
        "delivered": 0,
        "backlog": 0,
        "staff": 5,
        "vehicles": 1,
    }
    return document | changes


def test_the_api_keeps_a_reporter_inside_its_brand_and_province(
    client: TestClient, store: Store
) -> None:
    """ZTO Sichuan reports for Chengdu (201, then a correction as version 2); for SF or for
    Guangzhou it gets 404; a file with three bad cells is 422 with each located, nothing
    written."""
    created = client.post("/daily-reports", json=body())
    assert created.status_code == 201, created.text
    again = client.post("/daily-reports", json=body(picked_up=3, reason="recount"))
    assert again.json()["version"] == 2
    assert client.post("/daily-reports", json=body(carrier="SF")).status_code == 404
    assert client.post("/daily-reports", json=body(region="440100")).status_code == 404
    shown = client.get(f"/daily-reports/{created.json()['id']}").json()
    assert [v["reason"] for v in shown["versions"]] == [None, "recount"]
    bad = (
        "day,carrier,region,item,node,value,note\n"
        "2026-11-12,,510100,picked_up,,12,\n"
        "2026-11-12,,510100,delivered,,-4,\n"
        "2026-11-12,,510100,backlog,,zero,\n"
        "2026-11-13,,510104,picked_up,,1,\n"
    )
    refused = client.post(
        "/daily-reports/files",
        files={"file": ("daily.csv", bad.encode(), "text/csv")},
    )
    assert refused.status_code == 422
    places = [problem["location"] for problem in refused.json()["error"]["problems"]]
    assert "daily.csv row 3, column value" in places
    assert "daily.csv row 4, column value" in places
    assert "daily.csv row 5, column region" in places
    listed = client.get("/daily-reports").json()
    assert listed["total"] == 1


def test_the_forecast_in_force_is_the_latest_forecast_jobs_city_interval(
    store: Store, tmp_path: Path
) -> None:
    """A finished forecast job whose forecasts.csv gives ZTO Chengdu [1, 400] on 11-11:
    the 500 reported are outside it; Mianyang, with no city row, is 'not checked'."""
    job_id = "f" * 32
    folder = tmp_path / "jobs" / job_id
    folder.mkdir(parents=True)
    (folder / "forecasts.csv").write_text(
        "level,carrier,region,node,day,point,lower_80,upper_80,lower_95,upper_95,model\n"
        "city,ZTO,510100,,2026-11-11,200,50,350,1,400,ets\n"
        "node,ZTO,510104,ZTO-CD-O1,2026-11-11,20,5,35,1,40,ets\n",
        encoding="utf-8",
    )
    moment = cst(DAY, 8)
    job = NewJob(job_id, "forecast", None, None, "tests", {})
    record_finished_job(store, job, result={}, started_at=moment, finished_at=moment, worker="t")
    actor = reporter()
    submit_report(store, actor, Submission("510100", DAY, figures(500)), now=cst(DAY, 20))
    kept = submit_report(store, actor, Submission("510700", DAY, figures(2)), now=cst(DAY, 20))
    sweep_reports(
        store,
        now=cst(date(2026, 11, 12), 12),
        settings=ONE_DAY,
        forecasts=forecast_in_force(store, tmp_path),
    )
    assert flag_rows(store) == [("510100", "forecast", 1)]
    mianyang = daily_rollup(store, actor, DAY)
    assert mianyang.missing == ()
    report = get_report(store, actor, kept.report_id)
    checks = {item["kind"]: item for item in report.versions[-1].checks or ()}
    assert checks["forecast"]["outcome"] == "not_checked"
    assert checks["forecast"]["reason"]["msgid"] == "not checked: no forecast"
