"""Daily volume reports: submit (token, file, form), versions, flags, the roll-up."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
