"""Job records: what a long operation is, who asked for it, how far it got, and who runs it.

Every change is one conditional ``UPDATE`` (the job's status, and for a running job its worker,
in the ``WHERE``), so that many workers over one database agree without locks held between
statements: a claim takes a queued job only if it is still queued (on PostgreSQL the candidate
is chosen with ``FOR UPDATE SKIP LOCKED``, so workers do not queue behind each other's
candidate), a worker's progress is written only while the job is still its own, and a stale
job is returned to the queue only if its row has not changed since it was found stale (its
``version``). On SQLite each such statement starts its transaction already holding the write
lock, which a read followed by a write would not (a write after a stale read fails at once).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from peakguard.errors import Problem
from peakguard.i18n import Message
from peakguard.store.database import Store, transaction
from peakguard.store.tables import JobRow


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in {JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled}


@dataclass(frozen=True)
class JobFailure:
    """Why a job failed: a message, and the located problems when its input was at fault."""

    message: Message
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class JobRecord:
    id: str
    kind: str
    status: JobStatus
    organisation_id: int | None
    owner_user_id: int | None
    owner_label: str
    parameters: dict[str, Any]
    progress: float
    stage: Message | None
    error: JobFailure | None
    result: dict[str, Any] | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    attempts: int
    worker: str | None
    version: int


@dataclass(frozen=True)
class NewJob:
    """A job to queue."""

    id: str
    kind: str
    organisation_id: int | None
    owner_user_id: int | None
    owner_label: str
    parameters: Mapping[str, Any]
    stage: Message | None = None


def _plain(value: Any) -> Any:
    if isinstance(value, Message):
        return {"$message": _message_object(value)}
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def _message_object(message: Message) -> dict[str, Any]:
    return {
        "msgid": message.msgid,
        "params": {key: _plain(value) for key, value in message.params.items()},
    }


def _message_of(document: Mapping[str, Any]) -> Message:
    params = {
        key: _message_of(value["$message"])
        if isinstance(value, dict) and "$message" in value
        else value
        for key, value in document.get("params", {}).items()
    }
    return Message(str(document["msgid"]), params)


def message_text(message: Message | None) -> str | None:
    """A message as JSON (its msgid and parameters), rendered later in a reader's language."""
    return None if message is None else json.dumps(_message_object(message), ensure_ascii=False)


def message_from(text: str | None) -> Message | None:
    return None if text is None else _message_of(json.loads(text))


def failure_text(failure: JobFailure) -> str:
    document = {
        "message": _message_object(failure.message),
        "problems": [
            {"location": problem.location, "message": _message_object(problem.message)}
            for problem in failure.problems
        ],
    }
    return json.dumps(document, ensure_ascii=False)


def failure_from(text: str | None) -> JobFailure | None:
    if text is None:
        return None
    document = json.loads(text)
    problems = tuple(
        Problem(str(item["location"]), _message_of(item["message"]))
        for item in document.get("problems", [])
    )
    return JobFailure(_message_of(document["message"]), problems)


def record_of(row: JobRow) -> JobRecord:
    return JobRecord(
        id=row.id,
        kind=row.kind,
        status=JobStatus(row.status),
        organisation_id=row.organisation_id,
        owner_user_id=row.owner_user_id,
        owner_label=row.owner_label,
        parameters=json.loads(row.parameters),
        progress=row.progress,
        stage=message_from(row.stage),
        error=failure_from(row.error),
        result=None if row.result is None else json.loads(row.result),
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        heartbeat_at=row.heartbeat_at,
        attempts=row.attempts,
        worker=row.worker,
        version=row.version,
    )


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def add_job(session: Session, job: NewJob, *, now: datetime | None = None) -> JobRecord:
    """Queue ``job`` inside ``session``'s transaction (kept only if the rest of it is)."""
    row = JobRow(
        id=job.id,
        kind=job.kind,
        status=JobStatus.queued.value,
        organisation_id=job.organisation_id,
        owner_user_id=job.owner_user_id,
        owner_label=job.owner_label,
        parameters=json.dumps(dict(job.parameters), ensure_ascii=False, sort_keys=True),
        progress=0.0,
        stage=message_text(job.stage),
        created_at=_now(now),
        attempts=0,
        version=1,
    )
    session.add(row)
    session.flush()
    return record_of(row)


def load_job(store: Store, job_id: str) -> JobRecord | None:
    with transaction(store.sessions) as session:
        row = session.get(JobRow, job_id)
        return None if row is None else record_of(row)


def _of_organisation(organisation_id: int | None) -> ColumnElement[bool]:
    if organisation_id is None:
        return JobRow.organisation_id.is_(None)
    return JobRow.organisation_id == organisation_id


def query_jobs(
    store: Store,
    organisation_id: int | None,
    *,
    kinds: Collection[str],
    statuses: Collection[JobStatus] = (),
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[JobRecord]]:
    """The organisation's jobs of ``kinds`` (and ``statuses``, when given), newest first, and
    how many there are in all."""
    conditions = [_of_organisation(organisation_id), JobRow.kind.in_(list(kinds))]
    if statuses:
        conditions.append(JobRow.status.in_([status.value for status in statuses]))
    with transaction(store.sessions) as session:
        total = session.scalar(select(func.count()).select_from(JobRow).where(*conditions)) or 0
        rows = session.scalars(
            select(JobRow)
            .where(*conditions)
            .order_by(JobRow.created_at.desc(), JobRow.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return total, [record_of(row) for row in rows]


def latest_finished_job(store: Store, organisation_id: int | None, kind: str) -> JobRecord | None:
    """The organisation's job of ``kind`` that succeeded last."""
    with transaction(store.sessions) as session:
        row = session.scalars(
            select(JobRow)
            .where(
                _of_organisation(organisation_id),
                JobRow.kind == kind,
                JobRow.status == JobStatus.succeeded.value,
            )
            .order_by(JobRow.finished_at.desc(), JobRow.id)
            .limit(1)
        ).first()
        return None if row is None else record_of(row)


def claim_next_job(
    store: Store, worker: str, *, kinds: Collection[str], now: datetime | None = None
) -> JobRecord | None:
    """Take the oldest queued job of ``kinds`` for ``worker``: at most one worker ever gets a
    given start of a job, however many ask at once. None when nothing is queued."""
    moment = _now(now)
    candidate = (
        select(JobRow.id)
        .where(JobRow.status == JobStatus.queued.value, JobRow.kind.in_(list(kinds)))
        .order_by(JobRow.created_at, JobRow.id)
        .limit(1)
    )
    if store.backend == "postgresql":
        candidate = candidate.with_for_update(skip_locked=True)
    statement = (
        update(JobRow)
        .where(
            JobRow.id == candidate.scalar_subquery(),
            JobRow.status == JobStatus.queued.value,
        )
        .values(
            status=JobStatus.running.value,
            worker=worker,
            started_at=moment,
            heartbeat_at=moment,
            finished_at=None,
            progress=0.0,
            attempts=JobRow.attempts + 1,
            version=JobRow.version + 1,
        )
        .returning(JobRow.id)
    )
    with transaction(store.sessions) as session:
        claimed = session.execute(statement).scalar_one_or_none()
        if claimed is None:
            return None
        row = session.get(JobRow, claimed, populate_existing=True)
        return None if row is None else record_of(row)


def _running_as(job_id: str, worker: str) -> tuple[ColumnElement[bool], ...]:
    return (
        JobRow.id == job_id,
        JobRow.status == JobStatus.running.value,
        JobRow.worker == worker,
    )


def report_progress(
    store: Store,
    job_id: str,
    worker: str,
    *,
    progress: float,
    stage: Message | None,
    now: datetime | None = None,
) -> bool:
    """Write a running job's progress and stage, and its worker's heartbeat; False when the
    job is no longer ``worker``'s to run (cancelled, or given to another worker)."""
    statement = (
        update(JobRow)
        .where(*_running_as(job_id, worker))
        .values(
            progress=min(max(progress, 0.0), 1.0),
            stage=message_text(stage),
            heartbeat_at=_now(now),
            version=JobRow.version + 1,
        )
    )
    with transaction(store.sessions) as session:
        return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]


def beat(store: Store, worker: str, *, now: datetime | None = None) -> int:
    """Refresh the heartbeat of every job ``worker`` runs; how many there are."""
    statement = (
        update(JobRow)
        .where(JobRow.status == JobStatus.running.value, JobRow.worker == worker)
        .values(heartbeat_at=_now(now))
    )
    with transaction(store.sessions) as session:
        return session.execute(statement).rowcount  # type: ignore[attr-defined, no-any-return]


def still_running(store: Store, job_id: str, worker: str) -> bool:
    """Whether the job is still running on ``worker`` (not cancelled, not taken over)."""
    with transaction(store.sessions) as session:
        found = session.scalar(select(JobRow.id).where(*_running_as(job_id, worker)))
        return found is not None


def finish_job(
    store: Store,
    job_id: str,
    worker: str,
    *,
    result: Mapping[str, Any] | None = None,
    failure: JobFailure | None = None,
    stage: Message | None = None,
    now: datetime | None = None,
) -> bool:
    """Record a running job's end: succeeded with ``result``, or failed with ``failure``;
    False when the job was no longer ``worker``'s (a cancel came first: it stays cancelled)."""
    moment = _now(now)
    values: dict[str, Any] = {
        "finished_at": moment,
        "heartbeat_at": moment,
        "stage": message_text(stage),
        "version": JobRow.version + 1,
    }
    if failure is None:
        values |= {
            "status": JobStatus.succeeded.value,
            "progress": 1.0,
            "result": json.dumps(dict(result or {}), ensure_ascii=False),
        }
    else:
        values |= {"status": JobStatus.failed.value, "error": failure_text(failure)}
    with transaction(store.sessions) as session:
        done = session.execute(update(JobRow).where(*_running_as(job_id, worker)).values(values))
        return done.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def release_job(store: Store, job_id: str, worker: str) -> bool:
    """Put a running job back in the queue, its start not counted (its worker is stopping)."""
    statement = (
        update(JobRow)
        .where(*_running_as(job_id, worker))
        .values(
            status=JobStatus.queued.value,
            worker=None,
            heartbeat_at=None,
            attempts=JobRow.attempts - 1,
            version=JobRow.version + 1,
        )
    )
    with transaction(store.sessions) as session:
        return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]


def cancel_job_record(
    store: Store, job_id: str, *, stage: Message | None = None, now: datetime | None = None
) -> bool:
    """Cancel a queued or running job (its worker sees it and stops the run); False when it
    had already finished."""
    moment = _now(now)
    statement = (
        update(JobRow)
        .where(
            JobRow.id == job_id,
            JobRow.status.in_([JobStatus.queued.value, JobStatus.running.value]),
        )
        .values(
            status=JobStatus.cancelled.value,
            finished_at=moment,
            stage=message_text(stage),
            version=JobRow.version + 1,
        )
    )
    with transaction(store.sessions) as session:
        return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]


@dataclass(frozen=True)
class Recovery:
    """What a look for abandoned jobs did: the jobs queued again and those given up."""

    requeued: list[str]
    failed: list[str]


def recover_stale_jobs(
    store: Store,
    *,
    stale_before: datetime,
    max_attempts: int,
    failure: JobFailure,
    now: datetime | None = None,
    alive: str | None = None,
) -> Recovery:
    """Jobs whose worker stopped saying it is alive before ``stale_before`` (it died, or the
    server restarted): queued again, or failed with ``failure`` once ``max_attempts`` starts
    were made. A job whose worker writes in between keeps running (its version changed), and
    so do the jobs of worker ``alive`` (the one asking, which knows it is alive)."""
    conditions = [JobRow.status == JobStatus.running.value, JobRow.heartbeat_at < stale_before]
    if alive is not None:
        conditions.append(JobRow.worker != alive)
    with transaction(store.sessions) as session:
        stale = session.execute(
            select(JobRow.id, JobRow.version, JobRow.attempts).where(*conditions)
        ).all()
    requeued: list[str] = []
    failed: list[str] = []
    for job_id, version, attempts in stale:
        values: dict[str, Any] = {"worker": None, "version": JobRow.version + 1}
        if attempts >= max_attempts:
            values |= {
                "status": JobStatus.failed.value,
                "finished_at": _now(now),
                "error": failure_text(failure),
            }
        else:
            values |= {"status": JobStatus.queued.value, "heartbeat_at": None}
        statement = (
            update(JobRow)
            .where(
                JobRow.id == job_id,
                JobRow.version == version,
                JobRow.status == JobStatus.running.value,
            )
            .values(values)
        )
        with transaction(store.sessions) as session:
            if session.execute(statement).rowcount == 1:  # type: ignore[attr-defined]
                (failed if attempts >= max_attempts else requeued).append(job_id)
    return Recovery(requeued, failed)
