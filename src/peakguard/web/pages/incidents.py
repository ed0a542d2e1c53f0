"""Pages: incidents: first, follow-up and final reports, the blockage clock, reroutes attached."""

from __future__ import annotations

from fastapi import APIRouter

from peakguard.web.pages.navigation import NavItem

router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = ()
