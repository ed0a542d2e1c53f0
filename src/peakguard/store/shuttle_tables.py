"""The tables: Shuttle transport and distribution (盘驳运输, 物资配送), seed 004."""

from __future__ import annotations

from peakguard.store.tables import Base

__all__ = ["Base"]
