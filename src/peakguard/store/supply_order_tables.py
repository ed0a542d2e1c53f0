"""The tables of supply orders (订单需求表, seed 004): the orders, their lines (bundles, sets,
sources) and delivery points, their steps in order (appended, never overwritten), their clocks
(one row per clock started: a returned quotation starts a second quotation clock), the sweep's
firings (a reminder or a breach of a clock: a unique key, so each fires once), and the per-year
counter of their references."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class SupplyOrderCounterRow(Base):
    """The last number given in ``year`` to a supply order's reference (``BG2026-000001``)."""

    __tablename__ = "supply_order_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class SupplyOrderRow(Base):
    """A supply order. ``version`` rises with every change (optimistic locking)."""

    __tablename__ = "supply_orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    """direct_purchase or group_buy."""
    state: Mapped[str] = mapped_column(String(24), index=True)
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    """The provincial company that orders."""
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    """The platform organisation the sheet is addressed to."""
    region: Mapped[str] = mapped_column(String(6), index=True)
    """The controlled area's GB/T 2260 code."""
    title: Mapped[str] = mapped_column(Text)
    customer: Mapped[str] = mapped_column(Text)
    """Who asked: the government office or large customer, or the group buy's name."""
    needed_by: Mapped[datetime] = mapped_column(Moment())
    note: Mapped[str] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Moment())
    updated_at: Mapped[datetime] = mapped_column(Moment())
    closed_at: Mapped[datetime | None] = mapped_column(Moment())


class SupplyOrderLineRow(Base):
    """``quantity`` sets of bundle ``bundle`` from source ``source``, numbered from 1."""

    __tablename__ = "supply_order_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("supply_orders.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    bundle: Mapped[str] = mapped_column(String(48))
    quantity: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("order_id", "seq", name="uq_supply_order_lines_seq"),)


class SupplyDeliveryRow(Base):
    """Where ``quantity`` sets are delivered, between ``opens`` and ``closes`` (``08:00``);
    ``leader`` the group leader's code or shop name of a pick-up point (no private person's
    name or phone)."""

    __tablename__ = "supply_order_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("supply_orders.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    region: Mapped[str] = mapped_column(String(6))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(Integer)
    opens: Mapped[str] = mapped_column(String(5))
    closes: Mapped[str] = mapped_column(String(5))
    leader: Mapped[str] = mapped_column(String(200))
    __table_args__ = (UniqueConstraint("order_id", "seq", name="uq_supply_order_deliveries_seq"),)


class SupplyStepRow(Base):
    """One step of an order, numbered from 1: which side took it, who, when."""

    __tablename__ = "supply_order_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("supply_orders.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(24))
    """The order's state after the step."""
    side: Mapped[str] = mapped_column(String(16))
    """company, supplier or system."""
    actor: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(Moment())
    text: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)
    """A JSON object: the quotation's amount, the clock stopped and its outcome…"""
    __table_args__ = (UniqueConstraint("order_id", "seq", name="uq_supply_order_steps_seq"),)


class SupplyClockRow(Base):
    """A clock of an order: its rule's terms as they were when it started, its due moment and
    reminder, and its state (running, met, late, cancelled); ``breached_at`` when the sweep
    found it past due while it ran."""

    __tablename__ = "supply_order_clocks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("supply_orders.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    rule_key: Mapped[str] = mapped_column(String(48))
    basis: Mapped[str] = mapped_column(String(16))
    limit_value: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(Moment())
    due_at: Mapped[datetime] = mapped_column(Moment())
    remind_at: Mapped[datetime | None] = mapped_column(Moment())
    state: Mapped[str] = mapped_column(String(16))
    stopped_at: Mapped[datetime | None] = mapped_column(Moment())
    breached_at: Mapped[datetime | None] = mapped_column(Moment())
    __table_args__ = (
        UniqueConstraint("order_id", "seq", name="uq_supply_order_clocks_seq"),
        Index("ix_supply_order_clocks_state_due_at", "state", "due_at"),
    )


class SupplyFiringRow(Base):
    """A timer of a clock that fired: ``remind`` or ``breach``. The unique key makes it fire
    once however many sweeps run."""

    __tablename__ = "supply_order_firings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("supply_order_clocks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    scheduled_at: Mapped[datetime] = mapped_column(Moment())
    fired_at: Mapped[datetime] = mapped_column(Moment())
    __table_args__ = (UniqueConstraint("clock_id", "kind", name="uq_supply_order_firings_kind"),)
