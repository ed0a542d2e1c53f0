"""The knobs of a coverage plan (异地分区覆盖集散).

Defaults are local policy, not official figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.optimize.reroute_parameters import RerouteParameters


@dataclass(frozen=True)
class CoverageParameters:
    """How backup centres are chosen and the closed area split among them.

    A part sent to centre ``c`` costs, per parcel: the road hours from ``c`` to the part, plus
    ``automation_weight_hours`` when ``c`` has no automated sorter, plus ``spare_weight_hours``
    × the share of ``c``'s usable spare capacity the part takes (the reroute planner's costs).
    """

    max_centres: int = 4
    """At most this many backup centres (seed 004: Henan's mail split among four)."""
    max_spare_share: float = 0.8
    """A centre takes at most this share of its spare sorting capacity (capacity less its
    normal day's load)."""
    max_road_hours: float = 12.0
    """A centre serves a part only if the road from it to the part takes at most this long."""
    automated_only: bool = True
    """Seed 004: choose centres 有自动化设备; when false, a manual centre is a candidate that
    costs ``automation_weight_hours`` more per parcel."""
    automation_weight_hours: float = 2.0
    spare_weight_hours: float = 1.0
    high_volume_station: int = 5_000
    """At depth prefecture/county, a station delivering at least this many parcels a day is
    sorted to directly (业务量大的揽投部)."""
    detour_factor: float = 1.3
    """Road distance ÷ great-circle distance."""
    road_speed_kmh: float = 60.0
    handover_hours: float = 0.5
    time_limit_seconds: float = 30.0

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        for name in (
            "max_road_hours",
            "automation_weight_hours",
            "spare_weight_hours",
            "high_volume_station",
            "handover_hours",
        ):
            if getattr(self, name) < 0:
                problems.append(Problem(name, _("must not be negative")))
        if not 0 < self.max_spare_share <= 1:
            problems.append(Problem("max_spare_share", _("must be greater than 0 and at most 1")))
        if self.max_centres < 1:
            problems.append(Problem("max_centres", _("must be at least {limit}", limit=1)))
        if self.detour_factor < 1:
            problems.append(Problem("detour_factor", _("must be at least {limit}", limit=1)))
        for name in ("road_speed_kmh", "time_limit_seconds"):
            if getattr(self, name) <= 0:
                problems.append(Problem(name, _("must be greater than 0")))
        if problems:
            raise InvalidInputError(_("The coverage parameters are not valid."), problems)

    def road_hours(self, kilometres: float) -> float:
        """Great-circle kilometres → hours by road, handover included, to 0.1 h."""
        hours = kilometres * self.detour_factor / self.road_speed_kmh + self.handover_hours
        return max(0.1, round(hours, 1))

    def reroute_parameters(self) -> RerouteParameters:
        """The same knobs for the reroute planner's assignment program."""
        return RerouteParameters(
            max_added_transit_hours=self.max_road_hours,
            max_spare_share=self.max_spare_share,
            max_backups=self.max_centres,
            automation_weight_hours=self.automation_weight_hours,
            spare_weight_hours=self.spare_weight_hours,
            time_limit_seconds=self.time_limit_seconds,
        )
