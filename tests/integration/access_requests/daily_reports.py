"""The access matrix's requests for the daily_reports routes (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UNKNOWN_FIELD = {"matrix": True}
"""A body with a field no report has: 422 once past the check, nothing written."""


def page(**options: Any) -> Callable[..., dict[str, Any]]:
    """A request to a page: redirects are answers (to the login page), not followed."""
    return lambda w, c: {"follow_redirects": False, **options}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("POST", "/daily-reports"): lambda w, c: {"json": UNKNOWN_FIELD},
    ("POST", "/daily-reports/files"): lambda w, c: {
        "content": b"not a report file",
        "params": {"file_name": "daily.csv"},
        "headers": {"content-type": "text/csv"},
    },
    ("GET", "/daily-reports"): lambda w, c: {},
    ("GET", "/daily-reports/rollup"): lambda w, c: {},  # no day: 422 once past the check
    ("POST", "/daily-reports/sweep"): lambda w, c: {},
    ("GET", "/daily-reports/{report_id}"): lambda w, c: {},  # a report no one has: 404
    ("GET", "/app/daily-reports"): page(),
    ("GET", "/app/daily-reports/new"): page(),
    ("POST", "/app/daily-reports/new"): page(data={}),  # every field missing: 422, the form
    ("GET", "/app/daily-reports/rollup"): page(),
    ("GET", "/app/daily-reports/{report_id}"): page(),
}
FILL: dict[str, str] = {"{report_id}": "999999999"}
