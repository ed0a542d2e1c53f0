"""Pages: the list of outlets in abnormal operation (经营异常网点清单) and the season's commitment
letters (安全保障服务承诺书); included in :mod:`peakguard.web.pages.inspections`'s router.

- ``/app/abnormal-outlets`` (``security.read``): the list within reach (with its history on
  request); an entry form and a removal per entry for ``inspection.conduct``.
- ``/app/commitments`` (``security.read``): each carrier company of the territory with its
  letters of the season, missing ones first; a form to record a letter with its scan.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from peakguard.app.abnormal_outlets import (
    AbnormalOutletEntry,
    abnormal_outlets,
    add_abnormal_outlet,
    remove_abnormal_outlet,
)
from peakguard.app.commitments import (
    CommitmentDraft,
    attach_commitment_letter,
    commitments,
    record_commitment,
)
from peakguard.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    Problem,
)
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, export_response

ABNORMAL = "/app/abnormal-outlets"
COMMITMENTS = "/app/commitments"
router = APIRouter(include_in_schema=False)
KINDS = frozenset({OrganisationKind.regulator, OrganisationKind.carrier})
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(ABNORMAL, _("Abnormal outlets"), Permission.security_read, 48, kinds=KINDS),
    NavItem(COMMITMENTS, _("Commitment letters"), Permission.security_read, 49, kinds=KINDS),
)
Reader = Annotated[Principal, page_requires(Permission.security_read)]
Conductor = Annotated[Principal, page_requires(Permission.inspection_conduct)]
ENTRY_FIELDS = (
    "reason",
    "listed_from",
    "listed_until",
    "network",
    "node_id",
    "carrier",
    "region",
    "outlet",
)
LETTER_FIELDS = ("company", "season", "signed_on", "signer_name", "signer_title", "regulator")
REFUSALS = (InvalidInputError, ConflictError, ForbiddenError, NotFoundError)
SEASON = Annotated[str, Query(max_length=9)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _day(text: str, where: str, problems: list[Problem]) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        problems.append(Problem(where, _("give a day such as 2026-11-12")))
        return None


def _errors(error: Exception, language: str) -> tuple[str, dict[str, str]]:
    assert isinstance(error, REFUSALS)
    problems = error.problems if isinstance(error, InvalidInputError | ForbiddenError) else []
    fields: dict[str, str] = {}
    for problem in problems:
        fields.setdefault(problem.location, render(problem.message, language))
    return render(error.message, language), fields


def _abnormal_table(request: Request, caller: Principal, language: str, history: bool) -> TableView:
    def label(message: Message) -> str:
        return render(message, language)

    rows: list[dict[str, Any]] = [
        {
            "id": item.id, "carrier": item.carrier, "region": item.region, "outlet": item.outlet,
            "node": item.node_id or "", "reason": item.reason, "from": item.listed_from.isoformat(),
            "until": item.listed_until.isoformat() if item.listed_until else "",
            "by": item.listed_by, "removed": item.removal_reason or "", "version": item.version,
        }
        for item in abnormal_outlets(_store(request), caller, include_removed=history)
    ]  # fmt: skip
    return TableView(
        key="abnormal-outlets",
        title=label(_("Outlets in abnormal operation")),
        columns=(
            Column("id", label(_("No."))),
            Column("carrier", label(_("Carrier"))),
            Column("region", label(_("Region"))),
            Column("outlet", label(_("Outlet"))),
            Column("node", label(_("Node"))),
            Column("reason", label(_("Reason"))),
            Column("from", label(_("From"))),
            Column("until", label(_("Until"))),
            Column("by", label(_("Listed by"))),
            Column("removed", label(_("Removed because"))),
        ),
        rows=rows,
        empty=label(_("No outlet is listed within your reach.")),
        note=label(
            _("快递市场管理办法 art. 39: outlets in abnormal operation are kept on a list.")
        ),
    )


def _abnormal_page(
    request: Request, caller: Principal, *, status: int = 200, message: str = "",
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    language = page_language(request)
    history = request.query_params.get("history") == "1"
    view = _abnormal_table(request, caller, language, history)
    if (exported := export_response([view], request, language)) is not None:
        return exported
    page = {
        "table_view": view, "here": str(request.url), "history": history,
        "may_conduct": caller.may(Permission.inspection_conduct), "message": message,
        "errors": errors or {}, "values": values or {}, "entries": view.rows,
    }  # fmt: skip
    return render_page(
        request, caller, "abnormal_outlets.html", page, status=status, title=view.title
    )


@router.get("/abnormal-outlets")
def abnormal_page(request: Request, caller: Reader) -> Response:
    return _abnormal_page(request, caller)


@router.post("/abnormal-outlets")
async def abnormal_add_form(request: Request, caller: Conductor) -> Response:
    """Enter an outlet on the list; back to the list with every mistake beside its field."""
    language = page_language(request)
    form = await request.form()
    values = {name: str(form.get(name, "") or "")[:2000] for name in ENTRY_FIELDS}
    problems: list[Problem] = []
    listed_from = _day(values["listed_from"], "listed_from", problems)
    until = _day(values["listed_until"], "listed_until", problems)
    try:
        if problems or listed_from is None:
            problems += (
                [] if listed_from else [Problem("listed_from", _("give the first day listed"))]
            )
            raise InvalidInputError(_("The entry has mistakes."), problems)
        entry = AbnormalOutletEntry(
            reason=values["reason"], listed_from=listed_from, listed_until=until,
            network=values["network"].strip() or None, node_id=values["node_id"].strip() or None,
            carrier=values["carrier"].strip() or None, region=values["region"].strip() or None,
            outlet=values["outlet"].strip() or None,
        )  # fmt: skip
        add_abnormal_outlet(_store(request), caller, entry)
    except REFUSALS as error:
        message, errors = _errors(error, language)
        status = 422 if isinstance(error, InvalidInputError) else 403
        return _abnormal_page(
            request, caller, status=status, message=message, errors=errors, values=values
        )
    return RedirectResponse(f"{ABNORMAL}?done=added", status_code=303)


@router.post("/abnormal-outlets/{entry_id}/remove")
async def abnormal_remove_form(request: Request, caller: Conductor, entry_id: int) -> Response:
    """Take the outlet off the list; back to the list (a refusal shown above it)."""
    language = page_language(request)
    form = await request.form()
    version = str(form.get("version", ""))
    try:
        remove_abnormal_outlet(
            _store(request), caller, entry_id, reason=str(form.get("reason", ""))[:2000],
            expected_version=int(version) if version.isdigit() else 0,
        )  # fmt: skip
    except REFUSALS as error:
        if isinstance(error, NotFoundError):
            raise
        message, errors = _errors(error, language)
        status = 422 if isinstance(error, InvalidInputError) else 409
        return _abnormal_page(request, caller, status=status, message=message, errors=errors)
    return RedirectResponse(f"{ABNORMAL}?done=removed", status_code=303)


def _commitments_page(
    request: Request, caller: Principal, season: str, *, status: int = 200, message: str = "",
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    language = page_language(request)
    companies = commitments(_store(request), caller, season=season)
    page = {
        "season": season, "companies": companies, "message": message, "errors": errors or {},
        "values": values or {"season": season},
        "may_record": caller.may(Permission.inspection_conduct)
        and caller.organisation.kind is not OrganisationKind.carrier,
        "missing": sum(1 for company in companies if company.missing),
    }  # fmt: skip
    title = render(_("Commitment letters of {season}", season=season), language)
    return render_page(request, caller, "commitments.html", page, status=status, title=title)


@router.get("/commitments")
def commitments_page(request: Request, caller: Reader, season: SEASON = "") -> Response:
    chosen = season if season else str(date.today().year)
    return _commitments_page(request, caller, chosen)


@router.post("/commitments")
async def commitment_form(request: Request, caller: Conductor) -> Response:
    """Record the letter (and its scan); back to the season's list."""
    language = page_language(request)
    form = await request.form()
    values = {name: str(form.get(name, "") or "")[:200] for name in LETTER_FIELDS}
    upload = form.get("file")
    scan = (
        (upload.filename or "letter.pdf", await upload.read())
        if isinstance(upload, UploadFile) and upload.filename
        else None
    )
    await form.close()
    problems: list[Problem] = []
    signed = _day(values["signed_on"], "signed_on", problems)
    season = values["season"].strip() or str(date.today().year)
    try:
        if problems or signed is None:
            problems += [] if signed else [Problem("signed_on", _("give the day signed"))]
            raise InvalidInputError(_("The commitment letter has mistakes."), problems)
        draft = CommitmentDraft(
            company=values["company"].strip(), season=season, signed_on=signed,
            signer_name=values["signer_name"], signer_title=values["signer_title"],
            regulator=values["regulator"].strip() or None,
        )  # fmt: skip
        letter = record_commitment(_store(request), caller, draft)
        if scan is not None:
            attach_commitment_letter(
                _store(request), caller, letter.id, name=scan[0], content=scan[1]
            )
    except REFUSALS as error:
        message, errors = _errors(error, language)
        status = {InvalidInputError: 422, ForbiddenError: 403}.get(type(error), 409)
        return _commitments_page(
            request, caller, season if len(season) <= 9 else "2026", status=status,
            message=message, errors=errors, values=values,
        )  # fmt: skip
    return RedirectResponse(f"{COMMITMENTS}?season={season}&done=recorded", status_code=303)
