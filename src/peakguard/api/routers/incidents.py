"""Incidents: first, follow-up and final reports, the blockage clock, reroutes attached."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
