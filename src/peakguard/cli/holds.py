"""The command: Stop-sort holds (快递暂行条例 art. 33)."""

from __future__ import annotations

import typer

holds_app = typer.Typer(no_args_is_help=True, help="Stop-sort holds (快递暂行条例 art. 33).")
