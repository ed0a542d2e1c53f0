"""Incidents (突发事件信息报告): first, follow-up and final reports, nodes, the blockage clock.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "incident_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_incident_counters")),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("incident_type", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("reporting_organisation_id", sa.Integer(), nullable=True),
        sa.Column("reporting_organisation", sa.String(length=64), nullable=False),
        sa.Column("network", sa.String(length=64), nullable=True),
        sa.Column("nodes", sa.Text(), nullable=False),
        _moment("period_start", False),
        _moment("period_end", True),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        _moment("blocked_at", True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("announcement", sa.Text(), nullable=True),
        sa.Column("reroute", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        _moment("created_at", False),
        _moment("updated_at", False),
        _moment("closed_at", True),
        sa.ForeignKeyConstraint(
            ["reporting_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_incidents_reporting_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("reference", name=op.f("uq_incidents_reference")),
    )
    for column in ("state", "carrier", "region"):
        op.create_index(op.f(f"ix_incidents_{column}"), "incidents", [column])
    op.create_table(
        "incident_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        _moment("at", False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("corrects", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_reports_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_reports")),
        sa.UniqueConstraint("incident_id", "seq", name="uq_incident_reports_seq"),
    )
    op.create_table(
        "incident_clocks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("rule_key", sa.String(length=48), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("limit_value", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        _moment("started_at", False),
        _moment("due_at", False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        _moment("stopped_at", True),
        _moment("breached_at", True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_clocks_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_clocks")),
        sa.UniqueConstraint("incident_id", "rule_key", name="uq_incident_clocks_rule"),
    )
    op.create_index("ix_incident_clocks_outcome_due_at", "incident_clocks", ["outcome", "due_at"])


def downgrade() -> None:
    for table in ("incident_clocks", "incident_reports", "incidents", "incident_counters"):
        op.drop_table(table)
