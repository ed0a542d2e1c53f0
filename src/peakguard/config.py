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
    """

    model_config = SettingsConfigDict(env_prefix="PEAKGUARD_", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    database_url: str | None = None
    language: str = "zh_CN"

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
