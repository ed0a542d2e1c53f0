"""Passes and white lists (车辆通行证, 人员白名单, 场地作业许可), vehicles and shuttle plans.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "shuttle_vehicles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("plate", sa.String(length=20), nullable=False),
        sa.Column("driver", sa.String(length=40), nullable=False),
        sa.Column("leg", sa.String(length=8), nullable=False),
        sa.Column("base", sa.String(length=40), nullable=False),
        sa.Column("capacity_sets", sa.Integer(), nullable=False),
        sa.Column("capacity_kg", sa.Float(), nullable=False),
        sa.Column("max_trips", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        _moment("recorded_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shuttle_vehicles")),
        sa.UniqueConstraint("carrier", "code", name=op.f("uq_shuttle_vehicles_carrier")),
    )
    op.create_table(
        "supply_passes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("holder", sa.String(length=40), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("masked_id", sa.String(length=24), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        _moment("recorded_at", False),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        _moment("revoked_at", True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supply_passes")),
    )
    op.create_index(
        op.f("ix_supply_passes_carrier"),
        "supply_passes",
        ["carrier", "kind", "holder"],
        unique=False,
    )
    op.create_table(
        "shuttle_plans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("point", sa.String(length=40), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("planned_by", sa.String(length=200), nullable=False),
        _moment("planned_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shuttle_plans")),
    )
    op.create_index(op.f("ix_shuttle_plans_carrier"), "shuttle_plans", ["carrier"], unique=False)
    op.create_index(op.f("ix_shuttle_plans_region"), "shuttle_plans", ["region"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_shuttle_plans_region"), table_name="shuttle_plans")
    op.drop_index(op.f("ix_shuttle_plans_carrier"), table_name="shuttle_plans")
    op.drop_table("shuttle_plans")
    op.drop_index(op.f("ix_supply_passes_carrier"), table_name="supply_passes")
    op.drop_table("supply_passes")
    op.drop_table("shuttle_vehicles")
