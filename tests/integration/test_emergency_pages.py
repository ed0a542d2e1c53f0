"""The emergency pages through the real login form (SQLite): Chengdu's director activates the
peak-backlog plan at level III from the form, the duty officer checks an action off, a stale
form changes nothing, the director terminates it; the analyst reads without forms; the list
exports the rows shown."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from peakguard.app import accounts
from peakguard.app.emergency import get_activation
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from tests.integration.test_authentication import Site, make_site

USERS = (("cd.director", "director"), ("cd.duty", "duty_officer"))


@pytest.fixture
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Chengdu's director and duty officer beside the site's analyst, on SQLite."""
    home = tmp_path_factory.mktemp("emergency-pages")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            for username, role in USERS:
                made.passwords[username] = f"Pw-{len(username)}-q7Rm2xLw9Zt4"
                accounts.create_user(
                    made.store, ADMIN, username=username, organisation="sc-cd", roles=[role],
                    display_name=username, password=made.passwords[username],
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
    assert found, "the page has no CSRF field"
    return found.group(1)


def test_a_plan_is_activated_checked_and_terminated_from_the_pages(site: Site) -> None:
    """Director: activate III over 510100; duty: check duty_24h; a stale check is a 409 that
    records nothing; director: terminate; analyst: sees it, no form; CSV holds the row."""
    client = site.client
    log_in(site, "cd.director")
    page = client.get("/app/emergency").text
    started = client.post(
        "/app/emergency",
        data={
            "csrf_token": csrf_of(page), "plan": "peak_backlog", "level": "III",
            "region": "510100", "mode": "activate",
        },
        follow_redirects=False,
    )  # fmt: skip
    assert started.status_code == 303, started.text
    path = started.headers["location"]
    page = client.get(path).text
    assert 'data-state="activated"' in page and 'data-level="III"' in page
    assert page.count('data-checked="no"') == 5

    log_in(site, "cd.duty")
    page = client.get(path).text
    assert 'data-step="terminate"' not in page
    checked = client.post(
        f"{path}/actions/duty_24h",
        data={"csrf_token": csrf_of(page), "version": "1", "note": "值班表已发布"},
        follow_redirects=True,
    )
    assert 'data-action="duty_24h" data-checked="yes"' in checked.text
    stale = client.post(
        f"{path}/actions/report_daily",
        data={"csrf_token": csrf_of(page), "version": "1"},
    )
    assert stale.status_code == 409 and 'data-action="report_daily" data-checked="no"' in stale.text

    log_in(site, "cd.director")
    page = client.get(path).text
    ended = client.post(
        f"{path}/steps",
        data={
            "csrf_token": csrf_of(page),
            "step": "terminate",
            "version": "2",
            "reason": "积压已清",
        },
        follow_redirects=True,
    )
    assert 'data-state="terminated"' in ended.text
    activation_id = int(path.rsplit("/", 1)[1])
    assert (
        get_activation(site.store, activation_id, actor=ADMIN).record.termination_reason
        == "积压已清"
    )

    log_in(site, "cd.analyst")
    listing = client.get("/app/emergency").text
    assert path in listing and 'data-testid="emergency-start"' not in listing
    yellow = re.search(r'data-tone="yellow">\s*<div class="card-label">[^<]*</div>\s*'
                       r'<div class="card-value">(\d+)</div>', listing)  # fmt: skip
    assert yellow is not None and yellow.group(1) == "1"
    exported = client.get("/app/emergency", params={"export": "csv", "table": "activations"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == str(activation_id)
