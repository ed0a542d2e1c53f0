"""The demo: the Sichuan province through a Double 11 season, end to end.

:func:`run_demo` builds the demo network, stores it, simulates the season, measures a sample
of its scan events into Double 11's bulletin, plans the season's assurance (staggered pickup,
the reroute, the reserves) and sizes the capacity from a forecast; it returns every result.
Writing them out (the data files and the HTML pages) is the web's ``publish`` step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from peakguard.app.bulletins import lane_table, measure_bulletin
from peakguard.app.events import ingest_events
from peakguard.app.networks import get_network, save_network
from peakguard.bulletin.model import Bulletin
from peakguard.bulletin.periods import day_period
from peakguard.demo.history import demo_history
from peakguard.demo.season import double11_scenario
from peakguard.demo.sichuan import DemoParameters, build_sichuan_network
from peakguard.domain.network import Network
from peakguard.domain.summary import NetworkSummary, summarise
from peakguard.formats.simulation_output import events_table
from peakguard.identity.model import Principal
from peakguard.optimize.assurance import AssurancePlan, plan_assurance
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import releases_from_problem
from peakguard.reserve.season_plan import SeasonCapacity, plan_season_capacity
from peakguard.simulate.events import expand_events
from peakguard.simulate.run import SimulationResult, simulate
from peakguard.simulate.scenario import Scenario
from peakguard.store.database import Store
from peakguard.store.event_lake import IngestReport

Step = Callable[[str], None]
"""Told the name of each step as it starts (build, store, summarise, simulate, bulletin,
plan, capacity), for a progress display."""

DEMO_TRACE_SHARE = 0.02
"""Share of the season's cohorts traced (tracing all ~300 M parcels would take 16 GB)."""
DEMO_EVENT_RATE = 0.05
"""Share of a traced cohort's parcels turned into scan events: 0.1 % of the season's parcels
in all, spread over many cohorts (a sample of whole cohorts alone swings a carrier's day by
hundreds of per cent, since one cohort can carry thousands of parcels)."""
BULLETIN_DAY = (11, 11)
"""The demo's daily bulletin is Double 11's, compared with 10 November."""
FORECAST_ORIGIN = (10, 15)
"""The demo forecasts the season on 15 October: floor space (14 days' lead) can still be had."""


@dataclass(frozen=True)
class DemoBulletin:
    lake: Path
    ingest: IngestReport
    bulletin: Bulletin


@dataclass(frozen=True)
class DemoResult:
    network: Network
    summary: NetworkSummary
    database: str
    season: SimulationResult
    bulletin: DemoBulletin
    assurance: AssurancePlan
    capacity: SeasonCapacity


def demo_bulletin(
    store: Store, season: SimulationResult, lake: Path, *, actor: Principal
) -> DemoBulletin:
    """The season's sampled scan events, ingested into ``lake`` (as a carrier would upload
    them), measured by the KPI engine into Double 11's daily bulletin."""
    events = events_table(season, expand_events(season.run, rate=DEMO_EVENT_RATE))
    report = ingest_events(
        store, lake, events, actor=actor, source="peakguard demo: simulated season"
    )
    day = date(season.scenario.first_day.year, *BULLETIN_DAY)
    bulletin = measure_bulletin(
        lake, day_period(day), actor=actor, lanes=lane_table(season.network)
    )
    return DemoBulletin(lake, report, bulletin)


def demo_season_capacity(network: Network, scenario: Scenario, *, seed: int) -> SeasonCapacity:
    """Forecast the demo season from a generated history (made on 15 October), size the
    reserves on the simulated forecast season, and check them on the generated outcome."""
    origin = date(scenario.first_day.year, *FORECAST_ORIGIN)
    last_day = scenario.first_day + timedelta(days=scenario.days + scenario.drain_days)
    history = demo_history(network, origin=origin, last_day=last_day, seed=seed)
    return plan_season_capacity(
        network,
        scenario,
        history.history,
        history.normal_day,
        horizon_days=(last_day - origin).days,
        outcome=history.outcome,
    )


def run_demo(
    store: Store,
    lake: Path,
    *,
    seed: int,
    actor: Principal,
    step: Step = lambda _: None,
) -> DemoResult:
    """Build the demo province, store it, and run every capability on its season, as
    ``actor`` (the local administrator)."""
    step("build")
    network = build_sichuan_network(DemoParameters(seed=seed))
    step("store")
    save_network(store, network, actor=actor, source=f"peakguard demo --seed {seed}")
    stored = get_network(store, network.name, actor=actor)
    step("summarise")
    summary = summarise(stored)
    step("simulate")
    scenario = double11_scenario()
    # The season's routing and demand, compiled once for the simulation and the plan.
    problem = compile_problem(stored, scenario)
    season = simulate(
        stored,
        scenario,
        demand=problem.demand,
        routing=problem.routing,
        trace_share=DEMO_TRACE_SHARE,
    )
    step("bulletin")
    bulletin = demo_bulletin(store, season, lake, actor=actor)
    step("plan")
    assurance = plan_assurance(problem, releases_from_problem(problem))
    step("capacity")
    capacity = demo_season_capacity(stored, scenario, seed=seed)
    return DemoResult(stored, summary, store.backend, season, bulletin, assurance, capacity)
