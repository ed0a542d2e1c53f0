"""The tables: Stop-sort holds (快递暂行条例 art. 33)."""

from __future__ import annotations

from peakguard.store.tables import Base

__all__ = ["Base"]
