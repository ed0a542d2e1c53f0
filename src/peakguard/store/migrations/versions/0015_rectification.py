"""Rectification orders (责令整改), their steps and clocks, and the penalty cases they escalate to.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ORDERS = "rectification_orders"


def _moment(name: str, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _order_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["order_id"],
        [f"{ORDERS}.id"],
        name=op.f(f"fk_{table}_order_id_{ORDERS}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "rectification_counters",
        sa.Column("prefix", sa.String(length=4), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year", name=op.f("pk_rectification_counters")),
    )
    _orders()
    _clocks_steps_firings()
    _penalty_cases()


def _orders() -> None:
    op.create_table(
        ORDERS,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("node_id", sa.String(length=64), nullable=True),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("rule_keys", sa.Text(), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("extension_used", sa.Boolean(), nullable=False),
        sa.Column("escalation", sa.String(length=24), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        _moment("issued_at", False),
        _moment("updated_at", False),
        _moment("closed_at", True),
        sa.ForeignKeyConstraint(
            ["office_id"], ["organisations.id"], name=op.f(f"fk_{ORDERS}_office_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["organisations.id"],
            name=op.f(f"fk_{ORDERS}_company_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["security_findings.id"],
            name=op.f(f"fk_{ORDERS}_finding_id_security_findings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{ORDERS}")),
        sa.UniqueConstraint("reference", name=op.f(f"uq_{ORDERS}_reference")),
    )
    for column in ("state", "company_id", "carrier", "region"):
        op.create_index(op.f(f"ix_{ORDERS}_{column}"), ORDERS, [column])


def _clocks_steps_firings() -> None:
    op.create_table(
        "rectification_clocks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("rule_key", sa.String(length=48), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("limit_value", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        _moment("started_at", False),
        _moment("due_at", False),
        _moment("first_due_at", False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        _moment("stopped_at", True),
        _order_key("rectification_clocks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_clocks")),
        sa.UniqueConstraint("order_id", name=op.f("uq_rectification_clocks_order_id")),
    )
    op.create_index(
        "ix_rectification_clocks_outcome_due_at", "rectification_clocks", ["outcome", "due_at"]
    )
    op.create_table(
        "rectification_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        _moment("at", False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        _order_key("rectification_steps"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_steps")),
        sa.UniqueConstraint("order_id", "seq", name="uq_rectification_steps_seq"),
    )
    op.create_table(
        "rectification_firings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        _moment("scheduled_at", False),
        _moment("fired_at", False),
        _order_key("rectification_firings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_firings")),
        sa.UniqueConstraint("order_id", "kind", name="uq_rectification_firings_kind"),
    )


def _penalty_cases() -> None:
    op.create_table(
        "penalty_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rule_key", sa.String(length=48), nullable=False),
        sa.Column("penalty_law", sa.Text(), nullable=False),
        sa.Column("company_fine_min", sa.Integer(), nullable=False),
        sa.Column("company_fine_max", sa.Integer(), nullable=False),
        sa.Column("severe_fine_max", sa.Integer(), nullable=True),
        sa.Column("person_fine_min", sa.Integer(), nullable=True),
        sa.Column("person_fine_max", sa.Integer(), nullable=True),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("company_fine", sa.Integer(), nullable=True),
        sa.Column("person_fine", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _moment("opened_at", False),
        _moment("updated_at", False),
        _moment("decided_at", True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], [f"{ORDERS}.id"], name=op.f(f"fk_penalty_cases_order_id_{ORDERS}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penalty_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_penalty_cases_reference")),
        sa.UniqueConstraint("order_id", name=op.f("uq_penalty_cases_order_id")),
    )
    op.create_index(op.f("ix_penalty_cases_state"), "penalty_cases", ["state"])


def downgrade() -> None:
    for table in (
        "penalty_cases",
        "rectification_firings",
        "rectification_steps",
        "rectification_clocks",
        ORDERS,
        "rectification_counters",
    ):
        op.drop_table(table)
