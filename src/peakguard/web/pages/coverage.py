"""Pages: Public service during controls (异地分区覆盖集散), seed 004."""

from __future__ import annotations

from fastapi import APIRouter

from peakguard.web.pages.navigation import NavItem

router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = ()
