"""Consolidation points (汇集点, seed 004), as ``peakguard supply point``: registering and
changing a point (its resources and task rates), scheduling orders through it, and reading a
point with its schedules.

A point outside the caller's reach answers 404, as one that does not exist. A change names the
version it was decided on (``expected_version``): when someone changed the point since, it is
refused with 409 and nothing is written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import AwareDatetime, Field

from peakguard.api.errors import request_language
from peakguard.api.schemas import RequestModel, ResponseModel, StoredMoment, documented
from peakguard.api.security import requires
from peakguard.app.consolidation import (
    PointDraft,
    get_point,
    get_schedule,
    list_points,
    register_point,
    schedule_orders,
    update_point,
)
from peakguard.app.consolidation_views import PointView, ScheduleView
from peakguard.i18n import render
from peakguard.identity.model import Permission, Principal
from peakguard.store.consolidation import PointRecord, rates_document, resources_document
from peakguard.store.database import Store
from peakguard.supply.consolidation import PointRates, PointResources, Task
from peakguard.supply.consolidation_schedule import GoodsArrival, PointOrder

router = APIRouter(tags=["consolidation points"])

Reader = Annotated[Principal, requires(Permission.supply_read)]
Operator = Annotated[Principal, requires(Permission.supply_operate)]
Code = Annotated[str, Path(max_length=40)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]
Figure = Annotated[float, Field(gt=0, le=100_000)]
Region = Annotated[str, Field(pattern=r"^[1-8][0-9]{5}$")]


class ResourcesIn(RequestModel):
    """What the point has (see docs/reference/consolidation-points.md)."""

    floor_area_m2: Annotated[float, Field(gt=0, le=10_000_000)]
    staff_per_shift: Annotated[int, Field(ge=1, le=10_000)]
    shifts_per_day: Annotated[int, Field(ge=1, le=3)] = 2
    shift_hours: Annotated[int, Field(ge=1, le=12)] = 8
    first_shift_starts: Annotated[int, Field(ge=0, le=23)] = 6
    forklifts: Count = 0
    pallets: Count = 0
    racks: Count = 0
    trailers: Count = 0
    handling_equipment: Count = 0
    warehouse_system: bool = False

    def core(self) -> PointResources:
        return PointResources(**self.model_dump())


class RatesIn(RequestModel):
    """Sets per staff-hour of each task and the equipment's figures; what is left out keeps
    its default."""

    tasks: dict[Task, Figure] = Field(default_factory=dict)
    no_system_factor: Annotated[float, Field(gt=0, le=1)] | None = None
    forklift_sets_per_hour: Figure | None = None
    trailer_sets: Annotated[int, Field(ge=1, le=100_000)] | None = None
    trailer_round_trip_hours: Figure | None = None
    sets_per_pallet: Annotated[int, Field(ge=1, le=100_000)] | None = None
    pallet_hours: Figure | None = None
    sets_per_rack_position: Annotated[int, Field(ge=1, le=100_000)] | None = None
    rack_hours: Figure | None = None
    staging_m2_per_set: Figure | None = None
    staging_hours: Figure | None = None

    def core(self) -> PointRates:
        defaults = PointRates()
        values: dict[str, Any] = {
            key: value for key, value in self.model_dump().items() if value is not None
        }
        values["tasks"] = {**defaults.tasks, **self.tasks}
        return PointRates(**values)


class PointIn(RequestModel):
    code: Annotated[str, Field(min_length=1, max_length=40)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    carrier: Annotated[str, Field(min_length=1, max_length=64)]
    region: Region
    serves_region: Region | None = None
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]
    resources: ResourcesIn
    rates: RatesIn = Field(default_factory=RatesIn)


class PointChangeIn(RequestModel):
    """What to change; what is left out stays."""

    expected_version: Annotated[int, Field(ge=1)]
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    serves_region: Region | None = None
    resources: ResourcesIn | None = None
    rates: RatesIn | None = None


class ArrivalIn(RequestModel):
    source: Annotated[str, Field(min_length=1, max_length=64)]
    sets: Annotated[int, Field(ge=1, le=10_000_000)]
    at: AwareDatetime


class OrderIn(RequestModel):
    reference: Annotated[str, Field(min_length=1, max_length=64)]
    arrivals: Annotated[list[ArrivalIn], Field(min_length=1, max_length=50)]
    needed_by: AwareDatetime | None = None


class ScheduleIn(RequestModel):
    """The orders routed through the point, with their goods' arrivals."""

    start: AwareDatetime
    orders: Annotated[list[OrderIn], Field(max_length=500)]
    days: Annotated[int, Field(ge=1, le=31)] = 3
    staffing: dict[Task, Annotated[float, Field(ge=0, le=10_000)]] | None = None


class TaskOut(ResponseModel):
    task: str
    label: str
    rate: float
    staff: float
    staff_sets_per_hour: float
    ceiling: str | None
    ceiling_sets_per_hour: float | None
    sets_per_hour: int
    load: int
    hours_needed: float | None


class ShipmentOut(ResponseModel):
    reference: str
    sets: int
    goods_in_at: datetime
    shipped_at: datetime | None
    needed_by: datetime | None
    late: bool


class DayOut(ResponseModel):
    day: date
    arriving: int
    shipped: int
    left: int
    capacity: int
    staff_needed: int
    staff_shortfall: int
    equipment_limit: str | None


class ScheduleOut(ResponseModel):
    id: int
    point: str
    point_version: int
    start: StoredMoment
    made_by: str
    made_at: StoredMoment
    line_rate: int
    bottleneck: str
    bottleneck_label: str
    bottleneck_reason: str
    tasks: list[TaskOut]
    shipments: list[ShipmentOut]
    days: list[DayOut]
    unshipped: int


class PointOut(ResponseModel):
    code: str
    name: str
    carrier: str
    region: str
    serves_region: str | None
    latitude: float
    longitude: float
    resources: dict[str, Any]
    rates: dict[str, Any]
    version: int
    updated_by: str
    updated_at: StoredMoment


class PointDetailOut(PointOut):
    may_operate: bool
    schedules: list[ScheduleOut]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


def _point_fields(point: PointRecord) -> dict[str, Any]:
    return {
        "code": point.code,
        "name": point.name,
        "carrier": point.carrier,
        "region": point.region,
        "serves_region": point.serves_region,
        "latitude": point.latitude,
        "longitude": point.longitude,
        "resources": resources_document(point.resources),
        "rates": rates_document(point.rates),
        "version": point.version,
        "updated_by": point.updated_by,
        "updated_at": point.updated_at,
    }


def schedule_out(view: ScheduleView, language: str) -> ScheduleOut:
    return ScheduleOut(
        id=view.id,
        point=view.point,
        point_version=view.point_version,
        start=view.start,
        made_by=view.made_by,
        made_at=view.made_at,
        line_rate=view.line_rate,
        bottleneck=view.bottleneck,
        bottleneck_label=render(view.bottleneck_label, language),
        bottleneck_reason=render(view.bottleneck_reason, language),
        tasks=[
            TaskOut(
                task=row.task.value,
                label=render(row.label, language),
                rate=row.rate,
                staff=row.staff,
                staff_sets_per_hour=row.staff_sets_per_hour,
                ceiling=row.ceiling,
                ceiling_sets_per_hour=row.ceiling_sets_per_hour,
                sets_per_hour=row.hourly,
                load=row.load,
                hours_needed=row.hours_needed,
            )
            for row in view.tasks
        ],
        shipments=[ShipmentOut(**vars(row)) for row in view.shipments],
        days=[
            DayOut(**{k: v for k, v in vars(row).items() if k != "equipment_label"})
            for row in view.days
        ],
        unshipped=view.unshipped,
    )


def _detail(request: Request, response: Response, view: PointView) -> PointDetailOut:
    language = _language(request)
    response.headers["ETag"] = f'"{view.point.version}"'
    return PointDetailOut(
        **_point_fields(view.point),
        may_operate=view.may_operate,
        schedules=[schedule_out(item, language) for item in view.schedules],
    )


@router.get("/supply/points", response_model=list[PointOut])
def list_consolidation_points(request: Request, actor: Reader) -> list[PointOut]:
    """The consolidation points within the caller's reach, by code."""
    return [PointOut(**_point_fields(point)) for point in list_points(_store(request), actor)]


@router.post(
    "/supply/points",
    response_model=PointDetailOut,
    status_code=201,
    responses=documented(403, 422),
)
def register(
    request: Request, response: Response, body: PointIn, actor: Operator
) -> PointDetailOut:
    """Register a consolidation point of the caller's brand with its resources and rates."""
    draft = PointDraft(
        code=body.code, name=body.name, carrier=body.carrier, region=body.region,
        latitude=body.latitude, longitude=body.longitude, resources=body.resources.core(),
        rates=body.rates.core(), serves_region=body.serves_region,
    )  # fmt: skip
    view = register_point(_store(request), actor, draft)
    response.headers["Location"] = f"/supply/points/{view.point.code}"
    return _detail(request, response, view)


@router.get(
    "/supply/points/{point_code}", response_model=PointDetailOut, responses=documented(403, 404)
)
def read_point(
    request: Request, response: Response, point_code: Code, actor: Reader
) -> PointDetailOut:
    """The point with its resources, rates and latest schedules."""
    return _detail(request, response, get_point(_store(request), actor, point_code))


@router.patch(
    "/supply/points/{point_code}",
    response_model=PointDetailOut,
    responses=documented(403, 404, 409, 422),
)
def change_point(
    request: Request,
    response: Response,
    point_code: Code,
    body: PointChangeIn,
    actor: Operator,
) -> PointDetailOut:
    """Change the point's name, served area, resources or rates; 409 on a stale version."""
    view = update_point(
        _store(request), actor, point_code, expected_version=body.expected_version, name=body.name,
        serves_region=body.serves_region,
        resources=None if body.resources is None else body.resources.core(),
        rates=None if body.rates is None else body.rates.core(),
    )  # fmt: skip
    return _detail(request, response, view)


@router.post(
    "/supply/points/{point_code}/schedules",
    response_model=ScheduleOut,
    status_code=201,
    responses=documented(403, 404, 422),
)
def schedule(
    request: Request, response: Response, point_code: Code, body: ScheduleIn, actor: Operator
) -> ScheduleOut:
    """Schedule the orders through the point: when each ships, the bottleneck, the plan."""
    orders = [
        PointOrder(
            order.reference,
            tuple(GoodsArrival(item.source, item.sets, item.at) for item in order.arrivals),
            order.needed_by,
        )
        for order in body.orders
    ]
    view = schedule_orders(
        _store(request), actor, point_code, orders, start=body.start, days=body.days,
        staffing=body.staffing,
    )  # fmt: skip
    response.headers["Location"] = f"/supply/points/{point_code}/schedules/{view.id}"
    return schedule_out(view, _language(request))


@router.get(
    "/supply/points/{point_code}/schedules/{schedule_id}",
    response_model=ScheduleOut,
    responses=documented(403, 404),
)
def read_schedule(
    request: Request,
    point_code: Code,
    schedule_id: Annotated[int, Path(ge=1, le=2**62)],
    actor: Reader,
) -> ScheduleOut:
    """One schedule made through the point, as it was computed."""
    return schedule_out(
        get_schedule(_store(request), actor, point_code, schedule_id), _language(request)
    )
