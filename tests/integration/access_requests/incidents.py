"""The access matrix's requests for the incidents routes (see the package's docstring): the
``{reference}`` placeholder is the matrix's reference no one has (404 once past the check),
and a body carries an unknown field (422 once past the check)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UNKNOWN_FIELD = {"no_such_field": 1}


def _api(**options: Any) -> Callable[..., dict[str, Any]]:
    return lambda world, caller: dict(options)


def _page(**options: Any) -> Callable[..., dict[str, Any]]:
    return lambda world, caller: {"follow_redirects": False, **options}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/incidents"): _api(),
    ("POST", "/incidents"): _api(json=UNKNOWN_FIELD),
    ("POST", "/incidents/sweep"): _api(),
    ("GET", "/incidents/{reference}"): _api(),
    ("POST", "/incidents/{reference}/reports"): _api(json=UNKNOWN_FIELD),
    ("POST", "/incidents/{reference}/reroute"): _api(json=UNKNOWN_FIELD),
    ("POST", "/incidents/{reference}/announcement"): _api(json=UNKNOWN_FIELD),
    # the pages: redirects (to the login page) are answers, not followed
    ("GET", "/app/incidents"): _page(),
    ("GET", "/app/incidents/new"): _page(),
    ("POST", "/app/incidents/new"): _page(data={}),
    ("GET", "/app/incidents/{reference}"): _page(),
    ("POST", "/app/incidents/{reference}/reports"): _page(data={}),
    ("POST", "/app/incidents/{reference}/announcement"): _page(data={}),
    ("POST", "/app/incidents/{reference}/reroute"): _page(data={}),
}
FILL: dict[str, str] = {}
