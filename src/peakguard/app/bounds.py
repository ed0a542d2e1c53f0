"""How much work one request may ask for: the caps on a problem's size, checked from its
inputs before any heavy work starts, and the time, memory and workers the API gives a run.

The CLI and the API share the size caps (the operations check them); the API also runs each
heavy operation in a child process bounded in time and memory (``peakguard.api.running``).
Every number is here, with why it has its value. The figures quoted are from
docs/benchmarks.md: the Sichuan demo (1,113 nodes, Double 11 season of 2 warm-up, 12 demand
and 3 drain days: 18,921 node-days) simulates in about 25 s and 1.2 GB, its staggering program
(455 origins, 16,380 pickup days) builds and solves in about a minute.

A deployment may raise or lower each cap: :func:`work_bounds` reads ``PEAKGUARD_MAX_NODE_DAYS``
and the others below from the settings when the settings define them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.simulate.scenario import Scenario


@dataclass(frozen=True)
class WorkBounds:
    """The caps on one operation's size, and on the time and memory of an API run."""

    max_node_days: int = 25_000
    """Nodes × days a run covers (warm-up, demand and drain days), for a simulation or a plan.
    The demo season is 18,921; a quarter more leaves room for a larger province, while the
    issue's 120-day season on the demo network (139,125) is refused before it takes 5 GB."""
    max_simulated_node_days: int = 40_000
    """Node-days summed over every simulation one request runs (a checked plan runs two: with
    and without it; a checked reroute two per closure). Two runs of the demo season fit;
    at its ~1.3 ms and ~65 KB a node-day that is under a minute and under 3 GB."""
    max_pickup_days: int = 25_000
    """Pickup-quota columns of the staggering program: each release's days from its release to
    its latest day. The demo season's 5,460 releases with 2-day windows have 16,380; the
    program's size (and HiGHS's time) grows with them."""
    max_closures: int = 12
    """Closures rerouted in one request: about 6 s each on the demo network without the
    check; a scenario rarely closes more than a dozen hubs at once."""
    max_forecast_series: int = 1_200
    """Bottom-level series forecast in one request: the demo network's 1,113 nodes each as a
    series pass; each costs about 0.07 s (518 days of history), so about 90 s in all."""
    max_forecast_points: int = 1_000_000
    """Series × (history days + horizon days): every node of the demo network with two
    years of daily history and a 35-day horizon is 851,000."""
    max_volume_days: int = 400
    """Days of volumes per node when sizing reserves: a forecast looks at most 400 days ahead
    (``MAX_HORIZON_DAYS``), and volumes stand in for one."""
    run_seconds: float = 120.0
    """The longest an API request computes before it is stopped: gateways commonly cut a
    request at 60–120 s. Longer work belongs to the command line (or, later, a job)."""
    run_memory_megabytes: int = 4096
    """Address space of the process running one API request's operation. Two runs of the
    demo season need about 1.3 GB resident; address space counts every thread's reserved
    stack and arena too, so the cap is set well above, and far below the machine."""
    concurrent_runs: int = 2
    """Heavy operations the API runs at once per server process; more are refused as busy
    rather than queued, so a burst of requests cannot take every core and all memory."""
    job_seconds: float = 1800.0
    """The longest a job (a long operation run outside its request, with a progress bar)
    runs before it is stopped and failed: half an hour is over ten demo seasons' simulations,
    and stops a run that would hold a worker for the rest of the day."""


DEFAULT_BOUNDS = WorkBounds()
"""The caps used when the caller gives none (the CLI, tests, the library used directly)."""


def work_bounds(settings: object) -> WorkBounds:
    """The caps from the deployment settings: each field of :class:`WorkBounds` taken from the
    attribute of the same name when the settings have one (``PEAKGUARD_MAX_NODE_DAYS``)."""
    given = {
        item.name: getattr(settings, item.name)
        for item in fields(WorkBounds)
        if getattr(settings, item.name, None) is not None
    }
    return WorkBounds(**given)


def _too_large(problems: list[Problem]) -> InvalidInputError:
    return InvalidInputError(
        _("The request asks for more work than this server does at once."), problems
    )


def _raise_when(problems: Iterable[Problem | None]) -> None:
    found = [problem for problem in problems if problem is not None]
    if found:
        raise _too_large(found)


def node_days(network: Network, scenario: Scenario) -> int:
    """Nodes × the days a run of ``scenario`` covers."""
    return len(network.nodes) * (scenario.hours // 24)


def _run_size(
    network: Network, scenario: Scenario, runs: int, bounds: WorkBounds, where: str
) -> list[Problem | None]:
    size = node_days(network, scenario)
    found: list[Problem | None] = []
    if size > bounds.max_node_days:
        found.append(
            Problem(
                f"{where}.days",
                _(
                    "{nodes} nodes over {days} days (with warm-up and drain days) are "
                    "{size} node-days, over the cap of {cap}: cover fewer days, or run it from "
                    "the command line with a larger PEAKGUARD_MAX_NODE_DAYS",
                    nodes=len(network.nodes),
                    days=scenario.hours // 24,
                    size=size,
                    cap=bounds.max_node_days,
                ),
            )
        )
    elif size * runs > bounds.max_simulated_node_days:
        found.append(
            Problem(
                f"{where}.days",
                _(
                    "{runs} simulations of {size} node-days each are over the cap of {cap} "
                    "node-days: ask for fewer checks or fewer days, or run it from the command "
                    "line with a larger PEAKGUARD_MAX_SIMULATED_NODE_DAYS",
                    runs=runs,
                    size=size,
                    cap=bounds.max_simulated_node_days,
                ),
            )
        )
    return found


def check_simulation_size(
    network: Network,
    scenario: Scenario,
    *,
    bounds: WorkBounds = DEFAULT_BOUNDS,
    runs: int = 1,
    where: str = "scenario",
) -> None:
    """Refuse a scenario whose ``runs`` simulations on ``network`` are over the caps; the
    location is ``<where>.days``."""
    _raise_when(_run_size(network, scenario, runs, bounds, where))


def pickup_days(windows: Iterable[tuple[date, date]]) -> int:
    """The staggering program's quota columns: each release's days, first and last counted."""
    return sum((latest - released).days + 1 for released, latest in windows)


def check_stagger_size(
    network: Network,
    scenario: Scenario,
    windows: Iterable[tuple[date, date]],
    *,
    check: bool,
    bounds: WorkBounds = DEFAULT_BOUNDS,
    where: str = "scenario",
) -> None:
    """Refuse a staggering plan over the caps: the run's node-days, the releases' pickup days
    and, when ``check``, the two simulations that check it."""
    found = _run_size(network, scenario, 2 if check else 0, bounds, where)
    columns = pickup_days(windows)
    if columns > bounds.max_pickup_days:
        found.append(
            Problem(
                "releases",
                _(
                    "the releases span {size} pickup days (each release's days from its "
                    "release to its latest day), over the cap of {cap}: plan fewer days or "
                    "shorter windows at a time",
                    size=columns,
                    cap=bounds.max_pickup_days,
                ),
            )
        )
    _raise_when(found)


def check_reroute_size(
    network: Network,
    scenario: Scenario,
    closures: int,
    *,
    check: bool,
    bounds: WorkBounds = DEFAULT_BOUNDS,
    where: str = "scenario",
    closures_at: str = "closures",
) -> None:
    """Refuse a reroute over the caps: the number of closures and, when ``check``, the two
    simulations each closure's check runs."""
    found = _run_size(network, scenario, 2 * closures if check else 0, bounds, where)
    if closures > bounds.max_closures:
        found.append(
            Problem(
                closures_at,
                _(
                    "{count} closures to reroute are over the cap of {cap} a request: "
                    "reroute them a few at a time",
                    count=closures,
                    cap=bounds.max_closures,
                ),
            )
        )
    _raise_when(found)


def check_forecast_size(
    series_days: Iterable[int],
    horizon_days: int,
    *,
    bounds: WorkBounds = DEFAULT_BOUNDS,
    where: str = "history",
) -> None:
    """Refuse a forecast over the caps: ``series_days`` holds each series' days of history."""
    lengths = list(series_days)
    points = sum(lengths) + len(lengths) * horizon_days
    found: list[Problem | None] = []
    if len(lengths) > bounds.max_forecast_series:
        found.append(
            Problem(
                where,
                _(
                    "the history has {count} series, over the cap of {cap} a request: "
                    "forecast part of the network at a time",
                    count=len(lengths),
                    cap=bounds.max_forecast_series,
                ),
            )
        )
    elif points > bounds.max_forecast_points:
        found.append(
            Problem(
                where,
                _(
                    "the series' days of history and horizon add up to {size}, over the cap of "
                    "{cap}: give a shorter history or horizon, or fewer series at a time",
                    size=points,
                    cap=bounds.max_forecast_points,
                ),
            )
        )
    _raise_when(found)


def check_volume_days(
    lengths: Iterable[tuple[str, int]],
    *,
    bounds: WorkBounds = DEFAULT_BOUNDS,
    where: str = "volumes",
) -> None:
    """Refuse node volumes longer than the cap: ``lengths`` holds each node and its days."""
    _raise_when(
        Problem(
            f"{where}[{node}]",
            _(
                "{days} days of volumes, over the cap of {cap}: size the reserves for a "
                "shorter season",
                days=days,
                cap=bounds.max_volume_days,
            ),
        )
        for node, days in lengths
        if days > bounds.max_volume_days
    )
