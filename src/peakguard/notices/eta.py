"""A parcel's estimated arrival (预计到达时间, seed 000) from the network's current state: the
measured times of recent parcels on the same way.

Two bases, the closer first:

- ``last_node``: the median, over recent delivered parcels that were scanned at the parcel's
  last node and went to the same destination region, of the hours from that scan to delivery;
  the estimate is the parcel's last scan plus that median.
- ``lane``: the median, over recent delivered parcels from the same origin region to the same
  destination region, of the hours from acceptance to delivery; the estimate is the parcel's
  acceptance plus that median.

"Recent" is delivered within ``lookback`` before now; a basis needs ``min_parcels`` parcels.
When the destination is controlled, the estimate is never before the control's expected end
(``held_until``); a control without an expected end gives no estimate (nothing can be
promised). A delivered parcel's arrival is its delivery (``delivered``); with no basis there
is no estimate (``unknown``). The simulator's projections are not used: a simulation is a
what-if of a scenario, not the network's current state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from statistics import median

from peakguard.cases.controlled import ControlledArea
from peakguard.domain.scans import EventType
from peakguard.notices.tracking import Parcel
from peakguard.notices.wording import OPEN_ENDED_YEAR


class Basis(StrEnum):
    delivered = "delivered"
    last_node = "last_node"
    lane = "lane"
    unknown = "unknown"


@dataclass(frozen=True)
class EtaSettings:
    """How far back measured parcels count, and how many a basis needs."""

    lookback: timedelta = timedelta(days=7)
    min_parcels: int = 3

    def __post_init__(self) -> None:
        if self.lookback <= timedelta(0) or self.min_parcels < 1:
            raise ValueError("lookback must be positive and min_parcels at least 1")


@dataclass(frozen=True)
class Estimate:
    """When the parcel should arrive, on which basis, from how many parcels' times, and the
    control that holds it back (``held_until``: the control's end moved it later)."""

    waybill: str
    arrival: datetime | None
    basis: Basis
    parcels: int = 0
    median_hours: float | None = None
    held_until: datetime | None = None
    late: bool = False
    """The measured estimate had already passed when it was made (the parcel is overdue)."""


@dataclass(frozen=True)
class Measured:
    """Hours to delivery of recent parcels: by (node, destination) and by (origin,
    destination) region."""

    from_node: dict[tuple[str, str], list[float]]
    on_lane: dict[tuple[str, str], list[float]]


def _hours(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def measure(parcels: Iterable[Parcel], now: datetime, settings: EtaSettings) -> Measured:
    """The measured times of the parcels delivered within the look-back before ``now``."""
    from_node: dict[tuple[str, str], list[float]] = defaultdict(list)
    on_lane: dict[tuple[str, str], list[float]] = defaultdict(list)
    since = now - settings.lookback
    for parcel in parcels:
        delivered = parcel.delivered_at
        if delivered is None or not since <= delivered <= now:
            continue
        accepted = next((s for s in parcel.scans if s.event == EventType.accept.value), None)
        if accepted is not None:
            key = (parcel.origin_region, parcel.destination_region)
            on_lane[key].append(_hours(delivered, accepted.time))
        latest: dict[str, datetime] = {}
        for scan in parcel.scans:
            if scan.time <= delivered:
                latest[scan.node_id] = scan.time
        for node, moment in latest.items():
            from_node[(node, parcel.destination_region)].append(_hours(delivered, moment))
    return Measured(dict(from_node), dict(on_lane))


def estimate_arrival(
    parcel: Parcel,
    measured: Measured,
    now: datetime,
    control: ControlledArea | None = None,
    settings: EtaSettings | None = None,
) -> Estimate:
    """The parcel's estimated arrival (module docstring)."""
    chosen = settings or EtaSettings()
    delivered = parcel.delivered_at
    if delivered is not None:
        return Estimate(parcel.waybill, delivered, Basis.delivered)
    last = parcel.scans[-1]
    by_node = measured.from_node.get((last.node_id, parcel.destination_region), [])
    by_lane = measured.on_lane.get((parcel.origin_region, parcel.destination_region), [])
    accepted = next((s for s in parcel.scans if s.event == EventType.accept.value), None)
    if len(by_node) >= chosen.min_parcels:
        basis, sample, start = Basis.last_node, by_node, last.time
    elif len(by_lane) >= chosen.min_parcels and accepted is not None:
        basis, sample, start = Basis.lane, by_lane, accepted.time
    else:
        return Estimate(parcel.waybill, None, Basis.unknown)
    hours = float(median(sample))
    arrival = start + timedelta(hours=hours)
    late = arrival < now
    held_until = None
    if control is not None and control.end.year >= OPEN_ENDED_YEAR:
        return Estimate(parcel.waybill, None, Basis.unknown, len(sample), hours, control.end)
    if control is not None and arrival < control.end:
        arrival = held_until = control.end
        late = False
    return Estimate(parcel.waybill, arrival, basis, len(sample), hours, held_until, late)
