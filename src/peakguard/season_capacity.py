"""Moved: the plan to :mod:`peakguard.reserve.season_plan`, its files to
:mod:`peakguard.formats.season_capacity_output` (kept until the report page imports them)."""

from peakguard.reserve.season_plan import ProvinceDay, SeasonCapacity

__all__ = ["ProvinceDay", "SeasonCapacity"]
