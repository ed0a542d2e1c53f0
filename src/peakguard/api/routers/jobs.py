"""Long operations run outside the request: submit a season's simulation as a job, follow its
progress, cancel it, and read its report and files when it is done.

``POST /jobs/simulations`` checks everything the run will need before it queues anything (the
network within reach, the scenario, the run's size) and answers 202 with the job and its
``Location``; the server's worker runs it (:mod:`peakguard.api.job_runner`). A job is its
owner's organisation's: anyone else gets 404, as for an id that never existed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import Field, JsonValue
from starlette.concurrency import run_in_threadpool

from peakguard.api.errors import request_language
from peakguard.api.job_runner import app_bounds
from peakguard.api.routers.simulations import ScenarioIn, SettingsSections
from peakguard.api.schemas import (
    ERROR_STATUSES,
    Page,
    ProblemOut,
    RequestModel,
    ResponseModel,
    documented,
)
from peakguard.api.security import requires
from peakguard.app.jobs import (
    JobRecord,
    JobStatus,
    cancel_job,
    get_job,
    job_folder,
    list_jobs,
    submit_simulation_job,
)
from peakguard.app.simulation_job import REPORT_FILE
from peakguard.errors import ConflictError, NotFoundError
from peakguard.i18n import _, render
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store

router = APIRouter(prefix="/jobs", tags=["jobs"])

DATA_FILES: dict[str, str] = {
    "node_hours.parquet": "application/vnd.apache.parquet",
    "summary.json": "application/json",
    "warnings.json": "application/json",
    "warnings.csv": "text/csv; charset=utf-8",
}
"""The data files a simulation job keeps, and their media types."""
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file.",
        "content": {media: {} for media in sorted(set(DATA_FILES.values()))},
    }
}


def json_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error statuses answered as JSON by a route whose own answer is not JSON (a page, a
    file): :func:`documented` would list them under the route's own media type."""
    return {
        status: {
            "description": ERROR_STATUSES[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        }
        for status in statuses
    }


FILE_ERRORS = json_errors(401, 403, 404, 409, 422)
"""Every error a file route answers (its own and the shared ones), as JSON."""


class SimulationJobRequest(RequestModel):
    """A season to simulate on a stored network, as ``POST /networks/{name}/simulations``
    takes it, run as a job."""

    network: str = Field(max_length=64)
    scenario: ScenarioIn
    settings: SettingsSections | None = None
    """A [warnings] section, as in a settings file, replaces the scenario's thresholds."""


class JobErrorOut(ResponseModel):
    message: str
    problems: list[ProblemOut] = Field(default_factory=list)


class JobLinks(ResponseModel):
    self: str
    cancel: str
    report: str | None
    """The season's page, once the job has succeeded."""
    files: dict[str, str]
    """Each data file's address, once the job has succeeded."""


class JobOut(ResponseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    progress: float
    """0 to 1; only ever rises while the job runs, 1 when it succeeded."""
    stage: str | None
    """What the job is doing, in the reader's language."""
    error: JobErrorOut | None
    owner: str
    """``name@organisation`` of who submitted it."""
    network: str | None
    scenario: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    result: dict[str, JsonValue] | None
    """The run's summary (what ``summary.json`` holds) once it succeeded."""
    links: JobLinks


def job_out(job: JobRecord, language: str) -> JobOut:
    """A job as the API serves it, its messages in ``language``."""
    succeeded = job.status is JobStatus.succeeded
    base = f"/jobs/{job.id}"
    error = None
    if job.error is not None:
        error = JobErrorOut(
            message=render(job.error.message, language),
            problems=[
                ProblemOut(location=p.location, message=render(p.message, language))
                for p in job.error.problems
            ],
        )
    scenario = job.parameters.get("scenario")
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status.value,
        progress=job.progress,
        stage=None if job.stage is None else render(job.stage, language),
        error=error,
        owner=job.owner_label,
        network=job.parameters.get("network"),
        scenario=scenario.get("name") if isinstance(scenario, dict) else None,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        attempts=job.attempts,
        result=job.result,
        links=JobLinks(
            self=base,
            cancel=f"{base}/cancel",
            report=f"{base}/report" if succeeded else None,
            files={name: f"{base}/files/{name}" for name in DATA_FILES} if succeeded else {},
        ),
    )


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.post("/simulations", response_model=JobOut, status_code=202, responses=documented(403, 404))
async def submit_simulation(
    request: Request,
    response: Response,
    body: Annotated[SimulationJobRequest, Body()],
    actor: Annotated[Principal, requires(Permission.simulation_run)],
) -> JobOut:
    """Queue a season's simulation. Checked before anything is queued: a scenario with
    mistakes, an unknown network (``network``) or a run over the caps is a 422 with every
    location; 403 when the network reaches beyond what the caller may plan on. Answers 202 with
    the job; follow it at its ``Location``."""
    language = _language(request)
    job = await run_in_threadpool(
        submit_simulation_job,
        _store(request),
        actor,
        body.network,
        body.scenario.document(),
        settings_document=body.settings,
        bounds=app_bounds(request.app),
        language=language,
    )
    response.headers["Location"] = f"/jobs/{job.id}"
    return job_out(job, language)


@router.get("", response_model=Page[JobOut])
def jobs(
    request: Request,
    actor: Annotated[Principal, requires(Permission.simulation_run)],
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[JobOut]:
    """The caller's organisation's jobs, newest first (``status`` keeps one state)."""
    listed = list_jobs(_store(request), actor, status=status, limit=limit, offset=offset)
    language = _language(request)
    return Page[JobOut](
        total=listed.total,
        offset=offset,
        limit=limit,
        items=[job_out(job, language) for job in listed.jobs],
    )


@router.get("/{job_id}", response_model=JobOut, responses=documented(404))
def job(
    request: Request,
    job_id: str,
    actor: Annotated[Principal, requires(Permission.simulation_run)],
) -> JobOut:
    """One job: its state, progress and stage, and its summary once it succeeded."""
    return job_out(get_job(_store(request), actor, job_id), _language(request))


@router.post("/{job_id}/cancel", response_model=JobOut, responses=documented(404, 409))
def cancel(
    request: Request,
    job_id: str,
    actor: Annotated[Principal, requires(Permission.simulation_run)],
) -> JobOut:
    """Cancel a queued or running job (a running one's process is stopped); 409 when it has
    already finished."""
    return job_out(cancel_job(_store(request), actor, job_id), _language(request))


def _succeeded(request: Request, actor: Principal, job_id: str) -> JobRecord:
    found = get_job(_store(request), actor, job_id)
    if found.status is not JobStatus.succeeded:
        raise ConflictError(
            _(
                "Job {id} has no results: it is {status}.",
                id=found.id,
                status=found.status.value,
            )
        )
    return found


def _file(request: Request, job: JobRecord, name: str) -> Any:
    path = job_folder(request.app.state.settings, job.id) / name
    if not path.is_file():
        raise NotFoundError(_("Job {id} has no file {name}.", id=job.id, name=name))
    return path


@router.get(
    "/{job_id}/report",
    response_class=HTMLResponse,
    responses=FILE_ERRORS,
)
def report(
    request: Request,
    job_id: str,
    actor: Annotated[Principal, requires(Permission.simulation_run)],
) -> FileResponse:
    """The season's page (``season.html``) of a job that succeeded; 409 before."""
    found = _succeeded(request, actor, job_id)
    return FileResponse(
        _file(request, found, REPORT_FILE),
        media_type="text/html; charset=utf-8",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"},
    )


@router.get(
    "/{job_id}/files/{name}",
    response_class=FileResponse,
    responses=FILE_RESPONSES | FILE_ERRORS,
)
def data_file(
    request: Request,
    job_id: str,
    name: str,
    actor: Annotated[Principal, requires(Permission.simulation_run)],
) -> FileResponse:
    """One of a succeeded job's data files: node_hours.parquet, summary.json, warnings.json,
    warnings.csv."""
    found = _succeeded(request, actor, job_id)
    if name not in DATA_FILES:
        raise NotFoundError(
            _(
                "Job {id} has no file {name}; its files are {names}.",
                id=found.id,
                name=name[:100],
                names=", ".join(DATA_FILES),
            )
        )
    return FileResponse(
        _file(request, found, name),
        media_type=DATA_FILES[name],
        filename=f"{found.id[:8]}-{name}",
        headers={"X-Content-Type-Options": "nosniff"},
    )
