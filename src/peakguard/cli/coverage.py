"""The command: Public service during controls (异地分区覆盖集散), seed 004."""

from __future__ import annotations

import typer

coverage_app = typer.Typer(
    no_args_is_help=True, help="Public service during controls (异地分区覆盖集散), seed 004."
)
