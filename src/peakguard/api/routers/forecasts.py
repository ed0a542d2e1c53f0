"""Forecasts from a daily history (POST /forecasts) and the capacity reserve of a stored
network (POST /networks/{name}/capacity), as ``peakguard forecast`` and ``peakguard capacity``
(docs/reference/forecast-files.md). Mistakes come back as 422 with every location
(``history[3].volume``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from peakguard.api.running import request_bounds, run_bounded
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


class ForecastSettings(BaseModel):
    """What both requests share: the horizon, announced plans and the forecaster's knobs."""

    model_config = ConfigDict(extra="forbid")

    horizon_days: Annotated[int, Field(ge=1, le=MAX_HORIZON_DAYS)] = 35
    announced: list[dict[str, Any]] = Field(default_factory=list)
    models: list[str] | None = None
    """The fallback chain; default calendar_ar1, calendar_regression, seasonal_naive."""
    reconciliation: str | None = None
    """bottom_up, ols or wls_structural (default)."""
    events: list[str] | None = None
    settings: dict[str, Any] | None = None
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


class ForecastRequest(ForecastSettings):
    """Daily history rows (``day, carrier, region, node, volume``, as in the history file)."""

    history: list[dict[str, Any]]


class ForecastOut(BaseModel):
    summary: dict[str, Any]
    series: list[dict[str, Any]]
    forecasts: list[dict[str, Any]]
    fallbacks: list[dict[str, Any]]


@router.post("/forecasts", response_model=ForecastOut)
async def forecast(
    request: Request,
    body: Annotated[ForecastRequest, Body()],
    actor: Annotated[Principal, requires(Permission.forecast_run)],
) -> ForecastOut:
    """Reconciled daily forecasts with 80 % and 95 % intervals for every series of the
    hierarchy the history's rows span, the model of each series and the fallbacks taken."""
    bounds = request_bounds(request)
    inputs = await run_in_threadpool(read_forecast_inputs, body.history, body.announced)
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
    return ForecastOut(**document)


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

    history: list[dict[str, Any]] | None = None
    volumes: dict[str, list[float]] | None = None
    first_day: date | None = None
    bound: str = "upper_80"
    carry_backlog: bool = True


class CapacityOut(BaseModel):
    summary: dict[str, Any]
    forecast: dict[str, Any] | None
    requirements: list[dict[str, Any]]
    gaps: list[dict[str, Any]]


@router.post("/networks/{name}/capacity", response_model=CapacityOut)
async def capacity(
    request: Request,
    name: str,
    body: Annotated[CapacityRequest, Body()],
    actor: Annotated[Principal, requires(Permission.capacity_run)],
) -> CapacityOut:
    """Requirements per node and day (staff, vehicles, sorting hours, floor area) and the gap
    report against the stored network's reserves."""
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
    return CapacityOut(**document)


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
        history=body.history,
        announced=body.announced,
        volumes=volumes,
        horizon_days=body.horizon_days,
        events=body.events,
        forecast_parameters=body.parameters(),
        parameters=body.chosen().get(ReserveParameters),
        carry_backlog=body.carry_backlog,
        bounds=bounds,
    )
    return capacity_records(outcome)
