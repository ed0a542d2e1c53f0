"""Notices to the public (消费提示, 预计到达时间)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
