"""A peak simulated on a stored network (POST /networks/{name}/simulations), as
``peakguard simulate``: the summary, the warnings and the blockage report drafts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from peakguard.api.running import request_bounds, run_bounded
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


class SimulationRequest(BaseModel):
    """A scenario, as in the scenario file (docs/reference/scenario-format.md)."""

    model_config = ConfigDict(extra="forbid")

    scenario: dict[str, Any]
    settings: dict[str, Any] | None = None
    """A [warnings] section, as in a settings file, replaces the scenario's thresholds."""


@router.post("")
async def simulate(
    request: Request,
    name: str,
    body: Annotated[SimulationRequest, Body()],
    actor: Annotated[Principal, requires(Permission.simulation_run)],
) -> dict[str, Any]:
    """Play the scenario through the stored network hour by hour: what ``summary.json`` and
    ``warnings.json`` hold. Mistakes in the scenario come back as 422 with every location."""
    store: Store = request.app.state.store
    bounds = request_bounds(request)
    network = await run_in_threadpool(
        planning_network, store, name, actor=actor, permission=Permission.simulation_run
    )
    warnings = choose_settings(body.settings, [WarningThresholds]).given_section(WarningThresholds)
    scenario = parse_scenario_document(body.scenario, network)
    check_simulation_size(network, scenario, bounds=bounds)
    return await run_bounded(request, simulated, network, scenario, warnings, actor, bounds)


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
