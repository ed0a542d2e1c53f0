"""A peak played through a network hour by hour: backlog, warnings, blockage report drafts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peakguard.app.access import require
from peakguard.app.bounds import DEFAULT_BOUNDS, WorkBounds, check_simulation_size
from peakguard.domain.network import Network
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.scenario_document import load_scenario, parse_scenario
from peakguard.formats.simulation_output import summary_document, warning_rows, write_simulation
from peakguard.identity.model import Permission, Principal
from peakguard.simulate.events import ScanEvents, expand_events
from peakguard.simulate.run import SimulationResult, simulate
from peakguard.simulate.scenario import Scenario
from peakguard.simulate.warning_rules import WarningThresholds


def read_scenario_file(
    path: Path, network: Network, *, limits: InputLimits = DEFAULT_LIMITS
) -> Scenario:
    """A scenario file (.yaml/.json), checked against ``network``; every mistake located."""
    return load_scenario(path, network, limits=limits)


def parse_scenario_document(document: object, network: Network) -> Scenario:
    """A scenario from its JSON document, mistakes located as ``scenario.closures[0].node``."""
    return parse_scenario(document, network, source="scenario")


@dataclass(frozen=True)
class SimulationOutcome:
    result: SimulationResult
    events: ScanEvents | None
    """Parcel-level scan events of a sample of the parcels (None when none were asked for)."""


def simulate_scenario(
    network: Network,
    scenario: Scenario,
    *,
    actor: Principal,
    events_sample: float = 0.0,
    warnings: WarningThresholds | None = None,
    bounds: WorkBounds = DEFAULT_BOUNDS,
    progress: Callable[[float], None] | None = None,
) -> SimulationOutcome:
    """Simulate ``scenario`` on ``network``; with ``events_sample`` > 0, that share of the
    parcels also becomes scan events. ``warnings`` replaces the scenario's thresholds. A
    scenario over ``bounds`` is refused before it runs. ``progress`` is told the share of the
    simulated hours done, once a simulated day."""
    require(actor, Permission.simulation_run)
    check_simulation_size(network, scenario, bounds=bounds)
    if warnings is not None:
        scenario = scenario.model_copy(update={"warnings": warnings})
    result = simulate(network, scenario, trace=events_sample > 0, progress=progress)
    events = expand_events(result.run, rate=events_sample) if events_sample > 0 else None
    return SimulationOutcome(result, events)


def simulation_document(outcome: SimulationOutcome) -> dict[str, Any]:
    """The run's summary, thresholds and blockage report drafts, with its warnings
    (JSON-ready: what ``summary.json`` and ``warnings.json`` hold)."""
    return summary_document(outcome.result) | {"warnings": warning_rows(outcome.result)}


def write_simulation_files(outcome: SimulationOutcome, folder: Path) -> list[Path]:
    """node_hours.parquet, summary.json, warnings.json/.csv (and scan_events.parquet)."""
    return write_simulation(outcome.result, folder, events=outcome.events)
