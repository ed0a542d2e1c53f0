"""Points in time come back with their time zone on both engines (SQLite has none of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from peakguard.app.context import open_store
from peakguard.config import Settings
from peakguard.store.access_tables import OrganisationRow
from peakguard.store.database import Store, transaction

CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    yield opened
    opened.engine.dispose()


def _organisation(created_at: datetime) -> OrganisationRow:
    return OrganisationRow(
        code="gd-post", name="广东省邮政管理局", kind="regulator", created_at=created_at
    )


def test_a_moment_given_in_china_time_comes_back_as_the_same_instant_in_utc(store: Store) -> None:
    """08:30 in Beijing on Double 11 is 00:30 UTC, aware, on SQLite as on PostgreSQL."""
    given = datetime(2026, 11, 11, 8, 30, tzinfo=CHINA)
    with transaction(store.sessions) as session:
        session.add(_organisation(given))
    with transaction(store.sessions) as session:
        stored = session.scalars(
            select(OrganisationRow.created_at).where(OrganisationRow.code == "gd-post")
        ).one()
    assert stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored == given
    assert stored.hour == 0


def test_a_naive_moment_is_refused_rather_than_guessed(store: Store) -> None:
    """A datetime without a time zone is a programming mistake: storing it fails loudly."""

    def store_naive() -> None:
        with transaction(store.sessions) as session:
            session.add(_organisation(datetime(2026, 11, 11, 8, 30)))

    with pytest.raises(StatementError, match="naive datetime"):
        store_naive()
    with transaction(store.sessions) as session:
        assert session.scalars(select(OrganisationRow.code)).all().count("gd-post") == 0
