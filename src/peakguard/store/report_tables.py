"""The tables of daily volume reports (每日业务量统计报送).

A report is one carrier brand's report for one city and day (``daily_reports``); what it says is
in its versions (``daily_report_versions``), numbered from 1, never overwritten — a correction
is the next version, with who made it, when and why; the latest counts. The deadline's sweep
writes each flag once (``daily_report_flags``, unique per report key, kind and version) and the
checks it made on a version beside it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class DailyReportRow(Base):
    """One carrier's report for one city and day; ``version`` is its latest version's number
    (a correction names the version it read: optimistic locking)."""

    __tablename__ = "daily_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    carrier: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(6), index=True)
    """The city's GB/T 2260 code (``510100``)."""
    day: Mapped[date] = mapped_column(Date, index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    """The carrier company (brand + province) the report is of, when it is registered."""
    version: Mapped[int] = mapped_column(Integer)
    first_received_at: Mapped[datetime] = mapped_column(Moment())
    updated_at: Mapped[datetime] = mapped_column(Moment())
    __table_args__ = (UniqueConstraint("carrier", "region", "day", name="uq_daily_reports_key"),)


class DailyReportVersionRow(Base):
    """One version of a report: its figures (JSON), who sent it, how, when and why."""

    __tablename__ = "daily_report_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("daily_reports.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    """api, file, form or cli."""
    reason: Mapped[str | None] = mapped_column(Text)
    """Why a correction was made (None for a first version)."""
    submitted_at: Mapped[datetime] = mapped_column(Moment())
    checks: Mapped[str | None] = mapped_column(Text)
    """The sweep's plausibility checks of this version (JSON), once made."""
    checked_at: Mapped[datetime | None] = mapped_column(Moment())
    __table_args__ = (
        UniqueConstraint("report_id", "version", name="uq_daily_report_versions_version"),
    )


class DailyReportFlagRow(Base):
    """A flag raised at a report's deadline: missing (``version`` 0, no report), late, or one
    implausible check of a version; one per key, kind and version, however many sweeps run."""

    __tablename__ = "daily_report_flags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    carrier: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(6))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    """The reason as a message (JSON: msgid and figures), rendered in the reader's language."""
    threshold: Mapped[str] = mapped_column(Text)
    """The rule's threshold as a message (JSON), like the reason."""
    raised_at: Mapped[datetime] = mapped_column(Moment())
    __table_args__ = (
        UniqueConstraint(
            "carrier", "region", "day", "kind", "version", name="uq_daily_report_flags_once"
        ),
        Index("ix_daily_report_flags_day", "day"),
    )
