"""The real-name register (实名收寄)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
