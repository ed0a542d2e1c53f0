"""The command group of supply-guarantee operations (保供保通保畅, seed 004): orders, consolidation
points, shuttles and passes, each a subgroup of its own module."""

from __future__ import annotations

import typer

from peakguard.cli.consolidation import points_app
from peakguard.cli.passes import passes_app
from peakguard.cli.shuttles import shuttles_app
from peakguard.cli.supply_orders import orders_app

supply_app = typer.Typer(
    no_args_is_help=True,
    help="Supply-guarantee operations (保供保通保畅): orders, points, shuttles, passes.",
)
supply_app.add_typer(orders_app, name="order")
supply_app.add_typer(points_app, name="point")
supply_app.add_typer(shuttles_app, name="shuttle")
supply_app.add_typer(passes_app, name="pass")
