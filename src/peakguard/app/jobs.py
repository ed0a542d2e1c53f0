"""Long operations run outside the request that asked for them: queued as a job, run by a
worker, followed by their progress, their results kept in the job's folder.

A job belongs to its owner's organisation: anyone there holding the permission of its kind sees
it and may cancel it; anyone else is told there is no such job, as for an id that never
existed. Everything a job will need is checked when it is submitted (the permission, the
network within reach, the scenario, the size of the run), so a bad request is refused with its
locations and nothing is queued. What a kind of job does lives beside its operation
(:mod:`peakguard.app.simulation_job`); the worker that runs it is an edge's
(``peakguard.api.job_runner``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from peakguard.app.access import require
from peakguard.app.audit import record, record_in
from peakguard.app.bounds import DEFAULT_BOUNDS, WorkBounds, check_simulation_size
from peakguard.app.networks import planning_network
from peakguard.app.settings_files import choose_settings
from peakguard.app.simulation import parse_scenario_document
from peakguard.errors import ConflictError, InvalidInputError, NotFoundError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.structured import parse_json, parse_yaml
from peakguard.i18n import Message, _, current_language
from peakguard.identity.model import Permission, Principal
from peakguard.simulate.warning_rules import WarningThresholds
from peakguard.store.database import Store, transaction
from peakguard.store.jobs import (
    JobFailure,
    JobRecord,
    JobStatus,
    NewJob,
    add_job,
    cancel_job_record,
    latest_finished_job,
    load_job,
    query_jobs,
)

__all__ = [
    "FORECAST",
    "KIND_PERMISSIONS",
    "REROUTE",
    "SIMULATION",
    "STAGGER",
    "JobFailure",
    "JobList",
    "JobRecord",
    "JobStatus",
    "cancel_job",
    "get_job",
    "job_folder",
    "latest_finished",
    "list_jobs",
    "network_within_reach",
    "queue_job",
    "scenario_upload",
    "submit_simulation_job",
]

SIMULATION = "simulation"
"""A peak season simulated on a stored network: ``season.html`` and the run's data files."""
STAGGER = "stagger-plan"
"""A staggered pickup plan (错峰发货): ``plan.html``, the quotas and the hubs' loads."""
REROUTE = "reroute-plan"
"""Backup hubs and the changed routing around a closure (调整路由)."""
FORECAST = "forecast"
"""Daily volumes with their intervals and, given a network, the capacity gaps."""
KIND_PERMISSIONS: Mapping[str, Permission] = {
    SIMULATION: Permission.simulation_run,
    STAGGER: Permission.plan_run,
    REROUTE: Permission.plan_run,
    FORECAST: Permission.forecast_run,
}
"""What one must hold to submit, see and cancel a job of each kind."""
JOB_ID = re.compile(r"[0-9a-f]{32}")

WAITING = _("Waiting for a worker")
CANCELLED = _("Cancelled")


def job_folder(home: Path | Any, job_id: str) -> Path:
    """Where a job's files are kept: ``<home>/jobs/<id>/`` (``home`` a folder, or the
    deployment settings whose ``home`` it is)."""
    if not JOB_ID.fullmatch(job_id):
        raise ValueError(f"not a job id: {job_id!r}")
    base = home if isinstance(home, Path) else Path(home.home)
    return base.expanduser() / "jobs" / job_id


def _kinds_of(actor: Principal) -> list[str]:
    return [kind for kind, permission in KIND_PERMISSIONS.items() if actor.may(permission)]


def _no_job(job_id: str) -> NotFoundError:
    return NotFoundError(_("No job {id} is visible to you.", id=job_id[:32]))


def get_job(store: Store, actor: Principal, job_id: str) -> JobRecord:
    """The job ``job_id`` if it is one of ``actor``'s organisation's, of a kind ``actor`` may
    run; else NotFound, the same as for an id that never existed."""
    found = load_job(store, job_id) if JOB_ID.fullmatch(job_id) else None
    if (
        found is None
        or found.organisation_id != actor.organisation.id
        or found.kind not in KIND_PERMISSIONS
    ):
        raise _no_job(job_id)
    require(actor, KIND_PERMISSIONS[found.kind])
    return found


@dataclass(frozen=True)
class JobList:
    total: int
    offset: int
    limit: int
    jobs: list[JobRecord]


def list_jobs(
    store: Store,
    actor: Principal,
    *,
    kind: str | None = None,
    status: JobStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> JobList:
    """The organisation's jobs of the kinds ``actor`` may run, newest first."""
    kinds = _kinds_of(actor)
    if kind is not None:
        kinds = [k for k in kinds if k == kind]
    if not kinds:
        require(actor, KIND_PERMISSIONS.get(kind or SIMULATION, Permission.simulation_run))
    total, jobs = query_jobs(
        store,
        actor.organisation.id,
        kinds=kinds,
        statuses=() if status is None else (status,),
        limit=limit,
        offset=offset,
    )
    return JobList(total, offset, limit, jobs)


def latest_finished(store: Store, actor: Principal, kind: str) -> JobRecord | None:
    """The organisation's last job of ``kind`` that succeeded (None if none did)."""
    require(actor, KIND_PERMISSIONS[kind])
    return latest_finished_job(store, actor.organisation.id, kind)


def cancel_job(store: Store, actor: Principal, job_id: str) -> JobRecord:
    """Cancel a queued job at once, or a running one (its worker stops the run within a
    second); a finished job is a conflict."""
    job = get_job(store, actor, job_id)
    if not cancel_job_record(store, job.id, stage=CANCELLED):
        current = load_job(store, job.id) or job
        record(
            store, actor, "job.cancel", "job", job.id, outcome="refused",
            detail={"status": current.status.value},
        )  # fmt: skip
        raise ConflictError(
            _(
                "Job {id} has already finished ({status}); there is nothing to cancel.",
                id=job.id,
                status=current.status.value,
            )
        )
    record(store, actor, "job.cancel", "job", job.id, detail={"kind": job.kind})
    return load_job(store, job.id) or job


def _plain(value: object) -> str:
    """A day or a moment of a YAML document as its ISO text, as JSON holds it."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON-ready: {type(value).__name__}")


def queue_job(
    store: Store,
    actor: Principal,
    kind: str,
    parameters: Mapping[str, Any],
    detail: Mapping[str, Any],
) -> JobRecord:
    """Queue a job of ``kind`` with its ``parameters`` (a YAML document's days and moments
    kept as their ISO text, which the readers take as they take the file's), audited with
    ``detail``."""
    parameters = json.loads(json.dumps(parameters, default=_plain))
    job = NewJob(
        id=uuid.uuid4().hex,
        kind=kind,
        organisation_id=actor.organisation.id,
        owner_user_id=actor.user_id,
        owner_label=actor.label(),
        parameters=parameters,
        stage=WAITING,
    )
    with transaction(store.sessions) as session:
        queued = add_job(session, job)
        record_in(
            session, store, actor, "job.submit", "job", job.id, detail={"kind": kind, **detail}
        )
    return queued


def network_within_reach(
    store: Store,
    actor: Principal,
    name: str,
    permission: Permission = Permission.simulation_run,
) -> Any:
    """The network a job of ``actor`` would run on; an unknown name is a located mistake of
    the request (the field ``network``), as a wrong value in the scenario is."""
    try:
        return planning_network(store, name, actor=actor, permission=permission)
    except NotFoundError as error:
        raise InvalidInputError(
            _("The job cannot be queued."), [Problem("network", error.message)]
        ) from None


def submit_simulation_job(
    store: Store,
    actor: Principal,
    network_name: str,
    scenario_document: object,
    *,
    settings_document: Mapping[str, Any] | None = None,
    bounds: WorkBounds = DEFAULT_BOUNDS,
    language: str | None = None,
) -> JobRecord:
    """Queue a simulation of ``scenario_document`` on the stored network ``network_name``.
    Checked first, as the run itself would check them, with nothing queued on a mistake: the
    permission, the network within ``actor``'s reach, the scenario (every mistake located as
    ``scenario: …``), the ``settings``' [warnings] section, and the run's size. ``language`` is
    the one the season report is written in (default: the caller's)."""
    require(actor, Permission.simulation_run)
    network = network_within_reach(store, actor, network_name)
    choose_settings(settings_document, [WarningThresholds])
    scenario = parse_scenario_document(scenario_document, network)
    check_simulation_size(network, scenario, bounds=bounds)
    parameters = {
        "network": network_name,
        "scenario": scenario_document,
        "settings": dict(settings_document) if settings_document is not None else None,
        "language": language or current_language(),
    }
    detail = {"network": network_name, "scenario": scenario.name, "days": scenario.days}
    return queue_job(store, actor, SIMULATION, parameters, detail)


def scenario_upload(data: bytes, filename: str, *, limits: InputLimits = DEFAULT_LIMITS) -> object:
    """An uploaded scenario file's document (``.json`` as JSON, else YAML), read by the same
    guarded readers as a scenario file; checked against its network when it is submitted."""
    if len(data) > limits.max_file_bytes:
        message = _("The file is larger than the {megabytes} MB a file may be.",
                    megabytes=limits.max_file_bytes // (1024 * 1024))  # fmt: skip
        raise InvalidInputError(message, [Problem(filename, message)])
    if filename.lower().endswith(".json"):
        return parse_json(data, filename, limits=limits)
    return parse_yaml(data, filename, limits=limits)


def failure_of(error: Exception) -> JobFailure:
    """A job's failure from the error that ended it: its message and located problems."""
    message: Message = getattr(error, "message", None) or _(
        "The job failed because of an error in peakguard; the server's log has the details."
    )
    problems = tuple(getattr(error, "problems", ()) or ())
    return JobFailure(message, problems)
