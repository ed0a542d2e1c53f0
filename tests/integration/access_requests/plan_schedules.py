"""The access matrix's requests for the platforms' schedules of the staggering plans (see the
package's docstring): the ``{job_id}`` placeholder is a plan no one has (404 once past the
check)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/plan-schedules"): lambda world, caller: {},
    ("GET", "/plan-schedules/{job_id}"): lambda world, caller: {},
    # the pages: redirects (to the login page) are answers, not followed
    ("GET", "/app/plans/schedules"): lambda world, caller: {"follow_redirects": False},
    ("GET", "/app/plans/schedules/{job_id}"): lambda world, caller: {"follow_redirects": False},
}
FILL: dict[str, str] = {"{job_id}": "0" * 32}
