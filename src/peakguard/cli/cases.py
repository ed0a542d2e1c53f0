"""``peakguard cases``: complaints (投诉) and appeals (申诉) — list, show, open, step, sweep;
and ``peakguard calendar``: the working-day calendar their clocks run on — load a year's
holiday notice, list the years it knows. Each command calls the operation its API route calls
(``GET /cases``, ``POST /cases/{reference}/steps``, ``POST /calendar/notices`` …), as the local
administrator."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.case_calendar import load_year_notice, working_calendar
from peakguard.app.case_drafts import CaseDraft, CaseQuery, StepInput
from peakguard.app.case_import import import_cases
from peakguard.app.case_retention import remove_expired_personal_data
from peakguard.app.case_sweep import sweep_cases
from peakguard.app.case_views import CaseView
from peakguard.app.cases import get_case, list_cases, open_case, take_step
from peakguard.cases.model import (
    Action,
    CaseKind,
    Category,
    Complainant,
    Intake,
    RejectionReason,
    label,
)
from peakguard.cli.console import (
    LOCAL,
    handled,
    opened_store,
    print_figures,
    print_table,
    say,
    settings,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.calendar_notice import read_notice
from peakguard.i18n import Message, _, render

cases_app = typer.Typer(
    no_args_is_help=True,
    help="Complaints (投诉) and appeals (申诉): list, show, open, take a step, sweep the clocks",
)
calendar_app = typer.Typer(
    no_args_is_help=True,
    help="China's working-day calendar of the cases' clocks: load a year's notice, list years",
)


def _moment(value: datetime | None) -> str:
    """A stored moment as China time, to the minute (what a desk reads)."""
    if value is None:
        return "-"
    zoned = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return zoned.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def _received_at(text: str) -> datetime:
    """``--received-at`` as a moment; without a zone it is China time (as everywhere here)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        message = _("give a moment such as 2026-11-12T09:30 (China time) or with its zone")
        raise InvalidInputError(message, [Problem("--received-at", message)]) from None
    zoned = moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_STANDARD_TIME)
    _day(zoned.date().isoformat(), "--received-at")
    return zoned


def _next_due(view: CaseView) -> str:
    running = [c.due_at for c in view.clocks if c.outcome == "running" and c.due_at is not None]
    return _moment(min(running)) if running else "-"


@cases_app.command("list")
def cases_list(
    kind: Annotated[CaseKind | None, typer.Option(help="complaint or appeal")] = None,
    state: Annotated[list[str] | None, typer.Option(help="a state; repeat for several")] = None,
    carrier: Annotated[list[str] | None, typer.Option(help="a carrier code; repeatable")] = None,
    region: Annotated[
        str | None, typer.Option(help="a region prefix: 51, 5101, or a county's 510104")
    ] = None,
    overdue: Annotated[bool, typer.Option(help="only cases with a clock past due")] = False,
    search: Annotated[str | None, typer.Option(help="reference, waybill or text")] = None,
    received_from: Annotated[
        str | None, typer.Option(help="first day received, 2026-11-01")
    ] = None,
    received_to: Annotated[str | None, typer.Option(help="last day received")] = None,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    order: Annotated[
        str, typer.Option(help="deadline (the most urgent first), -received_at, reference …")
    ] = "deadline",
) -> None:
    """The cases matching the filters, newest first, complainants masked (GET /cases)."""
    with handled():
        query = CaseQuery(
            kinds=(kind,) if kind else (),
            states=tuple(state or ()),
            carriers=tuple(carrier or ()),
            region=region,
            overdue=overdue,
            search=search,
            received_from=_day(received_from, "--received-from"),
            received_to=_day(received_to, "--received-to"),
            offset=offset,
            limit=limit,
            order=order,
        )
        with opened_store() as store:
            found = list_cases(store, query, actor=LOCAL)
    now = datetime.now(UTC)
    print_table(
        _(
            "Cases {first}–{last} of {total} (SS: appeal, TS: complaint; !: past a deadline)",
            first=min(offset + 1, found.total),
            last=offset + len(found.cases),
            total=found.total,
        ),
        (
            _("Reference"),
            _("State"),
            _("Carrier"),
            _("Region"),
            _("Received"),
            _("Next deadline"),
        ),
        (
            (
                view.reference,
                view.state,
                view.carrier,
                view.region,
                _moment(view.received_at)[:10],
                _next_due(view) + (" !" if any(c.overdue(now) for c in view.clocks) else ""),
            )
            for view in found.cases
        ),
    )


def _day(text: str | None, where: str) -> date | None:
    """A day the options give, within the years any case can concern (the API's bounds: a
    year-9999 day has no deadline after it)."""
    if text is None:
        return None
    limits = settings().input_limits()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not limits.earliest_time.date() <= day or day.year > limits.latest_year:
        message = _(
            "give a day such as 2026-11-01, from {earliest} to the year {latest}",
            earliest=limits.earliest_time.date().isoformat(),
            latest=limits.latest_year,
        )
        raise InvalidInputError(message, [Problem(where, message)])
    return day


@cases_app.command("show")
def cases_show(
    reference: Annotated[str, typer.Argument(help="the case's reference")],
    personal: Annotated[
        bool,
        typer.Option(
            "--personal",
            help="show the complainant in clear (recorded in the audit trail; "
            "GET /cases/{reference}/personal)",
        ),
    ] = False,
) -> None:
    """The case with its clocks, steps and the steps it can take (GET /cases/{reference})."""
    with handled(), opened_store() as store:
        view = get_case(store, reference, actor=LOCAL, reveal=personal)
    print_case(view)


def print_case(view: CaseView) -> None:
    """A case as a desk reads it: its facts, its clocks, its history, what it can do next."""
    person = view.complainant
    rows: list[tuple[Message, str]] = [
        (_("Kind"), render(label(CaseKind(view.kind))) + (" ⚠" if view.emergency else "")),
        (_("State"), view.state),
        (_("Version"), str(view.version)),
        (_("Carrier"), view.carrier),
        (_("Region"), view.region),
        (_("Channel"), render(label(Intake(view.channel)))),
        (_("Category"), render(label(Category(view.category)))),
        (_("Waybill"), view.waybill or "-"),
        (_("Received"), _moment(view.received_at)),
        (
            _("Complainant"),
            " / ".join(v for v in (person.name, person.phone, person.address) if v) or "-",
        ),
        (_("Summary"), view.summary),
    ]
    for heading, value in (
        (_("Answer"), view.answer),
        (_("Rejection reason"), view.rejection_reason),
        (_("Call-back"), view.call_back_result),
        (_("Linked case"), view.linked_reference),
        (_("Forwarded to"), view.carrier_organisation),
    ):
        if value:
            rows.append((heading, value))
    if view.finding_valid is not None:
        finding = _("valid: the carrier is responsible") if view.finding_valid else _("not valid")
        category = f" ({view.finding_category})" if view.finding_category else ""
        rows.append((_("Finding"), render(finding) + category))
    print_figures(_("Case {reference}", reference=view.reference), rows)
    now = datetime.now(UTC)
    print_table(
        _("Clocks"),
        (_("Rule"), _("Limit"), _("Source"), _("Started"), _("Due"), _("Outcome")),
        (
            (
                clock.rule_key,
                f"{clock.limit} {clock.basis}",
                clock.source,
                _moment(clock.started_at),
                _moment(clock.due_at),
                clock.outcome + (" !" if clock.overdue(now) else ""),
            )
            for clock in view.clocks
        ),
    )
    for clock in view.clocks:
        if clock.convention is not None:
            say(_("{rule}: {convention}", rule=clock.rule_key, convention=clock.convention))
    print_table(
        _("Steps"),
        (_("Step"), _("From"), _("To"), _("By"), _("At"), _("Note")),
        (
            (
                step.action,
                step.source_state,
                step.target_state,
                step.actor,
                _moment(step.at),
                step.note or "",
            )
            for step in view.steps
        ),
    )
    if view.allowed:
        say(
            _(
                "Next steps: {steps}",
                steps=", ".join(
                    f"{move.action} ({', '.join(move.needs)})" if move.needs else move.action
                    for move in view.allowed
                ),
            )
        )


@cases_app.command("open")
def cases_open(
    kind: Annotated[CaseKind, typer.Option(help="complaint or appeal")],
    carrier: Annotated[str, typer.Option(help="the carrier's code, such as ZTO")],
    region: Annotated[str, typer.Option(help="the region code the case concerns, 510104")],
    channel: Annotated[Intake, typer.Option(help="how it came in")],
    category: Annotated[Category, typer.Option(help="what it is about")],
    summary: Annotated[str, typer.Option(help="what the user says")],
    received_at: Annotated[
        str, typer.Option(help="when it arrived: 2026-11-12T09:30 (China time) or with a zone")
    ],
    waybill: Annotated[str | None, typer.Option(help="the waybill number")] = None,
    name: Annotated[str | None, typer.Option(help="the complainant's name")] = None,
    phone: Annotated[str | None, typer.Option(help="the complainant's phone, if given")] = None,
    address: Annotated[str, typer.Option(help="the complainant's address")] = "",
    dispute_on: Annotated[str | None, typer.Option(help="the day of the dispute")] = None,
    emergency: Annotated[
        bool, typer.Option(help="an emergency work order (a controlled area's complaint)")
    ] = False,
    linked: Annotated[
        str | None, typer.Option(help="the complaint an appeal follows (it is escalated)")
    ] = None,
) -> None:
    """Record a complaint or an appeal with its opening clocks (POST /cases)."""
    with handled():
        if name is None and (phone is not None or address):
            message = _("give the complainant's name with their phone or address")
            raise InvalidInputError(message, [Problem("--name", message)])
        draft = CaseDraft(
            kind=kind,
            carrier=carrier,
            region=region,
            channel=channel,
            category=category,
            summary=summary,
            received_at=_received_at(received_at),
            waybill=waybill,
            complainant=None
            if name is None
            else Complainant(name=name, phone=phone or "", address=address),
            dispute_on=_day(dispute_on, "--dispute-on"),
            emergency=emergency,
            linked_reference=linked,
        )
        with opened_store() as store:
            view = open_case(store, draft, actor=LOCAL)
    say(
        _(
            "Recorded {reference} (version {version}).",
            reference=view.reference,
            version=view.version,
        )
    )
    print_case(view)


@cases_app.command("step")
def cases_step(
    reference: Annotated[str, typer.Argument(help="the case's reference")],
    action: Annotated[Action, typer.Argument(help="the step to take")],
    version: Annotated[
        int, typer.Option("--version", min=1, help="the version the step was decided on (show)")
    ],
    answer: Annotated[str | None, typer.Option(help="the answer given")] = None,
    reason: Annotated[
        RejectionReason | None, typer.Option(help="why an appeal is rejected")
    ] = None,
    finding: Annotated[
        bool | None,
        typer.Option("--valid/--not-valid", help="whether the carrier is responsible"),
    ] = None,
    finding_category: Annotated[
        Category | None, typer.Option(help="the category of the carrier's responsibility")
    ] = None,
    call_back: Annotated[str | None, typer.Option(help="what the call-back found")] = None,
    carrier_organisation: Annotated[
        str | None, typer.Option(help="the carrier organisation an appeal is forwarded to")
    ] = None,
    note: Annotated[str | None, typer.Option(help="a note kept with the step")] = None,
) -> None:
    """Take one step of the case's workflow (POST /cases/{reference}/steps)."""
    given = StepInput(
        answer=answer,
        reason=reason,
        finding_valid=finding,
        finding_category=finding_category,
        call_back=call_back,
        carrier_organisation=carrier_organisation,
        note=note,
    )
    with handled(), opened_store() as store:
        view = take_step(
            store, reference, action.value, expected_version=version, given=given, actor=LOCAL
        )
    say(
        _(
            "{reference}: {action} done; now {state} (version {version}).",
            reference=view.reference,
            action=label(action),
            state=view.state,
            version=view.version,
        )
    )


@cases_app.command("sweep")
def cases_sweep() -> None:
    """Record the reminders and breaches due now, each once (POST /cases/sweep)."""
    with handled(), opened_store() as store:
        report = sweep_cases(store)
    if not report.ran:
        say(_("Another sweep is running; this one recorded nothing."), style="yellow")
        return
    print_figures(
        _("Overdue sweep"),
        [
            (_("Clocks examined"), f"{report.examined:,}"),
            (_("Reminders recorded"), f"{report.reminders:,}"),
            (_("Breaches recorded"), f"{report.breaches:,}"),
        ],
    )


@cases_app.command("import")
def cases_import(
    path: Annotated[Path, typer.Argument(help="the 12305 or carrier export, CSV or Excel")],
) -> None:
    """Import a 12305 or carrier export of cases: the whole file or none of it; a case an
    earlier import kept is skipped (POST /cases/imports)."""
    with handled(), opened_store() as store:
        report = import_cases(store, path, actor=LOCAL, limits=settings().input_limits())
    print_figures(
        _("Import of {file}", file=path.name),
        [
            (_("Cases opened"), f"{report.created:,}"),
            (_("Already kept, skipped"), f"{report.skipped_existing:,}"),
        ],
    )
    if report.ignored_columns:
        say(
            _("Columns left out: {columns}", columns=", ".join(report.ignored_columns)),
            style="yellow",
        )


@cases_app.command("retention")
def cases_retention() -> None:
    """Remove the complainant's data of every case past its retention date; the cases
    themselves stay (an operator's task, as ``audit prune``)."""
    with handled(), opened_store() as store:
        report = remove_expired_personal_data(store, actor=LOCAL)
    say(
        _(
            "Removed the complainant's data of {count} case(s): {references}",
            count=len(report.removed),
            references=", ".join(report.removed) or "-",
        )
    )


@calendar_app.command("load")
def calendar_load(
    path: Annotated[Path, typer.Argument(help="the year's notice as a TOML file")],
) -> None:
    """Load a year's holiday notice (POST /calendar/notices): it replaces the package's year,
    and every clock that waited for it gets its deadline."""
    with handled():
        notice = read_notice(path)
        with opened_store() as store:
            loaded = load_year_notice(store, notice, actor=LOCAL)
    say(
        _(
            "Loaded the calendar of {year} ({source}); {count} clock(s) got their deadline.",
            year=loaded.year,
            source=loaded.source,
            count=loaded.rescheduled,
        )
    )


@calendar_app.command("years")
def calendar_years() -> None:
    """The years the working-day calendar knows, with their source (GET /calendar/years)."""
    with handled(), opened_store() as store:
        known = working_calendar(store)
    print_table(
        _("Working-day calendar"),
        (_("Year"), _("Source")),
        ((str(year), known.source_of(year)) for year in known.years()),
    )
