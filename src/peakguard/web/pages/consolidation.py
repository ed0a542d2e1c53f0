"""Pages: Consolidation points (汇集点), seed 004."""

from __future__ import annotations

from fastapi import APIRouter

from peakguard.web.pages.navigation import NavItem

router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = ()
