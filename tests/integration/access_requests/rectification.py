"""The access matrix's requests for the rectification routes (see the package's docstring):
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
    ("GET", "/orders"): _api(),
    ("POST", "/orders"): _api(json=UNKNOWN_FIELD),
    ("GET", "/orders/rules"): _api(),
    ("GET", "/orders/export"): _api(params={"format": "pdf"}),  # 422: the matrix reads JSON
    ("POST", "/orders/sweep"): _api(),
    ("GET", "/orders/{reference}"): _api(),
    ("POST", "/orders/{reference}/respond"): _api(json=UNKNOWN_FIELD),
    ("POST", "/orders/{reference}/evidence"): _api(content=b"%PDF-1.4"),
    ("POST", "/orders/{reference}/extension"): _api(json=UNKNOWN_FIELD),
    ("POST", "/orders/{reference}/extension/answer"): _api(json=UNKNOWN_FIELD),
    ("POST", "/orders/{reference}/recheck"): _api(json=UNKNOWN_FIELD),
    ("POST", "/orders/{reference}/escalate"): _api(json=UNKNOWN_FIELD),
    ("GET", "/penalties"): _api(),
    ("GET", "/penalties/{reference}"): _api(),
    ("POST", "/penalties/{reference}/propose"): _api(json=UNKNOWN_FIELD),
    ("POST", "/penalties/{reference}/decide"): _api(json=UNKNOWN_FIELD),
    ("POST", "/penalties/{reference}/not-punish"): _api(json=UNKNOWN_FIELD),
    # the pages: redirects (to the login page) are answers, not followed
    ("GET", "/app/orders"): _page(),
    ("GET", "/app/orders/new"): _page(),
    ("POST", "/app/orders/new"): _page(data={}),
    ("GET", "/app/orders/{reference}"): _page(),
    ("POST", "/app/orders/{reference}/steps"): _page(data={}),
    ("GET", "/app/penalties/{reference}"): _page(),
    ("POST", "/app/penalties/{reference}/steps"): _page(data={}),
}
FILL: dict[str, str] = {}
