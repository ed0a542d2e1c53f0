"""Recording a complaint or an appeal (``/app/cases/new``), and the case pages' forms as the
user filled them.

A carrier's service centre records the complaints (投诉) made to it, a postal administration's
desk the appeals (申诉) it receives; the form reads its fields into the application layer's
:class:`CaseDraft` (and a step's form into :class:`StepInput`) and locates every mistake at the
field it concerns — the field names are the locations
:class:`~peakguard.errors.InvalidInputError` uses (``summary``, ``complainant_phone`` for
``complainant.phone``, ``answer``, ``finding_category`` …) — so the page shows each one beside
its field and keeps what was typed. Both routes need ``case.handle``, as ``POST /cases`` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from peakguard.app.case_drafts import CaseDraft, StepInput, check_draft
from peakguard.app.cases import open_case
from peakguard.cases.model import CaseKind, Category, Complainant, Intake, RejectionReason
from peakguard.domain.regions import reference_regions
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.case_views import (
    carrier_choices,
    case_path,
    category_text,
    channel_text,
    kind_text,
    recordable,
)
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page

router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = ()
"""Reached from the list's "Record an appeal" / "Record a complaint" button."""
Handler = Annotated[Principal, page_requires(Permission.case_handle)]
Text = Annotated[str, Query(max_length=200)]
Field = Annotated[str, Form(max_length=20_000)]
"""A form field: long enough that the application layer's own limit locates an overlong text."""

E = TypeVar("E", bound=StrEnum)

STEP_FIELDS = (
    "answer",
    "reason",
    "finding",
    "finding_category",
    "call_back",
    "carrier_organisation",
    "note",
)
"""The fields a step's form may carry, named as the application layer locates them."""


def field_name(location: str) -> str:
    """The form field of a problem's location (``complainant.phone`` → ``complainant_phone``)."""
    return location.replace(".", "_").replace("[", "_").replace("]", "")


def errors_of(problems: Iterable[Problem], language: str) -> dict[str, str]:
    """Each field's mistakes, in ``language``, joined."""
    found: dict[str, list[str]] = {}
    for problem in problems:
        found.setdefault(field_name(problem.location), []).append(render(problem.message, language))
    return {where: "; ".join(texts) for where, texts in found.items()}


def _choice(
    enumeration: type[E], text: str, where: str, message: Message, problems: list[Problem]
) -> E | None:
    if not text:
        problems.append(Problem(where, message))
        return None
    try:
        return enumeration(text)
    except ValueError:
        problems.append(Problem(where, _("{value} is not one of the choices offered", value=text)))
        return None


def china_moment(text: str) -> datetime:
    """``2026-10-08T14:30`` read as China time (a moment with its own offset is kept)."""
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_STANDARD_TIME)


@dataclass
class CaseForm:
    """The form recording a complaint (a carrier's service centre) or an appeal (a postal
    administration's desk), as typed."""

    kind: str = ""
    carrier: str = ""
    region: str = ""
    channel: str = ""
    category: str = ""
    summary: str = ""
    received_at: str = ""
    waybill: str = ""
    complainant_name: str = ""
    complainant_phone: str = ""
    complainant_address: str = ""
    dispute_on: str = ""
    emergency: bool = False
    linked_reference: str = ""

    def draft(self, now: datetime) -> tuple[CaseDraft | None, list[Problem]]:
        """The draft the form describes, or None with every mistake located at its field
        (those of the fields read here and those the application layer's check finds)."""
        problems: list[Problem] = []
        kind = _choice(CaseKind, self.kind, "kind", _("choose complaint or appeal"), problems)
        channel = _choice(
            Intake, self.channel, "channel", _("choose how the case came in"), problems
        )
        category = _choice(
            Category, self.category, "category", _("choose what the user complains of"), problems
        )
        received = now
        try:
            received = china_moment(self.received_at)
        except ValueError:
            problems.append(
                Problem(
                    "received_at",
                    _("give the day and time it arrived, as 2026-10-08 14:30 (China time)"),
                )
            )
        dispute: date | None = None
        if self.dispute_on.strip():
            try:
                dispute = date.fromisoformat(self.dispute_on.strip())
            except ValueError:
                problems.append(Problem("dispute_on", _("give a day, as 2026-10-08")))
        person = None
        if any(
            text.strip()
            for text in (self.complainant_name, self.complainant_phone, self.complainant_address)
        ):
            person = Complainant(
                name=self.complainant_name.strip(),
                phone=self.complainant_phone.strip(),
                address=self.complainant_address.strip(),
            )
        draft = CaseDraft(
            kind=kind or CaseKind.appeal,
            carrier=self.carrier.strip().upper(),
            region=self.region.strip(),
            channel=channel or Intake.web_12305,
            category=category or Category.other,
            summary=self.summary,
            received_at=received,
            waybill=self.waybill.strip() or None,
            complainant=person,
            dispute_on=dispute,
            emergency=self.emergency and kind is CaseKind.complaint,
            linked_reference=self.linked_reference.strip() or None,
        )
        seen = {problem.location for problem in problems}
        problems += [p for p in check_draft(draft) if p.location not in seen]
        return (None, problems) if problems else (draft, [])

    def values(self) -> dict[str, object]:
        return {item.name: getattr(self, item.name) for item in fields(self)}


@dataclass
class StepForm:
    """One step's form as typed: the action, the case's version the user read, and the fields
    the step carries."""

    action: str = ""
    version: str = ""
    answer: str = ""
    reason: str = ""
    finding: str = ""
    finding_category: str = ""
    call_back: str = ""
    carrier_organisation: str = ""
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def expected_version(self, problems: list[Problem]) -> int:
        try:
            return int(self.version)
        except ValueError:
            problems.append(
                Problem("version", _("the form lost the case's version: open the case again"))
            )
            return -1

    def step_input(self, problems: list[Problem]) -> StepInput:
        """The fields as the application layer takes them; a choice that is not one of those
        offered is a located mistake."""
        reason = None
        if self.reason:
            reason = _choice(RejectionReason, self.reason, "reason", _("choose a reason"), problems)
        category = None
        if self.finding_category:
            category = _choice(
                Category, self.finding_category, "finding_category", _("choose one"), problems
            )
        valid = {"valid": True, "not_valid": False}.get(self.finding)
        if self.finding and valid is None:
            problems.append(
                Problem(
                    "finding", _("{value} is not one of the choices offered", value=self.finding)
                )
            )
        if valid is False:
            category = None  # a finding of no responsibility names no category
        return StepInput(
            answer=self.answer or None,
            reason=reason,
            finding_valid=valid,
            finding_category=category,
            call_back=self.call_back or None,
            carrier_organisation=self.carrier_organisation.strip() or None,
            note=self.note or None,
        )

    def typed(self) -> dict[str, str]:
        """What the user typed into the step's fields (kept when the step is refused)."""
        return {name: getattr(self, name) for name in STEP_FIELDS}


# --- the page recording a case -------------------------------------------------------------


def _region_choices(caller: Principal) -> list[tuple[str, str]]:
    """The divisions of a regulator's territory (a city's districts, a province's cities and
    counties) offered beside the region field; none for a wider reach."""
    prefix = caller.organisation.region
    if not prefix or caller.organisation.kind is not OrganisationKind.regulator:
        return []
    stem = prefix.rstrip("0") if len(prefix.rstrip("0")) >= 2 else prefix
    return sorted(
        (code, region.name) for code, region in reference_regions().items() if code.startswith(stem)
    )[:400]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _now() -> datetime:
    return datetime.now(UTC)


def _case_form(
    request: Request,
    caller: Principal,
    form: CaseForm,
    *,
    errors: dict[str, str] | None = None,
    refusal: str = "",
    status: int = 200,
) -> Response:
    language = page_language(request)
    kinds = recordable(caller) or (CaseKind.appeal,)
    values = {
        "form": form,
        "errors": errors or {},
        "refusal": refusal,
        "kinds": [(k.value, kind_text(k.value, language)) for k in kinds],
        "carriers": carrier_choices(caller, language),
        "channels": [(c.value, channel_text(c.value, language)) for c in Intake],
        "categories": [(c.value, category_text(c.value, language)) for c in Category],
        "regions": _region_choices(caller),
    }
    title = render(
        _("Record a complaint") if form.kind == CaseKind.complaint.value else _("Record an appeal"),
        language,
    )
    return render_page(request, caller, "case_new.html", values, status=status, title=title)


@router.get("/cases/new")
def new_case(request: Request, caller: Handler, kind: Text = "", linked: Text = "") -> Response:
    """The form recording a complaint or an appeal, the day and time filled in with now."""
    kinds = recordable(caller) or (CaseKind.appeal,)
    chosen = kind if kind in {k.value for k in kinds} else kinds[0].value
    complaint = chosen == CaseKind.complaint.value
    form = CaseForm(
        kind=chosen,
        carrier=caller.organisation.carrier or "",
        region=caller.organisation.region or "",
        channel=(Intake.carrier_hotline if complaint else Intake.phone_12305).value,
        received_at=_now().astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%dT%H:%M"),
        linked_reference=linked.strip(),
    )
    return _case_form(request, caller, form)


@router.post("/cases/new")
def record_case(
    request: Request,
    caller: Handler,
    kind: Field = "",
    carrier: Field = "",
    region: Field = "",
    channel: Field = "",
    category: Field = "",
    summary: Field = "",
    received_at: Field = "",
    waybill: Field = "",
    complainant_name: Field = "",
    complainant_phone: Field = "",
    complainant_address: Field = "",
    dispute_on: Field = "",
    emergency: Field = "",
    linked_reference: Field = "",
) -> Response:
    """Record the case and go to its page; or show the form again, each mistake beside its
    field and everything typed kept."""
    language = page_language(request)
    form = CaseForm(
        kind, carrier, region, channel, category, summary, received_at, waybill,
        complainant_name, complainant_phone, complainant_address, dispute_on,
        bool(emergency), linked_reference,
    )  # fmt: skip
    draft, problems = form.draft(_now())
    if draft is None:
        return _case_form(request, caller, form, errors=errors_of(problems, language), status=422)
    try:
        view = open_case(_store(request), draft, actor=caller)
    except InvalidInputError as error:
        errors = errors_of(error.problems, language)
        return _case_form(request, caller, form, errors=errors, status=422)
    except NotFoundError as error:  # the complaint it follows is not within reach
        errors = {"linked_reference": render(error.message, language)}
        return _case_form(request, caller, form, errors=errors, status=422)
    except ForbiddenError as error:
        refusal = render(error.message, language)
        return _case_form(request, caller, form, refusal=refusal, status=403)
    return RedirectResponse(case_path(view.reference), status_code=303)
