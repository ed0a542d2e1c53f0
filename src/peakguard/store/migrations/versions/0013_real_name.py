"""The real-name register (实名收寄): senders' IDs sealed, keyed hashes, flags for review.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "real_name_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("waybill", sa.String(length=64), nullable=False),
        sa.Column("sender_kind", sa.String(length=16), nullable=False),
        sa.Column("id_type", sa.String(length=32), nullable=False),
        sa.Column("sender_name", sa.LargeBinary(), nullable=False),
        sa.Column("id_number", sa.LargeBinary(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("id_problem", sa.String(length=16), nullable=True),
        sa.Column("outlet", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        _moment("accepted_at", False),
        sa.Column("accepted_day", sa.Date(), nullable=False),
        sa.Column("accepted_by", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("batch", sa.String(length=200), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        _moment("recorded_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_real_name_entries")),
        sa.UniqueConstraint("carrier", "waybill", name="uq_real_name_entries_waybill"),
    )
    for column in ("carrier", "id_hash", "region", "accepted_day"):
        op.create_index(op.f(f"ix_real_name_entries_{column}"), "real_name_entries", [column])
    op.create_table(
        "real_name_employees",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("employee_code", sa.String(length=64), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("key_mark", sa.String(length=16), nullable=False),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        _moment("registered_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_real_name_employees")),
        sa.UniqueConstraint("carrier", "employee_code", name="uq_real_name_employees_code"),
    )
    op.create_index(op.f("ix_real_name_employees_id_hash"), "real_name_employees", ["id_hash"])
    op.create_table(
        "real_name_flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("flag_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("employee_code", sa.String(length=64), nullable=True),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _moment("raised_at", False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        _moment("decided_at", True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["real_name_entries.id"],
            name=op.f("fk_real_name_flags_entry_id_real_name_entries"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_real_name_flags")),
        sa.UniqueConstraint("flag_key", name=op.f("uq_real_name_flags_flag_key")),
    )
    for column in ("carrier", "region", "id_hash", "state"):
        op.create_index(op.f(f"ix_real_name_flags_{column}"), "real_name_flags", [column])


def downgrade() -> None:
    for column in ("carrier", "region", "id_hash", "state"):
        op.drop_index(op.f(f"ix_real_name_flags_{column}"), table_name="real_name_flags")
    op.drop_table("real_name_flags")
    op.drop_index(op.f("ix_real_name_employees_id_hash"), table_name="real_name_employees")
    op.drop_table("real_name_employees")
    for column in ("carrier", "id_hash", "region", "accepted_day"):
        op.drop_index(op.f(f"ix_real_name_entries_{column}"), table_name="real_name_entries")
    op.drop_table("real_name_entries")
