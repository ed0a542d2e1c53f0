"""Public service during controls (异地分区覆盖集散): one plan for a closed province or city.

``plan_coverage(network, request)`` (seed 004):

1. splits the closed area into parts with their normal-day volumes (:mod:`.coverage_parts`);
2. scores the carrier's hubs outside it as backup sorting centres — automation (有自动化设备),
   location (有区位优势: road hours to the parts) and spare capacity (有富余处理能力: daily sorting
   capacity less the hub's normal day, ``daily_volume``);
3. chooses at most ``max_centres`` of them and splits the parts among them with the reroute
   planner's assignment program (:func:`peakguard.optimize.reroute_assign.assign_units`, HiGHS):
   fewest parcels left uncovered first, then the least parcel-weighted road hours, each
   centre's usable spare capacity never exceeded;
4. sets the sorting depth and the changed relations — which origin hubs now send which part's
   mail to which centre (经转关系), what each centre sorts to (分拣封发关系), and the road from
   each centre to its parts (:mod:`.coverage_relations`).

Volumes and capacities are per day: the period sets how many days the plan runs, not the
split (every day of a static control is a normal day's mail).
"""

from __future__ import annotations

import math
from dataclasses import replace

from peakguard.domain.geography import great_circle_km
from peakguard.domain.network import Network, Node, NodeKind
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.optimize.coverage_model import (
    CandidateStatus,
    CentreCandidate,
    CoveragePlan,
    CoverageRequest,
    PartAssignment,
    RoutingRelation,
    SortingRelation,
    Transport,
)
from peakguard.optimize.coverage_parameters import CoverageParameters
from peakguard.optimize.coverage_parts import (
    ClosedArea,
    Part,
    SortingDepth,
    SortTarget,
    area_parts,
    closed_area,
    default_depth,
    inside,
)
from peakguard.optimize.coverage_relations import (
    candidate_reason,
    part_reason,
    plan_summary,
    relations,
)
from peakguard.optimize.reroute_assign import assign_units
from peakguard.optimize.reroute_traffic import (
    BackupCandidate,
    Flow,
    Leg,
    Option,
    Unit,
    UnitRole,
)

__all__ = [
    "CandidateStatus",
    "CentreCandidate",
    "ClosedArea",
    "CoverageParameters",
    "CoveragePlan",
    "CoverageRequest",
    "Part",
    "PartAssignment",
    "RoutingRelation",
    "SortTarget",
    "SortingDepth",
    "SortingRelation",
    "Transport",
    "plan_coverage",
]


def plan_coverage(
    network: Network,
    request: CoverageRequest,
    /,
    *,
    parameters: CoverageParameters | None = None,
) -> CoveragePlan:
    """Backup centres, the split of the closed area, the depth and the changed relations."""
    settings = parameters or CoverageParameters()
    if request.end <= request.start:
        raise InvalidInputError(
            _("The coverage plan cannot be made."), [Problem("end", _("end must be after start"))]
        )
    area = closed_area(network, request.region, request.carrier)
    depth = request.depth or default_depth(area)
    parts = area_parts(network, area, depth, settings.high_volume_station)
    hubs = [
        node
        for node in network.nodes
        if node.kind is NodeKind.hub
        and node.carrier == area.carrier
        and not inside(area.code, node.region)
    ]
    centre_of = _split(parts, hubs, settings)
    candidates = tuple(_candidate(hub, parts, centre_of, settings) for hub in hubs)
    assignments = _assignments(parts, candidates, centre_of, settings)
    sorting, routing, transport, overrides = relations(network, area, assignments, settings)
    days = max(1, math.ceil((request.end - request.start).total_seconds() / 86_400))
    plan = CoveragePlan(
        area=area,
        start=request.start,
        end=request.end,
        days=days,
        depth=depth,
        parameters=settings,
        candidates=tuple(sorted(candidates, key=_candidate_order)),
        assignments=assignments,
        sorting=sorting,
        routing=routing,
        transport=transport,
        routing_overrides=overrides,
        reasons=(),
    )
    return _with_summary(plan)


def _with_summary(plan: CoveragePlan) -> CoveragePlan:
    return replace(plan, reasons=plan_summary(plan))


def _candidate_order(candidate: CentreCandidate) -> tuple[int, float]:
    return (0 if candidate.status is CandidateStatus.chosen else 1, candidate.nearest_km)


def kilometres(node: Node, part: Part) -> float:
    return great_circle_km(node.longitude, node.latitude, part.longitude, part.latitude)


def _status(hub: Node, parts: tuple[Part, ...], settings: CoverageParameters) -> CandidateStatus:
    """Why a hub cannot be a centre at all, or ``not_needed`` if it can."""
    if settings.automated_only and not hub.automated_sorter:
        return CandidateStatus.manual
    if hub.daily_sorting_capacity() - hub.daily_volume <= 0:
        return CandidateStatus.no_spare
    nearest = min((kilometres(hub, part) for part in parts), default=math.inf)
    if settings.road_hours(nearest) > settings.max_road_hours:
        return CandidateStatus.too_far
    return CandidateStatus.not_needed


def _split(
    parts: tuple[Part, ...], hubs: list[Node], settings: CoverageParameters
) -> dict[str, str]:
    """Part code → centre hub id, by the reroute planner's assignment program."""
    eligible = [hub for hub in hubs if _status(hub, parts, settings) is CandidateStatus.not_needed]
    backups = [
        BackupCandidate(
            hub.id,
            hub.carrier,
            hub.automated_sorter,
            float(hub.daily_sorting_capacity()),
            float(hub.daily_volume),
        )
        for hub in eligible
    ]
    loaded = [part for part in parts if part.parcels > 0]
    units: list[Unit] = []
    options: list[Option] = []
    for index, part in enumerate(loaded):
        flow = Flow(index, index, index, float(part.parcels), 0.0, 0.0, -1, -1)
        units.append(Unit(index, UnitRole.destination, (flow,)))
        for position, hub in enumerate(eligible):
            hours = settings.road_hours(kilometres(hub, part))
            if hours <= settings.max_road_hours:
                options.append(Option(index, position, (Leg(flow, None, None, hours),)))
    chosen = assign_units(tuple(units), backups, options, settings.reroute_parameters())
    centre_of = {
        part.code: eligible[option.backup].id
        for part, option in zip(loaded, chosen, strict=True)
        if option is not None
    }
    used = [hub for hub in eligible if hub.id in set(centre_of.values())] or eligible
    for part in parts:
        if part.parcels == 0 and used:
            nearest = min(used, key=lambda hub: kilometres(hub, part))
            if settings.road_hours(kilometres(nearest, part)) <= settings.max_road_hours:
                centre_of[part.code] = nearest.id
    return centre_of


def _candidate(
    hub: Node, parts: tuple[Part, ...], centre_of: dict[str, str], settings: CoverageParameters
) -> CentreCandidate:
    status = _status(hub, parts, settings)
    if hub.id in centre_of.values():
        status = CandidateStatus.chosen
    spare = max(0, hub.daily_sorting_capacity() - hub.daily_volume)
    total = sum(part.parcels for part in parts)
    distances = [kilometres(hub, part) for part in parts]
    mean = (
        sum(d * part.parcels for d, part in zip(distances, parts, strict=True)) / total
        if total > 0
        else sum(distances) / max(1, len(distances))
    )
    parcels = sum(part.parcels for part in parts if centre_of.get(part.code) == hub.id)
    usable = settings.max_spare_share * spare
    nearest = min(distances, default=0.0)
    return CentreCandidate(
        hub=hub.id,
        name=hub.name,
        region=hub.region,
        longitude=hub.longitude,
        latitude=hub.latitude,
        automated_sorter=hub.automated_sorter,
        capacity=hub.daily_sorting_capacity(),
        normal_load=hub.daily_volume,
        spare=spare,
        usable=usable,
        nearest_km=round(nearest, 1),
        mean_km=round(mean, 1),
        status=status,
        parcels=parcels,
        reason=candidate_reason(
            status,
            hub,
            spare=spare,
            usable=usable,
            parcels=parcels,
            nearest_km=nearest,
            settings=settings,
        ),
    )


def _assignments(
    parts: tuple[Part, ...],
    candidates: tuple[CentreCandidate, ...],
    centre_of: dict[str, str],
    settings: CoverageParameters,
) -> tuple[PartAssignment, ...]:
    by_id = {c.hub: c for c in candidates}
    chosen = [c for c in candidates if c.status is CandidateStatus.chosen]
    items: list[PartAssignment] = []
    for part in parts:
        centre = centre_of.get(part.code)
        km = None if centre is None else _km(by_id[centre], part)
        items.append(
            PartAssignment(
                part=part,
                centre=centre,
                road_km=None if km is None else round(km * settings.detour_factor, 1),
                road_hours=None if km is None else settings.road_hours(km),
                reason=part_reason(part, centre, chosen, settings, by_id),
            )
        )
    return tuple(items)


def _km(candidate: CentreCandidate, part: Part) -> float:
    return great_circle_km(candidate.longitude, candidate.latitude, part.longitude, part.latitude)
