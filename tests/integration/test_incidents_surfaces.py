"""Incidents over the pages, the API and the CLI, on SQLite (the engines are tested in
test_incidents.py): ZTO's planner reports a blockage through the form (an unknown node shown
beside its field), adds a follow-up; a Chengdu analyst does not find it; the API and the CLI
open, report, approve the announcement and sweep alike."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from peakguard.app import accounts
from peakguard.app.incidents import get_incident
from peakguard.app.networks import save_network
from peakguard.cli import app as cli_app
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.formats.loading import load_network
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from tests.conftest import administrator_headers
from tests.integration.test_authentication import Site, make_site

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Chengdu–Mianyang stored; ZTO's network planner; the site's Chengdu analyst."""
    home = tmp_path_factory.mktemp("incidents")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
            save_network(made.store, actor=ADMIN, network=network, source="test")
            made.passwords["zto.planner"] = "Pw-zto-planner-q7Rm2xLw9Zt4"
            accounts.create_user(
                made.store, ADMIN, username="zto.planner", organisation="zto",
                roles=["network_planner"], display_name="zto",
                password=made.passwords["zto.planner"],
            )  # fmt: skip
            yield made


def log_in(site: Site, username: str) -> None:
    site.client.cookies.clear()
    answer = site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username]},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


FORM = {
    "type": "road_cut",
    "carrier": "ZTO",
    "region": "510700",
    "start": "2026-11-11T06:00",
    "until": "2026-11-12T06:00",
    "blocked": "yes",
    "network": "chengdu-mianyang",
    "nodes": "ZTO-MY-HUB NO-SUCH-NODE",
    "text": "G5 绵阳段塌方",
    "parcels_held": "42000",
}


def test_a_planner_reports_a_blockage_through_the_pages(site: Site) -> None:
    """The unknown node is named beside its field and nothing is recorded; corrected, the
    incident opens with its clock met and its announcement draft, a follow-up is added, the list
    shows it; a stale form (409) and an empty report (422) are shown above the forms, nothing
    recorded; the Chengdu analyst (outside Mianyang) gets 404."""
    log_in(site, "zto.planner")
    form = site.client.get("/app/incidents/new")
    assert form.status_code == 200
    token = csrf_of(form.text)
    refused = site.client.post("/app/incidents/new", data={**FORM, "csrf_token": token})
    assert refused.status_code == 422
    assert "has no node NO-SUCH-NODE" in refused.text
    opened = site.client.post(
        "/app/incidents/new",
        data={**FORM, "nodes": "ZTO-MY-HUB", "csrf_token": token},
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text
    path = opened.headers["location"]
    page = site.client.get(path)
    assert 'data-state="reported"' in page.text and 'data-testid="announcement"' in page.text
    report = site.client.post(
        f"{path}/reports",
        data={"csrf_token": token, "version": "2", "kind": "follow_up", "text": "已分流至成都"},
        follow_redirects=False,
    )
    assert report.status_code == 303, report.text
    page = site.client.get(path)
    assert "已分流至成都" in page.text
    stale = site.client.post(
        f"{path}/reports",
        data={"csrf_token": token, "version": "2", "kind": "final", "text": "恢复"},
    )
    assert stale.status_code == 409 and 'data-testid="incident-message"' in stale.text
    empty = site.client.post(
        f"{path}/reports", data={"csrf_token": token, "version": "3", "kind": "final", "text": ""}
    )
    assert empty.status_code == 422 and "is required" in empty.text
    held = get_incident(site.store, path.rsplit("/", 1)[1], actor=ADMIN)
    assert [report.kind for report in held.reports] == ["first", "follow_up"]
    listed = site.client.get("/app/incidents")
    assert path.rsplit("/", 1)[1] in listed.text
    log_in(site, "cd.analyst")
    assert site.client.get(path).status_code == 404


def test_the_api_opens_reports_approves_and_sweeps(site: Site) -> None:
    """POST /incidents (a blockage two hours ago, first reported now: met; one of last week:
    breached), a follow-up, the announcement approved, a stale report refused, the sweep."""
    site.client.cookies.clear()
    headers = administrator_headers(site.store)
    start = datetime.now(UTC) - timedelta(hours=2)
    body = {
        "type": "weather", "carrier": "ZTO", "region": "510100", "start": start.isoformat(),
        "until": (start + timedelta(hours=12)).isoformat(), "blocked": True, "text": "暴雪封路",
    }  # fmt: skip
    opened = site.client.post("/incidents", json=body, headers=headers)
    assert opened.status_code == 201, opened.text
    incident = opened.json()
    assert incident["clock"]["outcome"] == "met" and incident["reports"][0]["kind"] == "first"
    late = site.client.post(
        "/incidents", json={**body, "start": (start - timedelta(days=7)).isoformat()},
        headers=headers,
    )  # fmt: skip
    assert late.status_code == 201 and late.json()["clock"]["outcome"] == "breached"
    follow = {"kind": "follow_up", "expected_version": incident["version"], "text": "恢复中"}
    reported = site.client.post(
        f"/incidents/{incident['reference']}/reports", json=follow, headers=headers
    )
    assert reported.status_code == 201, reported.text
    edit = {"expected_version": reported.json()["version"], "texts": {"en": "Call 95311."}}
    edited = site.client.post(
        f"/incidents/{incident['reference']}/announcement", json=edit, headers=headers
    )
    assert edited.status_code == 200 and edited.json()["texts"]["en"] == "Call 95311."
    assert edited.json()["status"] == "draft" and "[hotline]" in edited.json()["texts"]["zh_CN"]
    approve = {"expected_version": reported.json()["version"] + 1, "approve": True}
    approved = site.client.post(
        f"/incidents/{incident['reference']}/announcement", json=approve, headers=headers
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    stale = site.client.post(
        f"/incidents/{incident['reference']}/reports", json=follow, headers=headers
    )
    assert stale.status_code == 409
    swept = site.client.post("/incidents/sweep", headers=headers)
    assert swept.status_code == 200 and swept.json()["ran"] is True
    held = get_incident(site.store, incident["reference"], actor=ADMIN)
    assert [r.kind for r in held.reports] == ["first", "follow_up"]
    assert held.announcement is not None and held.announcement.status == "approved"


def test_the_cli_opens_from_a_file_lists_shows_and_sweeps(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``incident open FILE`` records what the file says; list and show name it; sweep runs; a
    follow-up is added; a reroute without an expected end is refused at ``until`` (exit 2)."""
    monkeypatch.setenv("PEAKGUARD_HOME", str(site.settings.home))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", site.settings.database_url)
    document = {
        "type": "fire", "carrier": "ZTO", "region": "510100", "start": "2026-11-13T02:00",
        "network": "chengdu-mianyang", "nodes": ["ZTO-CD-HUB"], "text": "分拨中心火情",
        "figures": {"parcels_held": 1200},
    }  # fmt: skip
    path = tmp_path / "incident.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()

    def run(*arguments: str, code: int = 0) -> str:
        result = runner.invoke(cli_app, ["--lang", "en", *arguments], env={"COLUMNS": "240"})
        assert result.exit_code == code, result.output
        return result.output

    shown = run("incident", "open", str(path))
    reference = re.search(r"SJ\d{4}-\d{6}", shown)
    assert reference is not None
    assert reference.group(0) in run("incident", "list")
    assert "ZTO-CD-HUB" in run("incident", "show", reference.group(0))
    assert "examined" in run("incident", "sweep")
    follow = ("--kind", "follow_up", "--text", "明火已扑灭", "--version", "1")
    assert "明火已扑灭" in run("incident", "report", reference.group(0), *follow)
    refused = run("incident", "reroute", reference.group(0), code=2)
    assert "until" in refused
    held = get_incident(site.store, reference.group(0), actor=ADMIN, now=datetime.now(UTC))
    assert held.reports[0].figures == {"parcels_held": 1200}
    assert held.incident.period_start == datetime(2026, 11, 13, 2, tzinfo=CHINA_STANDARD_TIME)


def test_a_data_reporter_sends_an_incident_it_may_not_read(site: Site) -> None:
    """ZTO's data reporter (incident.report without incident.read) opens an incident through
    the form and is told its reference on the form, not sent to a page it may not read."""
    log_in(site, "zto.reporter")
    token = csrf_of(site.client.get("/app/incidents/new").text)
    sent = site.client.post(
        "/app/incidents/new",
        data={**FORM, "nodes": "ZTO-MY-HUB", "blocked": "", "csrf_token": token},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"].startswith("/app/incidents/new?")
    reference = sent.headers["location"].rsplit("=", 1)[1]
    assert reference in site.client.get(sent.headers["location"]).text
    assert get_incident(site.store, reference, actor=ADMIN).state == "reported"
