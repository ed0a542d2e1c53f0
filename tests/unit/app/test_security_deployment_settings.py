"""A deployment's ``[security]`` settings file (PEAKGUARD_SECURITY_SETTINGS) sets the watch
list's thresholds the API and pages use; without one, the packaged defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from peakguard.app.security import deployment_watch_settings
from peakguard.cases.security_watch import SecurityWatchSettings
from peakguard.config import Settings
from peakguard.errors import InvalidInputError


def test_the_deployment_file_sets_the_thresholds(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[security]\nreal_name_threshold = 0.95\nminimum_accepts = 20\n")
    settings = Settings(database_url="sqlite://", home=tmp_path, security_settings=path)
    chosen = deployment_watch_settings(settings)
    assert chosen.real_name_threshold == 0.95
    assert chosen.minimum_accepts == 20
    assert chosen.x_ray_threshold == SecurityWatchSettings().x_ray_threshold  # left out: default


def test_without_a_file_the_defaults_apply(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite://", home=tmp_path)
    assert deployment_watch_settings(settings) == SecurityWatchSettings()


def test_a_mistyped_key_in_the_deployment_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[security]\nreal_name_treshold = 0.95\n")
    settings = Settings(database_url="sqlite://", home=tmp_path, security_settings=path)
    with pytest.raises(InvalidInputError):
        deployment_watch_settings(settings)
