"""The supervision desk's counts per node and day, on a tiny event set worked out by hand and
counted again by pandas from the same Parquet file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from peakguard.analytics import duckdb_engine
from peakguard.analytics.settings import KpiSettings
from peakguard.analytics.supervision import (
    node_day_counts,
    origin_day_pickups,
    up_to_time_of_day,
)

from .conftest import at, events, scan

D11, D12 = date(2026, 11, 11), date(2026, 11, 12)
"""Hour 16 UTC is midnight China time: hours 0–15.99 are the 11th, 16 onwards the 12th."""


def tiny() -> list[dict[str, Any]]:
    """Outlet O accepts W1 (scanned twice), W2 and SF's W1 on the 11th and W3 at hour 16.5
    (the 12th); station S receives W1 and W2 on the 11th and delivers W1 on the 11th and W2 on
    the 12th."""
    return [
        scan("W1", "accept", "O", 1),
        scan("W1", "accept", "O", 2),  # a re-scan: the same parcel
        scan("W2", "accept", "O", 15.5),
        scan("W1", "accept", "O", 3, carrier="SF"),  # another carrier's parcel of that number
        scan("W3", "accept", "O", 16.5),
        scan("W1", "depart", "O", 4, next_node="S"),
        scan("W1", "arrive", "S", 6),
        scan("W2", "arrive", "S", 15.9),
        scan("W1", "deliver", "S", 9),
        scan("W2", "deliver", "S", 20),
    ]


def test_node_day_counts_by_hand() -> None:
    """O on the 11th: ZTO 2 accepted (W1 once, W2), SF 1; on the 12th ZTO 1 (W3). S on the
    11th: 2 arrived, 1 delivered; on the 12th 1 delivered."""
    engine = duckdb_engine(events(tiny()))
    table = engine.compute(node_day_counts(engine.events, KpiSettings()))
    rows = [tuple(row.values()) for row in table.to_pylist()]
    assert rows == [
        ("SF", "O", D11, 1, 0, 0),
        ("ZTO", "O", D11, 2, 0, 0),
        ("ZTO", "O", D12, 1, 0, 0),
        ("ZTO", "S", D11, 0, 1, 2),
        ("ZTO", "S", D12, 0, 1, 0),
    ]
    pickups = engine.compute(origin_day_pickups(engine.events, KpiSettings()))
    assert pickups.column_names == ["carrier", "origin", "day", "picked_up"]
    assert pickups.column("picked_up").to_pylist() == [1, 2, 1]


def test_counts_agree_with_pandas_on_the_same_file(tmp_path: Path) -> None:
    """DuckDB reading the Parquet file and pandas counting it independently (unique waybills
    per carrier, node, China day and event) give the same figures."""
    path = tmp_path / "events.parquet"
    pq.write_table(events(tiny()), path)
    engine = duckdb_engine(path)
    ours = {
        (row["carrier"], row["node_id"], row["day"]): (
            row["accepted"],
            row["delivered"],
            row["arrived"],
        )
        for row in engine.compute(node_day_counts(engine.events, KpiSettings())).to_pylist()
    }
    frame = pq.read_table(path).to_pandas()
    frame["day"] = (frame["time"].dt.tz_convert("Asia/Shanghai")).dt.date
    counted = (
        frame[frame["event"].isin(["accept", "deliver", "arrive"])]
        .groupby(["carrier", "node_id", "day", "event"])["waybill"]
        .nunique()
        .unstack(fill_value=0)
    )
    theirs = {
        key: (int(row.get("accept", 0)), int(row.get("deliver", 0)), int(row.get("arrive", 0)))
        for key, row in counted.iterrows()
    }
    assert ours == theirs


def test_the_cutoff_leaves_later_events_out() -> None:
    """With the cutoff at hour 10 only W1's scans (and SF's W1) are counted on the 11th."""
    engine = duckdb_engine(events(tiny()))

    table = engine.compute(node_day_counts(engine.events, KpiSettings(cutoff=at(10))))
    assert [tuple(row.values()) for row in table.to_pylist()] == [
        ("SF", "O", D11, 1, 0, 0),
        ("ZTO", "O", D11, 1, 0, 0),
        ("ZTO", "S", D11, 0, 1, 1),
    ]


def test_today_so_far_is_measured_against_the_same_hours() -> None:
    """Up to 12:00 China time on every day: on the 11th W1's accepts (09:00, 10:00) and SF's
    W1 (11:00) count, W2's (23:30), the arrivals (14:00, 23:54) and W1's delivery (17:00) do
    not; on the 12th W3's accept (00:30) and W2's delivery (04:00) do."""
    engine = duckdb_engine(events(tiny()))
    morning = up_to_time_of_day(engine.events, 12 * 3600)
    table = engine.compute(node_day_counts(morning, KpiSettings()))
    assert [tuple(row.values()) for row in table.to_pylist()] == [
        ("SF", "O", D11, 1, 0, 0),
        ("ZTO", "O", D11, 1, 0, 0),
        ("ZTO", "O", D12, 1, 0, 0),
        ("ZTO", "S", D12, 0, 1, 0),
    ]


def test_duckdb_and_spark_agree(spark_of: Any) -> None:
    """The same counts on Spark as on DuckDB."""
    table = events(tiny())
    ours = duckdb_engine(table)
    theirs = spark_of(table)
    for measure in (node_day_counts, origin_day_pickups):
        assert ours.compute(measure(ours.events, KpiSettings())) == theirs.compute(
            measure(theirs.events, KpiSettings())
        )
