"""The plan pages through FastAPI's test client, on SQLite and PostgreSQL: a staggered pickup
plan and a reroute started from the form run to their result pages, whose tables are the
plans made directly; a bad releases file is refused beside its field and queues nothing; a
user without plan.run gets the 403 page; another organisation sees none of it."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from peakguard.app.networks import get_network, save_network
from peakguard.app.plan_job import UploadedFile, releases_upload
from peakguard.app.plans import closure_requests, plan_reroute, plan_stagger
from peakguard.app.simulation import parse_scenario_document, read_scenario_file
from peakguard.formats.loading import load_network
from peakguard.formats.release_document import quota_rows
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from peakguard.store.database import Store, transaction
from peakguard.store.tables import JobRow
from peakguard.web.pages.plans import PlanForm
from tests.integration.test_authentication import Site, cheap_passwords, make_site

__all__ = ["cheap_passwords"]

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
SCENARIO = (EXAMPLES / "double11-small.yaml").read_bytes()
RELEASES = (
    "origin,carrier,release_day,latest_day,parcels\n"
    "ZTO-CD-O1,ZTO,2026-11-11,2026-11-13,90000\n"
    "ZTO-CD-O2,ZTO,2026-11-11,2026-11-12,80000\n"
    "ZTO-MY-O1,ZTO,2026-11-10,2026-11-12,50000\n"
)
"""Three outlets' Double 11 releases, more than the hubs can take on the day."""


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The pages do not depend on the engine: SQLite only (the workflows run on both
    engines in their own tests)."""
    return sqlite_url


@pytest.fixture
def site(database_url: str, tmp_path: Path, cheap_passwords: None) -> Iterator[Site]:
    """site: the authentication tests' deployment (an operations administrator, a ZTO data
    reporter without plan.run, a Chengdu analyst) with the Chengdu–Mianyang example stored."""
    for made in make_site(database_url, tmp_path):
        network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
        save_network(made.store, actor=LOCAL_ADMINISTRATOR, network=network, source="test")
        yield made


def log_in(site: Site, username: str) -> None:
    site.client.cookies.clear()
    page = site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username], "next": ""},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def job_rows(store: Store) -> int:
    with transaction(store.sessions) as session:
        return session.scalar(select(func.count()).select_from(JobRow)) or 0


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="{name}-error"[^>]*>([^<]*)</p>', html)
    return found.group(1) if found else ""


def wait_for_status(site: Site, job_id: str, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    status = ""
    while time.monotonic() < deadline:
        status = site.client.get(f"/jobs/{job_id}").json()["status"]
        if status in {"succeeded", "failed", "cancelled"}:
            return status
        time.sleep(0.1)
    return status


def submit_stagger(site: Site, releases: tuple[str, bytes] | None = None, **data: str) -> Any:
    form = site.client.get("/app/plans/new?kind=stagger")
    assert form.status_code == 200, form.text
    fields = {"kind": "stagger", "network": "chengdu-mianyang", "source": "file"} | data
    return site.client.post(
        "/app/plans/new",
        data=fields | {"csrf_token": csrf_of(form.text)},
        files={
            "file": ("double11-small.yaml", SCENARIO, "application/x-yaml"),
            "releases": releases or ("releases.csv", RELEASES.encode(), "text/csv"),
            "settings": ("", b""),
        },
        follow_redirects=False,
    )


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def direct_stagger(site: Site) -> Any:
    network = get_network(site.store, "chengdu-mianyang", actor=LOCAL_ADMINISTRATOR)
    scenario = read_scenario_file(EXAMPLES / "double11-small.yaml", network)
    releases = releases_upload(UploadedFile("releases.csv", RELEASES.encode()), network, scenario)
    return plan_stagger(network, scenario, releases, actor=LOCAL_ADMINISTRATOR, check=True)


def test_a_stagger_plan_started_from_the_form_shows_the_plan_made_directly(site: Site) -> None:
    """The form queues the plan and goes to its progress page; the result page's quotas
    (and their CSV export) are plan_stagger's own, its figures say how many parcels wait,
    and it links the plan report and the quota files."""
    log_in(site, "admin.one")
    page = site.client.get("/app/plans/new?kind=stagger")
    assert 'name="releases"' in page.text and 'name="settings"' in page.text
    assert 'href="/app/plans/new"' in page.text  # the menu's entry
    started = submit_stagger(site)
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    job_id = location.rsplit("/", 1)[-1]
    progress = site.client.get(location)
    assert 'role="progressbar"' in progress.text and "Staggered pickup plan" in progress.text
    assert wait_for_status(site, job_id) == "succeeded"
    result = site.client.get(f"{location}/result")
    assert result.status_code == 200, result.text
    direct = direct_stagger(site)
    assert f"{round(direct.plan.delayed_parcels):,}" in result.text
    assert 'data-table="quotas"' in result.text and 'data-table="hubs"' in result.text
    exported = site.client.get(f"{location}/result?export=csv&table=quotas")
    assert exported.status_code == 200
    rows = csv_rows(exported.content)[1:]
    expected = [
        [str(origin), str(carrier), str(day), str(round(quota))]
        for origin, carrier, day, quota, _released in quota_rows(direct.plan)
    ]
    assert [row[:4] for row in rows] == expected
    assert site.client.get(f"{location}/result?export=xlsx&table=hubs").status_code == 200
    assert f'src="/jobs/{job_id}/report"' in result.text
    report = site.client.get(f"/jobs/{job_id}/report")
    assert report.status_code == 200 and "double11-small" in report.text
    assert f'href="/jobs/{job_id}/files/quotas.xlsx"' in result.text
    assert site.client.get(f"/jobs/{job_id}/files/quotas.xlsx").status_code == 200
    assert "Staggered pickup plan" in site.client.get("/app/jobs").text


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("releases.csv", RELEASES.replace("ZTO-CD-O2", "NOPE").encode(), "releases.csv row 3"),
        ("releases.csv", RELEASES.replace("80000", "-5").encode(), "releases.csv row 3"),
        ("releases.txt", RELEASES.encode(), "releases.txt"),
        ("releases.json", b'[{"origin": "ZTO-CD-O1"}]', "releases.json[0]"),
    ],
)
def test_a_bad_releases_file_is_refused_beside_its_field(
    site: Site, name: str, content: bytes, expected: str
) -> None:
    """Each mistake of the releases file is shown beside the file's field with its file, row
    (or item) and column; the job is not queued."""
    log_in(site, "admin.one")
    page = submit_stagger(site, releases=(name, content, "text/plain"))
    assert page.status_code == 422, page.text
    shown = field_error(page.text, "releases")
    assert expected in shown, page.text
    assert 'aria-describedby="releases-error"' in page.text
    assert job_rows(site.store) == 0


def test_a_settings_file_with_a_mistake_is_refused_beside_its_field(site: Site) -> None:
    log_in(site, "admin.one")
    form = site.client.get("/app/plans/new?kind=stagger")
    page = site.client.post(
        "/app/plans/new",
        data={
            "kind": "stagger",
            "network": "chengdu-mianyang",
            "source": "file",
            "csrf_token": csrf_of(form.text),
        },
        files={
            "file": ("double11-small.yaml", SCENARIO, "application/x-yaml"),
            "releases": ("releases.csv", RELEASES.encode(), "text/csv"),
            "settings": ("plan.toml", b"[stagger]\nsorting_margin = 7\n", "text/plain"),
        },
        follow_redirects=False,
    )
    assert page.status_code == 422, page.text
    assert "sorting_margin" in field_error(page.text, "settings")
    assert job_rows(site.store) == 0


def test_a_reroute_started_from_the_builder_shows_the_backups_and_the_routing(
    site: Site,
) -> None:
    """A reroute around the Mianyang hub closed for a day, from the builder: its result page
    lists plan_reroute's backup hubs and changed routing relations."""
    log_in(site, "admin.one")
    form = site.client.get("/app/plans/new?kind=reroute")
    builder = {
        "kind": "reroute", "network": "chengdu-mianyang", "source": "builder",
        "name": "my-closed", "first_day": "2026-11-10", "days": "3", "multiplier": "1.5",
        "closure_node": "ZTO-MY-HUB", "closure_day": "2026-11-11",
    }  # fmt: skip
    started = site.client.post(
        "/app/plans/new",
        data=builder | {"csrf_token": csrf_of(form.text)},
        files={"file": ("", b""), "settings": ("", b"")},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    assert wait_for_status(site, location.rsplit("/", 1)[-1]) == "succeeded"
    result = site.client.get(f"{location}/result")
    assert result.status_code == 200, result.text
    network = get_network(site.store, "chengdu-mianyang", actor=LOCAL_ADMINISTRATOR)
    scenario = parse_scenario_document(builder_document(builder), network)
    direct = plan_reroute(network, scenario, closure_requests(scenario), actor=LOCAL_ADMINISTRATOR)
    backups = [backup.hub for backup in direct.plans[0].backups]
    assert backups
    exported = csv_rows(site.client.get(f"{location}/result?export=csv&table=backups-1").content)
    assert [row[0] for row in exported[1:]] == backups
    routing = csv_rows(site.client.get(f"{location}/result?export=csv&table=routing-1").content)
    assert [tuple(row) for row in routing[1:]] == [
        (item.node, item.destination, item.next_node) for item in direct.plans[0].routing_overrides
    ]


def builder_document(builder: dict[str, str]) -> dict[str, Any]:
    """The scenario the page's builder makes of ``builder``'s fields."""
    form = PlanForm(
        builder["network"], "builder", builder["name"], builder["first_day"], builder["days"],
        builder["multiplier"], builder["closure_node"], builder["closure_day"],
    )  # fmt: skip
    return form.builder_document()


def test_a_reroute_without_a_closure_is_refused_beside_the_hub_field(site: Site) -> None:
    log_in(site, "admin.one")
    form = site.client.get("/app/plans/new?kind=reroute")
    page = site.client.post(
        "/app/plans/new",
        data={
            "kind": "reroute",
            "network": "chengdu-mianyang",
            "source": "builder",
            "name": "x",
            "first_day": "2026-11-10",
            "days": "2",
            "multiplier": "1",
            "csrf_token": csrf_of(form.text),
        },
        files={"file": ("", b""), "settings": ("", b"")},
        follow_redirects=False,
    )
    assert page.status_code == 422, page.text
    assert field_error(page.text, "closure_node"), page.text
    assert job_rows(site.store) == 0


def test_without_plan_run_the_form_is_forbidden_and_another_organisation_sees_nothing(
    site: Site,
) -> None:
    """The ZTO data reporter (no plan.run) gets the 403 page for the form and for a post;
    the Chengdu analyst gets 404 for the operations organisation's plan job, its page, its
    result and its files, as for a job that never existed."""
    log_in(site, "admin.one")
    location = submit_stagger(site).headers["location"]
    job_id = location.rsplit("/", 1)[-1]
    log_in(site, "zto.reporter")
    assert site.client.get("/app/plans/new").status_code == 403
    refused = site.client.post("/app/plans/new", data={"kind": "stagger"})
    assert refused.status_code == 403
    assert 'href="/app/plans/new"' not in site.client.get("/app/home").text
    log_in(site, "cd.analyst")
    for path in (location, f"{location}/result", f"/jobs/{job_id}",
                 f"/jobs/{job_id}/files/quotas.csv", f"/jobs/{job_id}/report"):  # fmt: skip
        assert site.client.get(path).status_code == 404, path
    assert job_id not in site.client.get("/app/jobs").text
