"""The access matrix's requests for the consolidation routes (see the package's docstring):
``{point_code}`` is a point no one has (404 once past the check), and a body carries an unknown
field (422 once past the check)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UNKNOWN_FIELD = {"no_such_field": 1}


def _api(**options: Any) -> Callable[..., dict[str, Any]]:
    return lambda world, caller: dict(options)


def _page(**options: Any) -> Callable[..., dict[str, Any]]:
    return lambda world, caller: {"follow_redirects": False, **options}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/supply/points"): _api(),
    ("POST", "/supply/points"): _api(json=UNKNOWN_FIELD),
    ("GET", "/supply/points/{point_code}"): _api(),
    ("PATCH", "/supply/points/{point_code}"): _api(json=UNKNOWN_FIELD),
    ("POST", "/supply/points/{point_code}/schedules"): _api(json=UNKNOWN_FIELD),
    ("GET", "/supply/points/{point_code}/schedules/{schedule_id}"): _api(),
    # the pages: redirects (to the login page) are answers, not followed
    ("GET", "/app/supply/points"): _page(),
    ("GET", "/app/supply/points/{point_code}"): _page(),
}
FILL: dict[str, str] = {"{point_code}": "NO-SUCH-POINT", "{schedule_id}": "999999"}
