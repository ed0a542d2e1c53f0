"""The daily report pages through the real login form, on SQLite (the pages only call the
application layer, whose engines are tested in test_daily_reports.py): ZTO's data reporter
fills the form (a mistake shown beside its field, then kept, then corrected as version 2);
Chengdu's analyst finds it in the list, reads its versions, and rolls the day up."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from html import unescape

import pytest
from argon2 import PasswordHasher

from peakguard.identity import credentials
from tests.integration.test_authentication import Site, make_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """ZTO's data reporter (report.submit) and Chengdu's analyst (report.read), on SQLite."""
    home = tmp_path_factory.mktemp("daily-pages")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        yield from make_site(f"sqlite:///{home / 'peakguard.db'}", home)


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


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="{name}-error"[^>]*>([^<]*)</p>', html)
    return unescape(found.group(1)) if found else ""


FORM = {
    "day": "2026-11-11",
    "region": "510100",
    "picked_up": "182000",
    "delivered": "150000",
    "backlog": "3200",
    "staff": "46",
    "vehicles": "12",
    "hubs": "ZTO-CD-HUB 2000\nZTO-CD-HUB2 1200",
    "closed": "ZTO-CD-O2 road works",
}


def test_a_reporter_submits_and_corrects_and_an_analyst_reads_and_rolls_up(site: Site) -> None:
    """A district code is refused beside the region field; the report is kept, then corrected
    (version 2 with its reason); the analyst's list, report page and roll-up show it."""
    log_in(site, "zto.reporter")
    form = site.client.get("/app/daily-reports/new")
    assert form.status_code == 200
    token = csrf_of(form.text)
    refused = site.client.post(
        "/app/daily-reports/new", data=FORM | {"region": "510104", "csrf_token": token}
    )
    assert refused.status_code == 422
    assert "city" in field_error(refused.text, "region")
    kept = site.client.post(
        "/app/daily-reports/new", data=FORM | {"csrf_token": token}, follow_redirects=False
    )
    assert kept.status_code == 303, kept.text
    location = kept.headers["location"]
    again = site.client.post(
        "/app/daily-reports/new",
        data=FORM | {"picked_up": "182500", "reason": "late scans", "csrf_token": token},
        follow_redirects=False,
    )
    assert again.headers["location"] == location
    assert site.client.get("/app/daily-reports").status_code == 403  # no report.read

    log_in(site, "cd.analyst")
    listed = site.client.get("/app/daily-reports")
    assert listed.status_code == 200
    assert location in listed.text
    shown = site.client.get(location)
    assert "late scans" in shown.text and "182,500" in shown.text
    exported = site.client.get(
        "/app/daily-reports/rollup",
        params={"day": "2026-11-11", "export": "csv", "table": "rollup"},
    )
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    totals = [row for row in rows if "total" in row.values()]
    assert len(totals) == 1
    assert "182500" in totals[0].values()
    assert site.client.get("/app/daily-reports/rollup").status_code == 200
