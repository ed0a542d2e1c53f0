"""The access matrix's requests for the observed_warnings routes (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

INVALID_BODY = {"not_a_field_of_any_request": 1}


def page(**options: Any) -> Callable[..., dict[str, Any]]:
    """A request to a page: redirects are answers (to the login page), not followed."""
    return lambda w, c: {"follow_redirects": False, **options}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/warnings"): lambda w, c: {},
    ("GET", "/warnings/{warning_id}"): lambda w, c: {},
    ("POST", "/warnings/{warning_id}/acknowledge"): lambda w, c: {},
    ("POST", "/warnings/evaluate"): lambda w, c: {"json": INVALID_BODY},
    ("POST", "/warnings/projection"): lambda w, c: {"json": INVALID_BODY},
    ("GET", "/networks/{name}/observed"): lambda w, c: {},
    ("GET", "/app/warnings"): page(),
    ("GET", "/app/warnings/{warning_id}"): page(),
    ("POST", "/app/warnings/{warning_id}/acknowledge"): page(data={}),
}
FILL: dict[str, str] = {"{warning_id}": "999999999"}
"""A warning id no one has."""
