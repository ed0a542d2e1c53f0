"""Forecasts from a daily history (POST /forecasts) and the capacity reserve of a stored
network (POST /networks/{name}/capacity), as ``peakguard forecast`` and ``peakguard capacity``
(docs/reference/forecast-files.md). Mistakes come back as 422 with every location
(``history[3].volume``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.forecast.history import SeriesHistory
from peakguard.forecast.orchestrator import MAX_HORIZON_DAYS, ForecastParameters
from peakguard.forecast_workflows import (
    check_bound,
    forecast_history,
    node_volumes,
    plan_capacity,
)
from peakguard.formats.forecast_output import (
    FALLBACK_COLUMNS,
    FORECAST_COLUMNS,
    GAP_COLUMNS,
    REQUIREMENT_COLUMNS,
    SERIES_COLUMNS,
    capacity_document,
    fallback_rows,
    forecast_rows,
    gap_rows,
    requirement_rows,
    rows_as_records,
    series_rows,
)
from peakguard.formats.history_document import (
    ScopedAnnouncement,
    parse_announced,
    parse_history,
)
from peakguard.i18n import _
from peakguard.reserve.parameters import ReserveParameters
from peakguard.workflows import Store, get_network

router = APIRouter(tags=["forecasts"])


class ForecastSettings(BaseModel):
    """What both requests share: the horizon, announced plans and the forecaster's knobs."""

    model_config = ConfigDict(extra="forbid")

    horizon_days: Annotated[int, Field(ge=1, le=MAX_HORIZON_DAYS)] = 35
    announced: list[dict[str, Any]] = Field(default_factory=list)
    models: list[str] | None = None
    reconciliation: str = ForecastParameters.reconciliation
    events: list[str] | None = None

    def parameters(self) -> ForecastParameters:
        models = tuple(self.models) if self.models else ForecastParameters.models
        return ForecastParameters(models=models, reconciliation=self.reconciliation)


class ForecastRequest(ForecastSettings):
    """Daily history rows (``day, carrier, region, node, volume``, as in the history file)."""

    history: list[dict[str, Any]]


class ForecastOut(BaseModel):
    summary: dict[str, Any]
    series: list[dict[str, Any]]
    forecasts: list[dict[str, Any]]
    fallbacks: list[dict[str, Any]]


def _inputs(
    history: list[dict[str, Any]],
    announced: list[dict[str, Any]],
    network: Network | None = None,
) -> tuple[tuple[SeriesHistory, ...], tuple[ScopedAnnouncement, ...]]:
    """Both lists parsed; their mistakes reported together."""
    places = {node.id: (node.carrier, node.region) for node in network.nodes} if network else None
    problems: list[Problem] = []
    first: InvalidInputError | None = None
    series: tuple[SeriesHistory, ...] = ()
    plans: tuple[ScopedAnnouncement, ...] = ()
    try:
        series = parse_history(history, nodes=places)
    except InvalidInputError as error:
        problems += error.problems
        first = error
    try:
        plans = parse_announced(announced)
    except InvalidInputError as error:
        problems += error.problems
        first = first or error
    if first is not None:
        raise InvalidInputError(first.message, problems)
    return series, plans


@router.post("/forecasts", response_model=ForecastOut)
def forecast(body: Annotated[ForecastRequest, Body()]) -> ForecastOut:
    """Reconciled daily forecasts with 80 % and 95 % intervals for every series of the
    hierarchy the history's rows span, the model of each series and the fallbacks taken."""
    series, announced = _inputs(body.history, body.announced)
    run, document = forecast_history(
        series,
        horizon_days=body.horizon_days,
        announced=announced,
        events=body.events,
        parameters=body.parameters(),
    )
    return ForecastOut(
        summary=document,
        series=rows_as_records(SERIES_COLUMNS, series_rows(run)),
        forecasts=rows_as_records(FORECAST_COLUMNS, forecast_rows(run.result)),
        fallbacks=rows_as_records(FALLBACK_COLUMNS, fallback_rows(run)),
    )


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
def capacity(request: Request, name: str, body: Annotated[CapacityRequest, Body()]) -> CapacityOut:
    """Requirements per node and day (staff, vehicles, sorting hours, floor area) and the gap
    report against the stored network's reserves."""
    check_bound(body.bound)
    store: Store = request.app.state.store
    network = get_network(store, name)
    summary: dict[str, Any] | None = None
    if body.history is not None and body.volumes is None:
        series, announced = _inputs(body.history, body.announced, network)
        run, summary = forecast_history(
            series,
            horizon_days=body.horizon_days,
            announced=announced,
            events=body.events,
            parameters=body.parameters(),
        )
        first_day, volumes = node_volumes(run, body.bound, "history")
    elif body.volumes is not None and body.history is None and body.first_day is not None:
        first_day, volumes = body.first_day, body.volumes
    else:
        raise InvalidInputError(
            _("the reserve inputs have mistakes"),
            [
                Problem(
                    "history, volumes",
                    _("give either a history or volumes with their first_day"),
                )
            ],
        )
    parameters = ReserveParameters()
    requirements, gaps = plan_capacity(
        network, first_day, volumes, parameters=parameters, carry_backlog=body.carry_backlog
    )
    return CapacityOut(
        summary=capacity_document(
            network,
            requirements,
            gaps,
            bound=body.bound,
            parameters=parameters,
            backlog="carried" if body.carry_backlog else "none",
        ),
        forecast=summary,
        requirements=rows_as_records(REQUIREMENT_COLUMNS, requirement_rows(network, requirements)),
        gaps=rows_as_records(GAP_COLUMNS, gap_rows(network, gaps)),
    )
