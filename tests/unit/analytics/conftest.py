"""Event logs small enough to work out by hand, the engines, and one Spark session for all.

Times are hours after ``START`` (2026-11-11 00:00 UTC = 08:00 China time), so a China-time day
boundary falls at hour 16.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from peakguard.analytics import Engine, KpiSettings, duckdb_engine, spark_engine
from peakguard.domain.scans import SCAN_EVENT_SCHEMA

START = datetime(2026, 11, 11, tzinfo=UTC)
CHENGDU = "510104"  # 成都 锦江区
CHENGDU_2 = "510107"  # 成都 武侯区 (same city)
MIANYANG = "510703"  # 绵阳 (same province)
XIAN = "610113"  # 西安 (other province)


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def scan(
    waybill: str,
    event: str,
    node: str,
    hours: float,
    *,
    next_node: str | None = None,
    reason: str | None = None,
    carrier: str = "ZTO",
    origin: str = CHENGDU,
    destination: str = CHENGDU_2,
    flags: tuple[bool | None, bool | None, bool | None] | None = None,
) -> dict[str, Any]:
    """One scan event; an ``accept`` gets all three security flags unless told otherwise."""
    if flags is None:
        flags = (True, True, True) if event == "accept" else (None, None, None)
    return {
        "waybill": waybill,
        "carrier": carrier,
        "event": event,
        "reason": reason,
        "node_id": node,
        "time": at(hours),
        "next_node_id": next_node,
        "origin_region": origin,
        "destination_region": destination,
        "product": "standard",
        "real_name_verified": flags[0],
        "inspected": flags[1],
        "x_rayed": flags[2],
    }


def trail(
    waybill: str,
    stops: Sequence[tuple[str, float, float | None]],
    *,
    delivered: float | None = None,
    **common: Any,
) -> list[dict[str, Any]]:
    """A parcel's trail: ``stops`` are (node, entered, departed) in order; the first is the
    accepting outlet, each departure heads to the next stop; the last stop delivers at
    ``delivered`` (out for delivery an hour before) when given."""
    rows = []
    for index, (node, entered, departed) in enumerate(stops):
        rows.append(scan(waybill, "accept" if index == 0 else "arrive", node, entered, **common))
        if departed is not None:
            following = stops[index + 1][0] if index + 1 < len(stops) else None
            rows.append(scan(waybill, "depart", node, departed, next_node=following, **common))
    if delivered is not None:
        node = stops[-1][0]
        rows.append(scan(waybill, "out_for_delivery", node, delivered - 1, **common))
        rows.append(scan(waybill, "deliver", node, delivered, **common))
    return rows


def events(rows: Sequence[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=SCAN_EVENT_SCHEMA)


def duck(rows: Sequence[dict[str, Any]] | pa.Table) -> Engine:
    """A DuckDB engine over the rows (the hand cases run here; the agreement test on both)."""
    return duckdb_engine(rows if isinstance(rows, pa.Table) else events(rows))


def settings(cutoff_hours: float, **options: Any) -> KpiSettings:
    return KpiSettings(cutoff=at(cutoff_hours), **options)


def rows_of(table: pa.Table) -> list[dict[str, Any]]:
    return table.to_pylist()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session (two cores, UTC, 4 shuffle partitions) for every Spark test:
    starting one takes about 15 s."""
    from pyspark.sql import SparkSession  # noqa: PLC0415 - the optional [spark] extra, slow to load

    session = (
        SparkSession.builder.master("local[2]")
        .appName("peakguard-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def spark_of(spark: Any) -> Any:
    """Build a Spark engine over an Arrow table with the shared session."""

    def make(table: pa.Table) -> Engine:
        return spark_engine(table, session=spark)

    return make


SPARK_SOCKET_WARNINGS = (
    # py4j leaves the local sockets of Spark's result transfers to the garbage collector.
    "ignore:unclosed <socket.socket:ResourceWarning",
    "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Spark's unclosed py4j sockets are not errors in the analytics tests."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            for warning in SPARK_SOCKET_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(warning))
