"""The tables of emergency plans' activations and drills (应急预案)."""

from __future__ import annotations

from peakguard.store.tables import Base

__all__ = ["Base"]
