"""The access matrix's requests for the inspections routes (see the package's docstring): ids
no one has (404 once past the check) and bodies with an unknown field (422)."""

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
    return {"content": b"%PDF-1.4\n", "params": {"file_name": "a.pdf"}}


def _bad_export(world: Any, caller: Any) -> dict[str, Any]:
    return {"params": {"what": "everything"}}


def _page(world: Any, caller: Any) -> dict[str, Any]:
    return {"follow_redirects": False}


def _form(world: Any, caller: Any) -> dict[str, Any]:
    return {"follow_redirects": False, "data": {}}


REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("GET", "/inspections"): _none,
    ("POST", "/inspections"): _unknown,
    ("GET", "/inspections/checklist"): _none,
    ("GET", "/inspections/export"): _bad_export,  # a file when past the check: ask 422
    ("GET", "/inspections/{inspection_id}"): _none,
    ("POST", "/inspections/{inspection_id}/start"): _unknown,
    ("POST", "/inspections/{inspection_id}/answers"): _unknown,
    ("POST", "/inspections/{inspection_id}/answers/file"): _upload,  # no version: 422
    ("POST", "/inspections/{inspection_id}/complete"): _unknown,
    ("POST", "/inspections/{inspection_id}/cancel"): _unknown,
    ("POST", "/inspections/findings/{finding_id}/evidence"): _upload,
    ("GET", "/security/evidence/{sha256}"): _none,
    ("GET", "/abnormal-outlets"): _none,
    ("POST", "/abnormal-outlets"): _unknown,
    ("POST", "/abnormal-outlets/{entry_id}/remove"): _unknown,
    ("GET", "/commitments"): _none,  # no season: 422
    ("POST", "/commitments"): _unknown,
    ("POST", "/commitments/{letter_id}/letter"): _upload,
    ("GET", "/app/inspections"): _page,
    ("GET", "/app/inspections/new"): _page,
    ("POST", "/app/inspections/new"): _form,  # no moment: 422
    ("GET", "/app/inspections/{inspection_id}"): _page,
    ("POST", "/app/inspections/{inspection_id}/steps"): _form,
    ("POST", "/app/inspections/{inspection_id}/answers"): _form,
    ("POST", "/app/inspections/findings/{finding_id}/evidence"): _form,
    ("GET", "/app/abnormal-outlets"): _page,
    ("POST", "/app/abnormal-outlets"): _form,
    ("POST", "/app/abnormal-outlets/{entry_id}/remove"): _form,
    ("GET", "/app/commitments"): _page,
    ("POST", "/app/commitments"): _form,
}
FILL: dict[str, str] = {
    "{inspection_id}": "999999999",
    "{finding_id}": "999999999",
    "{entry_id}": "999999999",
    "{letter_id}": "999999999",
    "{sha256}": "0" * 64,
}
