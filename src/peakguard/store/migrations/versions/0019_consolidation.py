"""Consolidation points (汇集点): their resources, task rates and schedules.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

POINTS = "consolidation_points"
SCHEDULES = "consolidation_schedules"


def _moment(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        POINTS,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("serves_region", sa.String(length=6), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("resources", sa.Text(), nullable=False),
        sa.Column("rates", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        _moment("created_at"),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        _moment("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{POINTS}")),
        sa.UniqueConstraint("code", name=op.f(f"uq_{POINTS}_code")),
    )
    for column in ("carrier", "region"):
        op.create_index(op.f(f"ix_{POINTS}_{column}"), POINTS, [column])
    op.create_table(
        SCHEDULES,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("point_version", sa.Integer(), nullable=False),
        _moment("start"),
        sa.Column("orders", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("bottleneck", sa.String(length=32), nullable=False),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        _moment("made_at"),
        sa.ForeignKeyConstraint(
            ["point_id"],
            [f"{POINTS}.id"],
            name=op.f(f"fk_{SCHEDULES}_point_id_{POINTS}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{SCHEDULES}")),
    )
    op.create_index(op.f(f"ix_{SCHEDULES}_point_id"), SCHEDULES, ["point_id"])


def downgrade() -> None:
    op.drop_table(SCHEDULES)
    op.drop_table(POINTS)
