"""Incidents (突发事件信息报告), as ``peakguard incident``: opened with the first report (or a
regulator's record), follow-ups and the final report, the 24-hour blockage clock, the public
announcement's draft, and the reroute planner's backups attached.

An incident outside the caller's reach answers 404, as one that does not exist. A report names
the version it was decided on (``expected_version``): when someone changed the incident since,
it is refused with 409 and nothing of it is written; a report the incident's state does not
allow is refused with 409 too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AwareDatetime, Field, JsonValue

from peakguard.api.errors import request_language
from peakguard.api.schemas import RequestModel, ResponseModel, documented
from peakguard.api.security import requires
from peakguard.app.announcements import AnnouncementView, edit_announcement
from peakguard.app.incident_reroute import plan_incident_reroute
from peakguard.app.incidents import (
    ClockView,
    IncidentDraft,
    IncidentView,
    add_report,
    get_incident,
    list_incidents,
    open_incident,
    sweep_incidents,
)
from peakguard.cases.incidents import IncidentState, IncidentType, report_label, type_label
from peakguard.i18n import render
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store

router = APIRouter(tags=["incidents"])

Reader = Annotated[Principal, requires(Permission.incident_read)]
Reporter = Annotated[Principal, requires(Permission.incident_report)]
Reference = Annotated[str, Path(max_length=40)]
Text = Annotated[str, Field(min_length=1, max_length=8000)]
Figures = dict[str, Annotated[int, Field(ge=0, le=10**9)]]


class IncidentIn(RequestModel):
    """The incident and its opening report (a carrier's first report, a regulator's record)."""

    type: IncidentType
    carrier: Annotated[str, Field(min_length=1, max_length=64)]
    region: Annotated[str, Field(pattern=r"^[1-8][0-9]{5}$")]
    start: AwareDatetime
    """Since when (the period's start)."""
    until: AwareDatetime | None = None
    """Expected until."""
    blocked: bool = False
    """Whether the service network is blocked (服务网络阻断): starts the 24-hour clock."""
    blocked_at: AwareDatetime | None = None
    """When it was blocked (default: ``start``)."""
    network: Annotated[str, Field(max_length=64)] | None = None
    nodes: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=200)] = Field(
        default_factory=list
    )
    description: Annotated[str, Field(max_length=8000)] = ""
    text: Text
    figures: Figures = Field(default_factory=dict)


class ReportIn(RequestModel):
    kind: Literal["first", "follow_up", "final", "correction"]
    expected_version: Annotated[int, Field(ge=1)]
    text: Text
    figures: Figures = Field(default_factory=dict)
    corrects: Annotated[int, Field(ge=1)] | None = None
    """The number of the report a correction corrects."""
    blocked_at: AwareDatetime | None = None
    """Declares that the service network became blocked at this moment (a first report or a
    follow-up of an incident not yet blocked): starts the 24-hour clock."""


class AnnouncementIn(RequestModel):
    expected_version: Annotated[int, Field(ge=1)]
    texts: dict[str, Annotated[str, Field(max_length=4000)]] = Field(default_factory=dict)
    """The draft's new texts by language (zh_CN, en); those left out are kept."""
    approve: bool = False


class RerouteIn(RequestModel):
    expected_version: Annotated[int, Field(ge=1)] | None = None


class ReportOut(ResponseModel):
    seq: int
    kind: str
    kind_label: str
    author: str
    organisation: str
    at: datetime
    text: str
    figures: dict[str, int]
    corrects: int | None


class ClockOut(ResponseModel):
    rule_key: str
    basis: str
    limit: int
    source: str
    started_at: datetime
    due_at: datetime
    outcome: str
    stopped_at: datetime | None
    breached_at: datetime | None
    seconds_left: float | None
    """Before the deadline while the clock runs (negative: overdue)."""


class AnnouncementOut(ResponseModel):
    texts: dict[str, str]
    status: str
    edited_by: str | None
    edited_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None


class IncidentOut(ResponseModel):
    reference: str
    type: str
    type_label: str
    state: str
    carrier: str
    region: str
    reporting_organisation: str
    network: str | None
    nodes: list[str]
    start: datetime
    until: datetime | None
    blocked: bool
    blocked_at: datetime | None
    description: str
    version: int
    opened_by: str
    closed_at: datetime | None
    clock: ClockOut | None
    reports: list[ReportOut]
    announcement: AnnouncementOut | None
    reroute: dict[str, JsonValue] | None


class IncidentLineOut(ResponseModel):
    reference: str
    type: str
    state: str
    carrier: str
    region: str
    start: datetime
    until: datetime | None
    blocked: bool
    clock: ClockOut | None


class IncidentSweepOut(ResponseModel):
    ran: bool
    breaches: int
    alerts: int
    examined: int


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


def clock_out(clock: ClockView | None) -> ClockOut | None:
    if clock is None:
        return None
    left = None if clock.time_left is None else clock.time_left / timedelta(seconds=1)
    return ClockOut(
        rule_key=clock.rule_key,
        basis=clock.basis,
        limit=clock.limit,
        source=clock.source,
        started_at=clock.started_at,
        due_at=clock.due_at,
        outcome=clock.outcome,
        stopped_at=clock.stopped_at,
        breached_at=clock.breached_at,
        seconds_left=left,
    )


def announcement_out(view: AnnouncementView | None) -> AnnouncementOut | None:
    if view is None:
        return None
    return AnnouncementOut(
        texts=view.texts,
        status=view.status,
        edited_by=view.edited_by,
        edited_at=view.edited_at,
        approved_by=view.approved_by,
        approved_at=view.approved_at,
    )


def incident_out(view: IncidentView, language: str) -> IncidentOut:
    incident = view.incident
    reroute: Any = incident.reroute
    return IncidentOut(
        reference=incident.reference,
        type=incident.incident_type,
        type_label=render(type_label(incident.incident_type), language),
        state=incident.state,
        carrier=incident.carrier,
        region=incident.region,
        reporting_organisation=incident.reporting_organisation,
        network=incident.network,
        nodes=list(incident.nodes),
        start=incident.period_start,
        until=incident.period_end,
        blocked=incident.blocked,
        blocked_at=incident.blocked_at,
        description=incident.description,
        version=incident.version,
        opened_by=incident.opened_by,
        closed_at=incident.closed_at,
        clock=clock_out(view.clock),
        reports=[
            ReportOut(
                seq=report.seq,
                kind=report.kind,
                kind_label=render(report_label(report.kind), language),
                author=report.author,
                organisation=report.organisation,
                at=report.at,
                text=report.text,
                figures=report.figures,
                corrects=report.corrects,
            )
            for report in view.reports
        ],
        announcement=announcement_out(view.announcement),
        reroute=reroute,
    )


def _tagged(response: Response, view: IncidentView) -> None:
    response.headers["ETag"] = f'"{view.version}"'


@router.post(
    "/incidents", response_model=IncidentOut, status_code=201, responses=documented(403, 422)
)
def open_new_incident(
    request: Request, response: Response, body: IncidentIn, actor: Reporter
) -> IncidentOut:
    """Open an incident with its first report (a carrier) or record it (a regulator's duty
    officer); a blockage starts the 24-hour reporting clock and gets an announcement draft.
    422 locates every mistake (an unknown node at ``nodes[2]``)."""
    draft = IncidentDraft(
        incident_type=body.type.value,
        carrier=body.carrier,
        region=body.region,
        period_start=body.start,
        period_end=body.until,
        blocked=body.blocked,
        blocked_at=body.blocked_at,
        network=body.network,
        nodes=tuple(body.nodes),
        description=body.description,
        text=body.text,
        figures=body.figures,
    )
    view = open_incident(_store(request), draft, actor=actor)
    response.headers["Location"] = f"/incidents/{view.reference}"
    _tagged(response, view)
    return incident_out(view, _language(request))


@router.get("/incidents", response_model=list[IncidentLineOut])
def list_incident_lines(
    request: Request,
    actor: Reader,
    state: IncidentState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[IncidentLineOut]:
    """The incidents within the caller's reach, open ones first, newest first."""
    found = list_incidents(
        _store(request), actor=actor, state=None if state is None else state.value, limit=limit
    )
    return [
        IncidentLineOut(
            reference=line.incident.reference,
            type=line.incident.incident_type,
            state=line.incident.state,
            carrier=line.incident.carrier,
            region=line.incident.region,
            start=line.incident.period_start,
            until=line.incident.period_end,
            blocked=line.incident.blocked,
            clock=clock_out(line.clock),
        )
        for line in found
    ]


@router.post("/incidents/sweep", response_model=IncidentSweepOut)
def sweep(
    request: Request, actor: Annotated[Principal, requires(Permission.admin_manage)]
) -> IncidentSweepOut:
    """Mark the blockage clocks past their deadline breached (once each) and alert the
    regional office's duty; the server's sweeps do the same."""
    report = sweep_incidents(_store(request))
    return IncidentSweepOut(
        ran=report.ran, breaches=report.breaches, alerts=report.alerts, examined=report.examined
    )


@router.get("/incidents/{reference}", response_model=IncidentOut, responses=documented(404))
def read_incident(
    request: Request, response: Response, reference: Reference, actor: Reader
) -> IncidentOut:
    """The incident with its reports in order, its clock, announcement draft and backups."""
    view = get_incident(_store(request), reference, actor=actor)
    _tagged(response, view)
    return incident_out(view, _language(request))


@router.post(
    "/incidents/{reference}/reports",
    response_model=IncidentOut,
    status_code=201,
    responses=documented(403, 404, 409, 422),
)
def report(
    request: Request, response: Response, reference: Reference, body: ReportIn, actor: Reporter
) -> IncidentOut:
    """Add the first report, a follow-up, the final report (closes it) or a correction."""
    view = add_report(
        _store(request),
        reference,
        body.kind,
        expected_version=body.expected_version,
        text=body.text,
        figures=body.figures,
        corrects=body.corrects,
        blocked_at=body.blocked_at,
        actor=actor,
    )
    _tagged(response, view)
    return incident_out(view, _language(request))


@router.post(
    "/incidents/{reference}/reroute",
    response_model=IncidentOut,
    responses=documented(403, 404, 409, 422),
)
def reroute(
    request: Request, response: Response, reference: Reference, body: RerouteIn, actor: Reporter
) -> IncidentOut:
    """Reroute around the incident's hubs over its period (needs ``plan.run`` too) and attach
    the backups to it."""
    view = plan_incident_reroute(
        _store(request), actor, reference, expected_version=body.expected_version
    )
    _tagged(response, view)
    return incident_out(view, _language(request))


@router.post(
    "/incidents/{reference}/announcement",
    response_model=AnnouncementOut,
    responses=documented(404, 409, 422),
)
def announcement(
    request: Request, reference: Reference, body: AnnouncementIn, actor: Reporter
) -> AnnouncementOut:
    """Edit the announcement draft's texts and/or approve it (an edit makes it a draft again)."""
    view = edit_announcement(
        _store(request),
        reference,
        expected_version=body.expected_version,
        texts=body.texts,
        approve=body.approve,
        actor=actor,
    )
    out = announcement_out(view)
    assert out is not None
    return out
