"""Inspections (检查, 明察暗访), the abnormal-outlet list and commitment letters."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
