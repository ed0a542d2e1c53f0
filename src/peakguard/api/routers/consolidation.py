"""Consolidation points (汇集点), seed 004."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
