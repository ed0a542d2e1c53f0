"""The command: Supply orders (订单需求表), seed 004."""

from __future__ import annotations

import typer

orders_app = typer.Typer(no_args_is_help=True, help="Supply orders (订单需求表), seed 004.")
