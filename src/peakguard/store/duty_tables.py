"""The tables of the 24-hour duty (值班值守): rosters, shifts, the duty log, alerts."""

from __future__ import annotations

from peakguard.store.tables import Base

__all__ = ["Base"]
