"""Deployment settings, read from ``PEAKGUARD_*`` environment variables when the app starts."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from peakguard.i18n import SUPPORTED_LANGUAGES, normalise_language


def _default_home() -> Path:
    return Path.home() / ".peakguard"


class Settings(BaseSettings):
    """Where peakguard keeps its data and which language it speaks.

    ``PEAKGUARD_DATABASE_URL``: any SQLAlchemy URL; default an SQLite file in
    ``PEAKGUARD_HOME`` (``~/.peakguard``). ``PEAKGUARD_LANGUAGE``: ``zh_CN`` (default) or ``en``.
    ``PEAKGUARD_EVENT_LAKE``: the folder of the scan-event lake; default ``<home>/lake``
    (docs/reference/scan-events.md).
    """

    model_config = SettingsConfigDict(env_prefix="PEAKGUARD_", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    database_url: str | None = None
    language: str = "zh_CN"
    event_lake: Path | None = None

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        try:
            return normalise_language(value)
        except ValueError:
            raise ValueError(f"language must be one of {', '.join(SUPPORTED_LANGUAGES)}") from None

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home.expanduser() / 'peakguard.db'}"

    def resolved_event_lake(self) -> Path:
        """The scan-event lake's folder: ``event_lake``, or ``lake`` in the home folder."""
        if self.event_lake is not None:
            return self.event_lake.expanduser()
        return self.home.expanduser() / "lake"
