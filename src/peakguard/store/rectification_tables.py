"""The tables: Rectification orders (责令整改) and the penalty cases they escalate to."""

from __future__ import annotations

from peakguard.store.tables import Base

__all__ = ["Base"]
