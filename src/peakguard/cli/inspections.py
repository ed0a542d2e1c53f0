"""The command: Inspections (检查, 明察暗访), the abnormal-outlet list and commitment letters."""

from __future__ import annotations

import typer

inspections_app = typer.Typer(
    no_args_is_help=True,
    help="Inspections (检查, 明察暗访), the abnormal-outlet list and commitment letters.",
)
