"""The tables of the 24-hour duty (值班值守): each office's duty settings (its shifts, its
acknowledgement limit, the version that guards roster edits), the roster, the append-only duty
log, handovers, alerts and their escalations.

An alert's message is kept as a msgid and JSON parameters, so that it renders in the reader's
language (:func:`peakguard.app.alerts.alert_message`). Each escalation is a row that can exist
once (unique ``(alert_id, step)``), however many sweepers run.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class DutyOfficeRow(Base):
    """An office's duty settings. ``shifts`` is JSON ``[[name, "HH:MM", "HH:MM"], …]`` (China
    time); ``version`` rises with every roster or settings change (optimistic locking)."""

    __tablename__ = "duty_offices"
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    shifts: Mapped[str] = mapped_column(Text)
    acknowledge_minutes: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(Moment())


class DutyAssignmentRow(Base):
    """One person on one shift of one day: ``position`` 0 is the leader on duty (带班领导),
    1, 2, … the duty officers in order."""

    __tablename__ = "duty_assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    shift: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    __table_args__ = (
        UniqueConstraint(
            "organisation_id", "day", "shift", "position", name="uq_duty_assignments_position"
        ),
    )


class DutyLogRow(Base):
    """An entry of the duty log (值班日志); never updated nor deleted."""

    __tablename__ = "duty_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(Moment())
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(120))
    """``case:SS2026-000001``, ``incident:…``, ``warning:…``, ``report:…`` or nothing."""


class DutyHandoverRow(Base):
    """A handover (交接班): the open alerts at that moment are listed in ``open_alerts`` (JSON
    ids); the incoming officer accepts it once."""

    __tablename__ = "duty_handovers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    from_user: Mapped[str] = mapped_column(String(200))
    to_user: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text)
    open_alerts: Mapped[str] = mapped_column(Text)
    handed_at: Mapped[datetime] = mapped_column(Moment())
    accepted_at: Mapped[datetime | None] = mapped_column(Moment())
    accepted_note: Mapped[str | None] = mapped_column(Text)


class DutyAlertRow(Base):
    """An alert to an office's duty. ``step`` is how far it has escalated (0: delivered to the
    first of the chain); ``delivered_to`` the user it is with now (None: nobody on duty)."""

    __tablename__ = "duty_alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))
    subject: Mapped[str] = mapped_column(String(120))
    msgid: Mapped[str] = mapped_column(Text)
    params: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(Moment())
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    acknowledge_minutes: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    delivered_to: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(Moment())
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_duty_alerts_open", "organisation_id", "acknowledged_at"),)


class DutyEscalationRow(Base):
    """One escalation of an alert to step ``step`` of its chain: once per step (unique)."""

    __tablename__ = "duty_escalations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("duty_alerts.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    to_user: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_at: Mapped[datetime] = mapped_column(Moment())
    escalated_at: Mapped[datetime] = mapped_column(Moment())
    __table_args__ = (UniqueConstraint("alert_id", "step", name="uq_duty_escalations_step"),)
