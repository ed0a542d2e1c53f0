"""Network summaries kept with the stored network: computed once per network and reach (the
whole network, or what a regulator's territory or a carrier's brand sees), deleted with it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network_summaries",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("reach", sa.String(length=100), nullable=False),
        sa.Column("document", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_network_summaries_network_id_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", "reach", name=op.f("pk_network_summaries")),
    )


def downgrade() -> None:
    op.drop_table("network_summaries")
