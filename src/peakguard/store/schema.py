"""Every table, in one metadata: what Alembic's migrations must produce."""

from __future__ import annotations

from sqlalchemy import MetaData

from peakguard.store import access_tables, case_tables, tables

metadata: MetaData = tables.Base.metadata
"""The metadata of :mod:`.tables`, :mod:`.access_tables` and :mod:`.case_tables` (all declare
on one ``Base``)."""

__all__ = ["access_tables", "case_tables", "metadata", "tables"]
