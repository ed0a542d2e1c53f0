"""The 24-hour duty (值班值守): rosters, shifts, the duty log, handovers, alerts, escalation.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _organisation(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organisation_id"],
        ["organisations.id"],
        name=op.f(f"fk_{table}_organisation_id_organisations"),
        ondelete="CASCADE",
    )


def _user(table: str, column: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "duty_offices",
        sa.Column("organisation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("shifts", sa.Text(), nullable=False),
        sa.Column("acknowledge_minutes", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _moment("updated_at", False),
        _organisation("duty_offices"),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_duty_offices")),
    )
    op.create_table(
        "duty_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _organisation("duty_assignments"),
        _user("duty_assignments", "user_id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_assignments")),
        sa.UniqueConstraint(
            "organisation_id", "day", "shift", "position", name="uq_duty_assignments_position"
        ),
    )
    op.create_table(
        "duty_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        _moment("at", False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=True),
        _organisation("duty_log"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_log")),
    )
    op.create_index(op.f("ix_duty_log_organisation_id"), "duty_log", ["organisation_id"])
    op.create_table(
        "duty_handovers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("from_user", sa.String(length=200), nullable=False),
        sa.Column("to_user", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("open_alerts", sa.Text(), nullable=False),
        _moment("handed_at", False),
        _moment("accepted_at", True),
        sa.Column("accepted_note", sa.Text(), nullable=True),
        _organisation("duty_handovers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_handovers")),
    )
    op.create_index(
        op.f("ix_duty_handovers_organisation_id"), "duty_handovers", ["organisation_id"]
    )
    _alerts()


def _alerts() -> None:
    op.create_table(
        "duty_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("msgid", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        _moment("raised_at", False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("acknowledge_minutes", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("delivered_to", sa.Integer(), nullable=True),
        _moment("acknowledged_at", True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("acknowledged_note", sa.Text(), nullable=True),
        _organisation("duty_alerts"),
        _user("duty_alerts", "delivered_to", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_alerts")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_duty_alerts_dedupe_key")),
    )
    op.create_index("ix_duty_alerts_open", "duty_alerts", ["organisation_id", "acknowledged_at"])
    op.create_table(
        "duty_escalations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("to_user", sa.Integer(), nullable=True),
        _moment("due_at", False),
        _moment("escalated_at", False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["duty_alerts.id"],
            name=op.f("fk_duty_escalations_alert_id_duty_alerts"),
            ondelete="CASCADE",
        ),
        _user("duty_escalations", "to_user", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_escalations")),
        sa.UniqueConstraint("alert_id", "step", name="uq_duty_escalations_step"),
    )


def downgrade() -> None:
    op.drop_table("duty_escalations")
    op.drop_index("ix_duty_alerts_open", table_name="duty_alerts")
    op.drop_table("duty_alerts")
    op.drop_index(op.f("ix_duty_handovers_organisation_id"), table_name="duty_handovers")
    op.drop_table("duty_handovers")
    op.drop_index(op.f("ix_duty_log_organisation_id"), table_name="duty_log")
    op.drop_table("duty_log")
    op.drop_table("duty_assignments")
    op.drop_table("duty_offices")
