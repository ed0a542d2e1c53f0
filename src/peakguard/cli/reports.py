"""``peakguard report daily|weekly|monthly``: the service-quality bulletin (日监控、周分析、月通报)
from the event lake, as HTML, Excel and JSON (docs/reference/bulletins.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from peakguard.analytics import KpiSettings
from peakguard.app.appeals_bulletin import monthly_appeals_bulletin
from peakguard.app.bulletins import (
    daily_period,
    measure_bulletin,
    monthly_period,
    parse_moment,
    weekly_period,
)
from peakguard.app.context import choose_language, event_lake
from peakguard.app.settings_files import choose_settings
from peakguard.bulletin.periods import Period
from peakguard.cli.console import (
    LOCAL,
    SettingsOption,
    handled,
    opened_store,
    plain,
    progress,
    say,
    settings,
)
from peakguard.cli.events import LakeOption
from peakguard.formats.appeals_bulletin_output import write_appeals_bulletin_files
from peakguard.i18n import _, current_language
from peakguard.web.publish import write_bulletin

report_app = typer.Typer(
    no_args_is_help=True,
    help="Service-quality bulletins: daily, weekly and monthly, with rankings",
)

OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out", help="folder for bulletin.html, .xlsx and .json; default bulletins/<period>"
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="the measurement moment (as-of) with its time zone, e.g. "
        "2026-11-15T00:00+08:00; events after it are ignored (default: the settings file's "
        "cutoff, else the period's end plus the 72-hour maturity window, or now if earlier)",
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
    as_of: AsOfOption = None,
    settings_file: SettingsOption = None,
) -> None:
    """The daily bulletin of one China-time day, compared with the day before."""
    _run(lambda: daily_period(day), lake, out, language, as_of, settings_file)


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
    as_of: AsOfOption = None,
    settings_file: SettingsOption = None,
) -> None:
    """The weekly bulletin of one ISO week, compared with the week before."""
    _run(lambda: weekly_period(week, day), lake, out, language, as_of, settings_file)


@report_app.command("monthly")
def monthly_command(
    month: Annotated[str, typer.Option("--month", help="the calendar month, e.g. 2026-11")],
    lake: LakeOption = None,
    out: OutOption = None,
    language: LanguageOption = None,
    as_of: AsOfOption = None,
    settings_file: SettingsOption = None,
) -> None:
    """The monthly bulletin of one calendar month, compared with the month before."""
    _run(lambda: monthly_period(month), lake, out, language, as_of, settings_file)


@report_app.command("appeals")
def appeals_command(
    month: Annotated[str, typer.Option("--month", help="the calendar month, e.g. 2026-11")],
    lake: LakeOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="folder for appeals_bulletin.html, .xlsx and .json; "
            "default bulletins/appeals-<month>",
        ),
    ] = None,
    language: LanguageOption = None,
) -> None:
    """The monthly appeals bulletin (申诉通报): appeals and valid appeals per million parcels
    by carrier and category, against the month before (GET /bulletins/appeals)."""
    with handled():
        chosen = choose_language(language) if language else current_language()
        with opened_store() as store:
            bulletin = monthly_appeals_bulletin(
                store, event_lake(settings(), lake), month, actor=LOCAL
            )
        target = out or Path("bulletins") / f"appeals-{month}"
        paths = write_appeals_bulletin_files(bulletin, target, language=chosen)
    say(_("Appeals bulletin for {month} written:", month=month))
    for path in paths:
        say(f"  {path}")


def _run(
    choose: Callable[[], Period],
    lake: Path | None,
    out: Path | None,
    language: str | None,
    as_of: str | None,
    settings_file: Path | None,
) -> None:
    with handled():
        kpi = choose_settings(settings_file, [KpiSettings]).get(
            KpiSettings, cutoff=parse_moment(as_of, "--as-of") if as_of else None
        )
        period = choose()
        chosen = choose_language(language) if language else current_language()
        folder = event_lake(settings(), lake)
        target = out or Path("bulletins") / period.label
        with progress() as shown:
            task = shown.add_task(
                plain(_("Computing the bulletin for {period}", period=period.label)), total=None
            )
            with opened_store() as store:
                bulletin = measure_bulletin(folder, period, actor=LOCAL, settings=kpi, store=store)
            paths = write_bulletin(bulletin, target, language=chosen)
            shown.update(task, completed=1, total=1)
    say(_("Bulletin for {period} written:", period=period.label))
    for path in paths:
        say(f"  {path}")
