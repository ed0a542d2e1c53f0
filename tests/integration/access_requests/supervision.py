"""The access matrix's requests for the supervision routes (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DAY = "2026-11-11"
"""The matrix world's day of scan events."""


def page(**options: Any) -> Callable[..., dict[str, Any]]:
    """A request to a page: redirects are answers (to the login page), not followed."""
    return lambda w, c: {"follow_redirects": False, **options}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    # a network no one has: 404 once past the check
    ("GET", "/supervision/quotas"): lambda w, c: {"params": {"network": "no-such-network"}},
    ("GET", "/supervision/stops"): lambda w, c: {"params": {"day": DAY}},
    ("GET", "/app/supervision"): page(params={"day": DAY}),
}
FILL: dict[str, str] = {}
