"""The command: Rectification orders (责令整改) and the penalty cases they escalate to."""

from __future__ import annotations

import typer

rectification_app = typer.Typer(
    no_args_is_help=True,
    help="Rectification orders (责令整改) and the penalty cases they escalate to.",
)
