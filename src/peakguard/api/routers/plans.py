"""Plans on a stored network: staggered pickup (POST …/plans/stagger) and rerouting around
a closure (POST …/plans/reroute)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.plan_output import plan_document
from peakguard.formats.release_document import parse_releases, quota_rows, shortfall_rows
from peakguard.formats.reroute_output import reroute_document
from peakguard.formats.scenario_document import parse_scenario
from peakguard.i18n import _
from peakguard.optimize.comparison import compare_by_simulation
from peakguard.optimize.releases import StaggerParameters, releases_from_scenario
from peakguard.optimize.reroute import reroute_closure
from peakguard.optimize.reroute_parameters import ClosureRequest
from peakguard.optimize.reroute_simulate import simulate_reroute
from peakguard.optimize.stagger import plan_pickups
from peakguard.workflows import Store, get_network

router = APIRouter(prefix="/networks/{name}/plans", tags=["plans"])


class StaggerRequest(BaseModel):
    """A scenario (as in the scenario file), the releases (or none: the scenario's own demand
    with ``window_days`` to spare), the margins, and whether to check by simulation."""

    model_config = ConfigDict(extra="forbid")

    scenario: dict[str, Any]
    releases: list[dict[str, Any]] | None = None
    window_days: Annotated[int, Field(ge=0, le=14)] = 2
    sorting_margin: float = StaggerParameters.sorting_margin
    storage_margin: float = StaggerParameters.storage_margin
    check: bool = False


class StaggerOut(BaseModel):
    summary: dict[str, Any]
    quotas: list[dict[str, Any]]
    shortfalls: list[dict[str, Any]]


@router.post("/stagger", response_model=StaggerOut)
def stagger(request: Request, name: str, body: Annotated[StaggerRequest, Body()]) -> StaggerOut:
    """Pickup quotas per origin, carrier and day; shortfalls where capacity cannot suffice.
    Mistakes in the scenario or the releases come back as 422 with every location."""
    store: Store = request.app.state.store
    network = get_network(store, name)
    scenario = parse_scenario(body.scenario, network, source="scenario")
    if body.releases is None:
        releases = releases_from_scenario(network, scenario, window_days=body.window_days)
    else:
        releases = parse_releases(body.releases)
    if not releases:
        raise InvalidInputError(
            _("The order releases have mistakes."),
            [Problem("releases", _("the file has no releases"))],
        )
    parameters = StaggerParameters(
        sorting_margin=body.sorting_margin, storage_margin=body.storage_margin
    )
    plan = plan_pickups(network, scenario, releases, parameters=parameters)
    comparison = compare_by_simulation(network, scenario, plan) if body.check else None
    quota_keys = ("origin", "carrier", "day", "quota", "released")
    shortfall_keys = ("node", "kind", "start", "hours", "limit", "load", "excess", "unavoidable")
    return StaggerOut(
        summary=plan_document(plan, comparison),
        quotas=[dict(zip(quota_keys, row, strict=True)) for row in quota_rows(plan)],
        shortfalls=[dict(zip(shortfall_keys, row, strict=True)) for row in shortfall_rows(plan)],
    )


class RerouteRequest(BaseModel):
    """A scenario and the closure: nodes and window (none: the scenario's first closure)."""

    model_config = ConfigDict(extra="forbid")

    scenario: dict[str, Any]
    nodes: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    check: bool = False


@router.post("/reroute")
def reroute(request: Request, name: str, body: Annotated[RerouteRequest, Body()]) -> dict[str, Any]:
    """Backup hubs with their shares of the closed node's origins and destinations, the
    temporary lanes and the routing overrides; 422 with every location for a bad request."""
    store: Store = request.app.state.store
    network = get_network(store, name)
    scenario = parse_scenario(body.scenario, network, source="scenario")
    if body.nodes:
        if body.start is None or body.end is None:
            raise InvalidInputError(
                _("The closure cannot be rerouted."),
                [Problem("start" if body.start is None else "end", _("give the closure's window"))],
            )
        closure = ClosureRequest(tuple(body.nodes), body.start, body.end)
    elif scenario.closures:
        closure = ClosureRequest.from_closure(scenario.closures[0])
    else:
        raise InvalidInputError(
            _("nothing to reroute"),
            [Problem("nodes", _("name a node to close, or give the scenario a closure"))],
        )
    plan = reroute_closure(network, scenario, closure)
    comparison = simulate_reroute(network, scenario, plan) if body.check else None
    document = reroute_document(plan, comparison)
    document["routing_overrides"] = [
        {"node": item.node, "destination": item.destination, "next_node": item.next_node}
        for item in plan.routing_overrides
    ]
    document["temporary_lanes"] = [
        {
            "id": item.lane.id,
            "origin": item.lane.origin,
            "destination": item.lane.destination,
            "transit_hours": item.lane.transit_hours,
            "replaces": item.replaces,
        }
        for item in plan.temporary_lanes
    ]
    return document
