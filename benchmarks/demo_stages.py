"""``peakguard demo`` stage by stage: wall and CPU seconds, peak memory, and inside each stage
the time in the simulator's engine, in compiling its plans and in HiGHS, with their counts.

Run it as a new user would run the demo, on a fresh home and without the install (the
simulator's kernel compiled beforehand, as ``scripts/bootstrap.sh`` does)::

    export PEAKGUARD_HOME=$(mktemp -d)
    .venv/bin/python -m benchmarks.demo_stages OUT timing.json

(about 2 GB: on a shared machine, alone). It writes ``timing.json`` and prints
a Markdown table. Peak memory is the process's high-water mark when each stage ends, so a
stage's own peak is the first stage whose figure is that high. Not part of the test suite.

The plan stage alone (the demo's network, season and releases, then ``plan_assurance`` exactly
as ``run_demo`` calls it, no store), appending one JSON line of CPU seconds, solves, peak
memory and the plan's figures to ``plan.jsonl``; run it on two trees alternately to compare::

    PYTHONPATH=src .venv/bin/python -m benchmarks.demo_stages plan plan.jsonl
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import peakguard.app.demo as demo_app
import peakguard.cli.demo as demo_command
from peakguard.cli import app
from peakguard.optimize import highs
from peakguard.simulate import engine
from peakguard.simulate import plan as plan_module

Measured = dict[str, dict[str, float]]


class Stages:
    """The stage now running, and the seconds each wrapped call took inside each stage."""

    def __init__(self) -> None:
        self.current = "open"
        self.inside: Measured = defaultdict(lambda: defaultdict(float))
        self.marks: list[tuple[str, float, float, int]] = []
        self.depth = 0

    def mark(self, name: str) -> None:
        self.marks.append((name, time.perf_counter(), time.process_time(), _peak_mb()))
        self.current = name

    def timed(self, category: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function`` counted under ``category`` in the running stage (outermost call only)."""

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if self.depth:
                return function(*args, **kwargs)
            self.depth += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                self.inside[self.current][category] += time.perf_counter() - started
                self.inside[self.current][category + "_calls"] += 1

        return wrapper

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "stage": name,
                "wall": round(wall_end - wall, 2),
                "cpu": round(cpu_end - cpu, 2),
                "peak_mb": peak_end,
                **{key: round(value, 2) for key, value in self.inside.get(name, {}).items()},
            }
            for (name, wall, cpu, _peak), (_next, wall_end, cpu_end, peak_end) in zip(
                self.marks, self.marks[1:], strict=False
            )
        ]


def _peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _wrap_everywhere(original: Callable[..., Any], wrapped: Callable[..., Any]) -> None:
    """Replace ``original`` in every loaded peakguard module that imported it by name."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("peakguard"):
            continue
        for attribute, value in list(vars(module).items()):
            if value is original:
                setattr(module, attribute, wrapped)


def main(out: Path, timing: Path) -> None:
    stages = Stages()
    _wrap_everywhere(engine.simulate_plan, stages.timed("engine", engine.simulate_plan))
    _wrap_everywhere(plan_module.compile_plan, stages.timed("compile", plan_module.compile_plan))
    highs.Solver.solve = stages.timed("lp", highs.Solver.solve)  # type: ignore[method-assign]
    # The warm solves capped at an iteration limit are HiGHS's time too.
    highs.Solver.solve_within = stages.timed(  # type: ignore[method-assign]
        "lp", highs.Solver.solve_within
    )
    run_demo = demo_app.run_demo

    def staged(*args: Any, step: Callable[[str], None], **kwargs: Any) -> Any:
        def marked(name: str) -> None:
            stages.mark(name)
            step(name)

        return run_demo(*args, step=marked, **kwargs)

    demo_command.run_demo = staged  # type: ignore[attr-defined,assignment]
    write_demo = demo_command.write_demo  # type: ignore[attr-defined]

    def writing(*args: Any, **kwargs: Any) -> Any:
        stages.mark("report")
        return write_demo(*args, **kwargs)

    demo_command.write_demo = writing  # type: ignore[attr-defined]
    stages.mark("open")
    try:
        app(["--lang", "en", "demo", "--out", str(out)], standalone_mode=False)
    finally:
        stages.mark("end")
        first, last = stages.marks[0], stages.marks[-1]
        result = {
            "total_wall": round(last[1] - first[1], 2),
            "total_cpu": round(last[2] - first[2], 2),
            "peak_mb": _peak_mb(),
            "stages": stages.rows(),
        }
        timing.write_text(json.dumps(result, indent=1), encoding="utf-8")
        print(table(result), file=sys.stderr)


def plan_stage(record: Path) -> None:
    """Time the demo's plan stage alone and append its figures to ``record``."""
    from threadpoolctl import threadpool_limits

    from peakguard.demo.season import double11_scenario
    from peakguard.demo.sichuan import DemoParameters, build_sichuan_network
    from peakguard.optimize import assurance, loads, stagger_warm
    from peakguard.optimize import stagger_program as program
    from peakguard.optimize.assurance import plan_assurance
    from peakguard.optimize.problem import compile_problem
    from peakguard.optimize.releases import releases_from_problem

    stages = Stages()
    engine_runs: list[float] = []
    _wrap_everywhere(
        engine.simulate_plan, stages.timed("engine", _cpu_logged(engine.simulate_plan, engine_runs))
    )
    _wrap_everywhere(plan_module.compile_plan, stages.timed("compile", plan_module.compile_plan))
    building: dict[str, list[float]] = defaultdict(list)
    for module, name in (
        (loads, "load_basis"),
        (loads, "build_load_model"),
        (program, "build_program"),
    ):
        original = getattr(module, name)
        _wrap_everywhere(original, _cpu_logged(original, building[name]))
    checks: list[dict[str, Any]] = []
    peaks = assurance.peak_storage_utilisation

    def peaks_logged(*args: Any, **kwargs: Any) -> Any:
        utilisation = peaks(*args, **kwargs)
        checks.append(
            {
                "over": int((utilisation > 1 + 1e-6).sum()),
                "peak": round(float(utilisation.max()), 4),
            }
        )
        return utilisation

    assurance.peak_storage_utilisation = peaks_logged
    recalibrated = assurance._recalibrated

    def recalibrated_logged(factor: Any, plan: Any, peaks: Any, *args: Any, **kwargs: Any) -> Any:
        updated = recalibrated(factor, plan, peaks, *args, **kwargs)
        planned = {load.node: load.peak_storage_after for load in plan.node_loads}
        nodes = [node.id for node in problem_holder[0].network.nodes]
        checks[-1]["nodes_over"] = [
            {
                "node": nodes[index],
                "simulated": round(float(peaks[index]), 4),
                "program": round(planned.get(nodes[index], 0.0), 4),
                "factor": round(float(factor[index]), 4),
                "next": round(float(updated[index]), 4),
            }
            for index in np.flatnonzero(peaks > 1 + 1e-6).tolist()
        ]
        checks[-1]["lowered"] = int((updated < factor - 1e-9).sum())
        return updated

    assurance._recalibrated = recalibrated_logged
    problem_holder: list[Any] = []
    decisions: list[bool] = []
    near = getattr(stagger_warm, "near_enough", None)
    if near is not None:

        def near_logged(*args: Any) -> bool:
            decisions.append(near(*args))
            return decisions[-1]

        _wrap_everywhere(near, near_logged)
    solves: list[dict[str, Any]] = []
    solve = highs.Solver.solve

    def logged(solver: highs.Solver) -> highs.Solution:
        started = time.process_time()
        solution = solve(solver)
        solves.append(_solve_record(solver, solution, time.process_time() - started))
        return solution

    highs.Solver.solve = stages.timed("lp", logged)  # type: ignore[method-assign]
    within = getattr(highs.Solver, "solve_within", None)
    if within is not None:

        def limited(solver: highs.Solver, iterations: int) -> highs.Solution | None:
            started = time.process_time()
            solution = within(solver, iterations)
            record = _solve_record(solver, solution, time.process_time() - started)
            solves.append({**record, "limit": iterations})
            return solution

        highs.Solver.solve_within = stages.timed("lp", limited)  # type: ignore[method-assign]
    with threadpool_limits(limits=1, user_api="blas"):
        problem = compile_problem(
            build_sichuan_network(DemoParameters(seed=2016)), double11_scenario()
        )
        problem_holder.append(problem)
        stages.mark("plan")
        result = plan_assurance(problem, releases_from_problem(problem))
        stages.mark("end")
    (row,) = stages.rows()
    figures = {
        "src": str(Path(demo_app.__file__).parents[2]),
        **row,
        "checks": result.checks,
        "confirmed": result.confirmed,
        "reserves": len(result.reserves),
        "planned_hubs_overflowing": result.comparison.planned.hubs_overflowing,
        "unplanned_hubs_overflowing": result.comparison.unplanned.hubs_overflowing,
        "new_overflow_nodes": len(result.comparison.new_overflow_nodes),
        "plan_overflow": round(result.plan.overflow, 3),
        "delay_parcel_days": round(result.plan.delay_parcel_days, 3),
        "lp_cpu": round(sum(item["cpu"] for item in solves), 2),
        "engine_cpu": [round(seconds, 2) for seconds in engine_runs],
        "check_peaks": checks,
        "warm_tried": decisions,
        "build_cpu": {name: round(sum(seconds), 2) for name, seconds in building.items()},
        "build_calls": {name: len(seconds) for name, seconds in building.items()},
        "solves": solves,
    }
    print(json.dumps(figures))
    with record.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(figures) + "\n")


def _cpu_logged(function: Callable[..., Any], seconds: list[float]) -> Callable[..., Any]:
    """``function``, appending each call's process CPU seconds to ``seconds``."""

    def logged(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            seconds.append(time.process_time() - started)

    return logged


def _solve_record(
    solver: highs.Solver, solution: highs.Solution | None, cpu: float
) -> dict[str, Any]:
    """One HiGHS solve: its CPU seconds, iterations, size and how it was solved (``method``
    ``simplex``/``ipm``/...; ``strategy`` 1 dual, 4 primal; ``presolve`` whether HiGHS ran it,
    which it skips when it starts from a given basis)."""
    model = solver.highs
    info = model.getInfo()
    return {
        "cpu": round(cpu, 2),
        "iterations": int(info.simplex_iteration_count) + int(info.ipm_iteration_count),
        "status": model.modelStatusToString(model.getModelStatus()),
        "rows": int(model.getNumRow()),
        "columns": int(model.getNumCol()),
        "method": str(_option(model, "solver")),
        "strategy": int(_option(model, "simplex_strategy")),
        "presolve": str(model.getModelPresolveStatus()).rsplit(".", 1)[-1],
        "objective": round(float(info.objective_function_value), 3),
    }


def _option(model: Any, name: str) -> Any:
    """An option's value (highspy returns it alone or with a status, by version)."""
    value = model.getOptionValue(name)
    return value[1] if isinstance(value, tuple) else value


def table(result: dict[str, Any]) -> str:
    """The stages as a Markdown table."""
    lines = [
        "| stage | wall s | CPU s | peak MB | engine s (runs) | compile s | HiGHS s (solves) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["stages"]:
        engine_seconds = f"{row.get('engine', 0):.1f} ({row.get('engine_calls', 0):.0f})"
        solves = f"{row.get('lp', 0):.1f} ({row.get('lp_calls', 0):.0f})"
        lines.append(
            f"| {row['stage']} | {row['wall']:.1f} | {row['cpu']:.1f} | {row['peak_mb']:,} "
            f"| {engine_seconds} | {row.get('compile', 0):.1f} | {solves} |"
        )
    lines.append(
        f"| **total** | **{result['total_wall']:.1f}** | **{result['total_cpu']:.1f}** "
        f"| **{result['peak_mb']:,}** | | | |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1] == "plan":
        plan_stage(Path(sys.argv[2]))
    else:
        main(Path(sys.argv[1]), Path(sys.argv[2]))
