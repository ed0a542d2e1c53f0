"""Public service during controls (异地分区覆盖集散), seed 004."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
