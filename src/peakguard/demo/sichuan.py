"""The demo province: Sichuan's 21 prefecture-level divisions, seven carriers, one season.

Everything is generated from a seed with NumPy's PCG64 generator, so the same seed gives the
same network. Volumes follow :mod:`.calibration`; capacities are sized from those volumes with
per-carrier headroom that differs the way it does in practice (automated national brands with
more, smaller hubs in the mountains with less), so the Double 11 peak overflows some hubs and
not others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from peakguard.demo import calibration
from peakguard.domain.carriers import known_carrier
from peakguard.domain.geography import great_circle_km
from peakguard.domain.network import (
    Carrier,
    Lane,
    Network,
    Node,
    NodeKind,
    ServiceStandard,
    Shift,
    TransportMode,
)
from peakguard.domain.regions import PairClass, Region, reference_regions

SICHUAN = "510000"
CHENGDU = "510100"
DEFAULT_SEED = 2016
ROAD_CIRCUITY = 1.3
"""Road distance ÷ great-circle distance; about 1.2–1.4 on China's highway network."""
TRUNK_SPEED_KMH = 60.0
LOCAL_SPEED_KMH = 35.0
AIR_SPEED_KMH = 700.0
AIR_GROUND_HOURS = 3.0
"""Hub to airport, security, loading, and the same at the other end."""
RAIL_SPEED_KMH = 80.0
RAIL_GROUND_HOURS = 4.0
HANDOVER_HOURS = 0.5
TRUNK_HEADROOM = 2.2
"""Modelled: a trunk lane's daily capacity ÷ its normal-day flow (vehicles are added at peak)."""
OUTBOUND_SHARE = 0.6
"""Modelled: share of pickups that leave the province (Sichuan 2022: 异地 74.6 % of pickups,
reported, of which most leaves the province); matches the simulator's default demand."""

CITY_NAMES_EN: dict[str, str] = {
    "510100": "Chengdu",
    "510300": "Zigong",
    "510400": "Panzhihua",
    "510500": "Luzhou",
    "510600": "Deyang",
    "510700": "Mianyang",
    "510800": "Guangyuan",
    "510900": "Suining",
    "511000": "Neijiang",
    "511100": "Leshan",
    "511300": "Nanchong",
    "511400": "Meishan",
    "511500": "Yibin",
    "511600": "Guang'an",
    "511700": "Dazhou",
    "511800": "Ya'an",
    "511900": "Bazhong",
    "512000": "Ziyang",
    "513200": "Ngawa",
    "513300": "Garzê",
    "513400": "Liangshan",
    "500100": "Chongqing",
    "610100": "Xi'an",
    "420100": "Wuhan",
    "440100": "Guangzhou",
    "310100": "Shanghai",
    "330100": "Hangzhou",
    "110100": "Beijing",
    "530100": "Kunming",
}

HUB_NAME = {
    "EMS": "中国邮政{city}邮件处理中心",
    "SF": "顺丰{city}中转场",
    "ZTO": "中通{city}转运中心",
    "YTO": "圆通{city}转运中心",
    "STO": "申通{city}转运中心",
    "YUNDA": "韵达{city}分拨中心",
    "JD": "京东{city}分拣中心",
}
OUTLET_NAME = {"EMS": "邮政{place}营业部", "SF": "顺丰{place}营业点", "JD": "京东{place}营业部"}
STATION_NAME = {"EMS": "邮政{place}揽投部", "SF": "顺丰{place}末端网点", "JD": "京东{place}配送站"}
CARRIER_SHORT = {
    "EMS": "邮政",
    "SF": "顺丰",
    "ZTO": "中通",
    "YTO": "圆通",
    "STO": "申通",
    "YUNDA": "韵达",
    "JD": "京东",
}

AUTOMATION_LEAD = {
    "SF": 0.9,
    "JD": 0.9,
    "ZTO": 0.8,
    "YTO": 0.6,
    "YUNDA": 0.6,
    "STO": 0.5,
    "EMS": 0.5,
}
"""Modelled: how far each brand's automation reaches down to small cities (0–1)."""
HEADROOM = {"SF": 2.4, "JD": 2.5, "EMS": 2.1, "ZTO": 2.05, "YTO": 1.85, "YUNDA": 1.75, "STO": 1.65}
"""Modelled: normal-day sorting capacity ÷ normal-day load. Peak ≈ 2× normal, so brands below
2 overflow at their busiest hubs unless they stagger pickups or add capacity."""
AIR_CARRIERS = {"SF", "EMS", "JD"}
RAIL_CARRIERS = {"EMS"}
AIR_GATEWAYS = {"110100", "310100", "440100", "330100"}
PRODUCTIVITY_AUTOMATED = 450.0
PRODUCTIVITY_MANUAL = 160.0
"""Modelled: parcels sorted per person-hour with and without an automated sorter."""


@dataclass(frozen=True)
class DemoParameters:
    seed: int = DEFAULT_SEED
    outlets_per_carrier: int = 60
    """Outlets (and as many stations) per carrier across the province, spread by volume."""


def build_sichuan_network(parameters: DemoParameters | None = None) -> Network:
    """The demo Sichuan network. Deterministic: the same parameters give the same network."""
    params = parameters or DemoParameters()
    random = np.random.default_rng(params.seed)
    regions = reference_regions()
    cities = [regions[code] for code in calibration.CITY_SHARES]
    counties = _counties_by_city(regions)
    carriers = [_carrier(code) for code in calibration.CARRIER_SHARES]
    nodes: list[Node] = []
    lanes: list[Lane] = []
    for carrier in carriers:
        carrier_share = calibration.CARRIER_SHARES[carrier.code]
        hubs: dict[str, Node] = {}
        city_flows: dict[str, tuple[float, float]] = {}
        for city in cities:
            city_flows[city.code] = _city_flows(city.code, carrier_share)
            hub, city_nodes, city_lanes = _city_network(
                carrier.code,
                city,
                counties[city.code],
                _hub_load(city.code, carrier_share, city_flows[city.code]),
                city_flows[city.code],
                params,
                random,
            )
            hubs[city.code] = hub
            nodes += city_nodes
            lanes += city_lanes
        lanes += _trunk_lanes(hubs, city_flows)
        gateways, gateway_lanes = _gateway_network(
            carrier.code, carrier_share, regions, hubs, city_flows, random
        )
        nodes += gateways
        lanes += gateway_lanes
    pickups = calibration.NORMAL_DAY_SICHUAN_PICKUPS
    return Network(
        name="sichuan-demo",
        title="四川省快递网络（演示）",
        description=(
            "Demo network of Sichuan province: 21 prefecture-level divisions, seven carriers, "
            "hubs, outlets, stations and trunk lanes to national hubs. Volumes calibrated to "
            f"public figures (normal day ≈ {pickups / 1e6:.1f} million parcels taken on); "
            f"seed {params.seed}."
        ),
        carriers=carriers,
        nodes=nodes,
        lanes=lanes,
        service_standards=[
            ServiceStandard(pair_class=PairClass.same_city, time_limit_hours=24),
            ServiceStandard(pair_class=PairClass.same_province, time_limit_hours=48),
            ServiceStandard(pair_class=PairClass.other_province, time_limit_hours=72),
            ServiceStandard(pair_class=PairClass.same_province, time_limit_hours=36, carrier="SF"),
            ServiceStandard(pair_class=PairClass.other_province, time_limit_hours=48, carrier="SF"),
        ],
    )


def _city_flows(city: str, carrier_share: float) -> tuple[float, float]:
    """Parcels the carrier takes on and delivers in the city on a normal day."""
    pickups = calibration.NORMAL_DAY_SICHUAN_PICKUPS
    deliveries = pickups * calibration.INBOUND_TO_OUTBOUND_RATIO
    share = calibration.CITY_SHARES[city] * carrier_share
    return pickups * share, deliveries * share


def _hub_load(city: str, carrier_share: float, flows: tuple[float, float]) -> float:
    """Parcels the carrier's hub in the city sorts on a normal day."""
    city_out, city_in = flows
    hub_load = city_out + city_in
    if city == CHENGDU:
        # The provincial hub also sorts every other city's parcels in transit.
        pickups = calibration.NORMAL_DAY_SICHUAN_PICKUPS
        deliveries = pickups * calibration.INBOUND_TO_OUTBOUND_RATIO
        others = (1 - calibration.CITY_SHARES[CHENGDU]) * carrier_share
        hub_load += (pickups + deliveries) * others * 0.85
    return hub_load


def _city_network(
    carrier: str,
    city: Region,
    counties: list[Region],
    hub_load: float,
    flows: tuple[float, float],
    params: DemoParameters,
    random: np.random.Generator,
) -> tuple[Node, list[Node], list[Lane]]:
    """The carrier's hub in the city, its outlets and stations, and the local lanes between
    them: the hub, every node (the hub first), and the lanes."""
    city_out, city_in = flows
    hub = _hub(carrier, city, hub_load, random)
    nodes = [hub]
    lanes: list[Lane] = []
    count = max(1, round(params.outlets_per_carrier * calibration.CITY_SHARES[city.code]))
    places = _places(counties, count, random)
    for number, place in enumerate(places, start=1):
        outlet = _outlet(carrier, city, place, number, city_out / count, random)
        station = _station(carrier, city, place, number, city_in / count, random)
        nodes += [outlet, station]
        lanes.append(_local_lane(outlet, hub, ["12:00", "18:00", "21:00"], random))
        lanes.append(_local_lane(hub, station, ["05:00", "12:00"], random))
    return hub, nodes, lanes


def _trunk_lanes(hubs: dict[str, Node], city_flows: dict[str, tuple[float, float]]) -> list[Lane]:
    """Road lanes both ways between each city's hub and the Chengdu hub."""
    chengdu = hubs[CHENGDU]
    lanes: list[Lane] = []
    for code, hub in hubs.items():
        if code == CHENGDU:
            continue
        departures = (
            ["02:00", "10:00", "16:00", "22:00"]
            if hub.daily_volume > 60_000
            else ["04:00", "20:00"]
        )
        city_out, city_in = city_flows[code]
        lanes.append(_trunk_lane(hub, chengdu, TransportMode.road, departures, city_out))
        lanes.append(_trunk_lane(chengdu, hub, TransportMode.road, departures, city_in))
    return lanes


def _gateway_network(
    carrier: str,
    carrier_share: float,
    regions: dict[str, Region],
    hubs: dict[str, Node],
    city_flows: dict[str, tuple[float, float]],
    random: np.random.Generator,
) -> tuple[list[Node], list[Lane]]:
    """The carrier's gateway hubs outside the province and the lanes to and from them."""
    pickups = calibration.NORMAL_DAY_SICHUAN_PICKUPS
    deliveries = pickups * calibration.INBOUND_TO_OUTBOUND_RATIO
    chengdu = hubs[CHENGDU]
    gateways = [
        _gateway(carrier, regions[code], name, chengdu, random)
        for code, name in calibration.GATEWAY_CITIES.items()
    ]
    share_each = OUTBOUND_SHARE / len(gateways)
    lanes: list[Lane] = []
    for gateway in gateways:
        lanes += _gateway_lanes(
            carrier,
            chengdu,
            gateway,
            pickups * carrier_share * share_each,
            deliveries * carrier_share * share_each,
        )
        if gateway.region == "500100":
            lanes += _chongqing_lanes(hubs, gateway, city_flows, share_each)
    return gateways, lanes


def _chongqing_lanes(
    hubs: dict[str, Node],
    gateway: Node,
    city_flows: dict[str, tuple[float, float]],
    share_each: float,
) -> list[Lane]:
    """Eastern and southern Sichuan run straight to Chongqing, as carriers do."""
    lanes: list[Lane] = []
    for code in ("511700", "511600", "510500", "511500", "511300"):
        city_out, city_in = city_flows[code]
        lanes.append(
            _trunk_lane(
                hubs[code], gateway, TransportMode.road, ["01:00", "19:00"], city_out * share_each
            )
        )
        lanes.append(
            _trunk_lane(
                gateway, hubs[code], TransportMode.road, ["03:00", "21:00"], city_in * share_each
            )
        )
    return lanes


def _carrier(code: str) -> Carrier:
    carrier = known_carrier(code)
    if carrier is None:  # pragma: no cover - the calibration names known brands only
        raise KeyError(code)
    return carrier


def _counties_by_city(regions: dict[str, Region]) -> dict[str, list[Region]]:
    grouped: dict[str, list[Region]] = {code: [] for code in calibration.CITY_SHARES}
    for region in regions.values():
        city = region.prefecture_code
        if (
            city in grouped
            and region.code != city
            and region.longitude is not None
            and region.name != "市辖区"
        ):
            grouped[city].append(region)
    return grouped


def _places(counties: list[Region], count: int, random: np.random.Generator) -> list[Region]:
    """``count`` places in the city's counties, urban districts first, then at random."""
    ordered = sorted(counties, key=lambda region: region.code)
    chosen = [ordered[index % len(ordered)] for index in range(min(count, len(ordered)))]
    extra = count - len(chosen)
    if extra > 0:
        urban = ordered[: max(1, len(ordered) // 3)]
        chosen += [urban[int(i)] for i in random.integers(0, len(urban), size=extra)]
    return chosen


def _city_name(city: Region) -> str:
    return city.name.removesuffix("市") if city.name.endswith("市") else city.name[:2]


def _shifts(daily_load: float, headroom: float, automated: bool) -> list[Shift]:
    if automated:
        hours_day, hours_night = 10, 10  # 08–18 and 20–06, with two-hour changeovers
        per_hour = daily_load * headroom / (hours_day + hours_night * 1.25)
        return [
            Shift(
                name="day",
                start_hour=8,
                end_hour=18,
                sorting_capacity_per_hour=max(1, round(per_hour)),
            ),
            Shift(
                name="night",
                start_hour=20,
                end_hour=6,
                sorting_capacity_per_hour=max(1, round(per_hour * 1.25)),
            ),
        ]
    per_hour = daily_load * headroom / 16
    return [
        Shift(
            name="day", start_hour=7, end_hour=23, sorting_capacity_per_hour=max(1, round(per_hour))
        )
    ]


def _hub(carrier: str, city: Region, load: float, random: np.random.Generator) -> Node:
    is_chengdu = city.code == CHENGDU
    big = load > 150_000
    automated = is_chengdu or big or random.random() < AUTOMATION_LEAD[carrier] * 0.5
    headroom = HEADROOM[carrier] * float(random.uniform(0.92, 1.08))
    if not is_chengdu and not automated:
        headroom *= 0.95
    shifts = _shifts(load, headroom, automated)
    capacity = sum(s.sorting_capacity_per_hour * len(s.hours()) for s in shifts)
    productivity = PRODUCTIVITY_AUTOMATED if automated else PRODUCTIVITY_MANUAL
    peak_rate = max(s.sorting_capacity_per_hour for s in shifts)
    staff_per_shift = math.ceil(peak_rate / productivity)
    return Node(
        id=f"{carrier}-{city.code}-HUB",
        name=HUB_NAME[carrier].format(city=_city_name(city)),
        kind=NodeKind.hub,
        region=city.code,
        carrier=carrier,
        shifts=shifts,
        storage_capacity=_round(capacity * float(random.uniform(0.45, 0.65)), 1000),
        staff=staff_per_shift * len(shifts) + math.ceil(staff_per_shift * 0.2),
        vehicles=max(4, math.ceil(load / 2 / 2500 / 2)),
        floor_area_m2=float(_round(capacity * float(random.uniform(0.05, 0.08)), 100)),
        automated_sorter=automated,
        longitude=round(_jitter(city.longitude, random, 0.06), 5),
        latitude=round(_jitter(city.latitude, random, 0.05), 5),
        daily_volume=round(load),
    )


def _outlet(
    carrier: str,
    city: Region,
    place: Region,
    number: int,
    volume: float,
    random: np.random.Generator,
) -> Node:
    name = OUTLET_NAME.get(carrier, CARRIER_SHORT[carrier] + "{place}网点")
    per_hour = volume * float(random.uniform(1.6, 2.4)) / 12
    return Node(
        id=f"{carrier}-{place.code}-O{number}",
        name=name.format(place=place.name) + f"{number}号",
        kind=NodeKind.outlet,
        region=place.code,
        carrier=carrier,
        shifts=[
            Shift(
                name="day",
                start_hour=8,
                end_hour=20,
                sorting_capacity_per_hour=max(20, round(per_hour)),
            )
        ],
        storage_capacity=max(500, _round(volume * 1.5, 100)),
        staff=max(3, math.ceil(volume / 400)),
        vehicles=max(1, math.ceil(volume / 3000)),
        floor_area_m2=float(max(80, _round(volume * 0.06, 10))),
        automated_sorter=False,
        longitude=round(_jitter(place.longitude, random, 0.03), 5),
        latitude=round(_jitter(place.latitude, random, 0.03), 5),
        daily_volume=round(volume),
    )


def _station(
    carrier: str,
    city: Region,
    place: Region,
    number: int,
    volume: float,
    random: np.random.Generator,
) -> Node:
    name = STATION_NAME.get(carrier, CARRIER_SHORT[carrier] + "{place}末端站")
    per_hour = volume * float(random.uniform(1.5, 2.2)) / 12
    return Node(
        id=f"{carrier}-{place.code}-S{number}",
        name=name.format(place=place.name) + f"{number}号",
        kind=NodeKind.station,
        region=place.code,
        carrier=carrier,
        shifts=[
            Shift(
                name="delivery",
                start_hour=8,
                end_hour=20,
                sorting_capacity_per_hour=max(20, round(per_hour)),
            )
        ],
        storage_capacity=max(500, _round(volume * 1.2, 100)),
        staff=max(3, math.ceil(volume / 250)),
        vehicles=max(1, math.ceil(volume / 1500)),
        floor_area_m2=float(max(100, _round(volume * 0.08, 10))),
        automated_sorter=False,
        longitude=round(_jitter(place.longitude, random, 0.03), 5),
        latitude=round(_jitter(place.latitude, random, 0.03), 5),
        daily_volume=round(volume),
    )


def _gateway(
    carrier: str, region: Region, city_name: str, chengdu: Node, random: np.random.Generator
) -> Node:
    """A national hub outside the province; sized large, since Sichuan is a small part of its
    load. Its capacity is not the subject of this network."""
    load = (chengdu.daily_volume or 1) * 1.5
    shifts = _shifts(load, 2.5, True)
    capacity = sum(s.sorting_capacity_per_hour * len(s.hours()) for s in shifts)
    return Node(
        id=f"{carrier}-{region.code}-GW",
        name=HUB_NAME[carrier].format(city=city_name),
        kind=NodeKind.hub,
        region=region.code,
        carrier=carrier,
        shifts=shifts,
        storage_capacity=_round(capacity * 0.6, 1000),
        staff=math.ceil(max(s.sorting_capacity_per_hour for s in shifts) / 450) * 2,
        vehicles=max(20, math.ceil(load / 10000)),
        floor_area_m2=float(_round(capacity * 0.06, 100)),
        automated_sorter=True,
        longitude=round(_jitter(region.longitude, random, 0.08), 5),
        latitude=round(_jitter(region.latitude, random, 0.06), 5),
        daily_volume=round(load),
    )


def _distance(origin: Node, destination: Node) -> float:
    return great_circle_km(
        origin.longitude, origin.latitude, destination.longitude, destination.latitude
    )


def _local_lane(
    origin: Node, destination: Node, departures: list[str], random: np.random.Generator
) -> Lane:
    road_km = max(2.0, _distance(origin, destination) * ROAD_CIRCUITY)
    volume = max(
        origin.daily_volume,
        destination.daily_volume if destination.kind is NodeKind.station else origin.daily_volume,
    )
    return Lane(
        id=f"{origin.id}>{destination.id}",
        origin=origin.id,
        destination=destination.id,
        mode=TransportMode.road,
        transit_hours=round(road_km / LOCAL_SPEED_KMH + HANDOVER_HOURS, 1),
        departure_times=departures,
        capacity_per_departure=max(
            200, _round(volume * float(random.uniform(0.8, 1.2)) / len(departures) * 1.8, 50)
        ),
        distance_km=round(road_km, 1),
    )


def _trunk_lane(
    origin: Node, destination: Node, mode: TransportMode, departures: list[str], flow: float
) -> Lane:
    """A trunk lane sized for ``flow``, the normal-day parcels expected on it."""
    great_circle = _distance(origin, destination)
    if mode is TransportMode.air:
        distance = great_circle
        hours = distance / AIR_SPEED_KMH + AIR_GROUND_HOURS
    elif mode is TransportMode.rail:
        distance = great_circle * ROAD_CIRCUITY
        hours = distance / RAIL_SPEED_KMH + RAIL_GROUND_HOURS
    else:
        distance = great_circle * ROAD_CIRCUITY
        hours = distance / TRUNK_SPEED_KMH + HANDOVER_HOURS
    capacity = max(2_500, _round(flow * TRUNK_HEADROOM / len(departures), 500))
    suffix = "" if mode is TransportMode.road else f"-{mode.value}"
    return Lane(
        id=f"{origin.id}>{destination.id}{suffix}",
        origin=origin.id,
        destination=destination.id,
        mode=mode,
        transit_hours=round(hours, 1),
        departure_times=departures,
        capacity_per_departure=capacity,
        distance_km=round(distance, 1),
    )


def _gateway_lanes(
    carrier: str, chengdu: Node, gateway: Node, outbound: float, inbound: float
) -> list[Lane]:
    """Road, and air or rail where the brand flies or uses rail; routing takes the fastest,
    so each lane is sized for the whole flow to or from the gateway."""
    road = ["06:00", "14:00", "22:00"]
    lanes = [
        _trunk_lane(chengdu, gateway, TransportMode.road, road, outbound),
        _trunk_lane(gateway, chengdu, TransportMode.road, road, inbound),
    ]
    if carrier in AIR_CARRIERS and gateway.region in AIR_GATEWAYS:
        lanes += [
            _trunk_lane(chengdu, gateway, TransportMode.air, ["23:30"], outbound),
            _trunk_lane(gateway, chengdu, TransportMode.air, ["01:30"], inbound),
        ]
    if carrier in RAIL_CARRIERS:
        lanes += [
            _trunk_lane(chengdu, gateway, TransportMode.rail, ["19:00"], outbound),
            _trunk_lane(gateway, chengdu, TransportMode.rail, ["09:00"], inbound),
        ]
    return lanes


def _jitter(value: float | None, random: np.random.Generator, spread: float) -> float:
    return (value or 0.0) + float(random.uniform(-spread, spread))


def _round(value: float, step: int) -> int:
    return max(step, int(round(value / step) * step))
