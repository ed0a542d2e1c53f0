"""The tables: Supply orders (订单需求表), seed 004."""

from __future__ import annotations

from peakguard.store.tables import Base

__all__ = ["Base"]
