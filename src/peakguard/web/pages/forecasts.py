"""The forecasts' pages: forecast a daily history as a job and, given a network, see the
capacity gaps it leaves (科学预测, 能力储备).

``/app/forecasts/new`` takes a history file (.csv or .xlsx, docs/reference/forecast-files.md),
optional announced plans, the horizon, optionally a network (of those the user may size) and
the bound to size it to, and a settings file (TOML). It is checked as ``POST /jobs/forecasts``
checks it (:func:`peakguard.app.forecast_job.submit_forecast_job`), every mistake beside its
field, nothing queued on one. The result page (:func:`forecast_result`, shown at
``/app/jobs/{id}/result`` by :mod:`.jobs`) draws one series' forecast with its 80 % and 95 %
intervals as bands (the top of the hierarchy first; any series may be chosen), its days as a
table, and the gaps per node and resource; each table exports as CSV or Excel. The form needs
``forecast.run``, as the API does; sizing a network needs ``capacity.run`` as well.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from peakguard.api.job_runner import app_bounds
from peakguard.api.routers.jobs import job_files
from peakguard.app.forecast_job import submit_forecast_job
from peakguard.app.jobs import JobRecord, job_folder
from peakguard.app.plan_job import UploadedFile, settings_upload
from peakguard.config import Settings
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.job_forms import job_path, network_names, read_upload
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

router = APIRouter(prefix="/app", include_in_schema=False)
NEW = "/app/forecasts/new"
NAVIGATION = (NavItem(NEW, _("New forecast"), Permission.forecast_run, 40),)
Forecaster = Annotated[Principal, page_requires(Permission.forecast_run)]
"""The API's permission for ``POST /jobs/forecasts``."""

BOUNDS = ("point", "upper_80", "upper_95")
LEVELS = ("national", "province", "city", "node")
"""The hierarchy's levels, top first: the chart opens on the highest the run has."""
MAX_LISTED = 50
FIELDS = ("history", "announced", "network", "bound", "horizon_days", "settings")


def _form_page(
    request: Request,
    caller: Principal,
    values: dict[str, str],
    errors: dict[str, list[str]],
    *,
    status: int = 200,
) -> Response:
    language = page_language(request)
    networks = network_names(request, caller) if caller.may(Permission.capacity_run) else []
    page = {
        "form": values,
        "errors": {where: " ".join(texts) for where, texts in errors.items()},
        "networks": networks,
        "bounds": BOUNDS,
    }
    title = render(_("New forecast"), language)
    return render_page(request, caller, "forecast_new.html", page, status=status, title=title)


@router.get("/forecasts/new")
def new_forecast(request: Request, caller: Forecaster, network: str = "") -> Response:
    """The form: a history, announced plans, the horizon and, to size reserves, a network."""
    values = {"network": network[:64], "bound": "upper_80", "horizon_days": "35"}
    return _form_page(request, caller, values, {})


def forecast_field(location: str, names: dict[str, str]) -> str:
    """Beside which field a mistake located at ``location`` is shown: the file it names, or
    the field it is (``network``, ``horizon_days``, ``bound``); else the history's."""
    for field, name in names.items():
        if name and location.startswith(name):
            return field
    head = location.split(".", 1)[0].split("[", 1)[0]
    if head in FIELDS:
        return head
    return "history"


@router.post("/forecasts/new")
async def start_forecast(
    request: Request,
    caller: Forecaster,
    history: Annotated[UploadFile | None, File()] = None,
    announced: Annotated[UploadFile | None, File()] = None,
    settings: Annotated[UploadFile | None, File()] = None,
    network: Annotated[str, Form(max_length=64)] = "",
    bound: Annotated[str, Form(max_length=16)] = "upper_80",
    horizon_days: Annotated[str, Form(max_length=4)] = "35",
) -> Response:
    """Check the history as the job would read it, queue the forecast, and go to its
    progress page; or show the form again with each mistake beside its field."""
    language = page_language(request)
    values = {"network": network, "bound": bound, "horizon_days": horizon_days}
    errors: dict[str, list[str]] = {}
    deployment: Settings = request.app.state.settings
    limits = deployment.input_limits()
    sent: dict[str, UploadedFile | None] = {
        "history": await read_upload(request, history),
        "announced": await read_upload(request, announced),
        "settings": await read_upload(request, settings),
    }
    names = {field: upload.base_name if upload else "" for field, upload in sent.items()}
    try:
        days = _whole(horizon_days)
        given = sent["history"]
        if given is None:
            message = _("Choose a history file (.csv or .xlsx).")
            raise InvalidInputError(message, [Problem("history", message)])
        upload = sent["settings"]
        sections = None if upload is None else settings_upload(upload, limits=limits)
        job = await run_in_threadpool(
            submit_forecast_job,
            request.app.state.store,
            caller,
            given,
            announced=sent["announced"],
            network_name=network or None,
            bound=bound,
            horizon_days=days,
            settings_document=sections,
            name=given.base_name,
            bounds=app_bounds(request.app),
            limits=limits,
            language=language,
        )
    except InvalidInputError as error:
        for problem in error.problems[:MAX_LISTED] or [Problem("history", error.message)]:
            where = forecast_field(problem.location, names)
            text = render(problem.message, language)
            shown = f"{problem.location}: {text}" if names.get(where) else text
            errors.setdefault(where, []).append(shown)
        return _form_page(request, caller, values, errors, status=422)
    return RedirectResponse(job_path(job.id), status_code=303)


def _whole(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        message = _("must be a whole number of days")
        raise InvalidInputError(message, [Problem("horizon_days", message)]) from None


# --- the result page ---------------------------------------------------------------------


def series_id(row: dict[str, Any]) -> str:
    """A series as one text: ``level:carrier:region:node``."""
    return ":".join(str(row.get(key) or "") for key in ("level", "carrier", "region", "node"))


def series_label(row: dict[str, Any]) -> str:
    parts = [str(row.get(key) or "") for key in ("carrier", "region", "node")]
    return f"{row.get('level')} · " + " ".join(part for part in parts if part)


def chosen_series(series: list[dict[str, Any]], asked: str) -> dict[str, Any] | None:
    """The series ``asked`` names, else the first of the highest level the run has."""
    found = next((row for row in series if series_id(row) == asked), None)
    if found is not None or not series:
        return found
    return min(series, key=lambda row: LEVELS.index(str(row.get("level", "node"))))


def read_forecast_days(folder: Path, wanted: str) -> list[dict[str, Any]]:
    """The days of the series ``wanted`` from the job's ``forecasts.csv``."""
    path = folder / "forecasts.csv"
    if not path.is_file():
        return []
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if series_id(row) != wanted:
                continue
            rows.append(
                {"day": row["day"], "model": row["model"]}
                | {
                    key: int(float(row[key]))
                    for key in ("point", "lower_80", "upper_80", "lower_95", "upper_95")
                }
            )
    return rows


def band_chart(days: list[dict[str, Any]], language: str) -> dict[str, Any]:
    """The forecast as a line between its 80 % and 95 % bands: each band drawn as a
    transparent base (its lower bound) with its width stacked on it."""

    def band(name: Message, lower: str, upper: str, opacity: float) -> list[dict[str, Any]]:
        stack = f"{lower}-{upper}"
        label = render(name, language)
        return [
            {
                "type": "line", "name": label, "stack": stack, "symbol": "none",
                "lineStyle": {"opacity": 0}, "tooltip": {"show": False},
                "data": [row[lower] for row in days],
            },
            {
                "type": "line", "name": label, "stack": stack, "symbol": "none",
                "lineStyle": {"opacity": 0},
                "areaStyle": {"color": "#2f6fb2", "opacity": opacity},
                "data": [row[upper] - row[lower] for row in days],
            },
        ]  # fmt: skip

    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 64, "right": 16, "top": 36, "bottom": 32},
        "xAxis": {"type": "category", "data": [row["day"] for row in days]},
        "yAxis": {"type": "value", "name": render(_("Parcels"), language)},
        "series": [
            *band(_("95 % interval"), "lower_95", "upper_95", 0.15),
            *band(_("80 % interval"), "lower_80", "upper_80", 0.25),
            {
                "type": "line",
                "name": render(_("Forecast"), language),
                "data": [row["point"] for row in days],
                "itemStyle": {"color": "#1d4f91"},
            },
        ],
    }


def days_view(days: list[dict[str, Any]], title: str, language: str) -> TableView:
    return TableView(
        key="forecast",
        title=title,
        columns=[
            Column("day", render(_("Day"), language)),
            Column("point", render(_("Forecast (parcels)"), language), digits=0),
            Column("lower_80", render(_("80 % low"), language), digits=0),
            Column("upper_80", render(_("80 % high"), language), digits=0),
            Column("lower_95", render(_("95 % low"), language), digits=0),
            Column("upper_95", render(_("95 % high"), language), digits=0),
            Column("model", render(_("Model"), language)),
        ],
        rows=days,
        empty=render(_("The forecast has no days for this series."), language),
    )


def gaps_view(gaps: list[dict[str, Any]], bound: str, language: str) -> TableView:
    """What each node must add, per resource, to carry the forecast at ``bound``."""
    return TableView(
        key="gaps",
        title=render(_("Capacity gaps per node and resource"), language),
        columns=[
            Column("node", render(_("Node"), language)),
            Column("kind", render(_("Kind"), language)),
            Column("resource", render(_("Resource"), language)),
            Column("on_hand", render(_("On hand"), language), digits=0),
            Column("required", render(_("Required"), language), digits=0),
            Column("add", render(_("To add"), language), digits=0),
            Column("first_short_day", render(_("First short day"), language)),
            Column("decide_by", render(_("Decide by"), language)),
            Column("short_days", render(_("Days short"), language), digits=0),
        ],
        rows=gaps,
        note=render(
            _(
                "Staff, vehicles, sorting hours and floor area the forecast at {bound} needs.",
                bound=bound,
            ),
            language,
        ),
        empty=render(_("No node falls short: the network carries the forecast."), language),
    )


def forecast_result(
    request: Request, caller: Principal, job: JobRecord, values: dict[str, Any]
) -> Response:
    """A forecast's chart with its bands for one series, that series' days and, with a
    network, the capacity gaps; each table exportable, and the files."""
    language = page_language(request)
    result = job.result or {}
    series = list(result.get("series", []))
    chosen = chosen_series(series, request.query_params.get("series", "")[:200])
    wanted = series_id(chosen) if chosen else ""
    days = read_forecast_days(job_folder(request.app.state.settings, job.id), wanted)
    label = series_label(chosen) if chosen else ""
    views = [days_view(days, render(_("Forecast: {series}", series=label), language), language)]
    capacity = result.get("capacity")
    if capacity is not None:
        bound = str(job.parameters.get("bound", "upper_80"))
        views.append(gaps_view(list(capacity.get("gaps", [])), bound, language))
    if (exported := export_response(views, request, language)) is not None:
        return exported
    summary = result.get("summary", {})
    values = values | {
        "uses_charts": True,
        "chart_option": band_chart(days, language),
        "series_choices": [(series_id(row), series_label(row)) for row in series],
        "chosen": wanted,
        "lead": render(
            _(
                "From the history up to {day}, {days} days ahead.",
                day=str(summary.get("origin", "")),
                days=summary.get("horizon_days", ""),
            ),
            language,
        ),
        "forecast": views[0],
        "gaps": views[1] if len(views) > 1 else None,
        "files": [(name, f"/jobs/{job.id}/files/{name}") for name in job_files(job)],
    }
    title = render(_("Forecast: {series}", series=values["scenario_name"]), language)
    return render_page(request, caller, "forecast_result.html", values, title=title)
