"""Plans on a stored network: staggered pickup (POST …/plans/stagger) and rerouting around
closures (POST …/plans/reroute), as ``peakguard plan stagger|reroute``; and the platforms'
schedules of the staggering plans run as jobs (GET /plan-schedules…), each reader seeing its
own part (:mod:`peakguard.app.plan_schedules`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import Field, JsonValue
from starlette.concurrency import run_in_threadpool

from peakguard.api.routers.simulations import Day, ScenarioIn, SettingsSections
from peakguard.api.running import RUN_RESPONSES, request_bounds, run_bounded
from peakguard.api.schemas import RequestModel, ResponseModel, documented
from peakguard.api.security import requires
from peakguard.app.bounds import WorkBounds, check_reroute_size, check_stagger_size
from peakguard.app.networks import planning_network
from peakguard.app.plan_schedules import (
    ScheduleSummary,
    check_platforms,
    get_schedule,
    list_schedules,
)
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

router = APIRouter(tags=["plans"])
PLANS = "/networks/{name}/plans"


class ReleaseIn(RequestModel):
    """A platform's order release (订单释放), as a row of the releases file."""

    origin: str
    carrier: str
    release_day: Day
    latest_day: Day
    parcels: float
    platform: str | None = None
    """The code of the platform organisation that released the orders (none: no platform)."""


class StaggerRequest(RequestModel):
    """A scenario (as in the scenario file), the releases (or none: the scenario's own demand
    with ``window_days`` to spare), the margins, and whether to check by simulation."""

    scenario: ScenarioIn
    releases: list[ReleaseIn] | None = None
    window_days: Annotated[int, Field(ge=0, le=14)] = 2
    sorting_margin: float | None = None
    """Default 0.95, or the settings' [stagger] sorting_margin."""
    storage_margin: float | None = None
    """Default 0.85, or the settings' [stagger] storage_margin."""
    check: bool = False
    settings: SettingsSections | None = None
    """Algorithm parameters by section, as in a settings file (docs/reference/settings-files.md);
    the fields above win over it."""


class StaggerParametersOut(ResponseModel):
    sorting_margin: float
    storage_margin: float
    storage_hours_per_day: int
    carrier_fairness: float
    origin_fairness: float
    pickup_floor: float
    pickup_floor_basis: str


class StaggerSettingsOut(ResponseModel):
    stagger: dict[str, JsonValue]
    """The [stagger] section the plan ran with, as in a settings file."""


class SolverOut(ResponseModel):
    rows: int
    columns: int
    nonzeros: int
    build_seconds: float
    solve_seconds: float


class RunFiguresOut(ResponseModel):
    accepted: int
    on_time_rate: float
    mean_delivery_hours: float
    parcels_late: int
    left_in_network: int
    overflow_node_hours: int
    hubs_overflowing: int
    hub_overflow_hours: int
    peak_hub_storage_utilisation: float


class PlanCheckOut(ResponseModel):
    """The plan checked by simulation: the run without it and the run with it."""

    unplanned: RunFiguresOut
    planned: RunFiguresOut
    mean_release_to_delivery_hours_unplanned: float
    mean_release_to_delivery_hours_planned: float


class StaggerSummaryOut(ResponseModel):
    network: str
    scenario: str
    within_capacity: bool
    hubs_within_capacity: bool
    parcels: int
    delayed_parcels: int
    delay_parcel_days: int
    worst_carrier_mean_delay_days: float
    worst_origin_mean_delay_days: float
    overflow_parcels: int
    shortfalls: int
    parameters: StaggerParametersOut
    settings: StaggerSettingsOut
    solver: SolverOut
    simulated: PlanCheckOut | None = None
    """Present when the request asked for the check."""


class QuotaOut(ResponseModel):
    """Parcels the carrier may pick up at ``origin`` on ``day`` (揽收配额)."""

    origin: str
    carrier: str
    day: str
    quota: int
    released: int


class ShortfallOut(ResponseModel):
    node: str
    kind: Literal["sorting", "storage", "closed"]
    start: str
    hours: int
    limit: int
    load: int
    excess: int
    unavoidable: bool


class CustomerGroupOut(ResponseModel):
    """Released parcels of one carrier, one origin, or all ("key" empty), counted from
    release."""

    key: str
    parcels: int
    release_to_delivery_hours: float
    late_from_release: int
    """Later than their service standard counted from release, or not delivered."""
    picked_up_after_release_day: int


class CustomerSideOut(ResponseModel):
    total: CustomerGroupOut
    carriers: list[CustomerGroupOut]
    origins: list[CustomerGroupOut]


class NewOverflowOut(ResponseModel):
    """A node the plan puts over storage that the releases as released did not."""

    node: str
    kind: str
    peak_storage_before: float
    peak_storage_after: float
    overflow_hours_after: int


class CustomersOut(ResponseModel):
    """The customers' side, "before" being the releases picked up on their release day."""

    before_means: str
    customers_wait_longer: bool
    before: CustomerSideOut
    after: CustomerSideOut
    new_overflow_nodes: list[NewOverflowOut]


class PlatformQuotaOut(ResponseModel):
    """Parcels of ``platform``'s releases at ``origin`` to be picked up on ``day``: its share
    of the origin's pickup quota (``platform`` empty: releases naming no platform)."""

    platform: str
    origin: str
    carrier: str
    region: str
    day: str
    quota: float
    released: float


class PlatformsOut(ResponseModel):
    """Every platform's schedule; its customers counted from release when checked."""

    no_platform_means: str
    quotas: list[PlatformQuotaOut]
    customers_before: list[CustomerGroupOut]
    customers_after: list[CustomerGroupOut]


class StaggerOut(ResponseModel):
    summary: StaggerSummaryOut
    quotas: list[QuotaOut]
    shortfalls: list[ShortfallOut]
    customers: CustomersOut | None = None
    """Present when the request asked for the check."""
    platforms: PlatformsOut | None = None


@router.post(
    PLANS + "/stagger", response_model=StaggerOut, responses=documented(404) | RUN_RESPONSES
)
async def stagger(
    request: Request,
    name: str,
    body: Annotated[StaggerRequest, Body()],
    actor: Annotated[Principal, requires(Permission.plan_run)],
) -> StaggerOut:
    """Pickup quotas per origin, carrier and day; shortfalls where capacity cannot suffice.
    Mistakes in the scenario or the releases come back as 422 with every location, as does a
    plan over the caps on its size; 404 for an unknown network; 503 when every worker is busy;
    504 when the plan passes the server's time or memory limit."""
    store: Store = request.app.state.store
    bounds = request_bounds(request)
    network = await run_in_threadpool(
        planning_network, store, name, actor=actor, permission=Permission.plan_run
    )
    scenario = parse_scenario_document(body.scenario.document(), network)
    releases = (
        None
        if body.releases is None
        else parse_releases_document([row.model_dump(mode="json") for row in body.releases])
    )
    if releases is not None:
        await run_in_threadpool(check_platforms, store, releases.releases)
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
    return StaggerOut.model_validate(document)


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


class RerouteRequest(RequestModel):
    """A scenario and the closure: nodes and window (none: every closure of the scenario)."""

    scenario: ScenarioIn
    nodes: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    check: bool = False
    settings: SettingsSections | None = None
    """Algorithm parameters by section, as in a settings file (docs/reference/settings-files.md);
    the fields above win over it."""


class RerouteSettingsOut(ResponseModel):
    reroute: dict[str, JsonValue]
    """The [reroute] section the plan ran with, as in a settings file."""


class BackupOut(ResponseModel):
    hub: str
    carrier: str
    automated_sorter: bool
    origins: list[str]
    destinations: list[str]
    parcels: int
    origin_share: float
    destination_share: float
    parcel_share: float
    mean_added_transit_hours: float
    spare_used_share: float


class TemporaryLaneOut(ResponseModel):
    id: str
    origin: str
    destination: str
    transit_hours: float
    replaces: str | None


class RoutingOverrideOut(ResponseModel):
    node: str
    destination: str
    next_node: str


class RerouteRunOut(ResponseModel):
    refused_departures_at_closed_nodes: int
    on_time_rate: float
    mean_delivery_hours: float
    delivered: int
    left_at_nodes: int
    backup_peak_storage_utilisation: dict[str, float]
    """Backup hub → its peak storage utilisation."""


class RerouteCheckOut(ResponseModel):
    without_reroute: RerouteRunOut
    with_reroute: RerouteRunOut


class ClosureRerouteOut(ResponseModel):
    """One closure's reroute: backups with their shares of the closed node's origins and
    destinations, temporary lanes and routing overrides."""

    closed: list[str]
    closure_start: str
    closure_end: str
    rerouted_from: str
    parcels: int
    absorbed_parcels: int
    unabsorbed_parcels: int
    settings: RerouteSettingsOut
    backups: list[BackupOut]
    temporary_lanes: list[TemporaryLaneOut]
    routing_overrides: list[RoutingOverrideOut]
    simulated: RerouteCheckOut | None = None
    """Present when the request asked for the check."""


class RerouteOut(ResponseModel):
    closures: list[ClosureRerouteOut]
    """One reroute per closure, in the scenario's order."""


@router.post(
    PLANS + "/reroute", response_model=RerouteOut, responses=documented(404) | RUN_RESPONSES
)
async def reroute(
    request: Request,
    name: str,
    body: Annotated[RerouteRequest, Body()],
    actor: Annotated[Principal, requires(Permission.plan_run)],
) -> RerouteOut:
    """Backup hubs for the given closure, or for each of the scenario's closures; 422 with
    every location for a bad request or one over the caps; 404 for an unknown network; 503
    when every worker is busy; 504 past the server's time or memory limit."""
    store: Store = request.app.state.store
    bounds = request_bounds(request)
    network = await run_in_threadpool(
        planning_network, store, name, actor=actor, permission=Permission.plan_run
    )
    scenario = parse_scenario_document(body.scenario.document(), network)
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
    return RerouteOut.model_validate({"closures": closed})


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


class ScheduleSummaryOut(ResponseModel):
    """A finished staggering plan with a schedule the reader may see."""

    job_id: str
    network: str
    scenario: str
    planned_by: str
    """The organisation that made the plan."""
    finished_at: datetime | None
    platforms: list[str]
    """The platforms whose schedule the reader sees (a platform: only its own)."""


class ScheduleListOut(ResponseModel):
    schedules: list[ScheduleSummaryOut]


class ScheduleOut(ResponseModel):
    """One plan's schedule as the reader may see it: a platform its own rows and figures, a
    regulator the origins in its territory, a carrier its brand."""

    plan: ScheduleSummaryOut
    quotas: list[PlatformQuotaOut]
    customers_before: list[CustomerGroupOut]
    customers_after: list[CustomerGroupOut]


def _summary_out(item: ScheduleSummary) -> ScheduleSummaryOut:
    return ScheduleSummaryOut(
        job_id=item.job_id,
        network=item.network,
        scenario=item.scenario,
        planned_by=item.planned_by,
        finished_at=item.finished_at,
        platforms=list(item.platforms),
    )


@router.get("/plan-schedules", response_model=ScheduleListOut)
def plan_schedules(
    request: Request,
    actor: Annotated[Principal, requires(Permission.plan_read)],
    platform: Annotated[str | None, Query(max_length=64)] = None,
) -> ScheduleListOut:
    """The finished staggering plans with a schedule the caller may see, newest first: a
    platform every plan carrying its releases, a regulator or carrier its own organisation's
    plans, the system every plan; anyone else none. ``platform``: only the
    plans carrying that platform's releases."""
    store: Store = request.app.state.store
    found = list_schedules(store, actor, platform=platform)
    return ScheduleListOut(schedules=[_summary_out(item) for item in found])


@router.get("/plan-schedules/{job_id}", response_model=ScheduleOut, responses=documented(404))
def plan_schedule(
    request: Request,
    job_id: Annotated[str, Path(max_length=64)],
    actor: Annotated[Principal, requires(Permission.plan_read)],
    platform: Annotated[str | None, Query(max_length=64)] = None,
) -> ScheduleOut:
    """One plan's schedule: per platform, origin and day, the parcels of the platform's
    releases to pick up, and each platform's customers counted from release — only the
    caller's part, or only ``platform``'s (404 for a plan it sees nothing of, as for one that
    does not exist)."""
    store: Store = request.app.state.store
    view = get_schedule(store, actor, job_id, request.app.state.settings, platform=platform)
    return ScheduleOut(
        plan=_summary_out(view.summary),
        quotas=[
            PlatformQuotaOut(
                platform=q.platform,
                origin=q.origin,
                carrier=q.carrier,
                region=q.region,
                day=q.day.isoformat(),
                quota=q.quota,
                released=q.released,
            )
            for q in view.quotas
        ],
        customers_before=[CustomerGroupOut.model_validate(g) for g in view.customers_before],
        customers_after=[CustomerGroupOut.model_validate(g) for g in view.customers_after],
    )
