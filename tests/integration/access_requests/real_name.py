"""The access matrix's requests for the real-name register's routes (see the package's
docstring): ids no one has (404 once past the check) and bodies with an unknown field (422)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UNKNOWN = {"json": {"not_a_field": 1}}
"""A body the API refuses with 422 once the caller is past the permission check."""


def _none(world: Any, caller: Any) -> dict[str, Any]:
    return {}


def _unknown(world: Any, caller: Any) -> dict[str, Any]:
    return dict(UNKNOWN)


def _upload(world: Any, caller: Any) -> dict[str, Any]:
    """A file that is not CSV or Excel: 422 once past the check."""
    return {"content": b"not a table", "params": {"file_name": "register.txt"}}


def _page(world: Any, caller: Any) -> dict[str, Any]:
    return {"follow_redirects": False}


def _form(world: Any, caller: Any) -> dict[str, Any]:
    return {"follow_redirects": False, "data": {}}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("POST", "/realname/entries"): _unknown,
    ("POST", "/realname/imports"): _upload,
    ("POST", "/realname/search"): _unknown,
    ("GET", "/realname/entries/{entry_id}"): _none,
    ("POST", "/realname/entries/{entry_id}/reveal"): _unknown,
    ("GET", "/realname/flags"): _none,
    ("GET", "/realname/flags/{flag_id}"): _none,
    ("POST", "/realname/flags/{flag_id}/review"): _unknown,
    ("GET", "/realname/employees"): _none,
    ("PUT", "/realname/employees"): _unknown,
    ("POST", "/realname/waybill-checks"): _unknown,
    ("POST", "/realname/waybill-checks/file"): _upload,
    ("GET", "/app/realname"): _page,
    ("POST", "/app/realname"): _form,
    ("GET", "/app/realname/entries/{entry_id}"): _page,
    ("POST", "/app/realname/entries/{entry_id}/reveal"): _form,
    ("GET", "/app/realname/flags/{flag_id}"): _page,
    ("POST", "/app/realname/flags/{flag_id}/review"): _form,
}
FILL: dict[str, str] = {"{entry_id}": "999999999", "{flag_id}": "999999999"}
