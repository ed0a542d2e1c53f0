"""Organisations, permissions and the acting principal.

An organisation is a regulator (the State Post Bureau, a provincial or a city postal
administration, each over a GB/T 2260 territory), a carrier (a brand's headquarters, or its
company in one province), an e-commerce platform, the public, or the system itself (the
administrators and the CLI acting locally). Users belong to one organisation and hold roles;
a role grants permissions (the table is data in the database, docs/reference/roles.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from peakguard.i18n import Message, _


class OrganisationKind(StrEnum):
    system = "system"
    regulator = "regulator"
    carrier = "carrier"
    platform = "platform"
    public = "public"


def kind_label(kind: OrganisationKind) -> Message:
    """How an organisation's kind reads to a person."""
    labels = {
        OrganisationKind.system: _("system"),
        OrganisationKind.regulator: _("regulator"),
        OrganisationKind.carrier: _("carrier"),
        OrganisationKind.platform: _("platform"),
        OrganisationKind.public: _("public"),
    }
    return labels[kind]


class RegulatorLevel(StrEnum):
    national = "national"
    provincial = "provincial"
    city = "city"


class Permission(StrEnum):
    """What a route or operation needs. ``<resource>.<verb>``; reads and writes apart."""

    network_read = "network.read"
    network_write = "network.write"
    simulation_run = "simulation.run"
    plan_run = "plan.run"
    plan_read = "plan.read"
    forecast_run = "forecast.run"
    capacity_run = "capacity.run"
    events_write = "events.write"
    bulletin_read = "bulletin.read"
    case_read = "case.read"
    case_handle = "case.handle"
    case_personal_read = "case.personal_read"
    case_import = "case.import"
    calendar_manage = "calendar.manage"
    report_submit = "report.submit"
    report_read = "report.read"
    duty_read = "duty.read"
    duty_keep = "duty.keep"
    duty_manage = "duty.manage"
    incident_read = "incident.read"
    incident_report = "incident.report"
    emergency_command = "emergency.command"
    warning_read = "warning.read"
    security_read = "security.read"
    realname_write = "realname.write"
    realname_read = "realname.read"
    realname_reveal = "realname.reveal"
    inspection_conduct = "inspection.conduct"
    order_issue = "order.issue"
    order_respond = "order.respond"
    hold_place = "hold.place"
    hold_release = "hold.release"
    supply_read = "supply.read"
    supply_order = "supply.order"
    supply_quote = "supply.quote"
    supply_operate = "supply.operate"
    notice_publish = "notice.publish"
    notice_read = "notice.read"
    audit_read = "audit.read"
    admin_manage = "admin.manage"


class Channel(StrEnum):
    """How the principal proved who it is."""

    session = "session"
    token = "token"
    local = "local"
    anonymous = "anonymous"


@dataclass(frozen=True)
class Organisation:
    """One organisation and the data it may reach.

    ``region`` is the territory of a regulator (``None`` for the national office), or the
    province of a carrier's provincial company (``None`` for a headquarters); ``carrier`` is the
    brand of a carrier organisation (and of nothing else)."""

    code: str
    name: str
    kind: OrganisationKind
    level: RegulatorLevel | None = None
    region: str | None = None
    carrier: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user through a browser session, a machine client through an API
    token, the local administrator (the CLI), or an anonymous caller."""

    name: str
    organisation: Organisation
    permissions: frozenset[Permission]
    channel: Channel
    roles: tuple[str, ...] = ()
    user_id: int | None = None
    token_id: int | None = None
    address: str | None = None
    valid_until: datetime | None = None
    """When the credential stops being valid by itself (a token's expiry, a session's idle or
    absolute end), for whoever keeps the principal a while."""
    session_csrf: str | None = field(default=None, repr=False)
    """SHA-256 of the session's CSRF token (what a state-changing request must match)."""

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions

    def label(self) -> str:
        """``name@organisation`` as the audit trail records it."""
        return f"{self.name}@{self.organisation.code}"


SYSTEM = Organisation(code="system", name="peakguard", kind=OrganisationKind.system)
PUBLIC = Organisation(code="public", name="public", kind=OrganisationKind.public)

LOCAL_ADMINISTRATOR = Principal(
    name="local",
    organisation=SYSTEM,
    permissions=frozenset(Permission),
    channel=Channel.local,
    roles=("administrator",),
)
"""The CLI acting on the machine it runs on: an administrator (it holds the database's keys)."""

ANONYMOUS = Principal(
    name="anonymous", organisation=PUBLIC, permissions=frozenset(), channel=Channel.anonymous
)
"""A caller that gave no credentials: may reach only routes that need no permission."""
