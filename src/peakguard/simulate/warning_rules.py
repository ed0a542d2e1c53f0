"""Warning thresholds: four levels, I (most severe, red) to IV (blue).

No official backlog thresholds exist (DOMAIN.md): these defaults are **local policy**, to be
set by each regulator or carrier, and every report says so.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from peakguard.i18n import Message, _, invalid
from peakguard.parameters import FileParameters

Share = Annotated[float, Field(gt=0, le=5)]
Hours = Annotated[int, Field(ge=0, le=240)]


class WarningLevel(IntEnum):
    """Lower is more severe, as in 突发事件应对法: I red, II orange, III yellow, IV blue."""

    red = 1
    orange = 2
    yellow = 3
    blue = 4


def level_label(level: WarningLevel) -> Message:
    labels = {
        WarningLevel.red: _("level I (red)"),
        WarningLevel.orange: _("level II (orange)"),
        WarningLevel.yellow: _("level III (yellow)"),
        WarningLevel.blue: _("level IV (blue)"),
    }
    return labels[level]


class LevelThreshold(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    storage_utilisation: Share
    """Backlog ÷ storage capacity at or above which the level is raised."""
    overflow_within_hours: Hours
    """Raised when the run forecasts the node overflowing within this many hours."""


class WarningThresholds(FileParameters, BaseModel, section="warnings"):
    """Per level, a node is warned when either test holds; the most severe level wins."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    red: LevelThreshold = LevelThreshold(storage_utilisation=1.0, overflow_within_hours=6)
    orange: LevelThreshold = LevelThreshold(storage_utilisation=0.9, overflow_within_hours=24)
    yellow: LevelThreshold = LevelThreshold(storage_utilisation=0.8, overflow_within_hours=48)
    blue: LevelThreshold = LevelThreshold(storage_utilisation=0.7, overflow_within_hours=72)
    hold_hours: Hours = 12
    """A warning is lowered only after the lower level has held this many hours."""
    network_hub_share: Annotated[float, Field(gt=0, le=1)] = 0.1
    """The network is at a level when this share of its hubs is at that level or worse."""
    blockage_hours: Hours = 12
    """A closure at least this long drafts the network blockage report (服务网络阻断, due to
    the regulator within 24 h)."""

    @model_validator(mode="after")
    def _ordered(self) -> WarningThresholds:
        levels = [self.red, self.orange, self.yellow, self.blue]
        shares = [level.storage_utilisation for level in levels]
        if shares != sorted(shares, reverse=True):
            raise invalid(_("storage_utilisation must not rise from red to blue"))
        horizons = [level.overflow_within_hours for level in levels]
        if horizons != sorted(horizons):
            raise invalid(_("overflow_within_hours must not fall from red to blue"))
        return self

    def by_level(self) -> dict[WarningLevel, LevelThreshold]:
        return {
            WarningLevel.red: self.red,
            WarningLevel.orange: self.orange,
            WarningLevel.yellow: self.yellow,
            WarningLevel.blue: self.blue,
        }
