"""The tables of daily volume reports (每日业务量统计报送)."""

from __future__ import annotations

from peakguard.store.tables import Base

__all__ = ["Base"]
