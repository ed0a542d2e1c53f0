"""The checks every operation makes: may this principal do this, and to which data.

Operations call :func:`require` for the permission and :func:`reach` for the rows (a regulator's
territory, a carrier's brand). A refusal names what is missing; where the record's existence
itself must not leak (another carrier's network), the operation answers "not found" instead.
"""

from __future__ import annotations

from peakguard.errors import ForbiddenError, UnauthenticatedError
from peakguard.i18n import _
from peakguard.identity.model import Channel, Permission, Principal
from peakguard.identity.territory import Reach, reach_of


def require(actor: Principal, permission: Permission) -> None:
    """Refuse unless ``actor`` holds ``permission``: 401 for an anonymous caller, 403 else."""
    if actor.may(permission):
        return
    if actor.channel is Channel.anonymous:
        raise UnauthenticatedError(
            _("Log in, or send an API token (Authorization: Bearer pgt_…), to do this.")
        )
    raise ForbiddenError(
        _(
            "{who} may not do this: it needs the permission {permission}, which none of its "
            "roles grants. Ask your administrator.",
            who=actor.label(),
            permission=permission.value,
        )
    )


def reach(actor: Principal) -> Reach:
    """The carriers' rows ``actor`` may see and change."""
    return reach_of(actor.organisation)
