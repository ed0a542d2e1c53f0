"""The table of coverage plans (异地分区覆盖集散): one row per plan made, its figures in columns
for listing and the whole plan (centres, split, depth, relations, reasons) as one JSON document.
A plan is never changed after it is made: a new plan is made instead."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class CoveragePlanRow(Base):
    """A coverage plan for a closed region of one carrier's network."""

    __tablename__ = "coverage_plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network: Mapped[str] = mapped_column(String(64), index=True)
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    region_name: Mapped[str] = mapped_column(String(200))
    depth: Mapped[str] = mapped_column(String(24))
    period_start: Mapped[datetime] = mapped_column(Moment)
    period_end: Mapped[datetime] = mapped_column(Moment)
    parcels: Mapped[int] = mapped_column(Integer)
    """The closed area's parcels a normal day."""
    unabsorbed_parcels: Mapped[int] = mapped_column(Integer)
    centres: Mapped[str] = mapped_column(Text)
    """The chosen centres' hub ids, comma-separated."""
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Moment)
    document: Mapped[str] = mapped_column(Text)
    """The plan as canonical JSON (store/coverage.py plan_document)."""
