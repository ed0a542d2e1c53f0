"""Response bodies. Kept apart from the domain models and the tables on purpose."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class ProblemOut(BaseModel):
    location: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    problems: list[ProblemOut] = []


class ErrorOut(BaseModel):
    error: ErrorBody


class HealthOut(BaseModel):
    status: str
    version: str
    database: str


class NetworkListItem(BaseModel):
    name: str
    title: str | None
    nodes: int
    lanes: int
    source: str
    created_at: datetime


class CarrierTotals(BaseModel):
    code: str
    name: str
    name_en: str | None
    hubs: int
    outlets: int
    stations: int
    hub_daily_sorting_capacity: int
    normal_day_pickups: int


class NetworkOut(BaseModel):
    name: str
    title: str | None
    description: str
    nodes_by_kind: dict[str, int]
    lanes_by_mode: dict[str, int]
    carriers: list[CarrierTotals]
    hub_daily_sorting_capacity: int
    storage_capacity: int
    staff: int
    vehicles: int
    floor_area_m2: float
    automated_hubs: int
    normal_day_pickups: int
    home_province: str
    home_province_hub_daily_sorting_capacity: int
    routed_pairs: int
    unrouted_pairs: int


class ShiftOut(BaseModel):
    name: str
    start_hour: int
    end_hour: int
    sorting_capacity_per_hour: int


class NodeOut(BaseModel):
    id: str
    name: str
    kind: str
    region: str
    carrier: str
    shifts: list[ShiftOut]
    daily_sorting_capacity: int
    storage_capacity: int
    staff: int
    vehicles: int
    floor_area_m2: float
    automated_sorter: bool
    longitude: float
    latitude: float
    daily_volume: int


class LaneOut(BaseModel):
    id: str
    origin: str
    destination: str
    mode: str
    transit_hours: float
    departure_times: list[str]
    capacity_per_departure: int
    daily_capacity: int
    distance_km: float | None


class Page(BaseModel, Generic[T]):
    total: int
    offset: int
    limit: int
    items: list[T]


class ValidationOut(BaseModel):
    valid: bool
    name: str
    nodes: int
    lanes: int
