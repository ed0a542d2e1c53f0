"""Rectification orders (责令整改) and the penalty cases they escalate to."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
