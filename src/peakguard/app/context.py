"""What every operation runs against: the database and the scan-event lake of a deployment."""

from __future__ import annotations

from pathlib import Path

from peakguard.config import Settings
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import SUPPORTED_LANGUAGES, _, normalise_language
from peakguard.store.database import Store
from peakguard.store.database import open_store as open_database


def open_store(settings: Settings) -> Store:
    """Connect to the configured database and bring its schema up to date."""
    return open_database(settings.resolved_database_url())


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
