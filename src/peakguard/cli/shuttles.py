"""``peakguard supply shuttle``: plan a day's shuttles from a file (the body of ``POST
/supply/shuttles``, JSON or YAML: carrier, region, day, point, stations, orders with their
deliveries, and optionally vehicles), show a plan (each vehicle's trips with times and loads,
what is missing, what stays unserved), list the plans. As the local administrator."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from peakguard.api.routers.shuttles import PlanIn, order_demand
from peakguard.app.shuttles import (
    PlanRecord,
    get_shuttle_plan,
    list_shuttle_plans,
    plan_day_shuttles,
)
from peakguard.cli.console import LOCAL, handled, opened_store, print_table, say
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.history_document import cell_message
from peakguard.formats.structured import load_document
from peakguard.i18n import _

shuttles_app = typer.Typer(
    no_args_is_help=True, help="Shuttle transport and distribution (盘驳运输, 物资配送), seed 004."
)


def _read(path: Path) -> PlanIn:
    """The plan request in ``path``, read within the input limits (size, nesting, aliases,
    numbers: :func:`peakguard.formats.structured.load_document`), each mistake located."""
    data = load_document(path)
    try:
        return PlanIn.model_validate(data)
    except ValidationError as error:
        problems = [
            Problem(f"{path}: {'.'.join(str(p) for p in item['loc'])}", cell_message(item))
            for item in error.errors()
        ]
        raise InvalidInputError(_("{path} has mistakes.", path=str(path)), problems) from error


@shuttles_app.command("plan")
def shuttle_plan(
    path: Annotated[Path, typer.Argument(help="the day's plan request, JSON or YAML")],
) -> None:
    """Plan a day's shuttles and keep the plan (POST /supply/shuttles)."""
    with handled():
        body = _read(path)
        with opened_store() as store:
            saved = plan_day_shuttles(
                store, LOCAL, carrier=body.carrier, region=body.region, day=body.day,
                point=body.point.place(), stations=[s.place() for s in body.stations],
                orders=[order_demand(body.carrier, body.region, o) for o in body.orders],
                vehicles=None if body.vehicles is None else [v.vehicle() for v in body.vehicles],
            )  # fmt: skip
    print_plan(saved)


@shuttles_app.command("show")
def shuttle_show(plan_id: Annotated[int, typer.Argument(help="the plan's id")]) -> None:
    """A plan (GET /supply/shuttles/{id})."""
    with handled(), opened_store() as store:
        saved = get_shuttle_plan(store, LOCAL, plan_id)
    print_plan(saved)


@shuttles_app.command("list")
def shuttle_list() -> None:
    """The plans, the latest day first (GET /supply/shuttles)."""
    with handled(), opened_store() as store:
        found = list_shuttle_plans(store, LOCAL)
    print_table(
        _("Shuttle plans"),
        (_("Id"), _("Carrier"), _("Area"), _("Day"), _("Vehicles"), _("Sets delivered"),
         _("Sets unserved")),
        (
            (str(r.id), r.carrier, r.plan.region, r.plan.day.isoformat(), str(len(r.plan.routes)),
             str(r.plan.delivered_sets()), str(r.plan.unserved_sets()))
            for r in found
        ),
    )  # fmt: skip


def print_plan(record: PlanRecord) -> None:
    plan = record.plan
    say(
        _(
            "Shuttle plan {id}: {carrier} into {region} on {day}: {delivered} sets delivered, "
            "{unserved} unserved, {km} km.",
            id=record.id, carrier=record.carrier, region=plan.region, day=plan.day.isoformat(),
            delivered=plan.delivered_sets(), unserved=plan.unserved_sets(),
            km=f"{plan.distance_km:.1f}",
        )
    )  # fmt: skip
    rows = []
    for route in plan.routes:
        for trip in route.trips:
            for stop in trip.stops:
                rows.append(
                    (
                        f"{route.vehicle} {route.plate}", route.leg.value, str(trip.number),
                        f"{stop.name} ({stop.place})",
                        stop.arrives.astimezone(CHINA_STANDARD_TIME).strftime("%H:%M"),
                        str(stop.sets), f"{stop.kg:g}",
                    )
                )  # fmt: skip
    print_table(
        _("Routes"),
        (
            _("Vehicle"),
            _("Shuttle leg"),
            _("Shuttle trip"),
            _("Route stop"),
            _("Arrives"),
            _("Sets"),
            _("kg"),
        ),
        rows,
    )
    for item in plan.missing:
        say(_("Missing — {subject}:", subject=item.subject), style="yellow")
        for reason in item.reasons:
            say(reason)
    for unserved in plan.unserved:
        say(
            _(
                "Unserved: {sets} sets for {name} ({place}): {reason}",
                sets=unserved.sets, name=unserved.name, place=unserved.place,
                reason=unserved.reason,
            ),
            style="red",
        )  # fmt: skip
