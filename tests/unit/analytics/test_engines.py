"""The DuckDB engine reads a lake's hive-partitioned Parquet, or a single file, in place."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from peakguard.analytics import (
    KpiSettings,
    delivery_rates,
    duckdb_engine,
    journey_times,
    parcel_facts,
    parcel_legs,
)
from peakguard.analytics.delivery import LEG_INPUTS, rate_inputs

from .conftest import at, events, settings
from .test_delivery import delivery_case

EXAMPLE_EVENTS = Path(__file__).resolve().parents[3] / "docs" / "examples" / "scan-events.csv"


def test_a_lake_folder_and_a_file_give_the_same_rates(tmp_path: Path) -> None:
    """Events written as <lake>/events/day=…/carrier=…/part.parquet (partition columns also
    in the path) and as one file give the same 72-hour rate as the Arrow table."""
    table = events(delivery_case())
    day = pc.strftime(table.column("time"), format="%Y-%m-%d")
    with_day = table.append_column("day", day)
    pq.write_to_dataset(with_day, tmp_path / "lake" / "events", partition_cols=["day", "carrier"])
    pq.write_table(table, tmp_path / "events.parquet")
    config = settings(100)
    results = []
    for source in (table, tmp_path / "lake", tmp_path / "events.parquet"):
        engine = duckdb_engine(source)
        assert engine.events.columns == tuple(table.column_names)
        results.append(engine.compute(delivery_rates(parcel_facts(engine.events, config), config)))
    assert results[0].equals(results[1]) and results[0].equals(results[2])
    assert isinstance(results[0], pa.Table)


def test_the_engine_prints_no_progress_bar() -> None:
    """DuckDB's progress bar is off, so a slow query never writes a bar into a command's output
    (the demo printed three between its tables). Checked in a fresh process: under pytest's
    captured output DuckDB already starts with it off."""
    program = (
        "from pathlib import Path\n"
        "from peakguard.analytics import duckdb_engine\n"
        "from peakguard.formats.scan_event_document import read_event_files\n"
        f"events = read_event_files([Path({str(EXAMPLE_EVENTS)!r})])\n"
        "engine = duckdb_engine(events)\n"
        "query = \"SELECT current_setting('enable_progress_bar')\"\n"
        "print(engine.backend.raw_sql(query).fetchone()[0])\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "False"


def test_stored_narrow_facts_give_the_same_figures() -> None:
    """A run's way (cutoff stated as the latest event, the facts stored once with only the
    columns the rates and legs read) gives the figures of the lazy expressions, without a
    cutoff; the stored table is gone once released."""
    engine = duckdb_engine(events(delivery_case()))
    lazy = KpiSettings()
    measured = engine.as_of_latest(lazy)
    assert measured.cutoff == at(90)  # P3's delivery, the latest scan of the hand case
    assert engine.as_of_latest(measured) is measured
    facts = parcel_facts(engine.events, measured)
    columns = dict.fromkeys(("carrier", *rate_inputs(measured), *LEG_INPUTS))
    stored = engine.store(facts.select(*columns))
    assert stored.columns == tuple(columns)
    for kpi in (
        delivery_rates,
        lambda parcels, config: journey_times(parcel_legs(engine.events, parcels, config)),
    ):
        expected = engine.compute(kpi(parcel_facts(engine.events, lazy), lazy))
        assert engine.compute(kpi(stored, measured)).equals(expected)
    name = stored.get_name()
    tables = "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?"
    assert engine.backend.con.execute(tables, [name]).fetchone() == (1,)
    engine.release(stored)
    assert engine.backend.con.execute(tables, [name]).fetchone() == (0,)
