"""Alembic environment: the engine is handed in by :func:`peakguard.store.database.migrate`."""

from __future__ import annotations

from alembic import context

from peakguard.store.schema import metadata

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
