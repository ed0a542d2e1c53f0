"""The network's maps as SVG geometry: the home province's hubs, sized by capacity, with the
lanes between them, and the national map of the lanes out of the province, by city.

The network report draws both; the simulation report recolours the province map by warning
level. :class:`NetworkView` holds what both maps and the network report's tables need (carrier
names and colours, the nodes inside the province); :class:`NetworkMaps` adds the geometry.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from peakguard.domain.network import Network, Node, NodeKind, TransportMode
from peakguard.domain.regions import prefecture_code, province_code
from peakguard.i18n import Message, _
from peakguard.web.language_formats import LanguageFormats
from peakguard.web.map_geometry import (
    Point,
    Projection,
    centre_of,
    centre_of_nodes,
    convex_hull,
    fit_projection,
    round_down,
    svg_line,
    svg_polygon,
)
from peakguard.web.page_kit import Places, carrier_names

CARRIER_PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
"""Tableau 10, assigned to carriers in the order the network lists them (cycled past ten)."""

PROVINCE_MAP_WIDTH = 760.0
NATIONAL_MAP_WIDTH = 560.0
MAX_HUB_RADIUS = 30.0
MIN_HUB_RADIUS = 2.5
"""Circle area is proportional to daily sorting capacity, but no hub is drawn smaller than this."""
SIZE_KEY_HEADER = 22.0

MODE_LABELS: dict[TransportMode, Message] = {
    TransportMode.road: _("Road"),
    TransportMode.air: _("Air"),
    TransportMode.rail: _("Rail"),
}
_BENDS = {TransportMode.road: 0.0, TransportMode.air: 0.18, TransportMode.rail: -0.1}
"""How far the national map bows each mode's lanes sideways (road straight)."""

Flows = dict[tuple[str, str, TransportMode], list[int]]
"""(city inside, gateway city outside, mode) → [lanes, parcels a day]."""


@dataclass(frozen=True)
class LegendEntry:
    code: str
    label: str
    colour: str


@dataclass(frozen=True)
class HubMarker:
    node_id: str
    carrier: str
    region: str
    capacity: int
    colour: str
    x: float
    y: float
    radius: float
    tooltip: str


@dataclass(frozen=True)
class Dot:
    node_id: str
    kind: str
    x: float
    y: float


@dataclass(frozen=True)
class Segment:
    origin: str
    destination: str
    mode: str
    path: str
    width: float
    tooltip: str


@dataclass(frozen=True)
class CityMarker:
    region: str
    role: str
    """``main`` (the province's main hub city), ``origin`` (another city with lanes out of the
    province) or ``gateway`` (a city outside the province)."""
    x: float
    y: float
    node_ids: str
    tooltip: str


@dataclass(frozen=True)
class MapLabel:
    region: str
    text: str
    x: float
    y: float
    anchor: str = "middle"
    emphasis: bool = False


@dataclass(frozen=True)
class SizeKey:
    """A reference circle: ``x`` is its centre, its bottom sits on the strip's baseline."""

    label: str
    x: float
    radius: float


@dataclass(frozen=True)
class MapPanel:
    width: float
    height: float
    area: str
    """SVG polygon points of the province's extent (the padded convex hull of its nodes)."""
    area_label: MapLabel | None
    segments: tuple[Segment, ...]
    dots: tuple[Dot, ...]
    hubs: tuple[HubMarker, ...]
    cities: tuple[CityMarker, ...]
    labels: tuple[MapLabel, ...]
    size_keys: tuple[SizeKey, ...] = ()
    size_key_top: float = 0.0
    """Where the strip with the size key begins (the map itself ends there)."""
    size_key_baseline: float = 0.0


class NetworkView:
    """One network seen from its home province, in one language: carriers' names and colours,
    the nodes inside the province, the largest hub capacity there."""

    def __init__(self, network: Network, language: str, home: str, places: Places) -> None:
        self.network = network
        self.language = language
        self.home = home
        self.places = places
        # Parsed once: the report formats thousands of numbers.
        self.formats = LanguageFormats(language)
        self.nodes = network.node_index()
        self.hubs = [node for node in network.nodes if node.kind is NodeKind.hub]
        self.inside = [node for node in network.nodes if self.is_inside(node)]
        self.carrier_order = {carrier.code: index for index, carrier in enumerate(network.carriers)}
        self.colours = {
            carrier.code: CARRIER_PALETTE[index % len(CARRIER_PALETTE)]
            for index, carrier in enumerate(network.carriers)
        }
        self.carrier_names = carrier_names(network, language)
        self.carrier_legend = tuple(
            LegendEntry(code, self.carrier_names[code], self.colours[code])
            for code in self.carrier_order
        )
        inside_hubs = [node for node in self.hubs if self.is_inside(node)]
        self.max_capacity = max((hub.daily_sorting_capacity() for hub in inside_hubs), default=1)

    def text(self, message: Message) -> str:
        return self.formats.text(message)

    def number(self, value: float) -> str:
        """A whole number with the language's grouping separator (1,234,567)."""
        return self.formats.number(value)

    def is_inside(self, node: Node) -> bool:
        return province_code(node.region) == self.home

    def carrier_name(self, code: str) -> str:
        return self.carrier_names.get(code, code)

    def colour(self, carrier: str) -> str:
        return self.colours.get(carrier, CARRIER_PALETTE[-1])


class NetworkMaps(NetworkView):
    """The province map and the national map of one network."""

    def radius(self, capacity: int) -> float:
        return round(
            max(MIN_HUB_RADIUS, MAX_HUB_RADIUS * math.sqrt(capacity / self.max_capacity)), 2
        )

    # --- the province map ----------------------------------------------------------------

    def province_map(self) -> MapPanel:
        """The province's hubs sized by capacity, its other nodes as dots, lanes between hubs."""
        points = [(node.longitude, node.latitude) for node in self.inside]
        project, height = fit_projection(points, PROVINCE_MAP_WIDTH, margin=MAX_HUB_RADIUS + 14)
        hubs = [node for node in self.inside if node.kind is NodeKind.hub]
        markers = sorted(
            (self.hub_marker(hub, *project(hub.longitude, hub.latitude)) for hub in hubs),
            key=lambda marker: -marker.radius,
        )
        dots = tuple(
            Dot(node.id, node.kind.value, *project(node.longitude, node.latitude))
            for node in sorted(self.inside, key=lambda node: node.kind is NodeKind.outlet)
            if node.kind is not NodeKind.hub
        )
        by_city: dict[str, list[HubMarker]] = defaultdict(list)
        for marker in markers:
            by_city[prefecture_code(marker.region)].append(marker)
        labels = tuple(self.city_label(code, group) for code, group in by_city.items())
        area = convex_hull(points)
        keys = self.size_keys()
        # The size key sits in a strip below the map, inside the same SVG, so that it scales
        # with the map's circles however the page is laid out or printed.
        baseline = height + SIZE_KEY_HEADER + 2 * max((key.radius for key in keys), default=0)
        return MapPanel(
            width=PROVINCE_MAP_WIDTH,
            height=round(baseline + 20, 1) if keys else height,
            area=svg_polygon([project(*point) for point in area], padding=MAX_HUB_RADIUS * 0.6),
            area_label=None,
            segments=self.hub_lanes(project),
            dots=dots,
            hubs=tuple(markers),
            cities=(),
            labels=labels,
            size_keys=keys,
            size_key_top=height,
            size_key_baseline=round(baseline, 1),
        )

    def hub_lanes(self, project: Projection) -> tuple[Segment, ...]:
        """Lanes between two hubs inside the province, one segment per pair of hubs."""
        segments: dict[frozenset[str], Segment] = {}
        for lane in self.network.lanes:
            origin, destination = self.nodes.get(lane.origin), self.nodes.get(lane.destination)
            key = frozenset((lane.origin, lane.destination))
            if origin is None or destination is None or key in segments or len(key) < 2:
                continue
            if not all(n.kind is NodeKind.hub and self.is_inside(n) for n in (origin, destination)):
                continue
            start = project(origin.longitude, origin.latitude)
            end = project(destination.longitude, destination.latitude)
            tooltip = f"{origin.name} – {destination.name}"
            segments[key] = Segment(
                lane.origin, lane.destination, lane.mode.value, svg_line(start, end), 0.6, tooltip
            )
        return tuple(segments.values())

    def hub_marker(self, hub: Node, x: float, y: float) -> HubMarker:
        capacity = hub.daily_sorting_capacity()
        lines = [
            hub.name,
            f"{hub.id} · {self.carrier_name(hub.carrier)}",
            self.text(
                _("Daily sorting capacity: {capacity} parcels", capacity=self.number(capacity))
            ),
            self.text(
                _("Normal-day volume: {volume} parcels", volume=self.number(hub.daily_volume))
            ),
        ]
        return HubMarker(
            node_id=hub.id,
            carrier=hub.carrier,
            region=hub.region,
            capacity=capacity,
            colour=self.colour(hub.carrier),
            x=x,
            y=y,
            radius=self.radius(capacity),
            tooltip="\n".join(lines),
        )

    def city_label(self, code: str, markers: Sequence[HubMarker]) -> MapLabel:
        """Label above the city's hubs, at their mean position."""
        x = sum(marker.x for marker in markers) / len(markers)
        top = min(marker.y - marker.radius for marker in markers)
        return MapLabel(code, self.places.city(code), round(x, 1), round(top - 4, 1))

    def size_keys(self) -> tuple[SizeKey, ...]:
        """Reference circles for the province map's legend: round capacities, largest last."""
        values = sorted({round_down(self.max_capacity / factor) for factor in (100, 10, 1)})
        keys, x = [], 14.0
        for value in values:
            radius = self.radius(value)
            if radius <= MIN_HUB_RADIUS:
                continue
            x += max(radius, 32.0)
            keys.append(SizeKey(self.number(value), round(x, 1), radius))
            x += max(radius, 32.0) + 8
        return tuple(keys)

    # --- the national map ----------------------------------------------------------------

    def national_map(self) -> MapPanel | None:
        """The province's cities with lanes to hubs outside it, and those hubs, by city."""
        outside_hubs = [hub for hub in self.hubs if not self.is_inside(hub)]
        if not outside_hubs:
            return None
        members: dict[str, list[Node]] = defaultdict(list)
        for hub in outside_hubs:
            members[prefecture_code(hub.region)].append(hub)
        flows, inner_members = self.gateway_flows({hub.id for hub in outside_hubs})
        for city, ids in inner_members.items():
            members[city] = [self.nodes[node_id] for node_id in sorted(ids)]
        lanes_out = Counter(dict.fromkeys(inner_members, 0))
        for (city, _outer, _mode), (count, _capacity) in flows.items():
            lanes_out[city] += count
        main = max(lanes_out, key=lambda city: (lanes_out[city], city)) if lanes_out else None
        centres = {city: centre_of_nodes(nodes) for city, nodes in members.items()}
        area = convex_hull([(node.longitude, node.latitude) for node in self.inside])
        project, height = fit_projection(
            [*area, *centres.values()], NATIONAL_MAP_WIDTH, margin=36.0, max_ratio=1.0
        )
        positions = {city: project(*centre) for city, centre in centres.items()}
        cities = tuple(
            CityMarker(
                region=city,
                role=_role(city, main, inner_members),
                x=positions[city][0],
                y=positions[city][1],
                node_ids=" ".join(node.id for node in members[city]),
                tooltip=self.places.city(city),
            )
            for city in sorted(positions, key=lambda city: city == main)
        )
        labels = tuple(
            MapLabel(
                city.region,
                city.tooltip,
                city.x,
                round(city.y - 8, 1),
                emphasis=city.role == "main",
            )
            for city in cities
            if city.role != "origin"
        )
        area_points = [project(*point) for point in area]
        return MapPanel(
            width=NATIONAL_MAP_WIDTH,
            height=height,
            area=svg_polygon(area_points, padding=4.0),
            area_label=self.province_label(area_points),
            segments=self.flow_segments(flows, positions),
            dots=(),
            hubs=(),
            cities=cities,
            labels=labels,
        )

    def gateway_flows(self, outside_ids: set[str]) -> tuple[Flows, dict[str, set[str]]]:
        """Lanes between one node inside the province and one hub outside it, added up by city
        and mode; and, per city inside, the nodes with such lanes."""
        flows: Flows = defaultdict(lambda: [0, 0])
        inner_members: dict[str, set[str]] = defaultdict(set)
        for lane in self.network.lanes:
            ends = (self.nodes.get(lane.origin), self.nodes.get(lane.destination))
            inner = [node for node in ends if node is not None and self.is_inside(node)]
            gateway = [node for node in ends if node is not None and node.id in outside_ids]
            if len(inner) != 1 or len(gateway) != 1:
                continue
            city = prefecture_code(inner[0].region)
            inner_members[city].add(inner[0].id)
            flow = flows[(city, prefecture_code(gateway[0].region), lane.mode)]
            flow[0] += 1
            flow[1] += lane.daily_capacity()
        return flows, inner_members

    def flow_segments(self, flows: Flows, positions: Mapping[str, Point]) -> tuple[Segment, ...]:
        """One segment per city, gateway city and mode, as wide as the lanes' capacity."""
        widest = max((capacity for _count, capacity in flows.values()), default=1)
        segments = []
        for (city, outer, mode), (count, capacity) in sorted(flows.items()):
            tooltip = self.text(
                _(
                    "{origin} – {destination}, {mode}: {count} lanes, {capacity} parcels a day",
                    origin=self.places.city(city),
                    destination=self.places.city(outer),
                    count=self.number(count),
                    mode=MODE_LABELS[mode],
                    capacity=self.number(capacity),
                )
            )
            segments.append(
                Segment(
                    city,
                    outer,
                    mode.value,
                    svg_line(positions[city], positions[outer], _BENDS[mode]),
                    round(0.8 + 2.4 * math.sqrt(capacity / widest), 2),
                    tooltip,
                )
            )
        return tuple(segments)

    def province_label(self, area_points: Sequence[Point]) -> MapLabel | None:
        """The province's name above its northernmost node, clear of the lanes fanning out."""
        if not area_points:
            return None
        x = centre_of(area_points)[0]
        top = min(y for _x, y in area_points)
        name = self.places.province(self.home)
        return MapLabel(self.home, name, round(x, 1), round(top - 10, 1))


def _role(city: str, main: str | None, inner: Mapping[str, object]) -> str:
    if city not in inner:
        return "gateway"
    return "main" if city == main else "origin"
