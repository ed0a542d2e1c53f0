"""The pages of the real-name register (实名收寄), for an inspector and a carrier's security
officer (``realname.read``).

- ``/app/realname``: a search box that takes a full ID (sent by ``POST``, so it never stands in
  a URL; matched by its keyed hash; the box is empty again on the answer, which shows the ID
  masked only), the newest entries within reach, the flags to review (open first); exports.
- ``/app/realname/entries/{id}``: one entry, masked, and for ``realname.reveal`` a reveal
  button with the reason to state; the answer shows the sender in clear on that page alone
  (never in a URL or a redirect), and the read is in the audit trail.
- ``/app/realname/flags/{id}``: a flag, its reason and figures, and the review form (confirm
  or dismiss, with the reason, carrying the version read: 409 when someone reviewed it since).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from peakguard.app.real_name import (
    EntryView,
    FlagView,
    get_entry,
    get_flag,
    list_flags,
    reveal_entry,
    review_flag,
    search_register,
)
from peakguard.cases.real_name import problem_label, type_label
from peakguard.cases.real_name_flags import kind_label, state_label
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

REGISTER = "/app/realname"
router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(
        REGISTER,
        _("Real-name register"),
        Permission.realname_read,
        44,
        kinds=frozenset({OrganisationKind.regulator, OrganisationKind.carrier}),
    ),
)
Reader = Annotated[Principal, page_requires(Permission.realname_read)]
Revealer = Annotated[Principal, page_requires(Permission.realname_reveal)]
Field = Annotated[str, Form(max_length=2000)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def entries_table(entries: tuple[EntryView, ...], language: str, title: Message) -> TableView:
    def label(message: Message) -> str:
        return render(message, language)

    rows: list[dict[str, Any]] = [
        {
            "waybill": entry.waybill,
            "link": f"{REGISTER}/entries/{entry.id}",
            "carrier": entry.carrier,
            "sender": entry.sender_name,
            "type": label(type_label(entry.id_type)),
            "number": entry.id_number,
            "check": label(_("valid"))
            if entry.id_valid
            else label(problem_label(entry.id_problem or "")),
            "outlet": entry.outlet,
            "region": entry.region,
            "accepted_at": entry.accepted_at,
            "accepted_by": entry.accepted_by,
        }
        for entry in entries
    ]
    return TableView(
        key="entries",
        title=label(title),
        columns=(
            Column("waybill", label(_("Waybill")), link="link"),
            Column("carrier", label(_("Carrier"))),
            Column("sender", label(_("Sender"))),
            Column("type", label(_("ID type"))),
            Column("number", label(_("ID number"))),
            Column("check", label(_("Check"))),
            Column("outlet", label(_("Outlet"))),
            Column("region", label(_("Region"))),
            Column("accepted_at", label(_("Accepted (China time)"))),
            Column("accepted_by", label(_("Accepted by"))),
        ),
        rows=rows,
        empty=label(_("No entry found within your reach.")),
        note=label(_("Names and ID numbers are masked; only the last four characters show.")),
    )


def flags_table(flags: tuple[FlagView, ...], language: str) -> TableView:
    def label(message: Message) -> str:
        return render(message, language)

    rows: list[dict[str, Any]] = [
        {
            "flag": f"#{flag.id}",
            "link": f"{REGISTER}/flags/{flag.id}",
            "kind": label(kind_label(flag.kind)),
            "state": label(state_label(flag.state)),
            "carrier": flag.carrier,
            "region": flag.region,
            "number": flag.id_number,
            "day": flag.day.isoformat() if flag.day else "—",
            "reason": label(flag.reason),
        }
        for flag in flags
    ]
    return TableView(
        key="flags",
        title=label(_("Flags for review (虚假实名)")),
        columns=(
            Column("flag", label(_("Flag")), link="link"),
            Column("kind", label(_("Kind"))),
            Column("state", label(_("State"))),
            Column("carrier", label(_("Carrier"))),
            Column("region", label(_("Region"))),
            Column("number", label(_("ID number"))),
            Column("day", label(_("Day"))),
            Column("reason", label(_("Why"))),
        ),
        rows=rows,
        empty=label(_("No flag within your reach.")),
        note=label(_("Open flags first.")),
    )


def _register_page(
    request: Request, caller: Principal, id_number: str = "", waybill: str = ""
) -> Response:
    language = page_language(request)
    store = _store(request)
    searched = bool(id_number.strip() or waybill.strip())
    page = search_register(
        store,
        caller,
        id_number=id_number.strip() or None,
        waybill=waybill.strip() or None,
        limit=100,
    )
    title = _("Entries found") if searched else _("Newest entries")
    views = [
        entries_table(page.entries, language, title),
        flags_table(list_flags(store, caller, limit=100).flags, language),
    ]
    if (exported := export_response(views, request, language)) is not None:
        return exported
    values = {
        "entries_view": views[0],
        "flags_view": views[1],
        "total": page.total,
        "searched": searched,
        "here": str(request.url),
    }
    heading = render(_("Real-name register"), language)
    return render_page(request, caller, "real_name.html", values, title=heading)


@router.get("/realname")
def register_page(request: Request, caller: Reader) -> Response:
    return _register_page(request, caller)


@router.post("/realname")
def search_page(
    request: Request, caller: Reader, id_number: Field = "", waybill: Field = ""
) -> Response:
    """The search: the ID is matched by its hash and never shown back."""
    return _register_page(request, caller, id_number, waybill[:64])


def _entry_page(
    request: Request, caller: Principal, entry_id: int, shown: dict[str, str] | None = None
) -> Response:
    language = page_language(request)
    view = get_entry(_store(request), caller, entry_id)
    facts: list[tuple[Message, str]] = [
        (_("Waybill"), view.waybill),
        (_("Carrier"), view.carrier),
        (_("Sender"), view.sender_name),
        (_("ID type"), render(type_label(view.id_type), language)),
        (_("ID number"), view.id_number),
        (
            _("Check"),
            render(_("valid"), language)
            if view.id_valid
            else render(problem_label(view.id_problem or ""), language),
        ),
        (_("Outlet"), view.outlet),
        (_("Region"), view.region),
        (_("Accepted (China time)"), _when(view.accepted_at)),
        (_("Accepted by"), view.accepted_by),
        (_("Recorded by"), f"{view.recorded_by} ({view.source})"),
    ]
    values = {
        "entry": view,
        "facts": [(render(name, language), value) for name, value in facts],
        "may_reveal": caller.may(Permission.realname_reveal),
        "shown": shown,
    }
    title = render(_("Register entry {waybill}", waybill=view.waybill), language)
    return render_page(request, caller, "real_name_entry.html", values, title=title)


@router.get("/realname/entries/{entry_id}")
def entry_page(request: Request, caller: Reader, entry_id: int) -> Response:
    return _entry_page(request, caller, entry_id)


@router.post("/realname/entries/{entry_id}/reveal")
def reveal_page(request: Request, caller: Revealer, entry_id: int, reason: Field = "") -> Response:
    """The sender in clear on this answer only (audited, with the reason)."""
    shown = reveal_entry(_store(request), caller, entry_id, reason=reason)
    return _entry_page(
        request,
        caller,
        entry_id,
        {"sender_name": shown.sender_name, "id_number": shown.id_number},
    )


def _flag_page(request: Request, caller: Principal, flag_id: int) -> Response:
    language = page_language(request)
    flag = get_flag(_store(request), caller, flag_id)
    facts: list[tuple[Message, str]] = [
        (_("Kind"), render(kind_label(flag.kind), language)),
        (_("State"), render(state_label(flag.state), language)),
        (_("Why"), render(flag.reason, language)),
        (_("Carrier"), flag.carrier),
        (_("Region"), flag.region),
        (_("ID number"), flag.id_number),
        (_("Day"), flag.day.isoformat() if flag.day else "—"),
        (_("Employee"), flag.employee_code or "—"),
        (_("Raised"), _when(flag.raised_at)),
        (_("Decided by"), flag.decided_by or "—"),
        (_("Decided at"), _when(flag.decided_at)),
        (_("Decision's reason"), flag.decision_reason or "—"),
    ]
    values = {
        "flag": flag,
        "facts": [(render(name, language), value) for name, value in facts],
        "entry_link": f"{REGISTER}/entries/{flag.entry_id}" if flag.entry_id else None,
        "done": request.query_params.get("done", "")[:20],
    }
    title = render(_("Flag #{id}", id=flag.id), language)
    return render_page(request, caller, "real_name_flag.html", values, title=title)


@router.get("/realname/flags/{flag_id}")
def flag_page(request: Request, caller: Reader, flag_id: int) -> Response:
    return _flag_page(request, caller, flag_id)


@router.post("/realname/flags/{flag_id}/review")
def review_page(
    request: Request,
    caller: Reader,
    flag_id: int,
    decision: Field = "",
    version: Field = "",
    reason: Field = "",
) -> Response:
    """Confirm or dismiss the flag (409 page when someone reviewed it since)."""
    if decision not in ("confirm", "dismiss") or not version.isdigit():
        message = _("choose confirm or dismiss, from the flag's page")
        raise InvalidInputError(message, [Problem("decision", message)])
    review_flag(
        _store(request),
        caller,
        flag_id,
        decision=decision,
        expected_version=int(version),
        reason=reason,
    )
    return RedirectResponse(f"{REGISTER}/flags/{flag_id}?done=reviewed", status_code=303)
