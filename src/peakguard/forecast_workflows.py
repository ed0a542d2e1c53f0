"""The forecast and capacity operations the CLI and the API share: functions over data.

``peakguard forecast`` / ``POST /forecasts`` read a daily history (and optional announced
plans), forecast every series of the hierarchy and write the forecasts;
``peakguard capacity`` / ``POST /networks/{name}/capacity`` turn node forecasts (made here from
a history, or read from a forecasts file) into requirements per node and day and a gap report
against the network's reserves. See docs/reference/forecast-files.md.

Announced plans limited to a carrier or a region apply to the series inside that scope only;
the aggregates then take the sum of their nodes (``bottom_up`` reconciliation), since an
aggregate's own model cannot know that part of it is announced.

The backlog behind the floor-area requirement is the single-node carry-over of parcels a node
cannot sort: ``B_d = max(0, B_{d−1} + V_d − C)`` with C its daily sorting capacity (a stand-in
for the simulator's backlog).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.forecast.calendar import EVENTS, AnnouncedMultiple, EventCalendar
from peakguard.forecast.history import Level, SeriesHistory, SeriesKey
from peakguard.forecast.models import BaseForecast, Forecaster
from peakguard.forecast.orchestrator import ForecastParameters, ForecastRun, forecast_volumes
from peakguard.formats.forecast_output import (
    BOUNDS,
    capacity_document,
    forecast_document,
    read_node_forecasts,
    write_capacity,
    write_forecast,
)
from peakguard.formats.history_document import (
    ScopedAnnouncement,
    read_announced,
    read_history,
)
from peakguard.i18n import _
from peakguard.reserve.parameters import ReserveParameters
from peakguard.reserve.requirements import (
    NodeRequirement,
    ReserveGap,
    gap_report,
    reserve_requirements,
    volumes_from_forecast,
)
from peakguard.workflows import Store, resolve_network

SCOPED_ANNOUNCEMENTS = "announced plans limited to a carrier or region: aggregates are sums"
"""``reconciliation_note`` of a run whose reconciliation was set to bottom_up."""


def calendar_for(
    key: SeriesKey, events: Sequence[str], announced: Iterable[ScopedAnnouncement]
) -> EventCalendar:
    """The calendar of one series: the announcements that cover it, the narrowest of a day."""
    chosen: dict[date, ScopedAnnouncement] = {}
    for plan in sorted(announced, key=lambda item: item.specificity):
        if plan.covers(key):
            chosen[plan.day] = plan
    return EventCalendar(
        events=tuple(events),
        announced=tuple(
            AnnouncedMultiple(day, plan.multiple) for day, plan in sorted(chosen.items())
        ),
    )


@dataclass(frozen=True)
class ScopedForecaster:
    """A forecaster that sees only the announcements covering the series it forecasts."""

    inner: Forecaster
    announced: tuple[ScopedAnnouncement, ...]

    @property
    def name(self) -> str:
        return self.inner.name

    def forecast(
        self, history: SeriesHistory, horizon_days: int, calendar: EventCalendar
    ) -> BaseForecast:
        scoped = calendar_for(history.key, calendar.events, self.announced)
        return self.inner.forecast(history, horizon_days, scoped)


@dataclass(frozen=True)
class ForecastOutcome:
    run: ForecastRun
    origin: date
    document: dict[str, Any]
    written: list[Path]


def forecast_history(
    series: Sequence[SeriesHistory],
    *,
    horizon_days: int,
    announced: Sequence[ScopedAnnouncement] = (),
    events: Sequence[str] | None = None,
    parameters: ForecastParameters | None = None,
) -> tuple[ForecastRun, dict[str, Any]]:
    """Forecast ``series`` (grouped history, one level) and describe the run (JSON-ready)."""
    parameters = parameters or ForecastParameters()
    chosen_events = tuple(events) if events is not None else tuple(EVENTS)
    calendar = EventCalendar(events=chosen_events)
    note = ""
    if any(not plan.everywhere for plan in announced) and parameters.reconciliation != "bottom_up":
        parameters = replace(parameters, reconciliation="bottom_up")
        note = SCOPED_ANNOUNCEMENTS
    chain = tuple(
        ScopedForecaster(forecaster, tuple(announced)) for forecaster in parameters.forecasters()
    )
    run = forecast_volumes(
        series, calendar, horizon_days=horizon_days, parameters=parameters, forecasters=chain
    )
    origin = max(item.last_day for item in series)
    document = forecast_document(
        run,
        origin=origin,
        announced=[
            {
                "day": plan.day.isoformat(),
                "multiple": plan.multiple,
                "carrier": plan.carrier,
                "region": plan.region,
            }
            for plan in announced
        ],
        events=chosen_events,
        reconciliation_note=note,
    )
    return run, document


def _read_inputs(
    history_path: Path, announced_path: Path | None, network: Network | None
) -> tuple[tuple[SeriesHistory, ...], tuple[ScopedAnnouncement, ...]]:
    """Both files read in full; their mistakes reported together."""
    problems: list[Problem] = []
    series: tuple[SeriesHistory, ...] = ()
    announced: tuple[ScopedAnnouncement, ...] = ()
    places = {node.id: (node.carrier, node.region) for node in network.nodes} if network else None
    first_error: InvalidInputError | None = None
    try:
        series = read_history(history_path, nodes=places)
    except InvalidInputError as error:
        problems += error.problems
        first_error = error
    if announced_path is not None:
        try:
            announced = read_announced(announced_path)
        except InvalidInputError as error:
            problems += error.problems
            first_error = first_error or error
    if first_error is not None:
        raise InvalidInputError(first_error.message, problems)
    return series, announced


def run_forecast(
    history_path: Path,
    out_dir: Path,
    *,
    horizon_days: int = 35,
    announced_path: Path | None = None,
    events: Sequence[str] | None = None,
    parameters: ForecastParameters | None = None,
    language: str | None = None,
) -> ForecastOutcome:
    """Read the history (and announced plans; every mistake located, nothing written on
    error), forecast, write forecasts.csv/.xlsx, series.csv, fallbacks.csv, forecast.json."""
    series, announced = _read_inputs(history_path, announced_path, None)
    run, document = forecast_history(
        series,
        horizon_days=horizon_days,
        announced=announced,
        events=events,
        parameters=parameters,
    )
    written = write_forecast(run, out_dir, document=document, language=language)
    return ForecastOutcome(run, max(item.last_day for item in series), document, written)


def carried_backlog(
    network: Network, volumes: Mapping[str, Sequence[float]]
) -> dict[str, list[float]]:
    """Parcels each node holds at the end of each day when it sorts at most its daily
    capacity: ``B_d = max(0, B_{d−1} + V_d − C)``."""
    nodes = network.node_index()
    backlog: dict[str, list[float]] = {}
    for node_id, values in volumes.items():
        capacity = float(nodes[node_id].daily_sorting_capacity())
        held, carried = 0.0, []
        for volume in values:
            held = max(0.0, held + float(volume) - capacity)
            carried.append(held)
        backlog[node_id] = carried
    return backlog


def plan_capacity(
    network: Network,
    first_day: date,
    volumes: Mapping[str, Sequence[float]],
    *,
    parameters: ReserveParameters | None = None,
    carry_backlog: bool = True,
) -> tuple[tuple[NodeRequirement, ...], tuple[ReserveGap, ...]]:
    """Requirements per node and day for ``volumes`` and the gaps against the reserves."""
    parameters = parameters or ReserveParameters()
    unknown = sorted(set(volumes) - set(network.node_index()))
    if unknown:
        raise InvalidInputError(
            _("the reserve inputs have mistakes"),
            [Problem(f"volumes[{node}]", _("unknown node {node}", node=node)) for node in unknown],
        )
    backlog = carried_backlog(network, volumes) if carry_backlog else None
    requirements = reserve_requirements(
        network, volumes, first_day=first_day, backlog=backlog, parameters=parameters
    )
    return requirements, gap_report(network, requirements, parameters=parameters)


@dataclass(frozen=True)
class CapacityOutcome:
    network: Network
    bound: str
    requirements: tuple[NodeRequirement, ...]
    gaps: tuple[ReserveGap, ...]
    forecast: ForecastOutcome | None
    document: dict[str, Any]
    written: list[Path]


def node_volumes(run: ForecastRun, bound: str, source: str) -> tuple[date, dict[str, list[float]]]:
    """The node forecasts at ``bound``; a history above node level cannot size a node."""
    if not run.result.at_level(Level.node):
        raise InvalidInputError(
            _("the history has mistakes"),
            [Problem(source, _("capacity needs a history per node: give the node column"))],
        )
    return volumes_from_forecast(run.result, bound)


def check_bound(bound: str, where: str = "bound") -> None:
    if bound not in BOUNDS:
        raise InvalidInputError(
            _("the reserve inputs have mistakes"),
            [Problem(where, _("must be one of {choices}", choices=", ".join(BOUNDS)))],
        )


def run_capacity(
    network_source: str,
    out_dir: Path,
    *,
    history_path: Path | None = None,
    forecast_path: Path | None = None,
    horizon_days: int = 35,
    announced_path: Path | None = None,
    bound: str = "upper_80",
    events: Sequence[str] | None = None,
    forecast_parameters: ForecastParameters | None = None,
    reserve_parameters: ReserveParameters | None = None,
    carry_backlog: bool = True,
    store: Store | None = None,
    language: str | None = None,
) -> CapacityOutcome:
    """Size the reserves of ``network_source`` (a file or a stored name) for the node
    forecasts of ``forecast_path``, or for a forecast made here from ``history_path``
    (written alongside); nothing is written if any input has a mistake."""
    check_bound(bound, "--bound")
    if (history_path is None) == (forecast_path is None):
        raise InvalidInputError(
            _("the reserve inputs have mistakes"),
            [Problem("--history, --forecast", _("give either a history file or a forecast file"))],
        )
    network = resolve_network(network_source, store)
    reserve_parameters = reserve_parameters or ReserveParameters()
    forecast: ForecastOutcome | None = None
    if history_path is not None:
        series, announced = _read_inputs(history_path, announced_path, network)
        run, document = forecast_history(
            series,
            horizon_days=horizon_days,
            announced=announced,
            events=events,
            parameters=forecast_parameters,
        )
        first_day, volumes = node_volumes(run, bound, history_path.name)
        forecast = ForecastOutcome(run, max(item.last_day for item in series), document, [])
    else:
        assert forecast_path is not None
        read = read_node_forecasts(forecast_path, bound)
        unknown = sorted(set(read.volumes) - set(network.node_index()))
        if unknown:
            raise InvalidInputError(
                _("the forecast file has mistakes"),
                [
                    Problem(
                        f"{forecast_path.name}, node {node}", _("unknown node {node}", node=node)
                    )
                    for node in unknown
                ],
            )
        first_day, volumes = read.first_day, read.volumes
    requirements, gaps = plan_capacity(
        network,
        first_day,
        volumes,
        parameters=reserve_parameters,
        carry_backlog=carry_backlog,
    )
    summary = capacity_document(
        network,
        requirements,
        gaps,
        bound=bound,
        parameters=reserve_parameters,
        backlog="carried" if carry_backlog else "none",
    )
    written: list[Path] = []
    if forecast is not None:
        written += write_forecast(
            forecast.run, out_dir, document=forecast.document, language=language
        )
        forecast = replace(forecast, written=list(written))
    written += write_capacity(
        network, requirements, gaps, out_dir, document=summary, language=language
    )
    return CapacityOutcome(network, bound, requirements, gaps, forecast, summary, written)
