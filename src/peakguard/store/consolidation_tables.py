"""The tables: Consolidation points (汇集点), seed 004."""

from __future__ import annotations

from peakguard.store.tables import Base

__all__ = ["Base"]
