"""Shuttle transport and distribution (盘驳运输, 物资配送; seed 004) as ``peakguard supply
shuttle``: the carrier's vehicles, planning a day's shuttles from a consolidation point through
the designated transfer stations to the orders' delivery points, and reading the plans (each
vehicle's trips with times and loads, what is missing, what stays unserved). A plan outside the
caller's reach answers 404, as one that does not exist."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import AfterValidator, Field

from peakguard.api.errors import request_language
from peakguard.api.schemas import RequestModel, ResponseModel, StoredMoment, documented
from peakguard.api.security import requires
from peakguard.app.shuttles import (
    PlanRecord,
    get_shuttle_plan,
    list_shuttle_plans,
    list_vehicles,
    plan_day_shuttles,
    register_vehicle,
)
from peakguard.formats.limits import INT64_MAX
from peakguard.identity.model import Permission, Principal
from peakguard.optimize.shuttle_model import Leg, Vehicle
from peakguard.store.database import Store
from peakguard.supply.model import DeliveryKind, DeliveryPoint, OrderDemand, OrderKind, Place

router = APIRouter(tags=["supply"])

Reader = Annotated[Principal, requires(Permission.supply_read)]
Operator = Annotated[Principal, requires(Permission.supply_operate)]
PlanId = Annotated[int, Path(ge=1, le=INT64_MAX)]
Region = Annotated[str, Field(pattern=r"^[0-9]{6}$")]
"""Six ASCII digits (a pattern's \\d would take full-width ones)."""


def _printable(text: str) -> str:
    """No control or format character (NUL, escapes, bidi marks) in a code, name or plate."""
    if any(unicodedata.category(character) in ("Cc", "Cf") for character in text):
        raise ValueError("holds a control or format character")
    return text


PRINTABLE = AfterValidator(_printable)
r"""A validator, not a pattern: the OpenAPI contract's generators cannot read ``\p{Cc}``."""
"""No control or invisible formatting characters (NUL, escapes, bidi overrides)."""
Code = Annotated[str, Field(min_length=1, max_length=40), PRINTABLE]
Carrier = Annotated[str, Field(min_length=1, max_length=64)]


class PlaceIn(RequestModel):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=200), PRINTABLE]
    region: Region
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]

    def place(self) -> Place:
        return Place(self.code, self.name, self.region, self.latitude, self.longitude)


class DeliveryIn(RequestModel):
    place: PlaceIn
    kind: DeliveryKind
    quantity: Annotated[int, Field(ge=1, le=1_000_000)]
    opens: time = time(8, 0)
    closes: time = time(20, 0)


class OrderIn(RequestModel):
    """An order's deliveries as the shuttles see them (an order of ``peakguard supply order``)."""

    reference: Code
    kind: OrderKind
    company: Annotated[str, Field(max_length=64)] = ""
    deliveries: Annotated[list[DeliveryIn], Field(min_length=1, max_length=500)]
    needed_by: datetime


class VehicleIn(RequestModel):
    code: Code
    plate: Annotated[str, Field(min_length=1, max_length=20), PRINTABLE]
    driver: Code
    leg: Leg
    base: Code
    capacity_sets: Annotated[int, Field(ge=1, le=100_000)]
    capacity_kg: Annotated[float, Field(ge=0, le=100_000)] = 0.0
    max_trips: Annotated[int, Field(ge=1, le=20)] = 4

    def vehicle(self) -> Vehicle:
        return Vehicle(
            self.code, self.plate, self.driver, self.leg, self.base, self.capacity_sets,
            self.capacity_kg, self.max_trips,
        )  # fmt: skip


class CarrierVehicleIn(VehicleIn):
    carrier: Carrier


class PlanIn(RequestModel):
    """A day's shuttles of ``carrier`` into ``region``; ``vehicles`` omitted: the registered."""

    carrier: Carrier
    region: Region
    day: Annotated[date, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31))]
    point: PlaceIn
    stations: Annotated[list[PlaceIn], Field(min_length=1, max_length=50)]
    orders: Annotated[list[OrderIn], Field(max_length=200)]
    vehicles: Annotated[list[VehicleIn], Field(max_length=200)] | None = None


class VehicleOut(ResponseModel):
    code: str
    plate: str
    driver: str
    leg: Leg
    base: str
    capacity_sets: int
    capacity_kg: float
    max_trips: int


class StopOut(ResponseModel):
    place: str
    name: str
    arrives: datetime
    departs: datetime
    sets: int
    kg: float
    orders: list[str]


class TripOut(ResponseModel):
    number: int
    loads: datetime
    leaves: datetime
    returns: datetime
    sets: int
    kg: float
    distance_km: float
    stops: list[StopOut]


class RouteOut(ResponseModel):
    vehicle: str
    plate: str
    driver: str
    leg: Leg
    base: str
    trips: list[TripOut]


class MissingOut(ResponseModel):
    subject: str
    reasons: list[str]


class UnservedOut(ResponseModel):
    place: str
    name: str
    sets: int
    orders: list[str]
    reason: str


class PlanLineOut(ResponseModel):
    id: int
    carrier: str
    region: str
    day: date
    point: str
    vehicles: int
    delivered_sets: int
    unserved_sets: int
    missing: int
    planned_by: str
    planned_at: StoredMoment


class PlanOut(PlanLineOut):
    stations: list[str]
    distance_km: float
    routes: list[RouteOut]
    missing_items: list[MissingOut]
    unserved: list[UnservedOut]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _line(record: PlanRecord) -> PlanLineOut:
    plan = record.plan
    return PlanLineOut(
        id=record.id, carrier=record.carrier, region=plan.region, day=plan.day, point=plan.point,
        vehicles=len(plan.routes), delivered_sets=plan.delivered_sets(),
        unserved_sets=plan.unserved_sets(), missing=len(plan.missing),
        planned_by=record.planned_by, planned_at=record.planned_at,
    )  # fmt: skip


def _plan(record: PlanRecord, language: str) -> PlanOut:
    plan = record.plan
    routes = [
        RouteOut(
            vehicle=r.vehicle, plate=r.plate, driver=r.driver, leg=r.leg, base=r.base,
            trips=[
                TripOut(
                    number=t.number, loads=t.loads, leaves=t.leaves, returns=t.returns,
                    sets=t.sets, kg=t.kg, distance_km=t.distance_km,
                    stops=[
                        StopOut(
                            place=s.place, name=s.name, arrives=s.arrives, departs=s.departs,
                            sets=s.sets, kg=s.kg, orders=list(s.orders),
                        )
                        for s in t.stops
                    ],
                )
                for t in r.trips
            ],
        )
        for r in plan.routes
    ]  # fmt: skip
    return PlanOut(
        **_line(record).model_dump(),
        stations=list(plan.stations),
        distance_km=round(plan.distance_km, 3),
        routes=routes,
        missing_items=[
            MissingOut(subject=m.subject, reasons=[r.render(language) for r in m.reasons])
            for m in plan.missing
        ],
        unserved=[
            UnservedOut(
                place=u.place,
                name=u.name,
                sets=u.sets,
                orders=list(u.orders),
                reason=u.reason.render(language),
            )
            for u in plan.unserved
        ],
    )


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


def order_demand(carrier: str, region: str, body: OrderIn) -> OrderDemand:
    """An order of the request as the planner takes it."""
    deliveries = tuple(
        DeliveryPoint(d.place.place(), d.kind, d.quantity, d.opens, d.closes)
        for d in body.deliveries
    )
    return OrderDemand(
        body.reference, body.kind, carrier, body.company, region, (), deliveries, body.needed_by
    )


@router.get("/supply/shuttles", response_model=list[PlanLineOut])
def list_plans(request: Request, actor: Reader) -> list[PlanLineOut]:
    """The shuttle plans within the caller's reach, the latest day first."""
    return [_line(record) for record in list_shuttle_plans(_store(request), actor)]


@router.post(
    "/supply/shuttles",
    response_model=PlanOut,
    status_code=201,
    responses=documented(403, 422),
)
def plan(request: Request, response: Response, body: PlanIn, actor: Operator) -> PlanOut:
    """Plan a day's shuttles and keep the plan. Vehicles, drivers and stations without a
    valid pass for the area and day are left out and listed under ``missing_items``."""
    saved = plan_day_shuttles(
        _store(request), actor, carrier=body.carrier, region=body.region, day=body.day,
        point=body.point.place(), stations=[s.place() for s in body.stations],
        orders=[order_demand(body.carrier, body.region, o) for o in body.orders],
        vehicles=None if body.vehicles is None else [v.vehicle() for v in body.vehicles],
    )  # fmt: skip
    response.headers["Location"] = f"/supply/shuttles/{saved.id}"
    return _plan(saved, _language(request))


@router.get("/supply/shuttles/vehicles", response_model=list[VehicleOut])
def vehicles(request: Request, actor: Reader, carrier: str) -> list[VehicleOut]:
    """A carrier's registered shuttle vehicles (empty outside your brand)."""
    found = list_vehicles(_store(request), actor, carrier=carrier)
    return [VehicleOut.model_validate(v, from_attributes=True) for v in found]


@router.post(
    "/supply/shuttles/vehicles",
    response_model=VehicleOut,
    status_code=201,
    responses=documented(403, 422),
)
def add_vehicle(request: Request, body: CarrierVehicleIn, actor: Operator) -> VehicleOut:
    """Register (or replace, by code) a shuttle vehicle of your own brand."""
    saved = register_vehicle(_store(request), actor, carrier=body.carrier, vehicle=body.vehicle())
    return VehicleOut.model_validate(saved, from_attributes=True)


@router.get("/supply/shuttles/{plan_id}", response_model=PlanOut, responses=documented(404))
def one(request: Request, plan_id: PlanId, actor: Reader) -> PlanOut:
    """A plan: each vehicle's trips with times and loads, what is missing, what is unserved."""
    return _plan(get_shuttle_plan(_store(request), actor, plan_id), _language(request))
