"""The tables: The real-name register (实名收寄)."""

from __future__ import annotations

from peakguard.store.tables import Base

__all__ = ["Base"]
