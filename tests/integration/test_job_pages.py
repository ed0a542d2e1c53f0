"""The job pages through FastAPI's test client, on SQLite and PostgreSQL (the browser tests
drive Chromium): start a simulation from the form (mistakes beside their fields, nothing
queued), follow it to its result page, list and export the jobs, cancel one, and another
organisation sees none of it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from peakguard.app.networks import save_network
from peakguard.formats.network_document import parse_network
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from peakguard.store.database import Store, transaction
from peakguard.store.tables import JobRow
from peakguard.web.pages import jobs as job_pages
from peakguard.web.pages import routes
from tests.conftest import tiny_document
from tests.integration.test_authentication import Site, cheap_passwords, make_site

__all__ = ["cheap_passwords"]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The pages do not depend on the engine: SQLite only (the workflows run on both
    engines in their own tests)."""
    return sqlite_url


@pytest.fixture
def site(database_url: str, tmp_path: Path, cheap_passwords: None) -> Iterator[Site]:
    """site: the deployment of the authentication tests (an administrator of the operations
    organisation, a ZTO data reporter, a Chengdu analyst) with the tiny network stored."""
    for made in make_site(database_url, tmp_path):
        app = made.client.app
        if job_pages not in routes.PAGE_MODULES:  # until the shell lists the job pages
            app.include_router(job_pages.router)  # type: ignore[attr-defined]
            app.state.page_navigation.extend(job_pages.NAVIGATION)  # type: ignore[attr-defined]
        save_network(
            made.store, actor=LOCAL_ADMINISTRATOR, network=parse_network(tiny_document()),
            source="test",
        )  # fmt: skip
        yield made


def log_in(site: Site, username: str) -> None:
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


BUILDER = {
    "network": "tiny",
    "source": "builder",
    "name": "double-11",
    "first_day": "2026-11-11",
    "days": "2",
    "multiplier": "1.8",
    "closure_node": "DY-HUB",
    "closure_day": "2026-11-12",
}


def submit(site: Site, **changes: Any) -> Any:
    form = site.client.get("/app/simulations/new")
    assert form.status_code == 200, form.text
    data = {**BUILDER, **changes, "csrf_token": csrf_of(form.text)}
    return site.client.post(
        "/app/simulations/new", data=data, files={"file": ("", b"")}, follow_redirects=False
    )


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="{name}-error"[^>]*>([^<]*)</p>', html)
    return found.group(1) if found else ""


def wait_for_status(site: Site, job_id: str, seconds: float = 90) -> str:
    deadline = time.monotonic() + seconds
    status = ""
    while time.monotonic() < deadline:
        status = site.client.get(f"/jobs/{job_id}").json()["status"]
        if status in {"succeeded", "failed", "cancelled"}:
            return status
        time.sleep(0.1)
    return status


def test_the_form_offers_the_networks_in_reach(site: Site) -> None:
    """The administrator's form lists the tiny network, the builder's fields and a CSRF
    token; the menu offers the new simulation and the jobs."""
    log_in(site, "admin.one")
    page = site.client.get("/app/simulations/new")
    assert page.status_code == 200
    assert '<option value="tiny"' in page.text
    for name in ("first_day", "days", "multiplier", "closure_node", "closure_day", "file"):
        assert f'name="{name}"' in page.text
    assert csrf_of(page.text)
    assert 'href="/app/jobs"' in page.text and 'href="/app/simulations/new"' in page.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"closure_node": "NOPE"}, "closure_node"),
        ({"days": "0"}, "days"),
        ({"first_day": "2026-13-40"}, "first_day"),
        ({"network": ""}, "network"),
    ],
)
def test_a_mistake_is_shown_beside_its_field_and_nothing_is_queued(
    site: Site, changes: dict[str, str], field: str
) -> None:
    log_in(site, "admin.one")
    page = submit(site, **changes)
    assert page.status_code == 422, page.text
    assert field_error(page.text, field), page.text
    assert 'aria-invalid="true"' in page.text
    assert job_rows(site.store) == 0


def test_an_uploaded_scenario_with_a_mistake_is_located_beside_the_file(site: Site) -> None:
    log_in(site, "admin.one")
    form = site.client.get("/app/simulations/new")
    scenario = b"name: up\nfirst_day: 2026-11-11\ndays: 2\nclosures:\n  - node: NOPE\n"
    page = site.client.post(
        "/app/simulations/new",
        data={"network": "tiny", "source": "file", "csrf_token": csrf_of(form.text)},
        files={"file": ("peak.yaml", scenario, "application/x-yaml")},
        follow_redirects=False,
    )
    assert page.status_code == 422, page.text
    assert "closures[0]" in field_error(page.text, "file")
    assert job_rows(site.store) == 0


def test_a_simulation_started_from_the_form_runs_to_its_result_page(site: Site) -> None:
    """The form queues the job and goes to its progress page, which the script can follow;
    once done, the page (reloaded) links the result, whose figures, files and report are
    there, and the jobs list (and its CSV) holds it."""
    log_in(site, "admin.one")
    started = submit(site)
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    job_id = location.rsplit("/", 1)[-1]
    assert location == f"/app/jobs/{job_id}"
    page = site.client.get(location)
    assert page.status_code == 200
    assert f'data-job="{job_id}"' in page.text and 'role="progressbar"' in page.text
    assert "/app/static/jobs.js" in page.text
    assert wait_for_status(site, job_id) == "succeeded"
    again = site.client.get(location)
    assert re.search(r'<p data-role="result">\s*<a[^>]+href="/app/jobs/' + job_id, again.text)
    assert 'aria-valuenow="100"' in again.text
    result = site.client.get(f"{location}/result")
    assert result.status_code == 200
    assert "double-11" in result.text and 'data-testid="figures"' in result.text
    assert f'src="/jobs/{job_id}/report"' in result.text
    assert site.client.get(f"/jobs/{job_id}/report").status_code == 200
    assert f'href="/jobs/{job_id}/files/summary.json"' in result.text
    listed = site.client.get("/app/jobs")
    assert "double-11" in listed.text and f"/app/jobs/{job_id}/result" in listed.text
    exported = site.client.get("/app/jobs?export=csv&table=jobs")
    assert exported.status_code == 200 and "double-11" in exported.content.decode("utf-8-sig")
    assert site.client.get("/app/static/jobs.js").status_code == 200


def test_a_job_cancelled_from_its_page_says_so(site: Site) -> None:
    """With the worker stopped, a queued job cancelled from its page is cancelled, and the
    page shows it without the cancel button."""
    site.client.app.state.job_runner.stop()  # type: ignore[attr-defined]
    log_in(site, "admin.one")
    location = submit(site).headers["location"]
    page = site.client.get(location)
    assert 'data-testid="cancel"' in page.text
    cancelled = site.client.post(
        f"{location}/cancel", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert cancelled.status_code == 303
    after = site.client.get(location)
    assert 'data-status="cancelled"' in after.text and 'data-testid="cancel"' not in after.text


def test_another_organisation_and_a_role_without_the_permission_see_nothing(site: Site) -> None:
    """The Chengdu analyst gets the 404 page for the operations organisation's job, as for a
    job that never existed; the ZTO data reporter may not open the form."""
    log_in(site, "admin.one")
    location = submit(site).headers["location"]
    site.client.cookies.clear()
    log_in(site, "cd.analyst")
    for path in (location, f"{location}/result"):
        assert site.client.get(path).status_code == 404
    assert site.client.get("/app/jobs/" + "0" * 32).status_code == 404
    assert location not in site.client.get("/app/jobs").text
    site.client.cookies.clear()
    log_in(site, "zto.reporter")
    assert site.client.get("/app/simulations/new").status_code == 403
    assert "/app/jobs" not in site.client.get("/app/home").text


def test_a_network_partly_outside_the_territory_is_refused_beside_its_field(site: Site) -> None:
    """The Chengdu analyst sees the tiny network's Chengdu part, but a simulation runs on the
    whole network: the refusal is said beside the network field, the form kept, nothing queued."""
    log_in(site, "cd.analyst")
    page = submit(site)
    assert page.status_code == 403, page.text[:300]
    assert field_error(page.text, "network"), page.text
    assert 'value="double-11"' in page.text, "the form keeps what was typed"
    assert job_rows(site.store) == 0
