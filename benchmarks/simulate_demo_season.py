"""The Sichuan demo season through the compiled engine and the reference engine, same process.

Run it from the repository root (it is not part of the test run)::

    .venv/bin/python benchmarks/simulate_demo_season.py --repeats 3

The season is the demo's (``build_sichuan_network()``, ``double11_scenario()``): the plan is
compiled once as :func:`peakguard.simulate.run.simulate` compiles it, then each engine runs it
alternately — untraced, and with the demo's 2 % cohort sample traced (what ``peakguard demo``
asks for, to draw scan events from). Engine time is process CPU time and wall-clock time; the
compiled engine's first call (loading its machine code from Numba's cache) is timed apart.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from peakguard.demo.season import double11_scenario
from peakguard.demo.sichuan import DemoParameters, build_sichuan_network
from peakguard.domain.routing import derive_routing
from peakguard.simulate.compiled_engine import simulate_compiled
from peakguard.simulate.demand import build_demand
from peakguard.simulate.plan import SimulationPlan, compile_plan
from peakguard.simulate.reference_engine import simulate_plan as simulate_reference
from peakguard.simulate.run import scenario_capacities
from peakguard.simulate.run_state import SimulationRun

TRACE_SHARE = 0.02
"""The demo's traced share of cohorts (``peakguard.app.demo.DEMO_TRACE_SHARE``)."""


def season_plan() -> SimulationPlan:
    """The demo season's plan, compiled as ``simulate`` compiles it."""
    network = build_sichuan_network(DemoParameters())
    scenario = double11_scenario()
    capacity, accepting, factor, storage = scenario_capacities(network, scenario)
    return compile_plan(
        network,
        derive_routing(network),
        build_demand(network, scenario),
        hours=scenario.hours,
        sorting_capacity=capacity,
        accepting=accepting,
        lane_capacity_factor=factor,
        policy=scenario.storage_policy,
        storage_capacity=storage,
    )


def timed(run: Callable[[], SimulationRun]) -> tuple[float, float, SimulationRun]:
    """(CPU s, wall s, the run)."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = run()
    return time.process_time() - cpu, time.perf_counter() - wall, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reference-repeats", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    plan = season_plan()
    print(
        f"plan compiled in {time.perf_counter() - start:.1f} s: {len(plan.node_ids):,} nodes, "
        f"{len(plan.lane_origin):,} lanes, {len(plan.cohort_parcels):,} cohorts, "
        f"{plan.hours} hours, {plan.cohort_parcels.sum():,.0f} parcels, {plan.policy}"
    )
    chosen = np.random.default_rng(0).random(len(plan.cohort_parcels)) < TRACE_SHARE
    first = timed(lambda: simulate_compiled(plan))
    print(f"compiled, first call (cache load, or compiling): {first[1]:.2f} s wall")
    cases: dict[str, Callable[[], SimulationRun]] = {
        "compiled, untraced": lambda: simulate_compiled(plan),
        "compiled, 2 % traced": lambda: simulate_compiled(plan, trace_cohorts=chosen),
        "reference, untraced": lambda: simulate_reference(plan),
        "reference, 2 % traced": lambda: simulate_reference(plan, trace_cohorts=chosen),
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    delivered: dict[str, float] = {}
    for repeat in range(args.repeats):
        for name, case in cases.items():
            if name.startswith("reference") and repeat >= args.reference_repeats:
                continue
            cpu, wall, run = timed(case)
            results[name].append((cpu, wall))
            delivered[name] = float(run.delivered.sum())
            print(f"  {name}: CPU {cpu:.2f} s, wall {wall:.2f} s", flush=True)
    print("\n| engine | runs | CPU s median (min–max) | wall s median | delivered |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in results.items():
        if not values:
            continue
        cpu = [value[0] for value in values]
        wall = [value[1] for value in values]
        print(
            f"| {name} | {len(values)} | {statistics.median(cpu):.2f} ({min(cpu):.2f}–"
            f"{max(cpu):.2f}) | {statistics.median(wall):.2f} | {delivered[name]:,.0f} |"
        )


if __name__ == "__main__":
    main()
