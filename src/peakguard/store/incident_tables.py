"""The tables of incidents (突发事件信息报告)."""

from __future__ import annotations

from peakguard.store.tables import Base

__all__ = ["Base"]
