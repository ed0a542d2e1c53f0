"""The demo's assurance plan as the demo platform reads it (app/demo_jobs.py,
demo/platforms.py), on the example network, on SQLite and PostgreSQL: labelling a share of
the outlets' releases as the platform's changes no quota, and the recorded plan is listed once
to the platform, with its own rows only, and in full to the office that owns it; the season
is recorded for each of its owners present."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from peakguard.app.accounts import create_organisation
from peakguard.app.audit import audit_entries
from peakguard.app.context import open_store
from peakguard.app.demo_jobs import record_demo_plan, record_demo_season
from peakguard.app.plan_job import PLAN_REPORT
from peakguard.app.plan_schedules import get_schedule, list_schedules
from peakguard.app.plans import Releases, StaggerOutcome, plan_stagger, scenario_releases
from peakguard.config import Settings
from peakguard.demo.platforms import DEMO_PLATFORM, with_demo_platform
from peakguard.formats.loading import load_network
from peakguard.formats.plan_output import write_plan
from peakguard.formats.scenario_document import load_scenario
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import (
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.store.database import Store
from peakguard.web.plan_report import write_plan_report

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture(scope="module")
def outcomes() -> tuple[StaggerOutcome, StaggerOutcome]:
    """The example's plan from its scenario's releases, unlabelled and labelled."""
    network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
    scenario = load_scenario(EXAMPLES / "double11-small.yaml", network)
    releases = scenario_releases(network, scenario).releases
    return tuple(  # type: ignore[return-value]
        plan_stagger(network, scenario, Releases(given), actor=ADMIN)
        for given in (releases, with_demo_platform(releases, seed=2016))
    )


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    yield opened
    opened.engine.dispose()


def test_the_platform_s_label_changes_no_quota(
    outcomes: tuple[StaggerOutcome, StaggerOutcome],
) -> None:
    plain, labelled = outcomes
    assert plain.plan.quotas == labelled.plan.quotas
    assert plain.platforms is not None and plain.platforms.platforms == [""]
    assert labelled.platforms is not None
    assert labelled.platforms.platforms == ["", DEMO_PLATFORM]


def test_the_recorded_plan_is_the_platform_s_schedule_once(
    store: Store, tmp_path: Path, outcomes: tuple[StaggerOutcome, StaggerOutcome]
) -> None:
    outcome = outcomes[1]
    organisations = {
        code: create_organisation(store, ADMIN, organisation)
        for code, organisation in (
            ("spb-sc", Organisation("spb-sc", "四川省邮政管理局", OrganisationKind.regulator,
                                    level=RegulatorLevel.provincial, region="510000")),
            (DEMO_PLATFORM, Organisation(DEMO_PLATFORM, "平台", OrganisationKind.platform)),
        )
    }  # fmt: skip
    folder = tmp_path / "out" / "plan"
    write_plan(outcome.plan, outcome.comparison, folder, platforms=outcome.platforms)
    page = write_plan_report(
        outcome.plan, outcome.comparison, tmp_path / "out" / "plan.html", language="en"
    )
    assert record_demo_plan(
        store, tmp_path, outcome, folder, page, network="x", started_at=_now(), actor=ADMIN,
        owner="nobody",
    ) is None  # fmt: skip
    job = record_demo_plan(
        store, tmp_path, outcome, folder, page, network="chengdu-mianyang",
        started_at=_now(), actor=ADMIN,
    )  # fmt: skip
    assert job is not None and job.organisation_id == organisations["spb-sc"].id
    placed = tmp_path / "jobs" / job.id
    assert (placed / PLAN_REPORT).read_bytes() == page.read_bytes()
    assert (placed / "platform_quotas.csv").is_file()
    assert PLAN_REPORT in job.result["files"] and "platform_quotas.csv" in job.result["files"]

    def reader(code: str) -> Principal:
        return Principal(
            f"u-{code}", organisations[code], frozenset({Permission.plan_read}), Channel.session
        )

    platform = reader(DEMO_PLATFORM)
    assert [(s.job_id, s.platforms) for s in list_schedules(store, platform)] == [
        (job.id, (DEMO_PLATFORM,))
    ]
    seen = get_schedule(store, platform, job.id, tmp_path)
    whole = get_schedule(store, reader("spb-sc"), job.id, tmp_path)
    assert seen.quotas and {q.platform for q in seen.quotas} == {DEMO_PLATFORM}
    assert {q.platform for q in whole.quotas} == {"", DEMO_PLATFORM}
    labelled = {r.origin for r, _pickups in outcome.plan.release_pickups if r.platform}
    assert {q.origin for q in seen.quotas} == labelled
    _total, entries = audit_entries(store, ADMIN, record_id=job.id)
    assert [entry.action for entry in entries] == ["job.record"]


def _now() -> datetime:
    return datetime.now(UTC)


def test_the_season_is_recorded_for_each_owner_present(store: Store, tmp_path: Path) -> None:
    """The season's files (as the demo writes them) go to a simulation job of each owner that
    exists — here only the provincial office — each with its own copy and audit entry."""
    office = create_organisation(
        store,
        ADMIN,
        Organisation(
            "spb-sc", "四川省邮政管理局", OrganisationKind.regulator,
            level=RegulatorLevel.provincial, region="510000",
        ),
    )  # fmt: skip
    season = tmp_path / "out" / "season"
    season.mkdir(parents=True)
    (season / "summary.json").write_text('{"network": "sichuan", "delivered": 5.0}')
    (season / "warnings.json").write_text('[{"node": "a"}, {"node": "b"}]')
    for name in ("node_hours.parquet", "warnings.csv"):
        (season / name).write_bytes(name.encode())
    page = tmp_path / "out" / "season.html"
    page.write_text("<html></html>")
    jobs = record_demo_season(
        store, tmp_path, season, page, network="sichuan", started_at=_now(), actor=ADMIN
    )
    assert [job.organisation_id for job in jobs] == [office.id]
    job = jobs[0]
    assert job.result is not None and job.result["warning_count"] == 2
    assert job.result["delivered"] == 5.0
    folder = tmp_path / "jobs" / job.id
    assert (folder / "warnings.csv").read_bytes() == b"warnings.csv"
    assert (folder / "season.html").read_text() == "<html></html>"
    _total, entries = audit_entries(store, ADMIN, record_id=job.id)
    assert [entry.action for entry in entries] == ["job.record"]
