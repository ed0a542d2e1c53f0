"""Coverage plans for a closed area (异地分区覆盖集散).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

PLANS = "coverage_plans"


def upgrade() -> None:
    op.create_table(
        PLANS,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("network", sa.String(length=64), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("region_name", sa.String(length=200), nullable=False),
        sa.Column("depth", sa.String(length=24), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("parcels", sa.Integer(), nullable=False),
        sa.Column("unabsorbed_parcels", sa.Integer(), nullable=False),
        sa.Column("centres", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f(f"fk_{PLANS}_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{PLANS}")),
    )
    for column in ("network", "carrier", "region"):
        op.create_index(op.f(f"ix_{PLANS}_{column}"), PLANS, [column])


def downgrade() -> None:
    for column in ("network", "carrier", "region"):
        op.drop_index(op.f(f"ix_{PLANS}_{column}"), table_name=PLANS)
    op.drop_table(PLANS)
