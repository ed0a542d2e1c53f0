"""The access matrix's requests for the duty routes (see the package's docstring): ids no one
has (404 once past the check) and bodies with an unknown field (422)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UNKNOWN = {"json": {"not_a_field": 1}}
"""A body the API refuses with 422 once the caller is past the permission check."""


def _none(world: Any, caller: Any) -> dict[str, Any]:
    return {}


def _unknown(world: Any, caller: Any) -> dict[str, Any]:
    return dict(UNKNOWN)


def _page(world: Any, caller: Any) -> dict[str, Any]:
    return {"follow_redirects": False}


def _form(world: Any, caller: Any) -> dict[str, Any]:
    return {"follow_redirects": False, "data": {}}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/duty/now"): _none,
    ("GET", "/duty/rosters"): _none,  # no period: 422
    ("PUT", "/duty/rosters"): _unknown,
    ("GET", "/duty/log"): _none,
    ("POST", "/duty/log"): _unknown,
    ("GET", "/duty/handovers"): _none,
    ("POST", "/duty/handovers"): _unknown,
    ("POST", "/duty/handovers/{handover_id}/accept"): _unknown,
    ("GET", "/duty/alerts"): _none,
    ("POST", "/duty/alerts/{alert_id}/acknowledge"): _unknown,
    ("POST", "/duty/sweep"): _none,
    ("GET", "/app/duty"): _page,
    ("POST", "/app/duty/log"): _form,
    ("POST", "/app/duty/handovers"): _form,
    ("POST", "/app/duty/handovers/{handover_id}/accept"): _form,
    ("POST", "/app/duty/alerts/{alert_id}/acknowledge"): _form,
    ("GET", "/app/duty/roster"): _page,
    ("POST", "/app/duty/roster"): _form,
}
FILL: dict[str, str] = {"{handover_id}": "999999999", "{alert_id}": "999999999"}
