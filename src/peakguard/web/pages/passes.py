"""Pages: the pass registers (车辆通行证, 人员白名单, 场地作业许可).

- ``/app/supply/passes`` (``supply.read``): the registers within reach — vehicle passes, white
  list entries (masked IDs only) and site permits — those ending soonest first, the ones ending
  within two days marked, the expired after; for a holder of ``supply.operate`` a form that
  records a pass of its own brand.
- ``POST /app/supply/passes`` (``supply.operate``): record a pass from that form; back to the
  registers, or to the form with each mistake beside its field. Revoking is ``peakguard
  supply pass revoke`` and the API's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from peakguard.app.passes import PassDraft, list_passes, record_pass
from peakguard.errors import ForbiddenError, InvalidInputError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store
from peakguard.supply.passes import PassKind, expiring_soon
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page

router = APIRouter(prefix="/app", include_in_schema=False)
PASSES = "/app/supply/passes"
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(
        PASSES,
        _("Passes and white lists"),
        Permission.supply_read,
        63,
        kinds=frozenset({OrganisationKind.regulator, OrganisationKind.carrier}),
    ),
)
Reader = Annotated[Principal, page_requires(Permission.supply_read)]
Operator = Annotated[Principal, page_requires(Permission.supply_operate)]
FIELDS = ("kind", "holder", "region", "valid_from", "valid_until", "issuer", "id_number",
          "carrier")  # fmt: skip
KIND_LABELS: dict[PassKind, Message] = {
    PassKind.vehicle: _("Vehicle pass"),
    PassKind.person: _("White list"),
    PassKind.site: _("Site permit"),
}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _registers_page(
    request: Request,
    caller: Principal,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    language = page_language(request)
    today = datetime.now(UTC).date()
    found = list_passes(_store(request), caller, today=today)
    rows = [
        {
            "record": record,
            "kind": render(KIND_LABELS[record.entry.kind], language),
            "soon": expiring_soon(record.entry, today),
            "expired": record.entry.valid_until < today,
        }
        for record in found
    ]
    values = values or {"kind": PassKind.vehicle.value, "valid_from": today.isoformat()}
    page = {
        "rows": rows, "today": today, "values": values, "errors": errors or {},
        "may_record": caller.may(Permission.supply_operate),
        "system": caller.organisation.kind is OrganisationKind.system,
        "kinds": [(kind.value, render(label, language)) for kind, label in KIND_LABELS.items()],
        "done": request.query_params.get("recorded", "")[:12],
    }  # fmt: skip
    title = render(_("Passes and white lists"), language)
    return render_page(request, caller, "passes.html", page, status=status, title=title)


@router.get("/supply/passes")
def passes_page(request: Request, caller: Reader) -> Response:
    return _registers_page(request, caller)


def _day(values: dict[str, str], name: str, problems: list[Problem]) -> date:
    try:
        return date.fromisoformat(values[name])
    except ValueError:
        problems.append(Problem(name, _("Give a day as 2026-11-16.")))
        return date.min


@router.post("/supply/passes")
async def record_pass_form(request: Request, caller: Operator) -> Response:
    """Record a pass of the caller's brand (the system names the brand)."""
    language = page_language(request)
    form = await request.form()
    values = {name: str(form.get(name, ""))[:200].strip() for name in FIELDS}
    problems: list[Problem] = []
    if values["kind"] not in tuple(PassKind):
        problems.append(Problem("kind", _("Choose the register: vehicle, person or site.")))
    first, last = _day(values, "valid_from", problems), _day(values, "valid_until", problems)
    carrier = values["carrier"] if caller.organisation.kind is OrganisationKind.system else (
        caller.organisation.carrier or "")  # fmt: skip
    try:
        if problems:
            raise InvalidInputError(_("The pass cannot be recorded."), problems)
        draft = PassDraft(
            kind=PassKind(values["kind"]), holder=values["holder"], region=values["region"],
            valid_from=first, valid_until=last, issuer=values["issuer"],
            id_number=values["id_number"],
        )  # fmt: skip
        saved = record_pass(_store(request), caller, carrier=carrier, draft=draft)
    except InvalidInputError as error:
        errors = {p.location: render(p.message, language) for p in reversed(error.problems)}
        values["id_number"] = ""  # never shown back
        return _registers_page(request, caller, values=values, errors=errors, status=422)
    except ForbiddenError as error:
        values["id_number"] = ""
        errors = {"region": render(error.message, language)}
        return _registers_page(request, caller, values=values, errors=errors, status=403)
    return RedirectResponse(f"{PASSES}?recorded={saved.id}", status_code=303)
