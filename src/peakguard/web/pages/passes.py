"""Pages: the pass registers (车辆通行证, 人员白名单, 场地作业许可).

- ``/app/supply/passes`` (``supply.read``): the registers within reach — vehicle passes, white
  list entries (masked IDs only) and site permits — those ending soonest first, the ones ending
  within two days marked, the expired after. Recording and revoking are ``peakguard supply
  pass`` and the API's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from peakguard.app.passes import list_passes
from peakguard.i18n import _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store
from peakguard.supply.passes import expiring_soon
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page

router = APIRouter(prefix="/app", include_in_schema=False)
PASSES = "/app/supply/passes"
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(
        PASSES,
        _("Passes and white lists"),
        Permission.supply_read,
        63,
        kinds=frozenset({OrganisationKind.regulator, OrganisationKind.carrier}),
    ),
)
Reader = Annotated[Principal, page_requires(Permission.supply_read)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.get("/supply/passes")
def passes_page(request: Request, caller: Reader) -> Response:
    today = datetime.now(UTC).date()
    found = list_passes(_store(request), caller, today=today)
    rows = [
        {
            "record": record,
            "soon": expiring_soon(record.entry, today),
            "expired": record.entry.valid_until < today,
        }
        for record in found
    ]
    values = {"rows": rows, "today": today}
    title = render(_("Passes and white lists"), page_language(request))
    return render_page(request, caller, "passes.html", values, title=title)
