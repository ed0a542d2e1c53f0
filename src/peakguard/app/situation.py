"""The situation a landing page opens on: today's figures against yesterday's from the scan-event
lake, and the network's state from the latest simulation the reader may see.

Pure reads, each narrowed to the reader's reach (a regulator's territory, a carrier's brand):

- :func:`choose_day` picks the day the figures are of: the one asked for, else today when the
  lake has events of today within reach, else the latest day that has (and says which, why).
- :func:`compare_days` measures that day against the day before (today so far against
  yesterday up to the same time), with the KPI engine's own definitions
  (:mod:`peakguard.analytics`); both live in :mod:`peakguard.app.situation_day`.
- :func:`network_state` reads the organisation's latest finished simulation job
  (:func:`peakguard.app.jobs.latest_finished`, its files in :func:`~peakguard.app.jobs.
  job_folder`) for the hubs within reach: each hub's warning level at the chosen hour, its
  backlog over the run and its time to overflow; and the warnings open at or after that hour.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from peakguard.app.access import reach, require
from peakguard.app.accounts import list_organisations
from peakguard.app.bulletins import lane_table
from peakguard.app.jobs import SIMULATION, JobRecord, job_folder, latest_finished
from peakguard.app.kept import kept
from peakguard.app.networks import get_network, list_networks, reach_key
from peakguard.app.situation_day import (
    ChosenDay,
    DayComparison,
    DayFigures,
    DayReason,
    china_now,
    choose_day,
    compare_days,
)
from peakguard.domain.network import Network, Node, NodeKind
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import NotFoundError
from peakguard.i18n import Message, _
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
)
from peakguard.identity.territory import reach_of
from peakguard.simulate.warning_rules import WarningLevel
from peakguard.store.database import Store, transaction
from peakguard.store.jobs import latest_finished_job
from peakguard.store.networks import NetworkRepository

__all__ = [
    "ChosenDay",
    "DayComparison",
    "DayFigures",
    "DayReason",
    "HourReason",
    "HubState",
    "NetworkState",
    "OpenWarning",
    "RunInfo",
    "choose_day",
    "compare_days",
    "hours_to_overflow",
    "network_lanes",
    "network_state",
]

HOUR_COLUMNS = ("node_id", "hour", "time", "backlog", "storage_capacity", "processed", "capacity")
NETWORK_ROW = "(network)"
LEVELS_BY_ROMAN = {"I": WarningLevel.red, "II": WarningLevel.orange}
LEVELS_BY_ROMAN |= {"III": WarningLevel.yellow, "IV": WarningLevel.blue}


_networks_kept: OrderedDict[tuple[Any, ...], Network] = OrderedDict()
_runs_kept: OrderedDict[str, tuple[pa.Table, int, dict[str, Any], list[dict[str, Any]]]] = (
    OrderedDict()
)
KEPT_NETWORKS = 16
KEPT_RUNS = 8


# -- the network's state -------------------------------------------------------------------------


class HourReason(StrEnum):
    asked = "asked"
    now = "now"
    """The run covers the present hour."""
    peak = "peak"
    """The run does not cover now: the hour its hubs within reach held the most parcels."""


@dataclass(frozen=True)
class HubState:
    """A hub within reach, with what the latest simulation says of it (None without one)."""

    node: Node
    level: WarningLevel | None = None
    """The warning in force at the chosen hour (None: no warning, or no simulation)."""
    worst_level: WarningLevel | None = None
    """The most severe warning of the run."""
    backlog: float | None = None
    """Parcels held at the end of the chosen hour."""
    storage: float | None = None
    """The storage capacity the run held the hub to (parcels)."""
    storage_utilisation: float | None = None
    hours_to_overflow: int | None = None
    """Hours from the chosen hour until the backlog reaches storage capacity on the simulated
    trajectory (0: at or over it already); None when it does not within the run."""
    peak_backlog: float | None = None
    peak_storage_utilisation: float | None = None
    peak_sorting_utilisation: float | None = None
    """The largest share of its sorting capacity the hub used in an hour of the run."""
    series: tuple[float, ...] = ()
    """End-of-hour backlog, hour 0 to the run's last."""

    @property
    def daily_capacity(self) -> int:
        return self.node.daily_sorting_capacity()

    @property
    def load(self) -> float | None:
        """Normal-day volume ÷ daily sorting capacity."""
        capacity = self.daily_capacity
        return self.node.daily_volume / capacity if capacity else None


@dataclass(frozen=True)
class OpenWarning:
    node_id: str
    """A hub's id, or ``(network)``."""
    node_name: str
    level: WarningLevel
    start: datetime
    end: datetime | None
    reasons: dict[str, str]
    """Why, in each language the run wrote it in (``zh_CN``, ``en``)."""
    peak_backlog: float
    peak_storage_utilisation: float


@dataclass(frozen=True)
class RunInfo:
    job_id: str
    network: str
    scenario: str
    start: datetime
    """Hour 0 of the run (China time, naive: the scenario's clock)."""
    hours: int
    first_day: date
    days: int
    finished_at: datetime | None

    def moment(self, hour: int) -> datetime:
        return self.start + timedelta(hours=hour)


@dataclass(frozen=True)
class NetworkState:
    network: str | None
    """The stored network the hubs are of (None: no network within reach)."""
    hubs: tuple[HubState, ...]
    run: RunInfo | None = None
    hour: int | None = None
    hour_reason: HourReason | None = None
    warnings: tuple[OpenWarning, ...] = ()
    """Warnings in force at the chosen hour or raised after it, worst first."""
    without_run: Message | None = None
    """Why there is no simulation to show."""
    may_simulate: bool = False

    def hub(self, node_id: str) -> HubState:
        for hub in self.hubs:
            if hub.node.id == node_id:
                return hub
        raise NotFoundError(_("No hub {id} is within your reach.", id=node_id))


def hours_to_overflow(series: np.ndarray, storage: float, hour: int) -> int | None:
    """Hours from ``hour`` until ``series`` first reaches ``storage`` (0 when it has at
    ``hour``); None when it never does within the series."""
    ahead = np.flatnonzero(series[hour:] >= storage - 1e-9)
    return int(ahead[0]) if ahead.size else None


def _visible_network(store: Store, name: str, actor: Principal) -> Network:
    """:func:`get_network`, kept by the stored version and the reach (a landing page reads
    the same network at every view)."""
    with transaction(store.sessions) as session:
        version = NetworkRepository(session).version(name)
    if version is None:
        raise NotFoundError(_("no network named {name} is stored", name=name))
    key = (id(store), name, version, reach_key(reach(actor)))
    found: Network = kept(
        _networks_kept, key, KEPT_NETWORKS, lambda: get_network(store, name, actor=actor)
    )
    return found


def network_lanes(store: Store, name: str, *, actor: Principal) -> pa.Table:
    """The lanes of the part of network ``name`` within reach, as the handover check reads
    them (for the day's information loss)."""
    return lane_table(_visible_network(store, name, actor))


def _choose_network(store: Store, actor: Principal, job: JobRecord | None) -> Network | None:
    """The simulated network if still stored and within reach, else the stored network of
    which ``actor`` sees the most nodes."""
    if job is not None:
        try:
            return _visible_network(store, str(job.parameters.get("network", "")), actor)
        except NotFoundError:
            pass
    stored = sorted(list_networks(store, actor=actor), key=lambda item: (-item.nodes, item.name))
    return _visible_network(store, stored[0].name, actor) if stored else None


def _run_files(folder: Path, job_id: str) -> tuple[pa.Table, int, dict[str, Any], list[Any]]:
    """A finished run's hub rows, its number of hubs, its summary and its warnings, kept by
    the job (a finished job's files never change)."""

    def read() -> tuple[pa.Table, int, dict[str, Any], list[Any]]:
        table = pq.read_table(
            folder / "node_hours.parquet",
            columns=[*HOUR_COLUMNS, "kind"],
            filters=[("kind", "=", NodeKind.hub.value)],
        )
        hubs = len(pc.unique(table.column("node_id")))
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        path = folder / "warnings.json"
        rows = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
        return table.select(list(HOUR_COLUMNS)), hubs, summary, rows

    found: tuple[pa.Table, int, dict[str, Any], list[Any]] = kept(
        _runs_kept, job_id, KEPT_RUNS, read
    )
    return found


def overseeing(store: Store, organisation: Organisation) -> list[Organisation]:
    """The organisations whose simulations ``organisation``'s landing page also shows, cut to
    its own reach: the regulators over its territory (a city office sees the province's runs),
    or, for a carrier's provincial company, its headquarters."""
    everyone = list_organisations(store, LOCAL_ADMINISTRATOR)
    if organisation.kind is OrganisationKind.regulator and organisation.region:
        own = reach_of(organisation)
        return [
            other
            for other in everyone
            if other.kind is OrganisationKind.regulator
            and other.code != organisation.code
            and (other.region is None or own.prefix.startswith(reach_of(other).prefix))
        ]
    if organisation.kind is OrganisationKind.carrier and organisation.region:
        return [
            other
            for other in everyone
            if other.kind is OrganisationKind.carrier
            and other.carrier == organisation.carrier
            and other.region is None
        ]
    return []


def _later(one: JobRecord, other: JobRecord) -> bool:
    return (one.finished_at or one.created_at) > (other.finished_at or other.created_at)


def _latest_run(
    store: Store, home: Path, actor: Principal
) -> tuple[JobRecord | None, Path | None, Message | None]:
    if not actor.may(Permission.simulation_run):
        reason = _(
            "Simulation results are shown to roles that run simulations; yours do not, so the "
            "hubs are shown without warning levels."
        )
        return None, None, reason
    job = latest_finished(store, actor, SIMULATION)
    for overseer in overseeing(store, actor.organisation):
        theirs = latest_finished_job(store, overseer.id, SIMULATION)
        if theirs is not None and (job is None or _later(theirs, job)):
            job = theirs
    if job is None:
        return None, None, _("No simulation of your organisation has finished yet.")
    folder = job_folder(home, job.id)
    if not (folder / "node_hours.parquet").is_file() or not (folder / "summary.json").is_file():
        return job, None, _("The files of simulation {id} are missing.", id=job.id)
    return job, folder, None


def _run_info(job: JobRecord, table: pa.Table, summary: dict[str, Any]) -> RunInfo:
    hours = int(pc.max(table.column("hour")).as_py()) + 1 if table.num_rows else 0
    first = table.column("time")[0].as_py() if table.num_rows else None
    start = (
        first.astimezone(CHINA_STANDARD_TIME).replace(tzinfo=None)
        if isinstance(first, datetime)
        else datetime.combine(date.fromisoformat(summary["first_day"]), time(0))
    )
    return RunInfo(
        job_id=job.id,
        network=str(summary.get("network", job.parameters.get("network", ""))),
        scenario=str(summary.get("scenario", "")),
        start=start,
        hours=hours,
        first_day=date.fromisoformat(summary["first_day"]),
        days=int(summary.get("days", 0)),
        finished_at=job.finished_at,
    )


def _warnings(rows: list[Any], names: dict[str, str], whole: bool) -> list[OpenWarning]:
    """The run's warnings of the hubs in ``names`` (and of the network when ``whole``)."""
    found = []
    for row in rows:
        node = str(row["node_id"])
        level = LEVELS_BY_ROMAN.get(str(row.get("level")))
        if level is None or (node not in names and not (node == NETWORK_ROW and whole)):
            continue
        found.append(
            OpenWarning(
                node_id=node,
                node_name=names.get(node, node),
                level=level,
                start=datetime.fromisoformat(row["start"]),
                end=datetime.fromisoformat(row["end"]) if row.get("end") else None,
                reasons={
                    "zh_CN": str(row.get("reason_zh") or ""),
                    "en": str(row.get("reason_en") or ""),
                },
                peak_backlog=float(row.get("peak_backlog") or 0.0),
                peak_storage_utilisation=float(row.get("peak_storage_utilisation") or 0.0),
            )
        )
    return found


def _choose_hour(
    run: RunInfo, totals: np.ndarray, asked: datetime | None, now: datetime, warm_up: int
) -> tuple[int, HourReason]:
    if asked is not None:
        local = (
            asked.astimezone(CHINA_STANDARD_TIME).replace(tzinfo=None) if asked.tzinfo else asked
        )
        hour = math.floor((local - run.start).total_seconds() / 3600)
        return min(max(hour, 0), max(run.hours - 1, 0)), HourReason.asked
    present = math.floor((now.replace(tzinfo=None) - run.start).total_seconds() / 3600)
    if 0 <= present < run.hours:
        return present, HourReason.now
    if totals.size == 0:
        return 0, HourReason.peak
    watched = totals[warm_up:] if warm_up < totals.size else totals
    return int(np.argmax(watched)) + (warm_up if warm_up < totals.size else 0), HourReason.peak


def network_state(
    store: Store,
    home: Path,
    *,
    actor: Principal,
    at: datetime | None = None,
    now: datetime | None = None,
) -> NetworkState:
    """The hubs within ``actor``'s reach and, from the organisation's latest finished
    simulation, their state at the hour ``at`` (default: now when the run covers it, else the
    hour its hubs within reach held the most parcels)."""
    require(actor, Permission.network_read)
    job, folder, without = _latest_run(store, home, actor)
    network = _choose_network(store, actor, job)
    may_simulate = actor.may(Permission.simulation_run)
    if network is None:
        return NetworkState(None, (), without_run=without, may_simulate=may_simulate)
    hubs = [node for node in network.nodes if node.kind is NodeKind.hub]
    if job is None or folder is None:
        return NetworkState(
            network.name,
            tuple(HubState(hub) for hub in hubs),
            None,
            without_run=without,
            may_simulate=may_simulate,
        )
    everything, run_hubs, summary, rows = _run_files(folder, job.id)
    wanted = pa.array([hub.id for hub in hubs], pa.string())
    table = everything.filter(pc.is_in(everything.column("node_id"), value_set=wanted))
    run = _run_info(job, everything, summary)
    return _simulated_state(network, hubs, table, run, (rows, run_hubs), at, now or china_now())


def _series(table: pa.Table, hubs: list[Node], hours: int) -> dict[str, dict[str, np.ndarray]]:
    """Per hub id: its ``backlog``, ``processed`` and ``capacity`` per hour and ``storage``."""
    ids = table.column("node_id").to_numpy(zero_copy_only=False)
    hour = table.column("hour").to_numpy()
    found: dict[str, dict[str, np.ndarray]] = {}
    order = {hub.id: index for index, hub in enumerate(hubs)}
    rows = np.array([order.get(str(node), -1) for node in ids], dtype=np.int64)
    for column in ("backlog", "processed", "capacity", "storage_capacity"):
        grid = np.zeros((len(hubs), max(hours, 1)))
        values = table.column(column).to_numpy()
        kept = rows >= 0
        grid[rows[kept], hour[kept]] = values[kept]
        for hub, index in order.items():
            found.setdefault(hub, {})[column] = grid[index]
    present = set(np.unique(rows[rows >= 0]).tolist())
    return {hub.id: found[hub.id] for hub in hubs if order[hub.id] in present}


def _simulated_state(
    network: Network,
    hubs: list[Node],
    table: pa.Table,
    run: RunInfo,
    written: tuple[list[Any], int],
    at: datetime | None,
    now: datetime,
) -> NetworkState:
    series = _series(table, hubs, run.hours)
    names = {hub.id: hub.name for hub in hubs if hub.id in series}
    totals = np.zeros(run.hours)
    for item in series.values():
        totals += item["backlog"]
    warm_up = int((datetime.combine(run.first_day, time(0)) - run.start).total_seconds()) // 3600
    hour, reason = _choose_hour(run, totals, at, now, max(warm_up, 0))
    moment = run.moment(hour)
    rows, run_hubs = written
    warnings = _warnings(rows, names, whole=run_hubs == len(series))
    open_now = [w for w in warnings if w.end is None or w.end > moment]
    open_now.sort(key=lambda w: (int(w.level), w.start, w.node_id))
    states = tuple(
        _hub_state(hub, series[hub.id], hour, moment, warnings)
        if hub.id in series
        else HubState(hub)
        for hub in hubs
    )
    return NetworkState(network.name, states, run, hour, reason, tuple(open_now), may_simulate=True)


def _hub_state(
    hub: Node,
    data: dict[str, np.ndarray],
    hour: int,
    moment: datetime,
    warnings: list[OpenWarning],
) -> HubState:
    backlog = data["backlog"]
    storage = float(data["storage_capacity"][0]) or float(hub.storage_capacity)
    own = [w for w in warnings if w.node_id == hub.id]
    current = [w for w in own if w.start <= moment and (w.end is None or w.end > moment)]
    capacity = data["capacity"]
    with np.errstate(divide="ignore", invalid="ignore"):
        sorting = np.where(capacity > 0, data["processed"] / capacity, 0.0)
    return HubState(
        node=hub,
        level=min((w.level for w in current), default=None),
        worst_level=min((w.level for w in own), default=None),
        backlog=float(backlog[hour]),
        storage=storage,
        storage_utilisation=float(backlog[hour]) / storage if storage else None,
        hours_to_overflow=hours_to_overflow(backlog, storage, hour),
        peak_backlog=float(backlog.max()),
        peak_storage_utilisation=float(backlog.max()) / storage,
        peak_sorting_utilisation=float(sorting.max()) if sorting.size else None,
        series=tuple(float(v) for v in backlog),
    )
