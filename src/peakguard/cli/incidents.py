"""The command: incidents: first, follow-up and final reports, the blockage clock,
reroutes attached."""

from __future__ import annotations

import typer

incidents_app = typer.Typer(
    no_args_is_help=True,
    help="Incidents: first, follow-up and final reports, the blockage clock, reroutes attached.",
)
