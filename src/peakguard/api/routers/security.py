"""Security compliance (三个100%) and the security overview."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
