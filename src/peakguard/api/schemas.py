"""Request and response bodies. Kept apart from the domain models and the tables on purpose.

Conventions every router follows (the contract test holds them):

- a response model inherits :class:`ResponseModel`, a request body :class:`RequestModel`
  (unknown fields refused); both refuse infinite and not-a-number floats, so ``Infinity`` in
  a request is a located 422 and a number the schema promises is never served as ``null``;
- every list in a request model has a ``max_length`` (and strings one where the domain has a
  bound): FastAPI reports every wrong item of an unbounded list, and a million of them took
  150 s and 2 GB to answer, where a bounded list is refused at once;
- a route lists the error statuses of its own making in ``responses=documented(404, 409)``;
  the statuses every route shares (401/403 from its declared permission, 413 for a body over
  the limit, 422 for a request that does not validate) are added by the application
  (:func:`peakguard.api.contract.document_shared_statuses`), and every error is an
  :class:`ErrorOut`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict

T = TypeVar("T")


def _in_utc(moment: datetime) -> datetime:
    """A stored moment in UTC: peakguard writes UTC, and SQLite gives it back without its
    zone (PostgreSQL gives it in the session's zone)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


StoredMoment = Annotated[datetime, AfterValidator(_in_utc)]
"""A moment read from the database, served with its zone (``…Z``) on every engine."""


class ResponseModel(BaseModel):
    """Base of the response bodies: every number finite."""

    model_config = ConfigDict(allow_inf_nan=False)


class RequestModel(BaseModel):
    """Base of the request bodies: every number finite, no field the API does not know."""

    model_config = ConfigDict(allow_inf_nan=False, extra="forbid")


class ProblemOut(ResponseModel):
    location: str
    """Where: ``events[3].time``, ``body.lanes[12].capacity``, ``request``."""
    message: str


class ErrorBody(ResponseModel):
    code: str
    """``invalid_input``, ``not_found``, ``conflict``, ``payload_too_large``, ``forbidden``,
    ``unauthenticated``, ``storage_unavailable``, …"""
    message: str
    problems: list[ProblemOut] = []
    """The first hundred problems at most."""
    total: int = 0
    """How many problems there are in all (more than listed when a long list was cut)."""


class ErrorOut(ResponseModel):
    """The body of every error response."""

    error: ErrorBody


ERROR_STATUSES: dict[int, str] = {
    400: "The request cannot be read.",
    401: "No valid credentials: log in, or send a valid API token.",
    403: "The caller may not do this, or not to this record (or a cookie session sent no "
    "valid CSRF token).",
    404: "A named record does not exist (or the caller may not see it).",
    405: "The route does not take this method.",
    409: "The request conflicts with what is stored.",
    413: "The request body is over the route's limit: too many bytes, or too many values.",
    422: "The request has mistakes; each problem is located.",
    503: "The database cannot be reached, or every worker for long operations is busy "
    "(then with Retry-After).",
    504: "The operation passed the time or memory the server gives one request and was "
    "stopped: ask for less, or run it from the command line.",
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=``: each error status with the :class:`ErrorOut` body."""
    return {
        status: {"model": ErrorOut, "description": ERROR_STATUSES[status]} for status in statuses
    }


class HealthOut(ResponseModel):
    status: str
    version: str
    database: str


class NetworkListItem(ResponseModel):
    name: str
    title: str | None
    nodes: int
    lanes: int
    source: str
    created_at: StoredMoment


class CarrierTotals(ResponseModel):
    code: str
    name: str
    name_en: str | None
    hubs: int
    outlets: int
    stations: int
    hub_daily_sorting_capacity: int
    normal_day_pickups: int


class NetworkOut(ResponseModel):
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


class ShiftOut(ResponseModel):
    name: str
    start_hour: int
    end_hour: int
    sorting_capacity_per_hour: int


class NodeOut(ResponseModel):
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


class LaneOut(ResponseModel):
    id: str
    origin: str
    destination: str
    mode: str
    transit_hours: float
    departure_times: list[str]
    capacity_per_departure: int
    daily_capacity: int
    distance_km: float | None


class Page(ResponseModel, Generic[T]):
    total: int
    offset: int
    limit: int
    items: list[T]


class ValidationOut(ResponseModel):
    valid: bool
    name: str
    nodes: int
    lanes: int
