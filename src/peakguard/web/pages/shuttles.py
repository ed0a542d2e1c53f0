"""Pages: a day's shuttle plan (盘驳运输, 物资配送; seed 004).

- ``/app/supply/shuttles`` (``supply.read``): the plans within reach, the latest day first,
  each with its area, point, vehicles routed, sets delivered and unserved, and what is missing
  (vehicles, drivers, stations without a valid pass) in words; exported as CSV or Excel.
- ``/app/supply/shuttles/{plan_id}`` (``supply.read``): the plan's routes per vehicle and trip
  (loading, leaving, each stop's arrival and departure, sets and kg, distance), what is missing
  (vehicles, drivers, stations without a valid pass) and what stays unserved, with why.
  Planning is ``peakguard supply shuttle plan`` and the API's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from peakguard.app.shuttles import get_shuttle_plan, list_shuttle_plans
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.i18n import Message, _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store
from peakguard.store.shuttles import PlanRecord
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page
from peakguard.web.pages.tables import Column, TableView, Value, export_response

router = APIRouter(prefix="/app", include_in_schema=False)
SHUTTLES = "/app/supply/shuttles"
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(
        SHUTTLES,
        _("Shuttle plans"),
        Permission.supply_read,
        64,
        kinds=frozenset({OrganisationKind.regulator, OrganisationKind.carrier}),
    ),
)
Reader = Annotated[Principal, page_requires(Permission.supply_read)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _missing_words(record: PlanRecord, language: str) -> str:
    return "; ".join(
        f"{item.subject}: " + " ".join(reason.render(language) for reason in item.reasons)
        for item in record.plan.missing
    )


def plans_table(records: list[PlanRecord], language: str) -> TableView:
    """The plans as the list shows and exports them."""

    def label(message: Message) -> str:
        return render(message, language)

    rows: list[dict[str, Value]] = [
        {
            "plan": f"#{record.id}", "link": f"{SHUTTLES}/{record.id}",
            "day": record.plan.day.isoformat(), "carrier": record.carrier,
            "region": record.plan.region, "point": record.plan.point,
            "vehicles": len(record.plan.routes), "delivered": record.plan.delivered_sets(),
            "unserved": record.plan.unserved_sets(),
            "missing": _missing_words(record, language) or "—",
            "missing_mark": bool(record.plan.missing),
            "by": record.planned_by,
            "at": record.planned_at.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M"),
        }
        for record in records
    ]  # fmt: skip
    return TableView(
        key="shuttle_plans",
        title=label(_("Shuttle plans")),
        columns=(
            Column("plan", label(_("Shuttle plan")), link="link"),
            Column("day", label(_("Day"))),
            Column("carrier", label(_("Carrier"))),
            Column("region", label(_("Controlled area"))),
            Column("point", label(_("Consolidation point"))),
            Column("vehicles", label(_("Vehicles routed")), digits=0),
            Column("delivered", label(_("Sets delivered")), digits=0),
            Column("unserved", label(_("Sets unserved")), digits=0),
            Column("missing", label(_("Missing passes"))),
            Column("by", label(_("Planned by"))),
            Column("at", label(_("Planned at (China time)"))),
        ),
        rows=rows,
        empty=label(_("No shuttle plan within your reach.")),
        note=label(_("The latest day first. Plan a day with peakguard supply shuttle plan.")),
    )


@router.get("/supply/shuttles")
def shuttle_plans_page(request: Request, caller: Reader) -> Response:
    language = page_language(request)
    view = plans_table(list_shuttle_plans(_store(request), caller), language)
    if (exported := export_response([view], request, language)) is not None:
        return exported
    values = {"table_view": view, "here": str(request.url)}
    return render_page(request, caller, "shuttle_plans.html", values, title=view.title)


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
