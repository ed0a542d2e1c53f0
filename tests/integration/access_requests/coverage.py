"""The access matrix's requests for the coverage routes (see the package's docstring): the
``{plan_id}`` placeholder is a plan no one has (404 once past the check), and a body carries an
unknown field (422 once past the check)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UNKNOWN_FIELD = {"no_such_field": 1}


def _api(**options: Any) -> Callable[..., dict[str, Any]]:
    return lambda world, caller: dict(options)


def _page(**options: Any) -> Callable[..., dict[str, Any]]:
    return lambda world, caller: {"follow_redirects": False, **options}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/coverage"): _api(),
    ("POST", "/coverage"): _api(json=UNKNOWN_FIELD),
    ("GET", "/coverage/{plan_id}"): _api(),
    # the pages: redirects (to the login page) are answers, not followed
    ("GET", "/app/coverage"): _page(),
    ("POST", "/app/coverage"): _page(data={}),
    ("GET", "/app/coverage/{plan_id}"): _page(),
}
FILL: dict[str, str] = {"{plan_id}": "999999"}
