"""``peakguard supply point``: consolidation points (汇集点, seed 004) — register one from a
file, list, show with its latest schedule, and schedule orders through it. Each command calls
the operation its API route calls (``POST /supply/points``, ``POST
/supply/points/{code}/schedules`` …), as the local administrator. The files are YAML or JSON
in the API's bodies' form (docs/reference/consolidation-points.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from peakguard.api.routers.consolidation import PointIn, ScheduleIn
from peakguard.app.consolidation import (
    PointDraft,
    get_point,
    list_points,
    register_point,
    schedule_orders,
)
from peakguard.app.consolidation_views import PointView, ScheduleView
from peakguard.cli.console import LOCAL, handled, opened_store, print_figures, print_table, say
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.structured import load_document
from peakguard.formats.validation_messages import message_for
from peakguard.i18n import Message, _, render
from peakguard.supply.consolidation import even_staffing
from peakguard.supply.consolidation_schedule import GoodsArrival, PointOrder

points_app = typer.Typer(no_args_is_help=True, help="Consolidation points (汇集点), seed 004.")

Code = Annotated[str, typer.Argument(help="the point's code, e.g. QL-1")]
M = TypeVar("M", bound=BaseModel)


def read_body(path: Path, model: type[M], what: Message) -> M:
    """A YAML or JSON file as the API's body ``model``; every mistake located."""
    document: Any = load_document(path)
    try:
        return model.model_validate(document)
    except ValidationError as error:
        problems = [
            Problem(
                f"{path.name}: " + ".".join(str(part) for part in detail["loc"]),
                message_for(detail),
            )
            for detail in error.errors()
        ]
        raise InvalidInputError(_("the {what} file has mistakes", what=what), problems) from None


def _moment(value: Any) -> str:
    if value is None:
        return "-"
    return str(value.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M"))


@points_app.command("add")
def point_add(
    path: Annotated[Path, typer.Argument(help="the point, YAML or JSON (POST /supply/points)")],
) -> None:
    """Register a consolidation point with its resources and task rates."""
    with handled():
        body = read_body(path, PointIn, _("consolidation point"))
        draft = PointDraft(
            code=body.code, name=body.name, carrier=body.carrier, region=body.region,
            latitude=body.latitude, longitude=body.longitude, resources=body.resources.core(),
            rates=body.rates.core(), serves_region=body.serves_region,
        )  # fmt: skip
        with opened_store() as store:
            view = register_point(store, LOCAL, draft)
    say(_("Registered the consolidation point {code}.", code=view.point.code))
    print_point(view)


@points_app.command("list")
def point_list() -> None:
    """The consolidation points, by code."""
    with handled(), opened_store() as store:
        points = list_points(store, LOCAL)
    print_table(
        _("Consolidation points"),
        [_("Code"), _("Name"), _("Carrier"), _("Region"), _("Staff per shift"), _("Version")],
        [
            [p.code, p.name, p.carrier, p.region, str(p.resources.staff_per_shift), str(p.version)]
            for p in points
        ],
    )


@points_app.command("show")
def point_show(code: Code) -> None:
    """The point's resources and its latest schedule (tasks, bottleneck, shipments, plan)."""
    with handled(), opened_store() as store:
        view = get_point(store, LOCAL, code, schedules=1)
    print_point(view)
    if view.schedules:
        print_schedule(view.schedules[0])


@points_app.command("schedule")
def point_schedule(
    code: Code,
    path: Annotated[
        Path, typer.Argument(help="the orders, YAML or JSON (POST /supply/points/{code}/schedules)")
    ],
    even: Annotated[
        bool, typer.Option("--even", help="split the staff evenly (default: in balance)")
    ] = False,
) -> None:
    """Schedule orders through the point: when each ships, the bottleneck, the plan."""
    with handled():
        body = read_body(path, ScheduleIn, _("orders"))
        orders = [
            PointOrder(
                order.reference,
                tuple(GoodsArrival(item.source, item.sets, item.at) for item in order.arrivals),
                order.needed_by,
            )
            for order in body.orders
        ]
        with opened_store() as store:
            staffing = body.staffing
            if even:
                staffing = even_staffing(
                    get_point(store, LOCAL, code).point.resources.staff_per_shift
                )
            view = schedule_orders(
                store, LOCAL, code, orders, start=body.start, days=body.days, staffing=staffing
            )
    print_schedule(view)


def print_point(view: PointView) -> None:
    point, resources = view.point, view.point.resources
    rows: list[tuple[Message, str]] = [
        (_("Code"), point.code),
        (_("Name"), point.name),
        (_("Carrier"), point.carrier),
        (_("Region"), point.region + (f" → {point.serves_region}" if point.serves_region else "")),
        (_("Version"), str(point.version)),
        (_("Floor area"), f"{resources.floor_area_m2:g} m²"),
        (_("Staff per shift"), str(resources.staff_per_shift)),
        (_("Shifts"), f"{resources.shifts_per_day} × {resources.shift_hours} h"),
        (_("Forklifts"), str(resources.forklifts)),
        (_("Pallets"), str(resources.pallets)),
        (_("Racks"), str(resources.racks)),
        (_("Trailers"), str(resources.trailers)),
        (_("Handling equipment"), str(resources.handling_equipment)),
        (
            _("Warehouse system (仓储管理系统)"),
            render(_("yes") if resources.warehouse_system else _("no")),
        ),
    ]
    print_figures(_("Consolidation point {code}", code=point.code), rows)


def print_schedule(view: ScheduleView) -> None:
    say(
        _(
            "Schedule {id}: the line ships {rate} sets an hour. {reason}",
            id=view.id,
            rate=view.line_rate,
            reason=view.bottleneck_reason,
        )
    )
    print_table(
        _("The seven tasks"),
        [
            _("Task"),
            _("Sets per staff-hour"),
            _("Staff"),
            _("Sets an hour"),
            _("Load (sets)"),
            _("Hours needed"),
        ],
        [
            [
                render(row.label),
                f"{row.rate:g}",
                f"{row.staff:.2f}",
                str(row.hourly),
                str(row.load),
                "-" if row.hours_needed is None else f"{row.hours_needed:.1f}",
            ]
            for row in view.tasks
        ],
    )
    print_table(
        _("When each order ships"),
        [_("Order"), _("Sets"), _("Goods in"), _("Ships"), _("Needed by"), _("Late")],
        [
            [
                row.reference,
                str(row.sets),
                _moment(row.goods_in_at),
                _moment(row.shipped_at),
                _moment(row.needed_by),
                render(_("late")) if row.late else "",
            ]
            for row in view.shipments
        ],
    )
    print_table(
        _("Capacity plan"),
        [
            _("Day"),
            _("Sets arriving"),
            _("Sets shipped"),
            _("Left at the day's end"),
            _("Sets the line can ship"),
            _("Staff needed per shift"),
            _("Staff short"),
            _("Equipment short"),
        ],
        [
            [
                row.day.isoformat(),
                str(row.arriving),
                str(row.shipped),
                str(row.left),
                str(row.capacity),
                str(row.staff_needed),
                str(row.staff_shortfall),
                "-" if row.equipment_label is None else render(row.equipment_label),
            ]
            for row in view.days
        ],
    )
