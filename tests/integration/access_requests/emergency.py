"""The access matrix's requests for the emergency routes (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

INVALID_BODY = {"not_a_field_of_any_request": 1}
"""Passes no route's body check: a caller past the permission check gets 422."""

REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/emergency/plans"): lambda world, caller: {},
    ("GET", "/emergency/activations"): lambda world, caller: {},
    ("GET", "/emergency/activations/{activation_id}"): lambda world, caller: {},
    ("POST", "/emergency/activations"): lambda world, caller: {"json": INVALID_BODY},
    ("POST", "/emergency/activations/{activation_id}/steps"): lambda world, caller: {
        "json": INVALID_BODY
    },
    ("POST", "/emergency/activations/{activation_id}/actions/{action_key}"): lambda world, caller: {
        "json": INVALID_BODY
    },
}
PAGE_REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/app/emergency"): lambda world, caller: {"follow_redirects": False},
    # no mode chosen: 422 once past the check
    ("POST", "/app/emergency"): lambda world, caller: {"follow_redirects": False, "data": {}},
    ("GET", "/app/emergency/{activation_id}"): lambda world, caller: {"follow_redirects": False},
    ("POST", "/app/emergency/{activation_id}/steps"): lambda world, caller: {
        "follow_redirects": False,
        "data": {},
    },
    ("POST", "/app/emergency/{activation_id}/actions/{action_key}"): lambda world, caller: {
        "follow_redirects": False,
        "data": {},
    },
}
REQUESTS.update(PAGE_REQUESTS)
FILL: dict[str, str] = {"{activation_id}": "999999", "{action_key}": "duty_24h"}
