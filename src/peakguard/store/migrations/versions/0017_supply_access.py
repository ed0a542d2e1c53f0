"""Supply-guarantee operations' and public notices' permissions (issue 18): supply orders and
their quotations, consolidation points, shuttles, passes, and the notices to the public. Adds the
carrier's supply coordinator (保供专员, seed 004's 专职专人) and grants the permissions to the roles
(docs/reference/roles.md); the tables come in the revisions after this one.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

SUPPLY = ("supply.read", "supply.order", "supply.quote", "supply.operate", "notice.publish")
COORDINATOR = (
    "supply_coordinator",
    "carrier",
    "保供专员",
    "supply coordinator",
)
GRANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("administrator", SUPPLY),
    ("director", ("supply.read", "notice.publish")),
    ("analyst", ("supply.read",)),
    ("duty_officer", ("supply.read", "notice.publish")),
    ("network_planner", ("supply.read", "supply.operate", "notice.publish")),
    ("carrier_complaint_handler", ("supply.read",)),
    ("platform_operator", ("supply.read", "supply.quote")),
    (
        "supply_coordinator",
        (
            "network.read",
            "bulletin.read",
            "notice.read",
            "plan.run",
            "incident.read",
            "supply.read",
            "supply.order",
            "supply.operate",
            "notice.publish",
        ),
    ),
)
"""role → the permissions it gains (the other roles are seeded by 0002).

A carrier's supply coordinator (保供专员) sends the order requirement sheets (订单需求表) of the
governments, large customers and group buys of a controlled area, confirms the supplier's
quotation (4 hours), runs the consolidation point, routes the shuttles, keeps the passes, plans
the coverage of a closed area and tells the public; a network planner does the operations but
sends no orders. The supplier side (an e-commerce platform: seed 004's 邮乐公司) quotes (24
hours), contracts, allocates and hands over the goods. A regulator reads all of it in its
territory and publishes consumer tips; a carrier's complaint handler reads it to answer the
controlled area's callers."""
PERMISSIONS = SUPPLY

roles = sa.table(
    "roles",
    sa.column("name", sa.String(length=64)),
    sa.column("organisation_kind", sa.String(length=16)),
    sa.column("title", sa.String(length=200)),
    sa.column("title_en", sa.String(length=200)),
)
role_permissions = sa.table(
    "role_permissions",
    sa.column("role", sa.String(length=64)),
    sa.column("permission", sa.String(length=64)),
)


def upgrade() -> None:
    name, kind, title, title_en = COORDINATOR
    op.bulk_insert(
        roles, [{"name": name, "organisation_kind": kind, "title": title, "title_en": title_en}]
    )
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
    op.execute(role_permissions.delete().where(role_permissions.c.role == COORDINATOR[0]))
    op.execute(roles.delete().where(roles.c.name == COORDINATOR[0]))
