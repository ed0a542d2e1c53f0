"""Supervision over HTTP and from the command line (SQLite: it reads, it stores nothing): a week
of acceptance scans, a staggered pickup plan recorded as finished, and a scenario's closure.

The week (5–11 November 2026): ZTO's and SF's outlets in Chengdu and Mianyang accept 30 parcels
a day; on the 11th ZTO's Chengdu outlet accepts none (a stop no closure covers), SF's Chengdu
outlet none (inside a declared road cut) and SF's Mianyang outlet 25 (a low day, not a stop).
The plan's quotas for the 10th and 11th are worked by hand in :data:`QUOTAS`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx2 import Response
from typer.testing import CliRunner

from peakguard.api.app import create_app
from peakguard.api.security import SESSION_COOKIE
from peakguard.app import accounts
from peakguard.app.authentication import SecurityPolicy, login
from peakguard.app.context import open_store
from peakguard.app.daily_reports import Submission, submit_report
from peakguard.app.events import ingest_events, parse_event_records
from peakguard.app.incidents import IncidentDraft, open_incident
from peakguard.app.jobs import STAGGER, job_folder
from peakguard.app.networks import parse_network_document, save_network
from peakguard.app.supervision import unauthorised_stops
from peakguard.app.supervision_quotas import quota_deviations
from peakguard.cases.daily_reports import ClosedOutlet, ReportContent
from peakguard.cli import app as cli_app
from peakguard.config import Settings
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.i18n import render
from peakguard.identity import credentials
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Organisation,
    OrganisationKind,
    RegulatorLevel,
)
from peakguard.store.database import Store
from peakguard.store.jobs import NewJob
from peakguard.store.recorded_jobs import record_finished_job
from tests.integration.test_access_matrix import network_document

ADMIN = LOCAL_ADMINISTRATOR
NETWORK = "sichuan"
DAY = "2026-11-11"
WEEK = [date(2026, 11, 5) + timedelta(days=n) for n in range(7)]
ON_THE_11TH = {"ZTO-CD-O1": 0, "SF-CD-O1": 0, "SF-MY-O1": 25, "ZTO-MY-O1": 30}
QUOTAS = [
    # origin, carrier, day, quota, released → picked up, by hand
    ("ZTO-MY-O1", "ZTO", "2026-11-10", 20, 30),  # 30: +10 within max(2, 20)
    ("ZTO-MY-O1", "ZTO", "2026-11-11", 5, 30),  # 30: +25 over (allowed 20)
    ("ZTO-CD-O1", "ZTO", "2026-11-10", 30, 30),  # 30: within
    ("ZTO-CD-O1", "ZTO", "2026-11-11", 60, 60),  # 0: −60 under
    ("SF-MY-O1", "SF", "2026-11-11", 100, 100),  # 25: −75 under (allowed 20)
]
USERS = {
    "admin.ops": ("ops", "administrator"),
    "analyst.my": ("sc-my", "analyst"),
    "planner.zto": ("zto", "network_planner"),
}


@dataclass
class Site:
    client: TestClient
    store: Store
    home: Path
    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, user: str, path: str, **params: Any) -> Response:
        self.client.cookies.clear()
        headers = {"Cookie": f"{SESSION_COOKIE}={self.cookies[user]}", "Accept-Language": "en"}
        return self.client.get(path, params=params, headers=headers)


def _events() -> list[dict[str, Any]]:
    records = []
    for day in WEEK:
        for node, last in ON_THE_11TH.items():
            count = last if day == WEEK[-1] else 30
            carrier = node.split("-")[0]
            region = "510104" if "-CD-" in node else "510703"
            for number in range(count):
                records.append(
                    {
                        "waybill": f"{node}-{day:%m%d}-{number:03d}",
                        "carrier": carrier,
                        "event": "accept",
                        "node_id": node,
                        "time": f"{day.isoformat()}T10:00:00+08:00",
                        "origin_region": region,
                        "destination_region": "110105",
                        "real_name_verified": True,
                        "inspected": True,
                        "x_rayed": True,
                    }
                )
    return records


def _record_job(store: Store, kind: str, parameters: dict[str, Any]) -> str:
    job = NewJob(uuid.uuid4().hex, kind, None, None, "local@system", parameters)
    moment = datetime(2026, 11, 4, tzinfo=UTC)
    record_finished_job(store, job, result={}, started_at=moment, finished_at=moment, worker="test")
    return job.id


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The week above in the lake, the plan recorded with its quotas.csv, the road cut of
    SF's Chengdu outlet on the 11th declared in a simulation's scenario, and the users."""
    home = tmp_path_factory.mktemp("supervision")
    settings = Settings(database_url=f"sqlite:///{home / 'a.db'}", home=home, language="en")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        store = open_store(settings)
        for organisation in (
            Organisation("ops", "operations", OrganisationKind.system),
            Organisation(
                "sc-my",
                "绵阳市邮政管理局",
                OrganisationKind.regulator,
                RegulatorLevel.city,
                "510700",
            ),
            Organisation("zto", "中通快递", OrganisationKind.carrier, carrier="ZTO"),
        ):
            accounts.create_organisation(store, ADMIN, organisation)
        document = network_document(NETWORK, ["ZTO", "SF"])
        save_network(store, parse_network_document(document), actor=ADMIN, source="test")
        ingest_events(
            store, home / "lake", parse_event_records(_events()), actor=ADMIN, source="test"
        )
        plan = _record_job(store, STAGGER, {"network": NETWORK, "scenario": {"name": "peak"}})
        folder = job_folder(home, plan)
        folder.mkdir(parents=True)
        lines = ["origin,carrier,day,quota,released"]
        lines += [",".join(str(value) for value in row) for row in QUOTAS]
        (folder / "quotas.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        closure = {
            "node": "SF-CD-O1",
            "start": "2026-11-11T00:00",
            "end": "2026-11-12T00:00",
            "reason": "road cut",
        }
        scenario = {"name": "road-cut", "closures": [closure]}
        _record_job(store, "simulation", {"network": NETWORK, "scenario": scenario})
        app = create_app(settings, store)
        app.state.run_sweeps = False
        with TestClient(app) as client:
            made = Site(client, store, home)
            policy = SecurityPolicy.of(settings)
            for username, (organisation, role) in USERS.items():
                _, password = accounts.create_user(
                    store, ADMIN, username=username, organisation=organisation, roles=[role]
                )
                made.cookies[username] = login(store, username, password, policy=policy).cookie
            yield made
        store.engine.dispose()


def _deviations(answer: Response) -> set[tuple[str, str, str, int]]:
    assert answer.status_code == 200, answer.text
    return {
        (row["origin"], row["day"], row["kind"], row["difference"])
        for row in answer.json()["deviations"]
    }


def test_pickups_against_the_plan_in_force_by_hand(site: Site) -> None:
    """The administrator sees the three deviations worked by hand, and the note that no
    actual-release feed exists; every row on asking for all five."""
    answer = site.get("admin.ops", "/supervision/quotas", network=NETWORK)
    assert _deviations(answer) == {
        ("ZTO-MY-O1", DAY, "over", 25),
        ("ZTO-CD-O1", DAY, "under", -60),
        ("SF-MY-O1", DAY, "under", -75),
    }
    body = answer.json()
    assert body["compared"] == 5 and body["compared_days"] == ["2026-11-10", DAY]
    assert any("actual order releases are not recorded" in note for note in body["notes"])
    every = site.get("admin.ops", "/supervision/quotas", network=NETWORK, every="true")
    assert len(every.json()["deviations"]) == 5


def test_stops_are_flagged_unless_an_approved_closure_covers_them(site: Site) -> None:
    """On the 11th: ZTO's Chengdu outlet flagged (0 against 30), SF's Chengdu outlet listed
    but excused by the road cut, SF's Mianyang 25 not a stop; the stations deliver nothing all
    week (normal 0): not judged as stops."""
    answer = site.get("admin.ops", "/supervision/stops", day=DAY)
    assert answer.status_code == 200, answer.text
    stops = {row["node"]: row for row in answer.json()["stops"]}
    assert set(stops) == {"ZTO-CD-O1", "SF-CD-O1"}
    assert stops["ZTO-CD-O1"]["flagged"] and stops["ZTO-CD-O1"]["normal"] == 30
    assert "0 parcels accepted against a normal day of 30" in stops["ZTO-CD-O1"]["reason"]
    assert not stops["SF-CD-O1"]["flagged"]
    assert "road cut" in stops["SF-CD-O1"]["authorised_by"]
    flagged = site.get("admin.ops", "/supervision/stops", day=DAY, flagged_only="true")
    assert [row["node"] for row in flagged.json()["stops"]] == ["ZTO-CD-O1"]


def test_a_carrier_sees_its_brand_and_an_office_its_territory(site: Site) -> None:
    """ZTO's planner: only ZTO's deviations and stop; Mianyang's office: only Mianyang's
    outlets' deviations and no stop, nothing for a Chengdu region filter."""
    zto = site.get("planner.zto", "/supervision/quotas", network=NETWORK)
    assert {origin for origin, *_rest in _deviations(zto)} == {"ZTO-MY-O1", "ZTO-CD-O1"}
    zto_stops = site.get("planner.zto", "/supervision/stops", day=DAY).json()["stops"]
    assert [row["node"] for row in zto_stops] == ["ZTO-CD-O1"]
    mianyang = site.get("analyst.my", "/supervision/quotas", network=NETWORK)
    assert {origin for origin, *_rest in _deviations(mianyang)} == {"ZTO-MY-O1", "SF-MY-O1"}
    assert site.get("analyst.my", "/supervision/stops", day=DAY).json()["stops"] == []
    chengdu = site.get("analyst.my", "/supervision/stops", day=DAY, region="5101").json()
    assert (chengdu["stops"], chengdu["judged"]) == ([], 0)
    assert (
        site.get("planner.zto", "/supervision/stops", day=DAY, network="nowhere").status_code == 404
    )


def test_unknown_network_and_bad_filters_are_refused_where_they_are(site: Site) -> None:
    """An unknown network is 404; a bad day and a bad region are 422 at their fields."""
    missing = site.get("admin.ops", "/supervision/quotas", network="nowhere")
    assert missing.status_code == 404
    bad_day = site.get("admin.ops", "/supervision/stops", day="11/11")
    assert bad_day.status_code == 422
    assert bad_day.json()["error"]["problems"][0]["location"] == "day"
    bad_region = site.get("admin.ops", "/supervision/stops", day=DAY, region="51A")
    assert bad_region.json()["error"]["problems"][0]["location"] == "region"


def test_the_command_answers_as_the_api(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``peakguard supervise quotas|stops --json`` writes what the API answers the
    administrator (both see everything)."""
    monkeypatch.setenv("PEAKGUARD_HOME", str(site.home))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", f"sqlite:///{site.home / 'a.db'}")
    runner = CliRunner()
    for command, path, options, params in (
        ("quotas", "/supervision/quotas", ["--network", NETWORK], {"network": NETWORK}),
        ("stops", "/supervision/stops", ["--day", DAY], {"day": DAY}),
    ):
        target = tmp_path / f"{command}.json"
        result = runner.invoke(
            cli_app,
            ["--lang", "en", "supervise", command, *options, "--json", str(target)],
            catch_exceptions=False,
            env={"COLUMNS": "240"},
        )
        assert result.exit_code == 0, result.output
        assert (
            json.loads(target.read_text(encoding="utf-8"))
            == site.get("admin.ops", path, **params).json()
        )


def test_the_page_shows_and_exports_what_the_reader_reaches(site: Site) -> None:
    """ZTO's planner: the page lists its flagged Chengdu outlet, no SF outlet, its quota
    deviations and the missing release feed; the stops' CSV holds the same row; a bad region
    is said beside its field."""
    params = {"network": NETWORK, "day": DAY, "lang": "en"}
    page = site.get("planner.zto", "/app/supervision", **params)
    assert page.status_code == 200, page.text
    assert "ZTO-CD-O1" in page.text and "ZTO-MY-O1" in page.text
    assert "SF-CD-O1" not in page.text and "SF-MY-O1" not in page.text
    assert "actual order releases are not recorded" in page.text
    exported = site.get("planner.zto", "/app/supervision", **params, export="csv", table="stops")
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith("ZTO-CD-O1,sichuan,ZTO,510104,")
    wrong = site.get("planner.zto", "/app/supervision", day=DAY, region="x", lang="en")
    assert wrong.status_code == 200 and 'id="region-error"' in wrong.text


def test_a_day_still_running_is_measured_so_far(site: Site) -> None:
    """At 09:00 on the 11th every day counts up to 09:00 (the week's scans are at 10:00): no
    outlet has a normal day yet, so no stop; only the over-quota origin deviates, the day not
    being over for the under-quota ones."""
    nine = datetime(2026, 11, 11, 1, tzinfo=UTC)
    stops = unauthorised_stops(
        site.store, site.home / "lake", actor=ADMIN, day=date(2026, 11, 11), now=nine
    )
    assert stops.stops == []
    assert any("each day is counted up to 09:00" in render(note, "en") for note in stops.notes)
    quotas = quota_deviations(
        site.store, site.home / "lake", site.home, actor=ADMIN, network=NETWORK, now=nine
    )
    assert [(row.origin, row.kind.value) for row, _plan in quotas.deviations] == [
        ("ZTO-MY-O1", "over")
    ]


def test_an_outlet_its_carrier_reports_closed_is_listed_with_the_report(site: Site) -> None:
    """SF's Mianyang company reports SF-MY-O1 closed on the 10th, when its scans show 30
    parcels (its normal day): listed, flagged (no approved closure), the report named; the
    11th is unaffected."""
    content = ReportContent(30, 0, 0, 5, 1, closed_outlets=(ClosedOutlet("SF-MY-O1", "staff"),))
    submit_report(
        site.store,
        ADMIN,
        Submission("510700", WEEK[-2], content, carrier="SF"),
        now=datetime(2026, 11, 10, 14, tzinfo=UTC),
    )
    answer = site.get("admin.ops", "/supervision/stops", day="2026-11-10").json()
    assert [(row["node"], row["count"], row["flagged"]) for row in answer["stops"]] == [
        ("SF-MY-O1", 30, True)
    ]
    assert "staff" in answer["stops"][0]["reported_closed"]
    assert "reported closed by the carrier" in answer["stops"][0]["reason"]
    later = site.get("admin.ops", "/supervision/stops", day=DAY).json()["stops"]
    assert "SF-MY-O1" not in {row["node"] for row in later}


def test_a_carriers_own_stop_reported_as_an_incident_stays_unauthorised(site: Site) -> None:
    """ZTO reporting its Chengdu outlet's stop on the 11th as an incident (停收, its own doing)
    has reported it, not had it authorised: still flagged; a road cut reported for the same
    outlet excuses it and names the incident."""
    period = datetime(2026, 11, 11, tzinfo=CHINA_STANDARD_TIME)

    def report(kind: str) -> str:
        draft = IncidentDraft(
            kind, "ZTO", "510100", period, "outlet closed", period_end=period + timedelta(days=1),
            network=NETWORK, nodes=("ZTO-CD-O1",),
        )  # fmt: skip
        return open_incident(site.store, draft, actor=ADMIN, now=period).reference

    def zto_outlet() -> dict[str, Any]:
        stops = site.get("admin.ops", "/supervision/stops", day=DAY).json()["stops"]
        return next(row for row in stops if row["node"] == "ZTO-CD-O1")

    report("outlet_stop")
    assert zto_outlet()["flagged"]
    road_cut = report("road_cut")
    assert not zto_outlet()["flagged"] and road_cut in zto_outlet()["authorised_by"]
