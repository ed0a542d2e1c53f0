"""Productivity and equipment figures that turn parcels into staff, vehicles and floor area.

No official productivity figures were found: every default here is **local policy**, a
starting point to be replaced by a carrier's own figures, and reports must say so. They were
chosen to be plausible for Chinese express operations:

=======================================  ==========  ==============================================
parameter                                default     reasoning
=======================================  ==========  ==============================================
hub, manual: parcels per person-hour     120         a manual hub sorting 1 M parcels a day with
                                                     ~850 people on 10-hour shifts
hub, automated sorter                    400         cross-belt sorters need people mainly to
                                                     induct and unload
outlet (acceptance)                      40          acceptance, inspection, X-ray, bagging
station (delivery)                       20          a courier delivers ~200 parcels in 10 hours
consolidation point                      60          receive, pick, combine, pack (seed 004)
vehicle load (parcels): hub              8,000       a 9.6–13 m trunk truck of small parcels
outlet / station / consolidation point   1,500 / 300 / 3,000  van, tricycle, light truck
trips per vehicle per day                2 / 4 / 3 / 3  (hub / outlet / station / consolidation)
floor area per 1,000 parcels of backlog  40 m²       parcels stacked on pallets, with aisles
share of floor area free for backlog     0.5         the rest is sorting lines and docks
lead times (days)                        staff 7, vehicles 3, floor area 14, sorting
                                                     capacity 2 (an extra shift)
=======================================  ==========  ==============================================
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from peakguard.domain.network import Node, NodeKind
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.parameters import FileParameters

KIND_DEFAULTS_PRODUCTIVITY = {
    NodeKind.hub: 120.0,
    NodeKind.outlet: 40.0,
    NodeKind.station: 20.0,
    NodeKind.consolidation_point: 60.0,
}
KIND_DEFAULTS_VEHICLE_LOAD = {
    NodeKind.hub: 8000.0,
    NodeKind.outlet: 1500.0,
    NodeKind.station: 300.0,
    NodeKind.consolidation_point: 3000.0,
}
KIND_DEFAULTS_TRIPS = {
    NodeKind.hub: 2.0,
    NodeKind.outlet: 4.0,
    NodeKind.station: 3.0,
    NodeKind.consolidation_point: 3.0,
}


@dataclass(frozen=True)
class ReserveParameters(FileParameters, section="reserve"):
    """The figures behind the reserve arithmetic (see the module table; all local policy)."""

    parcels_per_person_hour: dict[NodeKind, float] = field(
        default_factory=lambda: dict(KIND_DEFAULTS_PRODUCTIVITY)
    )
    automated_parcels_per_person_hour: float = 400.0
    vehicle_load_parcels: dict[NodeKind, float] = field(
        default_factory=lambda: dict(KIND_DEFAULTS_VEHICLE_LOAD)
    )
    trips_per_vehicle_per_day: dict[NodeKind, float] = field(
        default_factory=lambda: dict(KIND_DEFAULTS_TRIPS)
    )
    floor_m2_per_thousand_parcels: float = 40.0
    floor_share_for_backlog: float = 0.5
    staff_lead_days: int = 7
    vehicle_lead_days: int = 3
    floor_area_lead_days: int = 14
    sorting_lead_days: int = 2

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        for name in (
            "parcels_per_person_hour",
            "vehicle_load_parcels",
            "trips_per_vehicle_per_day",
        ):
            table: dict[NodeKind, float] = getattr(self, name)
            for kind in NodeKind:
                value = table.get(kind)
                if value is None or not value > 0:
                    problems.append(
                        Problem(f"parameters.{name}.{kind.value}", _("must be greater than 0"))
                    )
        for name in ("automated_parcels_per_person_hour", "floor_m2_per_thousand_parcels"):
            if not getattr(self, name) > 0:
                problems.append(Problem(f"parameters.{name}", _("must be greater than 0")))
        if not 0 < self.floor_share_for_backlog <= 1:
            problems.append(
                Problem(
                    "parameters.floor_share_for_backlog",
                    _("must lie between {low} and {high}", low=0, high=1),
                )
            )
        for item in fields(self):
            if item.name.endswith("_lead_days") and getattr(self, item.name) < 0:
                problems.append(
                    Problem(f"parameters.{item.name}", _("must be a number of at least 0"))
                )
        if problems:
            raise InvalidInputError(_("the reserve parameters have mistakes"), problems)

    def productivity(self, node: Node) -> float:
        """Parcels one person handles in an hour at ``node``."""
        if node.automated_sorter and node.kind is NodeKind.hub:
            return self.automated_parcels_per_person_hour
        return self.parcels_per_person_hour[node.kind]
