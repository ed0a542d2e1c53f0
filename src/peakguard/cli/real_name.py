"""The command: The real-name register (实名收寄)."""

from __future__ import annotations

import typer

real_name_app = typer.Typer(no_args_is_help=True, help="The real-name register (实名收寄).")
