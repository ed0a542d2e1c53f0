"""Complaints (投诉) and appeals (申诉): cases with their steps, legal clocks, the reminders of
the overdue sweep, evidence files kept by content hash, the counters of case references, and
the holiday notices loaded for years the calendar package does not know. Grants the case
permissions (docs/reference/roles.md).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

HANDLE = ("case.read", "case.handle", "case.personal_read", "case.import")
GRANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("administrator", (*HANDLE, "calendar.manage")),
    ("director", ("case.read",)),
    ("analyst", ("case.read",)),
    ("duty_officer", ("case.read",)),
    ("complaint_handler", HANDLE),
    ("carrier_complaint_handler", HANDLE),
    ("network_planner", ("case.read",)),
)
"""role → the case permissions it gains (the roles themselves are seeded by 0002)."""
PERMISSIONS = (*HANDLE, "calendar.manage")

role_permissions = sa.table(
    "role_permissions",
    sa.column("role", sa.String(length=64)),
    sa.column("permission", sa.String(length=64)),
)


def _moment(name: str, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    _cases()
    _case_records()
    op.create_table(
        "calendar_notices",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rest_days", sa.Text(), nullable=False),
        sa.Column("working_days", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        _moment("loaded_at", False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_notices")),
    )
    op.bulk_insert(
        role_permissions,
        [
            {"role": role, "permission": permission}
            for role, granted in GRANTS
            for permission in granted
        ],
    )


def _cases() -> None:
    op.create_table(
        "case_counters",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "year", name=op.f("pk_case_counters")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("waybill", sa.String(length=40), nullable=True),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("complainant_name", sa.LargeBinary(), nullable=True),
        sa.Column("complainant_phone", sa.LargeBinary(), nullable=True),
        sa.Column("complainant_address", sa.LargeBinary(), nullable=True),
        sa.Column("complainant_phone_hash", sa.String(length=64), nullable=True),
        _moment("received_at", False),
        sa.Column("dispute_on", sa.Date(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("finding_valid", sa.Boolean(), nullable=True),
        sa.Column("finding_category", sa.String(length=32), nullable=True),
        sa.Column("rejection_reason", sa.String(length=40), nullable=True),
        sa.Column("call_back_result", sa.Text(), nullable=True),
        sa.Column("linked_case_id", sa.Integer(), nullable=True),
        sa.Column("handling_organisation_id", sa.Integer(), nullable=True),
        sa.Column("carrier_organisation_id", sa.Integer(), nullable=True),
        sa.Column("source_reference", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _moment("created_at", False),
        _moment("updated_at", False),
        _moment("closed_at", True),
        _moment("retention_until", True),
        _moment("personal_data_removed_at", True),
        sa.ForeignKeyConstraint(
            ["linked_case_id"], ["cases.id"], name=op.f("fk_cases_linked_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["handling_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cases_handling_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["carrier_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cases_carrier_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
        sa.UniqueConstraint("channel", "source_reference", name="uq_cases_source"),
    )
    for column in (
        "state",
        "carrier",
        "region",
        "received_at",
        "complainant_phone_hash",
        "handling_organisation_id",
        "retention_until",
    ):
        op.create_index(op.f(f"ix_cases_{column}"), "cases", [column])


def _case_records() -> None:
    op.create_table(
        "case_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("source_state", sa.String(length=32), nullable=False),
        sa.Column("target_state", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        _moment("at", False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_steps_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_steps")),
        sa.UniqueConstraint("case_id", "seq", name="uq_case_steps_seq"),
    )
    op.create_table(
        "case_clocks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("rule_key", sa.String(length=48), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("limit_value", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        _moment("started_at", False),
        _moment("due_at", True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        _moment("stopped_at", True),
        _moment("paused_at", True),
        sa.Column("reason", sa.Text(), nullable=True),
        _moment("breached_at", True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_clocks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_clocks")),
    )
    op.create_index(op.f("ix_case_clocks_case_id"), "case_clocks", ["case_id"])
    op.create_index("ix_case_clocks_outcome_due_at", "case_clocks", ["outcome", "due_at"])
    op.create_table(
        "case_reminders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        _moment("created_at", False),
        _moment("acknowledged_at", True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["clock_id"],
            ["case_clocks.id"],
            name=op.f("fk_case_reminders_clock_id_case_clocks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_case_reminders_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_reminders")),
        sa.UniqueConstraint("clock_id", "kind", name="uq_case_reminders_kind"),
    )
    op.create_index(
        op.f("ix_case_reminders_organisation_id"), "case_reminders", ["organisation_id"]
    )
    op.create_table(
        "attachment_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_attachment_blobs")),
    )
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        _moment("added_at", False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_attachments_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["attachment_blobs.sha256"],
            name=op.f("fk_case_attachments_sha256_attachment_blobs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachments")),
        sa.UniqueConstraint("case_id", "sha256", name="uq_case_attachments_sha256"),
    )


def downgrade() -> None:
    op.execute(role_permissions.delete().where(role_permissions.c.permission.in_(PERMISSIONS)))
    for table in (
        "calendar_notices",
        "case_attachments",
        "attachment_blobs",
        "case_reminders",
        "case_clocks",
        "case_steps",
        "cases",
        "case_counters",
    ):
        op.drop_table(table)
