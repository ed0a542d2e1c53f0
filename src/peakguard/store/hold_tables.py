"""The tables of stop-sort holds (快递暂行条例: stop sorting, transport and delivery of a parcel
suspected of a prohibited item, and report it): the holds, their waybills, the reports upward,
the violations found in the scan events, and the lake batches the sweep has examined."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class HoldRow(Base):
    """A hold. ``version`` rises with every change (optimistic locking)."""

    __tablename__ = "security_holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(16))
    """waybill, bag or batch."""
    state: Mapped[str] = mapped_column(String(16), index=True)
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    """The six-digit region of the place where the item was found."""
    node_id: Mapped[str] = mapped_column(String(64))
    """The node (outlet, hub, station) where the item was found."""
    bag_code: Mapped[str | None] = mapped_column(String(64))
    outlet: Mapped[str | None] = mapped_column(String(64))
    """A batch's outlet (its waybills are those it accepted in the window)."""
    window_start: Mapped[datetime | None] = mapped_column(Moment())
    window_end: Mapped[datetime | None] = mapped_column(Moment())
    category: Mapped[str] = mapped_column(String(48))
    """The suspected item's category (a key of ``cases/hold_rules.toml``)."""
    held_from: Mapped[datetime] = mapped_column(Moment())
    """The moment the item was found: every movement scan after it is a violation."""
    evidence: Mapped[str] = mapped_column(Text)
    """What was seen (the files are in ``security_evidence``, subject ``hold``)."""
    placed_by: Mapped[str] = mapped_column(String(200))
    placing_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    placing_organisation: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[datetime | None] = mapped_column(Moment())
    released_by: Mapped[str | None] = mapped_column(String(200))
    release_outcome: Mapped[str | None] = mapped_column(String(48))
    release_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Moment())
    updated_at: Mapped[datetime] = mapped_column(Moment())


class HoldWaybillRow(Base):
    """A waybill a hold stops (once per hold and carrier)."""

    __tablename__ = "security_hold_waybills"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hold_id: Mapped[int] = mapped_column(ForeignKey("security_holds.id", ondelete="CASCADE"))
    carrier: Mapped[str] = mapped_column(String(64))
    waybill: Mapped[str] = mapped_column(String(64))
    __table_args__ = (
        UniqueConstraint("hold_id", "carrier", "waybill", name="uq_security_hold_waybills"),
        Index("ix_security_hold_waybills_carrier_waybill", "carrier", "waybill"),
    )


class HoldReportRow(Base):
    """The hold reported to a regulator office (an alert to its duty), once per office."""

    __tablename__ = "security_hold_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hold_id: Mapped[int] = mapped_column(ForeignKey("security_holds.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    organisation: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    """territory (the office of the place) or serious (the province, for a serious category)."""
    alert_id: Mapped[int | None] = mapped_column(Integer)
    reported_at: Mapped[datetime] = mapped_column(Moment())
    __table_args__ = (
        UniqueConstraint("hold_id", "organisation_id", name="uq_security_hold_reports"),
    )


class HoldViolationRow(Base):
    """A movement scan of a held waybill after the hold's moment, recorded once."""

    __tablename__ = "security_hold_violations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hold_id: Mapped[int] = mapped_column(ForeignKey("security_holds.id", ondelete="CASCADE"))
    carrier: Mapped[str] = mapped_column(String(64))
    waybill: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(32))
    node_id: Mapped[str] = mapped_column(String(64))
    scanned_at: Mapped[datetime] = mapped_column(Moment())
    detected_at: Mapped[datetime] = mapped_column(Moment())
    detected_by: Mapped[str] = mapped_column(String(16))
    """ingest, sweep or placement (the lake read when the hold was placed)."""
    __table_args__ = (
        UniqueConstraint(
            "hold_id",
            "carrier",
            "waybill",
            "event",
            "node_id",
            "scanned_at",
            name="uq_security_hold_violations",
        ),
    )


class HoldSweptBatchRow(Base):
    """A lake batch the hold sweep has examined (its cursor: batches not here are new)."""

    __tablename__ = "security_hold_swept_batches"
    batch: Mapped[str] = mapped_column(String(64), primary_key=True)
    swept_at: Mapped[datetime] = mapped_column(Moment())
