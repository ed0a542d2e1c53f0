"""The operations the CLI, the API and the demo share: each a function over data and a store.

Nothing here decides anything the core does not; it only connects the core to storage and
to the report writer, so that ``peakguard network import`` and ``POST /networks`` behave alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from peakguard.bulletin.periods import day_period
from peakguard.bulletin.writing import write_bulletin
from peakguard.config import Settings
from peakguard.demo.history import demo_history
from peakguard.demo.season import double11_scenario
from peakguard.demo.sichuan import CITY_NAMES_EN, DemoParameters, build_sichuan_network
from peakguard.domain.network import Network
from peakguard.domain.summary import NetworkSummary, summarise
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.loading import load_network
from peakguard.formats.plan_output import write_plan
from peakguard.formats.release_document import read_releases
from peakguard.formats.reroute_output import write_reroute
from peakguard.formats.scenario_document import load_scenario
from peakguard.formats.simulation_output import events_table, write_simulation
from peakguard.i18n import _
from peakguard.optimize.assurance import AssurancePlan, plan_assurance
from peakguard.optimize.comparison import PlanComparison, compare_by_simulation
from peakguard.optimize.releases import StaggerParameters, releases_from_scenario
from peakguard.optimize.reroute import ReroutePlan, reroute_closure
from peakguard.optimize.reroute_parameters import ClosureRequest
from peakguard.optimize.reroute_simulate import RerouteComparison, simulate_reroute
from peakguard.optimize.stagger import PickupPlan, plan_pickups
from peakguard.season_capacity import SeasonCapacity, plan_season_capacity, write_season_capacity
from peakguard.simulate.events import expand_events
from peakguard.simulate.run import SimulationResult, simulate
from peakguard.simulate.scenario import Scenario
from peakguard.store.database import create_database_engine, migrate, session_factory, transaction
from peakguard.store.event_lake import IngestReport, ingest
from peakguard.store.networks import NetworkRepository
from peakguard.web.capacity_report import write_capacity_report
from peakguard.web.plan_report import write_plan_report
from peakguard.web.report import write_network_report
from peakguard.web.simulation_report import write_simulation_report


@dataclass(frozen=True)
class Store:
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def backend(self) -> str:
        return self.engine.dialect.name


def open_store(settings: Settings) -> Store:
    """Connect to the configured database and bring its schema up to date."""
    engine = create_database_engine(settings.resolved_database_url())
    migrate(engine)
    return Store(engine, session_factory(engine))


def import_network(
    store: Store, path: Path, *, name: str | None = None, replace: bool = False
) -> Network:
    """Validate ``path`` completely, then store it in one transaction (or not at all)."""
    network = load_network(path, name)
    with transaction(store.sessions) as session:
        NetworkRepository(session).save(network, source=str(path), replace=replace)
    return network


def save_network(store: Store, network: Network, *, source: str, replace: bool = True) -> None:
    with transaction(store.sessions) as session:
        NetworkRepository(session).save(network, source=source, replace=replace)


def get_network(store: Store, name: str) -> Network:
    with transaction(store.sessions) as session:
        return NetworkRepository(session).load(name)


Step = Callable[[str], None]


@dataclass(frozen=True)
class DemoResult:
    network: Network
    summary: NetworkSummary
    report: Path
    database: str
    season: SimulationResult
    season_report: Path
    season_outputs: list[Path]
    assurance: AssurancePlan
    plan_report: Path
    plan_outputs: list[Path]
    capacity: SeasonCapacity
    capacity_report: Path
    capacity_outputs: list[Path]
    bulletin: DemoBulletin


DEMO_TRACE_SHARE = 0.02
"""Share of the season's cohorts traced (tracing all ~300 M parcels would take 16 GB)."""
DEMO_EVENT_RATE = 0.05
"""Share of a traced cohort's parcels turned into scan events: 0.1 % of the season's parcels
in all, spread over many cohorts (a sample of whole cohorts alone swings a carrier's day by
hundreds of per cent, since one cohort can carry thousands of parcels)."""
BULLETIN_DAY = (11, 11)
"""The demo's daily bulletin is Double 11's, compared with 10 November."""


@dataclass(frozen=True)
class DemoBulletin:
    lake: Path
    ingest: IngestReport
    written: list[Path]


def demo_bulletin(season: SimulationResult, out_dir: Path, *, language: str) -> DemoBulletin:
    """The season's sampled scan events, ingested into a lake in ``out_dir/lake`` (as a carrier
    would upload them), measured by the KPI engine into Double 11's daily bulletin."""
    events = events_table(season, expand_events(season.run, rate=DEMO_EVENT_RATE))
    lake = out_dir / "lake"
    report = ingest(lake, events, source="peakguard demo: simulated season")
    day = date(season.scenario.first_day.year, *BULLETIN_DAY)
    lanes = pa.table(
        {
            "node_id": [lane.origin for lane in season.network.lanes],
            "next_node_id": [lane.destination for lane in season.network.lanes],
            "transit_hours": [float(lane.transit_hours) for lane in season.network.lanes],
        }
    )
    written = write_bulletin(
        lake, day_period(day), out_dir / "bulletin", language=language, lanes=lanes
    )
    return DemoBulletin(lake, report, written)


FORECAST_ORIGIN = (10, 15)
"""The demo forecasts the season on 15 October: floor space (14 days' lead) can still be had."""


def run_demo(
    store: Store, out_dir: Path, *, language: str, seed: int, step: Step = lambda _: None
) -> DemoResult:
    """Build the demo province, store it, and write its report. ``step`` reports progress."""
    step("build")
    network = build_sichuan_network(DemoParameters(seed=seed))
    step("store")
    save_network(store, network, source=f"peakguard demo --seed {seed}")
    stored = get_network(store, network.name)
    step("summarise")
    summary = summarise(stored)
    step("simulate")
    scenario = double11_scenario()
    season = simulate(stored, scenario, trace_share=DEMO_TRACE_SHARE)
    step("report")
    out_dir.mkdir(parents=True, exist_ok=True)
    names = {**CITY_NAMES_EN, "510000": "Sichuan"}
    report = write_network_report(
        stored, out_dir / "report.html", language=language, place_names=names
    )
    season_report = write_simulation_report(
        season, out_dir / "season.html", language=language, place_names=names
    )
    outputs = write_simulation(season, out_dir / "season")
    step("bulletin")
    bulletin = demo_bulletin(season, out_dir, language=language)
    step("plan")
    assurance = plan_assurance(stored, scenario, releases_from_scenario(stored, scenario))
    plan_outputs = write_plan(
        assurance.plan, assurance.comparison, out_dir / "plan", language=language
    )
    if assurance.reroute is not None:
        plan_outputs += write_reroute(assurance.reroute, None, out_dir / "plan" / "reroute")
    plan_report = write_plan_report(
        assurance.plan,
        assurance.comparison,
        out_dir / "plan.html",
        language=language,
        reserves=assurance.reserves,
        place_names=names,
        reroute=assurance.reroute,
    )
    step("capacity")
    capacity = demo_season_capacity(stored, scenario, seed=seed)
    capacity_outputs = write_season_capacity(capacity, out_dir / "capacity", language=language)
    capacity_report = write_capacity_report(capacity, out_dir / "capacity.html", language=language)
    return DemoResult(
        stored,
        summary,
        report,
        store.backend,
        season,
        season_report,
        outputs,
        assurance,
        plan_report,
        plan_outputs,
        capacity,
        capacity_report,
        capacity_outputs,
        bulletin,
    )


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


@dataclass(frozen=True)
class SimulationOutcome:
    result: SimulationResult
    written: list[Path]


def resolve_network(source: str, store: Store | None) -> Network:
    """A network file's path, or the name of a stored network."""
    path = Path(source)
    if path.exists() or store is None:
        return load_network(path)
    return get_network(store, source)


def run_simulation(
    network_source: str,
    scenario_path: Path,
    out_dir: Path,
    *,
    store: Store | None = None,
    events_sample: float = 0.0,
) -> SimulationOutcome:
    """Load both files (every mistake reported, nothing run on error), simulate, write."""
    network = resolve_network(network_source, store)
    scenario = load_scenario(scenario_path, network)
    result = simulate(network, scenario, trace=events_sample > 0)
    events = expand_events(result.run, rate=events_sample) if events_sample > 0 else None
    return SimulationOutcome(result, write_simulation(result, out_dir, events=events))


@dataclass(frozen=True)
class StaggerOutcome:
    plan: PickupPlan
    comparison: PlanComparison | None
    written: list[Path]


def run_stagger(
    network_source: str,
    scenario_path: Path,
    out_dir: Path,
    *,
    releases_path: Path | None = None,
    window_days: int = 2,
    parameters: StaggerParameters | None = None,
    check: bool = True,
    store: Store | None = None,
    language: str | None = None,
) -> StaggerOutcome:
    """Plan the pickups (from a releases file, or the scenario's own demand released with
    ``window_days`` to spare), check the plan by simulation, write the files."""
    network = resolve_network(network_source, store)
    scenario = load_scenario(scenario_path, network)
    if releases_path is not None:
        releases, places = read_releases(releases_path, network=network, scenario=scenario)
    else:
        releases, places = releases_from_scenario(network, scenario, window_days=window_days), None
    plan = plan_pickups(network, scenario, releases, parameters=parameters, places=places)
    comparison = compare_by_simulation(network, scenario, plan) if check else None
    return StaggerOutcome(
        plan, comparison, write_plan(plan, comparison, out_dir, language=language)
    )


@dataclass(frozen=True)
class RerouteOutcomeFiles:
    plans: list[ReroutePlan]
    comparisons: list[RerouteComparison]
    written: list[Path]


def run_reroute(
    network_source: str,
    scenario_path: Path,
    out_dir: Path,
    *,
    nodes: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    check: bool = True,
    store: Store | None = None,
) -> RerouteOutcomeFiles:
    """Reroute around the given closure, or around each of the scenario's closures; check
    each by simulation; write one folder per closure."""
    network = resolve_network(network_source, store)
    scenario = load_scenario(scenario_path, network)
    if nodes:
        requests = [ClosureRequest(tuple(nodes), start or scenario.start, end or scenario.start)]
    else:
        requests = [ClosureRequest.from_closure(closure) for closure in scenario.closures]
    if not requests:
        raise InvalidInputError(
            _("nothing to reroute"),
            [
                Problem(
                    scenario_path.name, _("name a node to close, or give the scenario a closure")
                )
            ],
        )
    plans: list[ReroutePlan] = []
    comparisons: list[RerouteComparison] = []
    written: list[Path] = []
    for index, request in enumerate(requests):
        plan = reroute_closure(network, scenario, request)
        comparison = simulate_reroute(network, scenario, plan) if check else None
        folder = out_dir if len(requests) == 1 else out_dir / f"closure-{index + 1}"
        written += write_reroute(plan, comparison, folder)
        plans.append(plan)
        if comparison is not None:
            comparisons.append(comparison)
    return RerouteOutcomeFiles(plans, comparisons, written)
