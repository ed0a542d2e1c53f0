"""Both KPI engines read a lake without its retracted events, and with the event sent again
after its retraction (the correction): DuckDB and Spark agree (issue #13)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peakguard.analytics import Engine, duckdb_engine, spark_engine
from peakguard.formats.scan_event_document import read_events
from peakguard.store.event_lake import ingest
from peakguard.store.event_retraction import retract
from tests.unit.ingest.conftest import EXAMPLE


def keys_seen(engine: Engine) -> list[tuple[Any, ...]]:
    events = engine.events
    table = engine.compute(events.select("carrier", "waybill", "event", "node_id", "time"))
    return sorted(tuple(row.values()) for row in table.to_pylist())


def test_both_engines_leave_retracted_events_out(tmp_path: Path, spark: Any) -> None:
    """Three events retracted, one of them sent again: 14 events on either engine, the
    same ones."""
    events = read_events(EXAMPLE)
    lake = tmp_path / "lake"
    ingest(lake, events)
    retract(lake, actor="a", reason="r", keys=events.slice(0, 3))
    ingest(lake, events.slice(0, 1))
    on_duckdb = keys_seen(duckdb_engine(lake))
    assert len(on_duckdb) == 14
    assert on_duckdb == keys_seen(spark_engine(lake, session=spark))
    assert on_duckdb == keys_seen(duckdb_engine(lake / "events"))  # the events folder named
