"""The command: supervision of staggered shipping and of unauthorised stops of pickup or
delivery."""

from __future__ import annotations

import typer

supervision_app = typer.Typer(
    no_args_is_help=True,
    help="Supervision of staggered shipping and of unauthorised stops of pickup or delivery.",
)
