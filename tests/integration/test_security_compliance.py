"""The "three 100 %" and the watch list over HTTP, on the page and from the command line
(SQLite: they read the lake and store nothing).

Two weeks of acceptance scans, 10 accepts a day per outlet (1–14 November 2026; the watch list
is judged on the 14th: window 8–14, the earlier window 1–7):

- ZTO-CD-O1 (Chengdu 510104): every check on every parcel, both weeks.
- ZTO-CD-O2 (Chengdu 510104), 8–14 only: parcels 00 and 01 not X-rayed at acceptance; 00 is
  screened at the hub ZTO-H1 (its arrive and sort scans both say so: once), 01 nowhere. X-ray
  63 of 70 = 90 %, 7 of them at a hub; listed below 98 %.
- SF-MY-O1 (Mianyang 510703): both weeks; 8–14 parcel 00 not inspected: 63 of 70 = 90 %,
  listed below 98 % and sliding (100 % the week before: down 10 points).
- YTO-MY-O9 (Mianyang 510703), 8–14: one parcel a day, no check at all: 7 accepts, under the
  50 needed, not listed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx2 import Response
from openpyxl import load_workbook
from typer.testing import CliRunner

from peakguard.api.app import create_app
from peakguard.api.security import SESSION_COOKIE
from peakguard.app import accounts
from peakguard.app.authentication import SecurityPolicy, login
from peakguard.app.context import open_store
from peakguard.app.events import ingest_events, parse_event_records
from peakguard.app.hold_drafts import HoldDraft
from peakguard.app.holds import place_hold
from peakguard.app.inspection_plans import InspectionPlan
from peakguard.app.inspections import plan_inspection
from peakguard.app.rectification_issue import OrderDraft, issue_order
from peakguard.app.security import compliance
from peakguard.cli import app as cli_app
from peakguard.config import Settings
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.identity import credentials
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Organisation,
    OrganisationKind,
    RegulatorLevel,
)
from peakguard.store.database import Store

ADMIN = LOCAL_ADMINISTRATOR
FIRST_WEEK = [date(2026, 11, 1) + timedelta(days=n) for n in range(7)]
SECOND_WEEK = [date(2026, 11, 8) + timedelta(days=n) for n in range(7)]
USERS = {
    "admin.ops": ("ops", "administrator"),
    "analyst.my": ("sc-my", "analyst"),
    "planner.zto": ("zto", "network_planner"),
    "reporter.zto": ("zto", "data_reporter"),
    "inspector.my": ("sc-my", "inspector"),
}


@dataclass
class Site:
    client: TestClient
    store: Store
    home: Path
    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, user: str | None, path: str, **params: Any) -> Response:
        self.client.cookies.clear()
        headers = {"Accept-Language": "en"}
        if user is not None:
            headers["Cookie"] = f"{SESSION_COOKIE}={self.cookies[user]}"
        return self.client.get(path, params=params, headers=headers)


def _scan(
    waybill: str, event: str, node: str, day: date, hour: int, region: str, **flags: bool
) -> dict[str, Any]:
    return {
        "waybill": waybill,
        "carrier": node.split("-", maxsplit=1)[0],
        "event": event,
        "node_id": node,
        "time": f"{day.isoformat()}T{hour:02d}:00:00+08:00",
        "origin_region": region,
        "destination_region": "110105",
        **flags,
    }


def _accepts(
    node: str, day: date, count: int, region: str, lacking: dict[int, str]
) -> list[dict[str, Any]]:
    """``count`` accepts; parcel n lacks the check ``lacking[n]`` (or every check: "all")."""
    records = []
    for number in range(count):
        missing = lacking.get(number, "")
        flags = {
            name: missing not in (name, "all")
            for name in ("real_name_verified", "inspected", "x_rayed")
        }
        waybill = f"{node}-{day:%m%d}-{number:02d}"
        records.append(_scan(waybill, "accept", node, day, 10, region, **flags))
    return records


def _events() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for day in FIRST_WEEK + SECOND_WEEK:
        records += _accepts("ZTO-CD-O1", day, 10, "510104", {})
        late = day in SECOND_WEEK
        records += _accepts("SF-MY-O1", day, 10, "510703", {0: "inspected"} if late else {})
        if not late:
            continue
        records += _accepts("ZTO-CD-O2", day, 10, "510104", {0: "x_rayed", 1: "x_rayed"})
        screened = f"ZTO-CD-O2-{day:%m%d}-00"
        for event, hour in (("arrive", 14), ("sort", 15)):
            records.append(_scan(screened, event, "ZTO-H1", day, hour, "510104", x_rayed=True))
        records += _accepts("YTO-MY-O9", day, 1, "510703", {0: "all"})
    return records


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The two weeks in the lake, a city office (Mianyang), a carrier (ZTO) and the users."""
    home = tmp_path_factory.mktemp("security")
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
        ingest_events(
            store, home / "lake", parse_event_records(_events()), actor=ADMIN, source="test"
        )
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


def _rows(answer: Response) -> dict[str, dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    return {row["outlet"] or row["carrier"] or row["region"]: row for row in answer.json()["rows"]}


def test_compliance_per_outlet_by_hand(site: Site) -> None:
    """8–14 Nov (the default: the 7 days to the lake's latest): the shares worked by hand,
    the hub's screening counted once, the worst first."""
    answer = site.get("admin.ops", "/security/compliance")
    body = answer.json()
    assert (body["day_from"], body["day_to"]) == ("2026-11-08", "2026-11-14")
    rows = _rows(answer)
    assert [row["outlet"] for row in body["rows"]] == [
        "YTO-MY-O9",
        "SF-MY-O1",
        "ZTO-CD-O2",
        "ZTO-CD-O1",
    ]
    o2 = rows["ZTO-CD-O2"]
    assert (o2["accepts"], o2["x_rayed"], o2["x_rayed_at_acceptance"], o2["x_rayed_at_hub"]) == (
        70,
        63,
        56,
        7,
    )
    assert (o2["x_rayed_share"], o2["all_three_share"]) == (0.9, 0.9)
    assert rows["SF-MY-O1"]["inspected_share"] == 0.9
    assert rows["YTO-MY-O9"]["all_three_share"] == 0.0
    assert rows["ZTO-CD-O1"]["all_three_share"] == 1.0
    assert body["total"]["accepts"] == 217


def test_compliance_per_carrier_region_and_day(site: Site) -> None:
    """ZTO: 140 accepts, all three 133 (95 %); per city under 51: 5101 140, 5107 77; per day:
    31 accepts a day in the second week."""
    carriers = _rows(site.get("admin.ops", "/security/compliance", by="carrier"))
    assert (carriers["ZTO"]["accepts"], carriers["ZTO"]["all_three_share"]) == (140, 0.95)
    cities = _rows(site.get("admin.ops", "/security/compliance", by="region", region="51"))
    assert {code: row["accepts"] for code, row in cities.items()} == {"5101": 140, "5107": 77}
    days = site.get(
        "admin.ops", "/security/compliance", by="day", day_from="2026-11-13", day_to="2026-11-14"
    ).json()["rows"]
    assert [(row["day"], row["accepts"]) for row in days] == [
        ("2026-11-13", 31),
        ("2026-11-14", 31),
    ]


def test_each_reader_sees_its_reach(site: Site) -> None:
    """Mianyang's office: its two outlets only, and nothing for Chengdu; ZTO's planner: ZTO's
    outlets only, nothing when it asks for SF; without security.read 403; anonymous 401."""
    mianyang = _rows(site.get("analyst.my", "/security/compliance"))
    assert set(mianyang) == {"SF-MY-O1", "YTO-MY-O9"}
    assert _rows(site.get("analyst.my", "/security/compliance", region="5101")) == {}
    zto = _rows(site.get("planner.zto", "/security/compliance"))
    assert set(zto) == {"ZTO-CD-O1", "ZTO-CD-O2"}
    assert _rows(site.get("planner.zto", "/security/compliance", carrier="SF")) == {}
    listed = site.get("planner.zto", "/security/watchlist").json()["outlets"]
    assert [outlet["outlet"] for outlet in listed] == ["ZTO-CD-O2"]
    assert site.get("reporter.zto", "/security/compliance").status_code == 403
    assert site.get(None, "/security/watchlist").status_code == 401


def test_the_watch_list_with_its_evidence(site: Site) -> None:
    """SF-MY-O1 below and sliding on inspection, ZTO-CD-O2 below on X-ray with the first five
    waybills that were screened nowhere; the tiny YTO outlet and the clean one not listed."""
    body = site.get("admin.ops", "/security/watchlist", day="2026-11-14").json()
    assert (body["judged"], body["listed"]) == (4, 2)
    sf, zto = body["outlets"]
    assert sf["outlet"] == "SF-MY-O1"
    assert [(r["kind"], r["check"], r["share"]) for r in sf["reasons"]] == [
        ("below", "inspected", 0.9),
        ("sliding", "inspected", 0.9),
    ]
    assert sf["reasons"][1]["previous_share"] == 1.0
    assert len(sf["days"]) == 14 and sf["samples"]["inspected"][0] == "SF-MY-O1-1108-00"
    assert zto["outlet"] == "ZTO-CD-O2"
    assert [(r["kind"], r["check"]) for r in zto["reasons"]] == [("below", "x_rayed")]
    assert zto["samples"]["x_rayed"] == [f"ZTO-CD-O2-11{day:02d}-01" for day in range(8, 13)]
    assert zto["days"][0] == {
        "day": "2026-11-08",
        "accepts": 10,
        "real_name_verified": 10,
        "inspected": 10,
        "x_rayed": 9,
        "x_rayed_at_hub": 1,
    }


def test_exports_hold_the_same_figures(site: Site) -> None:
    """CSV of the figures (BOM, headings, percentages) and the watch list's workbook (the list
    and the evidence sheets)."""
    answer = site.get("admin.ops", "/security/compliance", format="csv", by="carrier")
    assert answer.headers["content-type"].startswith("text/csv")
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["carrier", "accepts", "real name %"]
    assert ["YTO", "7", "0.0", "0.0", "0.0", "0.0", "0.0", "0.0"] in rows
    workbook = load_workbook(
        io.BytesIO(site.get("admin.ops", "/security/watchlist", format="xlsx").content)
    )
    assert workbook.sheetnames == ["watch list", "evidence"]
    listed = list(workbook["watch list"].iter_rows(values_only=True))
    assert [row[1] for row in listed[1:]] == ["SF-MY-O1", "SF-MY-O1", "ZTO-CD-O2"]
    assert listed[3][5] == 90.0
    assert workbook["evidence"].max_row == 1 + 14 + 7


def test_bad_filters_are_located(site: Site) -> None:
    """A bad region, a reversed range and too long a range: 422 at their fields."""
    bad = site.get("admin.ops", "/security/compliance", region="51A")
    assert bad.status_code == 422
    assert bad.json()["error"]["problems"][0]["location"] == "region"
    reversed_range = site.get(
        "admin.ops", "/security/compliance", day_from="2026-11-14", day_to="2026-11-01"
    )
    assert reversed_range.json()["error"]["problems"][0]["location"] == "day_from"
    too_long = site.get(
        "admin.ops", "/security/compliance", day_from="2026-01-01", day_to="2026-11-14"
    )
    assert too_long.status_code == 422


def test_the_page_shows_figures_watch_list_and_panels(site: Site) -> None:
    """The page: the figures, the listed outlets with their samples, the follow-up panels; its
    watch-list export is the table shown; a carrier's page shows only its brand."""
    page = site.get("admin.ops", "/app/security")
    assert page.status_code == 200, page.text
    html = page.text
    assert "ZTO-CD-O2-1108-01" in html and "YTO-MY-O9" in html
    for panel in ("orders", "holds", "inspections"):
        assert f'data-table="{panel}"' in html
    exported = site.get("admin.ops", "/app/security", export="csv", table="watchlist")
    lines = exported.content.decode("utf-8").lstrip("\ufeff").splitlines()
    assert len(lines) == 1 + 3 and lines[1].startswith("SF-MY-O1,SF,510703")
    zto = site.get("planner.zto", "/app/security", by="carrier").text
    assert "SF-MY-O1" not in zto and "YTO" not in zto
    bad = site.get("admin.ops", "/app/security", region="5x")
    assert bad.status_code == 200 and 'id="region-error"' in bad.text


def test_a_past_moment_counts_what_was_scanned_by_then(site: Site) -> None:
    """At 12:00 on 8 November (the demo records a past season): the range ends that day, and
    the hub's screening of ZTO-CD-O2's parcel 00 at 14:00 is not yet counted (8 of 10)."""
    moment = datetime(2026, 11, 8, 12, 0, tzinfo=CHINA_STANDARD_TIME)
    report = compliance(site.home / "lake", actor=ADMIN, now=moment)
    assert (report.day_from, report.day_to) == (date(2026, 11, 2), date(2026, 11, 8))
    [o2] = [row for row in report.rows if row.outlet_id == "ZTO-CD-O2"]
    assert (o2.accepts, o2.count("x_rayed"), o2.count("x_rayed_at_hub")) == (10, 8, 0)


def test_the_holds_panel_follows_the_readers_reach(site: Site) -> None:
    """A stop-sort hold on one of SF's Mianyang waybills shows in the holds panel of the
    administrator and of Mianyang's office, not of ZTO's planner."""
    draft = HoldDraft(
        scope="waybill",
        carrier="SF",
        region="510703",
        node_id="SF-MY-O1",
        category="explosives",
        held_from=datetime(2026, 11, 14, 12, 0, tzinfo=CHINA_STANDARD_TIME),
        evidence="X 光机图像显示疑似雷管",
        waybills=("SF-MY-O1-1114-03",),
    )
    hold = place_hold(site.store, ADMIN, draft, lake=site.home / "lake")
    reference = hold.hold.reference
    for user, shown in (("admin.ops", True), ("analyst.my", True), ("planner.zto", False)):
        page = site.get(user, "/app/security", export="csv", table="holds")
        assert (reference in page.content.decode("utf-8")) is shown, user


def test_the_inspections_panel_follows_the_readers_reach(site: Site) -> None:
    """An unannounced inspection (暗访) of ZTO in Mianyang shows in the recent inspections of
    the administrator and of Mianyang's office; ZTO does not see it before it is completed."""
    plan = InspectionPlan(
        kind="unannounced",
        conducted_by="regulator",
        company="zto",
        scheduled_at=datetime(2026, 11, 16, 9, 0, tzinfo=CHINA_STANDARD_TIME),
        inspectors=("inspector.my",),
        address="绵阳市涪城区 1 号",
        region="510703",
        organisation="sc-my",
    )
    planned = plan_inspection(site.store, ADMIN, plan)
    for user, shown in (("admin.ops", True), ("analyst.my", True), ("planner.zto", False)):
        rows = site.get(user, "/app/security", export="csv", table="inspections")
        lines = rows.content.decode("utf-8").lstrip("\ufeff").splitlines()[1:]
        assert any(line.startswith(f"{planned.inspection.id},") for line in lines) is shown, user


def test_the_orders_panel_shows_the_clock(site: Site) -> None:
    """An order issued on the spot to ZTO in Mianyang with 10 days: the administrator and ZTO
    see it with its deadline and time left (in time); Mianyang's office too."""
    order = issue_order(
        site.store,
        OrderDraft(
            requirement="所有收寄包裹过机安检",
            deadline="10d",
            rule_keys=("x_ray",),
            carrier="ZTO",
            region="510703",
            place="ZTO-MY-O1",
            facts="暗访发现未过机",
        ),
        actor=ADMIN,
    )
    for user in ("admin.ops", "analyst.my", "planner.zto"):
        rows = site.get(user, "/app/security", export="csv", table="orders")
        lines = rows.content.decode("utf-8").lstrip("\ufeff").splitlines()
        [line] = [line for line in lines if line.startswith(order.reference)]
        assert line.endswith(",in time") and " d " in line, (user, line)


def test_the_commands_answer_as_the_api(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``peakguard security compliance|watchlist --json`` writes what the API answers the
    administrator; ``--format xlsx --output`` writes the workbook, ``--output x.csv`` the CSV."""
    monkeypatch.setenv("PEAKGUARD_HOME", str(site.home))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", f"sqlite:///{site.home / 'a.db'}")
    runner = CliRunner()
    for command, path in (
        ("compliance", "/security/compliance"),
        ("watchlist", "/security/watchlist"),
    ):
        target = tmp_path / f"{command}.json"
        result = runner.invoke(
            cli_app,
            ["--lang", "en", "security", command, "--json", str(target)],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        assert json.loads(target.read_text("utf-8")) == site.get("admin.ops", path).json()
    book = tmp_path / "watch.xlsx"
    result = runner.invoke(
        cli_app,
        ["--lang", "en", "security", "watchlist", "--format", "xlsx", "--output", str(book)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(book).sheetnames == ["watch list", "evidence"]
    figures = tmp_path / "figures.csv"
    result = runner.invoke(
        cli_app,
        ["--lang", "en", "security", "compliance", "--by", "region", "--output", str(figures)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert figures.read_text("utf-8-sig").splitlines()[1].startswith("51,217,")
    looser = tmp_path / "settings.toml"
    looser.write_text("[security]\nx_ray_threshold = 0.85\n", "utf-8")
    target = tmp_path / "looser.json"
    command = ["--lang", "en", "security", "watchlist", "--settings", str(looser)]
    result = runner.invoke(cli_app, [*command, "--json", str(target)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    listed = json.loads(target.read_text("utf-8"))["outlets"]
    assert [outlet["outlet"] for outlet in listed] == ["SF-MY-O1"]  # 90 % X-ray ≥ 85 %
    looser.write_text("[security]\nminimum_accepts = 0\n", "utf-8")
    refused = runner.invoke(cli_app, command)
    assert refused.exit_code != 0 and "minimum_accepts" in refused.output
    wrong = runner.invoke(cli_app, ["--lang", "en", "security", "compliance", "--by", "nowhere"])
    assert wrong.exit_code != 0 and "--by" in wrong.output
