"""A parcel is (carrier, waybill) in every KPI: one carrier's events never move another
carrier's figures, even when they carry the same waybill number (issue #13, forgery by
pre-emption: the lake keys events with their carrier, so the KPIs must too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from peakguard.analytics import (
    Engine,
    KpiSettings,
    duckdb_engine,
    handovers,
    information_loss,
    journey_times,
    parcel_facts,
    parcel_legs,
    standard_kpis,
)
from peakguard.store.event_lake import ingest

from .conftest import SPARK_SOCKET_WARNINGS, duck, events, scan, settings, trail
from .test_agreement import assert_same

CUTOFF = 100.0

YTO_PARCELS = [
    *trail("WB1", [("YO", 0, 1), ("YH", 2, None)], carrier="YTO"),  # accepted, stuck at YH
    *trail("WB2", [("YO", 0, 1), ("YH", 2, 4), ("YS", 6, None)], delivered=10, carrier="YTO"),
]
ZTO_PARCELS = trail("Z1", [("ZO", 0, 1), ("ZH", 3, 5), ("ZS", 8, None)], delivered=20)
STRAY = scan("WB1", "deliver", "YH", 10, carrier="ZTO")
"""ZTO's "deliver" for YTO's waybill WB1, at the hub where YTO's parcel sits."""


def lake_engine(tmp_path: Path, rows: list[dict[str, Any]]) -> Engine:
    """The rows ingested into a fresh lake, read by DuckDB: every one of them is stored."""
    lake = tmp_path / "lake"
    report = ingest(lake, events(rows))
    assert report.stored == len(rows)
    return duckdb_engine(lake)


def figures(engine: Engine, config: KpiSettings) -> dict[str, pa.Table]:
    return engine.compute_all(standard_kpis(engine.events, config))


def of_carrier(table: pa.Table, carrier: str) -> pa.Table:
    """The rows of one carrier; a table by node keeps the carrier's nodes (named by its
    initial here)."""
    if "carrier" in table.column_names:
        return table.filter(pc.equal(table.column("carrier"), carrier))
    return table.filter(pc.starts_with(table.column("node_id"), carrier[0]))


def assert_figures_are_their_own(
    together: dict[str, pa.Table], alone: dict[str, dict[str, pa.Table]], by_node: bool
) -> None:
    """Each carrier's rows of every KPI by carrier over the shared log equal that KPI over the
    carrier's events alone; and of every KPI by node when the carriers' nodes differ. (The
    tables by day or by city pair, summed over the carriers, are left out.)"""
    for carrier, own in alone.items():
        for name, table in together.items():
            columns = table.column_names
            if "carrier" in columns or (by_node and "node_id" in columns):
                assert_same(f"{carrier} {name}", of_carrier(table, carrier), own[name])


def test_another_carriers_deliver_for_the_same_waybill_moves_nothing(tmp_path: Path) -> None:
    """YTO's WB1 is accepted and never delivered; ZTO sends a "deliver" for WB1 at YTO's hub.
    YTO's WB1 stays undelivered (its trail stopped, no dwell at the hub), every YTO figure
    equals the one without ZTO's event, and the stray deliver gives ZTO no parcel in any rate
    (it has no acceptance): ZTO's figures are those of Z1 alone."""
    config = settings(CUTOFF)
    together = figures(lake_engine(tmp_path, [*YTO_PARCELS, *ZTO_PARCELS, STRAY]), config)
    alone = {
        "YTO": figures(duck(YTO_PARCELS), config),
        "ZTO": figures(duck([*ZTO_PARCELS, STRAY]), config),
    }
    assert_figures_are_their_own(together, alone, by_node=True)
    assert figures(duck(ZTO_PARCELS), config)["delivery_rates"] == alone["ZTO"]["delivery_rates"]

    rates = {row["carrier"]: row for row in together["delivery_rates"].to_pylist()}
    assert (rates["YTO"]["accepted"], rates["YTO"]["delivered"]) == (2, 1)
    assert (rates["ZTO"]["accepted"], rates["ZTO"]["delivered"]) == (1, 1)
    parcels = {(row["carrier"], row["waybill"]): row for row in together["parcels"].to_pylist()}
    assert parcels["YTO", "WB1"]["delivered_at"] is None
    assert parcels["YTO", "WB1"]["trail_stopped"] is True
    # ZTO's row for WB1 is what ZTO reported: a delivery without an acceptance, no journey.
    assert parcels["ZTO", "WB1"]["accepted_at"] is None
    assert parcels["ZTO", "WB1"]["journey_seconds"] is None
    stopped = together["stopped_trails"].to_pylist()
    assert [(row["carrier"], row["waybill"]) for row in stopped] == [("YTO", "WB1")]
    dwell = together["node_dwell"].filter(pc.equal(together["node_dwell"]["node_id"], "YH"))
    assert dwell["parcels"].to_pylist() == [1]  # WB2's stay; WB1 has not left YH


def test_two_carriers_with_the_same_waybill_are_two_parcels(tmp_path: Path) -> None:
    """YTO and ZTO both number a parcel WB1, on the same node names; YTO's arrival at H was
    never scanned. Two parcels, each with its own journey and legs; ZTO's arrival at H does
    not close YTO's handover O→H (still missing): every per-carrier figure as if the other
    carrier had sent nothing."""
    yto = [
        row
        for row in trail(
            "WB1", [("O", 0, 1), ("H", 2, 4), ("S", 6, None)], delivered=10, carrier="YTO"
        )
        if (row["event"], row["node_id"]) != ("arrive", "H")
    ]
    zto = trail("WB1", [("O", 0, 1), ("H", 3, 5), ("S", 8, None)], delivered=30)
    config = settings(CUTOFF)
    together = figures(lake_engine(tmp_path, [*yto, *zto]), config)
    alone = {"YTO": figures(duck(yto), config), "ZTO": figures(duck(zto), config)}
    assert_figures_are_their_own(together, alone, by_node=False)
    journeys = {row["carrier"]: row for row in together["journey_times"].to_pylist()}
    assert journeys["YTO"]["mean_journey_hours"] == pytest.approx(10.0)
    assert journeys["ZTO"]["mean_journey_hours"] == pytest.approx(30.0)
    unmatched = together["unmatched_handovers"].to_pylist()
    assert [(row["carrier"], row["node_id"], row["status"]) for row in unmatched] == [
        ("YTO", "O", "missing")
    ]
    loss = {row["carrier"]: row for row in together["information_loss"].to_pylist()}
    assert (loss["YTO"]["unmatched_parcels"], loss["ZTO"]["unmatched_parcels"]) == (1, 0)


@pytest.mark.filterwarnings(*SPARK_SOCKET_WARNINGS)
def test_spark_keys_parcels_with_their_carrier(spark_of: Any) -> None:
    """The stray deliver and a waybill both carriers use (YTO's Z1 lost at YH), on Spark: the
    journey legs and information loss (over the parcels and the handovers) as on DuckDB. (Two
    queries: each costs Spark seconds of planning; the agreement test runs every KPI.)"""
    rows = [
        *YTO_PARCELS,
        *ZTO_PARCELS,
        STRAY,
        *trail("Z1", [("YO", 40, 41), ("YH", 42, None)], carrier="YTO"),
    ]
    config = settings(CUTOFF)
    results = []
    for engine in (duck(rows), spark_of(events(rows))):
        parcels = parcel_facts(engine.events, config)
        handover_table = handovers(engine.events, config)
        expressions = {
            "journey_times": journey_times(parcel_legs(engine.events, parcels, config)),
            "information_loss": information_loss(parcels, handover_table),
        }
        results.append(engine.compute_all(expressions))
    ours, theirs = results
    for name in ours:
        assert_same(name, ours[name], theirs[name])
    loss = {"YTO": [0, 0], "ZTO": [0, 0]}  # parcels, stopped trails; summed over the days
    for row in ours["information_loss"].to_pylist():
        loss[row["carrier"]][0] += row["parcels"]
        loss[row["carrier"]][1] += row["stopped_trails"]
    assert loss == {"YTO": [3, 2], "ZTO": [1, 0]}
