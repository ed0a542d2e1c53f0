"""The command: Passes and white lists (车辆通行证, 人员白名单, 场地作业许可)."""

from __future__ import annotations

import typer

passes_app = typer.Typer(
    no_args_is_help=True, help="Passes and white lists (车辆通行证, 人员白名单, 场地作业许可)."
)
