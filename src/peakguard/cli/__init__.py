"""The ``peakguard`` command: one module per command group, all calling :mod:`peakguard.app`;
errors are rendered in the user's language with their locations and mapped to exit codes."""

from __future__ import annotations

from typing import Annotated

import typer

from peakguard.cli.admin import admin_app
from peakguard.cli.audit import audit_app
from peakguard.cli.cases import calendar_app, cases_app
from peakguard.cli.console import configure
from peakguard.cli.coverage import coverage_app
from peakguard.cli.daily_reports import daily_reports_app
from peakguard.cli.demo import demo_command
from peakguard.cli.duty import duty_app
from peakguard.cli.emergency import emergency_app
from peakguard.cli.events import events_app
from peakguard.cli.forecasts import capacity_command, forecast_command
from peakguard.cli.holds import holds_app
from peakguard.cli.incidents import incidents_app
from peakguard.cli.inspections import inspections_app
from peakguard.cli.networks import network_app
from peakguard.cli.notices import notices_app
from peakguard.cli.observed_warnings import observed_warnings_app
from peakguard.cli.plans import plan_app
from peakguard.cli.process_memory import return_large_blocks
from peakguard.cli.real_name import real_name_app
from peakguard.cli.rectification import rectification_app
from peakguard.cli.reports import report_app
from peakguard.cli.security import security_app
from peakguard.cli.serve import serve_command, version_command
from peakguard.cli.simulation import simulate_command
from peakguard.cli.supervision import supervision_app
from peakguard.cli.supply import supply_app

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="peakguard: 快递业务旺季服务保障. The command line acts as the local administrator "
    "(系统管理员): it runs where the database and the audit key are, may do everything, and "
    "its changes are recorded in the audit trail as local@system. People use accounts "
    "(peakguard admin user add) and the API.",
)


@app.callback()
def main_options(
    language: Annotated[str | None, typer.Option("--lang", help="zh_CN or en")] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="SQLAlchemy URL; default SQLite")
    ] = None,
) -> None:
    """peakguard — peak-season service assurance for express delivery."""
    return_large_blocks()
    configure(language=language, database_url=database_url)


app.add_typer(network_app, name="network")
app.command("simulate")(simulate_command)
app.add_typer(plan_app, name="plan")
app.command("forecast")(forecast_command)
app.command("capacity")(capacity_command)
app.add_typer(events_app, name="events")
app.add_typer(report_app, name="report")
app.add_typer(admin_app, name="admin")
app.add_typer(audit_app, name="audit")
app.add_typer(cases_app, name="cases")
app.add_typer(calendar_app, name="calendar")
app.add_typer(daily_reports_app, name="daily")
app.add_typer(duty_app, name="duty")
app.add_typer(incidents_app, name="incident")
app.add_typer(emergency_app, name="emergency")
app.add_typer(observed_warnings_app, name="warnings")
app.add_typer(supervision_app, name="supervise")
app.add_typer(security_app, name="security")
app.add_typer(real_name_app, name="realname")
app.add_typer(inspections_app, name="inspect")
app.add_typer(rectification_app, name="order")
app.add_typer(holds_app, name="hold")
app.add_typer(supply_app, name="supply")
app.add_typer(coverage_app, name="coverage")
app.add_typer(notices_app, name="notice")
app.command("demo")(demo_command)
app.command("serve")(serve_command)
app.command("version")(version_command)


def main() -> None:
    app(prog_name="peakguard")
