"""Graded warnings from a run: per node and for the network, with why, when, and until when.

At every hour a node's level is the most severe whose test holds: its backlog at or above the
level's share of storage, or the run forecasting it overflowing within the level's horizon.
A warning starts when a level is first reached and is not repeated while it holds; a more
severe level supersedes it at once (a new warning), a less severe one only after it has held
``hold_hours``. Thresholds are local policy (see :mod:`.warning_rules`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from peakguard.domain.network import Network, NodeKind
from peakguard.i18n import Message, _
from peakguard.simulate.engine import SimulationRun
from peakguard.simulate.scenario import Scenario
from peakguard.simulate.warning_rules import WarningLevel, WarningThresholds, level_label

NONE = 5
NETWORK = "(network)"


@dataclass(frozen=True)
class Warning:
    node_id: str
    """A node's id, or ``(network)`` for the network as a whole."""
    level: WarningLevel
    start_hour: int
    end_hour: int | None
    """First hour no longer at this level; None if it still holds at the end of the run."""
    reason: Message
    peak_backlog: float
    peak_storage_utilisation: float


@dataclass(frozen=True)
class BlockageReport:
    """Draft of the network blockage report (服务网络阻断) due to the regulator within 24 h."""

    node_id: str
    node_name: str
    reason: str
    start_hour: int
    end_hour: int
    hours: int
    due_hour: int
    parcels_held: float
    parcels_refused: float


def node_levels(
    backlog: npt.NDArray[np.float64],
    storage: npt.NDArray[np.float64],
    thresholds: WarningThresholds,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """[node, hour] level (1–4, 5 = none) and hours until the forecast overflow (inf: none)."""
    nodes, hours = backlog.shape
    overflowing = backlog >= storage[:, None] - 1e-9
    next_overflow = np.full((nodes, hours), np.inf)
    upcoming = np.full(nodes, np.inf)
    for hour in range(hours - 1, -1, -1):
        upcoming = np.where(overflowing[:, hour], hour, upcoming)
        next_overflow[:, hour] = upcoming
    ahead = next_overflow - np.arange(hours)[None, :]
    utilisation = backlog / storage[:, None]
    level: npt.NDArray[np.int64] = np.full((nodes, hours), NONE, dtype=np.int64)
    for grade, rule in sorted(thresholds.by_level().items(), reverse=True):
        hit = (utilisation >= rule.storage_utilisation) | (ahead <= rule.overflow_within_hours)
        level[hit] = int(grade)
    return level, ahead.astype(np.float64)


def episodes(levels: npt.NDArray[np.int64], hold_hours: int) -> list[tuple[int, int, int | None]]:
    """(level, start, end) runs of one series. A more severe level supersedes at once; a level
    is lowered only once the series has stayed less severe for ``hold_hours``, and then to the
    most severe level seen in that time, from the first hour it was seen."""
    series = levels.tolist()
    found: list[tuple[int, int, int | None]] = []
    current, start, lower_since = NONE, 0, -1
    for hour, level in enumerate(series):
        if level < current:
            if current != NONE:
                found.append((current, start, hour))
            current, start, lower_since = level, hour, -1
        elif level > current:
            if lower_since < 0:
                lower_since = hour
            if hour - lower_since + 1 >= max(1, hold_hours):
                window = series[lower_since : hour + 1]
                best = min(window)
                found.append((current, start, lower_since))
                current = best
                start = lower_since + window.index(best)
                lower_since = -1
        else:
            lower_since = -1
    if current != NONE:
        found.append((current, start, None))
    return [(level, begin, end) for level, begin, end in found if level != NONE]


def raise_warnings(run: SimulationRun, network: Network, scenario: Scenario) -> list[Warning]:
    """Warnings for every node that reaches a level, then for the network as a whole."""
    thresholds = scenario.warnings
    storage = run.plan.storage_capacity
    levels, ahead = node_levels(run.backlog, storage, thresholds)
    levels[:, : scenario.warm_up_hours] = NONE  # the warm-up is not the period under watch
    warned: list[Warning] = []
    for node in np.flatnonzero((levels < NONE).any(axis=1)).tolist():
        for level, start, end in episodes(levels[node], thresholds.hold_hours):
            stop = end if end is not None else levels.shape[1]
            window = run.backlog[node, start:stop]
            warned.append(
                Warning(
                    node_id=run.plan.node_ids[node],
                    level=WarningLevel(level),
                    start_hour=start,
                    end_hour=end,
                    reason=_reason(
                        level,
                        run.backlog[node, start] / storage[node],
                        float(ahead[node, start]),
                        start,
                        thresholds,
                        scenario,
                    ),
                    peak_backlog=float(window.max()),
                    peak_storage_utilisation=float(window.max() / storage[node]),
                )
            )
    hubs = np.array([node.kind is NodeKind.hub for node in network.nodes])
    if hubs.any():
        needed = max(1, math.ceil(thresholds.network_hub_share * int(hubs.sum())))
        hub_levels = levels[hubs]
        network_level = np.full(levels.shape[1], NONE, dtype=np.int64)
        for grade in sorted(WarningLevel, reverse=True):
            count = (hub_levels <= int(grade)).sum(axis=0)
            network_level[count >= needed] = int(grade)
        for level, start, end in episodes(network_level, thresholds.hold_hours):
            count = int((hub_levels[:, start] <= level).sum())
            warned.append(
                Warning(
                    node_id=NETWORK,
                    level=WarningLevel(level),
                    start_hour=start,
                    end_hour=end,
                    reason=_(
                        "{count} of {total} hubs at {level} or worse, at or above the "
                        "{share} threshold",
                        count=count,
                        total=int(hubs.sum()),
                        level=level_label(WarningLevel(level)),
                        share=f"{thresholds.network_hub_share:.0%}",
                    ),
                    peak_backlog=float(run.backlog[hubs].sum(axis=0)[start:end].max()),
                    peak_storage_utilisation=float(count / int(hubs.sum())),
                )
            )
    warned.sort(key=lambda w: (w.start_hour, w.level, w.node_id))
    return warned


def _reason(
    level: int,
    utilisation: float,
    ahead: float,
    hour: int,
    thresholds: WarningThresholds,
    scenario: Scenario,
) -> Message:
    rule = thresholds.by_level()[WarningLevel(level)]
    if utilisation >= rule.storage_utilisation or not math.isfinite(ahead):
        return _(
            "backlog at {utilisation} of storage capacity, at or above the {threshold} "
            "threshold of {level}",
            utilisation=f"{utilisation:.0%}",
            threshold=f"{rule.storage_utilisation:.0%}",
            level=level_label(WarningLevel(level)),
        )
    moment = scenario.moment(hour + int(ahead))
    return _(
        "overflow forecast at {moment} ({hours} h ahead), within the {limit} h horizon of {level}",
        moment=moment.strftime("%Y-%m-%d %H:00"),
        hours=int(ahead),
        limit=rule.overflow_within_hours,
        level=level_label(WarningLevel(level)),
    )


def blockage_reports(
    run: SimulationRun, network: Network, scenario: Scenario
) -> list[BlockageReport]:
    """A draft for every closure at least ``blockage_hours`` long."""
    reports = []
    position = {node_id: index for index, node_id in enumerate(run.plan.node_ids)}
    for closure in scenario.closures:
        start, end = scenario.hour_of(closure.start), scenario.hour_of(closure.end)
        if end - start < scenario.warnings.blockage_hours:
            continue
        node = position[closure.node]
        last = max(start, min(end, run.backlog.shape[1]) - 1)
        reports.append(
            BlockageReport(
                node_id=closure.node,
                node_name=network.nodes[node].name,
                reason=closure.reason,
                start_hour=start,
                end_hour=end,
                hours=end - start,
                due_hour=start + 24,
                parcels_held=float(run.backlog[node, last]),
                parcels_refused=float(run.blocked[node, start:end].sum()),
            )
        )
    return reports
