"""A day's shuttles into a controlled area (盘驳运输, 物资配送; seed 004), never with a vehicle,
a driver or a station lacking its pass.

:func:`plan_shuttles` first sets aside every vehicle without a valid vehicle pass (车辆通行证)
for the area and day, every vehicle whose driver is not on the white list (人员白名单), and
every transfer station without its site permit (场地作业许可) together with the vehicles based
there — the plan lists what each one lacks. Then two vehicle-routing problems are solved with
PyVRP (:mod:`peakguard.optimize.shuttle_solver`): the **inner leg** first (the area's vehicles
from their stations to the delivery points, with capacities, the points' hours and reloads at
the station), then the **trunk leg** (swap-body trailers from the consolidation point bringing
each station what its vehicles carry out). Distances are great-circle kilometres × a road
factor; times follow from each leg's speed. What no vehicle can deliver is listed, with why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from peakguard.cases.controlled import code_prefix
from peakguard.domain.geography import great_circle_km
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.optimize.shuttle_model import (
    Leg,
    Missing,
    ShuttleParameters,
    ShuttlePlan,
    Stop,
    Trip,
    Unserved,
    Vehicle,
    VehicleRoute,
)
from peakguard.optimize.shuttle_solver import (
    LegClient,
    LegProblem,
    LegSolution,
    LegVehicle,
    solve_leg,
)
from peakguard.supply.model import Bundle, OrderDemand, Place
from peakguard.supply.passes import Pass, PassKind, missing, valid_pass, why_not


@dataclass(frozen=True)
class Parcel:
    """Sets bound for one place on one leg (a delivery point's order, or a station's load),
    cut to fit a vehicle."""

    place: Place
    sets: int
    kg_per_set: float
    opens: time
    closes: time
    orders: tuple[str, ...]


def plan_shuttles(
    *,
    region: str,
    day: date,
    point: Place,
    stations: Sequence[Place],
    vehicles: Sequence[Vehicle],
    orders: Sequence[OrderDemand],
    passes: Iterable[Pass],
    bundles: Mapping[str, Bundle] | None = None,
    parameters: ShuttleParameters | None = None,
) -> ShuttlePlan:
    """The shuttles of ``day`` for controlled area ``region`` from consolidation point
    ``point`` through ``stations`` to ``orders``' delivery points (see the module)."""
    knobs = parameters or ShuttleParameters()
    register = tuple(passes)
    outside = [o.reference for o in orders if not o.region.startswith(code_prefix(region))]
    if outside:
        raise InvalidInputError(
            _("Orders {orders} are not for area {area}.", orders=", ".join(outside), area=region),
            [Problem("orders", _("Plan each area's orders on their own."))],
        )
    absent: list[Missing] = []
    open_stations = []
    for station in stations:
        if valid_pass(register, PassKind.site, station.code, region, day) is None:
            reason = why_not(register, PassKind.site, station.code, region, day)
            absent.append(Missing(station.code, (reason,)))
        else:
            open_stations.append(station)
    usable = []
    station_codes = {station.code for station in open_stations}
    for vehicle in vehicles:
        reasons = list(missing(register, region, day, vehicle=vehicle.plate, driver=vehicle.driver))
        reasons.extend(_base_problem(vehicle, point, station_codes, {s.code for s in stations}))
        if reasons:
            absent.append(Missing(vehicle.code, tuple(reasons)))
        else:
            usable.append(vehicle)
    inner = [v for v in usable if v.leg is Leg.inner]
    trunk = [v for v in usable if v.leg is Leg.trunk]
    depots = [s for s in open_stations if any(v.base == s.code for v in inner)]
    wanted = _deliveries(orders, bundles or {})
    inner_routes, unserved = _route_leg(Leg.inner, depots, inner, wanted, day, knobs)
    loads = _station_loads(inner_routes, {s.code: s for s in depots}, knobs)
    trunk_routes, short = _route_leg(Leg.trunk, [point], trunk, loads, day, knobs)
    return ShuttlePlan(
        region=region,
        day=day,
        point=point.code,
        routes=tuple(trunk_routes + inner_routes),
        missing=tuple(absent),
        unserved=tuple(unserved + short),
        stations=tuple(s.code for s in open_stations),
    )


def _base_problem(
    vehicle: Vehicle, point: Place, open_stations: set[str], stations: set[str]
) -> list[Message]:
    if vehicle.leg is Leg.trunk and vehicle.base != point.code:
        return [
            _(
                "Trailer {code} is based at {base}, not at consolidation point {point}.",
                code=vehicle.code,
                base=vehicle.base,
                point=point.code,
            )
        ]
    if vehicle.leg is Leg.inner and vehicle.base not in stations:
        return [
            _(
                "Vehicle {code} is based at {base}, which is not a transfer station of the plan.",
                code=vehicle.code,
                base=vehicle.base,
            )
        ]
    if vehicle.leg is Leg.inner and vehicle.base not in open_stations:
        return [
            _(
                "Vehicle {code}'s station {base} has no valid site permit.",
                code=vehicle.code,
                base=vehicle.base,
            )
        ]
    return []


def _deliveries(orders: Sequence[OrderDemand], bundles: Mapping[str, Bundle]) -> list[Parcel]:
    parcels = []
    for order in orders:
        known = all(line.bundle in bundles for line in order.lines) and order.sets > 0
        weights = (
            [bundles[line.bundle].weight_kg * line.quantity for line in order.lines]
            if known
            else []
        )
        per_set = sum(weights) / order.sets if known else 0.0
        for point in order.deliveries:
            if point.quantity > 0:
                parcels.append(
                    Parcel(
                        point.place,
                        point.quantity,
                        per_set,
                        point.opens,
                        point.closes,
                        (order.reference,),
                    )
                )
    return parcels


def _station_loads(
    routes: Sequence[VehicleRoute], stations: Mapping[str, Place], knobs: ShuttleParameters
) -> list[Parcel]:
    """What each station's vehicles carry out, as the trunk leg's demand."""
    sets: dict[str, int] = {}
    kg: dict[str, float] = {}
    orders: dict[str, set[str]] = {}
    for route in routes:
        sets[route.base] = sets.get(route.base, 0) + route.sets
        kg[route.base] = kg.get(route.base, 0.0) + sum(trip.kg for trip in route.trips)
        for trip in route.trips:
            for stop in trip.stops:
                orders.setdefault(route.base, set()).update(stop.orders)
    return [
        Parcel(
            stations[code],
            count,
            kg[code] / count,
            knobs.day_start,
            knobs.day_end,
            tuple(sorted(orders[code])),
        )
        for code, count in sorted(sets.items())
        if count > 0
    ]


def _route_leg(
    leg: Leg,
    depots: Sequence[Place],
    vehicles: Sequence[Vehicle],
    parcels: Sequence[Parcel],
    day: date,
    knobs: ShuttleParameters,
) -> tuple[list[VehicleRoute], list[Unserved]]:
    """Route one leg; the parcels no usable vehicle takes come back as unserved."""
    if not parcels:
        return [], []
    if not vehicles or not depots:
        reason = (
            _("No trailer with a valid pass and driver is at the consolidation point.")
            if leg is Leg.trunk
            else _("No vehicle with a valid pass and driver is based at a permitted station.")
        )
        return [], _unserved(parcels, reason)
    start, end = _seconds(knobs.day_start), _seconds(knobs.day_end)
    shut = [p for p in parcels if max(_seconds(p.opens), start) > min(_seconds(p.closes), end)]
    closed = _unserved(
        shut,
        _(
            "Its hours fall outside the working day {start}–{end}.",
            start=knobs.day_start.isoformat("minutes"),
            end=knobs.day_end.isoformat("minutes"),
        ),
    )
    pieces = _cut([p for p in parcels if p not in shut], vehicles)
    problem = _problem(leg, depots, vehicles, pieces, knobs)
    solution = solve_leg(
        problem, iterations=knobs.iterations, seconds=knobs.seconds, seed=knobs.seed
    )
    routes = _routes(leg, vehicles, pieces, solution, day)
    left = [pieces[index] for index in solution.unserved]
    return routes, closed + _unserved(
        left,
        _(
            "No vehicle could bring it within its hours, its capacity and its trips; add a "
            "vehicle with its pass or widen the hours."
        ),
    )


def _cut(parcels: Sequence[Parcel], vehicles: Sequence[Vehicle]) -> list[Parcel]:
    """Each parcel cut into pieces the largest vehicle can carry."""
    largest = max(vehicles, key=lambda v: v.capacity_sets)
    pieces = []
    for parcel in parcels:
        size = largest.capacity_sets
        if largest.capacity_kg and parcel.kg_per_set > 0:
            size = min(size, max(1, math.floor(largest.capacity_kg / parcel.kg_per_set)))
        left = parcel.sets
        while left > 0:
            take = min(size, left)
            pieces.append(replace(parcel, sets=take))
            left -= take
    return pieces


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _problem(
    leg: Leg,
    depots: Sequence[Place],
    vehicles: Sequence[Vehicle],
    pieces: Sequence[Parcel],
    knobs: ShuttleParameters,
) -> LegProblem:
    places = [*depots, *(piece.place for piece in pieces)]
    speed = knobs.trunk_speed_kmh if leg is Leg.trunk else knobs.inner_speed_kmh
    metres = [
        [
            round(
                great_circle_km(a.longitude, a.latitude, b.longitude, b.latitude)
                * knobs.road_factor
                * 1000
            )
            for b in places
        ]
        for a in places
    ]
    seconds = [[round(m / 1000 / speed * 3600) for m in row] for row in metres]
    service = knobs.handover_minutes if leg is Leg.trunk else knobs.unload_minutes
    index = {depot.code: number for number, depot in enumerate(depots)}
    start, end = _seconds(knobs.day_start), _seconds(knobs.day_end)
    return LegProblem(
        depots=len(depots),
        clients=tuple(
            LegClient(
                sets=piece.sets,
                kg=math.ceil(piece.sets * piece.kg_per_set),
                opens=max(_seconds(piece.opens), start),
                closes=min(_seconds(piece.closes), end),
                service=service * 60,
            )
            for piece in pieces
        ),
        vehicles=tuple(
            LegVehicle(
                depot=index[vehicle.base],
                capacity_sets=vehicle.capacity_sets,
                capacity_kg=math.floor(vehicle.capacity_kg),
                max_trips=vehicle.max_trips,
                start=start,
                end=end,
            )
            for vehicle in vehicles
        ),
        distance=tuple(tuple(row) for row in metres),
        duration=tuple(tuple(row) for row in seconds),
        load_seconds=knobs.load_minutes * 60,
    )


def _routes(
    leg: Leg,
    vehicles: Sequence[Vehicle],
    pieces: Sequence[Parcel],
    solution: LegSolution,
    day: date,
) -> list[VehicleRoute]:
    midnight = datetime.combine(day, time(0, 0), CHINA_STANDARD_TIME)

    def at(seconds: int) -> datetime:
        return midnight + timedelta(seconds=seconds)

    routes = []
    for leg_route in solution.routes:
        vehicle = vehicles[leg_route.vehicle]
        trips = []
        for number, trip in enumerate(leg_route.trips, start=1):
            stops = tuple(
                Stop(
                    place=pieces[visit.client].place.code,
                    name=pieces[visit.client].place.name,
                    arrives=at(visit.arrives),
                    departs=at(visit.departs),
                    sets=pieces[visit.client].sets,
                    kg=round(pieces[visit.client].sets * pieces[visit.client].kg_per_set, 1),
                    orders=pieces[visit.client].orders,
                )
                for visit in trip.visits
            )
            trips.append(
                Trip(
                    number=number,
                    loads=at(trip.loads),
                    leaves=at(trip.leaves),
                    returns=at(trip.returns),
                    sets=sum(stop.sets for stop in stops),
                    kg=round(sum(stop.kg for stop in stops), 1),
                    distance_km=trip.distance / 1000,
                    stops=stops,
                )
            )
        routes.append(
            VehicleRoute(
                vehicle.code, vehicle.plate, vehicle.driver, leg, vehicle.base, tuple(trips)
            )
        )
    return routes


def _unserved(parcels: Iterable[Parcel], reason: Message) -> list[Unserved]:
    """Parcels added up per place and orders."""
    totals: dict[tuple[str, tuple[str, ...]], tuple[Place, int]] = {}
    for parcel in parcels:
        key = (parcel.place.code, parcel.orders)
        place, sets = totals.get(key, (parcel.place, 0))
        totals[key] = (place, sets + parcel.sets)
    return [
        Unserved(place.code, place.name, sets, orders, reason)
        for (_code, orders), (place, sets) in sorted(totals.items())
    ]
