"""Reading a staggered-pickup plan's schedules (issue 20): ``plan.read``.

A platform (an e-commerce platform's operator) reads the pickup schedule it must follow — its
share of each outlet's quota, day by day — in every plan that carries its releases, and nothing
of another platform's; a regulator or carrier that runs plans reads its own organisation's,
within its territory or brand. Granted to the platform operator and to every role that holds
``plan.run``.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

PERMISSION = "plan.read"
GRANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("administrator", (PERMISSION,)),
    ("director", (PERMISSION,)),
    ("analyst", (PERMISSION,)),
    ("network_planner", (PERMISSION,)),
    ("supply_coordinator", (PERMISSION,)),
    ("platform_operator", (PERMISSION,)),
)
"""role → the permissions it gains: the roles that hold ``plan.run`` (0002, 0017), and the
platform operator."""

role_permissions = sa.table(
    "role_permissions",
    sa.column("role", sa.String(length=64)),
    sa.column("permission", sa.String(length=64)),
)


def upgrade() -> None:
    op.bulk_insert(
        role_permissions,
        [
            {"role": role, "permission": permission}
            for role, granted in GRANTS
            for permission in granted
        ],
    )


def downgrade() -> None:
    op.execute(role_permissions.delete().where(role_permissions.c.permission == PERMISSION))
