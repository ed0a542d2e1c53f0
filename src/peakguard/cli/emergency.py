"""The command: emergency plans: the plans as data, activation, actions checked off, termination,
drills."""

from __future__ import annotations

import typer

emergency_app = typer.Typer(
    no_args_is_help=True,
    help="Emergency plans: the plans as data, activation, actions, termination, drills.",
)
