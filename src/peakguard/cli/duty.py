"""The command: the 24-hour duty: rosters, the duty log, handovers,
alerts and their acknowledgement."""

from __future__ import annotations

import typer

duty_app = typer.Typer(
    no_args_is_help=True,
    help="The 24-hour duty: rosters, the duty log, handovers, alerts and their acknowledgement.",
)
