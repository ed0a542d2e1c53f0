"""The 24-hour duty: rosters, the duty log, handovers, alerts and their acknowledgement."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
