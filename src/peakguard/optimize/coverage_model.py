"""The coverage plan's values: the request, the centres scored, the split, the relations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from peakguard.domain.network import RoutingOverride
from peakguard.i18n import Message
from peakguard.optimize.coverage_parameters import CoverageParameters
from peakguard.optimize.coverage_parts import ClosedArea, Part, SortingDepth, SortTarget


class CandidateStatus(StrEnum):
    chosen = "chosen"
    not_needed = "not_needed"
    manual = "manual"
    """No automated sorter (and ``automated_only``)."""
    no_spare = "no_spare"
    too_far = "too_far"


@dataclass(frozen=True)
class CoverageRequest:
    """A region (GB/T 2260 code) closed over [start, end), for one carrier's mail."""

    region: str
    start: datetime
    end: datetime
    carrier: str | None = None
    depth: SortingDepth | None = None


@dataclass(frozen=True)
class CentreCandidate:
    """A hub outside the closed area scored as a backup sorting centre (figures per day)."""

    hub: str
    name: str
    region: str
    longitude: float
    latitude: float
    automated_sorter: bool
    capacity: int
    normal_load: int
    spare: int
    usable: float
    """``max_spare_share`` × spare: the most the plan gives it."""
    nearest_km: float
    """Great-circle kilometres to the nearest part."""
    mean_km: float
    """Volume-weighted mean kilometres to the parts."""
    status: CandidateStatus
    parcels: int
    """Parcels a day the plan gives it."""
    reason: Message

    @property
    def used_share(self) -> float:
        return self.parcels / self.usable if self.usable > 0 else 0.0


@dataclass(frozen=True)
class PartAssignment:
    part: Part
    centre: str | None
    """None: no chosen centre can take it (reported with its volume)."""
    road_km: float | None
    road_hours: float | None
    reason: Message


@dataclass(frozen=True)
class SortingRelation:
    """分拣封发关系: a centre sorts a part's inbound mail to these targets and sends its
    outbound mail on (the part's outlets hand it over to the centre)."""

    centre: str
    part: str
    targets: tuple[SortTarget, ...]
    outlets: tuple[str, ...]


@dataclass(frozen=True)
class RoutingRelation:
    """经转关系: an origin hub now sends the part's mail to the centre instead of the closed
    node(s) it used to send it to."""

    origin: str
    part: str
    centre: str
    previously: tuple[str, ...]


@dataclass(frozen=True)
class Transport:
    """The road from a centre to a part (陆运): an existing lane, or a new connection."""

    centre: str
    part: str
    road_km: float
    road_hours: float
    lane: str | None
    """An existing lane from the centre into the part; None: a new road connection."""


@dataclass(frozen=True)
class CoveragePlan:
    area: ClosedArea
    start: datetime
    end: datetime
    days: int
    depth: SortingDepth
    parameters: CoverageParameters
    candidates: tuple[CentreCandidate, ...]
    assignments: tuple[PartAssignment, ...]
    sorting: tuple[SortingRelation, ...]
    routing: tuple[RoutingRelation, ...]
    transport: tuple[Transport, ...]
    routing_overrides: tuple[RoutingOverride, ...]
    reasons: tuple[Message, ...]

    @property
    def centres(self) -> tuple[CentreCandidate, ...]:
        return tuple(c for c in self.candidates if c.status is CandidateStatus.chosen)

    @property
    def parcels(self) -> int:
        return sum(item.part.parcels for item in self.assignments)

    @property
    def unabsorbed(self) -> tuple[PartAssignment, ...]:
        return tuple(item for item in self.assignments if item.centre is None)

    @property
    def unabsorbed_parcels(self) -> int:
        return sum(item.part.parcels for item in self.unabsorbed)
