"""The command: Security compliance (三个100%) and the security overview."""

from __future__ import annotations

import typer

security_app = typer.Typer(
    no_args_is_help=True, help="Security compliance (三个100%) and the security overview."
)
