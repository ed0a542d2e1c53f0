"""Pages: Shuttle transport and distribution (盘驳运输, 物资配送), seed 004."""

from __future__ import annotations

from fastapi import APIRouter

from peakguard.web.pages.navigation import NavItem

router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = ()
