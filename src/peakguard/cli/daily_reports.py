"""The command: daily volume reports: submit (token, file, form), versions, flags, the roll-up."""

from __future__ import annotations

import typer

daily_reports_app = typer.Typer(
    no_args_is_help=True,
    help="Daily volume reports: submit (token, file, form), versions, flags, the roll-up.",
)
