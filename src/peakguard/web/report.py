"""The network report: one self-contained HTML page of summary cards, two maps and hub capacities.

Everything is inline (CSS and SVG): the file can be mailed, archived or printed as it is and
loads nothing at run time. This module prepares numbers and geometry; the template
``web/templates/network_report.html`` only lays them out. Every sentence goes through
:mod:`peakguard.i18n`: messages built here with :func:`~peakguard.i18n._`, template labels with
the ``_`` that :func:`_environment` installs.
"""

from __future__ import annotations

import math
import pathlib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import jinja2
from babel import Locale
from babel.numbers import format_percent, get_group_symbol

import peakguard
from peakguard import i18n
from peakguard.domain.network import Network, Node, NodeKind, TransportMode
from peakguard.domain.regions import prefecture_code, province_code, reference_regions
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _

LOAD_RATIO_HIGHLIGHT = 0.6
"""Hubs whose normal-day load ratio is above this are highlighted: a display aid (local policy),
not an official figure."""

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

_KIND_LABELS: dict[NodeKind, Message] = {
    NodeKind.hub: _("Hubs"),
    NodeKind.outlet: _("Outlets"),
    NodeKind.station: _("Stations"),
    NodeKind.consolidation_point: _("Consolidation points"),
}
_MODE_LABELS: dict[TransportMode, Message] = {
    TransportMode.road: _("Road"),
    TransportMode.air: _("Air"),
    TransportMode.rail: _("Rail"),
}
_MUNICIPAL_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划"})
"""Names GB/T 2260 gives to a municipality's second level; the province's name is shown instead."""

Point = tuple[float, float]


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    detail: str


@dataclass(frozen=True)
class CardGroup:
    title: str
    cards: tuple[Card, ...]


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


@dataclass(frozen=True)
class HubRow:
    node_id: str
    name: str
    carrier: str
    colour: str
    region: str
    daily_capacity: str
    peak_hourly_capacity: str
    storage_capacity: str
    staff: str
    vehicles: str
    floor_area: str
    automated: str
    volume: str
    load_ratio: str
    overloaded: bool


@dataclass(frozen=True)
class HubGroup:
    title: str
    rows: tuple[HubRow, ...]


def render_network_report(
    network: Network,
    *,
    language: str,
    place_names: Mapping[str, str] | None = None,
    province: str | None = None,
    generated_at: datetime | None = None,
) -> str:
    """The report as one HTML page in ``language`` (``zh_CN`` or ``en``).

    ``place_names`` maps region codes to English names (used when ``language`` is English;
    a region without one keeps its Chinese name). ``province`` is the six-digit code of the
    province the maps centre on; by default the one with the most nodes.
    """
    language = _language(language)
    home = province_code(province) if province else _home_province(network)
    places = _Places(network, language, place_names or {})
    page = _ReportBuilder(network, language, home, places)
    moment = generated_at or datetime.now().astimezone()
    generated = _(
        "Generated {timestamp} by peakguard {version} from network {name}.",
        timestamp=moment.isoformat(sep=" ", timespec="minutes"),
        version=peakguard.__version__,
        name=network.name,
    )
    template = _environment(language).get_template("network_report.html")
    return template.render(
        html_lang="zh-CN" if language == "zh_CN" else "en",
        title=network.title or network.name,
        description=network.description,
        generated=i18n.render(generated, language),
        province_name=places.province(home),
        card_groups=page.card_groups(),
        carriers=page.carrier_legend,
        province_map=page.province_map(),
        national_map=page.national_map(),
        hub_groups=page.hub_groups(),
        threshold=_percent(LOAD_RATIO_HIGHLIGHT, page.locale),
    )


def write_network_report(
    network: Network,
    path: pathlib.Path,
    *,
    language: str,
    place_names: Mapping[str, str] | None = None,
    province: str | None = None,
    generated_at: datetime | None = None,
) -> pathlib.Path:
    """Write :func:`render_network_report` to ``path`` (UTF-8) and return the path."""
    html = render_network_report(
        network,
        language=language,
        place_names=place_names,
        province=province,
        generated_at=generated_at,
    )
    path.write_text(html, encoding="utf-8")
    return path


@cache
def _environment(language: str) -> jinja2.Environment:
    """A Jinja environment whose ``_`` translates into ``language`` (one per language)."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("peakguard", "web/templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def gettext(msgid: str) -> str:
        return i18n.gettext(msgid, language)

    def ngettext(singular: str, plural: str, count: int) -> str:
        return i18n.gettext(singular if count == 1 else plural, language)

    # Added by the i18n extension at run time, so unknown to the type checker. Old-style
    # callables: templates use plain msgids, and parameterised sentences are built in Python
    # with ``{name}`` placeholders, so translators see one placeholder style.
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=False
    )
    return environment


def _language(language: str) -> str:
    try:
        return i18n.normalise_language(language)
    except ValueError:
        message = _(
            "Unknown language {language}; use one of {supported}.",
            language=language,
            supported=", ".join(i18n.SUPPORTED_LANGUAGES),
        )
        raise InvalidInputError(message, [Problem("language", message)]) from None


def _home_province(network: Network) -> str:
    """The province with the most nodes (ties go to the lower code)."""
    counts = Counter(province_code(node.region) for node in network.nodes)
    return min(counts, key=lambda code: (-counts[code], code))


class _Places:
    """Region names in the report's language."""

    def __init__(self, network: Network, language: str, english: Mapping[str, str]) -> None:
        self._declared = {region.code: region.name for region in network.regions}
        self._english = english if language == "en" else {}

    def name(self, code: str) -> str:
        if code in self._english:
            return self._english[code]
        name = self._declared.get(code) or _reference_name(code)
        if name in _MUNICIPAL_PLACEHOLDERS and code != province_code(code):
            return self.province(province_code(code))
        return name or code

    def city(self, code: str) -> str:
        """Short name of the node's prefecture-level city, for map labels (成都市 → 成都)."""
        name = self.name(prefecture_code(code))
        return name.removesuffix("市") if len(name) > 2 and name.endswith("市") else name

    def province(self, code: str) -> str:
        if code in self._english:
            return self._english[code]
        return self._declared.get(code) or _reference_name(code) or code


def _reference_name(code: str) -> str:
    region = reference_regions().get(code)
    return region.name if region else ""


class _ReportBuilder:
    """The report's numbers and geometry for one network, language and home province."""

    def __init__(self, network: Network, language: str, home: str, places: _Places) -> None:
        self.network = network
        self.language = language
        self.home = home
        self.places = places
        self.nodes = network.node_index()
        self.hubs = [node for node in network.nodes if node.kind is NodeKind.hub]
        self.inside = [node for node in network.nodes if self.is_inside(node)]
        # Babel's formatter costs ~0.1 ms a call and the report formats thousands of numbers;
        # parsing the locale once also spares Babel a slow lookup of "zh_CN" on every call.
        self.locale = Locale.parse(language)
        self.group_separator = get_group_symbol(self.locale)
        self.carrier_order = {carrier.code: index for index, carrier in enumerate(network.carriers)}
        self.colours = {
            carrier.code: CARRIER_PALETTE[index % len(CARRIER_PALETTE)]
            for index, carrier in enumerate(network.carriers)
        }
        self.carrier_names = {
            carrier.code: (carrier.name_en or carrier.name) if language == "en" else carrier.name
            for carrier in network.carriers
        }
        self.carrier_legend = tuple(
            LegendEntry(code, self.carrier_names[code], self.colours[code])
            for code in self.carrier_order
        )
        inside_hubs = [node for node in self.hubs if self.is_inside(node)]
        self.max_capacity = max((hub.daily_sorting_capacity() for hub in inside_hubs), default=1)

    def text(self, message: Message) -> str:
        return i18n.render(message, self.language)

    def number(self, value: float) -> str:
        """A whole number with the language's grouping separator (1,234,567)."""
        return f"{round(value):,}".replace(",", self.group_separator)

    def is_inside(self, node: Node) -> bool:
        return province_code(node.region) == self.home

    def carrier_name(self, code: str) -> str:
        return self.carrier_names.get(code, code)

    # --- summary ---------------------------------------------------------------------------

    def card_groups(self) -> tuple[CardGroup, ...]:
        """The network's size, then its capacity and resources (all nodes, inside or not)."""
        nodes, hubs, network = self.network.nodes, self.hubs, self.network
        province = self.places.province(self.home)
        kinds = Counter(node.kind for node in nodes)
        inside_kinds = Counter(node.kind for node in self.inside)
        modes = Counter(lane.mode for lane in network.lanes)
        capacity = sum(hub.daily_sorting_capacity() for hub in hubs)
        inside_capacity = sum(hub.daily_sorting_capacity() for hub in hubs if self.is_inside(hub))
        automated = sum(1 for hub in hubs if hub.automated_sorter)
        volume = sum(node.daily_volume for node in nodes if node.kind is NodeKind.outlet)
        size = [
            Card(
                self.text(_KIND_LABELS[kind]),
                self.number(kinds[kind]),
                self.text(
                    _(
                        "of which {count} in {province}",
                        count=self.number(inside_kinds[kind]),
                        province=province,
                    )
                ),
            )
            for kind in NodeKind
        ]
        by_mode = " · ".join(
            self.text(_("{mode}: {count}", mode=_MODE_LABELS[mode], count=self.number(modes[mode])))
            for mode in TransportMode
        )
        separator = "、" if self.language == "zh_CN" else ", "
        size += [
            Card(self.text(_("Lanes")), self.number(len(network.lanes)), by_mode),
            Card(
                self.text(_("Carriers")),
                self.number(len(network.carriers)),
                separator.join(entry.label for entry in self.carrier_legend),
            ),
        ]
        resources = [
            Card(
                self.text(_("Hub sorting capacity")),
                self.number(capacity),
                self.text(
                    _(
                        "parcels a day, of which {capacity} in {province}",
                        capacity=self.number(inside_capacity),
                        province=province,
                    )
                ),
            ),
            Card(
                self.text(_("Normal-day volume")),
                self.number(volume),
                self.text(_("parcels a day taken on at outlets")),
            ),
            Card(
                self.text(_("Storage capacity")),
                self.number(sum(node.storage_capacity for node in nodes)),
                self.text(_("parcels, all nodes")),
            ),
            Card(
                self.text(_("Staff")),
                self.number(sum(node.staff for node in nodes)),
                self.text(_("people, all nodes")),
            ),
            Card(
                self.text(_("Vehicles")),
                self.number(sum(node.vehicles for node in nodes)),
                self.text(_("all nodes")),
            ),
            Card(
                self.text(_("Floor area")),
                self.number(sum(node.floor_area_m2 for node in nodes)) + " m²",
                self.text(_("all nodes")),
            ),
            Card(
                self.text(_("Automated sorting")),
                _percent(automated / len(hubs), self.locale) if hubs else "–",
                self.text(
                    _(
                        "{automated} of {hubs} hubs have an automated sorter",
                        automated=self.number(automated),
                        hubs=self.number(len(hubs)),
                    )
                ),
            ),
        ]
        return (
            CardGroup(self.text(_("Network")), tuple(size)),
            CardGroup(self.text(_("Capacity and resources")), tuple(resources)),
        )

    # --- maps ------------------------------------------------------------------------------

    def radius(self, capacity: int) -> float:
        return round(
            max(MIN_HUB_RADIUS, MAX_HUB_RADIUS * math.sqrt(capacity / self.max_capacity)), 2
        )

    def province_map(self) -> MapPanel:
        points = [(node.longitude, node.latitude) for node in self.inside]
        project, height = _fit(points, PROVINCE_MAP_WIDTH, margin=MAX_HUB_RADIUS + 14)
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
                lane.origin, lane.destination, lane.mode.value, _line(start, end), 0.6, tooltip
            )
        by_city: dict[str, list[HubMarker]] = defaultdict(list)
        for marker in markers:
            by_city[prefecture_code(marker.region)].append(marker)
        labels = tuple(self.city_label(code, group) for code, group in by_city.items())
        area = _hull(points)
        keys = self.size_keys()
        # The size key sits in a strip below the map, inside the same SVG, so that it scales
        # with the map's circles however the page is laid out or printed.
        baseline = height + SIZE_KEY_HEADER + 2 * max((key.radius for key in keys), default=0)
        return MapPanel(
            width=PROVINCE_MAP_WIDTH,
            height=round(baseline + 20, 1) if keys else height,
            area=_polygon([project(*point) for point in area], padding=MAX_HUB_RADIUS * 0.6),
            area_label=None,
            segments=tuple(segments.values()),
            dots=dots,
            hubs=tuple(markers),
            cities=(),
            labels=labels,
            size_keys=keys,
            size_key_top=height,
            size_key_baseline=round(baseline, 1),
        )

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
            colour=self.colours.get(hub.carrier, CARRIER_PALETTE[-1]),
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

    def national_map(self) -> MapPanel | None:
        """The province's cities with lanes to hubs outside it, and those hubs, by city."""
        outside_hubs = [hub for hub in self.hubs if not self.is_inside(hub)]
        outside_ids = {hub.id for hub in outside_hubs}
        if not outside_hubs:
            return None
        members: dict[str, list[Node]] = defaultdict(list)
        for hub in outside_hubs:
            members[prefecture_code(hub.region)].append(hub)
        flows: dict[tuple[str, str, TransportMode], list[int]] = defaultdict(lambda: [0, 0])
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
        for city, ids in inner_members.items():
            members[city] = [self.nodes[node_id] for node_id in sorted(ids)]
        lanes_out = Counter(dict.fromkeys(inner_members, 0))
        for (city, _outer, _mode), (count, _capacity) in flows.items():
            lanes_out[city] += count
        main = max(lanes_out, key=lambda city: (lanes_out[city], city)) if lanes_out else None
        centres = {city: _centre(nodes) for city, nodes in members.items()}
        area = _hull([(node.longitude, node.latitude) for node in self.inside])
        project, height = _fit(
            [*area, *centres.values()], NATIONAL_MAP_WIDTH, margin=36.0, max_ratio=1.0
        )
        positions = {city: project(*centre) for city, centre in centres.items()}
        widest = max((capacity for _count, capacity in flows.values()), default=1)
        segments = []
        for (city, outer, mode), (count, capacity) in sorted(flows.items()):
            tooltip = self.text(
                _(
                    "{origin} – {destination}, {mode}: {count} lanes, {capacity} parcels a day",
                    origin=self.places.city(city),
                    destination=self.places.city(outer),
                    count=self.number(count),
                    mode=_MODE_LABELS[mode],
                    capacity=self.number(capacity),
                )
            )
            bend = {TransportMode.road: 0.0, TransportMode.air: 0.18, TransportMode.rail: -0.1}
            segments.append(
                Segment(
                    city,
                    outer,
                    mode.value,
                    _line(positions[city], positions[outer], bend[mode]),
                    round(0.8 + 2.4 * math.sqrt(capacity / widest), 2),
                    tooltip,
                )
            )
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
        area_label = None
        if area_points:
            # Above the province's northernmost node, clear of the lanes fanning out below.
            x = _centre_of(area_points)[0]
            top = min(y for _x, y in area_points)
            name = self.places.province(self.home)
            area_label = MapLabel(self.home, name, round(x, 1), round(top - 10, 1))
        return MapPanel(
            width=NATIONAL_MAP_WIDTH,
            height=height,
            area=_polygon(area_points, padding=4.0),
            area_label=area_label,
            segments=tuple(segments),
            dots=(),
            hubs=(),
            cities=cities,
            labels=labels,
        )

    def size_keys(self) -> tuple[SizeKey, ...]:
        """Reference circles for the province map's legend: round capacities, largest last."""
        values = sorted({_round_down(self.max_capacity / factor) for factor in (100, 10, 1)})
        keys, x = [], 14.0
        for value in values:
            radius = self.radius(value)
            if radius <= MIN_HUB_RADIUS:
                continue
            x += max(radius, 32.0)
            keys.append(SizeKey(self.number(value), round(x, 1), radius))
            x += max(radius, 32.0) + 8
        return tuple(keys)

    # --- hub table -------------------------------------------------------------------------

    def hub_groups(self) -> tuple[HubGroup, ...]:
        def order(hub: Node) -> tuple[str, int, str]:
            return hub.region, self.carrier_order.get(hub.carrier, len(self.carrier_order)), hub.id

        province = self.places.province(self.home)
        inside = sorted((hub for hub in self.hubs if self.is_inside(hub)), key=order)
        outside = sorted((hub for hub in self.hubs if not self.is_inside(hub)), key=order)
        groups = [
            HubGroup(self.text(_("Hubs in {province}", province=province)), self.rows(inside)),
            HubGroup(
                self.text(_("Hubs outside {province}", province=province)), self.rows(outside)
            ),
        ]
        return tuple(group for group in groups if group.rows)

    def rows(self, hubs: Sequence[Node]) -> tuple[HubRow, ...]:
        rows = []
        for hub in hubs:
            capacity = hub.daily_sorting_capacity()
            ratio = hub.daily_volume / capacity
            rows.append(
                HubRow(
                    node_id=hub.id,
                    name=hub.name,
                    carrier=self.carrier_name(hub.carrier),
                    colour=self.colours.get(hub.carrier, CARRIER_PALETTE[-1]),
                    region=self.places.name(hub.region),
                    daily_capacity=self.number(capacity),
                    peak_hourly_capacity=self.number(hub.peak_sorting_capacity_per_hour()),
                    storage_capacity=self.number(hub.storage_capacity),
                    staff=self.number(hub.staff),
                    vehicles=self.number(hub.vehicles),
                    floor_area=self.number(hub.floor_area_m2),
                    automated=self.text(_("yes") if hub.automated_sorter else _("no")),
                    volume=self.number(hub.daily_volume),
                    load_ratio=_percent(ratio, self.locale, decimals=1),
                    overloaded=ratio > LOAD_RATIO_HIGHLIGHT,
                )
            )
        return tuple(rows)


# --- geometry --------------------------------------------------------------------------------


def _fit(
    points: Sequence[Point],
    width: float,
    *,
    margin: float,
    min_ratio: float = 0.45,
    max_ratio: float = 1.25,
) -> tuple[_Projection, float]:
    """An equirectangular projection of ``points`` into ``width`` (and the height it needs).

    x = longitude · cos(mean latitude), y = −latitude, scaled uniformly and centred; the
    height follows the points' aspect, kept between ``min_ratio`` and ``max_ratio`` of the width.
    """
    mean_latitude = sum(latitude for _longitude, latitude in points) / len(points)
    cos_latitude = math.cos(math.radians(mean_latitude))
    xs = [longitude * cos_latitude for longitude, _latitude in points]
    ys = [-latitude for _longitude, latitude in points]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    inner_width = width - 2 * margin
    aspect = span_y / span_x if span_x > 0 else max_ratio
    height = round(
        min(max(inner_width * aspect, width * min_ratio), width * max_ratio) + 2 * margin
    )
    inner_height = height - 2 * margin
    scales = [size / span for size, span in ((inner_width, span_x), (inner_height, span_y)) if span]
    scale = min(scales, default=1.0)
    offset_x = width / 2 - scale * (min(xs) + max(xs)) / 2
    offset_y = height / 2 - scale * (min(ys) + max(ys)) / 2
    return _Projection(cos_latitude, scale, offset_x, offset_y), float(height)


@dataclass(frozen=True)
class _Projection:
    cos_latitude: float
    scale: float
    offset_x: float
    offset_y: float

    def __call__(self, longitude: float, latitude: float) -> Point:
        x = self.offset_x + self.scale * longitude * self.cos_latitude
        y = self.offset_y - self.scale * latitude
        return round(x, 1), round(y, 1)


def _hull(points: Sequence[Point]) -> list[Point]:
    """Convex hull, counter-clockwise (Andrew's monotone chain)."""
    unique = sorted(set(points))
    if len(unique) < 3:
        return unique

    def turn(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    upper: list[Point] = []
    for point in unique:
        while len(lower) >= 2 and turn(lower[-2], lower[-1], point) <= 0:
            lower.pop()
        lower.append(point)
    for point in reversed(unique):
        while len(upper) >= 2 and turn(upper[-2], upper[-1], point) <= 0:
            upper.pop()
        upper.append(point)
    return lower[:-1] + upper[:-1]


def _polygon(points: Sequence[Point], *, padding: float) -> str:
    """SVG ``points`` for the polygon, each corner moved ``padding`` away from the centre."""
    if len(points) < 3:
        return ""
    cx, cy = _centre_of(points)
    corners = []
    for x, y in points:
        distance = math.hypot(x - cx, y - cy) or 1.0
        corners.append(
            f"{x + padding * (x - cx) / distance:.1f},{y + padding * (y - cy) / distance:.1f}"
        )
    return " ".join(corners)


def _line(start: Point, end: Point, bend: float = 0.0) -> str:
    """SVG path from ``start`` to ``end``; a quadratic curve bowed sideways if ``bend`` ≠ 0."""
    (x1, y1), (x2, y2) = start, end
    if not bend:
        return f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    cx, cy = mx - bend * (y2 - y1), my + bend * (x2 - x1)
    return f"M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}"


def _centre(nodes: Sequence[Node]) -> Point:
    return _centre_of([(node.longitude, node.latitude) for node in nodes])


def _centre_of(points: Sequence[Point]) -> Point:
    return (
        sum(x for x, _y in points) / len(points),
        sum(y for _x, y in points) / len(points),
    )


def _role(city: str, main: str | None, inner: Mapping[str, object]) -> str:
    if city not in inner:
        return "gateway"
    return "main" if city == main else "origin"


def _round_down(value: float) -> int:
    """The largest of 1, 2 or 5 × 10ⁿ not above ``value`` (at least 1)."""
    if value < 1:
        return 1
    base = int(10 ** math.floor(math.log10(value)))
    return next(step * base for step in (5, 2, 1) if step * base <= value)


def _percent(value: float, locale: Locale, *, decimals: int = 0) -> str:
    pattern = "#,##0." + "0" * decimals + "%" if decimals else "#,##0%"
    return str(format_percent(value, format=pattern, locale=locale))
