"""Long operations run outside the request: submit a season's simulation, a staggered pickup
plan or a reroute as a job, follow its progress, cancel it, and read its report and files when
it is done.

``POST /jobs/simulations`` (``/jobs/stagger-plans``, ``/jobs/reroute-plans``) checks everything
the run will need before it queues anything (the network within reach, the scenario, the
releases, the run's size) and answers 202 with the job and its ``Location``; the server's
worker runs it (:mod:`peakguard.api.job_runner`). Each needs the permission of its synchronous
route. A job is its owner's organisation's: anyone else gets 404, as for an id that never
existed.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import Field, JsonValue
from starlette.concurrency import run_in_threadpool

from peakguard.api.errors import request_language
from peakguard.api.job_runner import app_bounds
from peakguard.api.routers.forecasts import AnnouncedIn, HistoryRowIn, rows
from peakguard.api.routers.plans import ReleaseIn
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
from peakguard.app.forecast_job import submit_forecast_job
from peakguard.app.jobs import (
    SIMULATION,
    STAGGER,
    JobRecord,
    JobStatus,
    cancel_job,
    get_job,
    job_folder,
    list_jobs,
    submit_simulation_job,
)
from peakguard.app.plan_job import PLAN_REPORT, submit_reroute_job, submit_stagger_job
from peakguard.app.simulation_job import REPORT_FILE
from peakguard.errors import ConflictError, NotFoundError
from peakguard.forecast.orchestrator import MAX_HORIZON_DAYS
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
REPORT_FILES: dict[str, str] = {SIMULATION: REPORT_FILE, STAGGER: PLAN_REPORT}
"""The report page of each kind of job that has one."""
MEDIA_TYPES: dict[str, str] = {
    ".parquet": "application/vnd.apache.parquet",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""What a job's data file may be (its page is served by the report route)."""
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file.",
        "content": {media: {} for media in sorted(set(MEDIA_TYPES.values()))},
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


class StaggerJobRequest(RequestModel):
    """A staggered pickup plan on a stored network, as ``POST /networks/{name}/plans/stagger``
    takes it, run as a job and always checked by simulation."""

    network: str = Field(max_length=64)
    scenario: ScenarioIn
    releases: list[ReleaseIn] | None = None
    """None: the scenario's own demand, each release free to wait ``window_days``."""
    window_days: Annotated[int, Field(ge=0, le=14)] = 2
    sorting_margin: float | None = None
    storage_margin: float | None = None
    settings: SettingsSections | None = None
    """A [stagger] section, as in a settings file; the margins above win over it."""


class RerouteJobRequest(RequestModel):
    """A reroute around a closure on a stored network, as ``POST /networks/{name}/plans/
    reroute`` takes it, run as a job and always checked by simulation."""

    network: str = Field(max_length=64)
    scenario: ScenarioIn
    nodes: list[str] | None = None
    """The nodes to close over [start, end); none: each of the scenario's closures."""
    start: datetime | None = None
    end: datetime | None = None
    settings: SettingsSections | None = None
    """A [reroute] section, as in a settings file."""


class ForecastJobRequest(RequestModel):
    """A daily history to forecast, as ``POST /forecasts`` takes it, and, given a stored
    network, its capacity gaps at ``bound``, as ``POST /networks/{name}/capacity`` sizes them
    (which needs ``capacity.run`` as well); run as a job."""

    history: list[HistoryRowIn]
    announced: list[AnnouncedIn] = Field(default_factory=list)
    horizon_days: Annotated[int, Field(ge=1, le=MAX_HORIZON_DAYS)] = 35
    network: str | None = Field(default=None, max_length=64)
    bound: Literal["point", "upper_80", "upper_95"] = "upper_80"
    settings: SettingsSections | None = None
    """[forecast] and [reserve] sections, as in a settings file."""


class JobErrorOut(ResponseModel):
    message: str
    problems: list[ProblemOut] = Field(default_factory=list)


class JobLinks(ResponseModel):
    self: str
    cancel: str
    report: str | None
    """The job's report page (a season's, a plan's), once the job has succeeded."""
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


def job_files(job: JobRecord) -> list[str]:
    """The data files a succeeded job wrote in its folder (its report aside), as named in its
    result; a reroute of several closures keeps each closure's files in a folder of its own,
    which is not served (its result holds every closure's plan)."""
    written = (job.result or {}).get("files") or []
    return [
        str(name)
        for name in written
        if isinstance(name, str) and "/" not in name and PurePosixPath(name).suffix in MEDIA_TYPES
    ]


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
            report=f"{base}/report" if succeeded and job.kind in REPORT_FILES else None,
            files={name: f"{base}/files/{name}" for name in job_files(job)} if succeeded else {},
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


@router.post(
    "/stagger-plans", response_model=JobOut, status_code=202, responses=documented(403, 404)
)
async def submit_stagger_plan(
    request: Request,
    response: Response,
    body: Annotated[StaggerJobRequest, Body()],
    actor: Annotated[Principal, requires(Permission.plan_run)],
) -> JobOut:
    """Queue a staggered pickup plan, checked by simulation. Checked before anything is
    queued: mistakes in the scenario or the releases, an unknown network (``network``) or a
    plan over the caps are a 422 with every location. Answers 202 with the job."""
    language = _language(request)
    releases = (
        None if body.releases is None else [row.model_dump(mode="json") for row in body.releases]
    )
    job = await run_in_threadpool(
        submit_stagger_job,
        _store(request),
        actor,
        body.network,
        body.scenario.document(),
        releases=releases,
        window_days=body.window_days,
        settings_document=body.settings,
        sorting_margin=body.sorting_margin,
        storage_margin=body.storage_margin,
        bounds=app_bounds(request.app),
        limits=request.app.state.settings.input_limits(),
        language=language,
    )
    response.headers["Location"] = f"/jobs/{job.id}"
    return job_out(job, language)


@router.post(
    "/reroute-plans", response_model=JobOut, status_code=202, responses=documented(403, 404)
)
async def submit_reroute_plan(
    request: Request,
    response: Response,
    body: Annotated[RerouteJobRequest, Body()],
    actor: Annotated[Principal, requires(Permission.plan_run)],
) -> JobOut:
    """Queue a reroute around the given closure (or each of the scenario's), checked by
    simulation; 422 with every location for a bad request or one over the caps."""
    language = _language(request)
    job = await run_in_threadpool(
        submit_reroute_job,
        _store(request),
        actor,
        body.network,
        body.scenario.document(),
        nodes=body.nodes,
        start=body.start,
        end=body.end,
        settings_document=body.settings,
        bounds=app_bounds(request.app),
        language=language,
    )
    response.headers["Location"] = f"/jobs/{job.id}"
    return job_out(job, language)


@router.post("/forecasts", response_model=JobOut, status_code=202, responses=documented(403, 404))
async def submit_forecast(
    request: Request,
    response: Response,
    body: Annotated[ForecastJobRequest, Body()],
    actor: Annotated[Principal, requires(Permission.forecast_run)],
) -> JobOut:
    """Queue a forecast and, with ``network``, its capacity gaps. Checked before anything is
    queued: every bad row of the history (``history[3].volume``), an unknown network or a
    history over the caps is a 422 with every location; 403 without ``capacity.run`` when a
    network is given. Answers 202 with the job."""
    language = _language(request)
    job = await run_in_threadpool(
        submit_forecast_job,
        _store(request),
        actor,
        rows(body.history),
        announced=rows(body.announced),
        network_name=body.network,
        bound=body.bound,
        horizon_days=body.horizon_days,
        settings_document=body.settings,
        bounds=app_bounds(request.app),
        limits=request.app.state.settings.input_limits(),
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
    """The report page of a job that succeeded (a season's ``season.html``, a plan's
    ``plan.html``); 409 before, 404 for a kind of job without one."""
    found = _succeeded(request, actor, job_id)
    if found.kind not in REPORT_FILES:
        raise NotFoundError(_("Job {id} has no report page.", id=found.id))
    return FileResponse(
        _file(request, found, REPORT_FILES[found.kind]),
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
    """One of a succeeded job's data files, as its ``links.files`` lists them: a simulation's
    node_hours.parquet, summary.json, warnings.json, warnings.csv; a staggering plan's
    quotas.csv, quotas.xlsx, shortfalls.csv, hubs.csv, plan.json; a reroute's reroute.json,
    units.csv, temporary_lanes.csv, routing_overrides.csv."""
    found = _succeeded(request, actor, job_id)
    files = job_files(found)
    if name not in files:
        raise NotFoundError(
            _(
                "Job {id} has no file {name}; its files are {names}.",
                id=found.id,
                name=name[:100],
                names=", ".join(files),
            )
        )
    return FileResponse(
        _file(request, found, name),
        media_type=MEDIA_TYPES[PurePosixPath(name).suffix],
        filename=f"{found.id[:8]}-{name}",
        headers={"X-Content-Type-Options": "nosniff"},
    )
