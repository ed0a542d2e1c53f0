"""The tables of incidents (突发事件信息报告): the incidents, their reports in order (first,
follow-ups, final, corrections: appended, never overwritten), their blockage clocks, and the
per-year counters of their references."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class IncidentCounterRow(Base):
    """The last number given to an incident opened in ``year`` (one atomic upsert each)."""

    __tablename__ = "incident_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class IncidentRow(Base):
    """An incident. ``version`` rises with every change (optimistic locking)."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    """``SJ2026-000001``."""
    incident_type: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    reporting_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    reporting_organisation: Mapped[str] = mapped_column(String(64))
    """The code of the organisation that opened it (a carrier company or a regulator)."""
    network: Mapped[str | None] = mapped_column(String(64))
    nodes: Mapped[str] = mapped_column(Text)
    """A JSON list of the affected node ids of ``network``."""
    period_start: Mapped[datetime] = mapped_column(Moment())
    period_end: Mapped[datetime | None] = mapped_column(Moment())
    """Expected until (None: not known yet)."""
    blocked: Mapped[bool] = mapped_column(Boolean)
    blocked_at: Mapped[datetime | None] = mapped_column(Moment())
    """When the service network was blocked (the blockage clock's start)."""
    description: Mapped[str] = mapped_column(Text)
    announcement: Mapped[str | None] = mapped_column(Text)
    """The public announcement's draft: JSON of its texts by language and its approval."""
    reroute: Mapped[str | None] = mapped_column(Text)
    """The reroute planner's backups: JSON, as attached by ``plan_incident_reroute``."""
    version: Mapped[int] = mapped_column(Integer)
    opened_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Moment())
    updated_at: Mapped[datetime] = mapped_column(Moment())
    closed_at: Mapped[datetime | None] = mapped_column(Moment())


class IncidentReportRow(Base):
    """One report of an incident, numbered from 1 in the order received."""

    __tablename__ = "incident_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Moment())
    text: Mapped[str] = mapped_column(Text)
    figures: Mapped[str] = mapped_column(Text)
    """A JSON object: figure name → whole number."""
    corrects: Mapped[int | None] = mapped_column(Integer)
    """The number of the report a correction corrects."""
    __table_args__ = (UniqueConstraint("incident_id", "seq", name="uq_incident_reports_seq"),)


class IncidentClockRow(Base):
    """The blockage clock of an incident: its rule, basis, limit and source as they were when it
    started, its deadline and outcome; ``breached_at`` is set once by the sweep."""

    __tablename__ = "incident_clocks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    rule_key: Mapped[str] = mapped_column(String(48))
    basis: Mapped[str] = mapped_column(String(16))
    limit_value: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(Moment())
    due_at: Mapped[datetime] = mapped_column(Moment())
    outcome: Mapped[str] = mapped_column(String(16))
    """running, met or breached."""
    stopped_at: Mapped[datetime | None] = mapped_column(Moment())
    breached_at: Mapped[datetime | None] = mapped_column(Moment())
    __table_args__ = (
        UniqueConstraint("incident_id", "rule_key", name="uq_incident_clocks_rule"),
        Index("ix_incident_clocks_outcome_due_at", "outcome", "due_at"),
    )
