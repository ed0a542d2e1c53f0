"""A forecast run as a job: daily volumes with their 80 % and 95 % intervals from a history
and, given a stored network, the capacity gaps (staff, vehicles, sorting hours and floor area
per node and day) the forecast leaves.

Submitting reads the history (and announced plans) as ``peakguard forecast`` reads them —
against the network's nodes when one is given, as ``peakguard capacity --history`` does —
checks the settings and the run's size, and queues nothing on a mistake. The work is the
CLI's: :func:`~peakguard.app.forecasts.forecast_volumes`, then, with a network, the node
forecasts at the chosen bound sized by :func:`~peakguard.app.capacity.size_reserves` (what
:func:`~peakguard.app.capacity.capacity_for` does after reading), its files written by the
same writers.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from peakguard.app.access import require
from peakguard.app.bounds import DEFAULT_BOUNDS, WorkBounds, check_forecast_size
from peakguard.app.capacity import (
    CapacityOutcome,
    capacity_records,
    check_bound,
    forecast_node_volumes,
    size_reserves,
    write_capacity_files,
)
from peakguard.app.forecasts import (
    ForecastInputs,
    forecast_records,
    forecast_volumes,
    read_forecast_inputs,
    write_forecast_files,
)
from peakguard.app.jobs import FORECAST, JobRecord, network_within_reach, queue_job
from peakguard.app.networks import planning_network
from peakguard.app.plan_job import UploadedFile
from peakguard.app.settings_files import choose_settings
from peakguard.app.simulation_job import DONE, job_principal
from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.forecast.history import Level, SeriesHistory, SeriesKey
from peakguard.forecast.orchestrator import MAX_HORIZON_DAYS, ForecastParameters
from peakguard.forecast.scoped import ScopedAnnouncement
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.i18n import Message, _, current_language
from peakguard.identity.model import Permission, Principal
from peakguard.reserve.parameters import ReserveParameters
from peakguard.store.database import Store

__all__ = [
    "ForecastWork",
    "perform_forecast_job",
    "prepare_forecast_job",
    "submit_forecast_job",
]

Report = Callable[[float, Message], None]

READING = _("Reading the history")
FORECASTING = _("Fitting the models and forecasting")
SIZING = _("Sizing the reserves against the network")
WRITING = _("Writing the forecast's files")
HISTORY_SOURCE = UploadedFile | list[Any]


def _read_inputs(
    history: HISTORY_SOURCE,
    announced: HISTORY_SOURCE | None,
    network: Network | None,
    limits: InputLimits,
) -> tuple[ForecastInputs, str]:
    """The history and announcements, each an uploaded file or JSON rows, and where the
    history's mistakes are located (its file's name, or ``history``)."""
    with tempfile.TemporaryDirectory(prefix="peakguard-history-") as folder:

        def source(given: HISTORY_SOURCE | None) -> Path | list[Any] | None:
            if not isinstance(given, UploadedFile):
                return given
            if len(given.data) > limits.max_file_bytes:
                message = _("The file is larger than the {megabytes} MB a file may be.",
                            megabytes=limits.max_file_bytes // (1024 * 1024))  # fmt: skip
                raise InvalidInputError(message, [Problem(given.base_name, message)])
            path = Path(folder) / given.base_name
            if path.exists():  # the history and the announcements under one name
                path = Path(folder) / "announced" / given.base_name
                path.parent.mkdir()
            path.write_bytes(given.data)
            return path

        history_source = source(history)
        assert history_source is not None
        inputs = read_forecast_inputs(
            history_source, source(announced), network=network, limits=limits
        )
    where = history.base_name if isinstance(history, UploadedFile) else "history"
    return inputs, where


def _inputs_document(inputs: ForecastInputs) -> dict[str, Any]:
    """The read history and announcements as JSON, rebuilt exactly by :func:`_inputs_of`."""
    return {
        "series": [
            {
                "level": item.key.level.value,
                "carrier": item.key.carrier,
                "region": item.key.region,
                "node": item.key.node,
                "first_day": item.first_day.isoformat(),
                "volumes": [float(value) for value in item.volumes],
            }
            for item in inputs.series
        ],
        "announced": [
            {
                "day": item.day.isoformat(),
                "multiple": item.multiple,
                "carrier": item.carrier,
                "region": item.region,
            }
            for item in inputs.announced
        ],
    }


def _inputs_of(document: Mapping[str, Any]) -> ForecastInputs:
    series = []
    for item in document["series"]:
        volumes = np.array(item["volumes"], dtype=float)
        volumes.setflags(write=False)
        key = SeriesKey(Level(item["level"]), item["carrier"], item["region"], item["node"])
        series.append(SeriesHistory(key, date.fromisoformat(item["first_day"]), volumes))
    announced = [
        ScopedAnnouncement(
            date.fromisoformat(item["day"]), item["multiple"], item["carrier"], item["region"]
        )
        for item in document["announced"]
    ]
    return ForecastInputs(tuple(series), tuple(announced))


def _horizon(horizon_days: int) -> None:
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise InvalidInputError(
            _("The job cannot be queued."),
            [
                Problem(
                    "horizon_days",
                    _("must be from 1 to {days}", days=MAX_HORIZON_DAYS),
                )
            ],
        )


def submit_forecast_job(
    store: Store,
    actor: Principal,
    history: HISTORY_SOURCE,
    *,
    announced: HISTORY_SOURCE | None = None,
    network_name: str | None = None,
    bound: str = "upper_80",
    horizon_days: int = 35,
    settings_document: Mapping[str, Any] | None = None,
    name: str | None = None,
    bounds: WorkBounds = DEFAULT_BOUNDS,
    limits: InputLimits = DEFAULT_LIMITS,
    language: str | None = None,
) -> JobRecord:
    """Queue a forecast of ``history`` (an uploaded file or JSON rows) ``horizon_days``
    ahead and, with ``network_name``, the capacity gaps of that stored network at ``bound``
    (which needs ``capacity.run`` as well). Checked first, nothing queued on a mistake: the
    permissions, the network within reach, every row of the history and the announcements
    (against the network's nodes), the [forecast] and [reserve] settings, the run's size."""
    require(actor, Permission.forecast_run)
    network: Network | None = None
    if network_name:
        require(actor, Permission.capacity_run)
        check_bound(bound)
        network = network_within_reach(store, actor, network_name, Permission.capacity_run)
    _horizon(horizon_days)
    choose_settings(settings_document, [ForecastParameters, ReserveParameters])
    inputs, where = _read_inputs(history, announced, network, limits)
    check_forecast_size(
        (len(item.volumes) for item in inputs.series), horizon_days, bounds=bounds, where=where
    )
    if network is not None and not any(item.key.level is Level.node for item in inputs.series):
        raise InvalidInputError(
            _("the history has mistakes"),
            [Problem(where, _("capacity needs a history per node: give the node column"))],
        )
    parameters = {
        "name": name or where,
        "source": where,
        "inputs": _inputs_document(inputs),
        "network": network_name or None,
        "bound": bound,
        "horizon_days": horizon_days,
        "settings": dict(settings_document) if settings_document is not None else None,
        "language": language or current_language(),
    }
    detail = {
        "series": len(inputs.series),
        "network": network_name or None,
        "horizon_days": horizon_days,
    }
    return queue_job(store, actor, FORECAST, parameters, detail)


@dataclass(frozen=True)
class ForecastWork:
    """Everything the run needs, picklable for its child process."""

    inputs: ForecastInputs
    source: str
    horizon_days: int
    forecast_parameters: ForecastParameters
    reserve_parameters: ReserveParameters
    network: Network | None
    bound: str
    actor: Principal
    language: str
    bounds: WorkBounds = DEFAULT_BOUNDS


def prepare_forecast_job(
    store: Store, job: JobRecord, *, bounds: WorkBounds = DEFAULT_BOUNDS
) -> ForecastWork:
    """The history of ``job`` and, when it names one, its network as its owner may size it."""
    given: dict[str, Any] = job.parameters
    actor = job_principal(store, job)
    network = None
    if given.get("network"):
        actor = job_principal(store, job, also=Permission.capacity_run)
        network = planning_network(
            store, str(given["network"]), actor=actor, permission=Permission.capacity_run
        )
    chosen = choose_settings(given.get("settings"), [ForecastParameters, ReserveParameters])
    return ForecastWork(
        _inputs_of(given["inputs"]),
        str(given.get("source", "history")),
        int(given["horizon_days"]),
        chosen.get(ForecastParameters),
        chosen.get(ReserveParameters),
        network,
        str(given.get("bound", "upper_80")),
        actor,
        str(given["language"]),
        bounds,
    )


def perform_forecast_job(work: ForecastWork, folder: Path, *, report: Report) -> dict[str, Any]:
    """Forecast and, with a network, size its reserves; write the CLI's files into ``folder``.
    The result: the forecast's summary, series and fallbacks (its days are in
    ``forecasts.csv``) and, with a network, the capacity's summary and gaps (each node-day's
    requirements are in ``requirements.csv``), and the files' names."""
    report(0.05, READING)
    report(0.1, FORECASTING)
    outcome = forecast_volumes(
        work.inputs, actor=work.actor, horizon_days=work.horizon_days,
        parameters=work.forecast_parameters, bounds=work.bounds, where=work.source,
    )  # fmt: skip
    capacity: CapacityOutcome | None = None
    if work.network is not None:
        report(0.7, SIZING)
        require(work.actor, Permission.capacity_run)
        volumes = forecast_node_volumes(outcome, work.bound, work.source)
        capacity = size_reserves(
            work.network, volumes, bound=work.bound, forecast=outcome,
            parameters=work.reserve_parameters, bounds=work.bounds,
        )  # fmt: skip
    report(0.9, WRITING)
    folder.mkdir(parents=True, exist_ok=True)
    if capacity is not None:
        written = write_capacity_files(capacity, folder, language=work.language)
    else:
        written = write_forecast_files(outcome, folder, language=work.language)
    report(1.0, DONE)
    records = forecast_records(outcome)
    result = {key: records[key] for key in ("summary", "series", "fallbacks")}
    if capacity is not None:
        sized = capacity_records(capacity)
        result["capacity"] = {key: sized[key] for key in ("summary", "gaps")}
    return result | {"files": sorted(path.name for path in written)}
