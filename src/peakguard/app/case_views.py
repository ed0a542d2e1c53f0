"""What a reader of a case sees: the case with its clocks, steps and evidence, its
complainant masked unless the reader may and asked to see them in clear."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from peakguard.cases.clocks import ClockRule, describe
from peakguard.cases.machines import Step
from peakguard.i18n import Message
from peakguard.store.case_clocks import ClockRecord
from peakguard.store.cases import AttachmentRecord, StepRecord


@dataclass(frozen=True)
class ComplainantView:
    """The complainant's name, phone and address: masked (``张**``, ``138****5678``) unless
    ``in_clear``."""

    name: str | None
    phone: str | None
    address: str | None
    in_clear: bool


@dataclass(frozen=True)
class ClockView:
    """One legal clock of a case with its rule, basis, source and outcome."""

    id: int
    rule_key: str
    limit: int
    basis: str
    source: str
    convention: Message | None
    started_at: datetime
    due_at: datetime | None
    outcome: str
    stopped_at: datetime | None
    reason: str | None
    breached_at: datetime | None

    def overdue(self, now: datetime) -> bool:
        """Running past its deadline (a step at the deadline itself is still in time; the sweep
        may not have marked it yet)."""
        return self.outcome == "running" and self.due_at is not None and now > self.due_at


@dataclass(frozen=True)
class StepView:
    seq: int
    action: str
    source_state: str
    target_state: str
    actor: str
    organisation: str
    at: datetime
    note: str | None


@dataclass(frozen=True)
class EvidenceView:
    sha256: str
    file_name: str
    media_type: str
    size: int
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class CaseView:
    """A case as ``actor`` may see it; ``allowed`` are the steps ``actor`` may take now."""

    reference: str
    kind: str
    state: str
    emergency: bool
    waybill: str | None
    carrier: str
    region: str
    channel: str
    category: str
    summary: str
    complainant: ComplainantView
    received_at: datetime
    dispute_on: date | None
    answer: str | None
    finding_valid: bool | None
    finding_category: str | None
    rejection_reason: str | None
    call_back_result: str | None
    linked_reference: str | None
    carrier_organisation: str | None
    version: int
    closed_at: datetime | None
    retention_until: datetime | None
    personal_data_removed: bool
    clocks: tuple[ClockView, ...]
    steps: tuple[StepView, ...]
    evidence: tuple[EvidenceView, ...]
    allowed: tuple[Step, ...]


def clock_view(clock: ClockRecord, rule: ClockRule | None) -> ClockView:
    return ClockView(
        id=clock.id,
        rule_key=clock.rule_key,
        limit=clock.limit_value,
        basis=clock.basis,
        source=clock.source,
        convention=describe(rule) if rule is not None else None,
        started_at=clock.started_at,
        due_at=clock.due_at,
        outcome=clock.outcome,
        stopped_at=clock.stopped_at,
        reason=clock.reason,
        breached_at=clock.breached_at,
    )


def step_view(step: StepRecord) -> StepView:
    return StepView(
        seq=step.seq,
        action=step.action,
        source_state=step.source_state,
        target_state=step.target_state,
        actor=step.actor,
        organisation=step.organisation,
        at=step.at,
        note=step.note,
    )


def evidence_view(attachment: AttachmentRecord) -> EvidenceView:
    return EvidenceView(
        sha256=attachment.sha256,
        file_name=attachment.file_name,
        media_type=attachment.media_type,
        size=attachment.size,
        added_by=attachment.added_by,
        added_at=attachment.added_at,
    )
