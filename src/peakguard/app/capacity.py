"""The reserves a forecast needs (能力储备): staff, vehicles, sorting hours and floor area per
node and day, and the gaps against what the network has, with the day to decide."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from peakguard.app.access import require
from peakguard.app.bounds import DEFAULT_BOUNDS, WorkBounds, check_volume_days
from peakguard.app.forecasts import (
    ForecastOutcome,
    Rows,
    forecast_volumes,
    read_forecast_inputs,
    write_forecast_files,
)
from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.forecast.history import Level
from peakguard.forecast.orchestrator import ForecastParameters
from peakguard.formats.forecast_output import (
    BOUNDS,
    GAP_COLUMNS,
    REQUIREMENT_COLUMNS,
    capacity_document,
    gap_rows,
    read_node_forecasts,
    requirement_rows,
    rows_as_records,
    write_capacity,
)
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.reserve.parameters import ReserveParameters
from peakguard.reserve.requirements import (
    NodeRequirement,
    ReserveGap,
    plan_capacity,
    volumes_from_forecast,
)


@dataclass(frozen=True)
class NodeVolumes:
    """Parcels per node and day from ``first_day``: what the reserves are sized for."""

    first_day: date
    volumes: Mapping[str, Sequence[float]]


def check_bound(bound: str, where: str = "bound") -> None:
    """``bound`` is a column a plan may be sized to: point, upper_80 or upper_95."""
    if bound not in BOUNDS:
        raise InvalidInputError(
            _("the reserve inputs have mistakes"),
            [Problem(where, _("must be one of {choices}", choices=", ".join(BOUNDS)))],
        )


def forecast_node_volumes(outcome: ForecastOutcome, bound: str, source: str) -> NodeVolumes:
    """The node forecasts at ``bound``; a history above node level cannot size a node."""
    if not outcome.run.result.at_level(Level.node):
        raise InvalidInputError(
            _("the history has mistakes"),
            [Problem(source, _("capacity needs a history per node: give the node column"))],
        )
    first_day, volumes = volumes_from_forecast(outcome.run.result, bound)
    return NodeVolumes(first_day, volumes)


def read_forecast_file_volumes(path: Path, bound: str, network: Network) -> NodeVolumes:
    """The node rows of a forecasts file at ``bound``; nodes the network lacks are refused."""
    read = read_node_forecasts(path, bound)
    unknown = sorted(set(read.volumes) - set(network.node_index()))
    if unknown:
        raise InvalidInputError(
            _("the forecast file has mistakes"),
            [
                Problem(f"{path.name}, node {node}", _("unknown node {node}", node=node))
                for node in unknown
            ],
        )
    return NodeVolumes(read.first_day, read.volumes)


@dataclass(frozen=True)
class CapacityOutcome:
    network: Network
    bound: str
    requirements: tuple[NodeRequirement, ...]
    gaps: tuple[ReserveGap, ...]
    forecast: ForecastOutcome | None
    """The forecast made first, when sizing from a history."""
    document: dict[str, Any]


def size_reserves(
    network: Network,
    volumes: NodeVolumes,
    *,
    bound: str,
    forecast: ForecastOutcome | None = None,
    parameters: ReserveParameters | None = None,
    carry_backlog: bool = True,
    bounds: WorkBounds = DEFAULT_BOUNDS,
) -> CapacityOutcome:
    """Requirements per node and day for ``volumes`` and the gaps against the reserves;
    volumes longer than ``bounds`` allow are refused first."""
    check_volume_days(
        ((node, len(values)) for node, values in volumes.volumes.items()), bounds=bounds
    )
    parameters = parameters or ReserveParameters()
    requirements, gaps = plan_capacity(
        network,
        volumes.first_day,
        volumes.volumes,
        parameters=parameters,
        carry_backlog=carry_backlog,
    )
    document = capacity_document(
        network,
        requirements,
        gaps,
        bound=bound,
        parameters=parameters,
        backlog="carried" if carry_backlog else "none",
    )
    return CapacityOutcome(network, bound, requirements, gaps, forecast, document)


def capacity_for(
    network: Network,
    *,
    actor: Principal,
    bound: str = "upper_80",
    history: Path | Rows | None = None,
    announced: Path | Rows | None = None,
    forecast_file: Path | None = None,
    volumes: NodeVolumes | None = None,
    horizon_days: int = 35,
    events: Sequence[str] | None = None,
    forecast_parameters: ForecastParameters | None = None,
    parameters: ReserveParameters | None = None,
    carry_backlog: bool = True,
    option_prefix: str = "",
    sources: str = "history, volumes",
    bounds: WorkBounds = DEFAULT_BOUNDS,
) -> CapacityOutcome:
    """Size the reserves of ``network`` for exactly one of: a daily history per node
    (forecast here first, at ``bound``), a forecasts file, or node volumes. ``sources`` names
    the caller's choices in the error when none or several are given."""
    require(actor, Permission.capacity_run)
    check_bound(bound, option_prefix + "bound")
    given = [item for item in (history, forecast_file, volumes) if item is not None]
    if len(given) != 1:
        raise InvalidInputError(
            _("the reserve inputs have mistakes"),
            [Problem(sources, _("give exactly one of {choices}", choices=sources))],
        )
    made: ForecastOutcome | None = None
    if history is not None:
        source = history.name if isinstance(history, Path) else "history"
        inputs = read_forecast_inputs(history, announced, network=network)
        made = forecast_volumes(
            inputs,
            actor=actor,
            horizon_days=horizon_days,
            events=events,
            parameters=forecast_parameters,
            bounds=bounds,
            where=source,
        )
        volumes = forecast_node_volumes(made, bound, source)
    elif forecast_file is not None:
        volumes = read_forecast_file_volumes(forecast_file, bound, network)
    assert volumes is not None
    return size_reserves(
        network,
        volumes,
        bound=bound,
        forecast=made,
        parameters=parameters,
        carry_backlog=carry_backlog,
        bounds=bounds,
    )


def capacity_records(outcome: CapacityOutcome) -> dict[str, Any]:
    """The summary, the forecast's summary, the requirements and the gaps as JSON rows."""
    network = outcome.network
    return {
        "summary": outcome.document,
        "forecast": outcome.forecast.document if outcome.forecast else None,
        "requirements": rows_as_records(
            REQUIREMENT_COLUMNS, requirement_rows(network, outcome.requirements)
        ),
        "gaps": rows_as_records(GAP_COLUMNS, gap_rows(network, outcome.gaps)),
    }


def write_capacity_files(
    outcome: CapacityOutcome, folder: Path, *, language: str | None = None
) -> list[Path]:
    """The forecast's files (when one was made first), then requirements.csv, gaps.csv,
    capacity.xlsx and capacity.json in ``folder``."""
    written: list[Path] = []
    if outcome.forecast is not None:
        written += write_forecast_files(outcome.forecast, folder, language=language)
    written += write_capacity(
        outcome.network,
        outcome.requirements,
        outcome.gaps,
        folder,
        document=outcome.document,
        language=language,
    )
    return written
