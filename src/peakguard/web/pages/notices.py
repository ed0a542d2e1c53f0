"""Pages: Notices to the public (消费提示, 预计到达时间)."""

from __future__ import annotations

from fastapi import APIRouter

from peakguard.web.pages.navigation import NavItem

router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = ()
