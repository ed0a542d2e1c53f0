"""Daily volume reports (每日业务量统计报送): reports, their versions and lines, flags.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "daily_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _moment("first_received_at", False),
        _moment("updated_at", False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_daily_reports_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_reports")),
        sa.UniqueConstraint("carrier", "region", "day", name="uq_daily_reports_key"),
    )
    op.create_index(op.f("ix_daily_reports_region"), "daily_reports", ["region"])
    op.create_index(op.f("ix_daily_reports_day"), "daily_reports", ["day"])
    op.create_table(
        "daily_report_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _moment("submitted_at", False),
        sa.Column("checks", sa.Text(), nullable=True),
        _moment("checked_at", True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["daily_reports.id"],
            name=op.f("fk_daily_report_versions_report_id_daily_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_report_versions")),
        sa.UniqueConstraint("report_id", "version", name="uq_daily_report_versions_version"),
    )
    op.create_table(
        "daily_report_flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("threshold", sa.Text(), nullable=False),
        _moment("raised_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_report_flags")),
        sa.UniqueConstraint(
            "carrier", "region", "day", "kind", "version", name="uq_daily_report_flags_once"
        ),
    )
    op.create_index("ix_daily_report_flags_day", "daily_report_flags", ["day"])


def downgrade() -> None:
    op.drop_index("ix_daily_report_flags_day", table_name="daily_report_flags")
    op.drop_table("daily_report_flags")
    op.drop_table("daily_report_versions")
    op.drop_index(op.f("ix_daily_reports_day"), table_name="daily_reports")
    op.drop_index(op.f("ix_daily_reports_region"), table_name="daily_reports")
    op.drop_table("daily_reports")
