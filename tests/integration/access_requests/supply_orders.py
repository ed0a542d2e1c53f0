"""The access matrix's requests for the supply orders routes (see the package's docstring):
the ``{reference}`` placeholder is a reference no one has (404 once past the check), and a body
carries an unknown field (422 once past the check)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UNKNOWN_FIELD = {"no_such_field": 1}


def _api(**options: Any) -> Callable[..., dict[str, Any]]:
    return lambda world, caller: dict(options)


def _page(**options: Any) -> Callable[..., dict[str, Any]]:
    return lambda world, caller: {"follow_redirects": False, **options}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/supply/orders"): _api(),
    ("POST", "/supply/orders"): _api(json=UNKNOWN_FIELD),
    ("POST", "/supply/orders/sweep"): _api(),
    ("GET", "/supply/orders/{reference}"): _api(),
    ("POST", "/supply/orders/{reference}/steps"): _api(json=UNKNOWN_FIELD),
    # the pages: redirects (to the login page) are answers, not followed
    ("GET", "/app/supply"): _page(),
    ("GET", "/app/supply/orders"): _page(),  # to the overview
    ("POST", "/app/supply/orders"): _page(data={}),  # no file: 422 once past the check
    ("GET", "/app/supply/orders/{reference}"): _page(),
    ("POST", "/app/supply/orders/{reference}/steps"): _page(data={}),
}
FILL: dict[str, str] = {}
