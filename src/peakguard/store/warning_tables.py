"""The tables of warnings from observation (监测预警): one row per warning, raised on a node of
a stored network and ended superseded or cleared.

At most one warning per network and node is open: ``open_slot`` is 1 while it is raised or
acknowledged and NULL once it ends, under a unique constraint on (network, node, open_slot)
— NULLs never collide, so ended warnings pile up freely while two concurrent evaluations can
never both open one on the same node.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base

__all__ = ["Base", "ObservedWarningRow"]


class ObservedWarningRow(Base):
    """A warning on a node: its level (1 red … 4 blue), why (``reason_kind`` and the
    ``figures`` as JSON), where its figures came from, and its life. ``version`` rises with
    every change (optimistic locking of the acknowledgement)."""

    __tablename__ = "observed_warnings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network_name: Mapped[str] = mapped_column(String(64))
    node_id: Mapped[str] = mapped_column(String(64))
    node_name: Mapped[str] = mapped_column(String(200))
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    level: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), index=True)
    open_slot: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    """observed or projected."""
    reason_kind: Mapped[str] = mapped_column(String(16))
    figures: Mapped[str] = mapped_column(Text)
    backlog_source: Mapped[str] = mapped_column(String(32))
    """Where the backlog came from: the scan-event lake or a carrier's daily report."""
    raised_at: Mapped[datetime] = mapped_column(Moment(), index=True)
    gone_since: Mapped[datetime | None] = mapped_column(Moment())
    """The first evaluation that found the condition gone (the hold before clearing)."""
    acknowledged_at: Mapped[datetime | None] = mapped_column(Moment())
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[datetime | None] = mapped_column(Moment())
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("observed_warnings.id"))
    version: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        UniqueConstraint("network_name", "node_id", "open_slot", name="uq_observed_warnings_open"),
        Index("ix_observed_warnings_network_node", "network_name", "node_id"),
    )
