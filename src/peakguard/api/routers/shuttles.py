"""Shuttle transport and distribution (盘驳运输, 物资配送), seed 004."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
