"""Plans on a stored network: staggered pickup (POST …/plans/stagger) and rerouting around
closures (POST …/plans/reroute), as ``peakguard plan stagger|reroute``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from peakguard.api.running import request_bounds, run_bounded
from peakguard.api.security import requires
from peakguard.app.bounds import WorkBounds, check_reroute_size, check_stagger_size
from peakguard.app.networks import planning_network
from peakguard.app.plans import (
    Releases,
    closure_requests,
    parse_releases_document,
    plan_reroute,
    plan_stagger,
    reroute_plan_document,
    scenario_releases,
    stagger_document,
)
from peakguard.app.settings_files import choose_settings
from peakguard.app.simulation import parse_scenario_document
from peakguard.domain.network import Network
from peakguard.identity.model import Permission, Principal
from peakguard.optimize.releases import StaggerParameters
from peakguard.optimize.reroute_parameters import ClosureRequest, RerouteParameters
from peakguard.simulate.scenario import Scenario
from peakguard.store.database import Store

router = APIRouter(prefix="/networks/{name}/plans", tags=["plans"])


class StaggerRequest(BaseModel):
    """A scenario (as in the scenario file), the releases (or none: the scenario's own demand
    with ``window_days`` to spare), the margins, and whether to check by simulation."""

    model_config = ConfigDict(extra="forbid")

    scenario: dict[str, Any]
    releases: list[dict[str, Any]] | None = None
    window_days: Annotated[int, Field(ge=0, le=14)] = 2
    sorting_margin: float | None = None
    """Default 0.95, or the settings' [stagger] sorting_margin."""
    storage_margin: float | None = None
    """Default 0.85, or the settings' [stagger] storage_margin."""
    check: bool = False
    settings: dict[str, Any] | None = None
    """Algorithm parameters by section, as in a settings file (docs/reference/settings-files.md);
    the fields above win over it."""


class StaggerOut(BaseModel):
    summary: dict[str, Any]
    quotas: list[dict[str, Any]]
    shortfalls: list[dict[str, Any]]


@router.post("/stagger", response_model=StaggerOut)
async def stagger(
    request: Request,
    name: str,
    body: Annotated[StaggerRequest, Body()],
    actor: Annotated[Principal, requires(Permission.plan_run)],
) -> StaggerOut:
    """Pickup quotas per origin, carrier and day; shortfalls where capacity cannot suffice.
    Mistakes in the scenario or the releases come back as 422 with every location."""
    store: Store = request.app.state.store
    bounds = request_bounds(request)
    network = await run_in_threadpool(
        planning_network, store, name, actor=actor, permission=Permission.plan_run
    )
    scenario = parse_scenario_document(body.scenario, network)
    releases = None if body.releases is None else parse_releases_document(body.releases)
    windows = [] if releases is None else [(r.release_day, r.latest_day) for r in releases.releases]
    check_stagger_size(network, scenario, windows, check=body.check, bounds=bounds)
    parameters = choose_settings(body.settings, [StaggerParameters]).get(
        StaggerParameters, sorting_margin=body.sorting_margin, storage_margin=body.storage_margin
    )
    document = await run_bounded(
        request,
        staggered,
        network,
        scenario,
        releases,
        body.window_days,
        parameters,
        body.check,
        actor,
        bounds,
    )
    return StaggerOut(**document)


def staggered(
    network: Network,
    scenario: Scenario,
    releases: Releases | None,
    window_days: int,
    parameters: StaggerParameters,
    check: bool,
    actor: Principal,
    bounds: WorkBounds,
) -> dict[str, Any]:
    """The staggering plan's document, computed in the run's child process."""
    if releases is None:
        releases = scenario_releases(network, scenario, window_days=window_days, bounds=bounds)
    outcome = plan_stagger(
        network, scenario, releases, actor=actor, parameters=parameters, check=check, bounds=bounds
    )
    return stagger_document(outcome)


class RerouteRequest(BaseModel):
    """A scenario and the closure: nodes and window (none: every closure of the scenario)."""

    model_config = ConfigDict(extra="forbid")

    scenario: dict[str, Any]
    nodes: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    check: bool = False
    settings: dict[str, Any] | None = None
    """Algorithm parameters by section, as in a settings file (docs/reference/settings-files.md);
    the fields above win over it."""


class RerouteOut(BaseModel):
    closures: list[dict[str, Any]]
    """One reroute per closure, in the scenario's order: backups with their shares of the
    closed node's origins and destinations, temporary lanes and routing overrides."""


@router.post("/reroute", response_model=RerouteOut)
async def reroute(
    request: Request,
    name: str,
    body: Annotated[RerouteRequest, Body()],
    actor: Annotated[Principal, requires(Permission.plan_run)],
) -> RerouteOut:
    """Backup hubs for the given closure, or for each of the scenario's closures; 422 with
    every location for a bad request."""
    store: Store = request.app.state.store
    bounds = request_bounds(request)
    network = await run_in_threadpool(
        planning_network, store, name, actor=actor, permission=Permission.plan_run
    )
    scenario = parse_scenario_document(body.scenario, network)
    closures = closure_requests(scenario, body.nodes, body.start, body.end)
    check_reroute_size(
        network,
        scenario,
        len(closures),
        check=body.check,
        bounds=bounds,
        closures_at="nodes" if body.nodes else "scenario.closures",
    )
    parameters = choose_settings(body.settings, [RerouteParameters]).get(RerouteParameters)
    closed = await run_bounded(
        request, rerouted, network, scenario, closures, parameters, body.check, actor, bounds
    )
    return RerouteOut(closures=closed)


def rerouted(
    network: Network,
    scenario: Scenario,
    closures: list[ClosureRequest],
    parameters: RerouteParameters,
    check: bool,
    actor: Principal,
    bounds: WorkBounds,
) -> list[dict[str, Any]]:
    """Each closure's reroute document, computed in the run's child process."""
    outcome = plan_reroute(
        network, scenario, closures, actor=actor, parameters=parameters, check=check, bounds=bounds
    )
    return [
        reroute_plan_document(plan, comparison)
        for plan, comparison in zip(outcome.plans, outcome.comparisons, strict=True)
    ]
