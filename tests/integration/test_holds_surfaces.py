"""Stop-sort holds over the pages, the API and the CLI, on SQLite (the engines are tested in
test_holds.py): ZTO's security officer places a hold through the form (a missing category
shown beside its field) and may not release it (403 on the page and over the API); Chengdu's
inspector releases it through the form (a stale form: 409); the API places, lists, shows,
sweeps and releases alike; the CLI places, lists, shows, finds the violation and releases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from peakguard.app import accounts
from peakguard.app.events import parse_event_records
from peakguard.cli import app as cli_app
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import Organisation, OrganisationKind
from peakguard.store.event_lake import ingest
from tests.conftest import administrator_headers
from tests.integration.test_authentication import Site, make_site

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = {
    "scope": "waybill",
    "carrier": "ZTO",
    "region": "510104",
    "node_id": "ZTO-CD-O1",
    "category": "flammable_liquids",
    "held_from": "2026-11-11T10:00",
    "evidence": "验视发现疑似汽油，约 2 升",
    "waybills": "ZT7001",
}
USERS = {
    "zto.security": ("zto", "security_officer"),
    "cd.inspector": ("sc-cd", "inspector"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """make_site's deployment (ZTO, Chengdu's office) with ZTO's security officer and
    Chengdu's inspector."""
    home = tmp_path_factory.mktemp("holds")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            for username, (organisation, role) in USERS.items():
                made.passwords[username] = f"Pw-{len(username)}-q7Rm2xLw9Zt4-hold"
                accounts.create_user(
                    made.store, ADMIN, username=username, organisation=organisation,
                    roles=[role], display_name=username, password=made.passwords[username],
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


def token(site: Site, organisation: str, *permissions: str) -> dict[str, str]:
    issued = accounts.issue_token(
        site.store, ADMIN, organisation=organisation, name="holds", permissions=list(permissions),
        days=1, max_days=1,
    )  # fmt: skip
    return {"Authorization": f"Bearer {issued.text}"}


def test_an_officer_places_and_an_inspector_releases_through_the_pages(site: Site) -> None:
    """The form without a category is refused beside the field; with it, the hold page shows
    the waybill, the X-ray image (downloaded from its link) and no release form for the
    officer, whose release is 403; the inspector sees the release form, releases it, and a
    second release on the same version is a 409 shown above the form."""
    log_in(site, "zto.security")
    form = site.client.get("/app/holds/new")
    assert form.status_code == 200
    csrf = csrf_of(form.text)
    refused = site.client.post("/app/holds/new", data={**FORM, "category": "", "csrf_token": csrf})
    assert refused.status_code == 422 and 'id="category-error"' in refused.text
    placed = site.client.post(
        "/app/holds/new",
        data={**FORM, "csrf_token": csrf},
        files={"file": ("xray.png", PNG, "image/png")},
        follow_redirects=False,
    )
    assert placed.status_code == 303, placed.text
    path = placed.headers["location"].split("?")[0]
    page = site.client.get(path)
    assert 'data-state="held"' in page.text and "ZT7001" in page.text and "xray.png" in page.text
    assert 'data-testid="release-form"' not in page.text
    link = re.search(r'href="(/holds/\d+/evidence/[0-9a-f]{64})"', page.text)
    assert link is not None
    image = site.client.get(link.group(1))
    assert image.status_code == 200 and image.content == PNG
    release = {"csrf_token": csrf, "version": "1", "outcome": "false_alarm", "reason": "误报"}
    assert site.client.post(f"{path}/release", data=release).status_code == 403
    assert "HOLD-" in site.client.get("/app/holds").text
    log_in(site, "cd.inspector")
    page = site.client.get(path)
    assert 'data-testid="release-form"' in page.text
    csrf = csrf_of(page.text)
    done = site.client.post(
        f"{path}/release", data={**release, "csrf_token": csrf}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert 'data-state="released"' in site.client.get(path).text
    stale = site.client.post(f"{path}/release", data={**release, "csrf_token": csrf})
    assert stale.status_code == 409 and 'data-testid="hold-message"' in stale.text


def test_the_api_refuses_the_carriers_release_and_a_stale_one(site: Site) -> None:
    """ZTO's officer token places a hold (201, reported to Chengdu's office) and gets 403
    releasing it; Chengdu's inspector token releases it once (200), then 409; another brand's
    token does not find it (404); the rules list the categories."""
    officer = token(site, "zto", "security.read", "hold.place")
    body: dict[str, Any] = {
        **FORM, "held_from": "2026-11-11T10:00:00+08:00", "waybills": ["ZT7002"],
    }  # fmt: skip
    placed = site.client.post("/holds", json=body, headers=officer)
    assert placed.status_code == 201, placed.text
    hold = placed.json()
    assert [item["organisation"] for item in hold["reports"]] == ["sc-cd"]
    release = {"expected_version": 1, "outcome": "returned_to_sender", "reason": "退回寄件人"}
    refused = site.client.post(f"/holds/{hold['id']}/release", json=release, headers=officer)
    assert refused.status_code == 403
    inspector = token(site, "sc-cd", "security.read", "hold.release")
    done = site.client.post(f"/holds/{hold['id']}/release", json=release, headers=inspector)
    assert done.status_code == 200 and done.json()["state"] == "released"
    again = site.client.post(f"/holds/{hold['id']}/release", json=release, headers=inspector)
    assert again.status_code == 409
    accounts.create_organisation(
        site.store, ADMIN,
        Organisation(code="yto", name="圆通", kind=OrganisationKind.carrier,
                              carrier="YTO"),
    )  # fmt: skip
    other = token(site, "yto", "security.read")
    assert site.client.get(f"/holds/{hold['id']}", headers=other).status_code == 404
    rules = site.client.get("/holds/rules", headers=officer).json()
    assert {"explosives", "wildlife"} <= {item["key"] for item in rules["categories"]}


def test_the_cli_places_finds_the_violation_and_releases(site: Site) -> None:
    """``peakguard hold place`` on a waybill the lake shows departing after the hold: the
    violation is found at placement; ``show``, ``list``, ``violations`` print it; ``sweep``
    finds nothing new; ``release`` with the version releases it."""
    records = [
        {"waybill": "ZT7003", "carrier": "ZTO", "event": "depart", "node_id": "ZTO-CD-O1",
         "next_node_id": "ZTO-CD-HUB", "time": "2026-11-11T11:00:00+08:00",
         "origin_region": "510104", "destination_region": "110105"},
    ]  # fmt: skip
    ingest(site.settings.resolved_event_lake(), parse_event_records(records))
    environment = {
        "PEAKGUARD_DATABASE_URL": str(site.settings.database_url),
        "PEAKGUARD_HOME": str(site.settings.home),
        "PEAKGUARD_EVENT_LAKE": str(site.settings.resolved_event_lake()),
        "PEAKGUARD_LANGUAGE": "en",
        "COLUMNS": "240",
    }
    runner = CliRunner()

    def run(*arguments: str) -> str:
        result = runner.invoke(cli_app, ["hold", *arguments], env=environment)
        assert result.exit_code == 0, result.output
        return result.output

    placed = run(
        "place", "--scope", "waybill", "--carrier", "ZTO", "--region", "510104",
        "--node", "ZTO-CD-O1", "--category", "explosives", "--found-at", "2026-11-11T10:00",
        "--evidence", "疑似烟花", "--waybill", "ZT7003",
    )  # fmt: skip
    number = re.search(r"HOLD-(\d+)", placed)
    assert number is not None and "ZT7003" in placed and "when the hold was placed" in placed
    assert "HOLD-" + number.group(1) in run("list")
    assert "depart" in run("violations", "--hold", number.group(1))
    assert "Violations recorded now: 0." in run("sweep")
    released = run(
        "release", number.group(1), "--outcome", "handed_to_public_security",
        "--reason", "移交公安", "--version", "1",
    )  # fmt: skip
    assert "item removed and handed to public security" in released
    wrong = runner.invoke(
        cli_app, ["hold", "release", number.group(1), "--outcome", "false_alarm",
                  "--reason", "x", "--version", "1"], env=environment,
    )  # fmt: skip
    assert wrong.exit_code == 4
    assert administrator_headers  # the API tests' admin token helper stays importable
