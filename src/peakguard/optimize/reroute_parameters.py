"""What a reroute is asked for (the closure) and the knobs that choose the backups.

Defaults are local policy, not official figures: a carrier sets its own limits on how much
longer a parcel may travel, how much of a backup's spare capacity it may use and how many
backups it will run at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.parameters import FileParameters
from peakguard.simulate.scenario import Closure


@dataclass(frozen=True)
class ClosureRequest:
    """Nodes closed (epidemic control, typhoon, a cut road) over [start, end)."""

    nodes: tuple[str, ...]
    start: datetime
    end: datetime
    reason: str = "closure"

    @classmethod
    def from_closure(cls, closure: Closure) -> ClosureRequest:
        """The request for one of a scenario's closures."""
        return cls((closure.node,), closure.start, closure.end, closure.reason)


@dataclass(frozen=True)
class RerouteParameters(FileParameters, section="reroute"):
    """Knobs of the reroute (docstrings give the defaults' meaning).

    A unit of the closed node's traffic (one sender or one receiver of it) costs, per parcel
    sent through backup ``b``: its added transit hours, plus ``automation_weight_hours`` when
    ``b`` has no automated sorter, plus ``spare_weight_hours`` × the share of ``b``'s usable
    spare capacity the unit takes (so large units go to backups with room to spare).
    """

    max_added_transit_hours: float = 12.0
    """A backup is a candidate for a unit only if the unit's parcels travel at most this many
    hours longer on average than through the closed node."""
    max_spare_share: float = 0.8
    """A backup takes at most this share of its spare sorting capacity in the window."""
    max_backups: int = 4
    """At most this many backups (seed 004: Henan's work split among four centres)."""
    automation_weight_hours: float = 2.0
    """Hours per parcel a backup without an automated sorter costs, as if transit were longer."""
    spare_weight_hours: float = 1.0
    """Hours per parcel charged for filling a backup's usable spare capacity completely."""
    other_carriers: bool = False
    """Allow other carriers' hubs as backups (a 共配 agreement); by default the same carrier."""
    lead_hours: int = 36
    """Parcels accepted this many hours before the closure starts are rerouted too: they are
    already on their way and would reach the closed node while it is shut. On the demo's
    Double 11 a 12 h lead left 270 k refused departures at the closed hub, 36 h 65 k."""
    detour_factor: float = 1.3
    """Road distance ÷ great-circle distance for a temporary connection (临时接驳)."""
    road_speed_kmh: float = 60.0
    """Average speed of a temporary connection, trunk roads."""
    handover_hours: float = 0.5
    """Loading and unloading added to a temporary connection's driving time."""
    time_limit_seconds: float = 60.0

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        for name in (
            "max_added_transit_hours",
            "automation_weight_hours",
            "spare_weight_hours",
            "lead_hours",
            "handover_hours",
        ):
            if getattr(self, name) < 0:
                problems.append(Problem(name, _("must not be negative")))
        if not 0 < self.max_spare_share <= 1:
            problems.append(Problem("max_spare_share", _("must be greater than 0 and at most 1")))
        if self.max_backups < 1:
            problems.append(Problem("max_backups", _("must be at least {limit}", limit=1)))
        if self.detour_factor < 1:
            problems.append(Problem("detour_factor", _("must be at least {limit}", limit=1)))
        for name in ("road_speed_kmh", "time_limit_seconds"):
            if getattr(self, name) <= 0:
                problems.append(Problem(name, _("must be greater than 0")))
        if problems:
            raise InvalidInputError(_("The reroute parameters are not valid."), problems)
