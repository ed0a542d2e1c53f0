"""The operations desk's permissions (issue 16): daily volume reports, the 24-hour duty,
incidents, emergency plans and warnings from observation. Grants them to the roles
(docs/reference/roles.md); the desk's tables come in the revisions after this one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

DESK = (
    "report.submit",
    "report.read",
    "duty.read",
    "duty.keep",
    "duty.manage",
    "incident.read",
    "incident.report",
    "emergency.command",
    "warning.read",
)
WATCH = ("report.read", "duty.read", "incident.read", "warning.read")
"""What every regulator's and carrier's operations staff read on the desk."""
GRANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("administrator", DESK),
    ("director", (*WATCH, "duty.keep", "duty.manage", "incident.report", "emergency.command")),
    ("analyst", WATCH),
    ("duty_officer", (*WATCH, "duty.keep", "incident.report")),
    ("inspector", ("report.read", "incident.read", "warning.read")),
    (
        "network_planner",
        (*WATCH, "report.submit", "duty.keep", "duty.manage", "incident.report"),
    ),
    ("security_officer", ("incident.read", "incident.report")),
    ("data_reporter", ("report.submit", "incident.report")),
)
"""role → the desk permissions it gains (the roles themselves are seeded by 0002).

A regulator's director commands (rosters, emergency plans); its duty officer keeps the watch
(log, handovers, alerts, incidents); a carrier's network planner runs its company's duty and
reports; a data reporter sends the daily reports and incident reports (by form, file or token)."""
PERMISSIONS = DESK

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
