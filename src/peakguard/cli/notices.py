"""The command: Notices to the public (消费提示, 预计到达时间)."""

from __future__ import annotations

import typer

notices_app = typer.Typer(
    no_args_is_help=True, help="Notices to the public (消费提示, 预计到达时间)."
)
