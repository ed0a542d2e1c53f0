"""Who may see an inspection: a regulator inside its territory, a carrier its own brand — but
an unannounced inspection (暗访) by a regulator stays hidden from the carrier until it is
completed (a cancelled one, never shown): the carrier must not learn of it in advance."""

from __future__ import annotations

from peakguard.app.access import reach
from peakguard.identity.model import OrganisationKind, Principal
from peakguard.store.inspections import InspectionRecord

UNANNOUNCED = "unannounced"
SELF = "self"
COMPLETED = "completed"


def hidden_from(actor: Principal, inspection: InspectionRecord) -> bool:
    """Whether ``inspection`` is a regulator's unannounced one that ``actor``, a carrier, may
    not know of yet."""
    return (
        actor.organisation.kind is not OrganisationKind.regulator
        and actor.organisation.kind is not OrganisationKind.system
        and inspection.kind == UNANNOUNCED
        and inspection.conducted_by != SELF
        and inspection.state != COMPLETED
    )


def may_see(actor: Principal, inspection: InspectionRecord) -> bool:
    """Whether ``actor``'s reach covers the inspected place and the inspection is not hidden."""
    return reach(actor).covers(inspection.carrier, inspection.region) and not hidden_from(
        actor, inspection
    )
