"""What the networks pages show, built from the application layer's values: the tables
(filtered and paged), the summary cards, the maps' ECharts options, and the networks read
recently, kept per version and reach.

Every value here is the caller's part of a network, as :func:`~peakguard.app.networks.
get_network` gives it; nothing is read from the store directly.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from weakref import WeakKeyDictionary

from peakguard.app.access import reach
from peakguard.app.networks import get_network, list_networks, reach_key
from peakguard.domain.network import Lane, Network, Node, NodeKind, TransportMode
from peakguard.domain.regions import prefecture_code
from peakguard.domain.summary import NetworkSummary
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Principal
from peakguard.store.database import Store
from peakguard.web.language_formats import LanguageFormats
from peakguard.web.network_maps import CARRIER_PALETTE, MODE_LABELS
from peakguard.web.page_kit import KIND_LABELS, KIND_NAMES, Places
from peakguard.web.pages.tables import Column, TableView, Value

PAGE_SIZE = 50
"""Rows of a node or lane table on one page."""
OTHER_NODES_ON_MAP = 400
"""Outlets and stations are drawn on the network's map up to this many; past it only the hubs
(a province's hundreds of outlets would bury them; the table lists every node)."""
MAPS = Path(__file__).resolve().parent / "static" / "vendor" / "maps"
"""The map geometry served under ``/app/static/vendor/maps/`` (one file per province code)."""


def map_code(region: str) -> str:
    """The map to draw a region's province on: the province's own, else China's."""
    code = region[:2] + "0000"
    return code if (MAPS / f"{code}.json").is_file() else "100000"


def node_path(network: str, node_id: str) -> str:
    return f"/app/networks/{quote(network, safe='')}/nodes/{quote(node_id, safe='')}"


def network_path(network: str) -> str:
    return f"/app/networks/{quote(network, safe='')}"


def network_columns(language: str) -> tuple[Column, ...]:
    def label(message: Message) -> str:
        return render(message, language)

    return (
        Column("name", label(_("Network")), link="url"),
        Column("title", label(_("Title"))),
        Column("carriers", label(_("Carriers"))),
        Column("hubs", label(_("Hubs")), digits=0),
        Column("outlets", label(_("Outlets")), digits=0),
        Column("stations", label(_("Stations")), digits=0),
        Column("lanes", label(_("Lanes")), digits=0),
        Column("updated", label(_("Updated"))),
    )


def network_row(summary: NetworkSummary, updated: Any, language: str) -> dict[str, Value]:
    names = [
        (carrier.name_en or carrier.name) if language == "en" else carrier.name
        for carrier in summary.carriers
    ]
    return {
        "name": summary.name,
        "url": network_path(summary.name),
        "title": summary.title,
        "carriers": ("、" if language == "zh_CN" else ", ").join(names),
        "hubs": summary.nodes_by_kind.get(NodeKind.hub.value, 0),
        "outlets": summary.nodes_by_kind.get(NodeKind.outlet.value, 0),
        "stations": summary.nodes_by_kind.get(NodeKind.station.value, 0),
        "lanes": summary.lanes,
        "updated": updated,
    }


@dataclass(frozen=True)
class NodeFilter:
    """What the nodes table shows: a kind, a carrier, a city (prefecture code), a text found in
    the id or the name; empty means any."""

    kind: NodeKind | None
    carrier: str
    city: str
    text: str

    def matches(self, node: Node) -> bool:
        text = self.text.casefold()
        return (
            (self.kind is None or node.kind is self.kind)
            and (not self.carrier or node.carrier == self.carrier)
            and (not self.city or prefecture_code(node.region) == self.city)
            and (not text or text in node.id.casefold() or text in node.name.casefold())
        )


@dataclass(frozen=True)
class LaneFilter:
    """What the lanes table shows: a mode, a carrier or a city at either end, a text found in
    the lane's id or either end's id."""

    mode: TransportMode | None
    carrier: str
    city: str
    text: str

    def matches(self, lane: Lane, nodes: Mapping[str, Node]) -> bool:
        ends = (nodes[lane.origin], nodes[lane.destination])
        text = self.text.casefold()
        return (
            (self.mode is None or lane.mode is self.mode)
            and (not self.carrier or any(end.carrier == self.carrier for end in ends))
            and (not self.city or any(prefecture_code(end.region) == self.city for end in ends))
            and (
                not text
                or any(text in part.casefold() for part in (lane.id, lane.origin, lane.destination))
            )
        )


@dataclass(frozen=True)
class Paged:
    """One page of a filtered table: its rows, where it starts, how many matched."""

    items: Sequence[Any]
    page: int
    pages: int
    total: int
    first: int

    @classmethod
    def of(cls, matches: Sequence[Any], page: int, size: int = PAGE_SIZE) -> Paged:
        pages = max(1, math.ceil(len(matches) / size))
        page = min(page, pages)
        start = (page - 1) * size
        return cls(matches[start : start + size], page, pages, len(matches), start + 1)

    @classmethod
    def whole(cls, items: Sequence[Any]) -> Paged:
        return cls(items, 1, 1, len(items), 1)


def summary_cards(summary: NetworkSummary, language: str) -> list[dict[str, str]]:
    formats = LanguageFormats(language)
    cards = [
        {
            "label": render(KIND_LABELS[kind], language),
            "value": formats.number(summary.nodes_by_kind.get(kind.value, 0)),
            "detail": "",
        }
        for kind in NodeKind
        if kind is not NodeKind.consolidation_point or summary.nodes_by_kind.get(kind.value)
    ]
    modes = ", ".join(
        f"{render(MODE_LABELS[TransportMode(mode)], language)} {formats.number(count)}"
        for mode, count in summary.lanes_by_mode.items()
    )
    return [
        *cards,
        {
            "label": render(_("Lanes"), language),
            "value": formats.number(summary.lanes),
            "detail": modes,
        },
        {
            "label": render(_("Parcels picked up a day"), language),
            "value": formats.number(summary.normal_day_pickups),
            "detail": render(_("at the outlets, on a normal day"), language),
        },
        {
            "label": render(_("Sorting capacity a day"), language),
            "value": formats.number(summary.hub_daily_sorting_capacity),
            "detail": render(_("of the hubs, parcels"), language),
        },
        {
            "label": render(_("Storage"), language),
            "value": formats.number(summary.storage_capacity),
            "detail": render(_("parcels the nodes can hold"), language),
        },
    ]


def node_table(
    network: Network,
    paged: Paged,
    places: Places,
    carriers: Mapping[str, str],
    language: str,
) -> TableView:
    def label(message: Message) -> str:
        return render(message, language)

    columns = (
        Column("id", label(_("Node")), link="url"),
        Column("name", label(_("Name"))),
        Column("kind", label(_("Kind"))),
        Column("carrier", label(_("Carrier"))),
        Column("city", label(_("City"))),
        Column("region", label(_("Region"))),
        Column("daily_sorting", label(_("Sorting a day")), digits=0),
        Column("storage", label(_("Storage")), digits=0),
        Column("daily_volume", label(_("Parcels a day")), digits=0),
        Column("staff", label(_("Staff")), digits=0),
    )
    rows: list[dict[str, Value]] = [
        {
            "id": node.id,
            "url": node_path(network.name, node.id),
            "name": node.name,
            "kind": render(KIND_NAMES[node.kind], language),
            "carrier": carriers.get(node.carrier, node.carrier),
            "city": places.name(prefecture_code(node.region)),
            "region": places.name(node.region),
            "daily_sorting": node.daily_sorting_capacity(),
            "storage": node.storage_capacity,
            "daily_volume": node.daily_volume,
            "staff": node.staff,
        }
        for node in paged.items
    ]
    return TableView(
        "nodes",
        label(_("Nodes")),
        columns,
        rows,
        empty=label(_("No node matches the filter.")),
        note=page_note(paged, language),
        filename=f"{network.name}-nodes-{paged.page}",
    )


def lane_table(
    network: str,
    key: str,
    title: Message,
    paged: Paged,
    nodes: Mapping[str, Node],
    language: str,
) -> TableView:
    def label(message: Message) -> str:
        return render(message, language)

    columns = (
        Column("id", label(_("Lane"))),
        Column("origin", label(_("From")), link="origin_url"),
        Column("origin_name", label(_("From (name)"))),
        Column("destination", label(_("To")), link="destination_url"),
        Column("destination_name", label(_("To (name)"))),
        Column("mode", label(_("Mode"))),
        Column("transit_hours", label(_("Hours in transit")), digits=1),
        Column("departures", label(_("Departures a day")), digits=0),
        Column("daily_capacity", label(_("Capacity a day")), digits=0),
        Column("distance_km", label(_("Distance (km)")), digits=0),
    )
    rows: list[dict[str, Value]] = [
        {
            "id": lane.id,
            "origin": lane.origin,
            "origin_url": node_path(network, lane.origin),
            "origin_name": nodes[lane.origin].name,
            "destination": lane.destination,
            "destination_url": node_path(network, lane.destination),
            "destination_name": nodes[lane.destination].name,
            "mode": render(MODE_LABELS[lane.mode], language),
            "transit_hours": lane.transit_hours,
            "departures": len(lane.departure_times),
            "daily_capacity": lane.daily_capacity(),
            "distance_km": lane.distance_km,
        }
        for lane in paged.items
    ]
    return TableView(
        key,
        label(title),
        columns,
        rows,
        empty=label(_("No lane matches the filter.")),
        note=page_note(paged, language),
        filename=f"{network}-{key}-{paged.page}",
    )


def page_note(paged: Paged, language: str) -> str:
    if not paged.total:
        return ""
    if paged.pages == 1:
        message = _(
            "{total} rows match the filter. The export holds exactly these rows.",
            total=paged.total,
        )
    else:
        message = _(
            "Rows {first}–{last} of the {total} that match the filter (page {page} of {pages}). "
            "The export holds exactly the rows on this page: narrow the filter or turn the page "
            "to export others.",
            first=paged.first,
            last=paged.first + len(paged.items) - 1,
            total=paged.total,
            page=paged.page,
            pages=paged.pages,
        )
    return render(message, language)


def _hub_size(capacity: int, largest: int) -> float:
    """A hub's symbol: its area proportional to its daily sorting capacity (4 to 34 pixels)."""
    if largest <= 0:
        return 6.0
    return round(4 + 30 * math.sqrt(max(capacity, 0) / largest), 1)


def hub_map_option(
    network: Network, carriers: Mapping[str, str], language: str, geometry: str
) -> dict[str, Any]:
    """The ECharts option of the network's map: a hub series per carrier on the ``geo``
    component (sized by daily sorting capacity, each linking to its node's page), and the
    outlets and stations as small grey points when there are not too many of them."""
    hubs = hubs_of(network)
    largest = max((hub.daily_sorting_capacity() for hub in hubs), default=0)
    formats = LanguageFormats(language)
    colours = {code: CARRIER_PALETTE[i % len(CARRIER_PALETTE)] for i, code in enumerate(carriers)}
    series: list[dict[str, Any]] = []
    for code, carrier in carriers.items():
        own = [hub for hub in hubs if hub.carrier == code]
        if not own:
            continue
        data = [
            {
                "id": hub.id,
                "name": render(
                    _(
                        "{name}: {capacity} parcels a day",
                        name=hub.name,
                        capacity=formats.number(hub.daily_sorting_capacity()),
                    ),
                    language,
                ),
                "value": [hub.longitude, hub.latitude, hub.daily_sorting_capacity()],
                "symbolSize": _hub_size(hub.daily_sorting_capacity(), largest),
                "url": node_path(network.name, hub.id),
            }
            for hub in own
        ]
        series.append(_scatter(f"hubs-{code}", carrier, data, colours[code], z=3))
    others = [node for node in network.nodes if node.kind is not NodeKind.hub]
    if 0 < len(others) <= OTHER_NODES_ON_MAP:
        data = [
            {
                "id": node.id,
                "name": node.name,
                "value": [node.longitude, node.latitude, 0],
                "symbolSize": 4,
                "url": node_path(network.name, node.id),
            }
            for node in others
        ]
        label = render(_("Outlets and stations"), language)
        series.append(_scatter("others", label, data, "#8a96a3", z=2))
    return {
        "tooltip": {"trigger": "item", "formatter": "{a}<br/>{b}"},
        "legend": {"type": "scroll", "bottom": 0},
        "geo": {
            "map": geometry,
            "roam": True,
            "scaleLimit": {"min": 0.8, "max": 12},
            "itemStyle": {"areaColor": "#eef2f6", "borderColor": "#9aa8b6"},
            "emphasis": {"itemStyle": {"areaColor": "#dde5ee"}, "label": {"show": False}},
            "label": {"show": False},
        },
        "series": series,
    }


def hubs_of(network: Network) -> list[Node]:
    return [node for node in network.nodes if node.kind is NodeKind.hub]


def _scatter(
    key: str, name: str, data: list[dict[str, Any]], colour: str, *, z: int
) -> dict[str, Any]:
    return {
        "id": key,
        "name": name,
        "type": "scatter",
        "coordinateSystem": "geo",
        "data": data,
        "itemStyle": {"color": colour, "opacity": 0.85, "borderColor": "#fff", "borderWidth": 0.5},
        "emphasis": {"scale": 1.3},
        "z": z,
    }


def node_facts(
    node: Node, places: Places, carriers: Mapping[str, str], language: str
) -> list[tuple[str, str]]:
    formats = LanguageFormats(language)

    def label(message: Message) -> str:
        return render(message, language)

    yes_no = label(_("yes")) if node.automated_sorter else label(_("no"))
    return [
        (label(_("Kind")), label(KIND_NAMES[node.kind])),
        (label(_("Carrier")), carriers.get(node.carrier, node.carrier)),
        (label(_("Region")), f"{places.name(node.region)} ({node.region})"),
        (label(_("Sorting capacity a day")), formats.number(node.daily_sorting_capacity())),
        (
            label(_("Peak sorting capacity an hour")),
            formats.number(node.peak_sorting_capacity_per_hour()),
        ),
        (label(_("Automated sorter")), yes_no),
        (label(_("Storage (parcels)")), formats.number(node.storage_capacity)),
        (label(_("Staff")), formats.number(node.staff)),
        (label(_("Vehicles")), formats.number(node.vehicles)),
        (label(_("Floor area (m²)")), formats.number(node.floor_area_m2)),
        (label(_("Parcels a day (normal day)")), formats.number(node.daily_volume)),
        (label(_("Position")), f"{node.longitude:.4f}, {node.latitude:.4f}"),
    ]


def node_map_option(
    network: str, node: Node, neighbours: Sequence[Node], language: str, geometry: str
) -> dict[str, Any]:
    """A small map: the node, the nodes its lanes join it to, and the lanes as lines."""
    others = {other.id: other for other in neighbours if other.id != node.id}
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}"},
        "geo": {
            "map": geometry,
            "roam": True,
            "itemStyle": {"areaColor": "#eef2f6", "borderColor": "#9aa8b6"},
            "label": {"show": False},
            "emphasis": {"label": {"show": False}},
        },
        "series": [
            {
                "id": "lanes",
                "type": "lines",
                "coordinateSystem": "geo",
                "data": [
                    {"coords": [[node.longitude, node.latitude], [o.longitude, o.latitude]]}
                    for o in others.values()
                ],
                "lineStyle": {"color": "#5f6b7a", "width": 1, "opacity": 0.6},
                "silent": True,
            },
            _scatter(
                "neighbours",
                render(_("Joined by a lane"), language),
                [
                    {
                        "id": o.id,
                        "name": o.name,
                        "value": [o.longitude, o.latitude, 0],
                        "symbolSize": 7,
                        "url": node_path(network, o.id),
                    }
                    for o in others.values()
                ],
                "#8a96a3",
                z=2,
            ),
            {
                "id": "node",
                "name": node.name,
                "type": "effectScatter",
                "coordinateSystem": "geo",
                "data": [
                    {"id": node.id, "name": node.name, "value": [node.longitude, node.latitude, 0]}
                ],
                "symbolSize": 14,
                "itemStyle": {"color": "#c62828"},
                "z": 4,
            },
        ],
    }


KEPT_NETWORKS = 8
"""Networks (a version, as one reach sees it) kept in this process for the pages."""


class KeptNetworks:
    """The networks the pages read lately, by version and reach, so that turning a table's
    page or changing a filter does not load and validate the network again (0.2 to 0.4 s for
    the demo's 1,113 nodes). Each request still asks the application layer which version of
    the name the caller sees (:func:`list_networks`, a millisecond): a network replaced since
    is read afresh, and a caller of another reach never gets another reach's part."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[str, int, datetime, str], Network] = OrderedDict()
        self.lock = threading.Lock()

    def network(self, store: Store, name: str, caller: Principal) -> Network:
        listed = next((n for n in list_networks(store, actor=caller) if n.name == name), None)
        if listed is None:
            return get_network(store, name, actor=caller)  # not found, as the API says it
        key = (name, listed.id, listed.created_at, reach_key(reach(caller)))
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        network = get_network(store, name, actor=caller)
        with self.lock:
            self.entries[key] = network
            while len(self.entries) > KEPT_NETWORKS:
                self.entries.popitem(last=False)
        return network


_kept: WeakKeyDictionary[Store, KeptNetworks] = WeakKeyDictionary()
_kept_lock = threading.Lock()


def visible_network(store: Store, name: str, caller: Principal) -> Network:
    """:func:`~peakguard.app.networks.get_network`, answered from the networks kept when the
    version the caller sees is among them."""
    with _kept_lock:
        kept = _kept.setdefault(store, KeptNetworks())
    return kept.network(store, name, caller)
