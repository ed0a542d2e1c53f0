"""Forecasts from a daily history (POST /forecasts) and the capacity reserve of a stored
network (POST /networks/{name}/capacity), as ``peakguard forecast`` and ``peakguard capacity``
(docs/reference/forecast-files.md). Mistakes come back as 422 with every location
(``history[3].volume``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request
from pydantic import Field, JsonValue
from starlette.concurrency import run_in_threadpool

from peakguard.api.routers.simulations import Day, SettingsSections
from peakguard.api.running import RUN_RESPONSES, request_bounds, run_bounded
from peakguard.api.schemas import RequestModel, ResponseModel, documented
from peakguard.api.security import requires
from peakguard.app.bounds import WorkBounds, check_forecast_size, check_volume_days
from peakguard.app.capacity import NodeVolumes, capacity_for, capacity_records
from peakguard.app.forecasts import (
    ForecastInputs,
    forecast_records,
    forecast_volumes,
    read_forecast_inputs,
)
from peakguard.app.networks import planning_network
from peakguard.app.settings_files import ChosenSettings, choose_settings
from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.forecast.orchestrator import MAX_HORIZON_DAYS, ForecastParameters
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.reserve.parameters import ReserveParameters
from peakguard.store.database import Store

router = APIRouter(tags=["forecasts"])


class HistoryRowIn(RequestModel):
    """A day's volume of one series, as a row of the history file."""

    day: Day
    carrier: str | None = None
    region: str | int | None = None
    """A six-digit region code (GB/T 2260)."""
    node: str | None = None
    volume: float


class AnnouncedIn(RequestModel):
    """A platform's announced plan: demand × ``multiple`` on ``day`` (within a carrier or a
    region when given)."""

    day: Day
    multiple: float
    carrier: str | None = None
    region: str | int | None = None


class ForecastSettings(RequestModel):
    """What both requests share: the horizon, announced plans and the forecaster's knobs."""

    horizon_days: Annotated[int, Field(ge=1, le=MAX_HORIZON_DAYS)] = 35
    announced: list[AnnouncedIn] = Field(default_factory=list)
    models: list[str] | None = None
    """The fallback chain; default calendar_ar1, calendar_regression, seasonal_naive."""
    reconciliation: str | None = None
    """bottom_up, ols or wls_structural (default)."""
    events: list[str] | None = None
    settings: SettingsSections | None = None
    """Algorithm parameters by section, as in a settings file ([forecast], and [reserve] for
    capacity; docs/reference/settings-files.md); the fields above win over it."""

    def chosen(self) -> ChosenSettings:
        return choose_settings(self.settings, [ForecastParameters, ReserveParameters])

    def parameters(self) -> ForecastParameters:
        return self.chosen().get(
            ForecastParameters,
            models=tuple(self.models) if self.models else None,
            reconciliation=self.reconciliation,
        )

    def announced_rows(self) -> list[dict[str, Any]]:
        return rows(self.announced)


def rows(records: list[HistoryRowIn] | list[AnnouncedIn]) -> list[dict[str, Any]]:
    """The rows as their reader takes them (fields left out stay out)."""
    return [record.model_dump(mode="json", exclude_none=True) for record in records]


class ForecastRequest(ForecastSettings):
    """Daily history rows (``day, carrier, region, node, volume``, as in the history file)."""

    history: list[HistoryRowIn]


class AnnouncedOut(ResponseModel):
    day: str
    multiple: float
    carrier: str | None
    region: str | None


class ForecastSettingsOut(ResponseModel):
    forecast: dict[str, JsonValue]
    """The [forecast] section the run used, as in a settings file."""


class ForecastSummaryOut(ResponseModel):
    origin: str
    """The last day of the history."""
    first_day: str
    last_day: str
    horizon_days: int
    reconciliation: str
    series: dict[str, int]
    """Series per level (node, city, province, national)."""
    models: dict[str, int]
    """Series per model chosen."""
    fallbacks: int
    events: list[str]
    announced: list[AnnouncedOut]
    reconciliation_note: str | None = None
    settings: ForecastSettingsOut


class SeriesKeyOut(ResponseModel):
    level: str
    carrier: str
    region: str
    node: str
    """Empty above node level."""


class SeriesOut(SeriesKeyOut):
    model: str
    failed_models: str
    """The models tried first that failed, separated by ``;``."""


class ForecastRowOut(SeriesKeyOut):
    day: str
    point: int
    lower_80: int
    upper_80: int
    lower_95: int
    upper_95: int
    model: str


class FallbackOut(SeriesKeyOut):
    failed_model: str
    reason: str


class ForecastOut(ResponseModel):
    summary: ForecastSummaryOut
    series: list[SeriesOut]
    forecasts: list[ForecastRowOut]
    fallbacks: list[FallbackOut]


@router.post("/forecasts", response_model=ForecastOut, responses=RUN_RESPONSES)
async def forecast(
    request: Request,
    body: Annotated[ForecastRequest, Body()],
    actor: Annotated[Principal, requires(Permission.forecast_run)],
) -> ForecastOut:
    """Reconciled daily forecasts with 80 % and 95 % intervals for every series of the
    hierarchy the history's rows span, the model of each series and the fallbacks taken.
    422 with every location for a bad row, or a history over the caps; 503 when every worker
    is busy; 504 past the server's time or memory limit."""
    bounds = request_bounds(request)
    inputs = await run_in_threadpool(
        read_forecast_inputs, rows(body.history), body.announced_rows()
    )
    check_forecast_size(
        (len(item.volumes) for item in inputs.series), body.horizon_days, bounds=bounds
    )
    document = await run_bounded(
        request,
        forecasted,
        inputs,
        body.horizon_days,
        body.events,
        body.parameters(),
        actor,
        bounds,
    )
    return ForecastOut.model_validate(document)


def forecasted(
    inputs: ForecastInputs,
    horizon_days: int,
    events: list[str] | None,
    parameters: ForecastParameters,
    actor: Principal,
    bounds: WorkBounds,
) -> dict[str, Any]:
    """The forecast's records, computed in the run's child process."""
    outcome = forecast_volumes(
        inputs,
        actor=actor,
        horizon_days=horizon_days,
        events=events,
        parameters=parameters,
        bounds=bounds,
    )
    return forecast_records(outcome)


class CapacityRequest(ForecastSettings):
    """Either a daily history per node (forecast first; carrier and region may be left out,
    the network knows them) or node volumes per day from ``first_day``."""

    history: list[HistoryRowIn] | None = None
    volumes: dict[str, list[float]] | None = None
    """Node → parcels per day from ``first_day``."""
    first_day: date | None = None
    bound: Literal["point", "upper_80", "upper_95"] = "upper_80"
    carry_backlog: bool = True


class ReserveParametersOut(ResponseModel):
    parcels_per_person_hour: dict[str, float]
    automated_parcels_per_person_hour: float
    vehicle_load_parcels: dict[str, float]
    trips_per_vehicle_per_day: dict[str, float]
    floor_m2_per_thousand_parcels: float
    floor_share_for_backlog: float
    lead_days: dict[str, int]
    source: str


class ReserveSettingsOut(ResponseModel):
    reserve: dict[str, JsonValue]
    """The [reserve] section the sizing used, as in a settings file."""


class CapacitySummaryOut(ResponseModel):
    network: str
    bound: str
    backlog: str
    first_day: str
    last_day: str
    nodes: int
    gaps: int
    short: dict[str, list[str]]
    """Resource → the nodes short of it."""
    parameters: ReserveParametersOut
    settings: ReserveSettingsOut


class RequirementOut(ResponseModel):
    node: str
    kind: str
    day: str
    volume: int
    backlog: int
    sorting_hours: float
    staff: int
    staff_by_shift: str
    """Staff per shift, separated by ``;``."""
    departures: int
    vehicles: int
    floor_area_m2: float
    sorting_shortfall: int


class GapOut(ResponseModel):
    node: str
    kind: str
    resource: str
    on_hand: int | float
    required: int | float
    add: int | float
    first_short_day: str
    in_place_by: str
    decide_by: str
    short_days: int
    unsorted_parcels_if_not_added: int


class CapacityOut(ResponseModel):
    summary: CapacitySummaryOut
    forecast: ForecastSummaryOut | None
    """The forecast's summary, when sized from a history."""
    requirements: list[RequirementOut]
    gaps: list[GapOut]


@router.post(
    "/networks/{name}/capacity",
    response_model=CapacityOut,
    responses=documented(404) | RUN_RESPONSES,
)
async def capacity(
    request: Request,
    name: str,
    body: Annotated[CapacityRequest, Body()],
    actor: Annotated[Principal, requires(Permission.capacity_run)],
) -> CapacityOut:
    """Requirements per node and day (staff, vehicles, sorting hours, floor area) and the gap
    report against the stored network's reserves. 422 with every location for a bad
    request or one over the caps; 404 for an unknown network; 503 when every worker is busy;
    504 past the server's time or memory limit."""
    store: Store = request.app.state.store
    bounds = request_bounds(request)
    network = await run_in_threadpool(
        planning_network, store, name, actor=actor, permission=Permission.capacity_run
    )
    volumes: NodeVolumes | None = None
    if body.volumes is not None:
        if body.first_day is None:
            raise InvalidInputError(
                _("the reserve inputs have mistakes"),
                [Problem("first_day", _("give the day of the volumes' first value"))],
            )
        check_volume_days(((node, len(days)) for node, days in body.volumes.items()), bounds=bounds)
        volumes = NodeVolumes(body.first_day, body.volumes)
    document = await run_bounded(request, sized, network, body, volumes, actor, bounds)
    return CapacityOut.model_validate(document)


def sized(
    network: Network,
    body: CapacityRequest,
    volumes: NodeVolumes | None,
    actor: Principal,
    bounds: WorkBounds,
) -> dict[str, Any]:
    """The reserves' records (the history forecast first), computed in the run's child
    process."""
    outcome = capacity_for(
        network,
        actor=actor,
        bound=body.bound,
        history=None if body.history is None else rows(body.history),
        announced=body.announced_rows(),
        volumes=volumes,
        horizon_days=body.horizon_days,
        events=body.events,
        forecast_parameters=body.parameters(),
        parameters=body.chosen().get(ReserveParameters),
        carry_backlog=body.carry_backlog,
        bounds=bounds,
    )
    return capacity_records(outcome)
