"""``peakguard realname``: the real-name register (实名收寄) — import a carrier's file, search
(an ID read from standard input, never from the command line), show an entry masked, reveal it
with a reason (audited), the flags and their review, the employees' ID hashes, the key rotation,
the retention and the waybill check. Each command calls the operation its API route calls, as
the local administrator."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.real_name import (
    get_entry,
    get_flag,
    list_flags,
    reveal_entry,
    review_flag,
    search_register,
)
from peakguard.app.real_name_admin import (
    DEFAULT_RETENTION_DAYS,
    EmployeeDraft,
    check_waybill_file,
    list_employees,
    prune_register,
    register_employees,
    rotate_register,
)
from peakguard.app.real_name_intake import import_register_file
from peakguard.cases.real_name import problem_label, type_label
from peakguard.cases.real_name_flags import DEFAULT_THRESHOLDS, kind_label, state_label
from peakguard.cases.waybill_check import finding_label
from peakguard.cli.console import LOCAL, handled, opened_store, print_figures, print_table, say
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.case_cells import RefusedCellError
from peakguard.formats.real_name_file import (
    code_text,
    id_number_cell,
    id_type_cell,
    read_register_table,
)
from peakguard.i18n import _, render

real_name_app = typer.Typer(
    no_args_is_help=True,
    help="The real-name register (实名收寄): import, search, show, reveal, flags, review, "
    "employees, rotate, check-waybills",
)


def _moment(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


@real_name_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="a register file, .csv or .xlsx")],
    per_day: Annotated[
        int, typer.Option(min=1, help="flag one ID on this many parcels a day")
    ] = DEFAULT_THRESHOLDS.per_day,
    per_window: Annotated[
        int, typer.Option(min=1, help="flag one ID on this many parcels in the window")
    ] = DEFAULT_THRESHOLDS.per_window,
    window_days: Annotated[
        int, typer.Option(min=1, max=366, help="the window's days")
    ] = DEFAULT_THRESHOLDS.window_days,
) -> None:
    """Record a carrier's register file: all of it, or at one bad cell none (POST
    /realname/imports). IDs failing their check are kept and flagged."""
    with handled():
        thresholds = replace(
            DEFAULT_THRESHOLDS, per_day=per_day, per_window=per_window, window_days=window_days
        )
        with opened_store() as store:
            report = import_register_file(store, LOCAL, file, thresholds=thresholds)
    print_figures(
        _("Recorded"),
        [
            (_("Entries added"), f"{report.created:,}"),
            (_("Already registered (skipped)"), f"{report.skipped_existing:,}"),
            (_("IDs failing their check (kept, flagged)"), f"{report.invalid_ids:,}"),
            (_("Flags raised"), f"{report.flags_raised:,}"),
        ],
    )


@real_name_app.command("search")
def search_command(
    id_stdin: Annotated[
        bool,
        typer.Option(
            "--id-stdin",
            help="read the full ID from standard input (never give it on the command line)",
        ),
    ] = False,
    waybill: Annotated[str | None, typer.Option(help="a waybill number")] = None,
    carrier: Annotated[str | None, typer.Option(help="a carrier's code")] = None,
    outlet: Annotated[str | None, typer.Option(help="an outlet's node id")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 100,
) -> None:
    """Entries, masked, newest first (POST /realname/search)."""
    id_number = sys.stdin.readline().strip() if id_stdin else None
    with handled(), opened_store() as store:
        page = search_register(
            store,
            LOCAL,
            id_number=id_number or None,
            waybill=waybill,
            carrier=carrier,
            outlet=outlet,
            limit=limit,
        )
    print_table(
        _("Register entries: {shown} of {total}", shown=len(page.entries), total=page.total),
        (
            _("Entry"),
            _("Waybill"),
            _("Carrier"),
            _("Sender"),
            _("ID number"),
            _("Check"),
            _("Outlet"),
            _("Accepted (China time)"),
            _("Accepted by"),
        ),
        (
            (
                str(entry.id),
                entry.waybill,
                entry.carrier,
                entry.sender_name,
                entry.id_number,
                "ok" if entry.id_valid else render(problem_label(entry.id_problem or "")),
                entry.outlet,
                _moment(entry.accepted_at),
                entry.accepted_by,
            )
            for entry in page.entries
        ),
    )


@real_name_app.command("show")
def show_command(entry_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """One entry, masked (GET /realname/entries/{id})."""
    with handled(), opened_store() as store:
        entry = get_entry(store, LOCAL, entry_id)
    print_figures(
        _("Register entry {waybill}", waybill=entry.waybill),
        [
            (_("Carrier"), entry.carrier),
            (_("Sender"), entry.sender_name),
            (_("ID type"), render(type_label(entry.id_type))),
            (_("ID number"), entry.id_number),
            (
                _("Check"),
                "ok" if entry.id_valid else render(problem_label(entry.id_problem or "")),
            ),
            (_("Outlet"), f"{entry.outlet} ({entry.region})"),
            (_("Accepted (China time)"), _moment(entry.accepted_at)),
            (_("Accepted by"), entry.accepted_by),
            (_("Recorded by"), f"{entry.recorded_by} ({entry.source})"),
        ],
    )


@real_name_app.command("reveal")
def reveal_command(
    entry_id: Annotated[int, typer.Argument(min=1)],
    reason: Annotated[str, typer.Option(help="why the sender must be read in clear (audited)")],
) -> None:
    """The sender's name and ID in clear, for the stated reason (an audit entry; POST
    /realname/entries/{id}/reveal)."""
    with handled(), opened_store() as store:
        shown = reveal_entry(store, LOCAL, entry_id, reason=reason)
    print_figures(
        _("The sender in clear (this read is in the audit trail)"),
        [(_("Sender"), shown.sender_name), (_("ID number"), shown.id_number)],
    )


@real_name_app.command("flags")
def flags_command(
    state: Annotated[str | None, typer.Option(help="open, confirmed or dismissed")] = None,
    kind: Annotated[str | None, typer.Option(help="volume_day, employee_id, invalid_id …")] = None,
) -> None:
    """The flags for review, open first (GET /realname/flags)."""
    with handled(), opened_store() as store:
        page = list_flags(store, LOCAL, state=state, kind=kind, limit=500)
    print_table(
        _("Flags: {shown} of {total}", shown=len(page.flags), total=page.total),
        (
            _("Flag"),
            _("Kind"),
            _("State"),
            _("Version"),
            _("Carrier"),
            _("Region"),
            _("ID number"),
            _("Day"),
            _("Why"),
        ),
        (
            (
                str(flag.id),
                render(kind_label(flag.kind)),
                render(state_label(flag.state)),
                str(flag.version),
                flag.carrier,
                flag.region,
                flag.id_number,
                flag.day.isoformat() if flag.day else "-",
                render(flag.reason),
            )
            for flag in page.flags
        ),
    )


@real_name_app.command("review")
def review_command(
    flag_id: Annotated[int, typer.Argument(min=1)],
    decision: Annotated[str, typer.Option(help="confirm or dismiss")],
    version: Annotated[int, typer.Option(min=1, help="the version you read")],
    reason: Annotated[str, typer.Option(help="why (kept with the flag and audited)")],
) -> None:
    """Confirm or dismiss a flag (POST /realname/flags/{id}/review; 409 when someone reviewed
    it since the version you read)."""
    with handled(), opened_store() as store:
        review_flag(
            store, LOCAL, flag_id, decision=decision, expected_version=version, reason=reason
        )
        flag = get_flag(store, LOCAL, flag_id)
    say(
        _(
            "Flag {id} is {state} (version {version}).",
            id=flag.id,
            state=state_label(flag.state),
            version=flag.version,
        )
    )


@real_name_app.command("employees")
def employees_command(
    file: Annotated[
        Path | None,
        typer.Argument(help="a file of employee_code, id_type, id_number (omit to list)"),
    ] = None,
    carrier: Annotated[str | None, typer.Option(help="the carrier the employees work for")] = None,
) -> None:
    """Register a carrier's employees' IDs (kept as keyed hashes only; PUT
    /realname/employees), or list the registered employees (their codes, never an ID)."""
    with handled(), opened_store() as store:
        if file is not None:
            report = register_employees(store, LOCAL, employee_file(file), carrier=carrier)
            print_figures(
                _("Employees"),
                [
                    (_("Added"), f"{report.added:,}"),
                    (_("Replaced"), f"{report.replaced:,}"),
                    (_("Flags raised"), f"{report.flags_raised:,}"),
                ],
            )
            return
        found = list_employees(store, LOCAL)
    print_table(
        _("Registered employees"),
        (_("Carrier"), _("Employee"), _("Registered by"), _("Registered (China time)")),
        (
            (item.carrier, item.employee_code, item.registered_by, _moment(item.registered_at))
            for item in found
            if carrier is None or item.carrier == carrier
        ),
    )


def employee_file(path: Path) -> list[EmployeeDraft]:
    """The employees of a CSV or Excel file; each bad cell located, none repeating an ID."""
    name, table = read_register_table(path)
    columns = {heading.strip().lower(): index for index, heading in enumerate(table.header)}
    needed = ("employee_code", "id_type", "id_number")
    missing = [column for column in needed if column not in columns]
    if missing:
        message = _("the file lacks the column(s) {columns}", columns=", ".join(missing))
        raise InvalidInputError(message, [Problem(f"{name}: line 1", message)])
    problems: list[Problem] = list(table.problems)
    drafts: list[EmployeeDraft] = []
    for number, cells in table.rows:
        try:
            drafts.append(
                EmployeeDraft(
                    code_text(cells[columns["employee_code"]]),
                    id_type_cell(cells[columns["id_type"]]),
                    id_number_cell(cells[columns["id_number"]]),
                )
            )
        except RefusedCellError as refused:
            problems.append(Problem(table.place(number), refused.message))
    if problems:
        raise InvalidInputError(_("{name} has mistakes", name=name), problems)
    return drafts


@real_name_app.command("rotate")
def rotate_command(
    previous_key_file: Annotated[
        list[Path],
        typer.Option(help="a file holding a previous personal-data key (repeat for several)"),
    ],
) -> None:
    """Seal every entry again under the configured key (PEAKGUARD_PERSONAL_KEY or
    <home>/personal.key), opening them with the previous keys given."""
    with handled():
        previous = [path.read_text().strip().encode() for path in previous_key_file]
        with opened_store() as store:
            report = rotate_register(store, LOCAL, previous)
    print_figures(
        _("Key rotation"),
        [
            (_("Entries sealed again"), f"{report.entries:,}"),
            (_("Flags given the new hash"), f"{report.flags:,}"),
            (_("Employees to register again (stale hashes)"), f"{report.employees_stale:,}"),
        ],
    )


@real_name_app.command("prune")
def prune_command(
    days: Annotated[int, typer.Option(min=30, max=3660)] = DEFAULT_RETENTION_DAYS,
) -> None:
    """Remove the entries accepted more than DAYS ago (the register's retention)."""
    with handled(), opened_store() as store:
        removed = prune_register(store, LOCAL, retention_days=days)
    say(_("{count} entries removed.", count=removed))


@real_name_app.command("check-waybills")
def check_waybills_command(
    file: Annotated[Path, typer.Argument(help="waybill records, .csv or .xlsx")],
) -> None:
    """Flag waybill fields carrying more than a name, address and phone (快递暂行条例 art. 22;
    POST /realname/waybill-checks/file). Exit code 1 when anything is found."""
    with handled(), opened_store() as store:
        report = check_waybill_file(store, LOCAL, file)
    print_table(
        _(
            "Waybill check of {source}: {found} finding(s) in {rows} rows",
            source=report.source,
            found=len(report.findings),
            rows=report.rows,
        ),
        (_("Row"), _("Field"), _("Finding")),
        (
            (str(finding.row), finding.field, render(finding_label(finding.kind)))
            for finding in report.findings
        ),
    )
    if report.findings:
        raise typer.Exit(1)
