"""Whole seconds and China days on each engine's own clock (issue 21): the same values as
Python's own arithmetic on both DuckDB and Spark, sub-second parts and day boundaries included."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa

from peakguard.analytics import Engine, duckdb_engine
from peakguard.analytics.parcels import china_day, seconds
from peakguard.domain.scans import CHINA_STANDARD_TIME

from .conftest import events, scan

MOMENTS = [
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),  # before 1970: floored to -1
    datetime(2026, 11, 11, 15, 59, 59, 999_999, tzinfo=UTC),  # 23:59:59.999999 in China
    datetime(2026, 11, 11, 16, 0, 0, tzinfo=UTC),  # midnight in China: the next day
    datetime(2026, 11, 11, 16, 0, 0, 1, tzinfo=UTC),
    datetime(2027, 2, 28, 23, 30, 0, 250_000, tzinfo=UTC),  # 1 March in China
]


def expected(moment: datetime) -> tuple[int, date]:
    """Python's answer: floor of the exact seconds, the calendar day at UTC+8."""
    exact = (moment - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(seconds=1)
    return math.floor(exact), moment.astimezone(CHINA_STANDARD_TIME).date()


def log() -> pa.Table:
    """One scan at each moment."""
    return events(
        [
            {**scan(f"W{index}", "accept", "O", 0), "time": moment}
            for index, moment in enumerate(MOMENTS)
        ]
    )


def clock_of(engine: Engine) -> list[tuple[int, date]]:
    table = engine.events
    result = engine.compute(table.select(s=seconds(table.time), day=china_day(table.time)))
    return [(row["s"], row["day"]) for row in result.to_pylist()]


def test_seconds_and_china_days_on_duckdb() -> None:
    assert clock_of(duckdb_engine(log())) == sorted(expected(moment) for moment in MOMENTS)


def test_seconds_and_china_days_on_spark(spark_of: Any) -> None:
    assert clock_of(spark_of(log())) == sorted(expected(moment) for moment in MOMENTS)
