"""What a desk types in when it records a case or takes a step, and the checks that locate
every mistake at its field before anything is written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from peakguard.app.case_views import CaseView
from peakguard.cases.model import CaseKind, Category, Complainant, Intake, RejectionReason
from peakguard.domain.regions import reference_regions
from peakguard.domain.text import hidden_character
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _

SUMMARY_LIMIT = 4000
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=400)
"""How far ahead of this server's clock a received moment may be: generous (a desk entering
a scheduled case, a test of next year's deadlines), but a typed 2062 or 9999 is refused before
any deadline is counted from it."""
WAYBILL = re.compile(r"^[A-Za-z0-9-]{6,40}$")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")


@dataclass(frozen=True)
class CaseDraft:
    """What a desk records when a complaint or an appeal arrives."""

    kind: CaseKind
    carrier: str
    region: str
    channel: Intake
    category: Category
    summary: str
    received_at: datetime
    waybill: str | None = None
    complainant: Complainant | None = None
    dispute_on: date | None = None
    emergency: bool = False
    linked_reference: str | None = None
    source_reference: str | None = None


@dataclass(frozen=True)
class StepInput:
    """The fields a step may carry (each step says which it needs)."""

    answer: str | None = None
    reason: RejectionReason | None = None
    finding_valid: bool | None = None
    finding_category: Category | None = None
    call_back: str | None = None
    carrier_organisation: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class CaseQuery:
    """The desk's filters; ``overdue`` keeps cases with a clock past its deadline."""

    kinds: tuple[CaseKind, ...] = ()
    states: tuple[str, ...] = ()
    carriers: tuple[str, ...] = ()
    region: str | None = None
    overdue: bool = False
    search: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    offset: int = 0
    limit: int = 50
    order: str = "deadline"
    """``deadline`` (the most urgent first), ``-received_at`` (newest first), ``received_at``,
    ``-updated_at``, ``reference``."""


@dataclass(frozen=True)
class CasePage:
    cases: tuple[CaseView, ...]
    total: int
    query: CaseQuery = field(default_factory=CaseQuery)


def clean_text(value: str | None, where: str, problems: list[Problem], limit: int) -> str | None:
    if value is None:
        return None
    # Free text is kept as typed (NFKC would turn Chinese full-width punctuation into ASCII);
    # only what a reader cannot see is refused.
    text = value.strip()
    hidden = hidden_character(text.replace("\n", " ").replace("\r", " "), allow_tab=True)
    if hidden is not None:
        problems.append(Problem(where, _("contains an invisible character {c}", c=hidden)))
    if len(text) > limit:
        problems.append(
            Problem(where, _("is {n} characters long; at most {limit}", n=len(text), limit=limit))
        )
    return text or None


def check_draft(draft: CaseDraft, *, now: datetime | None = None) -> list[Problem]:
    """Every mistake of ``draft``, each at its field (``now``: the moment it is recorded)."""
    problems: list[Problem] = []
    if draft.region not in reference_regions():
        problems.append(
            Problem(
                "region",
                _(
                    "{code} is not a GB/T 2260 region code; give the six-digit code of the "
                    "county, city or province the case concerns",
                    code=draft.region,
                ),
            )
        )
    if not draft.carrier or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", draft.carrier):
        problems.append(Problem("carrier", _("give the carrier's code, such as ZTO or SF")))
    summary = clean_text(draft.summary, "summary", problems, SUMMARY_LIMIT)
    if not summary:
        problems.append(Problem("summary", _("say what the complaint is about")))
    if draft.waybill is not None and not WAYBILL.fullmatch(draft.waybill):
        problems.append(
            Problem("waybill", _("a waybill number is 6 to 40 letters, digits or hyphens"))
        )
    if draft.received_at.tzinfo is None:
        problems.append(Problem("received_at", _("give the moment with its time zone")))
    elif not EARLIEST <= draft.received_at <= (now or datetime.now(UTC)) + FUTURE_TOLERANCE:
        problems.append(
            Problem(
                "received_at",
                _("give a moment from the year 2000 to a year from now"),
            )
        )
    if draft.dispute_on is not None and draft.dispute_on < EARLIEST.date():
        problems.append(Problem("dispute_on", _("give a day from 2000 on")))
    elif draft.dispute_on is not None and draft.dispute_on > draft.received_at.date():
        problems.append(Problem("dispute_on", _("the dispute cannot be after the case arrived")))
    person = draft.complainant
    if person is not None:
        clean_text(person.name, "complainant.name", problems, 100)
        clean_text(person.address, "complainant.address", problems, 300)
        if person.phone and not PHONE.fullmatch(person.phone):
            problems.append(Problem("complainant.phone", _("give a phone number of digits")))
    return problems


def refuse(problems: list[Problem]) -> None:
    if problems:
        raise InvalidInputError(_("The case has {n} mistakes.", n=len(problems)), problems)
