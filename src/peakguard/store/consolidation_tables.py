"""The tables of consolidation points (汇集点, seed 004): each point with its resources and task
rates (JSON documents, versioned: two coordinators may edit a point), and the schedules made
through it (the orders as given and the answer as computed, kept as they were)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class ConsolidationPointRow(Base):
    """A consolidation point of a carrier. ``version`` rises with every change."""

    __tablename__ = "consolidation_points"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    """The point's own region (GB/T 2260): a neighbouring city of the controlled area."""
    serves_region: Mapped[str | None] = mapped_column(String(6))
    """The controlled area it supplies, if named."""
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    resources: Mapped[str] = mapped_column(Text)
    """JSON: floor area, staff per shift, shifts, equipment, the warehouse system."""
    rates: Mapped[str] = mapped_column(Text)
    """JSON: sets per staff-hour of each task and the equipment's figures."""
    version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Moment())
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(Moment())


class ConsolidationScheduleRow(Base):
    """A schedule made through a point, at the point's version of the time."""

    __tablename__ = "consolidation_schedules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    point_id: Mapped[int] = mapped_column(
        ForeignKey("consolidation_points.id", ondelete="CASCADE"), index=True
    )
    point_version: Mapped[int] = mapped_column(Integer)
    start: Mapped[datetime] = mapped_column(Moment())
    orders: Mapped[str] = mapped_column(Text)
    """JSON: the orders as scheduled (reference, goods' arrivals, needed by)."""
    result: Mapped[str] = mapped_column(Text)
    """JSON: the staffing, tasks, bottleneck, shipments and capacity plan."""
    bottleneck: Mapped[str] = mapped_column(String(32))
    made_by: Mapped[str] = mapped_column(String(200))
    made_at: Mapped[datetime] = mapped_column(Moment())
