"""Supply orders (订单需求表, seed 004): the orders, their lines and delivery points, their steps,
their clocks (quotation 24 h, confirmation 4 h) and the sweep's firings, and the references'
counter.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TABLES = (
    "supply_order_firings",
    "supply_order_steps",
    "supply_order_lines",
    "supply_order_deliveries",
    "supply_order_clocks",
    "supply_orders",
    "supply_order_counters",
)
"""Every table of the revision, dependants first (the order downgrade drops them in)."""


def upgrade() -> None:
    op.create_table(
        "supply_order_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_supply_order_counters")),
    )
    op.create_table(
        "supply_orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("customer", sa.Text(), nullable=False),
        sa.Column("needed_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["organisations.id"],
            name=op.f("fk_supply_orders_company_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["organisations.id"],
            name=op.f("fk_supply_orders_supplier_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supply_orders")),
        sa.UniqueConstraint("reference", name=op.f("uq_supply_orders_reference")),
    )
    op.create_index(op.f("ix_supply_orders_carrier"), "supply_orders", ["carrier"], unique=False)
    op.create_index(
        op.f("ix_supply_orders_company_id"), "supply_orders", ["company_id"], unique=False
    )
    op.create_index(op.f("ix_supply_orders_region"), "supply_orders", ["region"], unique=False)
    op.create_index(op.f("ix_supply_orders_state"), "supply_orders", ["state"], unique=False)
    op.create_index(
        op.f("ix_supply_orders_supplier_id"), "supply_orders", ["supplier_id"], unique=False
    )
    op.create_table(
        "supply_order_clocks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("rule_key", sa.String(length=48), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("limit_value", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["supply_orders.id"],
            name=op.f("fk_supply_order_clocks_order_id_supply_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supply_order_clocks")),
        sa.UniqueConstraint("order_id", "seq", name="uq_supply_order_clocks_seq"),
    )
    op.create_index(
        "ix_supply_order_clocks_state_due_at",
        "supply_order_clocks",
        ["state", "due_at"],
        unique=False,
    )
    op.create_table(
        "supply_order_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("opens", sa.String(length=5), nullable=False),
        sa.Column("closes", sa.String(length=5), nullable=False),
        sa.Column("leader", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["supply_orders.id"],
            name=op.f("fk_supply_order_deliveries_order_id_supply_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supply_order_deliveries")),
        sa.UniqueConstraint("order_id", "seq", name="uq_supply_order_deliveries_seq"),
    )
    op.create_table(
        "supply_order_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("bundle", sa.String(length=48), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["supply_orders.id"],
            name=op.f("fk_supply_order_lines_order_id_supply_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supply_order_lines")),
        sa.UniqueConstraint("order_id", "seq", name="uq_supply_order_lines_seq"),
    )
    op.create_table(
        "supply_order_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["supply_orders.id"],
            name=op.f("fk_supply_order_steps_order_id_supply_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supply_order_steps")),
        sa.UniqueConstraint("order_id", "seq", name="uq_supply_order_steps_seq"),
    )
    op.create_table(
        "supply_order_firings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clock_id"],
            ["supply_order_clocks.id"],
            name=op.f("fk_supply_order_firings_clock_id_supply_order_clocks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supply_order_firings")),
        sa.UniqueConstraint("clock_id", "kind", name="uq_supply_order_firings_kind"),
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
