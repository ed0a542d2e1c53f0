"""Optimistic locking, once for every workflow record (a case, an incident, an activation…).

A record carries a ``version`` that rises with every change. A change names the version the
user read; :func:`update_if_unchanged` applies it in one conditional ``UPDATE … WHERE id = ?
AND version = ?`` and returns the new version, or None when the record moved on since (or is
gone) — the caller then says, in its own words, who changed what. Two people saving the same
record at once: the database lets exactly one ``UPDATE`` match; the other writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session


def update_if_unchanged(
    session: Session,
    row_type: type[Any],
    row_id: int,
    expected_version: int,
    values: Mapping[str, Any],
    *,
    now: datetime,
) -> int | None:
    """Apply ``values`` to the row ``row_id`` of ``row_type`` if it is still at
    ``expected_version``, raising its version and stamping ``updated_at``; the new version,
    or None when nothing matched (changed since, or no such row)."""
    statement = (
        update(row_type)
        .where(row_type.id == row_id, row_type.version == expected_version)
        .values(**values, version=row_type.version + 1, updated_at=now)
        .returning(row_type.version)
        .execution_options(synchronize_session=False)
    )
    version = session.execute(statement).scalar_one_or_none()
    return None if version is None else int(version)
