"""The tables of complaints (投诉) and appeals (申诉): the cases, their steps, legal clocks and
the reminders the overdue sweep raises, their evidence files, the per-kind-per-year counters
of their references, and the holiday notices an administrator loaded.

A complainant's name, phone and address are kept only as Fernet tokens
(:mod:`peakguard.store.personal`), with a keyed digest of the phone to find repeat callers
without decrypting; the key lives outside the database.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class CaseCounterRow(Base):
    """The last number given to a case of ``kind`` received in ``year``: references are
    allocated by one atomic upsert of this row, so concurrent openings never share one."""

    __tablename__ = "case_counters"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class CaseRow(Base):
    """A complaint or an appeal. ``version`` rises with every change: an update names the
    version it read (optimistic locking)."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    """``TS2026-000042`` (a complaint, 投诉) or ``SS2026-000042`` (an appeal, 申诉)."""
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(32), index=True)
    emergency: Mapped[bool] = mapped_column(Boolean)
    waybill: Mapped[str | None] = mapped_column(String(40))
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    """The brand code the case concerns."""
    region: Mapped[str] = mapped_column(String(6), index=True)
    """The GB/T 2260 code of the place the case concerns (the consumer's county or city)."""
    channel: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text)
    complainant_name: Mapped[bytes | None] = mapped_column(LargeBinary)
    complainant_phone: Mapped[bytes | None] = mapped_column(LargeBinary)
    complainant_address: Mapped[bytes | None] = mapped_column(LargeBinary)
    complainant_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    """HMAC-SHA-256 of the phone under a key derived from the personal-data secret."""
    received_at: Mapped[datetime] = mapped_column(Moment(), index=True)
    dispute_on: Mapped[date | None] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)
    finding_valid: Mapped[bool | None] = mapped_column(Boolean)
    finding_category: Mapped[str | None] = mapped_column(String(32))
    rejection_reason: Mapped[str | None] = mapped_column(String(40))
    call_back_result: Mapped[str | None] = mapped_column(Text)
    linked_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    """An appeal's complaint."""
    handling_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    """Who works the case now: the regulator's office, or the carrier it is forwarded to."""
    carrier_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    source_reference: Mapped[str | None] = mapped_column(String(64))
    """The case's id in the 12305 or carrier export it was imported from."""
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Moment())
    updated_at: Mapped[datetime] = mapped_column(Moment())
    closed_at: Mapped[datetime | None] = mapped_column(Moment())
    retention_until: Mapped[datetime | None] = mapped_column(Moment(), index=True)
    personal_data_removed_at: Mapped[datetime | None] = mapped_column(Moment())
    __table_args__ = (UniqueConstraint("channel", "source_reference", name="uq_cases_source"),)


class CaseStepRow(Base):
    """One transition of a case, numbered from 1 in the order taken."""

    __tablename__ = "case_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    source_state: Mapped[str] = mapped_column(String(32))
    target_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Moment())
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_steps_seq"),)


class CaseClockRow(Base):
    """A legal clock: its rule, basis and limit as they were when it started (a later change
    of the rules file does not rewrite history), its deadline and its outcome."""

    __tablename__ = "case_clocks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    rule_key: Mapped[str] = mapped_column(String(48))
    basis: Mapped[str] = mapped_column(String(16))
    limit_value: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(Moment())
    due_at: Mapped[datetime | None] = mapped_column(Moment())
    """NULL while unscheduled: the deadline reaches a year whose calendar is not loaded."""
    outcome: Mapped[str] = mapped_column(String(16))
    """running, met, breached, paused, cancelled or unscheduled."""
    stopped_at: Mapped[datetime | None] = mapped_column(Moment())
    paused_at: Mapped[datetime | None] = mapped_column(Moment())
    reason: Mapped[str | None] = mapped_column(Text)
    breached_at: Mapped[datetime | None] = mapped_column(Moment())
    """When the overdue sweep found it running past its deadline (set once)."""
    __table_args__ = (Index("ix_case_clocks_outcome_due_at", "outcome", "due_at"),)


class CaseReminderRow(Base):
    """A reminder of a clock to the responsible organisation: ``before`` the deadline, at it
    (``due``), or of its ``breach``. One of each kind per clock, by the unique constraint,
    however many sweeps run at once."""

    __tablename__ = "case_reminders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("case_clocks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(Moment())
    acknowledged_at: Mapped[datetime | None] = mapped_column(Moment())
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (UniqueConstraint("clock_id", "kind", name="uq_case_reminders_kind"),)


class CaseAttachmentRow(Base):
    """An evidence file of a case, by content hash (its bytes are in ``attachment_blobs``)."""

    __tablename__ = "case_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blobs.sha256"))
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(Moment())
    __table_args__ = (UniqueConstraint("case_id", "sha256", name="uq_case_attachments_sha256"),)


class AttachmentBlobRow(Base):
    """A file's bytes, kept once however many cases attach it."""

    __tablename__ = "attachment_blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class CalendarNoticeRow(Base):
    """A year's holiday notice (国务院办公厅 notice) loaded by an administrator: it replaces the
    calendar package's year."""

    __tablename__ = "calendar_notices"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rest_days: Mapped[str] = mapped_column(Text)
    """A JSON list of ISO dates: the statutory holidays and the weekdays given off."""
    working_days: Mapped[str] = mapped_column(Text)
    """A JSON list of ISO dates: the make-up working days (调休)."""
    source: Mapped[str] = mapped_column(Text)
    loaded_by: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(Moment())
