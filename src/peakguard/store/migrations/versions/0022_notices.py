"""Notices to the public: consumer tips, controlled-area notices, the outbox of messages.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

NOTICES = "public_notices"
OUTBOX = "notice_outbox"


def _moment(name: str, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        NOTICES,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=True),
        _moment("valid_from", False),
        _moment("valid_until", False),
        sa.Column("title_zh", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("publisher", sa.String(length=64), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        _moment("published_at", False),
        sa.Column("withdrawn_by", sa.String(length=200), nullable=True),
        _moment("withdrawn_at", True),
        sa.Column("version", sa.Integer(), nullable=False),
        _moment("updated_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{NOTICES}")),
    )
    op.create_index(op.f(f"ix_{NOTICES}_region"), NOTICES, ["region"])
    op.create_index("ix_public_notices_kind_state", NOTICES, ["kind", "state"])
    op.create_table(
        OUTBOX,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("waybill", sa.String(length=64), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("phone", sa.LargeBinary(), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        _moment("arrival", True),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        _moment("created_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{OUTBOX}")),
    )
    for column in ("waybill", "carrier", "phone_hash"):
        op.create_index(op.f(f"ix_{OUTBOX}_{column}"), OUTBOX, [column])


def downgrade() -> None:
    op.drop_table(OUTBOX)
    op.drop_index("ix_public_notices_kind_state", table_name=NOTICES)
    op.drop_table(NOTICES)
