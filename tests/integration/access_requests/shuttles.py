"""The access matrix's requests for the shuttles and passes routes (see the package's
docstring): ``{plan_id}`` and ``{pass_id}`` are ids no one has (404 once past the check), and a
body carries an unknown field (422 once past the check)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UNKNOWN_FIELD = {"no_such_field": 1}


def _api(**options: Any) -> Callable[..., dict[str, Any]]:
    return lambda world, caller: dict(options)


def _page(**options: Any) -> Callable[..., dict[str, Any]]:
    return lambda world, caller: {"follow_redirects": False, **options}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/supply/passes"): _api(),
    ("POST", "/supply/passes"): _api(json=UNKNOWN_FIELD),
    ("GET", "/supply/passes/check"): _api(),  # 422 past the check: no carrier, region, day
    ("GET", "/supply/passes/{pass_id}"): _api(),
    ("POST", "/supply/passes/{pass_id}/revoke"): _api(json=UNKNOWN_FIELD),
    ("GET", "/supply/shuttles"): _api(),
    ("POST", "/supply/shuttles"): _api(json=UNKNOWN_FIELD),
    ("GET", "/supply/shuttles/vehicles"): _api(params={"carrier": "NOBODY"}),
    ("POST", "/supply/shuttles/vehicles"): _api(json=UNKNOWN_FIELD),
    ("GET", "/supply/shuttles/{plan_id}"): _api(),
    # the pages: redirects (to the login page) are answers, not followed
    ("GET", "/app/supply/passes"): _page(),
    ("POST", "/app/supply/passes"): _page(data={}),  # 422 past the check: no register chosen
    ("GET", "/app/supply/shuttles"): _page(),
    ("GET", "/app/supply/shuttles/{plan_id}"): _page(),
}
FILL: dict[str, str] = {"{plan_id}": "987654", "{pass_id}": "987654"}
