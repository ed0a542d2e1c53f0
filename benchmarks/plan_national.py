"""Pickup staggering at national scale: the HiGHS program against the greedy baseline.

Run it from the repository root (it is not part of the test run)::

    .venv/bin/python benchmarks/plan_national.py --repeats 3
    .venv/bin/python benchmarks/plan_national.py --repeats 1 --experiments

The network is the simulator benchmark's (``benchmarks/simulate_national.py``): one hub at the
centre of every mainland prefecture-level division (339 hubs in 31 provinces) and its trunk
lanes, capacities sized the same way from the routed normal-day flows. What the staggering
program needs and that network lacks is many origins: here each hub has ``--outlets-per-hub``
outlets (网点, six by default: 2,034) scattered within 15 km, each with a shuttle to its hub
every hour, and one delivery station per city (the city's stations as one: the program's rows
at a station are the same whatever the split). Outlets' volumes are the prefecture's sending
mass (provincial capitals ×3, the eastern provinces ×4) split over its outlets by seeded
lognormal weights; stations receive in proportion to the prefecture's receiving mass.
Demand follows :func:`peakguard.simulate.demand.normal_day_flows` with no outbound or inbound
share (on a national network there is no "outside the province"): every outlet sends to every
city's station, 2,034 × 339 = 689,526 origin–destination pairs, in two pickup rounds (13:00
and 19:00). The scenario is 1–14 November 2026 with the Double 11 spike (×1.3, ×2.2, ×1.7,
×1.3 on 10–13 November) and two drain days, no warm-up. The releases are the scenario's own
pickups, each outlet's parcels of a day to be picked up within two days
(:func:`releases_from_scenario`): 28,476 releases.

Each run is a fresh process (its peak resident memory its own, ``VmHWM``) on a case built
once and pickled. Each run compiles the planning problem (``compile_problem``: routing, demand,
normal-day flows, origin mixes) and hands it to ``plan_pickups`` or ``greedy_pickups``, the
real functions; timers are wrapped around the functions they call (the problem and its
routing, the probe, the background run, the program's assembly, each HiGHS run) and HiGHS's
own counters are read after each run.
``--experiments`` builds the program once, saves it, and solves it again under other HiGHS
options and other ``storage_hours_per_day``, each in a fresh process with a time limit.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import simulate_national as national

from peakguard.domain.network import Carrier, Network, NodeKind
from peakguard.domain.routing import derive_routing
from peakguard.optimize import greedy, highs, loads, problem, stagger, stagger_groups
from peakguard.optimize.releases import (
    OrderRelease,
    StaggerParameters,
    releases_from_scenario,
)
from peakguard.optimize.stagger import PickupPlan
from peakguard.optimize.stagger_groups import Formulation
from peakguard.simulate.plan import StoragePolicy
from peakguard.simulate.scenario import DemandSettings, Scenario, VolumeMultiplier

TARGET_SECONDS = 30.0
ROLLING_DAYS = 3
"""Days each window of the ``rolling`` method spans unless ``--rolling-days`` says."""
PROGRAMS: dict[str, Formulation] = {"lp": "grouped", "full": "full", "rolling": "grouped"}
"""Methods that run the program: ``lp`` the grouped formulation (alike outlets share load
columns), ``full`` the default with one load column per origin, ``rolling`` the grouped
formulation solved ``--rolling-days`` days at a time (:mod:`peakguard.optimize.stagger_rolling`)."""
FIRST_DAY = date(2026, 11, 1)
PEAK = ((9, 1.3), (10, 2.2), (11, 1.7), (12, 1.3))
PICKUP_HOURS = (13, 19)
OUTLET_SPREAD_DEGREES = 0.12
"""Outlets lie within about 0.12° (≈ 13 km) of their hub."""


@dataclass(frozen=True)
class Case:
    network: Network
    scenario: Scenario
    releases: list[OrderRelease]
    build_seconds: float


# -- the national case ---------------------------------------------------------------------------


def build_case(
    *,
    outlets_per_hub: int = 6,
    days: int = 14,
    drain_days: int = 2,
    seed: int = 2026,
    start_day: int = 0,
) -> Case:
    """The national network with ``outlets_per_hub`` outlets per hub, its scenario and releases
    (the scenario starting ``start_day`` days after 1 November: 8 starts with the peak)."""
    started = time.perf_counter()
    generator = np.random.default_rng(seed)
    prefectures = national._prefectures()
    hubs = len(prefectures)
    sites = [
        national._Site(f"H-{p.code}", NodeKind.hub, p.code, national._lon(p), national._lat(p))
        for p in prefectures
    ]
    for hub, prefecture in enumerate(prefectures):
        for number in range(outlets_per_hub):
            angle = generator.uniform(0, 2 * math.pi)
            radius = OUTLET_SPREAD_DEGREES * math.sqrt(generator.uniform(0.05, 1.0))
            sites.append(
                national._Site(
                    f"O-{prefecture.code}-{number:02d}",
                    NodeKind.outlet,
                    prefecture.code,
                    sites[hub].longitude + radius * math.cos(angle),
                    sites[hub].latitude + radius * math.sin(angle),
                )
            )
    outlets = hubs * outlets_per_hub
    for hub, prefecture in enumerate(prefectures):
        sites.append(
            national._Site(
                f"S-{prefecture.code}",
                NodeKind.station,
                prefecture.code,
                sites[hub].longitude - 0.03,
                sites[hub].latitude - 0.03,
            )
        )
    links = _links(prefectures, sites, outlets_per_hub)

    # Normal-day flows, exactly as normal_day_flows will derive them from the daily volumes:
    # outlet volume × the station's share of all deliveries.
    capital = national._capitals(prefectures)
    eastern = np.array([p.code[:2] in national.EASTERN_PROVINCES for p in prefectures])
    sending = np.where(capital, 3.0, 1.0) * np.where(eastern, 4.0, 1.0)
    receiving = np.where(capital, 2.0, 1.0) * np.where(eastern, 1.5, 1.0)
    weights = generator.lognormal(0.0, 0.5, size=(hubs, outlets_per_hub))
    weights /= weights.sum(axis=1, keepdims=True)
    outlet_volume = (sending[:, None] * weights).ravel()
    outlet_volume *= national.NationalParameters().daily_parcels / outlet_volume.sum()
    outlet_volume = np.round(outlet_volume)
    station_share = receiving / receiving.sum()
    origin = np.repeat(hubs + np.arange(outlets), hubs)
    destination = np.tile(hubs + outlets + np.arange(hubs), outlets)
    parcels = np.repeat(outlet_volume, hubs) * np.tile(station_share, outlets)

    rounds = len(PICKUP_HOURS)
    draft = national._network(
        sites, links, np.ones(len(sites)), np.zeros(len(sites)), np.ones(len(links)), rounds
    )
    node_load, link_load = national._loads(
        derive_routing(draft), links, origin, destination, parcels
    )
    inbound = np.zeros(len(sites))
    for link, load in zip(links, link_load, strict=True):
        inbound[link.destination] += load * math.ceil(link.transit_hours) / 24
    network = national._network(sites, links, node_load, inbound, link_load, rounds)
    # The outlets' and stations' daily volumes drive the demand: set them to the flows exactly.
    volume = np.zeros(len(sites))
    volume[hubs : hubs + outlets] = outlet_volume
    volume[hubs + outlets :] = np.round(station_share * outlet_volume.sum())
    nodes = [
        node.model_copy(update={"daily_volume": int(volume[index])})
        if node.kind is not NodeKind.hub
        else node
        for index, node in enumerate(network.nodes)
    ]
    network = network.model_copy(
        update={
            "name": "national-staggering",
            "title": "Synthetic national network, 2,034 outlets (staggering benchmark)",
            "carriers": [Carrier(code=national.CARRIER, name="中通快递")],
            "nodes": nodes,
        }
    )
    scenario = national_scenario(days, drain_days, start_day)
    releases = releases_from_scenario(network, scenario, window_days=2)
    return Case(network, scenario, releases, time.perf_counter() - started)


def national_scenario(days: int, drain_days: int, start_day: int = 0) -> Scenario:
    first_day = FIRST_DAY + timedelta(days=start_day)
    return Scenario(
        name="double-11-national",
        first_day=first_day,
        days=days,
        drain_days=drain_days,
        warm_up_days=0,
        storage_policy=StoragePolicy.overflow,
        demand=DemandSettings(
            outbound_share=0.0, inbound_share=0.0, pickup_hours=list(PICKUP_HOURS)
        ),
        volume_multipliers=[
            VolumeMultiplier(first_day=FIRST_DAY + timedelta(days=day), multiplier=value)
            for day, value in PEAK
            if start_day <= day < start_day + days
        ],
    )


def _links(prefectures: list[Any], sites: list[Any], outlets_per_hub: int) -> list[Any]:
    """Outlet → hub every hour, hub → its city's station three times a day, and the simulator
    benchmark's trunk lanes between hubs."""
    hubs = len(prefectures)
    outlets = hubs * outlets_per_hub
    longitude = np.array([site.longitude for site in sites[:hubs]])
    latitude = np.array([site.latitude for site in sites[:hubs]])
    km = national._distances(longitude, latitude)
    links = []
    for hub in range(hubs):
        for number in range(outlets_per_hub):
            links.append(
                national._local(
                    hubs + hub * outlets_per_hub + number, hub, sites, national.EVERY_HOUR
                )
            )
        links.append(national._local(hub, hubs + outlets + hub, sites, ("05:00", "11:00", "16:00")))
    for origin, destination in sorted(national._trunk_pairs(prefectures, km, 16)):
        distance = float(km[origin, destination])
        offset = (origin * 7 + destination * 3) % 6
        road_km = distance * national.ROAD_CIRCUITY
        links.append(
            national._Link(
                origin,
                destination,
                national.TransportMode.road,
                round(road_km / national.TRUNK_SPEED_KMH + national.HANDOVER_HOURS, 1),
                round(max(road_km, 1.0), 1),
                tuple(f"{(offset + step) % 24:02d}:00" for step in (0, 6, 12, 18)),
            )
        )
    return links


# -- one run, instrumented -----------------------------------------------------------------------


class _Clock:
    """Seconds spent in wrapped functions, by label (summed over calls)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.solves: list[dict[str, Any]] = []

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started

        setattr(owner, name, timed)

    def wrap_solver(self) -> None:
        """Time each HiGHS run and keep its counters (phase 1 is the first, phase 2 the next)."""
        original = highs.Solver.solve
        clock = self

        def solve(solver: highs.Solver) -> highs.Solution:
            started = time.perf_counter()
            option = solver.highs.getOptionValue("solver")
            value = option[1] if isinstance(option, tuple) else option
            record: dict[str, Any] = {"solver": str(value)}
            try:
                return original(solver)
            finally:
                record["seconds"] = time.perf_counter() - started
                info = solver.highs.getInfo()
                record["status"] = solver.highs.modelStatusToString(solver.highs.getModelStatus())
                record["simplex_iterations"] = int(info.simplex_iteration_count)
                record["ipm_iterations"] = int(info.ipm_iteration_count)
                record["crossover_iterations"] = int(info.crossover_iteration_count)
                record["pdlp_iterations"] = int(info.pdlp_iteration_count)
                clock.solves.append(record)

        highs.Solver.solve = solve  # type: ignore[method-assign]

        original_init = highs.Solver.__init__

        def init(solver: highs.Solver, *args: Any, **kwargs: Any) -> None:
            started = time.perf_counter()
            original_init(solver, *args, **kwargs)
            clock.seconds["pass to HiGHS"] = time.perf_counter() - started
            for name, value in _HIGHS_OPTIONS.items():
                solver.highs.setOptionValue(name, value)

        highs.Solver.__init__ = init  # type: ignore[method-assign]


_HIGHS_OPTIONS: dict[str, Any] = {}
"""Options set on every HiGHS instance after the adapter's own (``--highs name=value``)."""


def _instrument() -> _Clock:
    clock = _Clock()
    clock.wrap(problem, "compile_problem", "problem")
    clock.wrap(problem, "derive_routing", "problem: routing")
    for owner in (stagger, greedy):
        clock.wrap(owner, "load_basis", "load basis")
        clock.wrap(owner, "build_load_model", "load rows")
    clock.wrap(stagger_groups, "probe_profiles", "load basis: probe profiles")
    clock.wrap(stagger_groups, "_alike", "load basis: grouping the origins")
    clock.wrap(loads, "_background", "load basis: background run")
    clock.wrap(loads, "_entries", "profile entries (basis and rows)")
    clock.wrap(stagger, "build_program", "program assembly")
    clock.wrap(stagger, "_result", "plan read-out")
    clock.wrap_solver()
    return clock


def _one_run(case_file: Path, method: str, settings: StaggerParameters) -> dict[str, Any]:
    with case_file.open("rb") as handle:
        case: Case = pickle.load(handle)
    clock = _instrument()
    started = time.perf_counter()
    result: dict[str, Any] = {"method": method}
    try:
        compiled = problem.compile_problem(case.network, case.scenario)
        if method in PROGRAMS:
            if method == "rolling":
                settings = replace(settings, rolling_days=settings.rolling_days or ROLLING_DAYS)
            else:
                settings = replace(settings, rolling_days=0)
            plan = stagger.plan_pickups(
                compiled, case.releases, parameters=settings, formulation=PROGRAMS[method]
            )
        else:
            plan = greedy.greedy_pickups(compiled, case.releases, parameters=settings)
    except highs.SolverError as error:
        result["failed"] = f"HiGHS: {error}"
        plan = None
    result["total"] = time.perf_counter() - started
    result["seconds"] = clock.seconds
    result["solves"] = clock.solves
    result["rss_mb"] = _peak_of(os.getpid())
    if plan is not None:
        result["statistics"] = {
            "rows": plan.statistics.rows,
            "columns": plan.statistics.columns,
            "nonzeros": plan.statistics.nonzeros,
            "build": plan.statistics.build_seconds,
            "solve": plan.statistics.solve_seconds,
        }
        result["quality"] = _quality(case.network, plan)
        result["overloaded"] = sorted({(item.node, item.kind) for item in plan.shortfalls})
        result["objective"] = _objective(plan)
    return result


def _objective(plan: PickupPlan) -> float:
    """Phase 2's objective: delay plus the fairness terms (equal for equal programs)."""
    settings = plan.parameters
    return plan.delay_parcel_days + plan.parcels * (
        settings.carrier_fairness * plan.worst_carrier_delay_days
        + settings.origin_fairness * plan.worst_origin_delay_days
    )


def _quality(network: Network, plan: PickupPlan) -> dict[str, float]:
    hubs = [load for load in plan.node_loads if load.kind is NodeKind.hub]
    shortfall_hubs = {item.node for item in plan.shortfalls if item.node.startswith("H-")}
    return {
        "hub_sorting_before": max(load.peak_sorting_before for load in hubs),
        "hub_sorting_after": max(load.peak_sorting_after for load in hubs),
        "hub_storage_before": max(load.peak_storage_before for load in hubs),
        "hub_storage_after": max(load.peak_storage_after for load in hubs),
        "hubs_over_sorting_limit": sum(
            load.peak_sorting_after > plan.parameters.sorting_margin + 1e-6 for load in hubs
        ),
        "hubs_over_storage_limit": sum(
            load.peak_storage_after > plan.parameters.storage_margin + 1e-6 for load in hubs
        ),
        "hubs_short": len(shortfall_hubs),
        "delay_parcel_days": plan.delay_parcel_days,
        "delayed_parcels": plan.delayed_parcels,
        "parcels": plan.parcels,
        "overflow": plan.overflow,
        "shortfall_rows": len(plan.shortfalls),
        "worst_origin_delay_days": plan.worst_origin_delay_days,
    }


def _peak_of(pid: int) -> float:
    """A process's peak resident set size so far (VmHWM), MB; 0 if unreadable."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


MEMORY_LIMIT_MB = 11_000.0
"""A run whose resident memory passes this is stopped (the host's rule: nothing above 12 GB)."""


def _run_child(
    case_file: Path, method: str, arguments: list[str], memory_limit_mb: float = MEMORY_LIMIT_MB
) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child",
        str(case_file),
        "--method",
        method,
        *arguments,
    ]
    started = time.perf_counter()
    peak = 0.0
    stopped = False
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        while child.poll() is None:
            peak = max(peak, _peak_of(child.pid))
            if peak > memory_limit_mb and not stopped:
                child.kill()  # this run's own child, by its pid
                stopped = True
            time.sleep(0.2)
        out, err = child.communicate()
    if child.returncode != 0:
        return {
            "method": method,
            "failed": f"stopped above {memory_limit_mb:,.0f} MB"
            if stopped
            else f"exit status {child.returncode}",
            "total": time.perf_counter() - started,
            "rss_mb": peak,
            "stderr": err[-2000:],
        }
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


# -- the report ---------------------------------------------------------------------------------


PHASES = (
    "problem",
    "problem: routing",
    "load basis",
    "load basis: probe profiles",
    "load basis: grouping the origins",
    "load basis: background run",
    "load rows",
    "profile entries (basis and rows)",
    "program assembly",
    "pass to HiGHS",
    "phase 1 (least overflow)",
    "phase 2 (least delay)",
    "greedy loop",
    "plan read-out",
    "total",
)


def _phases(run: dict[str, Any]) -> dict[str, float]:
    seconds = dict(run.get("seconds", {}))
    solves = run.get("solves", [])
    if run["method"] in PROGRAMS:
        # One phase 1 and one phase 2 per round (rounds add the storage hours found over).
        if solves:
            seconds["phase 1 (least overflow)"] = sum(r["seconds"] for r in solves[0::2])
        if len(solves) > 1:
            seconds["phase 2 (least delay)"] = sum(r["seconds"] for r in solves[1::2])
    elif "statistics" in run:
        seconds["greedy loop"] = run["statistics"]["solve"] - seconds.get("plan read-out", 0.0)
    seconds["total"] = run["total"]
    return seconds


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        )
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = " (src/ with uncommitted changes)" if done.stdout.strip() else ""
    return head.stdout.strip() + dirty


def report(case: Case, runs: list[dict[str, Any]], settings: StaggerParameters) -> str:
    kinds = [node.kind for node in case.network.nodes]
    lines = [
        f"Commit {_commit()}, {time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} cores.",
        f"Case: {kinds.count(NodeKind.outlet):,} outlets, {kinds.count(NodeKind.hub):,} hubs, "
        f"{kinds.count(NodeKind.station):,} stations, {len(case.network.lanes):,} lanes; "
        f"{case.scenario.days} demand days + {case.scenario.drain_days} drain days; "
        f"{len(case.releases):,} releases, {sum(r.parcels for r in case.releases):,.0f} parcels; "
        f"storage checked {settings.storage_hours_per_day} h a day. "
        f"Case build (once, untimed): {case.build_seconds:.0f} s.",
        "",
    ]
    by_method: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        by_method.setdefault(run["method"], []).append(run)
    lines += [
        "| phase | " + " | ".join(f"{m} median s | {m} min s" for m in by_method) + " |",
        "| --- | " + " | ".join("---: | ---:" for _ in by_method) + " |",
    ]
    for phase in PHASES:
        cells = []
        present = False
        for method_runs in by_method.values():
            values = [_phases(run)[phase] for run in method_runs if phase in _phases(run)]
            present = present or bool(values)
            cells.append(f"{_median(values):.2f} | {min(values):.2f}" if values else "– | –")
        if present:
            lines.append(f"| {phase} | " + " | ".join(cells) + " |")
    lines += ["", "| | " + " | ".join(by_method) + " |", "| --- |" + " ---: |" * len(by_method)]
    sizes: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("runs (finished / all)", lambda r: ""),
        ("rows", lambda r: f"{r['statistics']['rows']:,}"),
        ("columns", lambda r: f"{r['statistics']['columns']:,}"),
        ("nonzeros", lambda r: f"{r['statistics']['nonzeros']:,}"),
    ]
    for label, cell in sizes:
        row = []
        for method_runs in by_method.values():
            done = [run for run in method_runs if "statistics" in run]
            if label.startswith("runs"):
                row.append(f"{len(done)} / {len(method_runs)}")
            else:
                row.append(cell(done[0]) if done else "–")
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    memory = [
        f"{_median([run['rss_mb'] for run in method_runs]):,.0f}"
        for method_runs in by_method.values()
    ]
    lines.append("| peak memory MB (median) | " + " | ".join(memory) + " |")
    iterations = []
    for method_runs in by_method.values():
        solves = method_runs[0].get("solves", [])
        iterations.append(
            f"{len(solves) // 2} round(s); "
            + "; ".join(
                f"{s['solver']}: {s['status']}, simplex {s['simplex_iterations']:,}, "
                f"ipm {s['ipm_iterations']}, crossover {s['crossover_iterations']:,}"
                for s in solves
            )
            or "–"
        )
    lines.append("| HiGHS runs (first run) | " + " | ".join(iterations) + " |")
    failures = [f"{run['method']}: {run['failed']}" for run in runs if "failed" in run]
    lines += ["", *(f"Failed: {text}" for text in failures)]
    quality = {
        method: [run["quality"] for run in method_runs if "quality" in run]
        for method, method_runs in by_method.items()
    }
    fast = "rolling" if "rolling" in by_method else "lp"
    if quality.get(fast) and quality.get("greedy"):
        lines += _quality_table(quality[fast][0], quality["greedy"][0])
    if by_method.get(fast) and by_method.get("full"):
        lines += _against_full(by_method[fast], by_method["full"], fast)
    seconds = [run["total"] for run in by_method.get(fast, []) if "statistics" in run]
    if seconds:
        verdict = "met" if _median(seconds) < TARGET_SECONDS else "NOT met"
        lines += [
            "",
            f"Target (optimal plan under {TARGET_SECONDS:.0f} s): {verdict} "
            f"(median {_median(seconds):.1f} s, min {min(seconds):.1f} s).",
        ]
    elif by_method.get(fast):
        lines += ["", f"Target (optimal plan under {TARGET_SECONDS:.0f} s): NOT met (no plan)."]
    return "\n".join(lines)


def _against_full(
    grouped: list[dict[str, Any]], full: list[dict[str, Any]], name: str = "grouped"
) -> list[str]:
    """The fast program against the full one on the same case: time, delay, what it
    overloads that the full program does not."""
    done_g = [run for run in grouped if "quality" in run]
    done_f = [run for run in full if "quality" in run]
    if not done_g or not done_f:
        return ["", f"{name} against full: not both finished."]
    g, f = done_g[0], done_f[0]
    ratios = [a["total"] / b["total"] for a, b in zip(grouped, full, strict=False)]
    extra = sorted(set(map(tuple, g["overloaded"])) - set(map(tuple, f["overloaded"])))
    delay_g, delay_f = g["quality"]["delay_parcel_days"], f["quality"]["delay_parcel_days"]
    return [
        "",
        f"| {name} against full (same case, same run) | {name} | full | {name} ÷ full |",
        "| --- | ---: | ---: | ---: |",
        f"| total s (median) | {_median([r['total'] for r in grouped]):.1f} "
        f"| {_median([r['total'] for r in full]):.1f} | {_median(ratios):.3f} |",
        f"| nonzeros | {g['statistics']['nonzeros']:,} | {f['statistics']['nonzeros']:,} "
        f"| {g['statistics']['nonzeros'] / f['statistics']['nonzeros']:.3f} |",
        f"| delay, parcel-days | {delay_g:,.0f} | {delay_f:,.0f} "
        f"| {delay_g / delay_f if delay_f else float('nan'):.6f} |",
        f"| objective (delay + fairness) | {g['objective']:,.1f} | {f['objective']:,.1f} "
        f"| {g['objective'] / f['objective'] if f['objective'] else float('nan'):.6f} |",
        f"| overflow, parcels | {g['quality']['overflow']:,.1f} "
        f"| {f['quality']['overflow']:,.1f} | |",
        f"| (node, kind) over a limit | {len(g['overloaded'])} | {len(f['overloaded'])} "
        f"| {len(extra)} only in {name}: {extra[:5]} |",
    ]


def _quality_table(lp: dict[str, float], baseline: dict[str, float]) -> list[str]:
    rows = [
        ("peak hub sorting utilisation (unplanned)", "hub_sorting_before", "{:.3f}"),
        ("peak hub sorting utilisation", "hub_sorting_after", "{:.3f}"),
        ("peak hub storage utilisation (unplanned)", "hub_storage_before", "{:.3f}"),
        ("peak hub storage utilisation", "hub_storage_after", "{:.3f}"),
        ("hubs over the sorting limit", "hubs_over_sorting_limit", "{:,.0f}"),
        ("hubs over the storage limit", "hubs_over_storage_limit", "{:,.0f}"),
        ("overflow (parcels over a limit, summed over rows)", "overflow", "{:,.0f}"),
        ("rows over their limit", "shortfall_rows", "{:,.0f}"),
        ("delay, parcel-days", "delay_parcel_days", "{:,.0f}"),
        ("parcels delayed", "delayed_parcels", "{:,.0f}"),
        ("worst origin's mean delay, days", "worst_origin_delay_days", "{:.3f}"),
    ]
    lines = [
        "",
        "| quality (the program's load model) | LP | greedy | LP ÷ greedy |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, key, form in rows:
        ratio = f"{lp[key] / baseline[key]:.3f}" if baseline[key] else "–"
        if "unplanned" in label:
            ratio = ""
        lines.append(
            f"| {label} | {form.format(lp[key])} | {form.format(baseline[key])} | {ratio} |"
        )
    return lines


def anatomy(case: Case, settings: StaggerParameters) -> str:
    """The load model's nonzeros by node kind and row kind, by size, and what grouping the
    outlets of a hub would leave (entries at rows outside the outlet are the same profile
    for every outlet of a hub, shifted by its shuttle's timing)."""
    started = time.perf_counter()
    compiled = problem.compile_problem(case.network, case.scenario)
    basis = loads.load_basis(compiled, case.releases, settings)
    model = loads.build_load_model(basis, compiled, settings)
    seconds = time.perf_counter() - started
    kinds = np.array([node.kind.value for node in case.network.nodes], dtype=object)
    entry_kind = kinds[model.row_node[model.entry_row]]
    row_kind = model.row_kind[model.entry_row]
    total = len(model.entry_row)
    lines = [
        f"Load model built in {seconds:.0f} s: {len(model.row_limit):,} capacity rows, "
        f"{len(model.quota_origin):,} quota columns, {total:,} entries "
        f"(storage checked {settings.storage_hours_per_day} h a day).",
        "",
        "| rows at | sorting entries | storage entries | share |",
        "| --- | ---: | ---: | ---: |",
    ]
    for kind in ("outlet", "hub", "station"):
        chosen = entry_kind == kind
        sorting = int((chosen & (row_kind == "sorting")).sum())
        storage = int((chosen & (row_kind == "storage")).sum())
        lines.append(f"| {kind} | {sorting:,} | {storage:,} | {(sorting + storage) / total:.1%} |")
    lines += ["", "| entries with value below | count | share |", "| --- | ---: | ---: |"]
    for threshold in (1e-6, 1e-4, 1e-3, 1e-2):
        count = int((model.entry_value < threshold).sum())
        lines.append(f"| {threshold:g} | {count:,} | {count / total:.1%} |")
    # A row no plan can push over its limit: its background plus, from every quota column,
    # the most that column could carry (every release that may be picked up that day, in full).
    amounts = np.array([release.parcels for release in model.releases])
    most = np.bincount(
        model.pickup_quota,
        weights=amounts[model.pickup_release],
        minlength=len(model.quota_origin),
    )
    reachable = model.row_background + model.load_matrix() @ most
    bindable = reachable > model.row_limit
    unplanned = model.row_background + model.load_matrix() @ model.unplanned_quotas()
    kept = bindable[model.entry_row]
    lines += [
        "",
        f"Rows some plan could push over their limit: {int(bindable.sum()):,} "
        f"({int((bindable & (model.row_kind == 'sorting')).sum()):,} sorting), holding "
        f"{int(kept.sum()):,} entries ({kept.mean():.1%}); rows over their limit unplanned: "
        f"{int((unplanned > model.row_limit).sum()):,}.",
    ]
    rows_used = len(np.unique(model.entry_row))
    lines += [
        "",
        f"Rows with at least one entry: {rows_used:,} of {len(model.row_limit):,}; "
        f"mean entries per quota column {total / max(len(model.quota_origin), 1):,.0f}.",
    ]
    return "\n".join(lines)


# -- main ---------------------------------------------------------------------------------------


EXPERIMENTS: list[tuple[str, list[str]]] = [
    ("as shipped (phase 1 simplex, phase 2 ipm + crossover)", []),
    ("phase 1 ipm", ["--highs", "solver=ipm"]),
    ("phase 1 pdlp", ["--highs", "solver=pdlp"]),
    ("parallel on", ["--highs", "parallel=on"]),
    ("presolve off", ["--highs", "presolve=off"]),
    ("phase 2 simplex (warm start)", ["--phase2", "simplex"]),
    ("phase 2 ipm, no crossover", ["--highs", "run_crossover=off"]),
    ("storage checked 4 h a day", ["--storage-hours", "4"]),
    ("storage checked 2 h a day", ["--storage-hours", "2"]),
]


def _settings(args: argparse.Namespace) -> StaggerParameters:
    return StaggerParameters(
        storage_hours_per_day=args.storage_hours,
        time_limit_seconds=args.time_limit,
        rolling_days=args.rolling_days,
        carrier_fairness=args.fairness,
        origin_fairness=args.fairness,
    )


def _child_arguments(args: argparse.Namespace) -> list[str]:
    extra = ["--storage-hours", str(args.storage_hours), "--time-limit", str(args.time_limit)]
    extra += ["--rolling-days", str(args.rolling_days), "--fairness", str(args.fairness)]
    for option in args.highs:
        extra += ["--highs", option]
    if args.phase2:
        extra += ["--phase2", args.phase2]
    return extra


def _child(args: argparse.Namespace) -> None:
    for option in args.highs:
        name, value = option.split("=", 1)
        _HIGHS_OPTIONS[name] = _option_value(value)
    if args.phase2:
        original = highs.Solver.use

        def use(solver: highs.Solver, method: str) -> None:
            original(solver, args.phase2 if method == "ipm" else method)

        highs.Solver.use = use  # type: ignore[method-assign]
    print(json.dumps(_one_run(args.child, args.method, _settings(args))))


def _option_value(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return {"true": True, "false": False}.get(text, text)


@contextmanager
def _case_file(args: argparse.Namespace) -> Iterator[tuple[Path, Case]]:
    if args.case_cache is not None and args.case_cache.exists():
        with args.case_cache.open("rb") as handle:
            case: Case = pickle.load(handle)
        yield args.case_cache, case
        return
    case = build_case(
        outlets_per_hub=args.outlets_per_hub, days=args.days, start_day=args.start_day
    )
    if args.case_cache is not None:
        with args.case_cache.open("wb") as handle:
            pickle.dump(case, handle, protocol=pickle.HIGHEST_PROTOCOL)
        yield args.case_cache, case
        return
    with tempfile.TemporaryDirectory(prefix="peakguard-plan-") as folder:
        path = Path(folder) / "case.pickle"
        with path.open("wb") as handle:
            pickle.dump(case, handle, protocol=pickle.HIGHEST_PROTOCOL)
        yield path, case


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--outlets-per-hub", type=int, default=6)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument(
        "--start-day",
        type=int,
        default=0,
        help="days after 1 November the case starts (8: with the Double 11 peak)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs of each, fresh processes")
    parser.add_argument("--methods", default="lp,greedy")
    parser.add_argument(
        "--storage-hours", type=int, default=StaggerParameters.storage_hours_per_day
    )
    parser.add_argument("--time-limit", type=float, default=600.0, help="HiGHS, each phase")
    parser.add_argument(
        "--rolling-days",
        type=int,
        default=0,
        help=f"days a window of the rolling method spans ({ROLLING_DAYS} if 0)",
    )
    parser.add_argument(
        "--fairness",
        type=float,
        default=StaggerParameters.carrier_fairness,
        help="weight of the worst carrier's and origin's mean delay (0: least delay alone, "
        "what the rolling method plans)",
    )
    parser.add_argument("--highs", action="append", default=[], help="HiGHS option name=value")
    parser.add_argument("--phase2", choices=["ipm", "simplex", "pdlp"], help="phase 2's solver")
    parser.add_argument(
        "--memory-limit-mb", type=float, default=MEMORY_LIMIT_MB, help="stop a run above this"
    )
    parser.add_argument("--experiments", action="store_true", help="HiGHS options, LP only")
    parser.add_argument("--anatomy", action="store_true", help="where the nonzeros come from")
    parser.add_argument(
        "--case-cache",
        type=Path,
        help="a pickled case to reuse (built and written there if absent; the national "
        "case takes minutes to build). It must match --outlets-per-hub and --days.",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--method", default="lp", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        _child(args)
        return
    with _case_file(args) as (path, case):
        print(f"case built in {case.build_seconds:.0f} s", file=sys.stderr, flush=True)
        if args.experiments:
            _experiments(path, case, args)
            return
        if args.anatomy:
            print(anatomy(case, _settings(args)))
            return
        runs: list[dict[str, Any]] = []
        for repeat in range(args.repeats):
            for method in args.methods.split(","):
                result = _run_child(path, method, _child_arguments(args), args.memory_limit_mb)
                runs.append(result)
                print(
                    f"run {repeat + 1}/{args.repeats} {method}: {result['total']:.1f} s, "
                    f"{result['rss_mb']:,.0f} MB {result.get('failed', '')}",
                    file=sys.stderr,
                    flush=True,
                )
                if "stderr" in result:
                    print(result["stderr"], file=sys.stderr)
        print(report(case, runs, _settings(args)))


def _experiments(path: Path, case: Case, args: argparse.Namespace) -> None:
    lines = [
        f"Commit {_commit()}, {time.strftime('%Y-%m-%d %H:%M')}; "
        f"{sum(n.kind is NodeKind.outlet for n in case.network.nodes):,} outlets, "
        f"{case.scenario.days} days; one run each, HiGHS limit {args.time_limit:.0f} s a phase.",
        "",
        "| variant | rows | nonzeros | build s | phase 1 s | phase 2 s | total s | peak MB "
        "| overflow | delay parcel-days | status |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, extra in EXPERIMENTS:
        merged = argparse.Namespace(**vars(args))
        merged.highs = list(args.highs)
        merged.phase2 = args.phase2
        for flag, value in zip(extra[::2], extra[1::2], strict=True):
            if flag == "--highs":
                merged.highs.append(value)
            elif flag == "--phase2":
                merged.phase2 = value
            elif flag == "--storage-hours":
                merged.storage_hours = int(value)
        run = _run_child(path, "lp", _child_arguments(merged), args.memory_limit_mb)
        phases = _phases(run)
        stats = run.get("statistics", {})
        quality = run.get("quality", {})
        build = phases.get("problem", 0.0) + phases.get("load basis", 0.0)
        build += phases.get("load rows", 0.0)
        build += phases.get("program assembly", 0.0) + phases.get("pass to HiGHS", 0.0)
        status = run.get("failed", "optimal")
        lines.append(
            f"| {label} | {stats.get('rows', 0):,} | {stats.get('nonzeros', 0):,} | {build:.1f} "
            f"| {phases.get('phase 1 (least overflow)', float('nan')):.1f} "
            f"| {phases.get('phase 2 (least delay)', float('nan')):.1f} | {run['total']:.1f} "
            f"| {run['rss_mb']:,.0f} | {quality.get('overflow', float('nan')):,.0f} "
            f"| {quality.get('delay_parcel_days', float('nan')):,.0f} | {status} |"
        )
        print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
