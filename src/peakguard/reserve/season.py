"""From a volume forecast to a simulated season, and to the reserves that keep it inside capacity.

:func:`forecast_scenario` turns city-level pickup forecasts (per carrier) into a scenario: for
every carrier, city and day a volume multiplier = forecast ÷ the network's normal day (the
outlets' ``daily_volume``, which the simulator calls 1); parcels entering the province from
outside (the gateways' inbound flows) follow the carrier's provincial multiplier. The storage
policy is ``overflow``, so the run records 爆仓 where a node would overflow instead of hiding it
behind blocked departures: the overflow is the cost of the gap if nothing is added.

:func:`size_reserves` then adds reserves until the simulated season fits, round by round (the
simulator, not a single-node carry-over, says where parcels pile up, because adding sorting at
one hub moves its backlog downstream):

* sorting: on each day a node receives more than it can sort, extra sorting per staffed hour =
  (arrived − capacity) ÷ staffed hours, rounded up to a step of 100 parcels/hour (a crew, a
  sorter module), for that day;
* floor space: where the node sorts each day's arrivals but its backlog still exceeds storage
  (parcels bunch within the day), the peak excess rounded up to 1,000 parcels, converted to
  floor area at ``floor_m2_per_thousand_parcels`` (sorting first, so floor space is sized on
  the run that already has the extra sorting);

and re-simulates with everything added so far, until no node overflows or ``rounds`` run out.
:func:`reserve_gaps` reads the result as a gap report: per node, what to add (sorting per hour,
crews = extra per hour ÷ productivity per person-hour × shifts, vehicles for the peak day's
volume at the node's own normal-day rate (its daily volume over the vehicles on hand), floor
area), from which day, in place by the day before, decided by that day less
the slowest resource's lead time, and the overflow it prevents.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import numpy.typing as npt

from peakguard.domain.network import Network, Node, NodeKind
from peakguard.domain.regions import province_code
from peakguard.domain.routing import derive_routing
from peakguard.forecast.history import FloatArray, SeriesKey
from peakguard.optimize.shortfall_reserves import (
    SORTING_STEP,
    STORAGE_STEP,
    Reserve,
    with_reserves,
)
from peakguard.reserve.parameters import ReserveParameters
from peakguard.reserve.requirements import node_requirement
from peakguard.simulate.demand import build_demand, home_province
from peakguard.simulate.plan import StoragePolicy
from peakguard.simulate.run import SimulationResult, simulate
from peakguard.simulate.scenario import Scenario, VolumeMultiplier


@dataclass(frozen=True)
class DailyForecast:
    """One carrier's forecast pickups in one city (region code ``xxxx00``) from ``first_day``."""

    carrier: str
    city: str
    first_day: date
    volumes: FloatArray

    def on(self, day: date) -> float | None:
        offset = (day - self.first_day).days
        return float(self.volumes[offset]) if 0 <= offset < len(self.volumes) else None


def forecasts_by_city(
    series: Mapping[SeriesKey, tuple[date, Sequence[float] | FloatArray]],
) -> list[DailyForecast]:
    """City-level series (``SeriesKey.region`` = the city's code) as :class:`DailyForecast`."""
    return [
        DailyForecast(key.carrier, key.region, first, np.asarray(values, dtype=float))
        for key, (first, values) in sorted(series.items())
    ]


def forecast_scenario(
    network: Network,
    base: Scenario,
    forecasts: Sequence[DailyForecast],
    normal_day: Mapping[tuple[str, str], float],
    *,
    name: str,
) -> Scenario:
    """``base`` (its days, warm-up and drain, demand settings) with the forecast as its volume
    multipliers and the ``overflow`` policy; closures and capacity changes are dropped (reserves
    are sized for the volume, incidents are the reroute's business)."""
    home = home_province(network)
    gateway_provinces = sorted(
        {
            province_code(node.region)[:2]
            for node in network.nodes
            if node.kind is NodeKind.hub and province_code(node.region) != home
        }
    )
    rules: list[VolumeMultiplier] = []
    first = base.start.date()
    days = [first + timedelta(days=offset) for offset in range(base.warm_up_days + base.days)]
    provincial: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
    for forecast in forecasts:
        normal = normal_day.get((forecast.carrier, forecast.city), 0.0)
        if normal <= 0:
            continue
        for day in days:
            volume = forecast.on(day)
            if volume is None:
                continue
            rules.append(
                VolumeMultiplier(
                    first_day=day,
                    multiplier=volume / normal,
                    carrier=forecast.carrier,
                    origin_region=forecast.city[:4],
                )
            )
            totals = provincial[forecast.carrier][day]
            if not totals:
                totals.extend([0.0, 0.0])
            totals[0] += volume
            totals[1] += normal
    for carrier, by_day in sorted(provincial.items()):
        for day, (volume, normal) in sorted(by_day.items()):
            rules += [
                VolumeMultiplier(
                    first_day=day,
                    multiplier=volume / normal,
                    carrier=carrier,
                    origin_region=prefix,
                )
                for prefix in gateway_provinces
            ]
    return base.model_copy(
        update={
            "name": name,
            "volume_multipliers": rules,
            "storage_policy": StoragePolicy.overflow,
            "closures": [],
            "capacity_changes": [],
        }
    )


BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ReserveSizing:
    """The season without reserves, the reserves added, and the season with them."""

    scenario: Scenario
    without: SimulationResult
    reserves: tuple[Reserve, ...]
    with_reserves: SimulationResult
    rounds: int

    def overflowing(self, result: SimulationResult, kind: NodeKind | None = None) -> list[str]:
        """Nodes whose backlog exceeds storage in some hour after the warm-up."""
        mask = _overflowing(result)
        return [
            node.id
            for node, over in zip(result.network.nodes, mask, strict=True)
            if over and (kind is None or node.kind is kind)
        ]


def _overflow(result: SimulationResult) -> FloatArray:
    run = result.run
    start = result.scenario.warm_up_hours
    storage = run.plan.storage_capacity[:, None]
    return np.asarray(np.maximum(run.backlog[:, start:] - storage, 0.0), dtype=float)


def _overflowing(result: SimulationResult) -> BoolArray:
    return np.asarray((_overflow(result) > 0.5).any(axis=1))


def _day_windows(scenario: Scenario) -> list[tuple[int, datetime]]:
    """(first hour, midnight) of every day after the warm-up, drain days included."""
    first = scenario.warm_up_days
    total = scenario.warm_up_days + scenario.days + scenario.drain_days
    return [
        (day * 24, datetime.combine(scenario.start.date() + timedelta(days=day), time()))
        for day in range(first, total)
    ]


def _round_up(value: float, step: int) -> int:
    return int(math.ceil(value / step - 1e-9) * step)


def _more_reserves(
    result: SimulationResult,
    sorting: dict[tuple[str, datetime], int],
    storage: dict[str, int],
    storage_from: dict[str, datetime],
) -> bool:
    """Grow ``sorting`` (node, day → extra per hour) and ``storage`` (node → extra parcels)
    where the run is short; True when anything was added."""
    run = result.run
    added = False
    overflow_matrix = _overflow(result)
    over = (overflow_matrix > 0.5).any(axis=1)
    for position in np.flatnonzero(over):
        node = result.network.nodes[int(position)]
        sorted_more = False
        for start, midnight in _day_windows(result.scenario):
            hours = slice(start, start + 24)
            capacity = run.capacity[position, hours]
            staffed = int((capacity > 0).sum())
            short = float(run.arrived[position, hours].sum() - capacity.sum())
            if staffed and short > 0.5:
                extra = _round_up(short / staffed, SORTING_STEP)
                key = (node.id, midnight)
                sorting[key] = sorting.get(key, 0) + extra
                added = sorted_more = True
        if sorted_more:
            continue  # floor space only once the node sorts what it receives each day
        overflow = overflow_matrix[position]
        excess = float(overflow.max())
        if excess > 0.5:
            storage[node.id] = storage.get(node.id, 0) + _round_up(excess, STORAGE_STEP)
            first_hour = int(np.argmax(overflow > 0.5)) + result.scenario.warm_up_hours
            first = datetime.combine(result.scenario.moment(first_hour).date(), time())
            storage_from[node.id] = min(storage_from.get(node.id, first), first)
            added = True
    return added


def _as_reserves(
    sorting: Mapping[tuple[str, datetime], int],
    storage: Mapping[str, int],
    storage_from: Mapping[str, datetime],
    scenario: Scenario,
) -> tuple[Reserve, ...]:
    days = _day_windows(scenario)
    end = datetime.combine(days[-1][1].date() + timedelta(days=1), time()) if days else None
    reserves = [
        Reserve(node, midnight, midnight + timedelta(days=1), extra, 0)
        for (node, midnight), extra in sorting.items()
    ]
    for node, extra in storage.items():
        start = storage_from[node]
        reserves.append(Reserve(node, start, end or start, 0, extra))
    return tuple(sorted(reserves, key=lambda item: (item.node, item.start, item.extra_storage)))


def size_reserves(network: Network, scenario: Scenario, *, rounds: int = 6) -> ReserveSizing:
    """Simulate ``scenario`` and add sorting and floor space where it overflows, re-simulating
    with everything added so far, until nothing overflows or ``rounds`` reserves were added.
    The reserves change capacities only: the routing and the demand are made once."""
    routing = derive_routing(network)
    demand = build_demand(network, scenario)
    without = simulate(network, scenario, demand=demand, routing=routing)
    sorting: dict[tuple[str, datetime], int] = {}
    storage: dict[str, int] = {}
    storage_from: dict[str, datetime] = {}
    current = without
    used = 0
    while used < rounds and _more_reserves(current, sorting, storage, storage_from):
        used += 1
        reserves = _as_reserves(sorting, storage, storage_from, scenario)
        # A round's run is read only for its reserves: let it go before the next is made.
        del current
        current = simulate(
            network, with_reserves(scenario, list(reserves)), demand=demand, routing=routing
        )
    reserves = _as_reserves(sorting, storage, storage_from, scenario)
    return ReserveSizing(scenario, without, reserves, current, used)


@dataclass(frozen=True)
class NodeReserveGap:
    """What one node must add for the forecast season, and what not adding it costs."""

    node: str
    kind: str
    carrier: str
    region: str
    extra_sorting_per_hour: int
    """The largest extra sorting per staffed hour over the season's days."""
    sorting_days: int
    crews: int
    """People to add: extra per hour ÷ productivity per person-hour, per shift."""
    vehicles: int
    """Vehicles beyond those on hand for the peak day's departures."""
    extra_storage: int
    floor_area_m2: float
    first_day: date
    in_place_by: date
    decide_by: date
    overflow_without: float
    """The largest overflow (parcels beyond storage) in the season with nothing added."""
    overflow_hours_without: int
    overflow_with: float


def _lead_days(
    gap_sorting: bool, gap_storage: bool, crews: int, vehicles: int, parameters: ReserveParameters
) -> int:
    leads = [parameters.sorting_lead_days] if gap_sorting else []
    if gap_storage:
        leads.append(parameters.floor_area_lead_days)
    if crews:
        leads.append(parameters.staff_lead_days)
    if vehicles:
        leads.append(parameters.vehicle_lead_days)
    return max(leads, default=0)


def _vehicles_needed(node: Node, volume: float, parameters: ReserveParameters) -> int:
    """Vehicles for ``volume`` parcels a day: at the node's own rate (its normal-day volume
    over the vehicles on hand) when it has one, at the default load and trips otherwise."""
    if node.daily_volume > 0 and node.vehicles > 0:
        return math.ceil(volume / (node.daily_volume / node.vehicles) - 1e-9)
    return node_requirement(node, date.min, volume, 0.0, parameters).vehicles


def _crews(node: Node, extra_per_hour: int, parameters: ReserveParameters) -> int:
    if extra_per_hour <= 0:
        return 0
    per_shift = math.ceil(extra_per_hour / parameters.productivity(node) - 1e-9)
    return per_shift * max(len(node.shifts), 1)


def reserve_gaps(
    sizing: ReserveSizing, parameters: ReserveParameters | None = None
) -> tuple[NodeReserveGap, ...]:
    """The gap report of a sizing: one row per node that needs anything, earliest decision
    first, then the largest overflow prevented."""
    parameters = parameters or ReserveParameters()
    network = sizing.without.network
    nodes = network.node_index()
    position = {node.id: index for index, node in enumerate(network.nodes)}
    overflow_without = _overflow(sizing.without)
    overflow_with = _overflow(sizing.with_reserves)
    after = sizing.with_reserves.run
    warm = sizing.scenario.warm_up_hours
    by_node: dict[str, list[Reserve]] = defaultdict(list)
    for reserve in sizing.reserves:
        by_node[reserve.node].append(reserve)
    gaps = []
    for node_id, reserves in by_node.items():
        node = nodes[node_id]
        index = position[node_id]
        sorting = [item for item in reserves if item.extra_sorting_per_hour > 0]
        extra_per_hour = max((item.extra_sorting_per_hour for item in sorting), default=0)
        extra_storage = sum(item.extra_storage for item in reserves)
        first_day = min(item.start for item in reserves).date()
        processed = after.processed[index, warm:]
        days = len(processed) // 24
        peak_day = float(processed[: days * 24].reshape(days, 24).sum(axis=1).max()) if days else 0
        vehicles = max(_vehicles_needed(node, peak_day, parameters) - node.vehicles, 0)
        crews = _crews(node, extra_per_hour, parameters)
        lead = _lead_days(bool(sorting), extra_storage > 0, crews, vehicles, parameters)
        in_place_by = first_day - timedelta(days=1)
        gaps.append(
            NodeReserveGap(
                node=node_id,
                kind=node.kind.value,
                carrier=node.carrier,
                region=node.region,
                extra_sorting_per_hour=extra_per_hour,
                sorting_days=len(sorting),
                crews=crews,
                vehicles=vehicles,
                extra_storage=extra_storage,
                floor_area_m2=extra_storage / 1000.0 * parameters.floor_m2_per_thousand_parcels,
                first_day=first_day,
                in_place_by=in_place_by,
                decide_by=in_place_by - timedelta(days=lead),
                overflow_without=float(overflow_without[index].max()),
                overflow_hours_without=int((overflow_without[index] > 0.5).sum()),
                overflow_with=float(overflow_with[index].max()),
            )
        )
    return tuple(sorted(gaps, key=lambda gap: (gap.decide_by, -gap.overflow_without, gap.node)))
