"""Pages: a day's shuttle plan (盘驳运输, 物资配送; seed 004).

- ``/app/supply/shuttles/{plan_id}`` (``supply.read``): the plan's routes per vehicle and trip
  (loading, leaving, each stop's arrival and departure, sets and kg, distance), what is missing
  (vehicles, drivers, stations without a valid pass) and what stays unserved, with why.
  Planning is ``peakguard supply shuttle plan`` and the API's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from peakguard.app.shuttles import get_shuttle_plan
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page

router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = ()
Reader = Annotated[Principal, page_requires(Permission.supply_read)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.get("/supply/shuttles/{plan_id}")
def shuttle_plan_page(
    request: Request, caller: Reader, plan_id: Annotated[int, Path(ge=1)]
) -> Response:
    language = page_language(request)
    record = get_shuttle_plan(_store(request), caller, plan_id)
    values = {
        "record": record,
        "plan": record.plan,
        "zone": CHINA_STANDARD_TIME,
        "missing": [
            (item.subject, [reason.render(language) for reason in item.reasons])
            for item in record.plan.missing
        ],
        "unserved": [(item, item.reason.render(language)) for item in record.plan.unserved],
    }
    return render_page(request, caller, "shuttle_plan.html", values, title=f"#{plan_id}")
