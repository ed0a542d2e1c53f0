"""Platforms on the staggering plan (issue 20, item 4), on the example network.

``docs/examples/releases-platforms.csv``: two platforms over the example's outlets — youle
10,000 and demo-platform 6,000 at ZTO-CD-O1 (one window), demo-platform 14,000 at ZTO-CD-O2,
youle 8,000 at ZTO-MY-O1. Worked by hand from the plan's own per-origin quotas: at ZTO-CD-O1
youle picks up 10/16 of each day's quota and demo-platform 6/16; ZTO-CD-O2's quota is all
demo-platform's, ZTO-MY-O1's all youle's. Who sees which rows is checked on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import csv
import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from peakguard.api.app import create_app
from peakguard.app.accounts import create_organisation, issue_token
from peakguard.app.context import open_store
from peakguard.app.jobs import STAGGER, job_folder
from peakguard.app.networks import save_network
from peakguard.app.plan_job import (
    StaggerWork,
    UploadedFile,
    perform_stagger_job,
    submit_stagger_job,
)
from peakguard.app.plan_schedules import check_platforms, get_schedule, list_schedules
from peakguard.app.plans import (
    Releases,
    StaggerOutcome,
    plan_stagger,
    read_releases_file,
    write_stagger_files,
)
from peakguard.cli import app as cli_app
from peakguard.config import Settings
from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, NotFoundError
from peakguard.formats.loading import load_network
from peakguard.formats.release_document import read_releases
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
from peakguard.optimize.comparison import simulate_unplanned
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import StaggerParameters
from peakguard.optimize.stagger_customers import customer_figures
from peakguard.optimize.stagger_runs import cohort_rows, pickups_as_released, tagged_demand
from peakguard.simulate.scenario import Scenario
from peakguard.store.database import Store
from peakguard.store.jobs import NewJob, load_job, query_jobs
from peakguard.store.recorded_jobs import record_finished_job
from peakguard.web.plan_report import render_plan_report
from tests.conftest import administrator_headers

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture(scope="module")
def example() -> tuple[Network, Scenario, Releases]:
    network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
    scenario = load_scenario(EXAMPLES / "double11-small.yaml", network)
    return (
        network,
        scenario,
        read_releases_file(EXAMPLES / "releases-platforms.csv", network, scenario),
    )


@pytest.fixture(scope="module")
def outcome(example: tuple[Network, Scenario, Releases]) -> StaggerOutcome:
    network, scenario, releases = example
    return plan_stagger(network, scenario, releases, actor=ADMIN)


def test_each_platform_s_schedule_worked_by_hand(outcome: StaggerOutcome) -> None:
    """youle 10/16 and demo-platform 6/16 of ZTO-CD-O1's quota each day; ZTO-CD-O2's quota is
    demo-platform's, ZTO-MY-O1's youle's; nothing else is scheduled."""
    assert outcome.platforms is not None
    quota = {(q.origin, q.day): q.quota for q in outcome.plan.quotas}
    expected: dict[tuple[str, str, object], float] = {}
    for (origin, day), amount in quota.items():
        if origin == "ZTO-CD-O1":
            expected[("youle", origin, day)] = amount * 10 / 16
            expected[("demo-platform", origin, day)] = amount * 6 / 16
        elif origin == "ZTO-CD-O2":
            expected[("demo-platform", origin, day)] = amount
        elif origin == "ZTO-MY-O1":
            expected[("youle", origin, day)] = amount
    got = {(q.platform, q.origin, q.day): q.quota for q in outcome.platforms.quotas}
    assert set(got) <= set(expected)
    for key, amount in expected.items():
        assert got.get(key, 0.0) == pytest.approx(amount, abs=1e-6), key
    delayed = sum(q.quota for q in outcome.platforms.quotas if q.day > min(quota)[1])
    assert delayed > 1000  # the example's plan does move parcels: the shares are not trivial


def test_platforms_customers_add_up_to_the_total(outcome: StaggerOutcome) -> None:
    """Released parcels, late ones and those picked up later, over the platforms, equal the
    comparison's totals before and after."""
    assert outcome.platforms is not None and outcome.comparison is not None
    for groups, total in (
        (outcome.platforms.customers_before, outcome.comparison.customers_before.total),
        (outcome.platforms.customers_after, outcome.comparison.customers_after.total),
    ):
        assert [g.key for g in groups] == ["demo-platform", "youle"]
        assert sum(g.parcels for g in groups) == pytest.approx(total.parcels, rel=1e-9)
        assert sum(g.late_from_release for g in groups) == pytest.approx(
            total.late_from_release, rel=1e-9
        )
        assert sum(g.delayed for g in groups) == pytest.approx(total.delayed, rel=1e-9)
    youle_before = outcome.platforms.customers_before[1]
    assert youle_before.parcels == pytest.approx(18_000)


def test_a_platform_alone_at_an_origin_has_that_origin_s_figures(
    example: tuple[Network, Scenario, Releases],
) -> None:
    """Independent reference: when youle alone releases at ZTO-CD-O1, its customers'
    figures are that origin's, as the comparison counts them per origin."""
    network, scenario, releases = example
    alone = [
        replace(r, platform="youle" if r.origin == "ZTO-CD-O1" else "demo-platform")
        for r in releases.releases
    ]
    made = plan_stagger(network, scenario, Releases(alone, releases.places), actor=ADMIN)
    assert made.platforms is not None and made.comparison is not None
    for groups, figures in (
        (made.platforms.customers_before, made.comparison.customers_before),
        (made.platforms.customers_after, made.comparison.customers_after),
    ):
        youle = next(g for g in groups if g.key == "youle")
        origin = next(g for g in figures.origins if g.key == "ZTO-CD-O1")
        assert youle.parcels == pytest.approx(origin.parcels, rel=1e-9)
        assert youle.release_to_delivery_hours == pytest.approx(
            origin.release_to_delivery_hours, rel=1e-9
        )
        assert youle.late_from_release == pytest.approx(origin.late_from_release, rel=1e-9)


def test_before_figures_per_platform_from_a_separate_count(
    example: tuple[Network, Scenario, Releases], outcome: StaggerOutcome
) -> None:
    """The before-run's youle figure at ZTO-MY-O1 (youle's only there) recounted with the
    per-origin counter on the comparison's own run."""
    network, scenario, _releases = example
    assert outcome.comparison is not None
    problem = compile_problem(network, scenario)
    releases = [r for r, _p in outcome.plan.release_pickups]
    tags = tagged_demand(
        problem, {q.origin for q in outcome.plan.quotas}, pickups_as_released(releases)
    )
    run = simulate_unplanned(problem, outcome.plan).run
    rows = cohort_rows(
        tags.demand, run.plan.cohort_origin, run.plan.cohort_destination, run.plan.cohort_hour
    )
    per_origin = {g.key: g for g in customer_figures(network, run, tags.of_cohorts(rows)).origins}
    assert per_origin["ZTO-MY-O1"].parcels == pytest.approx(8_000)
    assert per_origin["ZTO-CD-O2"].parcels == pytest.approx(14_000)


def test_the_files_carry_the_platforms(outcome: StaggerOutcome, tmp_path: Path) -> None:
    """platform_quotas.csv, the workbook's platforms sheet and plan.json hold the schedule;
    each platform's rows at an origin add up to the origin's quota within rounding."""
    write_stagger_files(outcome, tmp_path, language="en")
    with (tmp_path / "platform_quotas.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["platform"] for row in rows} == {"youle", "demo-platform"}
    assert {row["region"] for row in rows if row["origin"] == "ZTO-MY-O1"} == {"510703"}
    quotas = {(q.origin, q.day.isoformat()): q.quota for q in outcome.plan.quotas}
    summed: dict[tuple[str, str], float] = {}
    for row in rows:
        key = (row["origin"], row["day"])
        summed[key] = summed.get(key, 0.0) + float(row["quota"])
    for key, amount in summed.items():
        assert amount == pytest.approx(quotas[key], abs=1.0)
    sheet = load_workbook(tmp_path / "quotas.xlsx")["platforms"]
    assert sheet.max_row == len(rows) + 1
    document = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert [g["key"] for g in document["platforms"]["customers_after"]] == [
        "demo-platform",
        "youle",
    ]


def test_a_malformed_platform_is_refused_with_its_row(
    tmp_path: Path, example: tuple[Network, Scenario, Releases]
) -> None:
    """A platform code with a space is located at its row and column; a file without the
    column still reads (no platform)."""
    network, scenario, _releases = example
    bad = tmp_path / "releases.csv"
    bad.write_text(
        "origin,carrier,release_day,latest_day,parcels,platform\n"
        "ZTO-CD-O1,ZTO,2026-11-10,2026-11-12,100,youle\n"
        "ZTO-CD-O2,ZTO,2026-11-10,2026-11-12,100,tmall store\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as raised:
        read_releases(bad, network=network, scenario=scenario)
    assert [p.location for p in raised.value.problems] == ["releases.csv row 3, column platform"]
    old, _places = read_releases(
        EXAMPLES / "releases-small.csv", network=network, scenario=scenario
    )
    assert {r.platform for r in old} == {""}


# -- who sees which rows, on both engines ----------------------------------------------------


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    yield opened
    opened.engine.dispose()


def _organisation(
    store: Store, code: str, kind: OrganisationKind, carrier: str | None = None
) -> Organisation:
    return create_organisation(store, ADMIN, Organisation(code, code, kind, carrier=carrier))


def _user(organisation: Organisation, *permissions: Permission) -> Principal:
    return Principal(
        f"u-{organisation.code}", organisation, frozenset(permissions), Channel.session
    )


@dataclass(frozen=True)
class Recorded:
    """A finished staggering plan of releases-platforms.csv, made by ZTO's headquarters as a
    job, with the organisations that read it."""

    job_id: str
    organisations: dict[str, Organisation]
    planner: Principal


@pytest.fixture
def recorded(store: Store, tmp_path: Path, example: tuple[Network, Scenario, Releases]) -> Recorded:
    """recorded: the plan run through the job's own steps, and stored as finished."""
    organisations = {
        code: _organisation(store, code, kind, carrier)
        for code, kind, carrier in (
            ("youle", OrganisationKind.platform, None),
            ("demo-platform", OrganisationKind.platform, None),
            ("idle-platform", OrganisationKind.platform, None),
            ("zto-hq", OrganisationKind.carrier, "ZTO"),
            ("sf-hq", OrganisationKind.carrier, "SF"),
            ("the-public", OrganisationKind.public, None),
        )
    }
    network, scenario, releases = example
    check_platforms(store, releases.releases, releases.places)  # both are registered
    job_id = uuid.uuid4().hex
    folder = job_folder(tmp_path, job_id)
    planner = _user(organisations["zto-hq"], Permission.plan_run, Permission.plan_read)
    work = StaggerWork(network, scenario, releases, 2, StaggerParameters(), planner, "en")
    result = perform_stagger_job(
        work, folder, write_page=lambda *a, **k: folder / "plan.html", report=lambda *a: None
    )
    now = datetime.now(UTC)
    record_finished_job(
        store,
        NewJob(job_id, STAGGER, organisations["zto-hq"].id, None, planner.label(), {}),
        result=result,
        started_at=now,
        finished_at=now,
        worker="test",
    )
    return Recorded(job_id, organisations, planner)


def test_each_reader_sees_only_its_part(store: Store, tmp_path: Path, recorded: Recorded) -> None:
    """youle sees youle's rows and figures only, demo-platform its own, a platform without
    releases and the public nothing; the ZTO company that made the plan every row; SF's
    company (another organisation) nothing; ZTO's staff without plan.read nothing; the system
    everything, one platform's part when it asks."""
    job_id, orgs = recorded.job_id, recorded.organisations
    youle = _user(orgs["youle"], Permission.plan_read)
    seen = get_schedule(store, youle, job_id, tmp_path)
    assert {q.platform for q in seen.quotas} == {"youle"}
    assert {q.origin for q in seen.quotas} == {"ZTO-CD-O1", "ZTO-MY-O1"}
    assert [g["key"] for g in seen.customers_after] == ["youle"]
    assert seen.summary.platforms == ("youle",)
    listed = list_schedules(store, youle)
    assert [(s.job_id, s.platforms, s.planned_by) for s in listed] == [
        (job_id, ("youle",), "zto-hq")
    ]
    other = get_schedule(
        store, _user(orgs["demo-platform"], Permission.plan_read), job_id, tmp_path
    )
    assert {q.platform for q in other.quotas} == {"demo-platform"}
    assert sum(q.released for q in other.quotas) == pytest.approx(20_000)
    for nobody in (
        _user(orgs["idle-platform"], Permission.plan_read),
        _user(orgs["the-public"], Permission.plan_read),
        _user(orgs["sf-hq"], Permission.plan_run, Permission.plan_read),
        _user(orgs["zto-hq"], Permission.notice_read),  # ZTO's staff without plan.read
        _user(orgs["youle"], Permission.notice_read),  # a platform's token without plan.read
    ):
        assert list_schedules(store, nobody) == []
        with pytest.raises(NotFoundError):
            get_schedule(store, nobody, job_id, tmp_path)
    with pytest.raises(NotFoundError):  # asking for another platform's part shows nothing
        get_schedule(store, youle, job_id, tmp_path, platform="demo-platform")
    whole = get_schedule(store, recorded.planner, job_id, tmp_path)
    assert {q.platform for q in whole.quotas} == {"youle", "demo-platform"}
    assert [g["key"] for g in whole.customers_before] == ["demo-platform", "youle"]
    assert [s.job_id for s in list_schedules(store, ADMIN)] == [job_id]
    narrowed = get_schedule(store, ADMIN, job_id, tmp_path, platform="youle")
    assert {q.platform for q in narrowed.quotas} == {"youle"}
    assert list_schedules(store, ADMIN, platform="idle-platform") == []


def test_an_unknown_platform_is_refused_at_its_row(
    store: Store, recorded: Recorded, example: tuple[Network, Scenario, Releases]
) -> None:
    """A carrier's organisation code is not a platform's: refused at the release's cell."""
    release = example[2].releases[0]
    with pytest.raises(InvalidInputError) as raised:
        check_platforms(store, [replace(release, platform="zto-hq")], ["f.csv row 2"])
    assert [p.location for p in raised.value.problems] == ["f.csv row 2, column platform"]


def test_the_api_answers_a_platform_with_its_own_part(
    store: Store, tmp_path: Path, recorded: Recorded
) -> None:
    """Through HTTP with youle's token: its plan and rows only; another platform's part is
    404; the list names youle alone; the pages show youle's outlets, not demo-platform's
    (ZTO-CD-O2 is demo-platform's alone)."""
    token = issue_token(
        store,
        ADMIN,
        organisation="youle",
        name="schedules",
        permissions=[Permission.plan_read.value],
        days=1,
        max_days=1,
    )
    headers = {"Authorization": f"Bearer {token.text}"}
    app = create_app(Settings(database_url="sqlite://", home=tmp_path, language="en"), store)
    with TestClient(app) as client:
        listed = client.get("/plan-schedules", headers=headers)
        assert listed.status_code == 200, listed.text
        assert [s["platforms"] for s in listed.json()["schedules"]] == [["youle"]]
        one = client.get(f"/plan-schedules/{recorded.job_id}", headers=headers)
        assert one.status_code == 200, one.text
        assert {row["platform"] for row in one.json()["quotas"]} == {"youle"}
        assert [g["key"] for g in one.json()["customers_after"]] == ["youle"]
        other = client.get(
            f"/plan-schedules/{recorded.job_id}",
            params={"platform": "demo-platform"},
            headers=headers,
        )
        assert other.status_code == 404
        page = client.get(f"/app/plans/schedules/{recorded.job_id}", headers=headers)
        assert page.status_code == 200, page.text[:500]
        assert "ZTO-MY-O1" in page.text and "ZTO-CD-O2" not in page.text
        assert "demo-platform" not in page.text
        listing = client.get("/app/plans/schedules", headers=headers)
        assert listing.status_code == 200 and recorded.job_id in listing.text
        planner = issue_token(
            store,
            ADMIN,
            organisation="zto-hq",
            name="planner",
            permissions=[
                Permission.plan_run.value,
                Permission.plan_read.value,
                Permission.simulation_run.value,
            ],
            days=1,
            max_days=1,
        )
        owner = client.get(
            f"/app/jobs/{recorded.job_id}/result",
            headers={"Authorization": f"Bearer {planner.text}"},
        )
        assert owner.status_code == 200, owner.text[:500]
        assert 'data-table="platform_quotas"' in owner.text
        assert "demo-platform" in owner.text and "youle" in owner.text


def test_the_command_prints_one_platform_s_schedule(
    store: Store,
    tmp_path: Path,
    recorded: Recorded,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``peakguard plan schedules`` lists the plan; with the plan and ``--platform youle``,
    youle's rows only."""
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")  # a job id in one piece
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["--lang", "en", "plan", "schedules"])
    assert listed.exit_code == 0, listed.output
    assert recorded.job_id in listed.output
    one = runner.invoke(
        cli_app, ["--lang", "en", "plan", "schedules", recorded.job_id, "--platform", "youle"]
    )
    assert one.exit_code == 0, one.output
    assert "youle" in one.output and "demo-platform" not in one.output


def test_the_check_is_needed_for_the_figures(example: tuple[Network, Scenario, Releases]) -> None:
    """Without the simulated check the schedule is there, the customers' figures are not."""
    network, scenario, releases = example
    made = plan_stagger(network, scenario, releases, actor=ADMIN, check=False)
    assert made.platforms is not None
    assert made.platforms.customers_after == [] and len(made.platforms.quotas) > 0


def test_the_plan_report_has_each_platform_s_wait(outcome: StaggerOutcome) -> None:
    """The report's platforms table: youle's parcels picked up later are its quotas after
    release day — 3,750 + 3,750 at ZTO-CD-O1 and all of ZTO-MY-O1's after the 11th — equal to
    the parcels its customers' figures count as picked up later; a file without platforms
    has no such table."""
    assert outcome.platforms is not None
    later = {
        platform: sum(
            q.quota
            for q in outcome.platforms.quotas
            if q.platform == platform
            and q.day > min(r.day for r in outcome.platforms.quotas if r.origin == q.origin)
        )
        for platform in ("youle", "demo-platform")
    }
    figures = {g.key: g.delayed for g in outcome.platforms.customers_after}
    assert later == pytest.approx(figures, abs=1e-6)
    html = render_plan_report(outcome.plan, outcome.comparison, language="en")
    table = html[html.index('data-table="platforms"') :]
    table = table[: table.index("</table>")]
    assert "youle" in table and f"{later['youle']:,.0f}" in table
    assert "demo-platform" in table and f"{later['demo-platform']:,.0f}" in table
    assert "18,000" in table and "20,000" in table


def test_a_report_without_platforms_has_no_platform_table(
    example: tuple[Network, Scenario, Releases],
) -> None:
    """releases-small.csv names no platform: the report shows no platforms table."""
    network, scenario, _releases = example
    releases = read_releases_file(EXAMPLES / "releases-small.csv", network, scenario)
    made = plan_stagger(network, scenario, releases, actor=ADMIN, check=False)
    assert 'data-table="platforms"' not in render_plan_report(made.plan, None, language="en")


@pytest.mark.parametrize(
    "code",
    ["tmall store", "淘宝", "a" * 65, "\u202eelouy", "-youle", "you/le"],
    ids=["space", "chinese", "too-long", "bidi", "leading-dash", "slash"],
)
def test_hostile_platform_codes_are_refused_at_their_cell(
    code: str, tmp_path: Path, example: tuple[Network, Scenario, Releases]
) -> None:
    """Codes no organisation can have are refused at row 2's platform cell, not planned."""
    network, scenario, _releases = example
    bad = tmp_path / "releases.csv"
    bad.write_text(
        "origin,carrier,release_day,latest_day,parcels,platform\n"
        f"ZTO-CD-O1,ZTO,2026-11-10,2026-11-12,100,{code}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as raised:
        read_releases(bad, network=network, scenario=scenario)
    assert [p.location for p in raised.value.problems] == ["releases.csv row 2, column platform"]


def test_an_unknown_platform_queues_no_job(
    store: Store, tmp_path: Path, recorded: Recorded
) -> None:
    """A releases file naming an unregistered platform is refused at submission with its
    row, and nothing is queued; through the API's direct plan, at ``releases[0].platform``."""
    network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
    save_network(store, actor=ADMIN, network=network, source="test")
    scenario = yaml.safe_load((EXAMPLES / "double11-small.yaml").read_text(encoding="utf-8"))
    scenario = json.loads(json.dumps(scenario, default=str))
    upload = UploadedFile(
        "releases.csv",
        b"origin,carrier,release_day,latest_day,parcels,platform\n"
        b"ZTO-CD-O1,ZTO,2026-11-10,2026-11-12,100,youle\n"
        b"ZTO-CD-O2,ZTO,2026-11-10,2026-11-12,100,tmall\n",
    )
    with pytest.raises(InvalidInputError) as raised:
        submit_stagger_job(store, ADMIN, network.name, scenario, releases=upload)
    assert [p.location for p in raised.value.problems] == ["releases.csv row 3, column platform"]
    assert query_jobs(store, None, kinds=(STAGGER,))[0] == 0  # nothing queued
    app = create_app(Settings(database_url="sqlite://", home=tmp_path, language="en"), store)
    with TestClient(app) as client:
        client.headers.update(administrator_headers(store))
        answer = client.post(
            f"/networks/{network.name}/plans/stagger",
            json={
                "scenario": scenario,
                "releases": [
                    {
                        "origin": "ZTO-CD-O1",
                        "carrier": "ZTO",
                        "release_day": "2026-11-10",
                        "latest_day": "2026-11-12",
                        "parcels": 100,
                        "platform": "tmall",
                    }
                ],
            },
        )
    assert answer.status_code == 422, answer.text
    assert [p["location"] for p in answer.json()["error"]["problems"]] == ["releases[0].platform"]


def test_a_city_regulator_sees_the_rows_of_its_territory(
    store: Store, tmp_path: Path, recorded: Recorded
) -> None:
    """The same plan kept by Mianyang's city office (510700): its analyst sees the rows of
    ZTO-MY-O1 (510703) only, of every platform there (youle's alone), and Chengdu's office
    sees none of Mianyang's."""
    offices = {
        code: create_organisation(
            store,
            ADMIN,
            Organisation(code, code, OrganisationKind.regulator, RegulatorLevel.city, region),
        )
        for code, region in (("mianyang", "510700"), ("chengdu", "510100"))
    }
    job = load_job(store, recorded.job_id)
    assert job is not None and job.result is not None
    kept: dict[str, str] = {}
    for code, office in offices.items():
        kept[code] = uuid.uuid4().hex
        shutil.copytree(job_folder(tmp_path, job.id), job_folder(tmp_path, kept[code]))
        now = datetime.now(UTC)
        record_finished_job(
            store,
            NewJob(kept[code], STAGGER, office.id, None, f"analyst@{code}", {}),
            result=job.result,
            started_at=now,
            finished_at=now,
            worker="test",
        )
    analyst = _user(offices["mianyang"], Permission.plan_run, Permission.plan_read)
    seen = get_schedule(store, analyst, kept["mianyang"], tmp_path)
    assert {(q.platform, q.origin) for q in seen.quotas} == {("youle", "ZTO-MY-O1")}
    assert sum(q.released for q in seen.quotas) == pytest.approx(8_000)
    chengdu = _user(offices["chengdu"], Permission.plan_run, Permission.plan_read)
    rows = get_schedule(store, chengdu, kept["chengdu"], tmp_path).quotas
    assert {q.origin for q in rows} == {"ZTO-CD-O1", "ZTO-CD-O2"}
    with pytest.raises(NotFoundError):  # another office's plan
        get_schedule(store, chengdu, kept["mianyang"], tmp_path)
