"""``peakguard report daily|weekly|monthly``: the service-quality bulletin (日监控、周分析、月通报)
from the event lake, as HTML, Excel and JSON (docs/reference/bulletins.md).

Registered in :mod:`peakguard.cli` with ``app.add_typer(report_app, name="report")``. The CLI's
helpers are imported inside the commands, so this module can be imported by ``peakguard.cli``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from peakguard.bulletin.periods import (
    Period,
    day_period,
    month_period,
    parse_day,
    parse_month,
    parse_week,
    week_period,
)
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _, render

report_app = typer.Typer(
    no_args_is_help=True,
    help="Service-quality bulletins: daily, weekly and monthly, with rankings",
)

LakeOption = Annotated[
    Path | None,
    typer.Option(
        "--lake", help="event lake folder; default PEAKGUARD_EVENT_LAKE or ~/.peakguard/lake"
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out", help="folder for bulletin.html, .xlsx and .json; default bulletins/<period>"
    ),
]
LanguageOption = Annotated[
    str | None, typer.Option("--lang", help="zh_CN or en; default the command's language")
]


@report_app.command("daily")
def daily_command(
    day: Annotated[str, typer.Option("--day", help="the China-time day, e.g. 2026-11-11")],
    lake: LakeOption = None,
    out: OutOption = None,
    language: LanguageOption = None,
) -> None:
    """The daily bulletin of one China-time day, compared with the day before."""
    _run(lambda: day_period(parse_day(day)), lake, out, language)


@report_app.command("weekly")
def weekly_command(
    week: Annotated[
        str | None, typer.Option("--week", help="the ISO week, e.g. 2026-W46 (Monday–Sunday)")
    ] = None,
    day: Annotated[
        str | None, typer.Option("--day", help="or any day inside the week, e.g. 2026-11-11")
    ] = None,
    lake: LakeOption = None,
    out: OutOption = None,
    language: LanguageOption = None,
) -> None:
    """The weekly bulletin of one ISO week, compared with the week before."""

    def period() -> Period:
        if (week is None) == (day is None):
            message = _("Give either --week (2026-W46) or --day (a day inside the week).")
            raise InvalidInputError(message, [Problem("--week/--day", message)])
        if week is not None:
            return parse_week(week)
        assert day is not None
        return week_period(parse_day(day))

    _run(period, lake, out, language)


@report_app.command("monthly")
def monthly_command(
    month: Annotated[str, typer.Option("--month", help="the calendar month, e.g. 2026-11")],
    lake: LakeOption = None,
    out: OutOption = None,
    language: LanguageOption = None,
) -> None:
    """The monthly bulletin of one calendar month, compared with the month before."""

    def period() -> Period:
        parsed = parse_month(month)
        return month_period(parsed.first_day.year, parsed.first_day.month)

    _run(period, lake, out, language)


def _run(
    choose: Callable[[], Period],
    lake: Path | None,
    out: Path | None,
    language: str | None,
) -> None:
    from peakguard.bulletin.writing import write_bulletin
    from peakguard.cli import _progress, console, handled, settings
    from peakguard.i18n import current_language
    from peakguard.web.report import _language

    with handled():
        period = choose()
        chosen = _language(language) if language else current_language()
        folder = lake or settings().resolved_event_lake()
        target = out or Path("bulletins") / period.label
        with _progress() as progress:
            task = progress.add_task(
                render(_("Computing the bulletin for {period}", period=period.label)), total=None
            )
            paths = write_bulletin(folder, period, target, language=chosen)
            progress.update(task, completed=1, total=1)
    console.print(render(_("Bulletin for {period} written:", period=period.label)))
    for path in paths:
        console.print(f"  {path}")
