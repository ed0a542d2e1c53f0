"""Daily volume reports: submit (token, file, form), versions, flags, the roll-up.

``POST /daily-reports`` keeps one report (a carrier company's token holds ``report.submit``);
sending the same day and city again is a correction, the next version (``reason`` says why;
``expected_version`` refuses with 409 a correction of a version someone else has moved on).
``POST /daily-reports/files`` keeps every report of a CSV or Excel file, or none (422 listing
every bad cell). A brand or province outside the sender's reach answers 404, as does a report
outside the reader's. ``POST /daily-reports/sweep`` runs the deadline's sweep now (the
server's periodic sweep does the same); each flag is raised once however often it runs.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from peakguard.api.errors import request_language
from peakguard.api.routers.case_files import UPLOAD_BODY, FileName, uploaded
from peakguard.api.routers.jobs import json_errors
from peakguard.api.schemas import Page, RequestModel, ResponseModel, documented
from peakguard.api.security import requires
from peakguard.app.context import event_lake
from peakguard.app.daily_reports import (
    Submission,
    get_report,
    list_reports,
    narrowed,
    submit_report,
    submit_reports,
)
from peakguard.app.daily_rollup import (
    daily_rollup,
    forecast_in_force,
    rollup_flag_rows,
    rollup_rows,
    sweep_reports,
)
from peakguard.cases.daily_reports import (
    MAX_FIGURE,
    ClosedOutlet,
    HubBacklog,
    ReportContent,
    content_problems,
    region_problem,
)
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.daily_report_file import (
    read_daily_report_file,
    rollup_csv,
    rollup_workbook,
)
from peakguard.formats.limits import INT64_MAX
from peakguard.i18n import _, render
from peakguard.identity.model import Permission, Principal
from peakguard.store.daily_reports import (
    ReportRecord,
    VersionRecord,
    content_document,
    message_from,
)
from peakguard.store.database import Store

router = APIRouter()

Submitter = Annotated[Principal, requires(Permission.report_submit)]
Reader = Annotated[Principal, requires(Permission.report_read)]
Count = Annotated[int, Field(ge=0, le=MAX_FIGURE)]
ReportId = Annotated[int, Path(ge=1, le=INT64_MAX)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


class HubIn(RequestModel):
    node: str = Field(min_length=1, max_length=64)
    parcels: Count


class ClosedIn(RequestModel):
    node: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=500)


class DailyReportIn(RequestModel):
    day: date
    region: str = Field(min_length=6, max_length=6, description="the city's GB/T 2260 code")
    carrier: str | None = Field(default=None, max_length=64, description="default: your brand")
    picked_up: Count
    delivered: Count
    backlog: Count
    staff: Count
    vehicles: Count
    hub_backlogs: list[HubIn] = Field(default_factory=list, max_length=500)
    closed_outlets: list[ClosedIn] = Field(default_factory=list, max_length=500)
    reason: str | None = Field(default=None, max_length=1000, description="why it corrects")
    expected_version: int | None = Field(default=None, ge=0, le=INT64_MAX)


class SubmittedOut(ResponseModel):
    id: int
    carrier: str
    region: str
    day: date
    version: int


class ReportOut(ResponseModel):
    id: int
    carrier: str
    region: str
    day: date
    version: int
    first_received_at: datetime
    updated_at: datetime
    latest: dict[str, Any]


class VersionOut(ResponseModel):
    version: int
    content: dict[str, Any]
    submitted_by: str
    channel: str
    reason: str | None
    submitted_at: datetime
    checks: list[dict[str, Any]] | None


class FlagOut(ResponseModel):
    carrier: str
    region: str
    day: date
    kind: str
    version: int
    reason: str
    threshold: str
    raised_at: datetime


class ReportDetailOut(ReportOut):
    versions: list[VersionOut]
    flags: list[FlagOut]


class DailySweepOut(ResponseModel):
    ran: bool
    days: list[date]
    flags: dict[str, int]
    checked: int


def _submission(body: DailyReportIn) -> Submission:
    content = ReportContent(
        picked_up=body.picked_up,
        delivered=body.delivered,
        backlog=body.backlog,
        staff=body.staff,
        vehicles=body.vehicles,
        hub_backlogs=tuple(HubBacklog(h.node, h.parcels) for h in body.hub_backlogs),
        closed_outlets=tuple(ClosedOutlet(c.node, c.reason) for c in body.closed_outlets),
    )
    problems = [Problem(f"body.{where}", message) for where, message in content_problems(content)]
    wrong = region_problem(body.region)
    if wrong is not None:
        problems.insert(0, Problem("body.region", wrong))
    if problems:
        raise InvalidInputError(_("the report has mistakes"), problems)
    return Submission(
        body.region,
        body.day,
        content,
        carrier=body.carrier,
        reason=body.reason,
        expected_version=body.expected_version,
    )


def _report_out(record: ReportRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "carrier": record.key.carrier,
        "region": record.key.region,
        "day": record.key.day,
        "version": record.version,
        "first_received_at": record.first_received_at,
        "updated_at": record.updated_at,
        "latest": content_document(record.latest),
    }


def _version_out(version: VersionRecord, language: str) -> VersionOut:
    checks = None
    if version.checks is not None:
        checks = [
            item
            | {
                "reason": render(message_from(item["reason"]), language),
                "threshold": render(message_from(item["threshold"]), language),
            }
            for item in version.checks
        ]
    return VersionOut(
        version=version.version,
        content=content_document(version.content),
        submitted_by=version.submitted_by,
        channel=version.channel,
        reason=version.reason,
        submitted_at=version.submitted_at,
        checks=checks,
    )


@router.post(
    "/daily-reports",
    response_model=SubmittedOut,
    status_code=201,
    tags=["daily reports"],
    responses=documented(404, 409, 422),
)
def submit(request: Request, body: DailyReportIn, actor: Submitter) -> SubmittedOut:
    """Keep a day's report of one city (a correction if one is kept: the next version)."""
    kept = submit_report(_store(request), actor, _submission(body), channel="api")
    return SubmittedOut(
        id=kept.report_id,
        carrier=kept.key.carrier,
        region=kept.key.region,
        day=kept.key.day,
        version=kept.version,
    )


@router.post(
    "/daily-reports/files",
    response_model=list[SubmittedOut],
    status_code=201,
    tags=["daily reports"],
    responses=documented(404, 409, 422),
    openapi_extra=UPLOAD_BODY,
)
async def submit_file(
    request: Request,
    actor: Submitter,
    file_name: FileName = None,
    reason: Annotated[str | None, Query(max_length=1000, description="why it corrects")] = None,
) -> list[SubmittedOut]:
    """Keep every report of a CSV or Excel file, or none (422 with every bad cell located)."""
    name, content = await uploaded(request, file_name, "daily-report.csv")
    limits = request.app.state.settings.input_limits()
    reports = await run_in_threadpool(partial(read_daily_report_file, content, name, limits=limits))
    submissions = [
        Submission(r.region, r.day, r.content, carrier=r.carrier, reason=reason, where=r.where)
        for r in reports
    ]
    kept = await run_in_threadpool(
        partial(submit_reports, _store(request), actor, submissions, channel="file")
    )
    return [
        SubmittedOut(
            id=k.report_id,
            carrier=k.key.carrier,
            region=k.key.region,
            day=k.key.day,
            version=k.version,
        )
        for k in kept
    ]


@router.get("/daily-reports", response_model=Page[ReportOut], tags=["daily reports"])
def list_daily_reports(
    request: Request,
    actor: Reader,
    region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    carrier: Annotated[str | None, Query(max_length=64)] = None,
    day_from: date | None = None,
    day_to: date | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The reports within the caller's reach, newest day first."""
    chosen = narrowed(actor, region=region, carrier=carrier, day_from=day_from, day_to=day_to)
    page = list_reports(_store(request), actor, chosen, limit=limit, offset=offset)
    items = [_report_out(record) for record in page.reports]
    return {"total": page.total, "offset": offset, "limit": limit, "items": items}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROLLUP_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The roll-up: JSON (lines, flags, missing), CSV or an Excel workbook.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.get(
    "/daily-reports/rollup",
    tags=["daily reports"],
    responses=ROLLUP_RESPONSES | json_errors(401, 403, 404, 422),
)
def rollup(
    request: Request,
    actor: Reader,
    day: date,
    region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> Any:
    """The administration's daily report of its territory: totals per carrier and per city
    from the latest versions, the flags and the missing reports (JSON, CSV or Excel)."""
    found = daily_rollup(_store(request), actor, day, region)
    language = _language(request)
    lines, flags = rollup_rows(found), rollup_flag_rows(found, language)
    if format == "csv":
        return Response(rollup_csv(lines, flags), media_type="text/csv; charset=utf-8")
    if format == "xlsx":
        buffer = io.BytesIO()
        rollup_workbook(lines, flags, buffer)
        return Response(
            buffer.getvalue(),
            media_type=XLSX,
        )
    columns = (
        "section",
        "name",
        "reports",
        "picked_up",
        "delivered",
        "backlog",
        "staff",
        "vehicles",
        "closed_outlets",
    )
    flag_columns = ("day", "carrier", "region", "kind", "version", "reason", "threshold")
    return {
        "day": found.day,
        "region": found.region,
        "deadline": found.deadline,
        "lines": [dict(zip(columns, line, strict=True)) for line in lines],
        "flags": [dict(zip(flag_columns, flag, strict=True)) for flag in flags],
        "missing": [
            {"carrier": key.carrier, "region": key.region, "day": key.day} for key in found.missing
        ],
    }


@router.post("/daily-reports/sweep", response_model=DailySweepOut, tags=["daily reports"])
def sweep(
    request: Request, actor: Annotated[Principal, requires(Permission.admin_manage)]
) -> DailySweepOut:
    """Run the deadline's sweep now: missing, late and implausible reports flagged once."""
    settings = request.app.state.settings
    store = _store(request)
    outcome = sweep_reports(
        store,
        lake=event_lake(settings),
        forecasts=forecast_in_force(store, settings.home),
    )
    return DailySweepOut(
        ran=outcome.ran, days=list(outcome.days), flags=outcome.flags, checked=outcome.checked
    )


@router.get(
    "/daily-reports/{report_id}",
    response_model=ReportDetailOut,
    tags=["daily reports"],
    responses=documented(404),
)
def show(request: Request, report_id: ReportId, actor: Reader) -> ReportDetailOut:
    """A report with every version (who, when, how, why) and every flag."""
    found = get_report(_store(request), actor, report_id)
    language = _language(request)
    return ReportDetailOut(
        **_report_out(found.report),
        versions=[_version_out(version, language) for version in found.versions],
        flags=[
            FlagOut(
                carrier=flag.key.carrier,
                region=flag.key.region,
                day=flag.key.day,
                kind=flag.kind,
                version=flag.version,
                reason=render(flag.reason, language),
                threshold=render(flag.threshold, language),
                raised_at=flag.raised_at,
            )
            for flag in found.flags
        ],
    )
