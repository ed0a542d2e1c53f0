"""Origin–destination pair figures are the same on DuckDB and on Spark, at both levels (the hand
figures are checked through the drill-down in tests/unit/bulletin/test_drill.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from peakguard.analytics import KpiSettings, duckdb_engine, parcel_facts, standards_of
from peakguard.analytics.od_pairs import PairLevel, pair_figures

from .test_agreement import assert_same, generated, hand_cases


def test_pair_figures_agree_on_both_engines(spark_of: Any) -> None:
    """The hand cases and the generated roughened week: every pair's counts exactly, its
    rates, mean and percentiles to 1e-9, for city and province pairs."""
    table, network = generated()
    combined = pa.concat_tables([table, hand_cases()])
    settings = KpiSettings(
        cutoff=datetime(2026, 11, 15, 12, tzinfo=UTC), service_standards=standards_of(network)
    )
    for level in PairLevel:
        results = []
        for engine in (duckdb_engine(combined), spark_of(combined)):
            parcels = parcel_facts(engine.events, settings)
            results.append(engine.compute(pair_figures(parcels, settings, level)))
        ours, theirs = results
        assert ours.num_rows > 1
        assert set(ours.column("on_time_rate").to_pylist()) - {None}
        assert_same(f"pair_figures[{level}]", ours, theirs)
