"""The command: Consolidation points (汇集点), seed 004."""

from __future__ import annotations

import typer

points_app = typer.Typer(no_args_is_help=True, help="Consolidation points (汇集点), seed 004.")
