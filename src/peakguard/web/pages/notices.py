"""Pages: the publishers' page of notices to the public (``/app/notices/manage``: publish a
consumer tip or a controlled area's notice, withdraw one) and the public tracking page
(``/app/tracking``, open to all, as the public notices page ``/app/notices`` in
:mod:`~peakguard.web.pages.public`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from peakguard.app.context import event_lake
from peakguard.app.notices import (
    PUBLISHED,
    WITHDRAWN,
    NoticeKind,
    managed_notices,
    publish_control_notice,
    publish_tip,
    published_notices,
    withdraw_notice,
)
from peakguard.app.tracking import TrackingView, track_parcel
from peakguard.cases.holds import scan_label
from peakguard.errors import ConflictError, InvalidInputError, NotFoundError, Problem
from peakguard.formats.limits import INT64_MAX
from peakguard.i18n import _, render
from peakguard.identity.model import Permission, Principal
from peakguard.notices.eta import Basis, Estimate
from peakguard.notices.tips import ConsumerTip
from peakguard.notices.wording import moment_text, place_of
from peakguard.store.database import Store
from peakguard.web.pages.access import page_open, page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page

router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = (
    NavItem("/app/notices/manage", _("Notices to the public"), Permission.notice_publish, 60),
)
Publisher = Annotated[Principal, page_requires(Permission.notice_publish)]
Visitor = Annotated[Principal, page_open()]
KIND_LABELS = {NoticeKind.tip: _("Consumer tip"), NoticeKind.control: _("Controlled area's notice")}
STATE_LABELS = {PUBLISHED: _("Published"), WITHDRAWN: _("withdrawn")}
FIELD_LABELS = {
    "territory": _("Territory (GB/T 2260 code)"),
    "valid_from": _("From"),
    "valid_until": _("Until"),
    "title_zh": _("Title (Chinese)"),
    "title_en": _("Title (English)"),
    "text_zh": _("Text (Chinese)"),
    "text_en": _("Text (English)"),
    "region": _("Controlled area (GB/T 2260 code)"),
    "start": _("From"),
    "end": _("Until"),
    "carrier": _("Carrier"),
    "version": _("Version"),
}
"""The form's own label for each field a refusal names (never the field's code)."""
TIP_FIELDS = (
    "territory",
    "valid_from",
    "valid_until",
    "title_zh",
    "title_en",
    "text_zh",
    "text_en",
)


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def public_page(
    request: Request, caller: Principal, values: dict[str, Any] | None = None, status: int = 200
) -> Response:
    """The public's page: the notices in force, the tracking form (and a parcel's tracking)."""
    language = page_language(request)
    notices = published_notices(_store(request), caller, now=datetime.now(UTC))
    shown = [
        {"title": n.title(language), "text": n.text(language),
         "region": place_of(n.region, language), "carrier": n.carrier,
         "valid_from": moment_text(n.valid_from, language),
         "valid_until": moment_text(n.valid_until, language)}
        for n in notices
    ]  # fmt: skip
    context = {"notices": shown, "waybill": "", "carrier": "", "problem": "", "tracking": None}
    context.update(values or {})
    return render_page(
        request, caller, "notices.html", context, status=status,
        title=render(_("Notices to the public"), language),
    )  # fmt: skip


@router.get("/tracking")
def tracking_page(
    request: Request, caller: Visitor, waybill: str = "", carrier: str = ""
) -> Response:
    """A parcel's tracking, open to all: status, the controlled area's notice, the estimated
    arrival (the scans for its carrier and regulators)."""
    language = page_language(request)
    number = waybill.strip()[:64]
    if not number:
        return public_page(request, caller)
    try:
        view = track_parcel(
            _store(request), caller, event_lake(request.app.state.settings), number,
            now=datetime.now(UTC), carrier=carrier.strip()[:64] or None,
        )  # fmt: skip
    except (NotFoundError, InvalidInputError) as error:
        problems = getattr(error, "problems", [])
        text = render(error.message, language)
        if problems:
            text += " " + "; ".join(render(p.message, language) for p in problems)
        refused = {"waybill": number, "carrier": carrier, "problem": text}
        return public_page(
            request, caller, refused, 404 if isinstance(error, NotFoundError) else 422
        )
    values: dict[str, Any] = {
        "waybill": number,
        "carrier": carrier,
        "tracking": tracking_shown(view, language),
    }
    return public_page(request, caller, values)


def _basis(estimate: Estimate, language: str) -> str:
    """Where the estimated arrival comes from, in a sentence the public reads."""
    sentences = {
        Basis.delivered: _("The parcel has been delivered."),
        Basis.last_node: _(
            "Estimated from {n} recent parcels' times from where this one was last scanned "
            "to delivery.",
            n=estimate.parcels,
        ),
        Basis.lane: _(
            "Estimated from {n} recent parcels' times from acceptance to delivery on the same "
            "route.",
            n=estimate.parcels,
        ),
        Basis.unknown: _("Too few recent parcels on this route to estimate an arrival."),
    }
    return render(sentences[estimate.basis], language)


def tracking_shown(view: TrackingView, language: str) -> dict[str, Any]:
    """The tracking as the page shows it: scans in words, times in China Standard Time as
    the notice writes them, the estimate's basis in a sentence (never a raw code)."""
    arrival = view.estimate.arrival
    return {
        "waybill": view.waybill,
        "carrier": view.carrier,
        "status": render(scan_label(view.status), language),
        "last_scan_at": moment_text(view.last_scan_at, language),
        "destination": place_of(view.destination_region, language),
        "arrival": moment_text(arrival, language) if arrival is not None else "",
        "arrival_basis": _basis(view.estimate, language),
        "notice": view.notice.text(language) if view.notice else None,
        "scans": [
            {"time": moment_text(s.time, language), "event": render(scan_label(s.event), language),
             "node_id": s.node_id}
            for s in view.scans
        ],
    }  # fmt: skip


def _manage_page(
    request: Request,
    caller: Principal,
    *,
    status: int = 200,
    message: str = "",
    errors: dict[str, str] | None = None,
) -> Response:
    language = page_language(request)
    notices = [
        {"id": n.id, "kind": render(KIND_LABELS[NoticeKind(n.kind)], language),
         "region": place_of(n.region, language), "title": n.title(language),
         "state": render(STATE_LABELS.get(n.state, _("Published")), language),
         "published": n.state == PUBLISHED, "version": n.version}
        for n in managed_notices(_store(request), caller)
    ]  # fmt: skip
    labelled = {
        render(FIELD_LABELS[where], language) if where in FIELD_LABELS else where: text
        for where, text in (errors or {}).items()
    }
    return render_page(
        request, caller, "notice_manage.html",
        {"notices": notices, "message": message, "errors": labelled},
        status=status, title=render(_("Notices to the public"), language),
    )  # fmt: skip


@router.get("/notices/manage")
def manage_page(request: Request, caller: Publisher) -> Response:
    """The notices the caller publishes for, and the forms to publish and withdraw."""
    return _manage_page(request, caller)


def _moment(text: str, where: str, problems: list[Problem]) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        problems.append(
            Problem(where, _("Give a time with its zone, e.g. 2026-11-10T00:00+08:00."))
        )
        return datetime.now(UTC)
    return moment


def _refused(request: Request, caller: Principal, error: Exception) -> Response:
    language = page_language(request)
    message = render(getattr(error, "message", _("The request failed.")), language)
    errors = {p.location: render(p.message, language) for p in getattr(error, "problems", [])}
    status = (
        409
        if isinstance(error, ConflictError)
        else 404
        if isinstance(error, NotFoundError)
        else 422
    )
    return _manage_page(request, caller, status=status, message=message, errors=errors)


@router.post("/notices/manage/tips")
async def publish_tip_form(request: Request, caller: Publisher) -> Response:
    """Publish a consumer tip; back to the page with every mistake named."""
    form = await request.form()
    values = {name: str(form.get(name, "") or "")[:4000] for name in TIP_FIELDS}
    problems: list[Problem] = []
    start = _moment(values["valid_from"], "valid_from", problems)
    end = _moment(values["valid_until"], "valid_until", problems)
    try:
        if problems:
            raise InvalidInputError(_("The consumer tip has mistakes."), problems)
        tip = ConsumerTip(
            values["territory"].strip(), start, end, values["title_zh"], values["title_en"],
            values["text_zh"], values["text_en"],
        )  # fmt: skip
        await run_in_threadpool(publish_tip, _store(request), caller, tip, now=datetime.now(UTC))
    except (InvalidInputError, ConflictError, NotFoundError) as error:
        return _refused(request, caller, error)
    return RedirectResponse("/app/notices/manage?done=published", status_code=303)


@router.post("/notices/manage/controls")
async def publish_control_form(request: Request, caller: Publisher) -> Response:
    """Publish a controlled area's notice (window and text from the control in force)."""
    form = await request.form()
    region = str(form.get("region", "") or "").strip()[:6]
    try:
        await run_in_threadpool(
            publish_control_notice, _store(request), caller, region, now=datetime.now(UTC)
        )
    except (InvalidInputError, ConflictError, NotFoundError) as error:
        return _refused(request, caller, error)
    return RedirectResponse("/app/notices/manage?done=published", status_code=303)


@router.post("/notices/manage/{notice_id}/withdraw")
async def withdraw_form(
    request: Request, caller: Publisher, notice_id: Annotated[int, Path(ge=1, le=INT64_MAX)]
) -> Response:
    """Withdraw a notice on the version shown (a stale one is refused, 409)."""
    form = await request.form()
    version = str(form.get("version", "") or "").strip()
    try:
        if not (version.isascii() and version.isdigit() and int(version) <= INT64_MAX):
            problem = Problem("version", _("reload the page: the form lost its version"))
            raise InvalidInputError(_("The notice has mistakes."), [problem])
        await run_in_threadpool(
            withdraw_notice, _store(request), caller, notice_id,
            expected_version=int(version), now=datetime.now(UTC),
        )  # fmt: skip
    except (InvalidInputError, ConflictError, NotFoundError) as error:
        return _refused(request, caller, error)
    return RedirectResponse("/app/notices/manage?done=withdrawn", status_code=303)
