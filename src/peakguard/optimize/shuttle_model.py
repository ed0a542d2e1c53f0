"""The data of a day's shuttles (盘驳运输, 物资配送; seed 004): the vehicles, the knobs, and the
plan :func:`peakguard.optimize.shuttles.plan_shuttles` returns.

Two legs. The **trunk leg**: swap-body trailers (甩挂车辆) based at the consolidation point carry
the goods to the government-designated transfer stations (政府指定转运站). The **inner leg**: the
controlled area's own vehicles, each based at a station, take them on to the delivery points
(named addresses of government purchases, communities and group leaders' pick-up points of group
buys), coming back to their station to reload (several trips a day).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _


class Leg(StrEnum):
    """Which part of the shuttle a vehicle drives."""

    trunk = "trunk"
    """From the consolidation point to the transfer stations (swap-body trailers)."""
    inner = "inner"
    """From a transfer station to the delivery points (the area's own vehicles)."""


@dataclass(frozen=True)
class Vehicle:
    """A vehicle of the operation: ``code`` (the carrier's fleet number), ``plate`` (as its pass
    names it), ``driver`` (a staff reference, as the white list names it), the leg it drives,
    ``base`` (the place code it starts from and reloads at: the point for a trailer, a station
    for an inner vehicle), its capacity in sets and kilograms (``capacity_kg`` 0: no weight
    limit) and how many trips a day it may make."""

    code: str
    plate: str
    driver: str
    leg: Leg
    base: str
    capacity_sets: int
    capacity_kg: float = 0.0
    max_trips: int = 4

    def __post_init__(self) -> None:
        problems = []
        if self.capacity_sets <= 0:
            problems.append(
                Problem(
                    "capacity_sets",
                    _("A vehicle must carry at least one set; give its capacity in sets."),
                )
            )
        if self.capacity_kg < 0:
            problems.append(
                Problem("capacity_kg", _("A weight limit cannot be negative (0: no limit)."))
            )
        if self.max_trips < 1:
            problems.append(Problem("max_trips", _("A vehicle makes at least one trip a day.")))
        if problems:
            raise InvalidInputError(_("Vehicle {code} is not usable.", code=self.code), problems)


@dataclass(frozen=True)
class ShuttleParameters:
    """The knobs: distances are great-circle kilometres × ``road_factor``; each leg's speed;
    minutes to unload at a delivery point, to hand over at a station, to load at a base; the
    working day; the solver's budget (iterations and seconds) and seed. Deterministic while the
    iterations, not the seconds, end the search."""

    road_factor: float = 1.3
    trunk_speed_kmh: float = 60.0
    inner_speed_kmh: float = 30.0
    unload_minutes: int = 15
    handover_minutes: int = 30
    load_minutes: int = 20
    day_start: time = time(6, 0)
    day_end: time = time(22, 0)
    iterations: int = 3000
    seconds: float = 2.0
    seed: int = 1

    def __post_init__(self) -> None:
        problems = []
        if self.road_factor < 1:
            problems.append(
                Problem("road_factor", _("A road is never shorter than the straight line (≥ 1)."))
            )
        if self.trunk_speed_kmh <= 0 or self.inner_speed_kmh <= 0:
            problems.append(Problem("speed", _("Speeds must be above 0 km/h.")))
        if self.day_end <= self.day_start:
            problems.append(Problem("day_end", _("The working day must end after it starts.")))
        if self.iterations < 1 or self.seconds <= 0:
            problems.append(Problem("iterations", _("The solver needs some iterations and time.")))
        if problems:
            raise InvalidInputError(_("The shuttle parameters are not usable."), problems)


@dataclass(frozen=True)
class Stop:
    """A visit: ``place`` (code) and its name, ``arrives``/``departs``, the sets (and kg) left
    there, and the orders they belong to."""

    place: str
    name: str
    arrives: datetime
    departs: datetime
    sets: int
    kg: float
    orders: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trip:
    """One trip from the base and back: loading starts at ``loads``, it leaves at ``leaves``,
    comes back at ``returns``, carrying ``sets`` (and ``kg``) over ``distance_km``."""

    number: int
    loads: datetime
    leaves: datetime
    returns: datetime
    sets: int
    kg: float
    distance_km: float
    stops: tuple[Stop, ...]


@dataclass(frozen=True)
class VehicleRoute:
    """A vehicle's day: its trips in order."""

    vehicle: str
    plate: str
    driver: str
    leg: Leg
    base: str
    trips: tuple[Trip, ...]

    @property
    def distance_km(self) -> float:
        return sum(trip.distance_km for trip in self.trips)

    @property
    def sets(self) -> int:
        return sum(trip.sets for trip in self.trips)


@dataclass(frozen=True)
class Missing:
    """What keeps a vehicle, its driver or a station out of the plan (``subject`` its code)."""

    subject: str
    reasons: tuple[Message, ...]


@dataclass(frozen=True)
class Unserved:
    """Sets a plan leaves undelivered: ``sets`` for ``place`` (of ``orders``) and why."""

    place: str
    name: str
    sets: int
    orders: tuple[str, ...]
    reason: Message


@dataclass(frozen=True)
class ShuttlePlan:
    """A day's shuttles for controlled area ``region``: the routes of both legs, what is
    missing (vehicles, drivers, stations without a valid pass or permit) and what stays
    unserved."""

    region: str
    day: date
    point: str
    routes: tuple[VehicleRoute, ...]
    missing: tuple[Missing, ...] = ()
    unserved: tuple[Unserved, ...] = ()
    stations: tuple[str, ...] = field(default=())

    @property
    def distance_km(self) -> float:
        return sum(route.distance_km for route in self.routes)

    def delivered_sets(self) -> int:
        """Sets the inner leg leaves at delivery points."""
        return sum(route.sets for route in self.routes if route.leg is Leg.inner)

    def unserved_sets(self) -> int:
        return sum(item.sets for item in self.unserved)
