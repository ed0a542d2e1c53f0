"""The 24-hour duty (值班值守): rosters, who is on duty now, the duty log, handovers, alerts and
their acknowledgement, as ``peakguard duty``.

Everything is of the caller's own office (an administrator may name another with
``office``). An alert's summary is rendered in the request's language. A roster edit names the
version it was read at (``expected_version``): when someone saved the roster since, it is
refused with 409 and nothing is written.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import Field

from peakguard.api.errors import request_language
from peakguard.api.schemas import RequestModel, ResponseModel, StoredMoment, documented
from peakguard.api.security import requires
from peakguard.app import duty as desk
from peakguard.app.alerts import (
    acknowledge,
    alert_case_reminders,
    alert_message,
    office_alerts,
    sweep_alerts,
)
from peakguard.app.duty import WatchView
from peakguard.formats.limits import INT64_MAX
from peakguard.i18n import render
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store
from peakguard.store.duty import AlertRecord, HandoverRecord, LogEntry

router = APIRouter(tags=["duty"])

Reader = Annotated[Principal, requires(Permission.duty_read)]
Keeper = Annotated[Principal, requires(Permission.duty_keep)]
Manager = Annotated[Principal, requires(Permission.duty_manage)]
Office = Annotated[
    str | None, Query(max_length=64, description="another office's code (administrators)")
]
Identifier = Annotated[int, Path(ge=1, le=INT64_MAX)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


class PersonOut(ResponseModel):
    username: str
    display_name: str


class WatchOut(ResponseModel):
    day: date
    shift: str
    starts_at: StoredMoment
    ends_at: StoredMoment
    leader: PersonOut | None
    """The leader on duty (带班领导)."""
    officers: list[PersonOut]
    """The duty officers in order: alerts go to the first, then escalate down the list."""


def _watch(view: WatchView | None) -> WatchOut | None:
    if view is None:
        return None
    return WatchOut(
        day=view.day,
        shift=view.shift,
        starts_at=view.starts_at,
        ends_at=view.ends_at,
        leader=PersonOut(**vars(view.leader)) if view.leader else None,
        officers=[PersonOut(**vars(person)) for person in view.officers],
    )


class NowOut(ResponseModel):
    office: str
    at: StoredMoment
    current: WatchOut | None
    """None: nobody is on duty now (the roster has no one for this shift)."""
    next: WatchOut | None
    open_alerts: int
    unassigned_alerts: int


class RosterOut(ResponseModel):
    office: str
    first: date
    last: date
    shifts: list[list[str]]
    """[name, start HH:MM, end HH:MM] in China time."""
    acknowledge_minutes: int
    version: int
    watches: list[WatchOut]


class WatchIn(RequestModel):
    day: date
    shift: str = Field(max_length=32)
    leader: str | None = Field(default=None, max_length=64)
    officers: list[str] = Field(default_factory=list, max_length=10)


class RosterIn(RequestModel):
    """Replace the roster of days ``first`` to ``last`` (at most 62)."""

    first: date
    last: date
    expected_version: int = Field(ge=0, le=INT64_MAX)
    """The roster's version as read (0 for an office that never saved one)."""
    watches: list[WatchIn] = Field(max_length=62 * 6)
    shifts: list[list[str]] | None = Field(default=None, max_length=12)
    acknowledge_minutes: int | None = Field(default=None, ge=1, le=1440)
    office: str | None = Field(default=None, max_length=64)


class LogIn(RequestModel):
    text: str = Field(max_length=4000)
    subject: str | None = Field(default=None, max_length=120)
    """``case:SS2026-000001``, ``incident:…``, ``warning:…``, ``report:…``."""


class LogOut(ResponseModel):
    id: int
    at: StoredMoment
    author: str
    text: str
    subject: str | None


class HandoverIn(RequestModel):
    to: str = Field(max_length=64)
    note: str = Field(max_length=4000)


class NoteIn(RequestModel):
    note: str | None = Field(default=None, max_length=4000)


class HandoverOut(ResponseModel):
    id: int
    from_user: str
    to_user: str
    note: str
    open_alerts: list[int]
    """The alerts still unacknowledged when the duty was handed over."""
    handed_at: StoredMoment
    accepted_at: StoredMoment | None
    accepted_note: str | None


class AlertOut(ResponseModel):
    id: int
    kind: str
    subject: str
    summary: str
    raised_at: StoredMoment
    step: int
    """How far it escalated: 0 with the first officer, 1 the second, …"""
    delivered_to: int | None
    acknowledged_at: StoredMoment | None
    acknowledged_by: str | None
    acknowledged_note: str | None


class DutySweepOut(ResponseModel):
    ran: bool
    examined: int
    escalations: int
    reminders_alerted: int


def _roster(view: desk.RosterView) -> RosterOut:
    return RosterOut(
        office=view.office,
        first=view.first,
        last=view.last,
        shifts=[[s.name, s.start.strftime("%H:%M"), s.end.strftime("%H:%M")] for s in view.shifts],
        acknowledge_minutes=view.acknowledge_minutes,
        version=view.version,
        watches=[watch for watch in map(_watch, view.watches) if watch is not None],
    )


def _log(entry: LogEntry) -> LogOut:
    return LogOut(**vars(entry))


def _handover(record: HandoverRecord) -> HandoverOut:
    values = vars(record) | {"open_alerts": list(record.open_alerts)}
    values.pop("organisation_id")
    return HandoverOut(**values)


def _alert(record: AlertRecord, language: str) -> AlertOut:
    return AlertOut(
        id=record.id,
        kind=record.kind,
        subject=record.subject,
        summary=render(alert_message(record), language),
        raised_at=record.raised_at,
        step=record.step,
        delivered_to=record.delivered_to,
        acknowledged_at=record.acknowledged_at,
        acknowledged_by=record.acknowledged_by,
        acknowledged_note=record.acknowledged_note,
    )


@router.get("/duty/now", response_model=NowOut, responses=documented(404))
def now(request: Request, actor: Reader, office: Office = None) -> NowOut:
    """Who is on duty at the office now and next, and its open alerts."""
    found = desk.duty_now(_store(request), actor, office=office)
    return NowOut(
        office=found.office,
        at=found.at,
        current=_watch(found.current),
        next=_watch(found.next),
        open_alerts=found.open_alerts,
        unassigned_alerts=found.unassigned_alerts,
    )


@router.get("/duty/rosters", response_model=RosterOut, responses=documented(404, 422))
def read_roster(
    request: Request, actor: Reader, first: date, last: date, office: Office = None
) -> RosterOut:
    """The roster of days ``first`` to ``last``: every shift, staffed or not."""
    return _roster(desk.get_roster(_store(request), actor, first=first, last=last, office=office))


@router.put("/duty/rosters", response_model=RosterOut, responses=documented(404, 409, 422))
def write_roster(request: Request, actor: Manager, body: RosterIn) -> RosterOut:
    """Replace the roster of a period (and the office's shifts and acknowledgement limit, if
    given); 409 when it changed since ``expected_version``."""
    view = desk.set_roster(
        _store(request),
        actor,
        first=body.first,
        last=body.last,
        watches=[
            desk.WatchInput(w.day, w.shift, w.leader, tuple(w.officers)) for w in body.watches
        ],
        expected_version=body.expected_version,
        shifts=body.shifts,
        acknowledge_minutes=body.acknowledge_minutes,
        office=body.office,
    )
    return _roster(view)


@router.get("/duty/log", response_model=list[LogOut], responses=documented(404))
def read_log(
    request: Request,
    actor: Reader,
    office: Office = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[LogOut]:
    """The duty log, newest first."""
    return [_log(e) for e in desk.read_log(_store(request), actor, office=office, limit=limit)]


@router.post("/duty/log", response_model=LogOut, status_code=201, responses=documented(422))
def add_log(request: Request, actor: Keeper, body: LogIn) -> LogOut:
    """Append an entry to the duty log (entries are never changed)."""
    entry = desk.add_log_entry(_store(request), actor, text=body.text, subject=body.subject)
    return _log(entry)


@router.get("/duty/handovers", response_model=list[HandoverOut])
def read_handovers(request: Request, actor: Reader) -> list[HandoverOut]:
    """The office's handovers, newest first."""
    return [_handover(h) for h in desk.list_handovers(_store(request), actor)]


@router.post(
    "/duty/handovers", response_model=HandoverOut, status_code=201, responses=documented(422)
)
def hand_over(request: Request, actor: Keeper, body: HandoverIn) -> HandoverOut:
    """Hand the duty over to another user of the office; the open alerts are listed on it."""
    return _handover(desk.hand_over(_store(request), actor, to=body.to, note=body.note))


@router.post(
    "/duty/handovers/{handover_id}/accept",
    response_model=HandoverOut,
    responses=documented(404, 409, 422),
)
def accept(request: Request, actor: Keeper, handover_id: Identifier, body: NoteIn) -> HandoverOut:
    """The incoming officer takes over (once; only the one it is handed to)."""
    record = desk.accept_handover(_store(request), actor, handover_id, note=body.note)
    return _handover(record)


@router.get("/duty/alerts", response_model=list[AlertOut])
def read_alerts(
    request: Request,
    actor: Reader,
    mine: Annotated[bool, Query(description="only those delivered to me")] = False,
    open_only: Annotated[bool, Query(alias="open", description="only unacknowledged")] = False,
) -> list[AlertOut]:
    """The office's alerts, open ones first, newest first."""
    language = request_language(request, request.app.state.settings.language)
    found = office_alerts(_store(request), actor, mine=mine, open_only=open_only)
    return [_alert(record, language) for record in found]


@router.post(
    "/duty/alerts/{alert_id}/acknowledge",
    response_model=AlertOut,
    responses=documented(404, 409, 422),
)
def acknowledge_alert(
    request: Request, actor: Keeper, alert_id: Identifier, body: NoteIn
) -> AlertOut:
    """Acknowledge an alert of the office: it stops escalating. 409 if it was already."""
    language = request_language(request, request.app.state.settings.language)
    record = acknowledge(_store(request), actor, alert_id, note=body.note)
    return _alert(record, language)


@router.post("/duty/sweep", response_model=DutySweepOut)
def sweep(
    request: Request, actor: Annotated[Principal, requires(Permission.admin_manage)]
) -> DutySweepOut:
    """Alert the complaint reminders not alerted yet, then escalate the alerts due (each step
    once however often it runs)."""
    store = _store(request)
    alerted = alert_case_reminders(store)
    report = sweep_alerts(store)
    return DutySweepOut(
        ran=report.ran,
        examined=report.examined,
        escalations=report.escalations,
        reminders_alerted=alerted,
    )
