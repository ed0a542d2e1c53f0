"""The command: Shuttle transport and distribution (盘驳运输, 物资配送), seed 004."""

from __future__ import annotations

import typer

shuttles_app = typer.Typer(
    no_args_is_help=True, help="Shuttle transport and distribution (盘驳运输, 物资配送), seed 004."
)
