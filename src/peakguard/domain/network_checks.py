"""Checks across records of a network: every identifier resolves, nothing is defined twice.

Each check yields ``(path, message)`` where ``path`` is the record's place in the document,
e.g. ``("nodes", 3, "region")``; the loader turns paths into locations the user can find.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from peakguard.domain.network import (
    Carrier,
    Lane,
    Node,
    RegionRecord,
    RoutingOverride,
    ServiceStandard,
)
from peakguard.domain.regions import (
    PairClass,
    Region,
    level_of,
    pair_class_label,
    reference_regions,
)
from peakguard.i18n import Message, _

Path = tuple[str | int, ...]
Finding = tuple[Path, Message]
T = TypeVar("T")


@dataclass(frozen=True)
class Indexed(Generic[T]):
    """A record that passed its own field checks, with its position in the document."""

    index: int
    record: T


def region_directory(declared: Sequence[RegionRecord]) -> dict[str, Region]:
    """Regions by code: the file's own declarations over the bundled GB/T 2260 table."""
    directory = dict(reference_regions())
    for region in declared:
        directory[region.code] = Region(
            code=region.code,
            name=region.name,
            level=level_of(region.code),
            longitude=region.longitude,
            latitude=region.latitude,
        )
    return directory


def duplicate_keys(
    section: str, keys: Sequence[tuple[int, object]], key_field: str
) -> list[Finding]:
    """Keys used twice in a section, reported at the second and later uses."""
    findings: list[Finding] = []
    seen: dict[object, int] = {}
    for index, value in keys:
        if value in seen:
            findings.append(
                (
                    (section, index, key_field),
                    _(
                        "duplicate {field} {value}: already used by {section}[{first}]",
                        field=key_field,
                        value=value,
                        section=section,
                        first=seen[value],
                    ),
                )
            )
        else:
            seen[value] = index
    return findings


def check_network(
    carriers: Sequence[Indexed[Carrier]],
    regions: Sequence[Indexed[RegionRecord]],
    nodes: Sequence[Indexed[Node]],
    lanes: Sequence[Indexed[Lane]],
    service_standards: Sequence[Indexed[ServiceStandard]] | None,
    routing_overrides: Sequence[Indexed[RoutingOverride]],
    *,
    known_node_ids: frozenset[str] = frozenset(),
    known_carrier_codes: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Every cross-record problem. ``known_*`` hold identifiers of records whose own fields
    failed, so one mistake is not reported again as a dangling reference."""
    findings: list[Finding] = []
    carrier_codes = {item.record.code for item in carriers} | known_carrier_codes
    directory = region_directory([item.record for item in regions])
    node_ids = {item.record.id for item in nodes} | known_node_ids
    findings.extend(_check_nodes(nodes, carrier_codes, directory))
    findings.extend(_check_lanes(lanes, node_ids))
    if service_standards is not None:
        findings.extend(_check_standards(service_standards, carrier_codes))
    lane_pairs = {(item.record.origin, item.record.destination) for item in lanes}
    findings.extend(_check_routing_overrides(routing_overrides, node_ids, lane_pairs))
    valid_ids = {item.record.id for item in nodes}
    usable = [
        item
        for item in routing_overrides
        if {item.record.node, item.record.destination, item.record.next_node} <= valid_ids
        and (item.record.node, item.record.next_node) in lane_pairs
    ]
    findings.extend(routing_override_loops(nodes, lanes, usable))
    return findings


def routing_override_loops(
    nodes: Sequence[Indexed[Node]],
    lanes: Sequence[Indexed[Lane]],
    routing_overrides: Sequence[Indexed[RoutingOverride]],
) -> Iterator[Finding]:
    """Overrides whose hops, with the shortest-transit hops between them, come back to where
    they started: parcels for that destination would go round for ever. Routes are followed as
    :func:`peakguard.domain.routing.derive_routing` makes them (an override fixes one hop, the
    route goes on from the chosen node); each loop is reported once, at its first override."""
    node_ids = [item.record.id for item in nodes]
    position = {node_id: index for index, node_id in enumerate(node_ids)}
    fixed: dict[int, dict[int, tuple[int, int]]] = {}
    """destination → node → (the chosen next node, the override's index)."""
    for item in routing_overrides:
        override = item.record
        if override.node != override.destination:
            hop = (position[override.next_node], item.index)
            fixed.setdefault(position[override.destination], {})[position[override.node]] = hop
    if not fixed:
        return
    destinations = sorted(fixed)
    next_hops = _shortest_next_hops(position, lanes, destinations)
    for row, destination in enumerate(destinations):
        chosen = {node: hop for node, (hop, _index) in fixed[destination].items()}
        reported: set[int] = set()
        for start in chosen:
            loop = _loop_from(start, destination, chosen, next_hops[row])
            if loop is None or reported.intersection(loop):
                continue
            reported.update(loop)
            indices = sorted(fixed[destination][node][1] for node in loop if node in chosen)
            yield (
                ("routing_overrides", indices[0], "next_node"),
                _(
                    "parcels for {destination} would go round in a loop and never arrive: "
                    "{route} (routing_overrides {overrides})",
                    destination=node_ids[destination],
                    route=" → ".join(node_ids[node] for node in [*loop, loop[0]]),
                    overrides=", ".join(f"[{index}]" for index in indices),
                ),
            )


def _shortest_next_hops(
    position: dict[str, int], lanes: Sequence[Indexed[Lane]], destinations: list[int]
) -> npt.NDArray[np.int32]:
    """``[k, i]``: the node after ``i`` on a shortest-transit path towards
    ``destinations[k]`` (negative when there is none) — the graph derive_routing searches."""
    size = len(position)
    best: dict[tuple[int, int], float] = {}
    for item in lanes:
        lane = item.record
        if lane.origin in position and lane.destination in position:
            key = (position[lane.origin], position[lane.destination])
            best[key] = min(best.get(key, np.inf), lane.transit_hours)
    if best:
        rows, cols = zip(*best.keys(), strict=True)
        weights = np.fromiter(best.values(), dtype=np.float64)
        graph = csr_array((weights, (np.array(rows), np.array(cols))), shape=(size, size))
    else:
        graph = csr_array((size, size), dtype=np.float64)
    _distances, predecessors = dijkstra(
        graph.T, directed=True, indices=destinations, return_predecessors=True
    )
    return np.asarray(predecessors, dtype=np.int32).reshape(len(destinations), size)


def _loop_from(
    start: int, destination: int, chosen: dict[int, int], next_hop: npt.NDArray[np.int32]
) -> list[int] | None:
    """The nodes of the loop that ``start`` lies on towards ``destination``, or None when its
    route arrives, stops, or runs into a loop that ``start`` is not on (reported from there)."""
    route = [start]
    visited = {start}
    current = start
    for _step in range(len(next_hop)):
        following = chosen.get(current, int(next_hop[current]))
        if following < 0 or following == destination:
            return None
        if following == start:
            return route
        if following in visited:
            return None
        route.append(following)
        visited.add(following)
        current = following
    return None


def _check_nodes(
    nodes: Sequence[Indexed[Node]], carrier_codes: set[str], directory: dict[str, Region]
) -> Iterator[Finding]:
    """Each node's carrier and region are known, and its shifts do not overlap."""
    for item in nodes:
        node = item.record
        if node.carrier not in carrier_codes:
            yield (
                (("nodes", item.index, "carrier")),
                _("unknown carrier code {code}: declare it under carriers", code=node.carrier),
            )
        if node.region not in directory:
            yield (
                ("nodes", item.index, "region"),
                _("unknown region code {code}", code=node.region),
            )
        yield from _shift_overlaps(item)


def _check_lanes(lanes: Sequence[Indexed[Lane]], node_ids: set[str]) -> Iterator[Finding]:
    """Each lane runs between two different known nodes, at departure times given once."""
    for lane_item in lanes:
        lane = lane_item.record
        for end in ("origin", "destination"):
            value = getattr(lane, end)
            if value not in node_ids:
                yield (("lanes", lane_item.index, end), _("unknown node {node}", node=value))
        if lane.origin == lane.destination:
            yield (
                ("lanes", lane_item.index, "destination"),
                _("a lane cannot end where it starts ({node})", node=lane.origin),
            )
        seen_times: set[str] = set()
        for position, time in enumerate(lane.departure_times):
            if time in seen_times:
                yield (
                    ("lanes", lane_item.index, "departure_times", position),
                    _("departure time {time} is repeated", time=time),
                )
            seen_times.add(time)


def _check_routing_overrides(
    routing_overrides: Sequence[Indexed[RoutingOverride]],
    node_ids: set[str],
    lane_pairs: set[tuple[str, str]],
) -> Iterator[Finding]:
    """Each routing relation names known nodes, follows a lane, and is given once per node
    and destination."""
    seen_overrides: dict[tuple[str, str], int] = {}
    for override_item in routing_overrides:
        override = override_item.record
        for field in ("node", "destination", "next_node"):
            value = getattr(override, field)
            if value not in node_ids:
                yield (
                    ("routing_overrides", override_item.index, field),
                    _("unknown node {node}", node=value),
                )
        if (
            override.node in node_ids
            and override.next_node in node_ids
            and (override.node, override.next_node) not in lane_pairs
        ):
            yield (
                ("routing_overrides", override_item.index, "next_node"),
                _(
                    "no lane runs from {node} to {next_node}",
                    node=override.node,
                    next_node=override.next_node,
                ),
            )
        key = (override.node, override.destination)
        if key in seen_overrides:
            yield (
                ("routing_overrides", override_item.index, "destination"),
                _(
                    "node {node} already has a route to {destination} in "
                    "routing_overrides[{first}]",
                    node=override.node,
                    destination=override.destination,
                    first=seen_overrides[key],
                ),
            )
        else:
            seen_overrides[key] = override_item.index


def _shift_overlaps(item: Indexed[Node]) -> Iterator[Finding]:
    owner: dict[int, int] = {}
    for position, shift in enumerate(item.record.shifts):
        if shift.start_hour == shift.end_hour:
            yield (
                ("nodes", item.index, "shifts", position, "end_hour"),
                _("a shift must end at a different hour than it starts; use 0-24 for a whole day"),
            )
            continue
        for hour in shift.hours():
            if hour in owner:
                yield (
                    ("nodes", item.index, "shifts", position),
                    _("overlaps shifts[{other}] at hour {hour}", other=owner[hour], hour=hour),
                )
                break
            owner[hour] = position


def _check_standards(
    standards: Sequence[Indexed[ServiceStandard]], carrier_codes: set[str]
) -> Iterator[Finding]:
    seen: dict[tuple[PairClass, str | None], int] = {}
    general: set[PairClass] = set()
    for item in standards:
        standard = item.record
        if standard.carrier is not None and standard.carrier not in carrier_codes:
            yield (
                ("service_standards", item.index, "carrier"),
                _("unknown carrier code {code}: declare it under carriers", code=standard.carrier),
            )
        key = (standard.pair_class, standard.carrier)
        if key in seen:
            yield (
                ("service_standards", item.index, "pair_class"),
                _(
                    "the standard for {pair_class} is already given in service_standards[{first}]",
                    pair_class=pair_class_label(standard.pair_class),
                    first=seen[key],
                ),
            )
        else:
            seen[key] = item.index
        if standard.carrier is None:
            general.add(standard.pair_class)
    for pair_class in PairClass:
        if pair_class not in general:
            yield (
                ("service_standards",),
                _(
                    "no time limit for {pair_class} that applies to all carriers: "
                    "add one without a carrier",
                    pair_class=pair_class_label(pair_class),
                ),
            )
