"""Service-quality KPIs on synthetic scan events: peakguard (Ibis on DuckDB) against hand-written
DuckDB SQL on the same Parquet file, in the same session.

Run it from the repository root (it is not part of the test run)::

    .venv/bin/python benchmarks/kpi_events.py --parcels 20000000 --repeats 3
    .venv/bin/python benchmarks/kpi_events.py --parcels 200000 --repeats 1 --explain

The events (``kpi_events_data.py``: about 5 a parcel, laid out as the event lake lays them out)
are generated once into ``--data-dir`` (outside the repository) and reused. Three results, each
as peakguard computes them with the default :class:`KpiSettings` (cutoff = the latest event):

- ``rates``: :func:`delivery_rates` by carrier and acceptance day (the 72-hour rate, and the
  48-hour one the settings also ask for);
- ``journeys``: :func:`journey_times` of :func:`parcel_legs` by carrier (the mean full-journey
  hours and its five legs);
- ``nodes``: :func:`node_hours` (every node's hours with arrivals, departures and backlog).

Runners (``--kinds``, alternated in that order): ``sql``, the hand-written DuckDB SQL;
``peakguard``, a run as peakguard makes one (``Engine.as_of_latest`` states the cutoff, the
parcel facts are stored once with only the columns the rates and legs read, then released
before the node pass); ``peakguard-lazy``, the same functions as one-off expressions over the
events (the facts computed in each query, the cutoff left to the latest event).

Each run is a fresh process (so its peak resident memory, ``ru_maxrss``, is its own); the time is
from opening the file to the three pyarrow tables, imports excluded, as wall seconds and as the
process's CPU seconds (all threads: the fairer comparison on a shared machine). Runs alternate
(SQL, peakguard, SQL, …); the first run of each is checked to give the same tables (the script
exits 1 if not). ``--explain`` writes EXPLAIN ANALYZE of both sides' queries to
``<data-dir>/explain/``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from kpi_events_data import ensure  # noqa: E402

DEFAULT_DATA = Path("/work/bench-data")
RESULTS = ("rates", "journeys", "nodes")

# --- the hand-written SQL -------------------------------------------------------------------
# Seconds are whole seconds since 1970 (epoch_us // 10^6: the same as peakguard's floor for any
# time after 1970). The second departure and the last arrival before the delivering node come
# from min(time, 2) / max(time, 2) in the same pass: the same as peakguard's join unless a
# parcel has two departures (or arrivals) at the very same microsecond.

SQL_FACTS = """
CREATE TEMP TABLE facts AS
SELECT
    carrier,
    epoch_us(accepted) // 1000000 AS accepted,
    epoch_us(delivered) // 1000000 AS delivered,
    epoch_us(first_departed) // 1000000 AS m1,
    epoch_us(list_filter(departures, x -> x > first_departed)[1]) // 1000000 AS m2,
    epoch_us(list_filter(arrivals, x -> x < last_arrived)[1]) // 1000000 AS m3,
    epoch_us(last_arrived) // 1000000 AS m4,
    epoch_us(last_scan) // 1000000 AS last_scan
FROM (
    SELECT
        any_value(carrier) AS carrier,
        min(time) FILTER (event = 'accept') AS accepted,
        min(time) FILTER (event = 'deliver') AS delivered,
        min(time) FILTER (event = 'depart') AS first_departed,
        min(time, 2) FILTER (event = 'depart') AS departures,
        max(time) FILTER (event = 'arrive') AS last_arrived,
        max(time, 2) FILTER (event = 'arrive') AS arrivals,
        max(time) AS last_scan
    FROM read_parquet($path)
    GROUP BY waybill
)
"""

SQL_RATES = """
WITH cutoff AS (SELECT max(last_scan) AS at FROM facts),
parcels AS (
    SELECT
        carrier,
        CAST(make_timestamp((accepted + 28800) * 1000000) AS DATE) AS acceptance_day,
        CASE WHEN delivered >= accepted THEN delivered - accepted END AS journey,
        accepted + 259200 <= cutoff.at AS due_72h,
        accepted + 172800 <= cutoff.at AS due_48h
    FROM facts, cutoff
    WHERE accepted IS NOT NULL
)
SELECT
    carrier,
    acceptance_day,
    count(*) AS accepted,
    count(journey) AS delivered,
    avg(journey) / 3600 AS mean_journey_hours,
    count(*) FILTER (due_72h) AS due_72h,
    count(*) FILTER (due_72h AND journey <= 259200) AS delivered_72h,
    count(*) FILTER (due_48h) AS due_48h,
    count(*) FILTER (due_48h AND journey <= 172800) AS delivered_48h,
    CAST(count(*) FILTER (due_72h AND journey <= 259200) AS DOUBLE)
        / NULLIF(CAST(count(*) FILTER (due_72h) AS DOUBLE), 0.0) AS rate_72h,
    CAST(count(*) FILTER (due_48h AND journey <= 172800) AS DOUBLE)
        / NULLIF(CAST(count(*) FILTER (due_48h) AS DOUBLE), 0.0) AS rate_48h
FROM parcels
GROUP BY ALL
ORDER BY ALL
"""

SQL_JOURNEYS = """
WITH delivered AS (
    SELECT carrier, accepted AS start, delivered AS finish, m1, m2, m3, m4
    FROM facts
    WHERE delivered >= accepted
),
running AS (
    SELECT
        carrier, start, finish,
        greatest(start, coalesce(m1, start)) AS r1,
        greatest(start, coalesce(m1, start), coalesce(m2, start)) AS r2,
        greatest(start, coalesce(m1, start), coalesce(m2, start), coalesce(m3, start)) AS r3,
        greatest(start, coalesce(m1, start), coalesce(m2, start), coalesce(m3, start),
                 coalesce(m4, start)) AS r4
    FROM delivered
),
checkpoints AS (
    SELECT carrier, start, finish,
        least(r1, finish) AS c1, least(r2, finish) AS c2,
        least(r3, finish) AS c3, least(r4, finish) AS c4
    FROM running
)
SELECT
    carrier,
    count(*) AS delivered,
    avg(finish - start) / 3600 AS mean_journey_hours,
    avg(c1 - start) / 3600 AS mean_acceptance_hours,
    avg(c2 - c1) / 3600 AS mean_outbound_hours,
    avg(c3 - c2) / 3600 AS mean_transit_hours,
    avg(c4 - c3) / 3600 AS mean_inbound_hours,
    avg(finish - c4) / 3600 AS mean_delivery_hours
FROM checkpoints
GROUP BY carrier
ORDER BY ALL
"""

SQL_NODES = """
WITH stays AS (
    SELECT
        node_id,
        epoch_us(min(time) FILTER (event IN ('accept', 'arrive'))) // 1000000 // 3600 AS entered,
        epoch_us(max(time) FILTER (event IN ('depart', 'deliver'))) // 1000000 // 3600 AS left_
    FROM read_parquet($path)
    WHERE event IN ('accept', 'arrive', 'depart', 'deliver')
    GROUP BY waybill, node_id
),
moves AS (
    SELECT node_id, entered AS hour, 1 AS arrived, 0 AS departed
    FROM stays WHERE entered IS NOT NULL
    UNION ALL
    SELECT node_id, greatest(left_, entered), 0, 1
    FROM stays WHERE entered IS NOT NULL AND left_ IS NOT NULL
),
counts AS (
    SELECT node_id, hour, sum(arrived) AS arrived, sum(departed) AS departed
    FROM moves GROUP BY ALL
),
grid AS (
    SELECT node_id, unnest(range(min(hour), $last_hour + 1)) AS hour
    FROM counts WHERE arrived > 0 GROUP BY node_id
),
filled AS (
    SELECT grid.node_id, grid.hour,
        CAST(coalesce(counts.arrived, 0) AS BIGINT) AS arrived,
        CAST(coalesce(counts.departed, 0) AS BIGINT) AS departed
    FROM grid LEFT JOIN counts USING (node_id, hour)
)
SELECT
    node_id,
    to_timestamp(hour * 3600) AS hour,
    arrived,
    departed,
    CAST(sum(arrived - departed) OVER (PARTITION BY node_id ORDER BY hour
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS backlog
FROM filled
ORDER BY ALL
"""


def run_sql(path: Path, explain: Path | None = None) -> dict[str, pa.Table]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    parameters = {"path": str(path)}
    con.execute(SQL_FACTS, parameters)
    last = con.execute("SELECT max(last_scan) // 3600 FROM facts").fetchone()
    assert last is not None
    results = {
        "rates": con.execute(SQL_RATES).to_arrow_table(),
        "journeys": con.execute(SQL_JOURNEYS).to_arrow_table(),
        "nodes": con.execute(SQL_NODES, {**parameters, "last_hour": last[0]}).to_arrow_table(),
    }
    if explain is not None:
        con.execute("DROP TABLE facts")
        plans = [
            _explain(con, SQL_FACTS, parameters),
            _explain(con, SQL_RATES, {}),
            _explain(con, SQL_JOURNEYS, {}),
            _explain(con, SQL_NODES, {**parameters, "last_hour": last[0]}),
        ]
        explain.write_text("\n\n".join(plans))
    return results


def _explain(con: object, sql: str, parameters: dict[str, object]) -> str:
    """EXPLAIN ANALYZE as a compact tree: operator, its own time (summed over threads), rows."""
    rows = con.execute(  # type: ignore[attr-defined]
        "EXPLAIN (ANALYZE, FORMAT JSON) " + sql, parameters
    ).fetchall()
    profile = json.loads(rows[0][-1])
    lines = [f"query: {profile['latency']:.2f} s wall, {profile['cpu_time']:.2f} s CPU"]

    def walk(node: dict[str, object], depth: int) -> None:
        info = node.get("extra_info") or {}
        assert isinstance(info, dict)
        detail = "; ".join(
            f"{key}: {' '.join(value) if isinstance(value, list) else value}"
            for key, value in info.items()
            if key in ("Groups", "Aggregates", "Join Type", "Conditions", "Filters", "Function")
        )
        lines.append(
            f"{'  ' * depth}{node['operator_type']}  {float(node['operator_timing']):.2f} s  "
            f"{int(node['operator_cardinality']):,} rows  {detail[:160]}"
        )
        for child in node.get("children", []):  # type: ignore[union-attr]
            walk(child, depth + 1)

    for child in profile["children"]:
        walk(child, 0)
    return "\n".join(lines)


def _peakguard(path: Path, explain: Path | None, *, stored: bool) -> dict[str, pa.Table]:
    """The three results as peakguard computes them. ``stored``: the way a run is meant to go
    (the cutoff stated as the latest event's time, one query on the time column; the parcel
    facts computed once, with only the columns the rates and legs read, into a temporary table
    both read, and freed before the node pass); otherwise every expression from the events, as
    a one-off question would."""
    from peakguard.analytics import (
        KpiSettings,
        delivery_rates,
        duckdb_engine,
        journey_times,
        node_hours,
        parcel_facts,
        parcel_legs,
    )
    from peakguard.analytics.delivery import LEG_INPUTS, rate_inputs

    engine = duckdb_engine(path)
    events = engine.events
    settings = engine.as_of_latest(KpiSettings()) if stored else KpiSettings()
    facts = parcel_facts(events, settings)
    columns = dict.fromkeys(("carrier", "acceptance_day", *rate_inputs(settings), *LEG_INPUTS))
    narrow = facts.select(*columns)
    parcels = engine.store(narrow) if stored else facts
    expressions = {
        "rates": delivery_rates(parcels, settings, ("carrier", "acceptance_day")),
        "journeys": journey_times(parcel_legs(events, parcels, settings)),
    }
    results = {name: engine.compute(expression) for name, expression in expressions.items()}
    if stored:
        engine.release(parcels)
    expressions["nodes"] = node_hours(events, settings)
    results["nodes"] = engine.compute(expressions["nodes"])
    if explain is not None:
        import ibis

        con = engine.backend.con  # type: ignore[attr-defined]
        # Stored: the facts' pass and the nodes (the rates and legs read the freed table).
        plans = [_explain(con, str(ibis.to_sql(narrow, dialect="duckdb")), {})] if stored else []
        for name, expression in expressions.items():
            if stored and name != "nodes":
                continue
            plans.append(_explain(con, str(ibis.to_sql(expression, dialect="duckdb")), {}))
        explain.write_text("\n\n".join(plans))
    return results


RUNNERS: dict[str, Callable[[Path, Path | None], dict[str, pa.Table]]] = {
    "sql": run_sql,
    "peakguard": partial(_peakguard, stored=True),
    "peakguard-lazy": partial(_peakguard, stored=False),
}


def worker(kind: str, path: Path, save: Path | None, explain: Path | None) -> None:
    import duckdb  # noqa: F401  (imports are not timed)

    import peakguard.analytics  # noqa: F401

    runner = RUNNERS[kind]
    started, cpu = time.perf_counter(), time.process_time()
    results = runner(path, None)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        for name, table in results.items():
            pq.write_table(table, save / f"{name}.parquet")
    if explain is not None:
        runner(path, explain)
    rows = {name: table.num_rows for name, table in results.items()}
    print(
        json.dumps({"kind": kind, "seconds": seconds, "cpu": cpu, "peak_rss": peak, "rows": rows})
    )


def spawn(kind: str, path: Path, save: Path | None, explain: Path | None) -> dict[str, object]:
    command = [sys.executable, __file__, "--worker", kind, "--data", str(path)]
    if save is not None:
        command += ["--save", str(save)]
    if explain is not None:
        command += ["--explain-to", str(explain)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result


def compare(left: Path, right: Path) -> list[str]:
    """Differences between two saved result sets (empty when identical)."""
    problems = []
    for name in RESULTS:
        a = pq.read_table(left / f"{name}.parquet")
        b = pq.read_table(right / f"{name}.parquet")
        if a.column_names != b.column_names:
            problems.append(f"{name}: columns {a.column_names} != {b.column_names}")
            continue
        if a.schema != b.schema:
            problems.append(f"{name}: schema {a.schema} != {b.schema}")
            b = b.cast(a.schema)
        if not a.equals(b):
            differing = [c for c in a.column_names if not a.column(c).equals(b.column(c))]
            problems.append(f"{name}: {a.num_rows} vs {b.num_rows} rows, differ in {differing}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=20_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE both sides")
    parser.add_argument("--kinds", default="sql,peakguard", help="runners, alternated")
    parser.add_argument("--worker", choices=sorted(RUNNERS), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--save", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--explain-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker, args.data, args.save, args.explain_to)
        return 0

    path = ensure(args.data_dir, args.parcels, args.seed)
    metadata = pq.ParquetFile(path).metadata
    events = metadata.num_rows
    print(
        f"{path.name}: {events:,} events, {metadata.num_row_groups} row groups, "
        f"{path.stat().st_size / 1e9:.2f} GB"
    )
    kinds = args.kinds.split(",")
    out = args.data_dir / "results" / path.stem
    runs: dict[str, list[dict[str, object]]] = {kind: [] for kind in kinds}
    for repeat in range(args.repeats):
        for kind in kinds:
            first = repeat == 0
            explain = None
            if first and args.explain:
                explain = args.data_dir / "explain" / f"{path.stem}-{kind}.txt"
                explain.parent.mkdir(parents=True, exist_ok=True)
            result = spawn(kind, path, out / kind if first else None, explain)
            runs[kind].append(result)
            print(
                f"  {kind:>10} run {repeat + 1}: {result['seconds']:.2f} s, "
                f"CPU {result['cpu']:.2f} s, "
                f"peak {int(result['peak_rss']) / 2**20:,.0f} MiB, rows {result['rows']}",
                flush=True,
            )
    failed = False
    for kind in kinds[1:]:
        problems = compare(out / kinds[0], out / kind)
        for problem in problems:
            print(f"MISMATCH {kinds[0]} vs {kind}: {problem}")
        failed = failed or bool(problems)
        if not problems:
            print(f"{kind} and {kinds[0]} give identical tables")
    baseline = statistics.median(float(r["seconds"]) for r in runs[kinds[0]])
    print()
    cpu_baseline = statistics.median(float(r["cpu"]) for r in runs[kinds[0]])
    print(
        "| run | median s (min–max) | events/s | ÷ "
        + kinds[0]
        + " | CPU s (min–max) | CPU ÷ "
        + kinds[0]
        + " | peak RSS (max) | runs |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in kinds:
        seconds = [float(r["seconds"]) for r in runs[kind]]
        cpus = [float(r["cpu"]) for r in runs[kind]]
        median, cpu = statistics.median(seconds), statistics.median(cpus)
        peaks = [int(r["peak_rss"]) / 2**30 for r in runs[kind]]
        print(
            f"| {kind} | {median:.2f} ({min(seconds):.2f}–{max(seconds):.2f}) | "
            f"{events / median / 1e6:.2f} M | {median / baseline:.2f} | "
            f"{cpu:.2f} ({min(cpus):.2f}–{max(cpus):.2f}) | {cpu / cpu_baseline:.2f} | "
            f"{statistics.median(peaks):.2f} GiB ({max(peaks):.2f}) | {len(seconds)} |"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
