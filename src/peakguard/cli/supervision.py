"""``peakguard supervise quotas|stops``: pickups against the quotas of the staggered pickup plan
in force, and outlets or stations that stopped without an approved closure (不得擅自停收或停投),
as GET /supervision/quotas and /supervision/stops answer them (docs/reference/supervision.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from peakguard.app.context import event_lake
from peakguard.app.supervision import (
    parse_day,
    parse_region,
    stops_document,
    unauthorised_stops,
)
from peakguard.app.supervision_quotas import quota_deviations, quota_document
from peakguard.cli.console import (
    LOCAL,
    handled,
    opened_store,
    plain,
    print_table,
    say,
    settings,
)
from peakguard.cli.events import LakeOption
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _, current_language

supervision_app = typer.Typer(
    no_args_is_help=True,
    help="Supervision of staggered shipping and of unauthorised stops of pickup or delivery.",
)

JsonOption = Annotated[
    Path | None,
    typer.Option("--json", help="also write the answer as JSON to this file (as the API's)"),
]


def _write_json(path: Path | None, document: dict[str, Any]) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    say(_("Wrote {path}", path=str(path)))


def _notes(document: dict[str, Any]) -> None:
    for note in document["notes"]:
        say(note)


def _status(row: dict[str, Any]) -> str:
    """Flagged, or the closure that excuses the stop; and the report that names it closed."""
    status = plain(_("flagged")) if row["flagged"] else str(row["authorised_by"])
    if row["reported_closed"]:
        status += " · " + plain(_("reported closed: {report}", report=row["reported_closed"]))
    return status


@supervision_app.command("quotas")
def quotas_command(
    network: Annotated[str, typer.Option("--network", help="the stored network's name")],
    day: Annotated[
        str | None, typer.Option("--day", help="one China-time day (default: every day)")
    ] = None,
    every: Annotated[
        bool, typer.Option("--every", help="every origin-day compared, not only deviations")
    ] = False,
    lake: LakeOption = None,
    json_file: JsonOption = None,
) -> None:
    """Each origin's pickups per day against the quotas of its plan in force: the deviations
    beyond the tolerance (over: volume the plan holds back pushed in; under: fewer orders, or
    pickup stopping)."""
    with handled():
        chosen = parse_day(day, "--day")
        with opened_store() as store:
            report = quota_deviations(
                store,
                event_lake(settings(), lake),
                settings().home.expanduser(),
                actor=LOCAL,
                network=network,
                day=chosen,
            )
        document = quota_document(report, language=current_language(), every=every)
    plans = ", ".join(plan["job_id"] for plan in document["plans"]) or "—"
    say(_("Plans in force: {plans}", plans=plans))
    print_table(
        _("Pickups against quotas"),
        [
            _("Origin"),
            _("Carrier"),
            _("Day"),
            _("Quota"),
            _("Picked up"),
            _("Difference"),
            _("Allowed"),
            _("Deviation"),
        ],
        [
            [
                row["origin"],
                row["carrier"],
                row["day"],
                str(row["quota"]),
                str(row["picked_up"]),
                str(row["difference"]),
                str(row["allowed"]),
                row["kind"],
            ]
            for row in document["deviations"]
        ],
    )
    _notes(document)
    _write_json(json_file, document)


@supervision_app.command("stops")
def stops_command(
    day: Annotated[str, typer.Option("--day", help="the China-time day, e.g. 2026-11-11")],
    region: Annotated[
        str | None, typer.Option("--region", help="a region code: 51, 5101 or 510104")
    ] = None,
    network: Annotated[str | None, typer.Option("--network", help="one stored network")] = None,
    flagged_only: Annotated[
        bool, typer.Option("--flagged-only", help="only the stops no approved closure covers")
    ] = False,
    lake: LakeOption = None,
    json_file: JsonOption = None,
) -> None:
    """The outlets that stopped pickup and the stations that stopped delivery on the day,
    each flagged unless an approved closure covers it."""
    with handled():
        chosen = parse_day(day, "--day")
        if chosen is None:
            message = _("Give the day, e.g. 2026-11-11.")
            raise InvalidInputError(message, [Problem("--day", message)])
        with opened_store() as store:
            report = unauthorised_stops(
                store,
                event_lake(settings(), lake),
                actor=LOCAL,
                day=chosen,
                region=parse_region(region, "--region"),
                network=network,
            )
        document = stops_document(report, language=current_language(), every=not flagged_only)
    say(
        _(
            "{judged} outlets and stations judged on {day}; {flagged} flagged.",
            judged=document["judged"],
            day=document["day"],
            flagged=document["flagged"],
        )
    )
    print_table(
        _("Stops of pickup or delivery"),
        [
            _("Node"),
            _("Carrier"),
            _("Region"),
            _("Stop"),
            _("Count"),
            _("Normal day"),
            _("Share"),
            _("Status"),
        ],
        [
            [
                row["node"],
                row["carrier"],
                row["region"],
                row["kind"],
                str(row["count"]),
                f"{row['normal']:g}",
                "—" if row["share"] is None else f"{row['share']:.0%}",
                _status(row),
            ]
            for row in document["stops"]
        ],
    )
    _notes(document)
    _write_json(json_file, document)
