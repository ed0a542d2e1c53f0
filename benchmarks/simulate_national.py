"""The simulator at national scale: 339 hubs, 3,390 stations, over 20,000 lanes, 30 days hourly.

Run it from the repository root (it is not part of the test run)::

    .venv/bin/python benchmarks/simulate_national.py --days 30 --repeats 3
    .venv/bin/python benchmarks/simulate_national.py --days 2 --profile

The network is synthetic but deterministic and laid out on real places: one hub at the centre
of every mainland prefecture-level division in the bundled GB/T 2260 table (339 in 31
provinces), one outlet beside it where the city's parcels are taken on, and ten stations at
the prefecture's first ten counties (or around the centre where it has fewer). Trunk lanes join
each hub to its 16 nearest hubs, to every hub of its province and to every provincial capital,
in both directions, all by road (routing takes the shortest transit time and knows nothing of
sorting and waiting, so air legs with a fixed ground time would draw most flows through a
remote capital). Transit times come from great-circle distances. Capacities are sized from
the routed normal-day flows with headroom, so the Double 11 spike in the demand builds backlog
that drains over the following days.

Demand granularity: each hub's outlet sends to every hub's city (a gravity model over the
prefecture pairs, 3.6 亿 parcels on a normal day in total), each pair's parcels bound for one
of the destination city's stations (``--stations-per-pair`` spreads them over more), taken on
in two pickup rounds a day (13:00 and 19:00). So there are 339 × 339 = 114,921 OD pairs and
229,842 cohorts a simulated day.

Full hubs take parcels in beyond their storage by default (``--policy overflow``, recorded as
爆仓). With ``--policy block`` no hub exceeds its storage: the report adds deliveries per day,
the gridlocks found (hubs full of parcels for each other, which form for a few days after the
2.2× day) and, for every hub they name, whether it truly lacks storage for the peak.

Each repeat runs in a fresh process (so its peak resident memory is its own) on a network built
once and pickled: routing (:func:`derive_routing`), plan compilation (demand arrays,
:func:`scenario_capacities`, :func:`compile_plan`) and the engine (:func:`simulate_plan`,
trace off) are timed apart; the medians are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pickle
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from peakguard.domain.geography import great_circle_km
from peakguard.domain.network import (
    Carrier,
    Lane,
    Network,
    Node,
    NodeKind,
    Shift,
    TransportMode,
)
from peakguard.domain.regions import Region, RegionLevel, reference_regions
from peakguard.domain.routing import RoutingTable, derive_routing
from peakguard.simulate.compiled_engine import simulate_compiled
from peakguard.simulate.engine import SimulationRun, conservation_gap, simulate_plan
from peakguard.simulate.gridlock import Gridlock, find_gridlocks
from peakguard.simulate.plan import (
    Demand,
    FloatArray,
    IntArray,
    SimulationPlan,
    StoragePolicy,
    compile_plan,
)
from peakguard.simulate.reference_engine import simulate_plan as simulate_reference
from peakguard.simulate.run import scenario_capacities
from peakguard.simulate.scenario import Scenario, VolumeMultiplier

CARRIER = "ZTO"
NOT_MAINLAND = ("71", "81", "82")
"""Taiwan, Hong Kong and Macao: not on this network."""
ROAD_CIRCUITY = 1.3
TRUNK_SPEED_KMH = 60.0
LOCAL_SPEED_KMH = 35.0
HANDOVER_HOURS = 0.5
HUB_HEADROOM = 1.3
"""A hub's daily sorting capacity ÷ its normal-day load."""
STATION_HEADROOM = 1.5
TRUNK_HEADROOM = 1.6
LOCAL_HEADROOM = 1.8
EASTERN_PROVINCES = ("11", "31", "32", "33", "35", "37", "44")
"""Beijing, Shanghai, Jiangsu, Zhejiang, Fujian, Shandong, Guangdong: most pickups happen here."""
TARGET_DAYS = 30
TARGET_SECONDS = 10.0
TARGET_MB = 2048.0
RECORDED_REFERENCE = (30, 528.9, 544.2, 4270.0)
"""The Python engine's recorded 30-day run (docs/benchmarks.md, commit 33d8127): days, engine s,
total s, peak MB — it takes minutes, so it is run here on fewer days."""
EVERY_HOUR = tuple(f"{hour:02d}:00" for hour in range(24))


@dataclass(frozen=True)
class NationalParameters:
    """The knobs of the synthetic national network and its demand."""

    daily_parcels: float = 3.6e8
    """National parcels on a normal day (3.6 亿)."""
    stations_per_hub: int = 10
    nearest_hubs: int = 16
    stations_per_pair: int = 1
    """Stations of the destination city each OD pair's parcels are spread over."""
    pickup_hours: tuple[int, ...] = (13, 19)
    first_day: date = date(2026, 11, 1)
    peak: tuple[tuple[int, float], ...] = ((9, 1.3), (10, 2.2), (11, 1.7), (12, 1.3))
    """(day offset, demand multiplier): the Double 11 spike (10 November to 13 November)."""
    distance_scale_km: float = 300.0
    """Gravity model: pair flow ∝ origin mass × destination mass / (1 + km / scale)."""
    policy: StoragePolicy = StoragePolicy.overflow
    """Full hubs take parcels in (爆仓); with ``block`` they refuse them, and hubs that lack
    storage for the peak pass through gridlocks on the days after the 2.2× day."""


@dataclass(frozen=True)
class NationalCase:
    """The network and its normal-day OD flows, as node positions."""

    network: Network
    pair_origin: IntArray
    pair_destination: IntArray
    pair_parcels: FloatArray
    """Parcels a normal day per pair."""
    parameters: NationalParameters


@dataclass(frozen=True)
class _Site:
    id: str
    kind: NodeKind
    region: str
    longitude: float
    latitude: float


# -- network ------------------------------------------------------------------------------------


def _prefectures() -> list[Region]:
    return sorted(
        (
            region
            for region in reference_regions().values()
            if region.level is RegionLevel.prefecture
            and region.longitude is not None
            and region.latitude is not None
            and region.code[:2] not in NOT_MAINLAND
        ),
        key=lambda region: region.code,
    )


def _counties_by_prefecture() -> dict[str, list[Region]]:
    counties: dict[str, list[Region]] = {}
    for region in sorted(reference_regions().values(), key=lambda item: item.code):
        if region.level is RegionLevel.county and region.longitude is not None:
            counties.setdefault(region.prefecture_code, []).append(region)
    return counties


def _sites(prefectures: list[Region], stations_per_hub: int) -> list[_Site]:
    """Hubs first, then outlets, then stations (ten per hub)."""
    counties = _counties_by_prefecture()
    hubs = [_Site(f"H-{p.code}", NodeKind.hub, p.code, _lon(p), _lat(p)) for p in prefectures]
    outlets = [
        _Site(f"O-{p.code}", NodeKind.outlet, p.code, _lon(p) + 0.02, _lat(p) + 0.02)
        for p in prefectures
    ]
    stations: list[_Site] = []
    for prefecture in prefectures:
        places = counties.get(prefecture.code, [])
        for number in range(stations_per_hub):
            if number < len(places):
                place = places[number]
                region, lon, lat = place.code, _lon(place), _lat(place)
            else:  # fewer counties than stations: a ring around the centre
                angle = 2 * math.pi * number / stations_per_hub
                region = prefecture.code
                lon = _lon(prefecture) + 0.15 * math.cos(angle)
                lat = _lat(prefecture) + 0.15 * math.sin(angle)
            stations.append(
                _Site(f"S-{prefecture.code}-{number:02d}", NodeKind.station, region, lon, lat)
            )
    return [*hubs, *outlets, *stations]


def _lon(region: Region) -> float:
    return float(region.longitude or 0.0)


def _lat(region: Region) -> float:
    return float(region.latitude or 0.0)


def _distances(longitude: FloatArray, latitude: FloatArray) -> FloatArray:
    """Great-circle km between every pair of points (haversine, vectorised)."""
    lon, lat = np.radians(longitude), np.radians(latitude)
    d_lat = lat[:, None] - lat[None, :]
    d_lon = lon[:, None] - lon[None, :]
    a = (
        np.sin(d_lat / 2) ** 2
        + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(d_lon / 2) ** 2
    )
    result: FloatArray = 2 * 6371.0088 * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return result


@dataclass(frozen=True)
class _Link:
    origin: int
    destination: int
    mode: TransportMode
    transit_hours: float
    distance_km: float
    departures: tuple[str, ...]


def _capitals(prefectures: list[Region]) -> npt.NDArray[np.bool_]:
    """The provincial capital of each province: its prefecture with the lowest code (xx01xx)."""
    capital = np.zeros(len(prefectures), dtype=bool)
    seen: set[str] = set()
    for index, prefecture in enumerate(prefectures):  # sorted by code
        if prefecture.code[:2] not in seen:
            seen.add(prefecture.code[:2])
            capital[index] = True
    return capital


def _trunk_pairs(prefectures: list[Region], km: FloatArray, nearest: int) -> set[tuple[int, int]]:
    count = len(prefectures)
    province = [p.code[:2] for p in prefectures]
    capitals = np.flatnonzero(_capitals(prefectures)).tolist()
    pairs: set[tuple[int, int]] = set()
    for hub in range(count):
        neighbours = np.argsort(km[hub], kind="stable")[1 : nearest + 1].tolist()
        same_province = [other for other in range(count) if province[other] == province[hub]]
        for other in [*neighbours, *same_province, *capitals]:
            if other != hub:
                pairs.add((hub, other))
                pairs.add((other, hub))
    return pairs


def _links(prefectures: list[Region], sites: list[_Site], nearest: int) -> list[_Link]:
    hubs = len(prefectures)
    stations_per_hub = (len(sites) - 2 * hubs) // hubs
    longitude = np.array([site.longitude for site in sites])
    latitude = np.array([site.latitude for site in sites])
    km = _distances(longitude[:hubs], latitude[:hubs])
    links: list[_Link] = []
    for hub in range(hubs):
        outlet = hubs + hub
        links.append(_local(outlet, hub, sites, EVERY_HOUR))
        for number in range(stations_per_hub):
            station = 2 * hubs + hub * stations_per_hub + number
            links.append(_local(hub, station, sites, ("05:00", "11:00", "16:00")))
    for origin, destination in sorted(_trunk_pairs(prefectures, km, nearest)):
        distance = float(km[origin, destination])
        offset = (origin * 7 + destination * 3) % 6
        road_km = distance * ROAD_CIRCUITY
        links.append(
            _Link(
                origin,
                destination,
                TransportMode.road,
                round(road_km / TRUNK_SPEED_KMH + HANDOVER_HOURS, 1),
                round(max(road_km, 1.0), 1),
                tuple(f"{(offset + step) % 24:02d}:00" for step in (0, 6, 12, 18)),
            )
        )
    return links


def _local(origin: int, destination: int, sites: list[_Site], departures: tuple[str, ...]) -> _Link:
    start, end = sites[origin], sites[destination]
    road_km = max(
        2.0, great_circle_km(start.longitude, start.latitude, end.longitude, end.latitude)
    )
    road_km *= ROAD_CIRCUITY
    return _Link(
        origin,
        destination,
        TransportMode.road,
        round(road_km / LOCAL_SPEED_KMH + HANDOVER_HOURS, 1),
        round(road_km, 1),
        departures,
    )


def _pairs(
    prefectures: list[Region], sites: list[_Site], parameters: NationalParameters
) -> tuple[IntArray, IntArray, FloatArray]:
    """Normal-day flows from every outlet to stations of every city (gravity model)."""
    hubs = len(prefectures)
    per_hub = parameters.stations_per_hub
    longitude = np.array([site.longitude for site in sites[:hubs]])
    latitude = np.array([site.latitude for site in sites[:hubs]])
    km = _distances(longitude, latitude)
    capital = _capitals(prefectures)
    eastern = np.array([p.code[:2] in EASTERN_PROVINCES for p in prefectures])
    sending = np.where(capital, 3.0, 1.0) * np.where(eastern, 4.0, 1.0)
    receiving = np.where(capital, 2.0, 1.0) * np.where(eastern, 1.5, 1.0)
    flows = sending[:, None] * receiving[None, :] / (1.0 + km / parameters.distance_scale_km)
    flows *= parameters.daily_parcels / flows.sum()
    spread = parameters.stations_per_pair
    origin_hub = np.repeat(np.arange(hubs), hubs)
    destination_hub = np.tile(np.arange(hubs), hubs)
    origin = np.repeat(hubs + origin_hub, spread)
    first = (origin_hub + destination_hub) % per_hub
    number = (first[:, None] + np.arange(spread)[None, :]) % per_hub
    destination = (2 * hubs + destination_hub[:, None] * per_hub + number).ravel()
    parcels = np.repeat(flows.ravel() / spread, spread)
    return origin.astype(np.int64), destination.astype(np.int64), parcels


def _loads(
    routing: RoutingTable,
    links: list[_Link],
    origin: IntArray,
    destination: IntArray,
    parcels: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Normal-day parcels through every node and on every link, along the routed paths."""
    size = len(routing.node_ids)
    node_load = np.zeros(size)
    link_load = np.zeros(len(links))
    keys = np.array([link.origin * size + link.destination for link in links], dtype=np.int64)
    transit = np.array([link.transit_hours for link in links])
    # The fastest link of each node pair carries its flow (as compile_plan chooses).
    order = np.lexsort((transit, keys))
    unique_keys, first = np.unique(keys[order], return_index=True)
    chosen = order[first]
    current = origin.copy()
    active = np.ones(len(origin), dtype=bool)
    while active.any():
        np.add.at(node_load, current[active], parcels[active])
        following = routing.next_hop[current[active], destination[active]].astype(np.int64)
        if (following < 0).any():
            raise RuntimeError("a demand pair has no route")
        at = np.searchsorted(unique_keys, current[active] * size + following)
        np.add.at(link_load, chosen[at], parcels[active])
        current[active] = following
        active &= current != destination
    np.add.at(node_load, destination, parcels)
    return node_load, link_load


def build_national_case(parameters: NationalParameters | None = None) -> NationalCase:
    """The synthetic national network and its normal-day flows (deterministic)."""
    parameters = parameters or NationalParameters()
    prefectures = _prefectures()
    sites = _sites(prefectures, parameters.stations_per_hub)
    links = _links(prefectures, sites, parameters.nearest_hubs)
    origin, destination, parcels = _pairs(prefectures, sites, parameters)
    # Capacities are sized from routed flows; routing needs only the lanes' transit times.
    rounds = len(parameters.pickup_hours)
    draft = _network(
        sites, links, np.ones(len(sites)), np.zeros(len(sites)), np.ones(len(links)), rounds
    )
    node_load, link_load = _loads(derive_routing(draft), links, origin, destination, parcels)
    # Parcels on their way to a node hold room there (the engine reserves storage for them).
    inbound = np.zeros(len(sites))
    for link, load in zip(links, link_load, strict=True):
        inbound[link.destination] += load * math.ceil(link.transit_hours) / 24
    network = _network(sites, links, node_load, inbound, link_load, rounds)
    return NationalCase(network, origin, destination, parcels, parameters)


def _network(
    sites: list[_Site],
    links: list[_Link],
    node_load: FloatArray,
    inbound: FloatArray,
    link_load: FloatArray,
    rounds: int,
) -> Network:
    nodes = [
        _node(site, float(load), float(coming))
        for site, load, coming in zip(sites, node_load, inbound, strict=True)
    ]
    lanes = [
        _lane(sites, link, float(load), rounds) for link, load in zip(links, link_load, strict=True)
    ]
    return Network(
        name="national-benchmark",
        title="Synthetic national network (benchmark)",
        carriers=[Carrier(code=CARRIER, name="中通快递")],
        nodes=nodes,
        lanes=lanes,
    )


def _node(site: _Site, load: float, inbound: float) -> Node:
    """A node sized for ``load`` normal-day parcels, ``inbound`` of them on lanes towards it."""
    if site.kind is NodeKind.hub:
        per_hour = load * HUB_HEADROOM / (10 + 10 * 1.25)
        shifts = [
            Shift(
                name="day", start_hour=8, end_hour=18, sorting_capacity_per_hour=_at_least(per_hour)
            ),
            Shift(
                name="night",
                start_hour=20,
                end_hour=6,
                sorting_capacity_per_hour=_at_least(per_hour * 1.25),
            ),
        ]
        storage = _at_least(load * HUB_HEADROOM * 0.6 + inbound * 1.5, 1_000)
    elif site.kind is NodeKind.outlet:
        # Two pickup rounds a day, each sorted within its hour on a normal day.
        per_hour = load / 2 * 1.1
        shifts = [
            Shift(
                name="day", start_hour=8, end_hour=22, sorting_capacity_per_hour=_at_least(per_hour)
            )
        ]
        storage = _at_least(load * 2, 500)
    else:
        per_hour = load * STATION_HEADROOM / 12
        shifts = [
            Shift(
                name="delivery",
                start_hour=8,
                end_hour=20,
                sorting_capacity_per_hour=_at_least(per_hour),
            )
        ]
        storage = _at_least(load * 1.5 + inbound * 1.5, 500)
    peak = max(shift.sorting_capacity_per_hour for shift in shifts)
    return Node(
        id=site.id,
        name=site.id,
        kind=site.kind,
        region=site.region,
        carrier=CARRIER,
        shifts=shifts,
        storage_capacity=storage,
        staff=max(3, math.ceil(peak / 450) * len(shifts)),
        vehicles=max(1, math.ceil(load / 5_000)),
        floor_area_m2=float(max(100, round(load * 0.05))),
        automated_sorter=site.kind is NodeKind.hub,
        longitude=round(site.longitude, 5),
        latitude=round(site.latitude, 5),
        daily_volume=round(load),
    )


def _lane(sites: list[_Site], link: _Link, load: float, rounds: int) -> Lane:
    start, end = sites[link.origin], sites[link.destination]
    local = start.kind is not NodeKind.hub or end.kind is not NodeKind.hub
    headroom = LOCAL_HEADROOM if local else TRUNK_HEADROOM
    # An outlet's shuttle runs every hour, but its parcels come in the pickup rounds.
    loaded = rounds if start.kind is NodeKind.outlet else len(link.departures)
    return Lane(
        id=f"{start.id}>{end.id}",
        origin=start.id,
        destination=end.id,
        mode=link.mode,
        transit_hours=max(0.1, link.transit_hours),
        departure_times=list(link.departures),
        capacity_per_departure=_at_least(load * headroom / loaded, 500),
        distance_km=link.distance_km,
    )


def _at_least(value: float, floor: int = 1) -> int:
    return max(floor, round(value))


# -- demand and the run -------------------------------------------------------------------------


def national_scenario(parameters: NationalParameters, days: int) -> Scenario:
    """``days`` days from the first day, no warm-up or drain days, the Double 11 spike."""
    return Scenario(
        name="national-benchmark",
        first_day=parameters.first_day,
        days=days,
        drain_days=0,
        warm_up_days=0,
        storage_policy=parameters.policy,
        volume_multipliers=[
            VolumeMultiplier(first_day=parameters.first_day + timedelta(days=day), multiplier=m)
            for day, m in parameters.peak
            if day < days
        ],
    )


def national_demand(case: NationalCase, days: int) -> Demand:
    """Each pair's normal-day parcels × the day's multiplier, split over the pickup rounds."""
    parameters = case.parameters
    multiplier = np.ones(days)
    for day, value in parameters.peak:
        if day < days:
            multiplier[day] = value
    rounds = np.array(parameters.pickup_hours, dtype=np.int64)
    hours = (np.arange(days)[:, None] * 24 + rounds[None, :]).ravel()
    scale = np.repeat(multiplier, len(rounds)) / len(rounds)
    pairs = len(case.pair_origin)
    return Demand(
        origin=np.tile(case.pair_origin, len(hours)),
        destination=np.tile(case.pair_destination, len(hours)),
        hour=np.repeat(hours, pairs),
        parcels=(scale[:, None] * case.pair_parcels[None, :]).ravel(),
    )


def compile_national(
    case: NationalCase, routing: RoutingTable, days: int
) -> tuple[SimulationPlan, Demand]:
    scenario = national_scenario(case.parameters, days)
    demand = national_demand(case, days)
    capacity, accepting, factor, storage = scenario_capacities(case.network, scenario)
    plan = compile_plan(
        case.network,
        routing,
        demand,
        hours=scenario.hours,
        sorting_capacity=capacity,
        accepting=accepting,
        lane_capacity_factor=factor,
        policy=scenario.storage_policy,
        storage_capacity=storage,
    )
    return plan, demand


def _rss_mb() -> float:
    """Peak resident set size of this process so far, MB.

    Linux's ``VmHWM`` (the high-water mark of this process image); ``ru_maxrss`` would also
    count the parent's memory, since it is kept across ``exec``. Elsewhere, ``ru_maxrss``.
    """
    peak = _peak_of(os.getpid())
    return peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


ENGINES = {"compiled": simulate_compiled, "reference": simulate_reference}
"""The engines the benchmark can run: the Numba one ``simulate_plan`` uses, and the Python
reference it is checked against."""


def _warm_up(engine: str) -> float:
    """Seconds for the engine's first call on a tiny plan: for the compiled engine, loading
    its machine code from Numba's cache (or compiling it when the cache is empty)."""
    from peakguard.simulate.plan import SimulationPlan as Plan

    empty = np.zeros(0, dtype=np.int64)
    tiny = Plan(
        node_ids=("a",),
        hours=1,
        sorting_capacity=np.ones((1, 1)),
        storage_capacity=np.ones(1),
        accepting=np.ones((1, 1), dtype=bool),
        lane_origin=empty,
        lane_destination=empty,
        lane_transit_hours=empty,
        departures={},
        cohort_route=np.zeros(1, dtype=np.int64),
        route_nodes=np.zeros((1, 1), dtype=np.int64),
        route_lanes=np.full((1, 1), -1, dtype=np.int64),
        route_length=np.ones(1, dtype=np.int64),
        cohort_origin=np.zeros(1, dtype=np.int64),
        cohort_destination=np.zeros(1, dtype=np.int64),
        cohort_hour=np.zeros(1, dtype=np.int64),
        cohort_parcels=np.ones(1),
        cohort_time_limit=np.ones(1),
    )
    start = time.perf_counter()
    ENGINES[engine](tiny)
    return time.perf_counter() - start


def _one_run(case_file: Path, days: int, engine: str = "compiled") -> dict[str, Any]:
    """Load the case, then time routing, compilation and the engine; peak RSS after each."""
    rss: dict[str, float] = {"imports": _rss_mb()}
    first_call = _warm_up(engine)
    with case_file.open("rb") as handle:
        case: NationalCase = pickle.load(handle)
    rss["network loaded"] = _rss_mb()
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    routing = derive_routing(case.network)
    seconds["routing"] = time.perf_counter() - start
    rss["routing"] = _rss_mb()
    start = time.perf_counter()
    plan, demand = compile_national(case, routing, days)
    seconds["compile"] = time.perf_counter() - start
    rss["compile"] = _rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    run = ENGINES[engine](plan, trace=False)
    seconds["engine"] = time.perf_counter() - start
    seconds["engine_cpu"] = time.process_time() - cpu
    seconds["first_call"] = first_call
    rss["engine"] = _rss_mb()
    seconds["total"] = seconds["routing"] + seconds["compile"] + seconds["engine"]
    facts = _facts(case, plan, demand, run)
    if plan.policy is StoragePolicy.block:
        facts["block"] = _block_facts(plan, run)
    return {"seconds": seconds, "rss_mb": rss, "facts": facts, "engine": engine, "days": days}


GRIDLOCKS_LISTED = 30
"""Gridlocks the report lists (the longest); every named hub's storage is checked."""


def _block_facts(plan: SimulationPlan, run: SimulationRun) -> dict[str, Any]:
    """Under ``block``: deliveries per day, the gridlocks found (the longest first), and for
    every hub they name whether it truly lacks storage (see :func:`_storage_check`)."""
    days = plan.hours // 24
    per_day = run.delivered_per_hour[: days * 24].reshape(days, 24).sum(axis=1)
    gridlocks = sorted(find_gridlocks(run), key=lambda g: (-g.hours, g.start_hour))
    named = sorted({plan.node_ids.index(hub) for g in gridlocks for hub in g.hubs})
    routes = len(plan.route_length)
    sent_by_route = np.bincount(
        plan.cohort_route * days + np.minimum(plan.cohort_hour // 24, days - 1),
        plan.cohort_parcels,
        minlength=routes * days,
    ).reshape(routes, days)
    return {
        "delivered_per_day": per_day.tolist(),
        "blocked_per_day": run.blocked[:, : days * 24]
        .sum(axis=0)
        .reshape(days, 24)
        .sum(axis=1)
        .tolist(),
        "lane_block_rows": len(run.lane_blocks.lane),
        "gridlock_count": len(gridlocks),
        "gridlocks": [_gridlock_row(g) for g in gridlocks[:GRIDLOCKS_LISTED]],
        "hubs": [_storage_check(plan, run, sent_by_route, node) for node in named],
    }


def _gridlock_row(gridlock: Gridlock) -> dict[str, Any]:
    return {
        "hubs": list(gridlock.hubs),
        "start_hour": gridlock.start_hour,
        "end_hour": gridlock.end_hour,
        "to_the_end": gridlock.to_the_end,
        "knot": gridlock.knot,
        "waits": [[w.hub, w.waits_for, w.parcels] for w in gridlock.waits[:6]],
    }


def _storage_check(
    plan: SimulationPlan, run: SimulationRun, sent_by_route: FloatArray, node: int
) -> dict[str, Any]:
    """Whether a hub truly lacks storage: the parcels routed through it day by day
    (``sent_by_route`` [route, day], by the day they were taken on, so not limited by anyone's
    storage) less what it can sort that day, carried over (a day's excess is still there the
    next morning); it lacks storage when that excess passes its storage, even sorting flat
    out. Its parcels may still wait upstream, at outlets and other hubs, under ``block``."""
    days = plan.hours // 24
    through = (plan.route_nodes[:, 1:] == node).any(axis=1)
    sent = sent_by_route[through].sum(axis=0)
    capacity = np.where(plan.accepting[node], plan.sorting_capacity[node], 0.0)
    sorting = capacity[: days * 24].reshape(days, 24).sum(axis=1)
    excess, most = 0.0, 0.0
    for day in range(days):
        excess = max(0.0, excess + float(sent[day] - sorting[day]))
        most = max(most, excess)
    storage = float(plan.storage_capacity[node])
    return {
        "hub": plan.node_ids[node],
        "storage": storage,
        "sorting_per_day_max": float(sorting.max()),
        "sent_per_day_max": float(sent.max()),
        "excess_max": most,
        "lacks_storage": most > storage,
        "held_max": float(run.backlog[node].max()),
        "hours_full": int((run.backlog[node] >= storage * 0.999).sum()),
    }


def _facts(
    case: NationalCase, plan: SimulationPlan, demand: Demand, run: SimulationRun
) -> dict[str, float]:
    network = case.network
    kinds = [node.kind for node in network.nodes]
    hubs = np.array([kind is NodeKind.hub for kind in kinds])
    delivered = float(run.delivered.sum())
    accepted = float(plan.cohort_parcels.sum())
    overflow_hub_hours = int((run.overflow()[hubs] > 1e-6).sum())
    return {
        "hubs": int(hubs.sum()),
        "outlets": kinds.count(NodeKind.outlet),
        "stations": kinds.count(NodeKind.station),
        "lanes": len(network.lanes),
        "od_pairs": len(case.pair_origin),
        "cohorts": len(plan.cohort_parcels),
        "hours": plan.hours,
        "route_hops_max": int(plan.route_length.max()) - 1,
        "departures": int(sum(len(lanes) for lanes, _ in plan.departures.values())),
        "accepted": accepted,
        "delivered": delivered,
        "delivered_share": delivered / accepted if accepted else 0.0,
        "on_time_rate": float(run.delivered_on_time.sum()) / delivered if delivered else 0.0,
        "mean_delivery_hours": float(run.delivered_hours.sum()) / delivered if delivered else 0.0,
        "peak_hub_backlog": float(run.backlog[hubs].max()),
        "hub_hours_blocked": int((run.blocked[hubs] > 1e-6).sum()),
        "hub_hours_over_storage": overflow_hub_hours,
        "busy_node_hours": int((run.processed > 1e-9).sum()),
        "conservation_gap": conservation_gap(run),
        "demand_rows": len(demand.parcels),
    }


def _profile(case: NationalCase, days: int, limit: int) -> None:
    """cProfile the compile and engine phases once, printing the top functions by own time."""
    routing = derive_routing(case.network)
    for phase in ("compile", "engine"):
        profiler = cProfile.Profile()
        if phase == "compile":
            profiler.enable()
            plan, _demand = compile_national(case, routing, days)
            profiler.disable()
        else:
            profiler.enable()
            simulate_plan(plan, trace=False)
            profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(limit)
        print(f"\n## cProfile: {phase} ({days} days), top {limit} by own time\n")
        print(out.getvalue())


@contextmanager
def _case_file(parameters: NationalParameters) -> Iterator[tuple[Path, float, NationalCase]]:
    start = time.perf_counter()
    case = build_national_case(parameters)
    built = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="peakguard-bench-") as folder:
        path = Path(folder) / "case.pickle"
        with path.open("wb") as handle:
            pickle.dump(case, handle, protocol=pickle.HIGHEST_PROTOCOL)
        yield path, built, case


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


def _report(runs: list[dict[str, Any]], days: int, built: float, policy: str) -> str:
    facts = runs[0]["facts"]
    total = _median([run["seconds"]["engine"] for run in runs])
    memory = _median([run["rss_mb"]["engine"] for run in runs])
    if days == TARGET_DAYS:
        met = total < TARGET_SECONDS and memory < TARGET_MB
        verdict = (
            f"Target ({TARGET_DAYS} days under {TARGET_SECONDS:.0f} s of engine time and "
            f"{TARGET_MB / 1024:.0f} GB): {'met' if met else 'NOT met'} ({total:.1f} s, "
            f"{memory / 1024:.2f} GB); the Python engine's recorded {RECORDED_REFERENCE[0]} days: "
            f"{RECORDED_REFERENCE[1]:.0f} s engine, {RECORDED_REFERENCE[3]:,.0f} MB."
        )
    else:
        verdict = (
            f"{days} days simulated, not the target's {TARGET_DAYS}: {total:.1f} s and "
            f"{memory / 1024:.2f} GB already used."
        )
    lines = [
        f"Commit {_commit()}, {time.strftime('%Y-%m-%d %H:%M')}, storage policy {policy}.",
        f"National network: {facts['hubs']} hubs, {facts['outlets']} outlets, "
        f"{facts['stations']} stations, {facts['lanes']:,} lanes; {facts['od_pairs']:,} OD pairs, "
        f"{facts['cohorts']:,} cohorts, {days} days = {facts['hours']} hourly steps; "
        f"{facts['departures']:,} scheduled lane departures.",
        f"Network build (once, not timed against the target): {built:.1f} s.",
        "",
        "| phase | median s | min s | max s | runs |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for phase in ("routing", "compile", "first_call", "engine", "engine_cpu", "total"):
        values = [run["seconds"][phase] for run in runs]
        lines.append(
            f"| {phase} | {_median(values):.2f} | {min(values):.2f} | {max(values):.2f} "
            f"| {len(values)} |"
        )
    per_day = _median([run["seconds"]["engine"] for run in runs]) / days
    lines += [
        "",
        f"Engine per simulated day (median): {per_day:.2f} s.",
        "",
        "| peak resident memory after | median MB | max MB |",
        "| --- | ---: | ---: |",
    ]
    for stage in runs[0]["rss_mb"]:
        values = [run["rss_mb"][stage] for run in runs]
        lines.append(f"| {stage} | {_median(values):,.0f} | {max(values):,.0f} |")
    lines += [
        "",
        f"Accepted {facts['accepted']:,.0f} parcels, delivered {facts['delivered_share']:.1%} "
        f"within the run; on time {facts['on_time_rate']:.1%}; mean delivery "
        f"{facts['mean_delivery_hours']:.1f} h; peak hub backlog {facts['peak_hub_backlog']:,.0f}; "
        f"hub-hours over storage {facts['hub_hours_over_storage']:,}, blocked "
        f"{facts['hub_hours_blocked']:,}; node-hours with sorting "
        f"{facts['busy_node_hours']:,}; conservation gap {facts['conservation_gap']:.3g}.",
        "",
        verdict,
    ]
    if "block" in facts:
        lines += _block_report(facts["block"])
    return "\n".join(lines)


def _block_report(block: dict[str, Any]) -> list[str]:
    """Deliveries per day, the gridlocks and the named hubs' storage, as Markdown."""
    lines = ["", "| day | delivered | blocked |", "| ---: | ---: | ---: |"]
    for day, (done, refused) in enumerate(
        zip(block["delivered_per_day"], block["blocked_per_day"], strict=True)
    ):
        lines.append(f"| {day + 1} | {done:,.0f} | {refused:,.0f} |")
    lines += [
        "",
        f"Lane block rows (departures short for room, and lanes refused at a gate in an "
        f"hour): {block['lane_block_rows']:,}; gridlocks found: "
        f"{block['gridlock_count']:,} (the {GRIDLOCKS_LISTED} longest below).",
    ]
    if block["gridlocks"]:
        lines += ["", "| hubs | from h | to h | knot | waits (most held back) |", "| --- | ---: "
                  "| ---: | --- | --- |"]  # fmt: skip
        for row in block["gridlocks"]:
            waits = "; ".join(f"{a}→{b} {p:,.0f}" for a, b, p in row["waits"])
            end = f"{row['end_hour']}{' (end)' if row['to_the_end'] else ''}"
            lines.append(
                f"| {', '.join(row['hubs'])} | {row['start_hour']} | {end} | "
                f"{'yes' if row['knot'] else 'no'} | {waits} |"
            )
    if block["hubs"]:
        lines += [
            "",
            "| hub | storage | sorts/day (max) | sent/day (max) | excess carried (max) "
            "| lacks storage | held (max) | hours full |",
            "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
        ]
        for hub in block["hubs"]:
            lines.append(
                f"| {hub['hub']} | {hub['storage']:,.0f} | {hub['sorting_per_day_max']:,.0f} "
                f"| {hub['sent_per_day_max']:,.0f} | {hub['excess_max']:,.0f} "
                f"| {'yes' if hub['lacks_storage'] else 'no'} | {hub['held_max']:,.0f} "
                f"| {hub['hours_full']} |"
            )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--days", type=int, default=30, help="days simulated (hourly steps)")
    parser.add_argument("--repeats", type=int, default=3, help="runs, each in a fresh process")
    parser.add_argument("--stations-per-pair", type=int, default=1)
    parser.add_argument(
        "--policy", choices=[policy.value for policy in StoragePolicy], default="overflow"
    )
    parser.add_argument("--engine", choices=sorted(ENGINES), default="compiled")
    parser.add_argument(
        "--reference-days",
        type=int,
        default=0,
        help="also run the reference and the compiled engine on this many days, alternately",
    )
    parser.add_argument(
        "--memory-limit-mb",
        type=float,
        default=0.0,
        help="kill a run whose resident memory passes this (0: no limit)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile one run instead")
    parser.add_argument("--top", type=int, default=20, help="functions listed by --profile")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(_one_run(args.child, args.days, args.engine)))
        return
    parameters = NationalParameters(
        stations_per_pair=args.stations_per_pair, policy=StoragePolicy(args.policy)
    )
    with _case_file(parameters) as (path, built, case):
        if args.profile:
            _profile(case, args.days, args.top)
            return
        plan = [(args.days, args.engine)]
        if args.reference_days:
            plan += [(args.reference_days, "reference"), (args.reference_days, "compiled")]
        runs: dict[tuple[int, str], list[dict[str, Any]]] = {key: [] for key in plan}
        for repeat in range(args.repeats):
            for days, engine in plan:
                result = _run_child(path, days, engine, args.memory_limit_mb)
                if "failed" in result:
                    print(
                        f"run {repeat + 1}/{args.repeats} ({engine}, {days} days) failed: "
                        f"{result['failed']} after {result['seconds_alive']:.0f} s; peak "
                        f"resident memory seen {result['peak_mb_seen']:,.0f} MB\n"
                        f"{result['stderr']}",
                        flush=True,
                    )
                    continue
                runs[(days, engine)].append(result)
                seconds = result["seconds"]
                print(
                    f"run {repeat + 1}/{args.repeats} ({engine}, {days} days): routing "
                    f"{seconds['routing']:.2f} s, compile {seconds['compile']:.2f} s, first call "
                    f"{seconds['first_call']:.2f} s, engine {seconds['engine']:.2f} s "
                    f"(CPU {seconds['engine_cpu']:.2f} s), peak RSS "
                    f"{result['rss_mb']['engine']:,.0f} MB",
                    file=sys.stderr,
                    flush=True,
                )
        main_runs = runs[(args.days, args.engine)]
        if main_runs:
            print(_report(main_runs, args.days, built, args.policy))
        if args.reference_days:
            print(_side_by_side(runs))


def _side_by_side(runs: dict[tuple[int, str], list[dict[str, Any]]]) -> str:
    """The engines on the same days in the same run: medians, and the ratio."""
    lines = [
        "",
        "| engine | days | runs | engine s (min–max) | CPU s | peak MB | delivered |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    medians: dict[tuple[int, str], float] = {}
    for (days, engine), results in runs.items():
        if not results:
            continue
        wall = [result["seconds"]["engine"] for result in results]
        cpu = [result["seconds"]["engine_cpu"] for result in results]
        memory = [result["rss_mb"]["engine"] for result in results]
        medians[(days, engine)] = _median(cpu)
        lines.append(
            f"| {engine} | {days} | {len(results)} | {_median(wall):.2f} "
            f"({min(wall):.2f}–{max(wall):.2f}) | {_median(cpu):.2f} | {_median(memory):,.0f} "
            f"| {results[0]['facts']['delivered']:,.0f} |"
        )
    for (days, engine), cpu in medians.items():
        if engine == "reference" and (days, "compiled") in medians:
            ratio = cpu / medians[(days, "compiled")]
            lines.append(f"\nOn {days} days the reference engine takes {ratio:,.0f}× the CPU time.")
    return "\n".join(lines)


def _run_child(
    path: Path, days: int, engine: str = "compiled", limit_mb: float = 0.0
) -> dict[str, Any]:
    """One repeat in a fresh process; its peak memory is watched from here, so a run the kernel
    kills for want of memory still reports how far it got."""
    command = [
        sys.executable, __file__, "--child", str(path), "--days", str(days), "--engine", engine
    ]  # fmt: skip
    start = time.perf_counter()
    peak = 0.0
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        while child.poll() is None:
            peak = max(peak, _peak_of(child.pid))
            if limit_mb and peak > limit_mb:
                child.kill()  # over the limit: the run fails rather than crowd the machine
            time.sleep(0.2)
        out, err = child.communicate()
    if child.returncode != 0:
        reason = (
            f"killed by signal {-child.returncode} (9: most likely the kernel's OOM killer)"
            if child.returncode < 0
            else f"exit status {child.returncode}"
        )
        return {
            "failed": reason,
            "seconds_alive": time.perf_counter() - start,
            "peak_mb_seen": peak,
            "stderr": err[-2000:],
        }
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _peak_of(pid: int) -> float:
    """Another process's peak resident set size so far (VmHWM), MB; 0 if unreadable."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    main()
