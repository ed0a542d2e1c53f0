"""The tables of warnings from observation (监测预警)."""

from __future__ import annotations

from peakguard.store.tables import Base

__all__ = ["Base"]
