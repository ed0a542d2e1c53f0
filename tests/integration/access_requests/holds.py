"""The access matrix's requests for the holds routes (see the package's docstring): ids no one
has (404 once past the check) and bodies with an unknown field (422)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UNKNOWN = {"json": {"not_a_field": 1}}
"""A body the API refuses with 422 once the caller is past the permission check."""


def _none(world: Any, caller: Any) -> dict[str, Any]:
    return {}


def _unknown(world: Any, caller: Any) -> dict[str, Any]:
    return dict(UNKNOWN)


def _page(world: Any, caller: Any) -> dict[str, Any]:
    return {"follow_redirects": False}


def _form(world: Any, caller: Any) -> dict[str, Any]:
    return {"follow_redirects": False, "data": {}}


def _file(world: Any, caller: Any) -> dict[str, Any]:
    return {"content": b"not evidence", "params": {"file_name": "a.txt"}}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/holds"): _none,
    ("POST", "/holds"): _unknown,
    ("GET", "/holds/rules"): _none,
    ("GET", "/holds/violations"): _none,
    ("POST", "/holds/sweep"): _none,
    ("GET", "/holds/{hold_id}"): _none,
    ("POST", "/holds/{hold_id}/release"): _unknown,
    ("POST", "/holds/{hold_id}/evidence"): _file,
    ("GET", "/holds/{hold_id}/evidence/{sha256}"): _none,
    ("GET", "/app/holds"): _page,
    ("GET", "/app/holds/new"): _page,
    ("POST", "/app/holds/new"): _form,
    ("GET", "/app/holds/{hold_id}"): _page,
    ("POST", "/app/holds/{hold_id}/release"): _form,
}
FILL: dict[str, str] = {"{hold_id}": "999999999", "{sha256}": "0" * 64}
