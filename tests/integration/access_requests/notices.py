"""The access matrix's requests for the notices routes (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {}
FILL: dict[str, str] = {}
