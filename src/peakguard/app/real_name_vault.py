"""The register's vault: the deployment's personal-data key (and, during a rotation, the keys
before it), and the mark that says which key an employee's hash was made under."""

from __future__ import annotations

from collections.abc import Sequence

from peakguard.errors import ConfigurationError
from peakguard.i18n import _
from peakguard.store.database import Store
from peakguard.store.personal import PersonalVault

KEY_MARK_TEXT = "peakguard real-name key mark"
"""A fixed text whose digest names the key a hash was made under (not a secret)."""


def register_vault(store: Store, previous: Sequence[bytes] = ()) -> PersonalVault:
    """The vault of the deployment's key, then ``previous`` keys (a rotation's old ones)."""
    if not store.personal_key:
        raise ConfigurationError(
            _(
                "No key for personal data is configured: set PEAKGUARD_PERSONAL_KEY or let "
                "peakguard make <home>/personal.key."
            )
        )
    return PersonalVault(keys=[store.personal_key, *previous])


def key_mark(vault: PersonalVault) -> str:
    """The newest key's mark (16 hex digits)."""
    return vault.digest(KEY_MARK_TEXT)[:16]
