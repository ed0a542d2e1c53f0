"""Engines and schema migrations. SQLite by default, PostgreSQL when the URL names one.

The schema is only ever created by Alembic (``upgrade head``), on both engines, so that the
tests exercise the same migrations a deployment runs.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from peakguard.errors import ConfigurationError, StorageError
from peakguard.i18n import _


def create_database_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get foreign keys and a parent folder."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            _(
                "the database URL {url!r} is not valid; expected e.g. "
                "sqlite:///peakguard.db or postgresql+psycopg://...",
                url=url,
            )
        ) from None
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True, hide_parameters=True)


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    script_location = resources.files("peakguard").joinpath("store/migrations")
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["engine"] = engine
    return config


MIGRATION_LOCK = 0x7065616B67756172
"""PostgreSQL advisory-lock key ("peakguar" in ASCII) held while the schema is brought up to
date, so that processes starting at once over a new database migrate it one after another."""


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; processes starting together over
    one database take turns, and the later ones find nothing left to do)."""
    try:
        with _migration_lock(engine):
            command.upgrade(alembic_config(engine), "head")
    except OperationalError as error:
        raise StorageError(
            _("cannot reach the database: {detail}", detail=str(error.orig))
        ) from None


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """An exclusive lock over the database for the time of a migration: an advisory lock on
    PostgreSQL, a lock on a file beside the database on SQLite (none for one in memory)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                connection.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed together, or not at all."""
    with factory() as session, session.begin():
        yield session


@dataclass(frozen=True)
class Store:
    """A migrated database: its engine and the factory of its sessions."""

    engine: Engine
    sessions: sessionmaker[Session]
    audit_key: bytes = field(default=b"", repr=False)
    """The key of the audit chain's HMAC (kept outside the database, docs/reference/access.md)."""
    audit_witness: Path | None = None
    """The file outside the database that witnesses each committed audit entry."""
    personal_key: bytes = field(default=b"", repr=False)
    """The secret that seals complainants' personal data (kept outside the database,
    :mod:`peakguard.store.personal`); empty when the deployment configured none."""

    @property
    def backend(self) -> str:
        return self.engine.dialect.name


def open_store(
    url: str,
    audit_key: bytes = b"",
    audit_witness: Path | None = None,
    personal_key: bytes = b"",
) -> Store:
    """Connect to the database at ``url`` and bring its schema up to date."""
    engine = create_database_engine(url)
    migrate(engine)
    return Store(engine, session_factory(engine), audit_key, audit_witness, personal_key)
