"""The tables of shuttles and passes (盘驳运输, 物资配送; 车辆通行证, 人员白名单, 场地作业许可):
the carriers' shuttle vehicles, the three pass registers in one table (a revoked pass is kept,
with who revoked it and why), and the day plans as computed (JSON), kept as records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class ShuttleVehicleRow(Base):
    """A vehicle of carrier ``carrier``'s shuttles; ``code`` is unique per carrier."""

    __tablename__ = "shuttle_vehicles"
    __table_args__ = (UniqueConstraint("carrier", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    carrier: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(40))
    plate: Mapped[str] = mapped_column(String(20))
    driver: Mapped[str] = mapped_column(String(40))
    """The driver's staff reference (never an ID number or a phone)."""
    leg: Mapped[str] = mapped_column(String(8))
    base: Mapped[str] = mapped_column(String(40))
    capacity_sets: Mapped[int] = mapped_column(Integer)
    capacity_kg: Mapped[float] = mapped_column(Float)
    max_trips: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(Moment())


class SupplyPassRow(Base):
    """One entry of a pass register (``kind``: vehicle, person, site) of carrier ``carrier``."""

    __tablename__ = "supply_passes"
    __table_args__ = (Index(None, "carrier", "kind", "holder"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    carrier: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    holder: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(6))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(String(200))
    masked_id: Mapped[str] = mapped_column(String(24))
    """A person's masked ID number (last four characters), empty for vehicles and sites."""
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(Moment())
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(Moment())
    revoke_reason: Mapped[str | None] = mapped_column(Text)


class ShuttlePlanRow(Base):
    """A day's shuttle plan for controlled area ``region`` as computed (``plan``: JSON)."""

    __tablename__ = "shuttle_plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    day: Mapped[date] = mapped_column(Date)
    point: Mapped[str] = mapped_column(String(40))
    plan: Mapped[str] = mapped_column(Text)
    planned_by: Mapped[str] = mapped_column(String(200))
    planned_at: Mapped[datetime] = mapped_column(Moment())
