"""The tables of rectification orders (责令整改): the orders, their clocks, their steps in order
(appended, never overwritten), the sweep's firings (one row per reminder or escalation of an
order: a unique key, so each fires once), the penalty cases they escalate to, and the per-year
counters of their references."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class RectificationCounterRow(Base):
    """The last number given in ``year`` to a reference starting ``prefix`` (ZG: orders, CF:
    penalty cases); one atomic upsert each."""

    __tablename__ = "rectification_counters"
    prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class RectificationOrderRow(Base):
    """A rectification order. ``version`` rises with every change (optimistic locking)."""

    __tablename__ = "rectification_orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    """``ZG2026-000001``."""
    state: Mapped[str] = mapped_column(String(24), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    """The issuing postal administration."""
    company_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    """The carrier company ordered to rectify."""
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("security_findings.id"))
    """The inspection finding it comes from (None: ordered on the spot, 当场责令改正)."""
    node_id: Mapped[str | None] = mapped_column(String(64))
    place: Mapped[str] = mapped_column(Text)
    facts: Mapped[str] = mapped_column(Text)
    rule_keys: Mapped[str] = mapped_column(Text)
    """A JSON list of the keys of security_rules.toml breached."""
    requirement: Mapped[str] = mapped_column(Text)
    """What to rectify."""
    extension_used: Mapped[bool] = mapped_column(Boolean)
    escalation: Mapped[str | None] = mapped_column(String(24))
    """Why it escalated: recheck_failed or ignored."""
    version: Mapped[int] = mapped_column(Integer)
    issued_by: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(Moment())
    updated_at: Mapped[datetime] = mapped_column(Moment())
    closed_at: Mapped[datetime | None] = mapped_column(Moment())


class RectificationClockRow(Base):
    """The order's deadline: its rule, basis, limit and source as set when it was issued, the
    deadline (moved once by a granted extension, the first kept), and its outcome."""

    __tablename__ = "rectification_clocks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("rectification_orders.id", ondelete="CASCADE"), unique=True
    )
    rule_key: Mapped[str] = mapped_column(String(48))
    basis: Mapped[str] = mapped_column(String(16))
    """date, calendar_days or working_days."""
    limit_value: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(Moment())
    due_at: Mapped[datetime] = mapped_column(Moment())
    first_due_at: Mapped[datetime] = mapped_column(Moment())
    outcome: Mapped[str] = mapped_column(String(16))
    """running, met (reported in time), late (reported after the deadline) or breached."""
    stopped_at: Mapped[datetime | None] = mapped_column(Moment())
    __table_args__ = (Index("ix_rectification_clocks_outcome_due_at", "outcome", "due_at"),)


class RectificationStepRow(Base):
    """One step of an order (its issue, the carrier's report, the re-check…, and its penalty
    case's steps), numbered from 1."""

    __tablename__ = "rectification_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("rectification_orders.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(24))
    """The order's state after the step."""
    actor: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Moment())
    text: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)
    """A JSON object: the new deadline, the evidence's digests, the fine…"""
    __table_args__ = (UniqueConstraint("order_id", "seq", name="uq_rectification_steps_seq"),)


class RectificationFiringRow(Base):
    """A timer of an order that fired: ``remind.72h``, ``remind.24h``, ``escalate``. The unique
    key makes it fire once however many sweeps run."""

    __tablename__ = "rectification_firings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("rectification_orders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    scheduled_at: Mapped[datetime] = mapped_column(Moment())
    fired_at: Mapped[datetime] = mapped_column(Moment())
    __table_args__ = (UniqueConstraint("order_id", "kind", name="uq_rectification_firings_kind"),)


class PenaltyCaseRow(Base):
    """An administrative penalty case (行政处罚) opened by an escalated order, with the legal
    range of the rule it punishes copied when it opened."""

    __tablename__ = "penalty_cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("rectification_orders.id"), unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    rule_key: Mapped[str] = mapped_column(String(48))
    penalty_law: Mapped[str] = mapped_column(Text)
    company_fine_min: Mapped[int] = mapped_column(Integer)
    company_fine_max: Mapped[int] = mapped_column(Integer)
    severe_fine_max: Mapped[int | None] = mapped_column(Integer)
    person_fine_min: Mapped[int | None] = mapped_column(Integer)
    person_fine_max: Mapped[int | None] = mapped_column(Integer)
    serious: Mapped[bool] = mapped_column(Boolean)
    company_fine: Mapped[int | None] = mapped_column(Integer)
    person_fine: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(Moment())
    updated_at: Mapped[datetime] = mapped_column(Moment())
    decided_at: Mapped[datetime | None] = mapped_column(Moment())
    decided_by: Mapped[str | None] = mapped_column(String(200))
