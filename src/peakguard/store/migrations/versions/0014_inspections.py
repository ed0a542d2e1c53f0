"""Inspections (检查, 明察暗访), findings and evidence; abnormal outlets; commitment letters.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _organisation(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["organisations.id"], name=op.f(f"fk_{table}_{column}_organisations")
    )


def _inspection(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["inspection_id"],
        ["security_inspections.id"],
        name=op.f(f"fk_{table}_inspection_id_security_inspections"),
        ondelete="CASCADE",
    )


def _inspections() -> None:
    table = "security_inspections"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("conducted_by", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("partner_body", sa.Text(), nullable=True),
        sa.Column("partner_officers", sa.Text(), nullable=True),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=64), nullable=True),
        sa.Column("node_id", sa.String(length=64), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("region", sa.String(length=6), nullable=False),
        _moment("scheduled_at", False),
        sa.Column("checklist", sa.String(length=200), nullable=False),
        sa.Column("checklist_items", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        _moment("created_at", False),
        _moment("updated_at", False),
        _moment("started_at", True),
        _moment("completed_at", True),
        _moment("cancelled_at", True),
        _organisation(table, "organisation_id"),
        _organisation(table, "company_id"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    for column in ("carrier", "region", "state"):
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])
    op.create_table(
        "security_inspectors",
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _inspection("security_inspectors"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_security_inspectors_user_id_users")
        ),
        sa.PrimaryKeyConstraint("inspection_id", "user_id", name=op.f("pk_security_inspectors")),
    )
    op.create_table(
        "security_inspection_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answered_by", sa.String(length=200), nullable=False),
        _moment("answered_at", False),
        _inspection("security_inspection_answers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_inspection_answers")),
        sa.UniqueConstraint(
            "inspection_id", "item_key", name="uq_security_inspection_answers_item"
        ),
    )


def _findings() -> None:
    table = "security_findings"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=True),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("item_key", sa.String(length=64), nullable=False),
        sa.Column("rule_key", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        _moment("found_at", False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        _inspection(table),
        _organisation(table, "company_id"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("inspection_id", "item_key", name="uq_security_findings_item"),
    )
    for column in ("carrier", "region"):
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])
    op.create_table(
        "security_evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        _moment("added_at", False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["attachment_blobs.sha256"],
            name=op.f("fk_security_evidence_sha256_attachment_blobs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_evidence")),
        sa.UniqueConstraint("subject", "subject_id", "sha256", name="uq_security_evidence_file"),
    )
    op.create_index(op.f("ix_security_evidence_sha256"), "security_evidence", ["sha256"])
    op.create_index("ix_security_evidence_subject", "security_evidence", ["subject", "subject_id"])


def _lists() -> None:
    op.create_table(
        "abnormal_outlets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("network", sa.String(length=64), nullable=True),
        sa.Column("node_id", sa.String(length=64), nullable=True),
        sa.Column("outlet", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("listed_from", sa.Date(), nullable=False),
        sa.Column("listed_until", sa.Date(), nullable=True),
        sa.Column("listed_by", sa.String(length=200), nullable=False),
        _moment("listed_at", False),
        sa.Column("removed_by", sa.String(length=200), nullable=True),
        _moment("removed_at", True),
        sa.Column("removal_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_abnormal_outlets")),
    )
    for column in ("carrier", "region"):
        op.create_index(op.f(f"ix_abnormal_outlets_{column}"), "abnormal_outlets", [column])
    table = "commitment_letters"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("regulator_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("season", sa.String(length=16), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("signer_title", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        _moment("recorded_at", False),
        _organisation(table, "company_id"),
        _organisation(table, "regulator_id"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint(
            "company_id", "regulator_id", "season", name="uq_commitment_letters_season"
        ),
    )
    for column in ("carrier", "region"):
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    _inspections()
    _findings()
    _lists()


def downgrade() -> None:
    for table in (
        "commitment_letters",
        "abnormal_outlets",
        "security_evidence",
        "security_findings",
        "security_inspection_answers",
        "security_inspectors",
        "security_inspections",
    ):
        op.drop_table(table)
