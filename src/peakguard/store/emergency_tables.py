"""The tables of emergency plans' activations and drills (应急预案): an activation of a plan at
a level over a territory, its steps (activation, raising and lowering the level, termination),
and the actions checked off. A drill (演练) is an activation with ``drill`` set."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class EmergencyActivationRow(Base):
    """A plan proposed, activated or drilled over ``region`` at ``level``. ``version`` rises
    with every change: an update names the version it read (optimistic locking)."""

    __tablename__ = "emergency_activations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    """The kind of event (``backlog``, ``road_cut`` …) the plan was proposed for."""
    level: Mapped[str] = mapped_column(String(4))
    proposed_level: Mapped[str | None] = mapped_column(String(4))
    state: Mapped[str] = mapped_column(String(16))
    drill: Mapped[bool] = mapped_column(Boolean)
    region: Mapped[str] = mapped_column(String(6))
    """The GB/T 2260 code of the territory the activation covers (000000: the whole country)."""
    trigger: Mapped[str | None] = mapped_column(String(80))
    """What proposed it: ``warning:123``, ``incident:SJ2026-000001``, or nothing (by hand)."""
    facts: Mapped[str] = mapped_column(Text)
    """The facts the proposal was judged on, as JSON (figures only, no personal data)."""
    reasons: Mapped[str] = mapped_column(Text)
    """The criteria the facts met, as JSON (``backlog_ratio >= 1.2``)."""
    note: Mapped[str | None] = mapped_column(Text)
    termination_reason: Mapped[str | None] = mapped_column(Text)
    organisation: Mapped[str] = mapped_column(String(64))
    """The code of the organisation that recorded it."""
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Moment())
    updated_at: Mapped[datetime] = mapped_column(Moment())
    activated_at: Mapped[datetime | None] = mapped_column(Moment())
    terminated_at: Mapped[datetime | None] = mapped_column(Moment())
    __table_args__ = (Index("ix_emergency_activations_state_region", "state", "region"),)


class EmergencyStepRow(Base):
    """One step of an activation, numbered from 1 in the order taken."""

    __tablename__ = "emergency_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    activation_id: Mapped[int] = mapped_column(
        ForeignKey("emergency_activations.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(16))
    source_state: Mapped[str] = mapped_column(String(16))
    target_state: Mapped[str] = mapped_column(String(16))
    level_before: Mapped[str] = mapped_column(String(4))
    level_after: Mapped[str] = mapped_column(String(4))
    actor: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Moment())
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("activation_id", "seq", name="uq_emergency_steps_seq"),)


class EmergencyActionCheckRow(Base):
    """An action of the plan checked off: by whom, when, with what note; once per action."""

    __tablename__ = "emergency_action_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    activation_id: Mapped[int] = mapped_column(
        ForeignKey("emergency_activations.id", ondelete="CASCADE")
    )
    action_key: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(4))
    actor: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Moment())
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        UniqueConstraint("activation_id", "action_key", name="uq_emergency_action_checks_action"),
    )
