"""Passes and white lists (车辆通行证, 人员白名单, 场地作业许可)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
