"""The plans' pages: start a staggered pickup plan (错峰发货) or a reroute around a closure
(调整路由) as a job, and read its result.

``/app/plans/new?kind=stagger|reroute`` takes a network (of those the user may plan on), a
scenario (the simulation form's builder, or an uploaded scenario file), for a staggering plan
an order releases file (.csv, .xlsx or .json; none: the scenario's own demand) and, for both,
an optional settings file (TOML). It is checked as ``POST /jobs/stagger-plans`` and
``/jobs/reroute-plans`` check it (:func:`peakguard.app.plan_job.submit_stagger_job`), every
mistake beside its field, nothing queued on one, and the job's progress page follows it.
The result pages (:func:`stagger_result`, :func:`reroute_result`) are shown at
``/app/jobs/{id}/result`` by :mod:`.jobs`. Every page needs ``plan.run``, as the API does.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from peakguard.api.job_runner import app_bounds
from peakguard.api.routers.jobs import job_files
from peakguard.app.jobs import JobRecord, job_folder
from peakguard.app.plan_job import (
    PLAN_REPORT,
    UploadedFile,
    settings_upload,
    submit_reroute_job,
    submit_stagger_job,
)
from peakguard.app.plan_schedules import get_schedule
from peakguard.config import Settings
from peakguard.errors import ForbiddenError, InvalidInputError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.web.pages import plan_schedules
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.job_forms import (
    SimulationForm,
    field_of,
    job_path,
    network_names,
    read_upload,
    scenario_document,
)
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

router = APIRouter(prefix="/app", include_in_schema=False)
NEW = "/app/plans/new"
router.include_router(plan_schedules.router)
NAVIGATION = (NavItem(NEW, _("New plan"), Permission.plan_run, 30), *plan_schedules.NAVIGATION)
Planner = Annotated[Principal, page_requires(Permission.plan_run)]
"""The API's permission for its plan routes: the pages show what the API would answer."""

KINDS = ("stagger", "reroute")
MAX_LISTED = 50
"""Mistakes listed beside a field."""
MAX_QUOTA_ROWS = 1000
"""Quotas shown (and exported) on the result page; the files hold every one."""


@dataclass
class PlanForm(SimulationForm):
    """The plan form as the user filled it: the simulation form's, and the kind of plan and
    how long the scenario's own demand may wait."""

    kind: str = "stagger"
    window_days: str = "2"


def _form_page(
    request: Request, caller: Principal, form: PlanForm, *, status: int = 200
) -> Response:
    language = page_language(request)
    values = {
        "form": form,
        "errors": {where: " ".join(texts) for where, texts in form.errors.items()},
        "networks": network_names(request, caller),
    }
    title = _("New staggered pickup plan") if form.kind == "stagger" else _("New reroute plan")
    return render_page(
        request, caller, "plan_new.html", values, status=status, title=render(title, language)
    )


@router.get("/plans/new")
def new_plan(
    request: Request, caller: Planner, kind: str = "stagger", network: str = ""
) -> Response:
    """The form: a network, a scenario and, for a staggering plan, the releases."""
    form = PlanForm(
        network=network[:64],
        first_day=date.today().isoformat(),
        kind=kind if kind in KINDS else "stagger",
    )
    return _form_page(request, caller, form)


def plan_field(location: str, form: PlanForm, releases: str, settings: str) -> str:
    """Beside which field of the plan form a mistake located at ``location`` is shown."""
    if location in {"nodes", "start", "end"} or location.startswith("scenario.closures"):
        return "closure_node" if form.source == "builder" else "file"
    if location == "releases" or (releases and location.startswith(releases)):
        return "releases"
    if location.startswith("settings") or (settings and location.startswith(settings)):
        return "settings"
    return field_of(location, form.source)


@router.post("/plans/new")
async def start_plan(
    request: Request,
    caller: Planner,
    kind: Annotated[str, Form(max_length=16)] = "stagger",
    network: Annotated[str, Form(max_length=64)] = "",
    source: Annotated[str, Form(max_length=16)] = "builder",
    file: Annotated[UploadFile | None, File()] = None,
    releases: Annotated[UploadFile | None, File()] = None,
    settings: Annotated[UploadFile | None, File()] = None,
    name: Annotated[str, Form(max_length=200)] = "peak",
    first_day: Annotated[str, Form(max_length=40)] = "",
    days: Annotated[str, Form(max_length=20)] = "",
    multiplier: Annotated[str, Form(max_length=20)] = "",
    closure_node: Annotated[str, Form(max_length=64)] = "",
    closure_day: Annotated[str, Form(max_length=40)] = "",
    window_days: Annotated[str, Form(max_length=4)] = "2",
) -> Response:
    """Check the plan as its job would run it, queue it, and go to its progress page; or
    show the form again with each mistake beside its field."""
    language = page_language(request)
    form = PlanForm(
        network, "file" if source == "file" else "builder", name, first_day, days, multiplier,
        closure_node, closure_day, kind=kind if kind in KINDS else "stagger",
        window_days=window_days,
    )  # fmt: skip
    if not network:
        form.refuse("network", render(_("Choose a network."), language))
        return _form_page(request, caller, form, status=422)
    deployment: Settings = request.app.state.settings
    limits = deployment.input_limits()
    sent_releases: UploadedFile | None = None
    sent_settings: UploadedFile | None = None
    try:
        sent_releases = await read_upload(request, releases) if form.kind == "stagger" else None
        sent_settings = await read_upload(request, settings)
        sections = None if sent_settings is None else settings_upload(sent_settings, limits=limits)
        document = await scenario_document(request, form, file)
        if form.kind == "stagger":
            job = await run_in_threadpool(
                submit_stagger_job,
                request.app.state.store,
                caller,
                network,
                document,
                releases=sent_releases,
                window_days=_window_days(window_days),
                settings_document=sections,
                bounds=app_bounds(request.app),
                limits=limits,
                language=language,
            )
        else:
            job = await run_in_threadpool(
                submit_reroute_job,
                request.app.state.store,
                caller,
                network,
                document,
                settings_document=sections,
                bounds=app_bounds(request.app),
                language=language,
            )
    except InvalidInputError as error:
        releases_name = "" if sent_releases is None else sent_releases.base_name
        settings_name = "" if sent_settings is None else sent_settings.base_name
        for problem in error.problems[:MAX_LISTED] or [Problem("scenario", error.message)]:
            text = render(problem.message, language)
            where = plan_field(problem.location, form, releases_name, settings_name)
            shown = text if where not in {"file", "releases", "settings"} else (
                f"{problem.location}: {text}"
            )  # fmt: skip
            form.refuse(where, shown)
        return _form_page(request, caller, form, status=422)
    except ForbiddenError as error:
        # A network in sight but not wholly within reach (its gateway hubs lie elsewhere):
        # said beside the network field, the form kept.
        form.refuse("network", render(error.message, language))
        return _form_page(request, caller, form, status=403)
    return RedirectResponse(job_path(job.id), status_code=303)


def _window_days(text: str) -> int:
    try:
        return max(0, min(int(text.strip()), 14))
    except ValueError:
        return 2


# --- the result pages --------------------------------------------------------------------


def _card(
    label: Message, value: str, language: str, tone: str = "", detail: str = ""
) -> dict[str, str]:
    return {"label": render(label, language), "value": value, "detail": detail, "tone": tone}


def stagger_figures(summary: dict[str, Any], language: str) -> list[dict[str, str]]:
    """The plan's headline figures: what it asks of the carriers, and the hubs before and
    after it as the simulator sees them."""
    if summary.get("within_capacity"):
        status, tone = _("Every node stays inside capacity"), "green"
    elif summary.get("hubs_within_capacity"):
        status, tone = _("Every open hub stays inside capacity"), "orange"
    else:
        status, tone = _("No plan stays inside capacity: the least-overflow plan"), "red"
    cards = [
        _card(_("Plan"), render(status, language), language, tone),
        _card(_("Parcels released"), f"{summary.get('parcels', 0):,}", language),
        _card(
            _("Parcels picked up later than released"),
            f"{summary.get('delayed_parcels', 0):,}",
            language,
        ),
        _card(_("Delay (parcel-days)"), f"{summary.get('delay_parcel_days', 0):,}", language),
        _card(
            _("Worst carrier's mean delay (days)"),
            f"{summary.get('worst_carrier_mean_delay_days', 0):.2f}",
            language,
        ),
        _card(
            _("Shortfalls (shifts and hours over capacity)"),
            f"{summary.get('shortfalls', 0):,}",
            language,
            "red" if summary.get("shortfalls") else "",
        ),
    ]
    simulated = summary.get("simulated")
    if simulated:
        before, after = simulated["unplanned"], simulated["planned"]
        cards += [
            _card(
                _("Peak hub storage, before → after"),
                f"{before['peak_hub_storage_utilisation'] * 100:.0f} % → "
                f"{after['peak_hub_storage_utilisation'] * 100:.0f} %",
                language,
            ),
            _card(
                _("Hub-hours over storage, before → after"),
                f"{before['hub_overflow_hours']:,} → {after['hub_overflow_hours']:,}",
                language,
                "green" if after["hub_overflow_hours"] < before["hub_overflow_hours"] else "",
            ),
            _card(
                _("On-time rate, before → after"),
                f"{before['on_time_rate'] * 100:.1f} % → {after['on_time_rate'] * 100:.1f} %",
                language,
            ),
        ]
    return cards


HUB_KEYS = (
    "node",
    "peak_sorting_before",
    "peak_sorting_after",
    "peak_storage_before",
    "peak_storage_after",
    "simulated_peak_storage_before",
    "simulated_peak_storage_after",
    "simulated_overflow_hours_before",
    "simulated_overflow_hours_after",
)
"""The columns of the result's ``hubs`` rows (``hubs.csv``'s)."""


def hubs_view(rows: list[list[Any]], language: str) -> TableView:
    """Each hub's load before and after the plan (the program's peaks, the simulator's)."""
    records = [
        {key: (None if value == "" else value) for key, value in zip(HUB_KEYS, row, strict=True)}
        for row in rows
    ]
    share = [
        ("peak_sorting_before", _("Peak sorting, before")),
        ("peak_sorting_after", _("Peak sorting, after")),
        ("peak_storage_before", _("Peak storage, before")),
        ("peak_storage_after", _("Peak storage, after")),
        ("simulated_peak_storage_before", _("Simulated peak storage, before")),
        ("simulated_peak_storage_after", _("Simulated peak storage, after")),
    ]
    return TableView(
        key="hubs",
        title=render(_("Hub load before and after the plan"), language),
        columns=[
            Column("node", render(_("Hub"), language)),
            *(Column(key, render(label, language), digits=0, percent=True) for key, label in share),
            Column(
                "simulated_overflow_hours_before",
                render(_("Hours over storage, before"), language),
                digits=0,
            ),
            Column(
                "simulated_overflow_hours_after",
                render(_("Hours over storage, after"), language),
                digits=0,
            ),
        ],
        rows=records,
        note=render(_("Shares of each hub's capacity at its busiest shift or hour."), language),
        empty=render(_("The network has no hub."), language),
    )


def read_quotas(folder: Path) -> tuple[list[dict[str, Any]], int]:
    """The first :data:`MAX_QUOTA_ROWS` rows of the job's ``quotas.csv``, and how many
    there are."""
    path = folder / "quotas.csv"
    if not path.is_file():
        return [], 0
    rows: list[dict[str, Any]] = []
    total = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            total += 1
            if len(rows) < MAX_QUOTA_ROWS:
                rows.append(
                    {
                        "origin": row["origin"],
                        "carrier": row["carrier"],
                        "day": row["day"],
                        "quota": int(float(row["quota"])),
                        "released": int(float(row["released"])),
                    }
                )
    return rows, total


def quotas_view(rows: list[dict[str, Any]], total: int, language: str) -> TableView:
    """The pickup quota per outlet and day (揽收配额), against what was released that day."""
    note = ""
    if total > len(rows):
        note = render(
            _(
                "The first {shown} of {total} quotas; quotas.csv and quotas.xlsx hold them all.",
                shown=f"{len(rows):,}",
                total=f"{total:,}",
            ),
            language,
        )
    return TableView(
        key="quotas",
        title=render(_("Pickup quotas per outlet and day"), language),
        columns=[
            Column("origin", render(_("Outlet"), language)),
            Column("carrier", render(_("Carrier"), language)),
            Column("day", render(_("Day"), language)),
            Column("quota", render(_("Quota (parcels)"), language), digits=0),
            Column("released", render(_("Released that day (parcels)"), language), digits=0),
        ],
        rows=rows,
        note=note,
        empty=render(_("The plan has no quotas."), language),
    )


def _files(job: JobRecord) -> list[tuple[str, str]]:
    return [(name, f"/jobs/{job.id}/files/{name}") for name in job_files(job)]


def stagger_result(
    request: Request, caller: Principal, job: JobRecord, values: dict[str, Any]
) -> Response:
    """A staggering plan's summary, the hubs before and after it, its quotas per outlet and
    day (each table exportable), its report and its files."""
    language = page_language(request)
    result = job.result or {}
    quotas, total = read_quotas(job_folder(request.app.state.settings, job.id))
    views = [hubs_view(result.get("hubs", []), language), quotas_view(quotas, total, language)]
    if any(result.get("platforms") or []) and caller.may(Permission.plan_read):
        schedule = get_schedule(request.app.state.store, caller, job.id, request.app.state.settings)
        views += [
            plan_schedules.quotas_table(schedule.quotas[:MAX_QUOTA_ROWS], language),
            *plan_schedules.customer_tables(schedule, language),
        ]
    if (exported := export_response(views, request, language)) is not None:
        return exported
    values = values | {
        "figures": stagger_figures(result.get("summary", {}), language),
        "hubs": views[0],
        "quotas": views[1],
        "platforms": views[2:],
        "files": _files(job),
        "report": f"/jobs/{job.id}/report",
        "report_name": PLAN_REPORT,
    }
    title = render(
        _("Staggered pickup plan: {scenario}", scenario=values["scenario_name"]), language
    )
    return render_page(request, caller, "plan_result.html", values, title=title)


def _moment(text: str) -> str:
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text


def backups_view(closure: dict[str, Any], index: int, language: str) -> TableView:
    """The backup hubs chosen for one closure, with their shares of its parcels."""
    rows = [
        {
            "hub": backup["hub"],
            "carrier": backup["carrier"],
            "parcels": backup["parcels"],
            "parcel_share": backup["parcel_share"],
            "origins": len(backup["origins"]),
            "destinations": len(backup["destinations"]),
            "added": backup["mean_added_transit_hours"],
            "spare": backup["spare_used_share"],
        }
        for backup in closure.get("backups", [])
    ]
    return TableView(
        key=f"backups-{index}",
        title=render(_("Backup hubs for {nodes}", nodes=", ".join(closure["closed"])), language),
        columns=[
            Column("hub", render(_("Backup hub"), language)),
            Column("carrier", render(_("Carrier"), language)),
            Column("parcels", render(_("Parcels"), language), digits=0),
            Column("parcel_share", render(_("Share of parcels"), language), digits=1, percent=True),
            Column("origins", render(_("Origins"), language), digits=0),
            Column("destinations", render(_("Destinations"), language), digits=0),
            Column("added", render(_("Mean added transit (hours)"), language), digits=1),
            Column(
                "spare",
                render(_("Share of its spare capacity used"), language),
                digits=0,
                percent=True,
            ),
        ],
        rows=rows,
        note=render(
            _(
                "Closed {start} to {end}; {parcels} parcels to reroute, {unabsorbed} that no "
                "backup can take.",
                start=_moment(closure["closure_start"]),
                end=_moment(closure["closure_end"]),
                parcels=f"{closure['parcels']:,}",
                unabsorbed=f"{closure['unabsorbed_parcels']:,}",
            ),
            language,
        ),
        empty=render(_("No backup hub can take the closed node's parcels."), language),
    )


def overrides_view(closure: dict[str, Any], index: int, language: str) -> TableView:
    """The changed routing relations: at a node, parcels for a destination go to a new next
    node."""
    return TableView(
        key=f"routing-{index}",
        title=render(_("Changed routing relations"), language),
        columns=[
            Column("node", render(_("At node"), language)),
            Column("destination", render(_("Parcels for"), language)),
            Column("next_node", render(_("Now go to"), language)),
        ],
        rows=list(closure.get("routing_overrides", [])),
        empty=render(_("No routing changes."), language),
    )


def reroute_result(
    request: Request, caller: Principal, job: JobRecord, values: dict[str, Any]
) -> Response:
    """A reroute's backup hubs and changed routing relations per closure (each table
    exportable), the simulated check and the files."""
    language = page_language(request)
    closures = (job.result or {}).get("closures", [])
    sections: list[dict[str, Any]] = []
    views: list[TableView] = []
    for index, closure in enumerate(closures):
        simulated = closure.get("simulated")
        figures = []
        if simulated:
            before, after = simulated["without_reroute"], simulated["with_reroute"]
            figures = [
                _card(
                    _("On-time rate, without → with the reroute"),
                    f"{before['on_time_rate'] * 100:.1f} % → {after['on_time_rate'] * 100:.1f} %",
                    language,
                ),
                _card(
                    _("Parcels delivered, without → with the reroute"),
                    f"{before['delivered']:,} → {after['delivered']:,}",
                    language,
                ),
                _card(
                    _("Departures refused at the closed nodes, without → with"),
                    f"{before['refused_departures_at_closed_nodes']:,} → "
                    f"{after['refused_departures_at_closed_nodes']:,}",
                    language,
                ),
            ]
        sections.append(
            {
                "backups": backups_view(closure, index + 1, language),
                "routing": overrides_view(closure, index + 1, language),
                "figures": figures,
            }
        )
        views += [sections[-1]["backups"], sections[-1]["routing"]]
    if (exported := export_response(views, request, language)) is not None:
        return exported
    values = values | {"sections": sections, "files": _files(job)}
    title = render(_("Reroute plan: {scenario}", scenario=values["scenario_name"]), language)
    return render_page(request, caller, "plan_reroute_result.html", values, title=title)
