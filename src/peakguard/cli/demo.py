"""``peakguard demo``: the Sichuan province through a Double 11 season, every capability."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, TaskID
from rich.table import Table
from rich.text import Text

from peakguard.app.demo import run_demo
from peakguard.app.demo_accounts import DemoLogin
from peakguard.app.demo_jobs import record_demo_plan, record_demo_season
from peakguard.cli.console import (
    LOCAL,
    configure,
    console,
    errors,
    handled,
    opened_store,
    plain,
    print_figures,
    progress,
    say,
    settings,
    visible,
)
from peakguard.cli.networks import print_summary
from peakguard.cli.plans import print_plan
from peakguard.cli.process_memory import hand_back_freed
from peakguard.cli.simulation import print_simulation
from peakguard.formats.season_capacity_output import season_summary
from peakguard.i18n import _, current_language, render
from peakguard.reserve.season_plan import SeasonCapacity
from peakguard.web.publish import write_demo

LABELS = {
    "build": _("Building the Sichuan demo network"),
    "store": _("Storing it"),
    "accounts": _("Registering the demo's organisations and users"),
    "summarise": _("Deriving routes and totals"),
    "simulate": _("Simulating the Double 11 season"),
    "bulletin": _("Measuring the season's scan events into the Double 11 bulletin"),
    "cases": _("Recording the season's complaints and appeals"),
    "desk": _("Recording the season's operations desk: reports, duty, incident, warnings, plan"),
    "security": _(
        "Recording the season's security supervision: register, inspections, orders, a hold"
    ),
    "supply": _(
        "Recording Ya'an's static control: supply orders, the consolidation point, shuttles, "
        "the coverage of its mail, notices"
    ),
    "plan": _("Planning staggered pickup, the reroute and reserves, checked by simulation"),
    "capacity": _("Forecasting the season and sizing the reserves by simulation"),
    "report": _("Writing the report"),
}


class StageLines:
    """One line per stage on standard error — its number, its name and the seconds since the
    demo began — printed whether or not standard error is a terminal: the demo runs for
    minutes, and a piped or logged run (``bash scripts/demo.sh | tee demo.log``, CI) would
    otherwise show nothing until the end (rich's progress bar draws only on a terminal, and
    is kept there beside these lines)."""

    def __init__(self, shown: Progress, task: TaskID) -> None:
        self.shown, self.task = shown, task
        self.started = time.perf_counter()
        self.number = 0

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def __call__(self, name: str) -> None:
        # What the last stage freed goes back to the system before the next one grows.
        hand_back_freed()
        self.number += 1
        self.shown.update(self.task, advance=1, description=render(LABELS[name]))
        line = _(
            "[{elapsed:.0f} s] {number}/{count} {stage}",
            elapsed=self.elapsed(),
            number=self.number,
            count=len(LABELS),
            stage=LABELS[name],
        )
        errors.print(Text(plain(line)), highlight=False, soft_wrap=True)

    def done(self) -> None:
        self.shown.update(self.task, advance=1)
        errors.print(
            Text(plain(_("[{elapsed:.0f} s] The demo is done.", elapsed=self.elapsed()))),
            highlight=False,
            soft_wrap=True,
        )


def demo_command(
    out: Annotated[Path, typer.Option("--out", help="folder for the report")] = Path(
        "peakguard-output"
    ),
    seed: Annotated[int, typer.Option(help="random seed of the demo network")] = 2016,
    language: Annotated[
        str | None, typer.Option("--lang", help="zh_CN or en (as the global --lang)")
    ] = None,
) -> None:
    """Build the Sichuan demo network, store it, and write its HTML report."""
    if language:
        configure(language=language, database_url=settings().database_url)
    with handled(), progress() as shown:
        step = StageLines(
            shown, shown.add_task(render(_("Opening the database")), total=len(LABELS) + 1)
        )
        with opened_store() as store:
            started = datetime.now(UTC)
            lake = settings().resolved_event_lake()
            result = run_demo(store, lake, seed=seed, actor=LOCAL, step=step)
            step("report")
            files = write_demo(result, out, language=settings().language)
            # The web application's landing pages open on the season (see app/demo_jobs.py).
            record_demo_season(
                store,
                settings().home.expanduser(),
                out / "season",
                files.season_report,
                network=result.network.name,
                started_at=started,
                actor=LOCAL,
            )
            # The demo platform reads its pickup schedule from the recorded plan.
            record_demo_plan(
                store,
                settings().home.expanduser(),
                result.plan_outcome,
                out / "plan",
                files.plan_report,
                network=result.network.name,
                started_at=started,
                actor=LOCAL,
            )
        step.done()
    print_summary(result.summary)
    print_simulation(result.season.summary)
    say(_("Report written to {path}", path=str(files.report.resolve())))
    say(_("Season report written to {path}", path=str(files.season_report.resolve())))
    say(
        _(
            "Bulletin written to {path} (from {events} scan events of a sample of the "
            "season's parcels, stored in the lake {lake})",
            path=str(files.bulletin[0].resolve()),
            events=f"{result.bulletin.ingest.stored:,}",
            lake=str(result.bulletin.lake.resolve()),
        )
    )
    print_plan(result.assurance.plan, result.assurance.comparison)
    say(_("Plan report written to {path}", path=str(files.plan_report.resolve())))
    print_season_capacity(result.capacity)
    say(_("Capacity report written to {path}", path=str(files.capacity_report.resolve())))
    say(_("Database: {backend}", backend=result.database))
    if result.cases is not None:
        print_figures(_("The season's complaints and appeals"), result.cases.figures())
    if result.desk is not None:
        print_figures(_("The season's operations desk"), result.desk.figures())
    if result.security is not None:
        print_figures(_("The season's security supervision"), result.security.figures())
    if result.supply is not None:
        print_figures(
            _("Ya'an under static control: the supply guarantee"), result.supply.figures()
        )
    print_logins(result.accounts)


def print_season_capacity(plan: SeasonCapacity) -> None:
    summary = season_summary(plan)
    rows = [
        (_("Hubs needing reserves"), f"{summary['hubs_needing_reserves']:,}"),
        (
            _("Hubs overflowing, without → with the reserves"),
            f"{summary['hubs_overflowing_without']:,} → {summary['hubs_overflowing_with']:,}",
        ),
        (
            _("Nodes overflowing in the season that happened"),
            f"{summary.get('nodes_overflowing_in_outcome_with_reserves', 0):,}",
        ),
    ]
    if "peak_day_error" in summary:
        rows.append(
            (
                _("Peak-day error: forecast, seasonal-naive"),
                f"{summary['peak_day_error']:.1%}, {summary['peak_day_error_seasonal_naive']:.1%}",
            )
        )
    print_figures(_("Season capacity plan"), rows)


def print_logins(logins: list[DemoLogin]) -> None:
    """How to log in as each demo user: the passwords of this run, shown here only."""
    chinese = current_language() == "zh_CN"
    table = Table(
        title=render(_("Demo logins (passwords of this run, shown only here)")),
        show_lines=True,
    )
    table.add_column(render(_("User name")), no_wrap=True)
    table.add_column(render(_("Password")), no_wrap=True, min_width=20)
    table.add_column(render(_("Organisation")), overflow="fold")
    table.add_column(render(_("Role")), overflow="fold")
    table.add_column(render(_("What it sees")))
    for login in logins:
        table.add_row(
            Text(visible(login.username)),
            Text(visible(login.password)),
            Text(visible(f"{login.organisation_name} ({login.organisation})")),
            Text(visible(login.role_title if chinese else login.role_title_en)),
            Text(plain(login.sees)),
        )
    console.print(table)
    reset = any(not login.created for login in logins)
    say(
        _(
            "Open the web application: start it with {command} (over the same database), "
            "then open {address} in a browser on this machine and log in as any of them. "
            "Nothing keeps these passwords: the next demo run resets them.",
            command=".venv/bin/peakguard serve",
            address="http://127.0.0.1:8000/",
        )
    )
    if reset:
        say(_("The demo's users existed: their passwords were reset."))
