"""Stop-sort holds (快递暂行条例 art. 33), their waybills, violations and releases.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _hold_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["hold_id"],
        ["security_holds.id"],
        name=op.f(f"fk_{table}_hold_id_security_holds"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "security_holds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("bag_code", sa.String(length=64), nullable=True),
        sa.Column("outlet", sa.String(length=64), nullable=True),
        _moment("window_start", True),
        _moment("window_end", True),
        sa.Column("category", sa.String(length=48), nullable=False),
        _moment("held_from", False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(length=200), nullable=False),
        sa.Column("placing_organisation_id", sa.Integer(), nullable=True),
        sa.Column("placing_organisation", sa.String(length=64), nullable=False),
        _moment("released_at", True),
        sa.Column("released_by", sa.String(length=200), nullable=True),
        sa.Column("release_outcome", sa.String(length=48), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _moment("created_at", False),
        _moment("updated_at", False),
        sa.ForeignKeyConstraint(
            ["placing_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_security_holds_placing_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_holds")),
    )
    for column in ("state", "carrier", "region"):
        op.create_index(op.f(f"ix_security_holds_{column}"), "security_holds", [column])
    op.create_table(
        "security_hold_waybills",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hold_id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("waybill", sa.String(length=64), nullable=False),
        _hold_key("security_hold_waybills"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_hold_waybills")),
        sa.UniqueConstraint("hold_id", "carrier", "waybill", name="uq_security_hold_waybills"),
    )
    op.create_index(
        "ix_security_hold_waybills_carrier_waybill",
        "security_hold_waybills",
        ["carrier", "waybill"],
    )
    op.create_table(
        "security_hold_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hold_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        _moment("reported_at", False),
        _hold_key("security_hold_reports"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_security_hold_reports_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_hold_reports")),
        sa.UniqueConstraint("hold_id", "organisation_id", name="uq_security_hold_reports"),
    )
    op.create_table(
        "security_hold_violations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hold_id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("waybill", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        _moment("scanned_at", False),
        _moment("detected_at", False),
        sa.Column("detected_by", sa.String(length=16), nullable=False),
        _hold_key("security_hold_violations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_hold_violations")),
        sa.UniqueConstraint(
            "hold_id",
            "carrier",
            "waybill",
            "event",
            "node_id",
            "scanned_at",
            name="uq_security_hold_violations",
        ),
    )
    op.create_table(
        "security_hold_swept_batches",
        sa.Column("batch", sa.String(length=64), nullable=False),
        _moment("swept_at", False),
        sa.PrimaryKeyConstraint("batch", name=op.f("pk_security_hold_swept_batches")),
    )


def downgrade() -> None:
    for table in (
        "security_hold_swept_batches",
        "security_hold_violations",
        "security_hold_reports",
        "security_hold_waybills",
        "security_holds",
    ):
        op.drop_table(table)
