"""Security supervision's permissions (issue 17): the "three 100 %" compliance, the real-name
register, inspections, rectification orders and stop-sort holds. Grants them to the roles
(docs/reference/roles.md); the tables come in the revisions after this one.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SECURITY = (
    "security.read",
    "realname.write",
    "realname.read",
    "realname.reveal",
    "inspection.conduct",
    "order.issue",
    "order.respond",
    "hold.place",
    "hold.release",
)
GRANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("administrator", SECURITY),
    ("director", ("security.read", "realname.read", "order.issue", "hold.release")),
    ("analyst", ("security.read",)),
    ("duty_officer", ("security.read", "hold.place")),
    (
        "inspector",
        (
            "security.read",
            "realname.read",
            "realname.reveal",
            "inspection.conduct",
            "order.issue",
            "hold.place",
            "hold.release",
        ),
    ),
    (
        "security_officer",
        (
            "security.read",
            "realname.write",
            "realname.read",
            "inspection.conduct",
            "order.respond",
            "hold.place",
        ),
    ),
    ("network_planner", ("security.read",)),
    ("data_reporter", ("realname.write",)),
)
"""role → the security permissions it gains (the roles themselves are seeded by 0002).

A regulator's inspector (安全监管员) inspects, issues rectification orders, places and releases
stop-sort holds and alone may read a sender's ID number in clear (each read audited); its
director issues orders and releases holds. A carrier's security officer (安全管理员) keeps its
company's real-name register, self-inspects, answers orders and places holds — releasing one is
the regulator's; its data reporter sends the register's entries (file or token)."""
PERMISSIONS = SECURITY

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
    op.execute(role_permissions.delete().where(role_permissions.c.permission.in_(PERMISSIONS)))
