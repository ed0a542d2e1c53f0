"""Who may see and work which case.

A regulator sees the cases of its territory (the city desk its city's, the province all of its
cities', the national office all); a carrier sees its own brand's complaints and the appeals
forwarded to it (a provincial company only inside its province); the system sees everything.
A step belongs to one side: a regulator's step is taken by an office whose territory covers
the case, a carrier's by the carrier the case concerns. Personal data is shown in clear only
to a handling role (``case.personal_read``) of a side that works the case, and every such read
is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from peakguard.app.access import reach, require
from peakguard.cases.model import CaseKind, Side
from peakguard.errors import ForbiddenError, NotFoundError
from peakguard.i18n import Message, _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.cases import CaseRecord


@dataclass(frozen=True)
class CaseScope:
    """The filter that gives an actor the cases it may see: every case, or those whose region
    starts with ``region_prefix`` (and of ``brand`` when set; for a carrier, appeals only once
    forwarded to it)."""

    everything: bool
    region_prefix: str = ""
    brand: str | None = None
    forwarded_appeals_only: bool = False


def case_scope(actor: Principal) -> CaseScope:
    """The cases ``actor`` may read (it must hold ``case.read``)."""
    require(actor, Permission.case_read)
    scope = reach(actor)
    if scope.everything:
        return CaseScope(everything=True)
    if scope.nothing:
        return CaseScope(everything=False, region_prefix="\x00")
    return CaseScope(
        everything=False,
        region_prefix=scope.prefix,
        brand=scope.carrier,
        forwarded_appeals_only=scope.carrier is not None,
    )


def may_see(actor: Principal, case: CaseRecord) -> bool:
    """Whether ``case`` is inside what ``actor`` may read."""
    scope = case_scope(actor)
    if scope.everything:
        return True
    if not case.region.startswith(scope.region_prefix):
        return False
    if scope.brand is not None:
        if case.carrier != scope.brand:
            return False
        if case.kind == CaseKind.appeal.value and case.carrier_organisation_id is None:
            return False
    return True


def visible_case(actor: Principal, case: CaseRecord | None, reference: str) -> CaseRecord:
    """``case`` if ``actor`` may read it; "not found" otherwise, so that another territory's or
    another carrier's case does not even show that it exists."""
    if case is None or not may_see(actor, case):
        raise NotFoundError(_("No case {reference} is within your reach.", reference=reference))
    return case


def acts_for(actor: Principal, side: Side, case: CaseRecord) -> bool:
    """Whether ``actor``'s organisation plays ``side`` on ``case``."""
    kind = actor.organisation.kind
    if kind is OrganisationKind.system:
        return True
    if not may_see(actor, case):
        return False
    if side is Side.regulator:
        return kind is OrganisationKind.regulator
    return kind is OrganisationKind.carrier and actor.organisation.carrier == case.carrier


def require_side(actor: Principal, side: Side, case: CaseRecord, action: str) -> None:
    """Refuse a step of ``side`` unless ``actor`` handles cases and plays that side."""
    require(actor, Permission.case_handle)
    if acts_for(actor, side, case):
        return
    raise ForbiddenError(
        _(
            "{who} may not take the step {action} on {reference}: it is the {side}'s step.",
            who=actor.label(),
            action=action,
            reference=case.reference,
            side=side_label(side),
        )
    )


def side_label(side: Side) -> Message:
    """The side as a word of the sentence it stands in."""
    return _("postal administration") if side is Side.regulator else _("carrier")


def may_reveal(actor: Principal, case: CaseRecord) -> bool:
    """Whether ``actor`` may read ``case``'s personal data in clear (audited when it does)."""
    if not actor.may(Permission.case_personal_read):
        return False
    return acts_for(actor, Side.regulator, case) or acts_for(actor, Side.carrier, case)
