"""The access matrix's requests for the notices routes (see the package's docstring). The open
routes (the notices in force, a parcel's tracking) answer every caller: ``{waybill}`` is the
documented example's parcel, which the matrix's lake holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UNKNOWN_FIELD = {"no_such_field": 1}


def _api(**options: Any) -> Callable[..., dict[str, Any]]:
    return lambda world, caller: dict(options)


def _page(**options: Any) -> Callable[..., dict[str, Any]]:
    return lambda world, caller: {"follow_redirects": False, **options}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/notices"): _api(),
    ("GET", "/notices/manage"): _api(),
    ("GET", "/notices/outbox"): _api(),
    ("POST", "/notices/tips"): _api(json=UNKNOWN_FIELD),
    ("POST", "/notices/controls"): _api(json=UNKNOWN_FIELD),
    ("POST", "/notices/{notice_id}/withdraw"): _api(json=UNKNOWN_FIELD),
    ("POST", "/notices/messages"): _api(json=UNKNOWN_FIELD),
    ("GET", "/tracking/{waybill}"): _api(),
    # the pages: redirects (to the login page) are answers, not followed
    ("GET", "/app/notices/manage"): _page(),
    ("POST", "/app/notices/manage/tips"): _page(data={}),
    ("POST", "/app/notices/manage/controls"): _page(data={}),
    ("POST", "/app/notices/manage/{notice_id}/withdraw"): _page(data={}),
    ("GET", "/app/tracking"): _page(),
}
FILL: dict[str, str] = {"{notice_id}": "999999", "{waybill}": "ZT7800012345"}
