"""The figures a planner reads first about a network: size, capacity, reach."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from peakguard.domain.network import Network, NodeKind
from peakguard.domain.regions import province_code
from peakguard.domain.routing import RoutingTable, derive_routing


@dataclass(frozen=True)
class CarrierSummary:
    code: str
    name: str
    name_en: str | None
    hubs: int
    outlets: int
    stations: int
    hub_daily_sorting_capacity: int
    normal_day_pickups: int


@dataclass(frozen=True)
class NetworkSummary:
    name: str
    title: str | None
    nodes_by_kind: dict[str, int]
    lanes_by_mode: dict[str, int]
    carriers: list[CarrierSummary]
    regions: int
    hub_daily_sorting_capacity: int
    storage_capacity: int
    staff: int
    vehicles: int
    floor_area_m2: float
    automated_hubs: int
    normal_day_pickups: int
    home_province: str
    """The province most nodes are in: the network's own territory."""
    home_province_hub_daily_sorting_capacity: int
    routed_pairs: int
    unrouted_pairs: int
    """Outlet → station pairs of the same carrier with and without a route."""
    description: str = ""

    @property
    def nodes(self) -> int:
        return sum(self.nodes_by_kind.values())

    @property
    def lanes(self) -> int:
        return sum(self.lanes_by_mode.values())


def summarise(network: Network, routing: RoutingTable | None = None) -> NetworkSummary:
    table = routing or derive_routing(network)
    home = Counter(province_code(node.region) for node in network.nodes).most_common(1)[0][0]
    hubs = [node for node in network.nodes if node.kind is NodeKind.hub]
    outlets = [node for node in network.nodes if node.kind is NodeKind.outlet]
    stations = [node for node in network.nodes if node.kind is NodeKind.station]
    routed = unrouted = 0
    for outlet in outlets:
        origin = table.position[outlet.id]
        for station in stations:
            if station.carrier != outlet.carrier:
                continue
            target = table.position[station.id]
            if (origin, target) in table.overrides:
                ok = table.reachable(outlet.id, station.id)
            else:
                ok = bool(table.next_hop[origin, target] >= 0)
            routed += ok
            unrouted += not ok
    carriers = []
    for carrier in network.carriers:
        kinds = Counter(node.kind for node in network.nodes if node.carrier == carrier.code)
        carriers.append(
            CarrierSummary(
                code=carrier.code,
                name=carrier.name,
                name_en=carrier.name_en,
                hubs=kinds[NodeKind.hub],
                outlets=kinds[NodeKind.outlet],
                stations=kinds[NodeKind.station],
                hub_daily_sorting_capacity=sum(
                    h.daily_sorting_capacity() for h in hubs if h.carrier == carrier.code
                ),
                normal_day_pickups=sum(
                    o.daily_volume for o in outlets if o.carrier == carrier.code
                ),
            )
        )
    return NetworkSummary(
        name=network.name,
        title=network.title,
        nodes_by_kind={kind.value: sum(n.kind is kind for n in network.nodes) for kind in NodeKind},
        lanes_by_mode=dict(sorted(Counter(lane.mode.value for lane in network.lanes).items())),
        carriers=carriers,
        regions=len({node.region for node in network.nodes}),
        hub_daily_sorting_capacity=sum(h.daily_sorting_capacity() for h in hubs),
        storage_capacity=sum(n.storage_capacity for n in network.nodes),
        staff=sum(n.staff for n in network.nodes),
        vehicles=sum(n.vehicles for n in network.nodes),
        floor_area_m2=sum(n.floor_area_m2 for n in network.nodes),
        automated_hubs=sum(h.automated_sorter for h in hubs),
        normal_day_pickups=sum(o.daily_volume for o in outlets),
        home_province=home,
        home_province_hub_daily_sorting_capacity=sum(
            h.daily_sorting_capacity() for h in hubs if province_code(h.region) == home
        ),
        routed_pairs=routed,
        unrouted_pairs=unrouted,
        description=network.description,
    )


def summary_record(summary: NetworkSummary) -> dict[str, Any]:
    """The summary as plain JSON-ready data (what is stored with the network)."""
    return asdict(summary)


def summary_from_record(record: dict[str, Any]) -> NetworkSummary:
    """The summary :func:`summary_record` gave."""
    carriers = [CarrierSummary(**carrier) for carrier in record["carriers"]]
    return NetworkSummary(**{**record, "carriers": carriers})
