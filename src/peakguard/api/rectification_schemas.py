"""The rectification routes' request and response bodies, apart from the tables."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import Field, JsonValue

from peakguard.api.schemas import RequestModel, ResponseModel
from peakguard.app.penalties import PenaltyView
from peakguard.app.rectification import OrderLine, OrderView
from peakguard.app.rectification_views import OrderClock
from peakguard.cases.rectification import (
    DeadlineBasis,
    DeadlineSpec,
    basis_label,
    state_label,
    step_label,
)
from peakguard.cases.security_rules import SecurityRule
from peakguard.i18n import render

Text = Annotated[str, Field(min_length=1, max_length=8000)]
Version = Annotated[int, Field(ge=1)]
Fine = Annotated[int, Field(ge=0, le=100_000_000)]
RuleKey = Annotated[str, Field(min_length=1, max_length=48)]


class DeadlineIn(RequestModel):
    """A date (``on``), or ``days`` calendar or working days from the day of issue."""

    basis: DeadlineBasis
    days: Annotated[int, Field(ge=1, le=366)] | None = None
    on: date | None = None

    def spec(self) -> DeadlineSpec:
        return DeadlineSpec(self.basis, days=self.days, on=self.on)


class OrderIn(RequestModel):
    """From a finding (``finding_id``) or on the spot (carrier, region, place, facts)."""

    requirement: Text
    deadline: DeadlineIn
    rules: Annotated[list[RuleKey], Field(max_length=20)] = Field(default_factory=list)
    finding_id: Annotated[int, Field(ge=1)] | None = None
    carrier: Annotated[str, Field(max_length=64)] | None = None
    region: Annotated[str, Field(pattern=r"^[1-8][0-9]{5}$")] | None = None
    node_id: Annotated[str, Field(max_length=64)] | None = None
    place: Annotated[str, Field(max_length=8000)] = ""
    facts: Annotated[str, Field(max_length=8000)] = ""


class RespondIn(RequestModel):
    expected_version: Version
    text: Text


class ExtensionIn(RequestModel):
    expected_version: Version
    reason: Text
    deadline: DeadlineIn


class AnswerIn(RequestModel):
    expected_version: Version
    grant: bool
    reason: Annotated[str, Field(max_length=8000)] = ""


class RecheckIn(RequestModel):
    expected_version: Version
    passed: bool
    text: Text


class EscalateIn(RequestModel):
    expected_version: Version
    text: Annotated[str, Field(max_length=8000)] = ""


class FineIn(RequestModel):
    expected_version: Version
    company_fine: Fine
    person_fine: Fine | None = None
    serious: bool = False
    """情节严重: the range then runs from the ordinary maximum to the serious ceiling."""
    reason: Annotated[str, Field(max_length=8000)] = ""


class NotPunishIn(RequestModel):
    expected_version: Version
    reason: Text


class ClockOut(ResponseModel):
    rule_key: str
    basis: str
    basis_label: str
    limit: int | None
    source: str
    started_at: datetime
    due_at: datetime
    first_due_at: datetime
    outcome: str
    stopped_at: datetime | None
    seconds_left: float | None
    """Before the deadline while the clock runs (negative: overdue)."""
    overdue: bool


class StepOut(ResponseModel):
    seq: int
    step: str
    label: str
    state: str
    actor: str
    organisation: str
    at: datetime
    text: str
    detail: dict[str, JsonValue]


class PenaltyOut(ResponseModel):
    reference: str
    order: str
    state: str
    state_label: str
    rule: str
    law: str
    company_fine_min: int
    company_fine_max: int
    severe_fine_max: int | None
    person_fine_min: int | None
    person_fine_max: int | None
    serious: bool
    company_fine: int | None
    person_fine: int | None
    reason: str
    verified: bool
    """Whether the rule's article and range were confirmed against a published text."""
    version: int
    opened_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    allowed: list[str]


class OrderOut(ResponseModel):
    reference: str
    state: str
    state_label: str
    carrier: str
    region: str
    finding_id: int | None
    node_id: str | None
    place: str
    facts: str
    rules: list[str]
    requirement: str
    extension_used: bool
    escalation: str | None
    version: int
    issued_by: str
    issued_at: datetime
    closed_at: datetime | None
    clock: ClockOut | None
    steps: list[StepOut]
    penalty: str | None
    allowed: list[str]


class OrderLineOut(ResponseModel):
    reference: str
    state: str
    carrier: str
    region: str
    place: str
    rules: list[str]
    due_at: datetime | None
    seconds_left: float | None
    overdue: bool


class RuleOut(ResponseModel):
    key: str
    law: str
    law_en: str
    article: str
    text: str
    text_en: str
    penalty_law: str
    company_fine_min: int
    company_fine_max: int
    severe_fine_max: int | None
    person_fine_min: int | None
    person_fine_max: int | None
    measures: list[str]
    verified: bool
    note: str


class SweepOut(ResponseModel):
    recorded: int


def _seconds(left: timedelta | None) -> float | None:
    return None if left is None else left / timedelta(seconds=1)


def clock_out(clock: OrderClock | None, language: str) -> ClockOut | None:
    if clock is None:
        return None
    return ClockOut(
        rule_key=clock.rule_key, basis=clock.basis,
        basis_label=render(basis_label(clock.basis), language), limit=clock.limit,
        source=clock.source, started_at=clock.started_at, due_at=clock.due_at,
        first_due_at=clock.first_due_at, outcome=clock.outcome, stopped_at=clock.stopped_at,
        seconds_left=_seconds(clock.remaining), overdue=clock.overdue,
    )  # fmt: skip


def order_out(view: OrderView, language: str) -> OrderOut:
    order = view.order
    return OrderOut(
        reference=order.reference, state=order.state,
        state_label=render(state_label(order.state), language), carrier=order.carrier,
        region=order.region, finding_id=order.finding_id, node_id=order.node_id,
        place=order.place, facts=order.facts, rules=list(order.rule_keys),
        requirement=order.requirement, extension_used=order.extension_used,
        escalation=order.escalation, version=order.version, issued_by=order.issued_by,
        issued_at=order.issued_at, closed_at=order.closed_at,
        clock=clock_out(view.clock, language),
        steps=[
            StepOut(
                seq=step.seq, step=step.step, label=render(step_label(step.step), language),
                state=step.state, actor=step.actor, organisation=step.organisation, at=step.at,
                text=step.text, detail=step.detail,
            )
            for step in view.steps
        ],
        penalty=None if view.penalty is None else view.penalty.reference,
        allowed=list(view.allowed),
    )  # fmt: skip


def line_out(line: OrderLine) -> OrderLineOut:
    order = line.order
    return OrderLineOut(
        reference=order.reference, state=order.state, carrier=order.carrier,
        region=order.region, place=order.place, rules=list(order.rule_keys),
        due_at=line.due_at, seconds_left=_seconds(line.remaining), overdue=line.overdue,
    )  # fmt: skip


def penalty_out(view: PenaltyView, language: str) -> PenaltyOut:
    penalty = view.penalty
    return PenaltyOut(
        reference=penalty.reference, order=view.order.reference, state=penalty.state,
        state_label=render(state_label(penalty.state), language), rule=penalty.rule_key,
        law=penalty.penalty_law, company_fine_min=penalty.company_fine_min,
        company_fine_max=penalty.company_fine_max, severe_fine_max=penalty.severe_fine_max,
        person_fine_min=penalty.person_fine_min, person_fine_max=penalty.person_fine_max,
        serious=penalty.serious, company_fine=penalty.company_fine,
        person_fine=penalty.person_fine, reason=penalty.reason, verified=view.rule.verified,
        version=penalty.version, opened_at=penalty.opened_at, decided_at=penalty.decided_at,
        decided_by=penalty.decided_by, allowed=list(view.allowed),
    )  # fmt: skip


def rule_out(rule: SecurityRule, language: str) -> RuleOut:
    english = not language.startswith("zh")
    persons = rule.person_fine
    return RuleOut(
        key=rule.key, law=rule.law_zh, law_en=rule.law_en, article=rule.article,
        text=rule.text_zh, text_en=rule.text_en, penalty_law=rule.penalty_citation,
        company_fine_min=rule.company_fine.minimum, company_fine_max=rule.company_fine.maximum,
        severe_fine_max=rule.severe_fine_max,
        person_fine_min=None if persons is None else persons.minimum,
        person_fine_max=None if persons is None else persons.maximum,
        measures=list(rule.measures_en if english else rule.measures_zh),
        verified=rule.verified, note=rule.note,
    )  # fmt: skip
