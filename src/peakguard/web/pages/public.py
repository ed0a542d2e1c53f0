"""The landing pages of those who reach no carrier's data: an e-commerce platform
(``/app/platform``) and the public (``/app/notices``).

Both need ``notice.read``, the permission the consumer notices' API will declare (issue #18
adds the notices); the public's page is not open to anonymous visitors for that reason: a page
never shows what the API would refuse, and there is no notice API yet to decide otherwise.
Today neither page has anything to show but says so; each is a :class:`~.panels.Board`, so the
notices, and a platform's releases and quotas, arrive as panels.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from peakguard.i18n import Message, _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.command import board_page
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.panels import PLATFORM_PAGE, PUBLIC_NOTICES, Board

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
def notices_page(request: Request, caller: Reader) -> Response:
    """The public's landing page: the consumer notices (none published yet)."""
    return _page(request, caller, PUBLIC_NOTICES, _("Notices"))
