"""``peakguard daily``: daily volume reports (每日业务量统计报送) — submit a file, list, show a
report's versions and flags, the territory's roll-up, the deadline's sweep. Each command calls
the operation its API route calls (``POST /daily-reports/files``, ``GET /daily-reports``,
``GET /daily-reports/rollup``, ``POST /daily-reports/sweep`` …), as the local administrator."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.context import event_lake
from peakguard.app.daily_reports import (
    Submission,
    get_report,
    list_reports,
    narrowed,
    submit_reports,
)
from peakguard.app.daily_rollup import (
    daily_rollup,
    forecast_in_force,
    rollup_flag_rows,
    rollup_rows,
    sweep_reports,
)
from peakguard.cases.daily_reports import DEFAULT_SETTINGS, DailyReportSettings, flag_label
from peakguard.cli.console import (
    LOCAL,
    handled,
    opened_store,
    print_figures,
    print_table,
    print_written,
    say,
    settings,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.daily_report_file import (
    ROLLUP_COLUMNS,
    read_daily_report_file,
    rollup_csv,
    rollup_workbook,
)
from peakguard.i18n import _, current_language, render

daily_reports_app = typer.Typer(
    no_args_is_help=True,
    help="Daily volume reports: submit (token, file, form), versions, flags, the roll-up.",
)


def _moment(value: datetime) -> str:
    return value.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def _day(text: str | None, where: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        message = _("give a day such as 2026-11-11")
        raise InvalidInputError(message, [Problem(where, message)]) from None


def _settings(path: Path | None) -> DailyReportSettings:
    return DEFAULT_SETTINGS if path is None else DailyReportSettings.from_toml(path)


@daily_reports_app.command("submit")
def daily_submit(
    file: Annotated[Path, typer.Argument(help="a daily report file (.csv or .xlsx)")],
    carrier: Annotated[
        str | None, typer.Option(help="the brand of rows whose carrier is blank")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="why this corrects a report")] = None,
) -> None:
    """Keep every report of the file, or none (POST /daily-reports/files)."""
    with handled():
        reports = read_daily_report_file(file, limits=settings().input_limits())
        submissions = [
            Submission(
                r.region,
                r.day,
                r.content,
                carrier=r.carrier or carrier,
                reason=reason,
                where=r.where,
            )
            for r in reports
        ]
        with opened_store() as store:
            kept = submit_reports(store, LOCAL, submissions, channel="cli")
    print_table(
        _("Reports kept"),
        (_("Report"), _("Carrier"), _("Region"), _("Day"), _("Version")),
        (
            (str(k.report_id), k.key.carrier, k.key.region, k.key.day.isoformat(), str(k.version))
            for k in kept
        ),
    )


@daily_reports_app.command("list")
def daily_list(
    region: Annotated[str | None, typer.Option(help="a province, city or county code")] = None,
    carrier: Annotated[str | None, typer.Option(help="a brand")] = None,
    day_from: Annotated[str | None, typer.Option(help="first day, 2026-11-01")] = None,
    day_to: Annotated[str | None, typer.Option(help="last day")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
) -> None:
    """The reports, newest day first (GET /daily-reports)."""
    with handled():
        chosen = narrowed(
            LOCAL,
            region=region,
            carrier=carrier,
            day_from=_day(day_from, "--day-from"),
            day_to=_day(day_to, "--day-to"),
        )
        with opened_store() as store:
            page = list_reports(store, LOCAL, chosen, limit=limit)
    print_table(
        _("Daily reports: {shown} of {total}", shown=len(page.reports), total=page.total),
        (_("Report"), _("Day"), _("Carrier"), _("Region"), _("Version"), _("Picked up")),
        (
            (
                str(r.id),
                r.key.day.isoformat(),
                r.key.carrier,
                r.key.region,
                str(r.version),
                str(r.latest.picked_up),
            )
            for r in page.reports
        ),
    )


@daily_reports_app.command("show")
def daily_show(report_id: Annotated[int, typer.Argument(help="the report's id", min=1)]) -> None:
    """A report's versions and flags (GET /daily-reports/{id})."""
    with handled(), opened_store() as store:
        found = get_report(store, LOCAL, report_id)
    key = found.report.key
    print_figures(
        _("Daily report {id}", id=report_id),
        [
            (_("Carrier"), key.carrier),
            (_("Region"), key.region),
            (_("Day"), key.day.isoformat()),
            (_("Version"), str(found.report.version)),
            (_("First received"), _moment(found.report.first_received_at)),
        ],
    )
    print_table(
        _("Versions"),
        (_("Version"), _("Picked up"), _("Delivered"), _("Backlog"), _("By"), _("At"), _("Why")),
        (
            (
                str(v.version),
                str(v.content.picked_up),
                str(v.content.delivered),
                str(v.content.backlog),
                v.submitted_by,
                _moment(v.submitted_at),
                v.reason or "-",
            )
            for v in found.versions
        ),
    )
    print_table(
        _("Flags"),
        (_("Kind"), _("Version"), _("Reason"), _("Threshold")),
        (
            (render(flag_label(f.kind)), str(f.version), render(f.reason), render(f.threshold))
            for f in found.flags
        ),
    )


@daily_reports_app.command("rollup")
def daily_rollup_command(
    day: Annotated[str, typer.Option(help="the day, 2026-11-11")],
    region: Annotated[str | None, typer.Option(help="a province or city code")] = None,
    output: Annotated[
        Path | None, typer.Option(help="write it to this .csv or .xlsx file too")
    ] = None,
) -> None:
    """The territory's daily roll-up: totals per carrier and city, flags, missing reports
    (GET /daily-reports/rollup)."""
    with handled():
        chosen = _day(day, "--day")
        assert chosen is not None
        with opened_store() as store:
            found = daily_rollup(store, LOCAL, chosen, region)
    lines, flags = rollup_rows(found), rollup_flag_rows(found, current_language())
    print_table(
        _("Roll-up of {region} on {day}", region=found.region or "-", day=chosen.isoformat()),
        tuple(_(column) for column in ROLLUP_COLUMNS),
        ([str(cell) for cell in line] for line in lines),
    )
    print_table(
        _("Flags and missing reports"),
        (_("Carrier"), _("Region"), _("Kind"), _("Reason")),
        ((str(f[1]), str(f[2]), str(f[3]), str(f[5])) for f in flags),
    )
    if output is not None:
        if output.suffix.lower() == ".xlsx":
            rollup_workbook(lines, flags, output)
        else:
            output.write_text(rollup_csv(lines, flags), encoding="utf-8")
        print_written([output])


@daily_reports_app.command("sweep")
def daily_sweep(
    settings_file: Annotated[
        Path | None, typer.Option("--settings", help="a settings file with [daily_reports]")
    ] = None,
    lake: Annotated[Path | None, typer.Option(help="the scan-event lake's folder")] = None,
) -> None:
    """Flag the missing, late and implausible reports whose deadline passed, each once
    (POST /daily-reports/sweep)."""
    with handled():
        chosen = _settings(settings_file)
        with opened_store() as store:
            outcome = sweep_reports(
                store,
                now=datetime.now(UTC),
                settings=chosen,
                lake=event_lake(settings(), lake),
                forecasts=forecast_in_force(store, settings().home),
            )
    if not outcome.ran:
        say(_("Another sweep is running; nothing done."))
        return
    print_figures(
        _("Daily reports swept"),
        [
            (_("Days judged"), f"{outcome.days[0]} – {outcome.days[-1]}"),
            (_("Versions checked"), str(outcome.checked)),
            *(
                (_("Flags raised: {kind}", kind=flag_label(kind)), str(n))
                for kind, n in outcome.flags.items()
            ),
        ],
    )
