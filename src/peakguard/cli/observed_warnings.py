"""The command: warnings from observation: observed node state, projection, the warnings' life."""

from __future__ import annotations

import typer

observed_warnings_app = typer.Typer(
    no_args_is_help=True,
    help="Warnings from observation: observed node state, projection, the warnings' life.",
)
