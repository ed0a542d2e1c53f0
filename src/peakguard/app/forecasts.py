"""Daily volume forecasts with 80 % and 95 % intervals for every node, city, province and the
nation, reconciled so the levels add up (科学预测); docs/reference/forecast-files.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from peakguard.app.access import require
from peakguard.app.bounds import DEFAULT_BOUNDS, WorkBounds, check_forecast_size
from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.forecast.history import SeriesHistory
from peakguard.forecast.orchestrator import ForecastParameters, ForecastRun
from peakguard.forecast.scoped import (
    ScopedAnnouncement,
    ScopedForecast,
    forecast_with_announcements,
)
from peakguard.formats.forecast_output import (
    FALLBACK_COLUMNS,
    FORECAST_COLUMNS,
    SERIES_COLUMNS,
    fallback_rows,
    forecast_rows,
    rows_as_records,
    scoped_forecast_document,
    series_rows,
    write_forecast,
)
from peakguard.formats.history_document import (
    parse_announced,
    parse_history,
    read_announced,
    read_history,
)
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.identity.model import Permission, Principal

Rows = Sequence[Any]
"""JSON-like rows, as an API body carries them."""


@dataclass(frozen=True)
class ForecastInputs:
    series: tuple[SeriesHistory, ...]
    announced: tuple[ScopedAnnouncement, ...]


def read_forecast_inputs(
    history: Path | Rows,
    announced: Path | Rows | None = None,
    *,
    network: Network | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> ForecastInputs:
    """The history and the announced plans, each a file (.csv/.xlsx) or JSON rows, read in
    full with their mistakes reported together. With ``network``, node rows may leave
    carrier and region blank, and unknown nodes are refused."""
    places = {node.id: (node.carrier, node.region) for node in network.nodes} if network else None
    problems: list[Problem] = []
    first: InvalidInputError | None = None
    series: tuple[SeriesHistory, ...] = ()
    plans: tuple[ScopedAnnouncement, ...] = ()
    try:
        if isinstance(history, Path):
            series = read_history(history, nodes=places, limits=limits)
        else:
            series = parse_history(list(history), nodes=places)
    except InvalidInputError as error:
        problems += error.problems
        first = error
    try:
        if isinstance(announced, Path):
            plans = read_announced(announced, limits=limits)
        elif announced is not None:
            plans = parse_announced(list(announced))
    except InvalidInputError as error:
        problems += error.problems
        first = first or error
    if first is not None:
        raise InvalidInputError(first.message, problems)
    return ForecastInputs(series, plans)


@dataclass(frozen=True)
class ForecastOutcome:
    forecast: ScopedForecast
    document: dict[str, Any]
    """The run's totals and what shaped it (JSON-ready; ``forecast.json``)."""

    @property
    def run(self) -> ForecastRun:
        return self.forecast.run

    @property
    def origin(self) -> date:
        """The last day of the history."""
        return self.forecast.origin


def forecast_volumes(
    inputs: ForecastInputs,
    *,
    actor: Principal,
    horizon_days: int = 35,
    events: Sequence[str] | None = None,
    parameters: ForecastParameters | None = None,
    bounds: WorkBounds = DEFAULT_BOUNDS,
    where: str = "history",
) -> ForecastOutcome:
    """Forecast every series of the history ``horizon_days`` ahead; announcements limited to
    a carrier or region reach only the series inside their scope. A history over ``bounds``
    is refused (located at ``where``) before any model is fitted."""
    require(actor, Permission.forecast_run)
    check_forecast_size(
        (len(item.volumes) for item in inputs.series), horizon_days, bounds=bounds, where=where
    )
    forecast = forecast_with_announcements(
        inputs.series,
        horizon_days=horizon_days,
        announced=inputs.announced,
        events=events,
        parameters=parameters,
    )
    return ForecastOutcome(forecast, scoped_forecast_document(forecast))


def forecast_records(outcome: ForecastOutcome) -> dict[str, Any]:
    """The summary, the series, the forecasts and the fallbacks as JSON rows."""
    run = outcome.run
    return {
        "summary": outcome.document,
        "series": rows_as_records(SERIES_COLUMNS, series_rows(run)),
        "forecasts": rows_as_records(FORECAST_COLUMNS, forecast_rows(run.result)),
        "fallbacks": rows_as_records(FALLBACK_COLUMNS, fallback_rows(run)),
    }


def write_forecast_files(
    outcome: ForecastOutcome, folder: Path, *, language: str | None = None
) -> list[Path]:
    """forecasts.csv/.xlsx, series.csv, fallbacks.csv and forecast.json in ``folder``."""
    return write_forecast(outcome.run, folder, document=outcome.document, language=language)
