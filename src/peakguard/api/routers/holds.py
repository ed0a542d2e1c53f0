"""Stop-sort holds (快递暂行条例 art. 33)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
