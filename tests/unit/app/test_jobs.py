"""Jobs in the application layer and their records (peakguard.app.jobs, peakguard.store.jobs),
on SQLite and PostgreSQL: a bad submission queues nothing, a job is its organisation's only,
a claim goes to exactly one worker, an abandoned job is queued again or given up, and a
simulation job's work reports rising progress and gives the same summary as the operation."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from peakguard.app import accounts
from peakguard.app.audit import audit_entries
from peakguard.app.bounds import WorkBounds
from peakguard.app.context import open_store
from peakguard.app.jobs import (
    JobStatus,
    cancel_job,
    get_job,
    job_folder,
    latest_finished,
    list_jobs,
    submit_simulation_job,
)
from peakguard.app.networks import save_network
from peakguard.app.simulation import parse_scenario_document, simulate_scenario, simulation_document
from peakguard.app.simulation_job import perform_simulation_job, prepare_simulation_job
from peakguard.config import Settings
from peakguard.errors import ConflictError, InvalidInputError, NotFoundError
from peakguard.formats.network_document import parse_network
from peakguard.i18n import Message, _
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import (
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.store.database import Store, transaction
from peakguard.store.jobs import (
    JobFailure,
    claim_next_job,
    finish_job,
    load_job,
    recover_stale_jobs,
    report_progress,
)
from peakguard.store.tables import JobRow
from tests.conftest import tiny_document

SCENARIO: dict[str, Any] = {"name": "peak", "first_day": "2026-11-11", "days": 2}


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """store: a migrated database on each engine with the tiny network stored."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    save_network(opened, actor=ADMIN, network=parse_network(tiny_document()), source="test")
    yield opened
    opened.engine.dispose()


def member(store: Store, code: str, name: str = "planner") -> Principal:
    """A user of the national office ``code`` (made on first use) who may run simulations."""
    known = {o.code: o for o in accounts.list_organisations(store, ADMIN)}
    organisation = known.get(code) or accounts.create_organisation(
        store,
        ADMIN,
        Organisation(
            code=code, name=code, kind=OrganisationKind.regulator, level=RegulatorLevel.national
        ),
    )
    return Principal(
        name=name,
        organisation=organisation,
        permissions=frozenset({Permission.network_read, Permission.simulation_run}),
        channel=Channel.session,
    )


def job_rows(store: Store) -> int:
    with transaction(store.sessions) as session:
        return session.scalar(select(func.count()).select_from(JobRow)) or 0


def test_a_submitted_job_is_queued_and_audited(store: Store) -> None:
    """A good submission is one queued job of the submitter's organisation, and an audit
    entry naming it."""
    actor = member(store, "spb")
    job = submit_simulation_job(store, actor, "tiny", SCENARIO, language="en")
    assert job.status is JobStatus.queued
    assert job.owner_label == "planner@spb"
    assert len(job.id) == 32
    assert job.parameters["scenario"] == SCENARIO
    entries = [e for e in audit_entries(store, ADMIN)[1] if e.action == "job.submit"]
    assert [(e.record_id, e.actor) for e in entries] == [(job.id, "planner@spb")]


@pytest.mark.parametrize(
    ("network", "scenario", "location"),
    [
        (
            "tiny",
            {
                **SCENARIO,
                "closures": [{"node": "NOPE", "start": "2026-11-11", "end": "2026-11-12"}],
            },
            "scenario: closures[0].node",
        ),
        ("tiny", {**SCENARIO, "days": 0}, "scenario: days"),
        ("nowhere", SCENARIO, "network"),
    ],
)
def test_a_bad_submission_is_located_and_queues_nothing(
    store: Store, network: str, scenario: dict[str, Any], location: str
) -> None:
    """A mistake in the scenario or an unknown network is refused with its location, and
    no job row is written."""
    with pytest.raises(InvalidInputError) as raised:
        submit_simulation_job(store, member(store, "spb"), network, scenario)
    assert location in [problem.location for problem in raised.value.problems]
    assert job_rows(store) == 0


def test_a_run_over_the_caps_is_refused_before_queuing(store: Store) -> None:
    """The size caps apply at submission: 5 nodes × 7 days over a cap of 20 node-days."""
    with pytest.raises(InvalidInputError) as raised:
        submit_simulation_job(
            store, member(store, "spb"), "tiny", SCENARIO, bounds=WorkBounds(max_node_days=20)
        )
    assert [problem.location for problem in raised.value.problems] == ["scenario.days"]
    assert job_rows(store) == 0


def test_another_organisation_sees_no_such_job(store: Store) -> None:
    """Another organisation's get and cancel are the same NotFound as for an id that never
    existed; the owner's colleague sees it and lists it."""
    job = submit_simulation_job(store, member(store, "spb"), "tiny", SCENARIO)
    colleague, stranger = member(store, "spb", "colleague"), member(store, "sc-office")
    assert get_job(store, colleague, job.id).id == job.id
    with pytest.raises(NotFoundError) as theirs:
        get_job(store, stranger, job.id)
    with pytest.raises(NotFoundError) as missing:
        get_job(store, stranger, "0" * 32)
    assert theirs.value.render("en") == missing.value.render("en").replace("0" * 32, job.id)
    with pytest.raises(NotFoundError):
        cancel_job(store, stranger, job.id)
    assert list_jobs(store, stranger).total == 0
    assert [j.id for j in list_jobs(store, colleague).jobs] == [job.id]
    assert load_job(store, job.id).status is JobStatus.queued  # type: ignore[union-attr]


def test_jobs_are_listed_newest_first_and_paged(store: Store) -> None:
    actor = member(store, "spb")
    ids = [submit_simulation_job(store, actor, "tiny", SCENARIO).id for _ in range(3)]
    listed = list_jobs(store, actor, limit=2)
    assert listed.total == 3
    assert [job.id for job in listed.jobs] == ids[::-1][:2]
    assert [job.id for job in list_jobs(store, actor, limit=2, offset=2).jobs] == ids[:1]


def test_cancel_of_a_queued_job_is_at_once_and_final(store: Store) -> None:
    """A queued job is cancelled at once, no worker may take it afterwards, and cancelling a
    finished job is a conflict."""
    actor = member(store, "spb")
    job = submit_simulation_job(store, actor, "tiny", SCENARIO)
    assert cancel_job(store, actor, job.id).status is JobStatus.cancelled
    assert claim_next_job(store, "w", kinds=["simulation"]) is None
    with pytest.raises(ConflictError):
        cancel_job(store, actor, job.id)
    actions = [e.action for e in audit_entries(store, ADMIN, record_id=job.id)[1]]
    assert actions.count("job.cancel") == 2  # the cancel, and the refused second one


def test_a_cancelled_running_job_is_no_longer_its_workers(store: Store) -> None:
    """Once cancelled, the worker's progress and result are refused: it stays cancelled."""
    actor = member(store, "spb")
    job = submit_simulation_job(store, actor, "tiny", SCENARIO)
    claimed = claim_next_job(store, "w1", kinds=["simulation"])
    assert claimed is not None and claimed.id == job.id and claimed.attempts == 1
    assert report_progress(store, job.id, "w1", progress=0.3, stage=_("Loading the network"))
    assert not report_progress(store, job.id, "w2", progress=0.4, stage=None)
    cancel_job(store, actor, job.id)
    assert not report_progress(store, job.id, "w1", progress=0.5, stage=None)
    assert not finish_job(store, job.id, "w1", result={"x": 1})
    found = load_job(store, job.id)
    assert found is not None and found.status is JobStatus.cancelled and found.progress == 0.3


def test_many_workers_claiming_at_once_take_each_job_once(store: Store) -> None:
    """Eight threads claim from 20 queued jobs at once: every job is taken exactly once."""
    actor = member(store, "spb")
    ids = {submit_simulation_job(store, actor, "tiny", SCENARIO).id for _ in range(20)}
    taken: list[str] = []
    lock, start = threading.Lock(), threading.Barrier(8)

    def worker(name: str) -> None:
        start.wait()
        while (job := claim_next_job(store, name, kinds=["simulation"])) is not None:
            with lock:
                taken.append(job.id)

    threads = [threading.Thread(target=worker, args=(f"w{k}",)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(taken) == sorted(ids)


def test_an_abandoned_job_is_queued_again_then_given_up(store: Store) -> None:
    """A running job whose heartbeat went stale is queued again while it has starts left,
    and failed with the given message after the last; a fresh one is left alone."""
    actor = member(store, "spb")
    stale, fresh = (submit_simulation_job(store, actor, "tiny", SCENARIO) for _ in range(2))
    gave_up = JobFailure(_("gave up"))
    now = datetime.now(UTC)

    def abandon(job_id: str) -> None:
        with transaction(store.sessions) as session:
            session.execute(
                update(JobRow)
                .where(JobRow.id == job_id)
                .values(heartbeat_at=now - timedelta(minutes=5))
            )

    for attempt in (1, 2):
        claimed = claim_next_job(store, f"dead{attempt}", kinds=["simulation"])
        assert claimed is not None and claimed.id == stale.id and claimed.attempts == attempt
        abandon(stale.id)
        found = recover_stale_jobs(
            store, stale_before=now - timedelta(minutes=1), max_attempts=2, failure=gave_up
        )
        assert stale.id in (found.requeued if attempt == 1 else found.failed)
    assert claim_next_job(store, "alive", kinds=["simulation"]).id == fresh.id  # type: ignore[union-attr]
    recover_stale_jobs(
        store, stale_before=now - timedelta(minutes=1), max_attempts=2, failure=gave_up
    )
    after = load_job(store, stale.id)
    assert after is not None and after.status is JobStatus.failed
    assert after.error is not None and after.error.message == Message("gave up")
    assert load_job(store, fresh.id).status is JobStatus.running  # type: ignore[union-attr]


def test_a_simulation_job_reports_rising_progress_and_the_operations_summary(
    store: Store, tmp_path: Path
) -> None:
    """The job's work, run here without a child: progress rises from 0.05 to 0.85 through
    every simulated day, its summary is the operation's own on the same input, and its
    folder holds the data files and the page."""
    actor = member(store, "spb")
    job = submit_simulation_job(store, actor, "tiny", SCENARIO, language="en")
    work = prepare_simulation_job(store, job)
    reported: list[tuple[float, str]] = []
    pages: list[str] = []

    def write_page(result: Any, path: Path, *, language: str) -> Path:
        pages.append(language)
        path.write_text("<html></html>", encoding="utf-8")
        return path

    folder = job_folder(tmp_path, job.id)
    summary = perform_simulation_job(
        work, folder, write_page=write_page,
        report=lambda share, stage: reported.append((share, stage.render("en"))),
    )  # fmt: skip
    shares = [share for share, _stage in reported]
    assert shares == sorted(shares) and shares[0] == 0.05 and shares[-1] == 0.85
    days = work.scenario.hours // 24
    assert f"Simulating day {days} of {days}" in [stage for _share, stage in reported]
    assert len(reported) <= days + 3
    network = work.network
    direct = simulate_scenario(network, parse_scenario_document(SCENARIO, network), actor=actor)
    assert summary["summary"] == simulation_document(direct)["summary"]
    assert pages == ["en"]
    assert sorted(path.name for path in folder.iterdir()) == summary["files"]
    assert {"season.html", "summary.json", "node_hours.parquet"} <= set(summary["files"])


def test_latest_finished_is_the_last_success(store: Store) -> None:
    actor = member(store, "spb")
    assert latest_finished(store, actor, "simulation") is None
    first, second = (submit_simulation_job(store, actor, "tiny", SCENARIO) for _ in range(2))
    for _job in (first, second):
        assert claim_next_job(store, "w", kinds=["simulation"]) is not None
    finish_job(store, first.id, "w", result={"n": 1})
    finish_job(store, second.id, "w", failure=JobFailure(_("broke")))
    found = latest_finished(store, actor, "simulation")
    assert found is not None and found.id == first.id and found.result == {"n": 1}


def test_a_job_folder_is_under_home_and_refuses_a_path() -> None:
    assert job_folder(Path("/h"), "a" * 32) == Path("/h/jobs") / ("a" * 32)
    with pytest.raises(ValueError, match="not a job id"):
        job_folder(Path("/h"), "../../etc")
