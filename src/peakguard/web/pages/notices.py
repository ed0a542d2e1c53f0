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

from peakguard.api.routers.notices import tracking_out
from peakguard.app.context import event_lake
from peakguard.app.notices import (
    managed_notices,
    publish_control_notice,
    publish_tip,
    published_notices,
    withdraw_notice,
)
from peakguard.app.tracking import track_parcel
from peakguard.errors import ConflictError, InvalidInputError, NotFoundError, Problem
from peakguard.formats.limits import INT64_MAX
from peakguard.i18n import _, render
from peakguard.identity.model import Permission, Principal
from peakguard.notices.tips import ConsumerTip
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
        {"title": n.title(language), "text": n.text(language), "region": n.region,
         "carrier": n.carrier, "valid_from": n.valid_from, "valid_until": n.valid_until}
        for n in notices
    ]  # fmt: skip
    context = {"notices": shown, "waybill": "", "carrier": "", "problem": "", "tracking": None}
    context.update(values or {})
    return render_page(
        request, caller, "notices.html", context, status=status,
        title=render(_("Notices"), language),
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
        "tracking": tracking_out(view, language),
    }
    return public_page(request, caller, values)


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
        {"id": n.id, "kind": n.kind, "region": n.region, "title": n.title(language),
         "state": n.state, "version": n.version}
        for n in managed_notices(_store(request), caller)
    ]  # fmt: skip
    return render_page(
        request, caller, "notice_manage.html",
        {"notices": notices, "message": message, "errors": errors or {}},
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
