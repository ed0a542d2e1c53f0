"""The menu: each page module lists its entries; a user sees those its permissions allow."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from peakguard.i18n import Message
from peakguard.identity.model import OrganisationKind, Permission, Principal


@dataclass(frozen=True)
class NavItem:
    """One entry of the menu: where it goes, what it says, who sees it.

    ``permission`` is the page's own declared permission (the menu never offers a page that
    would refuse the user); ``kinds`` narrows it to organisations of those kinds (the command
    centre is a regulator's, the network desk a carrier's); ``order`` places it."""

    path: str
    label: Message
    permission: Permission | None
    order: int
    kinds: frozenset[OrganisationKind] | None = None

    def shown_to(self, principal: Principal) -> bool:
        if self.permission is not None and not principal.may(self.permission):
            return False
        return self.kinds is None or principal.organisation.kind in self.kinds


def menu(items: Iterable[NavItem], principal: Principal) -> list[NavItem]:
    """The entries ``principal`` may follow, in order."""
    return sorted((item for item in items if item.shown_to(principal)), key=lambda i: i.order)
