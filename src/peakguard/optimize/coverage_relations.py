"""The relations a coverage plan changes, and its reasons in words.

- 经转关系 (routing): every hub of the carrier outside the closed area with a lane into it (an
  origin hub, 收寄省's gateway) now sends each part's mail to the part's centre; as routing
  overrides, at that hub, parcels for each station of the part go next to the centre.
- 分拣封发关系 (sorting): each centre sorts its parts' inbound mail to the depth's targets and
  takes over their outbound mail (the part's outlets hand it to the centre).
- 运输 (transport): the road from each centre to each of its parts, on an existing lane into the
  part or a new road connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peakguard.domain.geography import great_circle_km
from peakguard.domain.network import Network, Node, NodeKind, RoutingOverride
from peakguard.i18n import Message, _
from peakguard.optimize.coverage_model import (
    CandidateStatus,
    CentreCandidate,
    PartAssignment,
    RoutingRelation,
    SortingRelation,
    Transport,
)
from peakguard.optimize.coverage_parameters import CoverageParameters
from peakguard.optimize.coverage_parts import ClosedArea, Part, depth_label, inside

if TYPE_CHECKING:
    from peakguard.optimize.coverage_model import CoveragePlan

Relations = tuple[
    tuple[SortingRelation, ...],
    tuple[RoutingRelation, ...],
    tuple[Transport, ...],
    tuple[RoutingOverride, ...],
]


def relations(
    network: Network,
    area: ClosedArea,
    assignments: tuple[PartAssignment, ...],
    settings: CoverageParameters,
) -> Relations:
    """The sorting, routing and transport relations of the assignments."""
    nodes = network.node_index()
    covered = [item for item in assignments if item.centre is not None]
    sorting = tuple(
        SortingRelation(item.centre, item.part.code, item.part.targets, item.part.outlets)
        for item in covered
        if item.centre is not None
    )
    feeders: dict[str, set[str]] = {}
    for lane in network.lanes:
        source, target = nodes[lane.origin], nodes[lane.destination]
        if (
            source.carrier == area.carrier
            and source.kind is NodeKind.hub
            and not inside(area.code, source.region)
            and inside(area.code, target.region)
        ):
            feeders.setdefault(source.id, set()).add(target.id)
    routing: list[RoutingRelation] = []
    overrides: list[RoutingOverride] = []
    for origin, previously in sorted(feeders.items()):
        for item in covered:
            if item.centre is None or item.centre == origin:
                continue
            routing.append(
                RoutingRelation(origin, item.part.code, item.centre, tuple(sorted(previously)))
            )
            overrides += [
                RoutingOverride(node=origin, destination=station, next_node=item.centre)
                for station in item.part.stations
            ]
    transport = tuple(_transport(network, item) for item in covered)
    return sorting, tuple(routing), transport, tuple(overrides)


def _transport(network: Network, item: PartAssignment) -> Transport:
    assert item.centre is not None
    assert item.road_km is not None
    assert item.road_hours is not None
    into = set(item.part.stations) | set(item.part.outlets)
    lane = next(
        (
            lane.id
            for lane in network.lanes
            if lane.origin == item.centre and lane.destination in into
        ),
        None,
    )
    return Transport(item.centre, item.part.code, item.road_km, item.road_hours, lane)


def candidate_reason(
    status: CandidateStatus,
    hub: Node,
    *,
    spare: int,
    usable: float,
    parcels: int,
    nearest_km: float,
    settings: CoverageParameters,
) -> Message:
    """Why a hub was chosen as a backup centre, or why not."""
    if status is CandidateStatus.manual:
        return _(
            "Not a candidate: it has no automated sorter (seed 004 chooses backup centres "
            "with automated equipment)."
        )
    if status is CandidateStatus.no_spare:
        return _(
            "Not a candidate: its normal day's {load} parcels already use its sorting "
            "capacity of {capacity} a day, nothing to spare.",
            load=hub.daily_volume,
            capacity=hub.daily_sorting_capacity(),
        )
    if status is CandidateStatus.too_far:
        return _(
            "Not a candidate: the nearest part of the closed area is {hours} h away by road, "
            "more than the {limit} h allowed.",
            hours=settings.road_hours(nearest_km),
            limit=settings.max_road_hours,
        )
    if status is CandidateStatus.not_needed:
        return _(
            "Not chosen: the chosen centres cover the area at a lower cost; it is {km} km "
            "from the nearest part with {spare} parcels a day to spare.",
            km=round(nearest_km),
            spare=spare,
        )
    sorter = _("an automated sorter") if hub.automated_sorter else _("manual sorting only")
    return _(
        "Chosen backup centre: {sorter}, {spare} parcels a day of spare capacity ({usable} "
        "usable), {km} km from the nearest part; it takes {parcels} parcels a day.",
        sorter=sorter,
        spare=spare,
        usable=round(usable),
        km=round(nearest_km),
        parcels=parcels,
    )


def _km(candidate: CentreCandidate, part: Part) -> float:
    return great_circle_km(candidate.longitude, candidate.latitude, part.longitude, part.latitude)


def part_reason(
    part: Part,
    centre: str | None,
    chosen: list[CentreCandidate],
    settings: CoverageParameters,
    by_id: dict[str, CentreCandidate],
) -> Message:
    """Why the part is sorted where it is (or nowhere)."""
    if centre is None:
        reachable = [
            c for c in chosen if settings.road_hours(_km(c, part)) <= settings.max_road_hours
        ]
        if not reachable:
            return _(
                "Not covered: no backup centre with spare capacity is within {limit} h by road; "
                "its {parcels} parcels a day need another arrangement.",
                limit=settings.max_road_hours,
                parcels=part.parcels,
            )
        return _(
            "Not covered: the chosen centres have no room left for its {parcels} parcels a "
            "day; its pickups are to be re-planned.",
            parcels=part.parcels,
        )
    mine = by_id[centre]
    km, hours = _km(mine, part), settings.road_hours(_km(mine, part))
    if part.parcels == 0:
        return _(
            "Sorted at {centre}, the nearest chosen centre ({km} km): no mail on a normal day.",
            centre=mine.name,
            km=round(km),
        )
    nearer = min(chosen, key=lambda c: _km(c, part))
    if nearer.hub == centre:
        return _(
            "Sorted at {centre}, the nearest chosen centre: {km} km, {hours} h by road.",
            centre=mine.name,
            km=round(km),
            hours=hours,
        )
    left = nearer.usable - nearer.parcels
    if left < part.parcels:
        return _(
            "Sorted at {centre} ({km} km, {hours} h by road): the nearer {nearer} ({nearer_km} "
            "km) has {left} parcels a day of usable spare capacity left, fewer than this "
            "part's {parcels}.",
            centre=mine.name,
            km=round(km),
            hours=hours,
            nearer=nearer.name,
            nearer_km=round(_km(nearer, part)),
            left=max(0, round(left)),
            parcels=part.parcels,
        )
    return _(
        "Sorted at {centre} ({km} km, {hours} h by road): the nearer {nearer} ({nearer_km} km) "
        "would cost more overall, its spare capacity being kept for parts nearer to it.",
        centre=mine.name,
        km=round(km),
        hours=hours,
        nearer=nearer.name,
        nearer_km=round(_km(nearer, part)),
    )


def plan_summary(plan: CoveragePlan) -> tuple[Message, ...]:
    """The plan in a few sentences: the area, the centres, the depth, what is left over."""
    area = plan.area
    inbound = sum(item.part.inbound for item in plan.assignments)
    outbound = sum(item.part.outbound for item in plan.assignments)
    sentences = [
        _(
            "{area} closed for {days} days: carrier {carrier}'s {parcels} parcels a day "
            "({inbound} inbound, {outbound} outbound) in {count} parts.",
            area=area.name,
            days=plan.days,
            carrier=area.carrier,
            parcels=inbound + outbound,
            inbound=inbound,
            outbound=outbound,
            count=len(plan.assignments),
        ),
        _(
            "{count} backup centres chosen for automation, location and spare capacity: {names}.",
            count=len(plan.centres),
            names=", ".join(c.name for c in plan.centres),
        ),
        _("Sorting depth: {depth}.", depth=depth_label(plan.depth)),
    ]
    if area.hubs:
        sentences.append(
            _(
                "The closed hubs' sorting moves to the backup centres: {hubs}.",
                hubs=", ".join(area.hubs),
            )
        )
    if plan.unabsorbed:
        sentences.append(
            _(
                "{count} parts with {parcels} parcels a day are not covered: see each part's "
                "reason.",
                count=len(plan.unabsorbed),
                parcels=plan.unabsorbed_parcels,
            )
        )
    return tuple(sentences)
