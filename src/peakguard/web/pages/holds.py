"""The pages where a carrier's security officer and a regulator's inspector work stop-sort
holds (停止分拣; docs/reference/stop-sort-holds.md).

- ``/app/holds`` (``security.read``): the holds within reach, those in force first, with their
  waybills and violations counted; exports to CSV and Excel.
- ``/app/holds/new`` (``hold.place``): place one on a waybill, a bag or a batch, with the
  suspected item's category, where and when it was found, what was seen and an evidence file;
  every mistake beside its field, the form kept.
- ``/app/holds/{hold_id}`` (``security.read``): the facts, the waybills, the reports upward,
  the violations (movement scans after the hold), the evidence files, and for a regulator the
  release form carrying the version read.

Who sees which hold, and who may place or release one, is the application layer's decision
(:mod:`peakguard.app.holds`); these pages show what it answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from peakguard.app.context import event_lake
from peakguard.app.holds import HoldDraft, HoldView, get_hold, list_holds, place_hold, release_hold
from peakguard.cases.holds import (
    HoldScope,
    HoldState,
    found_label,
    hold_rules,
    scan_label,
    scope_label,
    state_label,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import ConflictError, ForbiddenError, InvalidInputError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

HOLDS = "/app/holds"
router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(
        HOLDS,
        _("Stop-sort holds"),
        Permission.security_read,
        13,
        kinds=frozenset({OrganisationKind.regulator, OrganisationKind.carrier}),
    ),
)
Reader = Annotated[Principal, page_requires(Permission.security_read)]
Placer = Annotated[Principal, page_requires(Permission.hold_place)]
Releaser = Annotated[Principal, page_requires(Permission.hold_release)]
FORM_FIELDS = (
    "scope", "carrier", "region", "node_id", "category", "held_from", "evidence", "waybills",
    "bag_code", "outlet", "window_start", "window_end",
)  # fmt: skip
TEXT_LIMIT = 200_000


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def hold_path(hold_id: int) -> str:
    return f"{HOLDS}/{hold_id}"


def _labelled(language: str) -> Any:
    return lambda message: render(message, language)


def _category(key: str, language: str) -> str:
    found = hold_rules().categories.get(key)
    return found.label(language) if found else key


def list_table(request: Request, caller: Principal, language: str) -> TableView:
    label = _labelled(language)
    rows: list[dict[str, Any]] = [
        {
            "reference": line.hold.reference,
            "link": hold_path(line.hold.id),
            "scope": label(scope_label(line.hold.scope)),
            "state": label(state_label(line.hold.state)),
            "carrier": line.hold.carrier,
            "region": line.hold.region,
            "node": line.hold.node_id,
            "category": _category(line.hold.category, language),
            "since": line.hold.held_from,
            "waybills": line.waybills,
            "violations": line.violations,
            "broken": label(_("broken")) if line.violations else "",
        }
        for line in list_holds(_store(request), caller)
    ]
    return TableView(
        key="holds",
        title=label(_("Stop-sort holds")),
        columns=(
            Column("reference", label(_("Hold")), link="link"),
            Column("scope", label(_("Scope"))),
            Column("state", label(_("State"))),
            Column("carrier", label(_("Carrier"))),
            Column("region", label(_("Region"))),
            Column("node", label(_("Found at"))),
            Column("category", label(_("Suspected item"))),
            Column("since", label(_("Held from (China time)"))),
            Column("waybills", label(_("Waybills")), digits=0),
            Column("violations", label(_("Violations")), digits=0),
            Column("broken", label(_("Broken"))),
        ),
        rows=rows,
        empty=label(_("No stop-sort hold within your reach.")),
        note=label(_("Holds in force first; a violation is a movement scan after the hold.")),
    )


@router.get("/holds")
def holds_page(request: Request, caller: Reader) -> Response:
    language = page_language(request)
    view = list_table(request, caller, language)
    if (exported := export_response([view], request, language)) is not None:
        return exported
    values = {
        "table_view": view,
        "here": str(request.url),
        "may_place": caller.may(Permission.hold_place),
    }
    return render_page(request, caller, "holds.html", values, title=view.title)


def _choices(language: str) -> dict[str, list[tuple[str, str]]]:
    rules = hold_rules()
    return {
        "scopes": [
            (scope.value, render(scope_label(scope.value), language)) for scope in HoldScope
        ],
        "categories": [(key, item.label(language)) for key, item in rules.categories.items()],
        "outcomes": [(key, item.label(language)) for key, item in rules.outcomes.items()],
    }


def _new_page(
    request: Request,
    caller: Principal,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    language = page_language(request)
    page = {
        **_choices(language),
        "values": values or {"carrier": caller.organisation.carrier or "", "scope": "waybill"},
        "errors": errors or {},
    }
    title = render(_("Place a stop-sort hold"), language)
    return render_page(request, caller, "hold_new.html", page, status=status, title=title)


@router.get("/holds/new")
def new_hold_page(request: Request, caller: Placer) -> Response:
    return _new_page(request, caller)


def _moment(text: str, where: str, problems: list[Problem]) -> datetime | None:
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        problems.append(Problem(where, _("give a moment such as 2026-11-11T10:00 (China time)")))
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_STANDARD_TIME)


def _errors(problems: list[Problem], language: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in problems:
        found.setdefault(problem.location.split("[")[0], render(problem.message, language))
    return found


def _draft(values: dict[str, str], problems: list[Problem]) -> HoldDraft:
    held_from = _moment(values["held_from"], "held_from", problems)
    if held_from is None and not problems:
        problems.append(Problem("held_from", _("is required")))
    waybills = tuple(item for item in values["waybills"].replace(",", " ").split() if item)
    return HoldDraft(
        scope=values["scope"],
        carrier=values["carrier"],
        region=values["region"].strip(),
        node_id=values["node_id"],
        category=values["category"],
        held_from=held_from or datetime.now(CHINA_STANDARD_TIME),
        evidence=values["evidence"],
        waybills=waybills,
        bag_code=values["bag_code"].strip() or None,
        outlet=values["outlet"].strip() or None,
        window_start=_moment(values["window_start"], "window_start", problems),
        window_end=_moment(values["window_end"], "window_end", problems),
    )


@router.post("/holds/new")
async def place_hold_form(request: Request, caller: Placer) -> Response:
    """Place the hold; back to the form with every mistake beside its field."""
    language = page_language(request)
    form = await request.form()
    values = {name: str(form.get(name, "") or "")[:TEXT_LIMIT] for name in FORM_FIELDS}
    upload = form.get("file")
    files: list[tuple[str, bytes]] = []
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read()
        if content:
            files.append((upload.filename, content))
    await form.close()
    problems: list[Problem] = []
    draft = _draft(values, problems)
    if problems:
        return _new_page(request, caller, values, _errors(problems, language), 422)
    lake = event_lake(request.app.state.settings)
    try:
        view = place_hold(_store(request), caller, draft, lake=lake, files=files)
    except InvalidInputError as error:
        errors = {"files" if key == "files" else key: text
                  for key, text in _errors(error.problems, language).items()}  # fmt: skip
        return _new_page(request, caller, values, errors, 422)
    except ForbiddenError as error:
        return _new_page(request, caller, values, {"carrier": render(error.message, language)}, 403)
    return RedirectResponse(hold_path(view.hold.id) + "?done=placed", status_code=303)


def _when(moment: datetime | None) -> str:
    return (
        "—" if moment is None else moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")
    )


def _facts(view: HoldView, language: str) -> list[tuple[str, str]]:
    hold = view.hold
    outcome = hold_rules().outcomes.get(hold.release_outcome or "")
    window = (
        f"{hold.outlet} {_when(hold.window_start)} – {_when(hold.window_end)}"
        if hold.outlet
        else "—"
    )
    facts: list[tuple[Message, str]] = [
        (_("Scope"), render(scope_label(hold.scope), language)),
        (_("Carrier"), hold.carrier),
        (_("Region"), hold.region),
        (_("Found at"), hold.node_id),
        (_("Held from (China time)"), _when(hold.held_from)),
        (_("Suspected item"), _category(hold.category, language)),
        (_("Bag"), hold.bag_code or "—"),
        (_("Batch (outlet and acceptance window)"), window),
        (_("What was seen"), hold.evidence),
        (_("Placed by"), f"{hold.placed_by} ({hold.placing_organisation})"),
        (_("Released (China time)"), _when(hold.released_at)),
        (_("Released by"), hold.released_by or "—"),
        (_("Outcome"), outcome.label(language) if outcome else "—"),
        (_("Reason"), hold.release_reason or "—"),
    ]
    return [(render(name, language), value) for name, value in facts]


def _tables(view: HoldView, language: str) -> list[TableView]:
    label = _labelled(language)
    reference = view.hold.reference
    violations = TableView(
        key="violations",
        title=label(_("Violations: movement scans after the hold")),
        columns=(
            Column("waybill", label(_("Waybill"))),
            Column("event", label(_("Scan"))),
            Column("node", label(_("Node"))),
            Column("scanned", label(_("Scanned (China time)"))),
            Column("found_by", label(_("Found by"))),
        ),
        rows=[
            {
                "waybill": item.waybill,
                "event": label(scan_label(item.event)),
                "node": item.node_id,
                "scanned": item.scanned_at,
                "found_by": label(found_label(item.detected_by)),
            }
            for item in view.violations
        ],
        empty=label(_("No scan of a held waybill after the hold.")),
        filename=f"{reference}-violations",
    )
    waybills = TableView(
        key="waybills",
        title=label(_("Held waybills")),
        columns=(Column("waybill", label(_("Waybill"))),),
        rows=[{"waybill": waybill} for waybill in view.waybills],
        filename=f"{reference}-waybills",
    )
    reports = TableView(
        key="reports",
        title=label(_("Reported to")),
        columns=(
            Column("office", label(_("Office"))),
            Column("reason", label(_("Why"))),
            Column("at", label(_("At (China time)"))),
        ),
        rows=[
            {
                "office": item.organisation,
                "at": item.reported_at,
                "reason": label(_("the place's territory"))
                if item.reason == "territory"
                else label(_("a serious item: the province too")),
            }
            for item in view.reports
        ],
        empty=label(_("No regulator office is set up for the place's territory.")),
        filename=f"{reference}-reports",
    )
    return [violations, waybills, reports]


def _hold_page(
    request: Request,
    caller: Principal,
    hold_id: int,
    *,
    status: int = 200,
    message: str = "",
    errors: dict[str, str] | None = None,
) -> Response:
    language = page_language(request)
    view = get_hold(_store(request), caller, hold_id)
    tables = _tables(view, language)
    if (exported := export_response(tables, request, language)) is not None:
        return exported
    regulator = caller.organisation.kind in (OrganisationKind.regulator, OrganisationKind.system)
    values = {
        "hold": view.hold,
        "state_label": render(state_label(view.hold.state), language),
        "facts": _facts(view, language),
        "violations_view": tables[0],
        "waybills_view": tables[1],
        "reports_view": tables[2],
        "evidence": view.evidence,
        "may_release": caller.may(Permission.hold_release)
        and regulator
        and view.hold.state == HoldState.held,
        "outcomes": _choices(language)["outcomes"],
        "message": message,
        "errors": errors or {},
        "done": request.query_params.get("done", "")[:40],
        "here": str(request.url),
        "path": hold_path(hold_id),
    }
    return render_page(
        request, caller, "hold.html", values, status=status, title=view.hold.reference
    )


@router.get("/holds/{hold_id}")
def hold_page(request: Request, caller: Reader, hold_id: int) -> Response:
    return _hold_page(request, caller, hold_id)


@router.post("/holds/{hold_id}/release")
async def release_form(request: Request, caller: Releaser, hold_id: int) -> Response:
    """Release the hold; back to it (a stale version is shown above the form)."""
    language = page_language(request)
    form = await request.form()
    version_text = str(form.get("version", "")).strip()
    outcome = str(form.get("outcome", ""))[:100]
    reason = str(form.get("reason", ""))[:8000]
    try:
        if not version_text.isdigit():
            problem = Problem("version", _("reload the page: the form lost its version"))
            raise InvalidInputError(_("The release has mistakes."), [problem])
        release_hold(_store(request), caller, hold_id, expected_version=int(version_text),
                     outcome=outcome, reason=reason)  # fmt: skip
    except InvalidInputError as error:
        return _hold_page(request, caller, hold_id, status=422,
                          message=render(error.message, language),
                          errors=_errors(error.problems, language))  # fmt: skip
    except ConflictError as error:
        return _hold_page(request, caller, hold_id, status=409,
                          message=render(error.message, language))  # fmt: skip
    except ForbiddenError as error:
        return _hold_page(request, caller, hold_id, status=403,
                          message=render(error.message, language))  # fmt: skip
    return RedirectResponse(hold_path(hold_id) + "?" + urlencode({"done": "released"}), 303)
