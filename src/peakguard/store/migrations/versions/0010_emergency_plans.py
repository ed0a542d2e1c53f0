"""Emergency plans (应急预案): activations, levels, actions checked off, termination, drills.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _moment(name: str, nullable: bool) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _by() -> list[sa.Column[Any]]:
    return [
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        _moment("at", False),
        sa.Column("note", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "emergency_activations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=4), nullable=False),
        sa.Column("proposed_level", sa.String(length=4), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("drill", sa.Boolean(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("trigger", sa.String(length=80), nullable=True),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("termination_reason", sa.Text(), nullable=True),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _moment("created_at", False),
        _moment("updated_at", False),
        _moment("activated_at", True),
        _moment("terminated_at", True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_activations")),
    )
    op.create_index(
        "ix_emergency_activations_state_region", "emergency_activations", ["state", "region"]
    )
    op.create_table(
        "emergency_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("activation_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("source_state", sa.String(length=16), nullable=False),
        sa.Column("target_state", sa.String(length=16), nullable=False),
        sa.Column("level_before", sa.String(length=4), nullable=False),
        sa.Column("level_after", sa.String(length=4), nullable=False),
        *_by(),
        sa.ForeignKeyConstraint(
            ["activation_id"],
            ["emergency_activations.id"],
            name=op.f("fk_emergency_steps_activation_id_emergency_activations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_steps")),
        sa.UniqueConstraint("activation_id", "seq", name="uq_emergency_steps_seq"),
    )
    op.create_table(
        "emergency_action_checks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("activation_id", sa.Integer(), nullable=False),
        sa.Column("action_key", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=4), nullable=False),
        *_by(),
        sa.ForeignKeyConstraint(
            ["activation_id"],
            ["emergency_activations.id"],
            name=op.f("fk_emergency_action_checks_activation_id_emergency_activations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_action_checks")),
        sa.UniqueConstraint(
            "activation_id", "action_key", name="uq_emergency_action_checks_action"
        ),
    )


def downgrade() -> None:
    op.drop_table("emergency_action_checks")
    op.drop_table("emergency_steps")
    op.drop_index("ix_emergency_activations_state_region", table_name="emergency_activations")
    op.drop_table("emergency_activations")
