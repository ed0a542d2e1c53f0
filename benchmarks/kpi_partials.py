"""The daily bulletin from the event lake's partial aggregates against the same bulletin from
the raw events (issue #21, part 4), on the KPI benchmark's events (``kpi_events_data.py``).

Run it from the repository root (it is not part of the test run)::

    .venv/bin/python benchmarks/kpi_partials.py --events FILE.parquet --lake DIR \\
        --day 2026-11-14 --repeats 3 --raw-repeats 1 [--groups 2 --memory-limit 6GB]

1. ``--lake`` is made once from ``--events`` (skipped when it exists): the file's rows, which
   are in order of China day, carrier and time, written as the lake's partitions
   (``events/day=…/carrier=…/part-<batch>.parquet``) by streaming its row groups. Then, when
   the lake has no partials, :func:`~peakguard.store.event_partials.rebuild_partials` (what
   ingest would have kept up batch by batch) in ``--groups`` passes within DuckDB's
   ``--memory-limit``, in a fresh process — timed, with its peak memory.
2. The daily bulletin of ``--day`` (as of its default moment) from the partials, ``--repeats``
   times, and from the raw events of the same lake (the partials hidden by reading the event
   folder ``<lake>/events``, where no manifest is), ``--raw-repeats`` times, alternating; each
   run a fresh process (its own peak RSS: ``VmHWM``).
3. The first bulletin of each path is compared figure by figure (exit 1 if they differ).

Prints one JSON line per run and a summary: median seconds (min–max), events per second of
the lake's events, the ratio raw ÷ partials.
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import fields, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from peakguard.analytics.partials_lake import read_manifest

BATCH = "20261115T000000000000Z-bench000"


def build_lake(events: Path, lake: Path) -> dict[str, float]:
    """The lake's partitions from the ordered file."""
    from peakguard.domain.scans import china_days

    started = time.perf_counter()
    source = pq.ParquetFile(events)
    writer: pq.ParquetWriter | None = None
    current: tuple[date, str] | None = None
    for number in range(source.num_row_groups):
        group = source.read_row_group(number)
        days = china_days(group.column("time")).cast("int32").to_numpy()
        carriers = group.column("carrier").to_numpy(zero_copy_only=False)
        change = (days[1:] != days[:-1]) | (carriers[1:] != carriers[:-1])
        starts = [0, *(np.flatnonzero(change) + 1).tolist()]
        for start, end in zip(starts, [*starts[1:], group.num_rows], strict=True):
            key = (
                date.fromordinal(date(1970, 1, 1).toordinal() + int(days[start])),
                carriers[start],
            )
            if key != current:
                if writer is not None:
                    writer.close()
                folder = lake / "events" / f"day={key[0].isoformat()}" / f"carrier={key[1]}"
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"part-{BATCH}.parquet"
                if path.exists():
                    raise SystemExit(f"{path} twice: the file is not in day and carrier order")
                writer = pq.ParquetWriter(path, group.schema, compression="zstd")
                current = key
            assert writer is not None
            writer.write_table(group.slice(start, end - start))
    if writer is not None:
        writer.close()
    return {"lake_seconds": time.perf_counter() - started}


def build_partials(lake: Path, groups: int, memory_limit: str) -> dict[str, float]:
    """The lake's partials rebuilt from its events (what ingest keeps up batch by batch)."""
    from peakguard.store.event_partials import rebuild_partials

    started, cpu = time.perf_counter(), time.process_time()
    rebuild_partials(lake, groups=groups, memory_limit=memory_limit)
    return {
        "partials_seconds": time.perf_counter() - started,
        "partials_cpu_seconds": time.process_time() - cpu,
        "peak_rss_gib": peak_rss_gib(),
    }


def peak_rss_gib() -> float:
    """This process's peak resident memory (``VmHWM``: unlike ``ru_maxrss``, it starts afresh
    at ``exec``, so a run's figure is its own, not its parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def one_run(lake: Path, day: date, path: str, output: Path) -> None:
    """One bulletin in this process; its figures pickled to ``output``."""
    from peakguard.bulletin import assemble_bulletin, day_period

    source = lake if path == "partials" else lake / "events"  # no manifest there: raw events
    started, cpu = time.perf_counter(), time.process_time()
    bulletin = assemble_bulletin(source, day_period(day))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    output.write_bytes(pickle.dumps(bulletin))
    print(
        json.dumps(
            {
                "path": path,
                "figures_from": bulletin.figures_from,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "peak_rss_gib": peak_rss_gib(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=Path, required=True)
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 14))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--raw-repeats", type=int, default=1)
    parser.add_argument(
        "--groups", type=int, default=2, help="passes over the lake to build the partials"
    )
    parser.add_argument("--memory-limit", default="6GB", help="DuckDB's, building the partials")
    parser.add_argument(
        "--run", choices=("partials", "raw", "partials-build"), help=argparse.SUPPRESS
    )
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.run in {"partials", "raw"}:
        one_run(arguments.lake, arguments.day, arguments.run, arguments.output)
        return
    if arguments.run == "partials-build":
        print(
            json.dumps(
                {"build": build_partials(arguments.lake, arguments.groups, arguments.memory_limit)}
            )
        )
        return
    if not arguments.lake.exists():
        print(json.dumps({"lake": build_lake(arguments.events, arguments.lake)}), flush=True)
    if read_manifest(arguments.lake) is None:  # in a fresh process: its own peak memory
        command = [sys.executable, __file__, "--events", str(arguments.events)]
        command += ["--lake", str(arguments.lake), "--groups", str(arguments.groups)]
        command += ["--memory-limit", arguments.memory_limit]
        command += ["--run", "partials-build"]
        line = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        print(line.strip().splitlines()[-1], flush=True)
    events = pq.ParquetFile(arguments.events).metadata.num_rows
    runs: dict[str, list[dict[str, float]]] = {"partials": [], "raw": []}
    order = ["partials", "raw"] * max(arguments.repeats, arguments.raw_repeats)
    outputs: dict[str, Path] = {}
    for path in order:
        limit = arguments.repeats if path == "partials" else arguments.raw_repeats
        if len(runs[path]) >= limit:
            continue
        output = arguments.lake.parent / f"bulletin-{path}-{len(runs[path])}.pickle"
        command = [sys.executable, __file__, "--events", str(arguments.events)]
        command += ["--lake", str(arguments.lake), "--day", arguments.day.isoformat()]
        command += ["--run", path, "--output", str(output)]
        line = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        result = json.loads(line.strip().splitlines()[-1])
        print(json.dumps(result), flush=True)
        runs[path].append(result)
        outputs.setdefault(path, output)
    same = _same(outputs)
    summary: dict[str, object] = {"events": events, "same_figures": same}
    for path, results in runs.items():
        seconds = [result["seconds"] for result in results]
        if seconds:
            median = statistics.median(seconds)
            summary[path] = {
                "median_seconds": median,
                "min": min(seconds),
                "max": max(seconds),
                "median_cpu_seconds": statistics.median(r["cpu_seconds"] for r in results),
                "events_per_second": events / median,
                "peak_rss_gib": max(result["peak_rss_gib"] for result in results),
            }
    if runs["partials"] and runs["raw"]:
        summary["raw_over_partials"] = statistics.median(
            r["seconds"] for r in runs["raw"]
        ) / statistics.median(r["seconds"] for r in runs["partials"])
    print(json.dumps(summary, indent=1))
    if same is False:
        raise SystemExit(1)


def _close(left: Any, right: Any, where: str = "bulletin") -> None:
    """Field by field: floats to 1e-9 relative, everything else exactly (as the tests do)."""
    if is_dataclass(left) and not isinstance(left, type):
        for item in fields(left):
            if item.name not in {"figures_from", "partials_unusable"}:
                _close(getattr(left, item.name), getattr(right, item.name), f"{where}.{item.name}")
    elif isinstance(left, tuple | list):
        assert len(left) == len(right), where
        for index, (one, other) in enumerate(zip(left, right, strict=True)):
            _close(one, other, f"{where}[{index}]")
    elif isinstance(left, float) and isinstance(right, float):
        assert math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12), (where, left, right)
    else:
        assert left == right, (where, left, right)


def _same(outputs: dict[str, Path]) -> bool | None:
    """Whether the two paths' bulletins have the same figures (None with one path only)."""
    if set(outputs) != {"partials", "raw"}:
        return None
    partials = pickle.loads(outputs["partials"].read_bytes())
    raw = pickle.loads(outputs["raw"].read_bytes())
    try:
        _close(partials, raw)
    except AssertionError as difference:
        print(f"the bulletins differ: {difference}", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    main()
