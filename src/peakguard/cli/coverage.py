"""``peakguard coverage``: public service during controls (异地分区覆盖集散, seed 004;
docs/reference/coverage-plans.md) — plan the coverage of a closed province or city from backup
centres, list the plans, show one. Each command calls the operation its API route calls
(``POST /coverage``, ``GET /coverage``, ``GET /coverage/{id}``), as the local administrator."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer

from peakguard.app.coverage import (
    CoverageView,
    get_coverage_plan,
    list_coverage_plans,
    plan_area_coverage,
)
from peakguard.cli.console import LOCAL, handled, opened_store, print_figures, print_table, say
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _, current_language, render
from peakguard.optimize.coverage import SortingDepth
from peakguard.optimize.coverage_parts import depth_label

coverage_app = typer.Typer(
    no_args_is_help=True,
    help="Coverage of a closed province or city (异地分区覆盖集散): plan, list, show",
)


def _moment(value: datetime) -> str:
    return value.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def _when(value: str, where: str, problems: list[Problem]) -> datetime | None:
    """An ISO moment; without a zone, China time."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        problems.append(Problem(where, _("give a moment such as 2026-11-11T10:00 (China time)")))
        return None


@coverage_app.command("plan")
def coverage_plan(
    network: Annotated[str, typer.Argument(help="the stored network's name")],
    region: Annotated[str, typer.Argument(help="the closed region's GB/T 2260 code")],
    start: Annotated[str, typer.Option(help="closed from, 2026-11-12T00:00 (China time)")],
    end: Annotated[str, typer.Option(help="closed until")],
    depth: Annotated[
        SortingDepth | None, typer.Option(help="default: by the region's level")
    ] = None,
    carrier: Annotated[str | None, typer.Option(help="whose mail, e.g. EMS")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the plan as JSON")] = False,
) -> None:
    """Plan the coverage of a closed region (POST /coverage) and keep it."""
    with handled():
        problems: list[Problem] = []
        begin, finish = _when(start, "--start", problems), _when(end, "--end", problems)
        if problems or begin is None or finish is None:
            raise InvalidInputError(_("The coverage plan cannot be made."), problems)
        with opened_store() as store:
            view = plan_area_coverage(
                store, LOCAL, network, region, begin, finish, depth, carrier=carrier
            )
    print_plan(view, as_json=as_json)


@coverage_app.command("list")
def coverage_list(
    network: Annotated[str | None, typer.Option(help="only this network's plans")] = None,
) -> None:
    """The coverage plans, newest first (GET /coverage)."""
    with handled(), opened_store() as store:
        found = list_coverage_plans(store, LOCAL, network=network)
    print_table(
        _("Coverage plans (newest first)"),
        (_("Plan"), _("Closed region"), _("Carrier"), _("Network"), _("Closed from"),
         _("Closed until"), _("Backup centres"), _("Parcels a day"), _("Not covered")),
        (
            (str(v.id), f"{v.region_name} ({v.region})", v.carrier, v.network,
             _moment(v.start), _moment(v.end), ", ".join(v.centres), str(v.parcels),
             str(v.unabsorbed_parcels))
            for v in found
        ),
    )  # fmt: skip


@coverage_app.command("show")
def coverage_show(
    plan_id: Annotated[int, typer.Argument(help="the plan's number")],
    as_json: Annotated[bool, typer.Option("--json", help="print the plan as JSON")] = False,
) -> None:
    """One coverage plan: centres, split, depth, relations (GET /coverage/{id})."""
    with handled(), opened_store() as store:
        view = get_coverage_plan(store, LOCAL, plan_id)
    print_plan(view, as_json=as_json)


def _json(view: CoverageView) -> dict[str, Any]:
    return {
        "id": view.id,
        "network": view.network,
        "carrier": view.carrier,
        "region": view.region,
        "region_name": view.region_name,
        "depth": view.depth.value,
        "start": view.start.isoformat(),
        "end": view.end.isoformat(),
        "centres": list(view.centres),
        **view.rendered(current_language()),
    }


def print_plan(view: CoverageView, *, as_json: bool = False) -> None:
    if as_json:
        typer.echo(json.dumps(_json(view), ensure_ascii=False, indent=2))
        return
    document = view.rendered(current_language())
    rows: list[tuple[Message, str]] = [
        (_("Plan"), str(view.id)),
        (_("Closed region"), f"{view.region_name} ({view.region})"),
        (_("Carrier"), view.carrier),
        (_("Closed from"), _moment(view.start)),
        (_("Closed until"), _moment(view.end)),
        (_("Sorting depth"), render(depth_label(view.depth))),
        (_("Parcels a day"), str(view.parcels)),
        (_("Not covered"), str(view.unabsorbed_parcels)),
    ]
    print_figures(_("Coverage plan {id}", id=view.id), rows)
    for sentence in view.reasons:
        say(sentence)
    names = {c["hub"]: c["name"] for c in document["candidates"]}
    print_table(
        _("Backup centres"),
        (_("Centre"), _("Decision"), _("Spare a day"), _("Takes a day"), _("Why")),
        ((c["name"], c["status"], str(c["spare"]), str(c["parcels"]), c["reason"])
         for c in document["candidates"]),
    )  # fmt: skip
    print_table(
        _("The split: each part, its volume and its centre"),
        (_("Part"), _("Parcels a day"), _("Centre"), _("Road hours"), _("Sorted to")),
        ((p["name"], str(p["parcels"]), names.get(p["centre"] or "", "-"),
          str(p["road_hours"] or "-"), ", ".join(t["name"] for t in p["targets"]))
         for p in document["parts"]),
    )  # fmt: skip
