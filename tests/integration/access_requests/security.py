"""The access matrix's requests for the security routes (see the package's docstring): the
compliance figures, the watch list and the overview page read the (empty) lake — 200 once
past the check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _none(world: Any, caller: Any) -> dict[str, Any]:
    return {}


def _page(world: Any, caller: Any) -> dict[str, Any]:
    return {"follow_redirects": False}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/security/compliance"): _none,
    ("GET", "/security/watchlist"): _none,
    ("GET", "/app/security"): _page,
}
FILL: dict[str, str] = {}
