"""The tables: Public service during controls (异地分区覆盖集散), seed 004."""

from __future__ import annotations

from peakguard.store.tables import Base

__all__ = ["Base"]
