"""Warnings from observation (监测预警): raised, acknowledged, superseded, cleared.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "observed_warnings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("network_name", sa.String(length=64), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("node_name", sa.String(length=200), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("open_slot", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reason_kind", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("backlog_source", sa.String(length=32), nullable=False),
        _moment("raised_at", False),
        _moment("gone_since", True),
        _moment("acknowledged_at", True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        _moment("ended_at", True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["observed_warnings.id"],
            name=op.f("fk_observed_warnings_supersedes_id_observed_warnings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observed_warnings")),
        sa.UniqueConstraint(
            "network_name", "node_id", "open_slot", name="uq_observed_warnings_open"
        ),
    )
    for column in ("carrier", "region", "state", "raised_at"):
        op.create_index(op.f(f"ix_observed_warnings_{column}"), "observed_warnings", [column])
    op.create_index(
        "ix_observed_warnings_network_node", "observed_warnings", ["network_name", "node_id"]
    )


def downgrade() -> None:
    op.drop_table("observed_warnings")
