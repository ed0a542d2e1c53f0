"""``peakguard duty``: the 24-hour duty (值班值守) — the roster (set from a file, show), who is
on duty now, the duty log, alerts, acknowledging one, and the sweep that escalates them. Each
command calls the operation its API route calls (``PUT /duty/rosters``, ``GET /duty/now`` …),
as the local administrator, on the office named by ``--office``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError

from peakguard.api.routers.duty import RosterIn
from peakguard.app import duty as desk
from peakguard.app.alerts import (
    acknowledge,
    alert_case_reminders,
    alert_message,
    office_alerts,
    sweep_alerts,
)
from peakguard.cli.console import LOCAL, handled, opened_store, print_figures, print_table, say
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.validation_messages import message_for
from peakguard.i18n import _, render

duty_app = typer.Typer(
    no_args_is_help=True,
    help="The 24-hour duty: rosters, the duty log, handovers, alerts and their acknowledgement.",
)
roster_app = typer.Typer(
    no_args_is_help=True, help="An office's duty roster: set from a file, show"
)
duty_app.add_typer(roster_app, name="roster")

OfficeOption = Annotated[str, typer.Option("--office", help="the office's organisation code")]


def _moment(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def read_roster_file(path: Path) -> RosterIn:
    """A roster file (YAML or JSON, as ``PUT /duty/rosters`` takes it); every mistake located."""
    try:
        document: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        message = _("cannot read the roster file: {detail}", detail=str(error).splitlines()[0])
        raise InvalidInputError(message, [Problem(path.name, message)]) from None
    try:
        return RosterIn.model_validate(document)
    except ValidationError as error:
        problems = [
            Problem(
                f"{path.name}: " + ".".join(str(part) for part in detail["loc"]),
                message_for(detail),
            )
            for detail in error.errors()
        ]
        raise InvalidInputError(_("the roster file has mistakes"), problems) from None


def _show(view: desk.RosterView) -> None:
    print_table(
        _("Roster of {office}, version {version}", office=view.office, version=view.version),
        [_("Day"), _("Shift"), _("Leader on duty"), _("Duty officers in order")],
        [
            [
                watch.day.isoformat(),
                watch.shift,
                watch.leader.username if watch.leader else "-",
                " ".join(person.username for person in watch.officers) or "-",
            ]
            for watch in view.watches
        ],
    )


@roster_app.command("set")
def roster_set(
    file: Annotated[
        Path, typer.Argument(help="YAML/JSON: office, first, last, expected_version, watches")
    ],
) -> None:
    """Replace an office's roster of a period from a file (refused if its version moved)."""
    with handled(), opened_store() as store:
        body = read_roster_file(file)
        view = desk.set_roster(
            store,
            LOCAL,
            first=body.first,
            last=body.last,
            watches=[
                desk.WatchInput(w.day, w.shift, w.leader, tuple(w.officers)) for w in body.watches
            ],
            expected_version=body.expected_version,
            shifts=body.shifts,
            acknowledge_minutes=body.acknowledge_minutes,
            office=body.office,
        )
        _show(view)


@roster_app.command("show")
def roster_show(
    office: OfficeOption,
    first: Annotated[str, typer.Option(help="first day, YYYY-MM-DD (default today)")] = "",
    days: Annotated[int, typer.Option(min=1, max=62, help="how many days")] = 7,
) -> None:
    """Show an office's roster, every shift staffed or not."""
    with handled(), opened_store() as store:
        start = date.fromisoformat(first) if first else datetime.now(CHINA_STANDARD_TIME).date()
        view = desk.get_roster(
            store, LOCAL, first=start, last=start + timedelta(days=days - 1), office=office
        )
        _show(view)


@duty_app.command("now")
def now(office: OfficeOption) -> None:
    """Who is on duty at an office now and next, and its open alerts."""
    with handled(), opened_store() as store:
        found = desk.duty_now(store, LOCAL, office=office)
    if found.current is None:
        say(desk.no_one_on_duty(), style="bold red")
    watch = found.current
    print_figures(
        _("Duty at {office}", office=found.office),
        [
            (_("Shift"), watch.shift if watch else "-"),
            (_("Leader on duty"), watch.leader.username if watch and watch.leader else "-"),
            (
                _("Duty officers in order"),
                " ".join(p.username for p in watch.officers) if watch else "-",
            ),
            (_("Open alerts"), str(found.open_alerts)),
            (_("Alerts delivered to nobody"), str(found.unassigned_alerts)),
        ],
    )


@duty_app.command("log")
def log(
    office: OfficeOption,
    add: Annotated[str, typer.Option(help="append this entry first")] = "",
    subject: Annotated[str, typer.Option(help="case:…, incident:…, warning:…, report:…")] = "",
) -> None:
    """Show an office's duty log (newest first), after appending ``--add`` if given."""
    with handled(), opened_store() as store:
        if add:
            desk.add_log_entry(store, LOCAL, text=add, subject=subject or None, office=office)
        entries = desk.read_log(store, LOCAL, office=office, limit=50)
    print_table(
        _("Duty log of {office}", office=office),
        [_("Time"), _("By"), _("About"), _("Entry")],
        [[_moment(e.at), e.author, e.subject or "-", e.text] for e in entries],
    )


@duty_app.command("alerts")
def alerts(
    office: OfficeOption,
    open_only: Annotated[bool, typer.Option("--open", help="only unacknowledged")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="as JSON")] = False,
) -> None:
    """An office's alerts, open ones first."""
    with handled(), opened_store() as store:
        found = office_alerts(store, LOCAL, open_only=open_only, office=office)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "id": a.id,
                        "kind": a.kind,
                        "subject": a.subject,
                        "summary": render(alert_message(a)),
                        "step": a.step,
                        "acknowledged_by": a.acknowledged_by,
                    }
                    for a in found
                ],
                ensure_ascii=False,
            )
        )
        return
    print_table(
        _("Alerts of {office}", office=office),
        [_("Id"), _("Raised"), _("About"), _("Alert"), _("Escalation step"), _("Acknowledged by")],
        [
            [
                str(a.id),
                _moment(a.raised_at),
                a.subject,
                render(alert_message(a)),
                str(a.step),
                a.acknowledged_by or "-",
            ]
            for a in found
        ],
    )


@duty_app.command("ack")
def ack(
    alert_id: Annotated[int, typer.Argument(min=1)],
    note: Annotated[str, typer.Option(help="what was done")] = "",
) -> None:
    """Acknowledge an alert: it stops escalating."""
    with handled(), opened_store() as store:
        acknowledge(store, LOCAL, alert_id, note=note or None)
    say(_("Alert {id} acknowledged.", id=alert_id))


@duty_app.command("sweep")
def sweep() -> None:
    """Alert the complaint reminders not alerted yet, then escalate the alerts due (each step
    once, however often it runs; the server runs it by itself)."""
    with handled(), opened_store() as store:
        alerted = alert_case_reminders(store)
        report = sweep_alerts(store, now=datetime.now(UTC))
    print_figures(
        _("Duty sweep"),
        [
            (_("Ran (another sweep held the lock if not)"), str(report.ran)),
            (_("Complaint reminders alerted"), str(alerted)),
            (_("Open alerts examined"), str(report.examined)),
            (_("Escalations"), str(report.escalations)),
        ],
    )
