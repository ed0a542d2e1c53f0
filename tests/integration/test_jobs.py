"""Jobs through the API with the server's worker running, on SQLite and PostgreSQL: a season's
simulation runs to its report with a progress that only rises, two workers never run a job
twice, a job abandoned by a dead worker is run after a restart, another organisation sees
nothing, a bad scenario queues nothing, a cancel kills the run, the time and memory bounds
fail a job with their message, and stopping the server leaves no thread and no child."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from peakguard.api.app import create_app
from peakguard.api.job_runner import JobKind, JobRunner, RunnerTiming
from peakguard.app import accounts
from peakguard.app.bounds import WorkBounds
from peakguard.app.context import open_store
from peakguard.app.jobs import SIMULATION, submit_simulation_job
from peakguard.app.networks import get_network, save_network
from peakguard.app.simulation import parse_scenario_document, simulate_scenario, simulation_document
from peakguard.config import Settings
from peakguard.demo.sichuan import build_sichuan_network
from peakguard.formats.network_document import parse_network
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import Organisation, OrganisationKind, RegulatorLevel
from peakguard.store.database import Store, transaction
from peakguard.store.jobs import JobStatus, NewJob, add_job, claim_next_job, load_job
from peakguard.store.tables import JobRow
from tests.conftest import administrator_headers, tiny_document
from tests.integration.job_kinds import counting_kind, greedy_kind, sleeping_kind

FAST = RunnerTiming(poll_seconds=0.1, heartbeat_seconds=0.5, stale_seconds=3.0, recover_seconds=0.5)
"""The worker's timing, shortened so the tests wait a tenth of a second, not half."""
TINY = {"network": "tiny", "scenario": {"name": "peak", "first_day": "2026-11-11", "days": 2}}


def wait_for(condition: Callable[[], Any], seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    return condition()


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def store(database_url: str, home: Path) -> Iterator[Store]:
    """store: a migrated database on each engine with the tiny network stored."""
    opened = open_store(Settings(database_url=database_url, home=home))
    save_network(opened, actor=ADMIN, network=parse_network(tiny_document()), source="test")
    yield opened
    opened.engine.dispose()


def jobs_app(
    store: Store,
    home: Path,
    *,
    kinds: dict[str, JobKind] | None = None,
    bounds: WorkBounds | None = None,
) -> FastAPI:
    """The API over ``store`` with its worker (on the fast timing, and ``kinds`` in place of
    the real ones when given)."""
    app = create_app(Settings(database_url="sqlite://", home=home, language="en"), store)
    app.state.job_timing = FAST
    app.state.job_kinds = kinds
    app.state.work_bounds = bounds
    return app


@pytest.fixture
def marks(tmp_path: Path) -> Path:
    """marks: where the test kinds' children leave their marks."""
    folder = tmp_path / "marks"
    folder.mkdir()
    return folder


def follow(client: TestClient, location: str, seconds: float = 120.0) -> list[dict[str, Any]]:
    """Every state of the job read at ``location`` until it finished."""
    seen: list[dict[str, Any]] = []

    def finished() -> bool:
        seen.append(client.get(location).json())
        return seen[-1]["status"] in {"succeeded", "failed", "cancelled"}

    assert wait_for(finished, seconds), seen[-1]
    return seen


def job_rows(store: Store) -> int:
    with transaction(store.sessions) as session:
        return session.scalar(select(func.count()).select_from(JobRow)) or 0


def test_a_season_runs_to_its_report_with_rising_progress(store: Store, home: Path) -> None:
    """One day of the demo network's peak (six with warm-up and drain) as a job: 202 with
    its Location, a progress that only rises through the simulated days and ends at 1, the
    summary of the same simulation run directly, and the report and files served."""
    save_network(store, actor=ADMIN, network=build_sichuan_network(), source="demo")
    body = {
        "network": "sichuan-demo",
        "scenario": {"name": "one-day", "first_day": "2026-11-11", "days": 1},
    }
    with TestClient(jobs_app(store, home)) as client:
        client.headers.update(administrator_headers(store))
        submitted = client.post("/jobs/simulations", json=body)
        assert submitted.status_code == 202, submitted.text
        location = submitted.headers["location"]
        assert location == f"/jobs/{submitted.json()['id']}"
        seen = follow(client, location)
        progress = [state["progress"] for state in seen]
        assert progress == sorted(progress), progress
        assert seen[-1]["status"] == "succeeded" and progress[-1] == 1.0
        assert any(0 < share < 1 for share in progress), progress
        stages = {state["stage"] for state in seen}
        assert any(stage and stage.startswith("Simulating day") for stage in stages), stages
        network = get_network(store, "sichuan-demo", actor=ADMIN)
        scenario = parse_scenario_document(body["scenario"], network)
        direct = simulation_document(simulate_scenario(network, scenario, actor=ADMIN))
        assert seen[-1]["result"]["summary"] == direct["summary"]
        report = client.get(f"{location}/report")
        assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
        assert "one-day" in report.text
        summary = client.get(f"{location}/files/summary.json")
        assert summary.status_code == 200 and summary.json()["summary"] == direct["summary"]
        assert client.get(f"{location}/files/..%2Fpeakguard.db").status_code == 404
        assert client.get(f"{location}/files/secret.txt").status_code == 404
        listed = client.get("/jobs").json()
        assert [item["id"] for item in listed["items"]] == [seen[-1]["id"]]


@pytest.mark.parametrize("runners", [2])
def test_two_workers_never_run_a_job_twice(
    store: Store, home: Path, marks: Path, runners: int
) -> None:
    """Two workers on one database, two slots each, take 16 queued jobs: each child ran
    once (one mark per job), every job succeeded at its first start."""
    ids = [uuid.uuid4().hex for _ in range(16)]
    with transaction(store.sessions) as session:
        for job_id in ids:
            add_job(session, NewJob(job_id, "count", None, None, "local@system", {}))
    workers = [
        JobRunner(
            store,
            home,
            WorkBounds(concurrent_runs=2),
            kinds={"count": counting_kind(marks)},
            timing=FAST,
            worker=f"worker-{k}",
        )
        for k in range(runners)
    ]
    for worker in workers:
        worker.start()
    try:
        done = wait_for(
            lambda: all(load_job(store, i).status.finished for i in ids),  # type: ignore[union-attr]
            120,
        )
    finally:
        for worker in workers:
            worker.stop()
    assert done
    records = [load_job(store, job_id) for job_id in ids]
    assert {(r.status, r.attempts) for r in records if r} == {(JobStatus.succeeded, 1)}
    assert {job_id: len((marks / job_id).read_text().split()) for job_id in ids} == dict.fromkeys(
        ids, 1
    )
    assert {r.worker for r in records if r} <= {f"worker-{k}" for k in range(runners)}


def test_a_job_abandoned_by_a_dead_worker_runs_after_a_restart(store: Store, home: Path) -> None:
    """A job left running by a worker that stopped beating five minutes ago is queued again
    when the server starts, and runs to success at its second start."""
    job = submit_simulation_job(store, ADMIN, "tiny", TINY["scenario"])
    assert claim_next_job(store, "dead-worker", kinds=[SIMULATION]) is not None
    with transaction(store.sessions) as session:
        session.execute(
            update(JobRow)
            .where(JobRow.id == job.id)
            .values(heartbeat_at=datetime.now(UTC) - timedelta(minutes=5))
        )
    with TestClient(jobs_app(store, home)):
        finished = wait_for(
            lambda: (found := load_job(store, job.id)) and found.status.finished and found, 60
        )
    assert finished.status is JobStatus.succeeded, finished.error
    assert finished.attempts == 2 and finished.worker != "dead-worker"


def other_office(store: Store) -> dict[str, str]:
    """The Authorization header of a token of another organisation (a national office) that
    may run simulations."""
    accounts.create_organisation(
        store,
        ADMIN,
        Organisation(
            code="other", name="other", kind=OrganisationKind.regulator,
            level=RegulatorLevel.national,
        ),
    )  # fmt: skip
    issued = accounts.issue_token(
        store, ADMIN, organisation="other", name="t",
        permissions=["network.read", "simulation.run"], days=1, max_days=1,
    )  # fmt: skip
    return {"Authorization": f"Bearer {issued.text}"}


def test_another_organisation_gets_404(store: Store, home: Path) -> None:
    """Another organisation's every route on the job is the 404 of an id that never
    existed, and its list is empty; the owner's reads work."""
    app = jobs_app(store, home)
    app.state.run_jobs = False  # the job stays queued: only who sees it matters here
    with TestClient(app) as client:
        owner, stranger = administrator_headers(store), other_office(store)
        job = client.post("/jobs/simulations", json=TINY, headers=owner).json()
        missing = "f" * 32
        for path in ("", "/report", "/files/summary.json"):
            theirs = client.get(f"/jobs/{job['id']}{path}", headers=stranger)
            never = client.get(f"/jobs/{missing}{path}", headers=stranger)
            assert theirs.status_code == never.status_code == 404
            assert theirs.json()["error"]["message"] == never.json()["error"]["message"].replace(
                missing, job["id"]
            )
        assert client.post(f"/jobs/{job['id']}/cancel", headers=stranger).status_code == 404
        assert client.get("/jobs", headers=stranger).json()["total"] == 0
        assert client.get(f"/jobs/{job['id']}", headers=owner).json()["status"] == "queued"
        assert client.get(f"/jobs/{job['id']}/report", headers=owner).status_code == 409


def test_a_bad_scenario_is_refused_with_its_location_and_queues_nothing(
    store: Store, home: Path
) -> None:
    """A closure of a node the network lacks, and an unknown network, are 422s naming the
    field; no job row is written."""
    app = jobs_app(store, home)
    app.state.run_jobs = False
    bad = {
        **TINY,
        "scenario": {
            **TINY["scenario"],  # type: ignore[dict-item]
            "closures": [{"node": "NOPE", "start": "2026-11-11", "end": "2026-11-12"}],
        },
    }
    with TestClient(app) as client:
        client.headers.update(administrator_headers(store))
        refused = client.post("/jobs/simulations", json=bad)
        assert refused.status_code == 422, refused.text
        locations = [p["location"] for p in refused.json()["error"]["problems"]]
        assert any("closures[0].node" in location for location in locations), locations
        unknown = client.post("/jobs/simulations", json={**TINY, "network": "nowhere"})
        assert unknown.status_code == 422
        assert [p["location"] for p in unknown.json()["error"]["problems"]] == ["network"]
    assert job_rows(store) == 0


def test_a_cancel_kills_the_running_child(store: Store, home: Path, marks: Path) -> None:
    """A running job cancelled through the API says cancelled at once; its child process is
    gone within a couple of seconds and the job stays cancelled."""
    app = jobs_app(store, home, kinds={SIMULATION: sleeping_kind(marks)})
    with TestClient(app) as client:
        client.headers.update(administrator_headers(store))
        job = client.post("/jobs/simulations", json=TINY).json()
        pid = int(
            wait_for(lambda: (marks / job["id"]).exists() and (marks / job["id"]).read_text(), 60)
        )
        assert alive(pid)
        cancelled = client.post(f"/jobs/{job['id']}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert wait_for(lambda: not alive(pid), 5), "the cancelled run goes on"
        assert wait_for(lambda: app.state.job_runner.running == [], 5)
        assert client.get(f"/jobs/{job['id']}").json()["status"] == "cancelled"
        assert client.post(f"/jobs/{job['id']}/cancel").status_code == 409


@pytest.mark.parametrize(
    ("kind", "bounds", "words"),
    [
        ("sleeping", WorkBounds(job_seconds=1.0), "longer than the 1 s"),
        ("greedy", WorkBounds(run_memory_megabytes=1536), "more than the 1536 MB"),
    ],
)
def test_a_job_over_its_bounds_fails_with_the_work_limit_message(
    store: Store, home: Path, marks: Path, kind: str, bounds: WorkBounds, words: str
) -> None:
    """A job past its deadline, or asking for more memory than the cap, fails with the
    message of the bound it passed, and its child is gone."""
    chosen = sleeping_kind(marks) if kind == "sleeping" else greedy_kind
    app = jobs_app(store, home, kinds={SIMULATION: chosen}, bounds=bounds)
    with TestClient(app) as client:
        client.headers.update(administrator_headers(store))
        job = client.post("/jobs/simulations", json=TINY).json()
        last = follow(client, f"/jobs/{job['id']}", 60)[-1]
        assert last["status"] == "failed"
        assert words in last["error"]["message"], last["error"]
        assert wait_for(lambda: app.state.job_runner.running == [], 5)
    if kind == "sleeping":
        assert not alive(int((marks / job["id"]).read_text()))


def test_stopping_the_server_queues_its_jobs_again_and_leaves_nothing_running(
    store: Store, home: Path, marks: Path
) -> None:
    """The API's shutdown kills a running job's child and puts the job back in the queue,
    its start not counted; no worker thread is left."""
    app = jobs_app(store, home, kinds={SIMULATION: sleeping_kind(marks)})
    with TestClient(app) as client:
        client.headers.update(administrator_headers(store))
        job = client.post("/jobs/simulations", json=TINY).json()
        pid = int(
            wait_for(lambda: (marks / job["id"]).exists() and (marks / job["id"]).read_text(), 60)
        )
    assert not alive(pid)
    found = load_job(store, job["id"])
    assert found is not None and found.status is JobStatus.queued and found.attempts == 0
    names = [thread.name for thread in threading.enumerate()]
    assert not [name for name in names if name.startswith(("peakguard-jobs", "job "))], names
