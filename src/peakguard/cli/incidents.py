"""``peakguard incident``: incidents (突发事件信息报告) — open one from a file, list, show, add a
report, reroute around its hubs, sweep the blockage clocks. Each command calls the operation
its API route calls (``POST /incidents``, ``POST /incidents/{reference}/reports`` …), as the
local administrator."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from peakguard.app.announcements import STATUS_LABELS
from peakguard.app.incident_reroute import plan_incident_reroute
from peakguard.app.incidents import (
    ClockView,
    IncidentDraft,
    IncidentView,
    add_report,
    get_incident,
    list_incidents,
    open_incident,
    sweep_incidents,
)
from peakguard.cases.incidents import ReportKind, report_label, type_label
from peakguard.cli.console import LOCAL, handled, opened_store, print_figures, print_table, say
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.structured import load_document
from peakguard.i18n import Message, _, render

incidents_app = typer.Typer(
    no_args_is_help=True,
    help="Incidents (突发事件): open from a file, list, show, report, reroute, sweep the clocks",
)

FIELDS = (
    "type",
    "carrier",
    "region",
    "start",
    "until",
    "blocked",
    "blocked_at",
    "network",
    "nodes",
    "description",
    "text",
    "figures",
)


def _moment(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def _when(value: object, where: str, problems: list[Problem]) -> datetime | None:
    """A moment of the file: ISO text or a YAML timestamp; without a zone, China time."""
    if value is None:
        return None
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, datetime.min.time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if moment is None:
        problems.append(Problem(where, _("give a moment such as 2026-11-11T06:00 (China time)")))
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_STANDARD_TIME)


def _text(document: dict[str, Any], key: str, where: str, problems: list[Problem]) -> str:
    value = document.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(Problem(f"{where}: {key}", _("must be text")))
        return ""
    return value


def draft_from(document: object, where: str) -> IncidentDraft:
    """The incident a file describes (its fields are the API's ``POST /incidents`` body)."""
    if not isinstance(document, dict):
        message = _("must be a mapping of the incident's fields")
        raise InvalidInputError(_("The incident file has mistakes."), [Problem(where, message)])
    problems = [
        Problem(f"{where}: {key}", _("is not a field; the fields are {f}", f=", ".join(FIELDS)))
        for key in document
        if key not in FIELDS
    ]
    start = _when(document.get("start"), f"{where}: start", problems)
    if start is None and "start" not in document:
        problems.append(Problem(f"{where}: start", _("is required")))
    nodes = document.get("nodes") or []
    if not isinstance(nodes, list) or not all(isinstance(node, str) for node in nodes):
        problems.append(Problem(f"{where}: nodes", _("must be a list of node ids")))
        nodes = []
    figures = document.get("figures") or {}
    if not isinstance(figures, dict):
        problems.append(Problem(f"{where}: figures", _("must be a mapping of figures")))
        figures = {}
    blocked = document.get("blocked", False)
    if not isinstance(blocked, bool):
        problems.append(Problem(f"{where}: blocked", _("must be true or false")))
    network = document.get("network")
    draft = IncidentDraft(
        incident_type=_text(document, "type", where, problems),
        carrier=_text(document, "carrier", where, problems),
        region=str(document.get("region", "")),
        period_start=start or datetime.now(UTC),
        period_end=_when(document.get("until"), f"{where}: until", problems),
        blocked=blocked is True,
        blocked_at=_when(document.get("blocked_at"), f"{where}: blocked_at", problems),
        network=network if isinstance(network, str) else None,
        nodes=tuple(nodes),
        description=_text(document, "description", where, problems),
        text=_text(document, "text", where, problems),
        figures=figures,
    )
    if problems:
        raise InvalidInputError(_("The incident file has mistakes."), problems)
    return draft


@incidents_app.command("open")
def incident_open(
    path: Annotated[Path, typer.Argument(help="the incident as YAML or JSON (POST /incidents)")],
) -> None:
    """Open an incident with its first report; a blockage starts the 24-hour clock."""
    with handled():
        draft = draft_from(load_document(path), path.name)
        with opened_store() as store:
            view = open_incident(store, draft, actor=LOCAL)
    print_incident(view)


def _clock(clock: ClockView | None) -> str:
    if clock is None:
        return "-"
    if clock.time_left is not None:
        hours = clock.time_left / timedelta(hours=1)
        return render(_("due {due} ({hours:.1f} h left)", due=_moment(clock.due_at), hours=hours))
    return f"{clock.outcome} ({_moment(clock.due_at)})"


@incidents_app.command("list")
def incident_list(
    state: Annotated[str | None, typer.Option(help="recorded, reported or closed")] = None,
) -> None:
    """The incidents, open ones first (GET /incidents)."""
    with handled(), opened_store() as store:
        found = list_incidents(store, actor=LOCAL, state=state)
    print_table(
        _("Incidents (open first)"),
        (_("Reference"), _("Type"), _("State"), _("Carrier"), _("Region"), _("Since"), _("Clock")),
        (
            (
                line.incident.reference,
                render(type_label(line.incident.incident_type)),
                line.incident.state,
                line.incident.carrier,
                line.incident.region,
                _moment(line.incident.period_start),
                _clock(line.clock),
            )
            for line in found
        ),
    )


@incidents_app.command("show")
def incident_show(reference: Annotated[str, typer.Argument(help="SJ2026-000001")]) -> None:
    """The incident with its reports, clock, announcement draft and backups."""
    with handled(), opened_store() as store:
        view = get_incident(store, reference, actor=LOCAL)
    print_incident(view)


def print_incident(view: IncidentView) -> None:
    incident = view.incident
    rows: list[tuple[Message, str]] = [
        (_("Reference"), incident.reference),
        (_("Type"), render(type_label(incident.incident_type))),
        (_("State"), incident.state),
        (_("Version"), str(incident.version)),
        (_("Carrier"), incident.carrier),
        (_("Region"), incident.region),
        (_("Nodes"), ", ".join(incident.nodes) or "-"),
        (_("Since"), _moment(incident.period_start)),
        (_("Expected until"), _moment(incident.period_end)),
        (_("Network blocked"), _moment(incident.blocked_at) if incident.blocked else "-"),
        (_("Blockage report clock"), _clock(view.clock)),
    ]
    print_figures(_("Incident {reference}", reference=incident.reference), rows)
    print_table(
        _("Reports"),
        (_("No."), _("Kind"), _("At"), _("By"), _("Text")),
        (
            (
                str(report.seq),
                render(report_label(report.kind)),
                _moment(report.at),
                report.author,
                report.text,
            )
            for report in view.reports
        ),
    )
    if view.announcement is not None:
        status = STATUS_LABELS.get(view.announcement.status, view.announcement.status)
        say(_("Announcement ({status}):", status=status))
        say(view.announcement.texts.get("zh_CN", ""))
    for closure in (incident.reroute or {}).get("closures", []):
        for backup in closure["backups"]:
            say(
                _(
                    "{closed} → {hub}: {share:.0%} of the parcels",
                    closed=", ".join(closure["nodes"]),
                    hub=backup["hub"],
                    share=backup["parcel_share"],
                )
            )


@incidents_app.command("report")
def incident_report(
    reference: Annotated[str, typer.Argument(help="SJ2026-000001")],
    kind: Annotated[ReportKind, typer.Option(help="first, follow_up, final or correction")],
    text: Annotated[str, typer.Option(help="what the report says")],
    version: Annotated[int, typer.Option(help="the version you read (incident show)")],
    parcels_held: Annotated[int | None, typer.Option(min=0)] = None,
    outlets_affected: Annotated[int | None, typer.Option(min=0)] = None,
    corrects: Annotated[int | None, typer.Option(help="the report a correction corrects")] = None,
    blocked_at: Annotated[
        str | None, typer.Option(help="the network became blocked then (2026-11-11T06:00)")
    ] = None,
) -> None:
    """Add a report (POST /incidents/{reference}/reports); --blocked-at declares a blockage."""
    figures = {
        name: value
        for name, value in (("parcels_held", parcels_held), ("outlets_affected", outlets_affected))
        if value is not None
    }
    with handled():
        problems: list[Problem] = []
        blocked = _when(blocked_at, "--blocked-at", problems)
        if problems:
            raise InvalidInputError(_("The report has mistakes."), problems)
        with opened_store() as store:
            view = add_report(
                store,
                reference,
                kind.value,
                expected_version=version,
                text=text,
                figures=figures,
                corrects=corrects,
                blocked_at=blocked,
                actor=LOCAL,
            )
    print_incident(view)


@incidents_app.command("reroute")
def incident_reroute(reference: Annotated[str, typer.Argument(help="SJ2026-000001")]) -> None:
    """Reroute around the incident's hubs and attach the backups."""
    with handled(), opened_store() as store:
        view = plan_incident_reroute(store, LOCAL, reference)
    print_incident(view)


@incidents_app.command("sweep")
def incident_sweep() -> None:
    """Mark overdue blockage clocks breached (once each) and alert the regional duty."""
    with handled(), opened_store() as store:
        report = sweep_incidents(store)
    say(
        _(
            "Blockage clocks examined: {examined}; breached now: {breaches}; alerts: {alerts}.",
            examined=report.examined,
            breaches=report.breaches,
            alerts=report.alerts,
        )
    )
