"""The bodies of the cases' routes (complaints, appeals, the working-day calendar), and the
mapping from the application's :class:`~peakguard.app.case_views.CaseView` to what the API
serves. Kept apart from the router as the bulletin's are; ``peakguard cases`` prints the same
fields."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import AwareDatetime, Field

from peakguard.api.schemas import ErrorBody, RequestModel, ResponseModel, StoredMoment
from peakguard.app.case_drafts import SUMMARY_LIMIT
from peakguard.app.case_views import CaseView, ClockView
from peakguard.cases.model import Action, CaseKind, Category, Intake, RejectionReason, Side, label
from peakguard.formats.limits import INT64_MAX
from peakguard.i18n import render

# -- request bodies ------------------------------------------------------------------------------


class ComplainantIn(RequestModel):
    """The person behind the case: stored encrypted, shown masked to all but its handlers."""

    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(default="", max_length=20)
    """Empty when the user gave none (a letter)."""
    address: str = Field(default="", max_length=300)


class CaseIn(RequestModel):
    """A complaint (recorded by the carrier it is made to) or an appeal (recorded by the
    postal administration of its territory), as ``peakguard cases open`` takes it."""

    kind: CaseKind
    carrier: str = Field(max_length=64, examples=["ZTO"])
    region: str = Field(max_length=6, examples=["510104"])
    """The GB/T 2260 code of the county, city or province the case concerns."""
    channel: Intake
    category: Category
    summary: str = Field(max_length=SUMMARY_LIMIT)
    received_at: AwareDatetime
    waybill: str | None = Field(default=None, max_length=40)
    complainant: ComplainantIn | None = None
    dispute_on: date | None = None
    """The day of the service dispute (an appeal must come within a year of it)."""
    emergency: bool = False
    """An emergency work order (应急工单): a complaint about a controlled area, with shorter
    clocks and a mandatory call-back."""
    linked_reference: str | None = Field(default=None, max_length=40)
    """The complaint an appeal follows (it is escalated in the same transaction)."""


class StepIn(RequestModel):
    """One step of a case's workflow, as ``peakguard cases step`` takes it; each action needs
    some of the fields (a case's ``allowed`` lists them)."""

    action: Action
    expected_version: int | None = Field(default=None, ge=1, le=INT64_MAX)
    """The version of the case the step was decided on (or send it as ``If-Match``)."""
    answer: str | None = Field(default=None, max_length=SUMMARY_LIMIT)
    reason: RejectionReason | None = None
    finding_valid: bool | None = None
    """Whether the carrier bears service-quality responsibility (a valid appeal)."""
    finding_category: Category | None = None
    call_back: str | None = Field(default=None, max_length=SUMMARY_LIMIT)
    carrier_organisation: str | None = Field(default=None, max_length=64)
    """The code of the carrier organisation an appeal is forwarded to."""
    note: str | None = Field(default=None, max_length=SUMMARY_LIMIT)


class DayRangeIn(RequestModel):
    """Days in a row, both included."""

    from_: date = Field(alias="from")
    to: date


NoticeDay = date | DayRangeIn


class NoticeIn(RequestModel):
    """A year's holiday notice of the State Council (国务院办公厅关于…部分节假日安排的通知), for
    a year the calendar package does not know yet; the same fields as the TOML file
    ``peakguard calendar load`` reads."""

    year: int = Field(ge=2000, le=2100)
    source: str = Field(min_length=1, max_length=200, examples=["国办发明电〔2026〕X号"])
    rest_days: list[NoticeDay] = Field(min_length=1, max_length=366)
    """The statutory holidays and the weekdays given off."""
    working_days: list[NoticeDay] = Field(default_factory=list, max_length=366)
    """The make-up working days (调休: weekend days worked)."""


# -- responses ----------------------------------------------------------------------------------


class ComplainantOut(ResponseModel):
    name: str | None
    phone: str | None
    address: str | None
    in_clear: bool
    """False everywhere but ``GET /cases/{reference}/personal``: ``张**``, ``138****5678``."""


class ClockOut(ResponseModel):
    """One legal clock, with the rule it runs by and the convention it is counted by."""

    rule_key: str
    limit: int
    basis: str
    """``calendar_days``, ``working_days`` (China's, with 调休) or ``hours``."""
    source: str
    """The regulation the limit comes from."""
    convention: str | None
    """How the deadline is counted, in a sentence (in the request's language)."""
    started_at: StoredMoment
    due_at: StoredMoment | None
    """None while the calendar of a year the count reaches is not loaded (``unscheduled``)."""
    outcome: str
    """``running``, ``met``, ``breached``, ``cancelled``, ``paused`` or ``unscheduled``."""
    stopped_at: StoredMoment | None
    reason: str | None
    breached_at: StoredMoment | None
    overdue: bool
    """Running past its deadline now (whether or not the sweep has marked it yet)."""


class StepOut(ResponseModel):
    seq: int
    action: str
    from_state: str
    to_state: str
    actor: str
    organisation: str
    at: StoredMoment
    note: str | None


class EvidenceOut(ResponseModel):
    sha256: str
    file_name: str
    media_type: str
    size: int
    added_by: str
    added_at: StoredMoment


class AllowedStepOut(ResponseModel):
    action: str
    label: str
    side: Side
    needs: list[str]
    """The fields of :class:`StepIn` the step must carry (``finding`` is ``finding_valid``)."""


class CaseOut(ResponseModel):
    """A case as its reader may see it; in a list, without its steps and evidence."""

    reference: str
    kind: CaseKind
    state: str
    emergency: bool
    waybill: str | None
    carrier: str
    region: str
    channel: str
    category: str
    summary: str
    complainant: ComplainantOut
    received_at: StoredMoment
    dispute_on: date | None
    answer: str | None
    finding_valid: bool | None
    finding_category: str | None
    rejection_reason: str | None
    call_back_result: str | None
    linked_reference: str | None
    carrier_organisation: str | None
    version: int
    """Send it back as ``expected_version`` (or ``If-Match``) with a step."""
    closed_at: StoredMoment | None
    retention_until: StoredMoment | None
    personal_data_removed: bool
    overdue: bool
    clocks: list[ClockOut]
    steps: list[StepOut]
    evidence: list[EvidenceOut]
    allowed: list[AllowedStepOut]
    """The steps the caller may take now."""


class PersonalOut(ResponseModel):
    reference: str
    complainant: ComplainantOut
    personal_data_removed: bool


class StepRefusalBody(ErrorBody):
    allowed: list[str] = Field(default_factory=list)
    """The actions the case's state allows (empty: a stale version, or a final state)."""


class StepRefusalOut(ResponseModel):
    """A step refused: illegal from the case's state, or decided on a stale version."""

    error: StepRefusalBody


class SweepOut(ResponseModel):
    ran: bool
    """False when another sweep held the lock (it records what this one would have)."""
    reminders: int
    breaches: int
    examined: int


class NoticeLoadedOut(ResponseModel):
    year: int
    source: str
    rescheduled: int
    """Clocks that waited for this year's calendar and now have a deadline."""


class CalendarYearOut(ResponseModel):
    year: int
    source: str


# -- mapping ------------------------------------------------------------------------------------


def _clock_out(clock: ClockView, language: str, now: datetime) -> ClockOut:
    return ClockOut(
        rule_key=clock.rule_key,
        limit=clock.limit,
        basis=clock.basis,
        source=clock.source,
        convention=None if clock.convention is None else render(clock.convention, language),
        started_at=clock.started_at,
        due_at=clock.due_at,
        outcome=clock.outcome,
        stopped_at=clock.stopped_at,
        reason=clock.reason,
        breached_at=clock.breached_at,
        overdue=clock.overdue(now),
    )


def _complainant_out(view: CaseView) -> ComplainantOut:
    person = view.complainant
    return ComplainantOut(
        name=person.name, phone=person.phone, address=person.address, in_clear=person.in_clear
    )


def case_out(view: CaseView, language: str, now: datetime | None = None) -> CaseOut:
    """``view`` as the API serves it, its sentences in ``language``."""
    moment = now or datetime.now(UTC)
    clocks = [_clock_out(clock, language, moment) for clock in view.clocks]
    return CaseOut(
        reference=view.reference,
        kind=CaseKind(view.kind),
        state=view.state,
        emergency=view.emergency,
        waybill=view.waybill,
        carrier=view.carrier,
        region=view.region,
        channel=view.channel,
        category=view.category,
        summary=view.summary,
        complainant=_complainant_out(view),
        received_at=view.received_at,
        dispute_on=view.dispute_on,
        answer=view.answer,
        finding_valid=view.finding_valid,
        finding_category=view.finding_category,
        rejection_reason=view.rejection_reason,
        call_back_result=view.call_back_result,
        linked_reference=view.linked_reference,
        carrier_organisation=view.carrier_organisation,
        version=view.version,
        closed_at=view.closed_at,
        retention_until=view.retention_until,
        personal_data_removed=view.personal_data_removed,
        overdue=any(clock.overdue for clock in clocks),
        clocks=clocks,
        steps=[
            StepOut(
                seq=step.seq,
                action=step.action,
                from_state=step.source_state,
                to_state=step.target_state,
                actor=step.actor,
                organisation=step.organisation,
                at=step.at,
                note=step.note,
            )
            for step in view.steps
        ],
        evidence=[EvidenceOut(**vars(item)) for item in view.evidence],
        allowed=[
            AllowedStepOut(
                action=move.action,
                label=render(label(Action(move.action)), language),
                side=move.side,
                needs=list(move.needs),
            )
            for move in view.allowed
        ],
    )


class ImportOut(ResponseModel):
    """What an import did: the cases it opened (in file order), the rows an earlier import
    already kept, the file's headings that are no column of a case file."""

    created: int
    skipped_existing: int
    references: list[str]
    ignored_columns: list[str]


class EvidenceAddedOut(ResponseModel):
    """The evidence file as kept; ``added`` is false when the case already had these bytes."""

    sha256: str
    file_name: str
    media_type: str
    size: int
    added: bool


class ReminderOut(ResponseModel):
    """A reminder the overdue sweep raised: a deadline near (``before``) or reached (``due``)."""

    id: int
    kind: str
    reference: str
    rule_key: str
    due_at: StoredMoment | None
    created_at: StoredMoment
    acknowledged_at: StoredMoment | None
    acknowledged_by: str | None


class AcknowledgedOut(ResponseModel):
    """``acknowledged`` is false when the reminder had been acknowledged before."""

    id: int
    acknowledged: bool
