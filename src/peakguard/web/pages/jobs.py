"""The long jobs' pages: start a season's simulation, watch it run, read its result.

``/app/simulations/new`` takes a network (of those the user sees) and a scenario, either an
uploaded scenario file or a small builder (first day, days, a peak multiplier, one hub closed
for a day); it is checked as ``POST /jobs/simulations`` checks it, every mistake beside its
field, and queued as a job. ``/app/jobs/{id}`` shows the job's progress bar, which
``static/jobs.js`` keeps current from ``GET /jobs/{id}`` about once a second (the page is the
job's state as stored, so a reload shows where it is); ``/app/jobs/{id}/result`` shows the
season's figures, its data files and its report once it succeeded. ``/app/jobs`` lists the
organisation's jobs, newest first. Every page needs ``simulation.run``, as the API's job routes
do, and shows only the organisation's jobs.
"""

from __future__ import annotations

from datetime import date, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from peakguard.api.job_runner import app_bounds
from peakguard.api.routers.jobs import DATA_FILES
from peakguard.app.jobs import (
    FORECAST,
    REROUTE,
    SIMULATION,
    STAGGER,
    JobRecord,
    JobStatus,
    cancel_job,
    get_job,
    list_jobs,
    submit_simulation_job,
)
from peakguard.errors import ForbiddenError, InvalidInputError, PeakguardError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.web.pages import forecasts, plans
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.job_forms import (
    JOBS,
    SimulationForm,
    field_of,
    job_path,
    network_names,
    scenario_document,
)
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

router = APIRouter(prefix="/app", include_in_schema=False)
NEW = "/app/simulations/new"
NAVIGATION = (
    NavItem(NEW, _("New simulation"), Permission.simulation_run, 20),
    NavItem(JOBS, _("Jobs"), Permission.simulation_run, 25),
)
Runner = Annotated[Principal, page_requires(Permission.simulation_run)]
"""The API's permission for its job routes: the pages show what the API would answer."""

STATUS_LABELS: dict[JobStatus, Message] = {
    JobStatus.queued: _("Queued"),
    JobStatus.running: _("Running"),
    JobStatus.succeeded: _("Succeeded"),
    JobStatus.failed: _("Failed"),
    JobStatus.cancelled: _("Cancelled"),
}
KIND_LABELS: dict[str, Message] = {
    SIMULATION: _("Simulation"),
    STAGGER: _("Staggered pickup plan"),
    REROUTE: _("Reroute plan"),
    FORECAST: _("Forecast"),
}
MAX_LISTED = 50
"""Mistakes listed beside a field, and jobs listed on a page."""
CHINA = timezone(timedelta(hours=8))
"""China Standard Time, in which the pages show moments."""


def _form_page(
    request: Request, caller: Principal, form: SimulationForm, *, status: int = 200
) -> Response:
    language = page_language(request)
    values = {
        "form": form,
        "errors": {where: " ".join(texts) for where, texts in form.errors.items()},
        "networks": network_names(request, caller),
        "today": date.today().isoformat(),
    }
    title = render(_("New simulation"), language)
    return render_page(request, caller, "simulation_new.html", values, status=status, title=title)


@router.get("/simulations/new")
def new_simulation(request: Request, caller: Runner, network: str = "") -> Response:
    """The form: a network and a scenario (a file, or the builder's few fields)."""
    form = SimulationForm(network=network[:64], first_day=date.today().isoformat())
    return _form_page(request, caller, form)


@router.post("/simulations/new")
async def start_simulation(
    request: Request,
    caller: Runner,
    network: Annotated[str, Form(max_length=64)] = "",
    source: Annotated[str, Form(max_length=16)] = "builder",
    file: Annotated[UploadFile | None, File()] = None,
    name: Annotated[str, Form(max_length=200)] = "peak",
    first_day: Annotated[str, Form(max_length=40)] = "",
    days: Annotated[str, Form(max_length=20)] = "",
    multiplier: Annotated[str, Form(max_length=20)] = "",
    closure_node: Annotated[str, Form(max_length=64)] = "",
    closure_day: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Check the scenario as the job would run it, queue it, and go to its progress page;
    or show the form again with each mistake beside its field."""
    language = page_language(request)
    form = SimulationForm(
        network, "file" if source == "file" else "builder", name, first_day, days, multiplier,
        closure_node, closure_day,
    )  # fmt: skip
    if not network:
        form.refuse("network", render(_("Choose a network."), language))
        return _form_page(request, caller, form, status=422)
    try:
        document = await scenario_document(request, form, file)
        job = await run_in_threadpool(
            submit_simulation_job,
            request.app.state.store,
            caller,
            network,
            document,
            bounds=app_bounds(request.app),
            language=language,
        )
    except InvalidInputError as error:
        for problem in error.problems[:MAX_LISTED] or [Problem("scenario", error.message)]:
            text = render(problem.message, language)
            where = field_of(problem.location, form.source)
            shown = text if where != "file" else f"{problem.location}: {text}"
            form.refuse(where, shown)
        return _form_page(request, caller, form, status=422)
    except ForbiddenError as error:
        # A network in sight but not wholly within reach (its gateway hubs lie elsewhere):
        # said beside the network field, the form kept.
        form.refuse("network", render(error.message, language))
        return _form_page(request, caller, form, status=403)
    return RedirectResponse(job_path(job.id), status_code=303)


def _job_values(job: JobRecord, language: str) -> dict[str, Any]:
    scenario = job.parameters.get("scenario")
    return {
        "job": job,
        "status_label": render(STATUS_LABELS[job.status], language),
        "status_labels": {s.value: render(m, language) for s, m in STATUS_LABELS.items()},
        "stage": "" if job.stage is None else render(job.stage, language),
        "error": None if job.error is None else render(job.error.message, language),
        "error_problems": [
            (p.location, render(p.message, language))
            for p in (job.error.problems if job.error else ())
        ],
        "scenario_name": scenario.get("name", "")
        if isinstance(scenario, dict)
        else str(job.parameters.get("name", "")),
        "kind_label": render(KIND_LABELS.get(job.kind, _("Job")), language),
        "network": job.parameters.get("network", ""),
        "percent": round(job.progress * 100),
        "finished": job.status.finished,
    }


@router.get("/jobs/{job_id}")
def job_page(request: Request, caller: Runner, job_id: str) -> Response:
    """A job's progress: its bar and stage, kept current by ``jobs.js``; the result's link
    when it succeeded, the reason when it failed."""
    job = get_job(request.app.state.store, caller, job_id)
    language = page_language(request)
    title = render(_("Job {id}", id=job.id[:8]), language)
    return render_page(
        request, caller, "jobs_progress.html", _job_values(job, language), title=title
    )


@router.post("/jobs/{job_id}/cancel")
def cancel_page(request: Request, caller: Runner, job_id: str) -> Response:
    """Cancel the job (a running one's process is stopped) and show it again."""
    try:
        cancel_job(request.app.state.store, caller, job_id)
    except PeakguardError as error:
        if error.http_status != 409:  # already finished: the page shows how it ended
            raise
    return RedirectResponse(job_path(job_id), status_code=303)


def _figures(result: dict[str, Any], language: str) -> list[dict[str, str]]:
    summary = result.get("summary", {})
    levels = summary.get("warnings_by_level", {})

    def card(label: Message, value: str, tone: str = "") -> dict[str, str]:
        return {"label": render(label, language), "value": value, "detail": "", "tone": tone}

    return [
        card(_("Parcels accepted"), f"{summary.get('accepted', 0):,.0f}"),
        card(_("Parcels delivered"), f"{summary.get('delivered', 0):,.0f}"),
        card(
            _("On-time rate (against the service standards)"),
            f"{summary.get('on_time_rate', 0) * 100:.1f} %",
        ),
        card(_("Mean delivery time (hours)"), f"{summary.get('mean_delivery_hours', 0):.1f}"),
        card(_("Left at nodes at the end"), f"{summary.get('left_at_nodes', 0):,.0f}"),
        card(
            _("Nodes that overflowed"),
            f"{summary.get('nodes_overflowing', 0):,}",
            "red" if summary.get("nodes_overflowing") else "green",
        ),
        card(_("Node-hours over storage capacity"), f"{summary.get('overflow_node_hours', 0):,}"),
        card(
            _("Red and orange warnings"),
            f"{levels.get('red', 0):,} / {levels.get('orange', 0):,}",
            "orange" if levels.get("red") or levels.get("orange") else "",
        ),
    ]


@router.get("/jobs/{job_id}/result")
def result_page(request: Request, caller: Runner, job_id: str) -> Response:
    """A succeeded job's result: a simulation's figures, data files and season report
    (embedded), a plan's (:mod:`.plans`) or a forecast's (:mod:`.forecasts`); a job not yet
    done sends the visitor to its progress page."""
    job = get_job(request.app.state.store, caller, job_id)
    if job.status is not JobStatus.succeeded or job.result is None:
        return RedirectResponse(job_path(job.id), status_code=303)
    language = page_language(request)
    if job.kind == STAGGER:
        return plans.stagger_result(request, caller, job, _job_values(job, language))
    if job.kind == REROUTE:
        return plans.reroute_result(request, caller, job, _job_values(job, language))
    if job.kind == FORECAST:
        return forecasts.forecast_result(request, caller, job, _job_values(job, language))
    values = _job_values(job, language) | {
        "figures": _figures(job.result, language),
        "files": [(name, f"/jobs/{job.id}/files/{name}") for name in DATA_FILES],
        "report": f"/jobs/{job.id}/report",
        "first_day": job.result.get("first_day", ""),
        "days": job.result.get("days", ""),
    }
    title = render(_("Simulation {scenario}", scenario=values["scenario_name"]), language)
    return render_page(request, caller, "jobs_result.html", values, title=title)


def jobs_view(jobs: list[JobRecord], language: str) -> TableView:
    """The organisation's jobs as a table (and its exports)."""
    rows = [
        {
            "created": job.created_at.astimezone(CHINA).replace(tzinfo=None),
            "kind": render(KIND_LABELS.get(job.kind, _("Job")), language),
            "scenario": _job_values(job, language)["scenario_name"],
            "network": str(job.parameters.get("network", "")),
            "owner": job.owner_label,
            "status": render(STATUS_LABELS[job.status], language),
            "progress": job.progress,
            "link": job_path(job.id)
            if job.status is not JobStatus.succeeded
            else f"{job_path(job.id)}/result",
        }
        for job in jobs
    ]
    return TableView(
        key="jobs",
        title=render(_("Jobs"), language),
        columns=[
            Column("created", render(_("Submitted (China time)"), language), link="link"),
            Column("kind", render(_("Kind"), language)),
            Column("scenario", render(_("Scenario"), language)),
            Column("network", render(_("Network"), language)),
            Column("owner", render(_("Submitted by"), language)),
            Column("status", render(_("Status"), language)),
            Column("progress", render(_("Progress"), language), digits=0, percent=True),
        ],
        rows=rows,
        empty=render(_("Your organisation has no jobs yet."), language),
    )


@router.get("/jobs")
def jobs_page(request: Request, caller: Runner, page: int = 1) -> Response:
    """The organisation's jobs, newest first, 50 a page."""
    language = page_language(request)
    page = max(1, min(page, 100_000))
    listed = list_jobs(
        request.app.state.store, caller, limit=MAX_LISTED, offset=(page - 1) * MAX_LISTED
    )
    view = jobs_view(listed.jobs, language)
    exported = export_response([view], request, language)
    if exported is not None:
        return exported
    values = {
        "view": view,
        "page": page,
        "pages": max(1, -(-listed.total // MAX_LISTED)),
        "total": listed.total,
    }
    return render_page(request, caller, "jobs_list.html", values, title=render(_("Jobs"), language))
