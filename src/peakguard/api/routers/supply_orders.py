"""Supply orders (订单需求表), seed 004."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
