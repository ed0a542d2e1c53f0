"""Every table, in one metadata: what Alembic's migrations must produce."""

from __future__ import annotations

from sqlalchemy import MetaData

from peakguard.store import (
    access_tables,
    case_tables,
    consolidation_tables,
    coverage_tables,
    duty_tables,
    emergency_tables,
    hold_tables,
    incident_tables,
    inspection_tables,
    notice_tables,
    real_name_tables,
    rectification_tables,
    report_tables,
    shuttle_tables,
    supply_order_tables,
    tables,
    warning_tables,
)

metadata: MetaData = tables.Base.metadata
"""The metadata of every ``*_tables`` module (all declare on one ``Base``)."""

__all__ = [
    "access_tables",
    "case_tables",
    "consolidation_tables",
    "coverage_tables",
    "duty_tables",
    "emergency_tables",
    "hold_tables",
    "incident_tables",
    "inspection_tables",
    "metadata",
    "notice_tables",
    "real_name_tables",
    "rectification_tables",
    "report_tables",
    "shuttle_tables",
    "supply_order_tables",
    "tables",
    "warning_tables",
]
