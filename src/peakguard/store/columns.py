"""Column types shared by every table.

:class:`Moment` is a point in time: stored as UTC, returned as an aware UTC datetime on every
database. PostgreSQL's ``timestamptz`` does this by itself; SQLite has no time zones and hands
back naive datetimes, which a caller would then have to guess about (the API served them
without an offset). Binding refuses a naive datetime: peakguard never makes one on purpose.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class Moment(TypeDecorator[datetime]):
    """An aware datetime, kept in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored: give it a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
