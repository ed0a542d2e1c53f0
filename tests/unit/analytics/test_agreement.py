"""Every KPI gives the same answer on DuckDB and on Spark (issue #5): counts exactly, floats
to 1e-9 relative, on the hand cases and on a generated log with every event type."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from peakguard.analytics import (
    KpiSettings,
    delivery_rates,
    duckdb_engine,
    parcel_facts,
    standard_kpis,
    standards_of,
)
from peakguard.domain.scans import SCAN_EVENT_SCHEMA
from peakguard.formats.loading import load_network
from peakguard.formats.scenario_document import load_scenario
from peakguard.formats.simulation_output import events_table
from peakguard.simulate.events import expand_events
from peakguard.simulate.run import simulate

from .conftest import events
from .test_delivery import delivery_case
from .test_handovers import handover_case
from .test_nodes import node_case
from .test_quality_security_complaints import exception_case, security_case

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


def hand_cases() -> pa.Table:
    """All the hand-worked logs in one table (their waybills differ)."""
    rows = [
        *delivery_case(),
        *node_case(),
        *handover_case(),
        *exception_case(),
        *security_case(),
    ]
    return events(rows)


def generated() -> tuple[pa.Table, Any]:
    """The example week on the Chengdu–Mianyang network (a hub closed for a day), 3 % of the
    parcels as events, then roughened with a fixed seed: 2 % of arrivals dropped (missing
    handovers, stopped trails), exceptions of every reason, returns, security flags false or
    empty, and sub-second times."""
    network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
    scenario = load_scenario(EXAMPLES / "double11-small.yaml", network)
    result = simulate(network, scenario, trace=True)
    table = events_table(result, expand_events(result.run, rate=0.03, seed=5))
    random = np.random.default_rng(11)
    kinds = table.column("event").to_numpy(zero_copy_only=False)
    keep = ~((kinds == "arrive") & (random.random(len(kinds)) < 0.02))
    table = table.filter(pa.array(keep))
    accepts = table.filter(pc.equal(table.column("event"), "accept"))
    picked = accepts.take(pa.array(random.choice(accepts.num_rows, 400, replace=False)))
    extra = []
    reasons = ["damage", "loss", "refused", "address_problem", "locker_without_consent"]
    for index, row in enumerate(picked.to_pylist()):
        moment = row["time"] + timedelta(hours=3, microseconds=int(random.integers(1, 10**6)))
        common = {**row, "time": moment, "real_name_verified": None, "inspected": None}
        common["x_rayed"] = None
        if index < 300:
            extra.append({**common, "event": "exception", "reason": reasons[index % 5]})
        else:
            extra.append({**common, "event": "return"})
    flags = table.column("inspected").to_numpy(zero_copy_only=False)
    noise = random.random(len(flags))
    inspected = pa.array(
        [
            None if n < 0.01 else (False if n < 0.03 else f)
            for n, f in zip(noise, flags, strict=True)
        ],
        type=pa.bool_(),
    )
    is_accept = pc.equal(table.column("event"), "accept")
    inspected = pc.if_else(is_accept, inspected, pa.nulls(len(flags), pa.bool_()))
    table = table.set_column(table.schema.get_field_index("inspected"), "inspected", inspected)
    combined = pa.concat_tables([table, pa.Table.from_pylist(extra, schema=SCAN_EVENT_SCHEMA)])
    return combined, network


def assert_same(name: str, left: pa.Table, right: pa.Table) -> None:
    assert left.column_names == right.column_names, name
    assert left.num_rows == right.num_rows, name
    for column in left.column_names:
        ours, theirs = left.column(column).to_pylist(), right.column(column).to_pylist()
        if pa.types.is_floating(left.schema.field(column).type):
            for a, b in zip(ours, theirs, strict=True):
                if a is None or b is None or (math.isnan(a) and math.isnan(b)):
                    assert (a is None and b is None) or math.isnan(a), (name, column)
                else:
                    assert a == pytest.approx(b, rel=1e-9, abs=1e-12), (name, column)
        else:
            assert ours == theirs, (name, column)


def complaints() -> Any:
    return ibis.memtable(
        pa.table(
            {
                "waybill": ["x", None, "y"],
                "carrier": ["ZTO", "ZTO", "ZTO"],
                "day": [date(2026, 11, 11), date(2026, 11, 11), date(2026, 11, 12)],
                "valid": [True, False, True],
            }
        )
    )


def run_both(table: pa.Table, settings: KpiSettings, spark_of: Any, **extra: Any) -> None:
    duck_engine = duckdb_engine(table)
    spark_engine = spark_of(table)
    ours = duck_engine.compute_all(standard_kpis(duck_engine.events, settings, **extra))
    theirs = spark_engine.compute_all(standard_kpis(spark_engine.events, settings, **extra))
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert ours[name].num_rows > 0 or name in {"stopped_trails", "unmatched_handovers"}
        assert_same(name, ours[name], theirs[name])


def test_every_kpi_agrees(spark_of: Any) -> None:
    """The hand cases and about 40,000 generated events of a week with a closed hub,
    roughened, in one log, with a cutoff set: every KPI of :func:`standard_kpis`. (One run:
    each new query costs Spark seconds of planning.)"""
    table, network = generated()
    assert table.num_rows > 30_000
    assert set(table.column("event").to_pylist()) == {
        "accept",
        "sort",
        "depart",
        "arrive",
        "out_for_delivery",
        "deliver",
        "exception",
        "return",
    }
    lanes = pa.table(
        {
            "node_id": [lane.origin for lane in network.lanes] + ["O"],
            "next_node_id": [lane.destination for lane in network.lanes] + ["H"],
            "transit_hours": [float(lane.transit_hours) for lane in network.lanes] + [2.0],
        }
    )
    settings = KpiSettings(
        cutoff=datetime(2026, 11, 15, 12, tzinfo=UTC),
        service_standards=standards_of(network),
    )
    combined = pa.concat_tables([table, hand_cases()])
    run_both(combined, settings, spark_of, lanes=lanes, complaints=complaints())


def test_the_latest_event_as_cutoff_agrees(spark_of: Any) -> None:
    """Without a cutoff, the latest event's time (a scalar subquery) on both engines."""
    table = hand_cases()
    config = KpiSettings()
    results = []
    for engine in (duckdb_engine(table), spark_of(table)):
        parcels = parcel_facts(engine.events, config)
        results.append(engine.compute(delivery_rates(parcels, config, ("acceptance_day",))))
    assert_same("delivery_rates", *results)
