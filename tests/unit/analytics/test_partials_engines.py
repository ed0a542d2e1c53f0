"""The partials' path on both engines (issue #21): the partial rows kept at ingest of the
generated week (about 40,000 roughened events with every event type, and the hand cases), read
on DuckDB and on Spark, give the same KPI inputs; and on DuckDB they equal the raw-event KPIs.
(The bulletin-level equality after any order of batches: tests/unit/bulletin/test_partials.py.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from peakguard.analytics import (
    KpiSettings,
    delivery_rates,
    duckdb_engine,
    handover_reconciliation,
    handovers,
    journey_times,
    node_dwell,
    node_hours,
    on_time_rates,
    parcel_facts,
    parcel_legs,
    security_compliance,
    standards_of,
)
from peakguard.analytics.partial_figures import (
    accept_events,
    facts_from_partials,
    handovers_from_departures,
    legs_from_facts,
    node_dwell_from_counts,
    node_hours_from_counts,
)
from peakguard.analytics.partials_lake import (
    KINDS,
    Manifest,
    kind_paths,
    partials_directory,
    read_manifest,
)
from peakguard.store.event_lake import ingest

from .conftest import SPARK_SOCKET_WARNINGS
from .test_agreement import assert_same, generated, hand_cases


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pa.Table, KpiSettings, Any]:
    """The events ingested in two batches, the later one holding every second parcel's
    acceptance (late acceptances merged into stored rows)."""
    table, network = generated()
    events = pa.concat_tables([table, hand_cases()])
    accepts = pc.equal(events.column("event"), "accept")
    odd = pc.equal(pc.bit_wise_and(pc.binary_length(events.column("waybill")), 1), 1)
    late = pc.and_(accepts, odd)
    lake = tmp_path_factory.mktemp("partials")
    ingest(lake, events.filter(pc.invert(late)), source="first")
    ingest(lake, events.filter(late), source="late acceptances")
    latest = pc.max(events.column("time")).as_py()
    settings = KpiSettings(
        cutoff=latest + timedelta(hours=1), service_standards=standards_of(network)
    )
    lanes = pa.table(
        {
            "node_id": [lane.origin for lane in network.lanes],
            "next_node_id": [lane.destination for lane in network.lanes],
            "transit_hours": [float(lane.transit_hours) for lane in network.lanes],
        }
    )
    return lake, events, settings, lanes


SINCE = datetime(2026, 11, 12, 16, tzinfo=UTC)
"""A China midnight inside the generated week: the node hours from it on, the backlog carried
in from the hours before it."""


def _paths(lake: Path, manifest: Manifest) -> dict[str, list[str]]:
    """Each kind's current files, and the node-hour counts' file."""
    paths = {kind: kind_paths(lake, manifest, kind) for kind in KINDS}
    paths["node_hours"] = [str(partials_directory(lake) / str(manifest.node_hours))]
    return paths


def _figures(tables: dict[str, ir.Table], settings: KpiSettings, lanes: Any) -> dict[str, ir.Table]:
    facts = facts_from_partials(tables["parcels"], settings)
    return {
        "delivery_rates": delivery_rates(facts, settings, ("carrier", "acceptance_day")),
        "on_time_rates": on_time_rates(facts, ("carrier", "pair_class")),
        "journey_times": journey_times(legs_from_facts(facts)),
        "node_hours": node_hours_from_counts(tables["node_hours"], settings),
        "node_hours_since": node_hours_from_counts(tables["node_hours"], settings, SINCE),
        "node_dwell": node_dwell_from_counts(tables["node_hours"]),
        "handover_reconciliation": handover_reconciliation(
            handovers_from_departures(tables["departures"], settings, lanes)
        ),
        "security_compliance": security_compliance(
            accept_events(tables["accepts"]), settings, ("outlet_id", "carrier")
        ),
    }


def test_partials_give_the_raw_kpis_on_duckdb(
    case: tuple[Path, pa.Table, KpiSettings, Any],
) -> None:
    lake, events, settings, lanes = case
    manifest = read_manifest(lake)
    assert manifest is not None
    engine = duckdb_engine(events)
    lane_table = engine.backend.create_table(f"lanes_{uuid4().hex}", lanes, temp=True)
    tables = {
        kind: engine.backend.read_parquet(files) for kind, files in _paths(lake, manifest).items()
    }
    ours = engine.compute_all(_figures(tables, settings, lane_table))
    raw_events = engine.events
    parcels = parcel_facts(raw_events, settings)
    hours = node_hours(raw_events, settings)
    dwell = node_dwell(raw_events, settings)
    raw = engine.compute_all(
        {
            "delivery_rates": delivery_rates(parcels, settings, ("carrier", "acceptance_day")),
            "on_time_rates": on_time_rates(parcels, ("carrier", "pair_class")),
            "journey_times": journey_times(parcel_legs(raw_events, parcels, settings)),
            "node_hours": hours,
            "node_hours_since": hours.filter(hours.hour >= ibis.literal(SINCE)),
            "node_dwell": dwell.drop("p90_dwell_hours"),
            "handover_reconciliation": handover_reconciliation(
                handovers(raw_events, settings, lane_table)
            ),
            "security_compliance": security_compliance(raw_events, settings),
        }
    )
    for name in raw:
        assert raw[name].num_rows > 0, name
        assert_same(name, ours[name], raw[name])


@pytest.mark.filterwarnings(*SPARK_SOCKET_WARNINGS)
def test_partials_agree_on_duckdb_and_spark(
    case: tuple[Path, pa.Table, KpiSettings, Any], spark: Any
) -> None:
    lake, _events, settings, lanes = case
    manifest = read_manifest(lake)
    assert manifest is not None
    duck = ibis.duckdb.connect()
    paths = _paths(lake, manifest)
    duck_tables = {kind: duck.read_parquet(files) for kind, files in paths.items()}
    duck_lanes = duck.create_table("lanes", lanes, temp=True)
    spark_backend = ibis.pyspark.connect(spark)
    spark_tables = {}
    for kind, files in paths.items():
        name = f"partial_{kind}_{uuid4().hex}"
        spark.read.parquet(*files).createOrReplaceTempView(name)
        spark_tables[kind] = spark_backend.table(name)
    lanes_name = f"lanes_{uuid4().hex}"
    spark.createDataFrame(lanes.to_pandas()).createOrReplaceTempView(lanes_name)
    ours = _figures(duck_tables, settings, duck_lanes)
    theirs = _figures(spark_tables, settings, spark_backend.table(lanes_name))
    for name in ours:
        mine = _sorted(duck.to_pyarrow(ours[name]))
        other = _sorted(spark_backend.to_pyarrow(theirs[name]))
        assert mine.num_rows > 0, name
        assert_same(name, mine, other)


def _sorted(table: pa.Table) -> pa.Table:
    """UTC times and rows sorted on every column, as the engines' ``compute`` returns them."""
    from peakguard.analytics.engines import _normalise  # noqa: PLC0415 - the engines' own order

    return _normalise(table)
