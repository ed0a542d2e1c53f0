"""Notices to the public (消费提示, 管控公告, 预计到达时间), as ``peakguard notice``.

Open to all, anonymous callers included: the notices in force (``GET /notices``) and a
parcel's tracking by its waybill (``GET /tracking/{waybill}``: status, the controlled area's
notice, the estimated arrival; the scans only for the parcel's carrier
and the regulators of its origin or destination). Publishing, withdrawing, the notices one
manages, the arrival messages and the outbox need ``notice.publish``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AwareDatetime, Field

from peakguard.api.errors import request_language
from peakguard.api.schemas import RequestModel, ResponseModel, documented
from peakguard.api.security import open_to_all, requires
from peakguard.app.context import event_lake
from peakguard.app.notice_messages import (
    OutboxView,
    Recipient,
    read_outbox,
    send_arrival_messages,
)
from peakguard.app.notices import (
    NoticeKind,
    NoticeView,
    managed_notices,
    publish_control_notice,
    publish_tip,
    published_notices,
    withdraw_notice,
)
from peakguard.app.tracking import TrackingView, track_parcel
from peakguard.config import Settings
from peakguard.formats.limits import INT64_MAX
from peakguard.i18n import render
from peakguard.identity.model import Permission, Principal
from peakguard.notices.tips import ConsumerTip
from peakguard.store.database import Store

router = APIRouter(tags=["notices"])

Anyone = Annotated[Principal, open_to_all()]
Publisher = Annotated[Principal, requires(Permission.notice_publish)]
Region = Annotated[str, Field(pattern=r"^[0-9]{6}$")]
NoticeId = Annotated[int, Path(ge=1, le=INT64_MAX, description="the notice's number")]


class NoticeOut(ResponseModel):
    id: int
    kind: str
    state: str
    region: str
    carrier: str | None
    valid_from: datetime
    valid_until: datetime
    title: str
    text: str
    title_zh: str
    title_en: str
    text_zh: str
    text_en: str
    published_at: datetime
    version: int


class TipIn(RequestModel):
    territory: Region
    valid_from: AwareDatetime
    valid_until: AwareDatetime
    title_zh: str = Field(max_length=200)
    title_en: str = Field(max_length=200)
    text_zh: str = Field(max_length=4000)
    text_en: str = Field(max_length=4000)


class ControlNoticeIn(RequestModel):
    region: Region
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    text_zh: str | None = Field(default=None, max_length=4000)
    text_en: str | None = Field(default=None, max_length=4000)


class WithdrawIn(RequestModel):
    expected_version: int = Field(ge=0, le=INT64_MAX)


class ScanOut(ResponseModel):
    event: str
    node_id: str
    time: datetime
    next_node_id: str | None
    reason: str | None


class TrackingOut(ResponseModel):
    waybill: str
    carrier: str
    status: str
    last_scan_at: datetime
    finished: bool
    destination_region: str
    notice: str | None
    notice_region: str | None
    notice_until: datetime | None
    arrival: datetime | None
    arrival_basis: str
    arrival_parcels: int
    held_until: datetime | None
    scans: list[ScanOut]


class RecipientIn(RequestModel):
    waybill: str = Field(min_length=1, max_length=64)
    phone: str = Field(min_length=1, max_length=32)
    language: str = Field(default="zh", pattern=r"^(zh|en)")
    carrier: str | None = Field(default=None, max_length=64)


class SendIn(RequestModel):
    recipients: list[RecipientIn] = Field(max_length=10000)


class OutboxOut(ResponseModel):
    id: int
    waybill: str
    carrier: str
    language: str
    phone: str
    """Masked: 138****5678."""
    text: str
    region: str
    arrival: datetime | None
    basis: str
    channel: str
    accepted: bool
    created_at: datetime


class SkippedOut(ResponseModel):
    waybill: str
    reason: str


class SendOut(ResponseModel):
    sent: list[OutboxOut]
    skipped: list[SkippedOut]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


def _notice(view: NoticeView, language: str) -> NoticeOut:
    return NoticeOut(
        id=view.id, kind=view.kind, state=view.state, region=view.region, carrier=view.carrier,
        valid_from=view.valid_from, valid_until=view.valid_until,
        title=view.title(language), text=view.text(language), title_zh=view.title_zh,
        title_en=view.title_en, text_zh=view.text_zh, text_en=view.text_en,
        published_at=view.published_at, version=view.version,
    )  # fmt: skip


def _outbox(view: OutboxView) -> OutboxOut:
    return OutboxOut(
        id=view.id, waybill=view.waybill, carrier=view.carrier, language=view.language,
        phone=view.phone, text=view.text, region=view.region, arrival=view.arrival,
        basis=view.basis, channel=view.channel, accepted=view.accepted,
        created_at=view.created_at,
    )  # fmt: skip


def tracking_out(view: TrackingView, language: str) -> TrackingOut:
    """The tracking as the API shows it."""
    notice = view.notice
    return TrackingOut(
        waybill=view.waybill, carrier=view.carrier, status=view.status,
        last_scan_at=view.last_scan_at, finished=view.finished,
        destination_region=view.destination_region,
        notice=notice.text(language) if notice else None,
        notice_region=notice.area.region if notice else None,
        notice_until=notice.area.end if notice else None,
        arrival=view.estimate.arrival, arrival_basis=view.estimate.basis.value,
        arrival_parcels=view.estimate.parcels, held_until=view.estimate.held_until,
        scans=[
            ScanOut(event=s.event, node_id=s.node_id, time=s.time, next_node_id=s.next_node_id,
                    reason=s.reason)
            for s in view.scans
        ],
    )  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/notices", response_model=list[NoticeOut])
def notices_in_force(
    request: Request,
    actor: Anyone,
    region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    kind: NoticeKind | None = None,
    carrier: str | None = None,
) -> list[NoticeOut]:
    """The notices in force now (open to all): inside ``region`` when given, a carrier's
    notices only with ``carrier``."""
    views = published_notices(
        _store(request), actor, now=_now(), region=region, kind=kind, carrier=carrier
    )
    return [_notice(view, _language(request)) for view in views]


@router.get("/notices/manage", response_model=list[NoticeOut])
def notices_managed(request: Request, actor: Publisher) -> list[NoticeOut]:
    """Every notice the caller publishes for, withdrawn ones too."""
    return [_notice(view, _language(request)) for view in managed_notices(_store(request), actor)]


@router.get("/notices/outbox", response_model=list[OutboxOut])
def outbox(request: Request, actor: Publisher, waybill: str | None = None) -> list[OutboxOut]:
    """The arrival messages sent (a carrier: its brand's), phones masked, newest first."""
    return [_outbox(view) for view in read_outbox(_store(request), actor, waybill=waybill)]


@router.post(
    "/notices/tips", response_model=NoticeOut, status_code=201, responses=documented(403, 422)
)
def publish_a_tip(request: Request, body: TipIn, actor: Publisher) -> NoticeOut:
    """Publish a consumer tip for a territory (a regulator: inside its own; a carrier: for
    its brand), both texts given."""
    tip = ConsumerTip(
        body.territory, body.valid_from, body.valid_until, body.title_zh, body.title_en,
        body.text_zh, body.text_en,
    )  # fmt: skip
    view = publish_tip(_store(request), actor, tip, now=_now())
    return _notice(view, _language(request))


@router.post(
    "/notices/controls", response_model=NoticeOut, status_code=201, responses=documented(403, 422)
)
def publish_a_control_notice(
    request: Request, body: ControlNoticeIn, actor: Publisher
) -> NoticeOut:
    """Publish the notice of a controlled area: its window and text default to the control in
    force there now and the standard tracking script."""
    view = publish_control_notice(
        _store(request), actor, body.region, now=_now(), start=body.start, end=body.end,
        text_zh=body.text_zh, text_en=body.text_en,
    )  # fmt: skip
    return _notice(view, _language(request))


@router.post(
    "/notices/{notice_id}/withdraw",
    response_model=NoticeOut,
    responses=documented(403, 404, 409, 422),
)
def withdraw(
    request: Request, notice_id: NoticeId, body: WithdrawIn, actor: Publisher
) -> NoticeOut:
    """Withdraw a notice (409 when it changed since the version read)."""
    view = withdraw_notice(
        _store(request), actor, notice_id, expected_version=body.expected_version, now=_now()
    )
    return _notice(view, _language(request))


@router.post("/notices/messages", response_model=SendOut, responses=documented(403, 422))
def send_messages(request: Request, body: SendIn, actor: Publisher) -> SendOut:
    """Send arrival messages to the recipients of parcels bound for a controlled area (the
    others are skipped, with why); each message is kept in the outbox, the phone masked."""
    settings: Settings = request.app.state.settings
    recipients = [Recipient(r.waybill, r.phone, r.language, r.carrier) for r in body.recipients]
    report = send_arrival_messages(
        _store(request), actor, event_lake(settings), recipients, now=_now()
    )
    language = _language(request)
    return SendOut(
        sent=[_outbox(view) for view in report.sent],
        skipped=[SkippedOut(waybill=s.waybill, reason=render(s.reason, language))
                 for s in report.skipped],
    )  # fmt: skip


@router.get("/tracking/{waybill}", response_model=TrackingOut, responses=documented(404, 422))
def tracking(
    request: Request,
    response: Response,
    actor: Anyone,
    waybill: Annotated[str, Path(min_length=1, max_length=64)],
    carrier: str | None = None,
) -> TrackingOut:
    """A parcel's tracking by its waybill number (open to all): status, the controlled area's
    notice, the estimated arrival and its basis; the scans for its carrier and regulators."""
    settings: Settings = request.app.state.settings
    view = track_parcel(
        _store(request), actor, event_lake(settings), waybill, now=_now(), carrier=carrier
    )
    response.headers["Cache-Control"] = "no-store"
    return tracking_out(view, _language(request))
