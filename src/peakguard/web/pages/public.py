"""The landing pages of those who reach no carrier's data: an e-commerce platform
(``/app/platform``, ``notice.read``) and the public (``/app/notices``).

The public's page is open to all, anonymous visitors included, as the notices API is (``GET
/notices``, ``GET /tracking/{waybill}``): the consumer tips and controlled areas' notices in
force, and the form to track a parcel by its waybill (:mod:`~peakguard.web.pages.notices`).
The platform's page has nothing to show yet but says so; it is a :class:`~.panels.Board`, so
a platform's releases and quotas arrive as panels.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from peakguard.i18n import Message, _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.web.pages.access import page_open, page_requires
from peakguard.web.pages.command import board_page
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.notices import public_page
from peakguard.web.pages.panels import PLATFORM_PAGE, Board

router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION = (
    NavItem(
        "/app/platform",
        _("Platform"),
        Permission.notice_read,
        1,
        kinds=frozenset({OrganisationKind.platform}),
    ),
    NavItem(
        "/app/notices",
        _("Notices"),
        Permission.notice_read,
        1,
        kinds=frozenset({OrganisationKind.public}),
    ),
)
Reader = Annotated[Principal, page_requires(Permission.notice_read)]


def _page(request: Request, caller: Principal, board: Board, title: Message) -> Response:
    return board_page(request, caller, board, "public.html", title, day=None, at=None)


@router.get("/platform", response_class=HTMLResponse)
def platform_page(request: Request, caller: Reader) -> Response:
    """A platform's landing page: the notices published for it (none yet)."""
    return _page(request, caller, PLATFORM_PAGE, _("Platform"))


@router.get("/notices", response_class=HTMLResponse)
def notices_page(request: Request, caller: Annotated[Principal, page_open()]) -> Response:
    """The public's landing page: the notices in force and the tracking form (open to all)."""
    return public_page(request, caller)
