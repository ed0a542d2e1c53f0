"""A peak simulated on a stored network (POST /networks/{name}/simulations), as
``peakguard simulate``: the summary, the warnings and the blockage report drafts.

The scenario's request model (:class:`ScenarioIn`, shared with the plans) gives the scenario
file's shape; its values' ranges and references (a closed node the network lacks) are checked
by the scenario's own reader, which locates each mistake as ``scenario.closures[0].node``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request
from pydantic import Field, JsonValue
from starlette.concurrency import run_in_threadpool

from peakguard.api.running import RUN_RESPONSES, request_bounds, run_bounded
from peakguard.api.schemas import RequestModel, ResponseModel, documented
from peakguard.api.security import requires
from peakguard.app.bounds import WorkBounds, check_simulation_size
from peakguard.app.networks import planning_network
from peakguard.app.settings_files import choose_settings
from peakguard.app.simulation import (
    parse_scenario_document,
    simulate_scenario,
    simulation_document,
)
from peakguard.domain.network import Network
from peakguard.identity.model import Permission, Principal
from peakguard.simulate.scenario import Scenario
from peakguard.simulate.warning_rules import WarningThresholds
from peakguard.store.database import Store

router = APIRouter(prefix="/networks/{name}/simulations", tags=["simulations"])

Day = Annotated[str, Field(json_schema_extra={"format": "date"}, examples=["2026-11-11"])]
"""A day, ``YYYY-MM-DD``; read (and a mistake located) by the reader of the document."""
Moment = Annotated[
    str, Field(description="A time, YYYY-MM-DDTHH:MM (China time), or a day for its 00:00.")
]
SettingsSections = dict[str, dict[str, JsonValue]]
"""A settings file's sections as JSON: section → parameter → value
(docs/reference/settings-files.md)."""


class LevelThresholdIn(RequestModel):
    storage_utilisation: float
    overflow_within_hours: int


class WarningThresholdsIn(RequestModel):
    """The warning levels' thresholds (local policy; defaults in the scenario format)."""

    red: LevelThresholdIn | None = None
    orange: LevelThresholdIn | None = None
    yellow: LevelThresholdIn | None = None
    blue: LevelThresholdIn | None = None
    hold_hours: int | None = None
    network_hub_share: float | None = None
    blockage_hours: int | None = None


class DemandIn(RequestModel):
    outbound_share: float | None = None
    inbound_share: float | None = None
    pickup_hours: list[int] | None = None
    inbound_hours: list[int] | None = None


class VolumeMultiplierIn(RequestModel):
    first_day: Day
    last_day: Day | None = None
    multiplier: float
    carrier: str | None = None
    origin_region: str | None = None


class ClosureIn(RequestModel):
    node: str
    start: Moment
    end: Moment
    reason: str | None = None


class CapacityChangeIn(RequestModel):
    node: str
    start: Moment
    end: Moment
    sorting_multiplier: float | None = None
    extra_per_hour: int | None = None
    extra_storage: int | None = None


class LaneChangeIn(RequestModel):
    lane: str
    start: Moment
    end: Moment
    capacity_multiplier: float


class ScenarioIn(RequestModel):
    """A scenario, as in the scenario file (docs/reference/scenario-format.md); a field left
    out takes the format's default."""

    name: str
    description: str | None = None
    first_day: Day
    days: int
    """1 to 120; the caps on a run's size may refuse fewer on a large network."""
    drain_days: int | None = None
    warm_up_days: int | None = None
    storage_policy: Literal["block", "overflow"] | None = None
    demand: DemandIn | None = None
    volume_multipliers: list[VolumeMultiplierIn] | None = None
    closures: list[ClosureIn] | None = None
    capacity_changes: list[CapacityChangeIn] | None = None
    lane_changes: list[LaneChangeIn] | None = None
    warnings: WarningThresholdsIn | None = None

    def document(self) -> dict[str, Any]:
        """The scenario document as given, for the scenario's reader."""
        return self.model_dump(mode="json", exclude_none=True)


class SimulationRequest(RequestModel):
    """A scenario, as in the scenario file (docs/reference/scenario-format.md)."""

    scenario: ScenarioIn
    settings: SettingsSections | None = None
    """A [warnings] section, as in a settings file, replaces the scenario's thresholds."""


class WarningsByLevel(ResponseModel):
    """Warnings raised at each level (0 where none)."""

    blue: int = 0
    yellow: int = 0
    orange: int = 0
    red: int = 0


class SimulationSummaryOut(ResponseModel):
    accepted: float
    delivered: float
    delivered_on_time: float
    on_time_rate: float
    mean_delivery_hours: float
    left_at_nodes: float
    in_transit: float
    unroutable: float
    peak_backlog: float
    overflow_node_hours: int
    nodes_overflowing: int
    warnings_by_level: WarningsByLevel


class LevelThresholdOut(ResponseModel):
    storage_utilisation: float
    overflow_within_hours: int


class WarningThresholdsOut(ResponseModel):
    red: LevelThresholdOut
    orange: LevelThresholdOut
    yellow: LevelThresholdOut
    blue: LevelThresholdOut
    hold_hours: int
    network_hub_share: float
    blockage_hours: int


class WarningSettingsOut(ResponseModel):
    warnings: WarningThresholdsOut


class BlockageReportOut(ResponseModel):
    """A draft of the blockage report (阻断报告) due for a closure."""

    node_id: str
    node_name: str
    reason: str
    start_hour: int
    end_hour: int
    hours: int
    due_hour: int
    parcels_held: float
    parcels_refused: float
    start: str
    end: str
    due: str


class WarningOut(ResponseModel):
    node_id: str
    """A node's id, or ``(network)`` for a warning of the whole network."""
    node_name: str
    level: str
    colour: str
    level_zh: str
    start: str
    end: str | None
    """None while the warning still stands when the run ends."""
    reason_zh: str
    reason_en: str
    peak_backlog: float
    peak_storage_utilisation: float


class SimulationOut(ResponseModel):
    """What ``summary.json`` and ``warnings.json`` hold."""

    scenario: str
    network: str
    first_day: str
    days: int
    drain_days: int
    storage_policy: str
    summary: SimulationSummaryOut
    warning_thresholds: WarningThresholdsOut
    settings: WarningSettingsOut
    warning_thresholds_note: str
    blockage_reports: list[BlockageReportOut]
    warnings: list[WarningOut]


@router.post("", response_model=SimulationOut, responses=documented(404) | RUN_RESPONSES)
async def simulate(
    request: Request,
    name: str,
    body: Annotated[SimulationRequest, Body()],
    actor: Annotated[Principal, requires(Permission.simulation_run)],
) -> SimulationOut:
    """Play the scenario through the stored network hour by hour: what ``summary.json`` and
    ``warnings.json`` hold. Mistakes in the scenario come back as 422 with every location, as
    does a scenario over the caps on a run's size; 404 for an unknown network; 503 when every
    worker is busy; 504 when the run passes the server's time or memory limit."""
    store: Store = request.app.state.store
    bounds = request_bounds(request)
    network = await run_in_threadpool(
        planning_network, store, name, actor=actor, permission=Permission.simulation_run
    )
    warnings = choose_settings(body.settings, [WarningThresholds]).given_section(WarningThresholds)
    scenario = parse_scenario_document(body.scenario.document(), network)
    check_simulation_size(network, scenario, bounds=bounds)
    document = await run_bounded(request, simulated, network, scenario, warnings, actor, bounds)
    return SimulationOut.model_validate(document)


def simulated(
    network: Network,
    scenario: Scenario,
    warnings: WarningThresholds | None,
    actor: Principal,
    bounds: WorkBounds,
) -> dict[str, Any]:
    """The run's document, computed in the run's child process."""
    outcome = simulate_scenario(network, scenario, actor=actor, warnings=warnings, bounds=bounds)
    return simulation_document(outcome)
