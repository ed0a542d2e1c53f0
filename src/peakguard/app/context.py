"""What every operation runs against: the database and the scan-event lake of a deployment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from peakguard.config import Settings
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import SUPPORTED_LANGUAGES, _, normalise_language
from peakguard.store.database import Store
from peakguard.store.database import open_store as open_database


def open_store(settings: Settings) -> Store:
    """Connect to the configured database and bring its schema up to date."""
    return open_database(
        settings.resolved_database_url(),
        audit_key(settings),
        settings.home.expanduser() / "audit.witness",
        personal_key=personal_key(settings),
    )


def audit_key(settings: Settings) -> bytes:
    """The audit chain's key: ``PEAKGUARD_AUDIT_KEY``, else ``<home>/audit.key`` (made once,
    readable by its owner only)."""
    if settings.audit_key:
        return settings.audit_key.encode()
    return _key_file(settings.home.expanduser() / "audit.key")


def personal_key(settings: Settings) -> bytes:
    """The key of personal data at rest: ``PEAKGUARD_PERSONAL_KEY``, else
    ``<home>/personal.key`` (made once, readable by its owner only)."""
    if settings.personal_key:
        return settings.personal_key.encode()
    return _key_file(settings.home.expanduser() / "personal.key")


def _key_file(path: Path) -> bytes:
    """The secret kept in ``path``: 32 random bytes in hex, made on first use with mode 0600."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:  # whole or not at all: another process may be making it at the same moment
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


def event_lake(settings: Settings, chosen: Path | None = None) -> Path:
    """The scan-event lake's folder: ``chosen``, else the deployment's."""
    return chosen if chosen is not None else settings.resolved_event_lake()


def choose_language(language: str, where: str = "--lang") -> str:
    """``language`` as a supported catalogue name (``zh``, ``zh-CN``, ``en_US`` are fine), or a
    located error naming the languages there are."""
    try:
        return normalise_language(language)
    except ValueError:
        message = _(
            "Unknown language {language}; use one of {supported}.",
            language=language,
            supported=", ".join(SUPPORTED_LANGUAGES),
        )
        raise InvalidInputError(message, [Problem(where, message)]) from None
