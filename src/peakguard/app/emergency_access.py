"""Who may see and command which emergency activation (docs/reference/emergency-plans.md).

A reader (``incident.read``) sees the activations covering its territory or inside it; a
command (``emergency.command``) is a postal administration's at the level's commanding office
or above whose territory covers the activation; the system may do everything. Outside a
reader's reach an activation is "not found"."""

from __future__ import annotations

from peakguard.app.access import reach, require
from peakguard.cases.controlled import code_prefix
from peakguard.cases.emergency_plans import OFFICE_RANK, Plan
from peakguard.errors import ForbiddenError, NotFoundError
from peakguard.i18n import _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.emergency import ActivationRecord

NATIONAL = "000000"
"""The region of an activation over the whole country."""


def territory_prefix(region: str) -> str:
    """The leading digits of every code inside ``region`` ('' for the whole country)."""
    return "" if region == NATIONAL else code_prefix(region)


def may_see(actor: Principal, record: ActivationRecord) -> bool:
    """Whether ``record`` covers ``actor``'s territory or lies inside it."""
    scope = reach(actor)
    if scope.everything:
        return True
    if scope.nothing:
        return False
    own, covered = scope.prefix, territory_prefix(record.region)
    return covered.startswith(own) or own.startswith(covered)


def visible(
    actor: Principal, record: ActivationRecord | None, activation_id: int
) -> ActivationRecord:
    if record is None or not may_see(actor, record):
        raise NotFoundError(_("No activation {id} is within your reach.", id=activation_id))
    return record


def covers(actor: Principal, region: str) -> bool:
    """Whether ``actor`` is the system or a postal administration whose territory covers
    ``region``."""
    kind = actor.organisation.kind
    if kind is OrganisationKind.system:
        return True
    if kind is not OrganisationKind.regulator:
        return False
    scope = reach(actor)
    return scope.everything or territory_prefix(region).startswith(scope.prefix)


def require_command(actor: Principal, plan: Plan, level: str, region: str) -> None:
    """Refuse unless ``actor`` commands ``level`` of ``plan`` over ``region``."""
    require(actor, Permission.emergency_command)
    commands = plan.level(level).commands
    office = actor.organisation.level
    high_enough = actor.organisation.kind is OrganisationKind.system or (
        office is not None and OFFICE_RANK[office] <= OFFICE_RANK[commands]
    )
    if high_enough and covers(actor, region):
        return
    raise ForbiddenError(
        _(
            "{who} may not command level {level} of this plan over {region}: it is commanded "
            "by a {office} postal administration whose territory covers it, or one above.",
            who=actor.label(),
            level=level,
            region=region,
            office=commands.value,
        )
    )


def require_proposer(actor: Principal) -> None:
    desk = (Permission.incident_report, Permission.duty_keep, Permission.emergency_command)
    if not any(actor.may(permission) for permission in desk):
        require(actor, Permission.emergency_command)


def within_reach(actor: Principal, region: str) -> bool:
    """Whether ``region`` lies inside what ``actor`` reaches (its territory, a carrier's
    province): where the desk may record a proposal from a warning or an incident."""
    scope = reach(actor)
    if scope.everything:
        return True
    return not scope.nothing and territory_prefix(region).startswith(scope.prefix)
