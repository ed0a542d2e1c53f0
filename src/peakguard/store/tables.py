"""The database tables. Domain objects never leave :mod:`peakguard.store` as rows:
repositories map rows to and from the core's models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column

from peakguard.store.columns import Moment

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class NetworkRow(Base):
    __tablename__ = "networks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _network_fk() -> MappedColumn[int]:
    return mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True)


class CarrierRow(Base):
    __tablename__ = "carriers"
    network_id: Mapped[int] = _network_fk()
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))


class RegionRow(Base):
    __tablename__ = "regions"
    network_id: Mapped[int] = _network_fk()
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)


class NodeRow(Base):
    __tablename__ = "nodes"
    network_id: Mapped[int] = _network_fk()
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    region: Mapped[str] = mapped_column(String(6))
    carrier: Mapped[str] = mapped_column(String(64))
    storage_capacity: Mapped[int] = mapped_column(Integer)
    staff: Mapped[int] = mapped_column(Integer)
    vehicles: Mapped[int] = mapped_column(Integer)
    floor_area_m2: Mapped[float] = mapped_column(Float)
    automated_sorter: Mapped[bool] = mapped_column(Boolean)
    longitude: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)
    daily_volume: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        ForeignKeyConstraint(
            ["network_id", "carrier"], ["carriers.network_id", "carriers.code"], ondelete="CASCADE"
        ),
    )


class ShiftRow(Base):
    __tablename__ = "node_shifts"
    network_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    start_hour: Mapped[int] = mapped_column(Integer)
    end_hour: Mapped[int] = mapped_column(Integer)
    sorting_capacity_per_hour: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        ForeignKeyConstraint(
            ["network_id", "node_id"], ["nodes.network_id", "nodes.id"], ondelete="CASCADE"
        ),
    )


class LaneRow(Base):
    __tablename__ = "lanes"
    network_id: Mapped[int] = _network_fk()
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(64))
    destination: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    transit_hours: Mapped[float] = mapped_column(Float)
    departure_times: Mapped[str] = mapped_column(String(500))
    """Space-separated HH:MM times, in the file's order."""
    capacity_per_departure: Mapped[int] = mapped_column(Integer)
    distance_km: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (
        ForeignKeyConstraint(
            ["network_id", "origin"],
            ["nodes.network_id", "nodes.id"],
            ondelete="CASCADE",
            name="fk_lanes_origin_nodes",
        ),
        ForeignKeyConstraint(
            ["network_id", "destination"],
            ["nodes.network_id", "nodes.id"],
            ondelete="CASCADE",
            name="fk_lanes_destination_nodes",
        ),
    )


class ServiceStandardRow(Base):
    __tablename__ = "service_standards"
    network_id: Mapped[int] = _network_fk()
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_class: Mapped[str] = mapped_column(String(32))
    time_limit_hours: Mapped[float] = mapped_column(Float)
    carrier: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        UniqueConstraint("network_id", "pair_class", "carrier", name="uq_service_standards_class"),
    )


class RoutingOverrideRow(Base):
    __tablename__ = "routing_overrides"
    network_id: Mapped[int] = _network_fk()
    node: Mapped[str] = mapped_column(String(64), primary_key=True)
    destination: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    next_node: Mapped[str] = mapped_column(String(64))


class NetworkSummaryRow(Base):
    """A stored network's summary as one reach sees it (``everything``, or a carrier and a
    region prefix), computed once per stored network: a new import is a new network row, so
    its summaries go with the old one (deleted with it) and are computed afresh."""

    __tablename__ = "network_summaries"
    network_id: Mapped[int] = _network_fk()
    reach: Mapped[str] = mapped_column(String(100), primary_key=True)
    document: Mapped[str | None] = mapped_column(Text)
    """The summary as JSON; NULL when nothing of the network lies within the reach."""


class JobRow(Base):
    """A long operation run outside the request that asked for it (``store/jobs.py``)."""

    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    """A random UUID's 32 hex digits: unguessable, so an id says nothing of other jobs."""
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    """queued, running, succeeded, failed or cancelled."""
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    """The owner's organisation; NULL for the local administrator (the command line)."""
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    owner_label: Mapped[str] = mapped_column(String(200))
    """``name@organisation`` as the audit trail records the submitter."""
    parameters: Mapped[str] = mapped_column(Text)
    """What the job does, as JSON (its kind reads it)."""
    progress: Mapped[float] = mapped_column(Float)
    stage: Mapped[str | None] = mapped_column(Text)
    """The stage as a translatable message (JSON msgid and parameters)."""
    error: Mapped[str | None] = mapped_column(Text)
    """Why it failed, as a translatable message (JSON), with its problems' locations."""
    result: Mapped[str | None] = mapped_column(Text)
    """The result's summary as JSON (the files are in the job's folder)."""
    created_at: Mapped[datetime] = mapped_column(Moment(), index=True)
    started_at: Mapped[datetime | None] = mapped_column(Moment())
    finished_at: Mapped[datetime | None] = mapped_column(Moment())
    heartbeat_at: Mapped[datetime | None] = mapped_column(Moment())
    """When its worker last said it was alive; a stale one means the worker is gone."""
    attempts: Mapped[int] = mapped_column(Integer)
    """How many times a worker started it."""
    worker: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    """Raised by every change: an update names the version it read (optimistic locking)."""
