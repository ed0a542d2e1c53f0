"""The pages of consolidation points (汇集点, seed 004).

- ``/app/supply/points`` (``supply.read``): the points within reach, with their staff, floor
  area and equipment.
- ``/app/supply/points/{code}`` (``supply.read``): the point's resources; the seven tasks with
  each one's rate, staff, capacity and load in the latest schedule; the bottleneck named in
  words; when each order's goods ship; and the capacity plan day by day.

Who sees which point is the application layer's decision (:mod:`peakguard.app.consolidation`);
these pages show what it answers. Points are registered and scheduled through the API or the
command line (``peakguard supply point``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from peakguard.app.consolidation import get_point, list_points
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.i18n import _, render
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.database import Store
from peakguard.supply.consolidation import CEILING_LABELS
from peakguard.web.pages.access import page_requires
from peakguard.web.pages.navigation import NavItem
from peakguard.web.pages.rendering import page_language, render_page

POINTS = "/app/supply/points"
router = APIRouter(prefix="/app", include_in_schema=False)
NAVIGATION: tuple[NavItem, ...] = (
    NavItem(
        POINTS,
        _("Consolidation points"),
        Permission.supply_read,
        62,
        kinds=frozenset({OrganisationKind.regulator, OrganisationKind.carrier}),
    ),
)
Reader = Annotated[Principal, page_requires(Permission.supply_read)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def point_path(code: str) -> str:
    return f"{POINTS}/{quote(code, safe='')}"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:,.0f}"


@router.get("/supply/points")
def points_page(request: Request, caller: Reader) -> Response:
    points = list_points(_store(request), caller)
    rows = [
        {
            "path": point_path(point.code),
            "code": point.code,
            "name": point.name,
            "carrier": point.carrier,
            "region": point.region,
            "serves": point.serves_region or "—",
            "staff": point.resources.staff_per_shift,
            "shifts": point.resources.shifts_per_day,
            "floor": _number(point.resources.floor_area_m2, 0),
            "forklifts": point.resources.forklifts,
            "trailers": point.resources.trailers,
        }
        for point in points
    ]
    title = render(_("Consolidation points"), page_language(request))
    return render_page(request, caller, "consolidation_points.html", {"rows": rows}, title=title)


def _resources(view: Any, language: str) -> list[tuple[str, str]]:
    resources = view.point.resources
    yes_no = _("yes") if resources.warehouse_system else _("no")
    return [
        (render(_("Floor area"), language), f"{_number(resources.floor_area_m2, 0)} m²"),
        (render(_("Staff per shift"), language), str(resources.staff_per_shift)),
        (
            render(_("Shifts"), language),
            render(
                _(
                    "{shifts} × {hours} h from {start}:00",
                    shifts=resources.shifts_per_day,
                    hours=resources.shift_hours,
                    start=f"{resources.first_shift_starts:02d}",
                ),
                language,
            ),
        ),
        (render(CEILING_LABELS["forklifts"], language), str(resources.forklifts)),
        (render(CEILING_LABELS["pallets"], language), str(resources.pallets)),
        (render(CEILING_LABELS["racks"], language), str(resources.racks)),
        (render(CEILING_LABELS["trailers"], language), str(resources.trailers)),
        (render(CEILING_LABELS["handling_equipment"], language), str(resources.handling_equipment)),
        (render(_("Warehouse system (仓储管理系统)"), language), render(yes_no, language)),
    ]


def _schedule_values(schedule: Any, language: str) -> dict[str, Any]:
    tasks = [
        {
            "task": row.task.value,
            "label": render(row.label, language),
            "rate": _number(row.rate),
            "staff": _number(row.staff, 2),
            "capacity": row.hourly,
            "limit": "—" if row.ceiling_label is None else render(row.ceiling_label, language),
            "load": row.load,
            "hours": _number(row.hours_needed),
            "bottleneck": row.task.value == schedule.bottleneck,
        }
        for row in schedule.tasks
    ]
    shipments = [
        {
            "reference": row.reference,
            "sets": row.sets,
            "goods_in": _when(row.goods_in_at),
            "shipped": _when(row.shipped_at),
            "needed_by": _when(row.needed_by),
            "late": row.late,
        }
        for row in schedule.shipments
    ]
    days = [
        {
            "day": row.day.isoformat(),
            "arriving": row.arriving,
            "shipped": row.shipped,
            "left": row.left,
            "capacity": row.capacity,
            "staff_needed": row.staff_needed,
            "shortfall": row.staff_shortfall,
            "equipment": "—"
            if row.equipment_label is None
            else render(row.equipment_label, language),
        }
        for row in schedule.days
    ]
    return {
        "schedule": schedule,
        "bottleneck_label": render(schedule.bottleneck_label, language),
        "bottleneck_reason": render(schedule.bottleneck_reason, language),
        "note": render(
            _(
                "Schedule {id} from {start}, made {made}; the line ships {rate} sets an hour "
                "while a shift is on.",
                id=schedule.id,
                start=_when(schedule.start),
                made=_when(schedule.made_at),
                rate=schedule.line_rate,
            ),
            language,
        ),
        "unshipped_note": render(
            _("{sets} sets not shipped within the schedule's horizon.", sets=schedule.unshipped),
            language,
        )
        if schedule.unshipped
        else "",
        "tasks": tasks,
        "shipments": shipments,
        "days": days,
    }


@router.get("/supply/points/{point_code}")
def point_page(request: Request, caller: Reader, point_code: str) -> Response:
    language = page_language(request)
    view = get_point(_store(request), caller, point_code)
    values: dict[str, Any] = {
        "point": view.point,
        "resources": _resources(view, language),
        "updated_at": _when(view.point.updated_at),
        "latest": None,
        "earlier": [
            {"id": item.id, "made_at": _when(item.made_at), "bottleneck": item.bottleneck}
            for item in view.schedules[1:]
        ],
    }
    if view.schedules:
        values["latest"] = _schedule_values(view.schedules[0], language)
    return render_page(request, caller, "consolidation_point.html", values, title=view.point.code)
