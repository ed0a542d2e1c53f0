"""Plans that keep the nodes inside capacity: staggered pickup (错峰发货) and rerouting around a
closed hub (调整路由), each checked by simulation when asked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from peakguard.app.access import require
from peakguard.app.bounds import (
    DEFAULT_BOUNDS,
    WorkBounds,
    check_reroute_size,
    check_simulation_size,
    check_stagger_size,
)
from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.plan_output import (
    customers_document,
    plan_document,
    platforms_document,
    write_plan,
)
from peakguard.formats.release_document import (
    parse_releases,
    quota_rows,
    read_releases,
    shortfall_rows,
)
from peakguard.formats.reroute_output import reroute_document, write_reroute
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.optimize.comparison import PlanComparison, compare_by_simulation
from peakguard.optimize.platform_shares import even_split
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import OrderRelease, StaggerParameters, releases_from_scenario
from peakguard.optimize.reroute import ReroutePlan, reroute_closure
from peakguard.optimize.reroute_parameters import ClosureRequest, RerouteParameters
from peakguard.optimize.reroute_simulate import RerouteComparison, simulate_reroute
from peakguard.optimize.stagger import PickupPlan, plan_pickups
from peakguard.optimize.stagger_platforms import PlatformSchedule, platform_schedule
from peakguard.simulate.scenario import Scenario

QUOTA_KEYS = ("origin", "carrier", "day", "quota", "released")
SHORTFALL_KEYS = ("node", "kind", "start", "hours", "limit", "load", "excess", "unavoidable")


@dataclass(frozen=True)
class Releases:
    """Order releases and, when read from a file, where each came from (``releases.csv row 3``)."""

    releases: list[OrderRelease]
    places: list[str] | None = None


def read_releases_file(
    path: Path, network: Network, scenario: Scenario, *, limits: InputLimits = DEFAULT_LIMITS
) -> Releases:
    """A releases file (.csv/.xlsx), checked against the network and the scenario."""
    releases, places = read_releases(path, network=network, scenario=scenario, limits=limits)
    return Releases(releases, places)


def parse_releases_document(records: object) -> Releases:
    """Releases from JSON rows, mistakes located as ``releases[2].parcels``."""
    return Releases(parse_releases(records))


def scenario_releases(
    network: Network,
    scenario: Scenario,
    *,
    window_days: int = 2,
    bounds: WorkBounds = DEFAULT_BOUNDS,
) -> Releases:
    """The scenario's own demand as releases, each free to wait ``window_days``; a scenario
    over the caps on a run's size is refused before its demand is built."""
    check_simulation_size(network, scenario, bounds=bounds, runs=0)
    return Releases(releases_from_scenario(network, scenario, window_days=window_days))


@dataclass(frozen=True)
class StaggerOutcome:
    plan: PickupPlan
    comparison: PlanComparison | None
    platforms: PlatformSchedule | None = None
    """Each platform's schedule and, when checked, its customers' figures."""


def plan_stagger(
    network: Network,
    scenario: Scenario,
    releases: Releases,
    *,
    actor: Principal,
    parameters: StaggerParameters | None = None,
    check: bool = True,
    bounds: WorkBounds = DEFAULT_BOUNDS,
) -> StaggerOutcome:
    """Pickup quotas per origin, carrier and day that keep the nodes inside capacity, and
    each platform's share of them (releases alike in origin and window share their pickups
    in proportion), checked by simulation when ``check``; refused before any work when over
    ``bounds``."""
    require(actor, Permission.plan_run)
    if not releases.releases:
        raise InvalidInputError(
            _("The order releases have mistakes."),
            [Problem("releases", _("the file has no releases"))],
        )
    windows = [(item.release_day, item.latest_day) for item in releases.releases]
    check_stagger_size(network, scenario, windows, check=check, bounds=bounds)
    problem = compile_problem(network, scenario)
    plan = plan_pickups(problem, releases.releases, parameters=parameters, places=releases.places)
    plan = replace(plan, release_pickups=even_split(plan.release_pickups))
    comparison = compare_by_simulation(problem, plan) if check else None
    return StaggerOutcome(plan, comparison, platform_schedule(problem, plan, comparison))


def stagger_document(outcome: StaggerOutcome) -> dict[str, Any]:
    """The plan's summary, quotas and shortfalls (JSON-ready)."""
    plan = outcome.plan
    return {
        "summary": plan_document(plan, outcome.comparison),
        "customers": customers_document(outcome.comparison),
        "quotas": [dict(zip(QUOTA_KEYS, row, strict=True)) for row in quota_rows(plan)],
        "shortfalls": [dict(zip(SHORTFALL_KEYS, row, strict=True)) for row in shortfall_rows(plan)],
        "platforms": platforms_document(outcome.platforms),
    }


def write_stagger_files(
    outcome: StaggerOutcome, folder: Path, *, language: str | None = None
) -> list[Path]:
    """quotas.csv, platform_quotas.csv, quotas.xlsx, shortfalls.csv, hubs.csv and plan.json
    in ``folder``."""
    return write_plan(
        outcome.plan,
        outcome.comparison,
        folder,
        language=language,
        platforms=outcome.platforms,
    )


def closure_requests(
    scenario: Scenario,
    nodes: Sequence[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    option_prefix: str = "",
) -> list[ClosureRequest]:
    """The closures to reroute around: ``nodes`` closed over [start, end), or, with no nodes,
    every closure of the scenario. ``option_prefix`` names the options in errors (``--``)."""
    if nodes:
        if start is None or end is None:
            missing = [name for name, value in (("start", start), ("end", end)) if value is None]
            raise InvalidInputError(
                _("The closure cannot be rerouted."),
                [Problem(option_prefix + name, _("give the closure's window")) for name in missing],
            )
        return [ClosureRequest(tuple(nodes), start, end)]
    if not scenario.closures:
        raise InvalidInputError(
            _("nothing to reroute"),
            [
                Problem(
                    option_prefix + "nodes",
                    _("name a node to close, or give the scenario a closure"),
                )
            ],
        )
    return [ClosureRequest.from_closure(closure) for closure in scenario.closures]


@dataclass(frozen=True)
class RerouteOutcome:
    """One plan per closure, each with its simulated check when asked."""

    plans: list[ReroutePlan]
    comparisons: list[RerouteComparison | None]


def plan_reroute(
    network: Network,
    scenario: Scenario,
    closures: Sequence[ClosureRequest],
    *,
    actor: Principal,
    parameters: RerouteParameters | None = None,
    check: bool = True,
    bounds: WorkBounds = DEFAULT_BOUNDS,
) -> RerouteOutcome:
    """Backup hubs, their shares and the changed routing for each closure; refused before
    any work when over ``bounds``."""
    require(actor, Permission.plan_run)
    check_reroute_size(network, scenario, len(closures), check=check, bounds=bounds)
    problem = compile_problem(network, scenario)
    plans: list[ReroutePlan] = []
    comparisons: list[RerouteComparison | None] = []
    for closure in closures:
        plan = reroute_closure(problem, closure, parameters=parameters)
        plans.append(plan)
        comparisons.append(simulate_reroute(problem, plan) if check else None)
    return RerouteOutcome(plans, comparisons)


def reroute_plan_document(
    plan: ReroutePlan, comparison: RerouteComparison | None
) -> dict[str, Any]:
    """One closure's reroute with its temporary lanes and routing overrides (JSON-ready)."""
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


def write_reroute_files(outcome: RerouteOutcome, folder: Path) -> list[Path]:
    """One folder per closure (``folder`` itself when there is one): units.csv,
    temporary_lanes.csv, routing_overrides.csv and reroute.json."""
    written: list[Path] = []
    single = len(outcome.plans) == 1
    for index, (plan, comparison) in enumerate(
        zip(outcome.plans, outcome.comparisons, strict=True)
    ):
        written += write_reroute(
            plan, comparison, folder if single else folder / f"closure-{index + 1}"
        )
    return written
