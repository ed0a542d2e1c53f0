"""Real last-mile data no one here wrote: LaDe's Jilin deliveries (tests/data/, provenance
beside it) through the documented mapping, ingested into a lake and measured for the delivery
leg; each figure checked against the same figure computed with pandas straight from the CSV
(issue #21, part 5)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from peakguard.analytics import KpiSettings, duckdb_engine, node_dwell
from peakguard.analytics.partial_figures import node_dwell_from_counts
from peakguard.analytics.partials_lake import partials_directory, read_manifest
from peakguard.analytics.supervision import node_day_counts
from peakguard.errors import InvalidInputError
from peakguard.formats.lade import lade_events, read_lade_delivery
from peakguard.store.event_lake import ingest

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "lade_delivery_jl_sample.csv"
YEAR = 2022
AS_OF = KpiSettings(cutoff=datetime(2023, 1, 1, tzinfo=UTC))


def expected() -> pd.DataFrame:
    """Per courier region and delivery day, straight from the CSV: deliveries, the mean and
    the 90th percentile (linear between ranks) of the hours from the courier taking the
    parcel to its delivery."""
    frame = pd.read_csv(SAMPLE, dtype={"region_id": str})
    accepted = pd.to_datetime(f"{YEAR}-" + frame["accept_time"], format="%Y-%m-%d %H:%M:%S")
    delivered = pd.to_datetime(f"{YEAR}-" + frame["delivery_time"], format="%Y-%m-%d %H:%M:%S")
    frame = frame.assign(
        node_id="LADE-JILIN-R" + frame["region_id"],
        day=delivered.dt.date,  # LaDe's times are China time already
        hours=(delivered - accepted).dt.total_seconds() / 3600,
    )
    grouped = frame.groupby(["node_id", "day"])["hours"]
    table = pd.DataFrame(
        {
            "parcels": grouped.size(),
            "mean_dwell_hours": grouped.mean(),
            "p90_dwell_hours": grouped.quantile(0.9),
        }
    )
    return table.reset_index().sort_values(["node_id", "day"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lade")
    report = ingest(folder, read_lade_delivery(SAMPLE, year=YEAR), source=SAMPLE.name)
    assert report.stored == 60  # 20 orders: arrive, out for delivery, deliver
    return folder


def _frame(table: object) -> pd.DataFrame:
    frame = table.to_pandas()  # type: ignore[attr-defined]
    return frame.sort_values(["node_id", "day"]).reset_index(drop=True)


def test_delivery_leg_equals_the_csv(lake: Path) -> None:
    """Each courier region's deliveries per day and their hours from the courier taking the
    parcel to delivery (the stays at the delivering node) are the CSV's."""
    engine = duckdb_engine(lake)
    dwell = _frame(engine.compute(node_dwell(engine.events, AS_OF)))
    want = expected()
    assert len(want) == 20  # every order delivered on its own region-day
    pd.testing.assert_frame_equal(dwell[want.columns], want, check_dtype=False, rtol=1e-9)


def test_deliveries_per_node_and_day_equal_the_csv(lake: Path) -> None:
    engine = duckdb_engine(lake)
    counts = _frame(engine.compute(node_day_counts(engine.events, AS_OF)))
    want = expected()
    assert counts["delivered"].tolist() == want["parcels"].tolist()
    assert counts["arrived"].tolist() == want["parcels"].tolist()
    assert set(counts["carrier"]) == {"LADE"}


def test_partials_kept_at_ingest_give_the_same_delivery_leg(lake: Path) -> None:
    """The node-hour counts the lake kept at ingest give the CSV's deliveries and mean
    delivery-leg hours too (the 90th percentile needs the stays themselves)."""
    manifest = read_manifest(lake)
    assert manifest is not None
    engine = duckdb_engine(lake)
    counts = engine.backend.read_parquet(str(partials_directory(lake) / str(manifest.node_hours)))
    dwell = _frame(engine.compute(node_dwell_from_counts(counts)))
    want = expected().drop(columns=["p90_dwell_hours"])
    pd.testing.assert_frame_equal(dwell[want.columns], want, check_dtype=False, rtol=1e-9)


def test_a_time_not_in_lade_form_is_located() -> None:
    row = {
        "order_id": "1",
        "region_id": "31",
        "city": "Jilin",
        "accept_time": "25/09 08:08",
        "delivery_time": "09-25 11:32:00",
    }
    other = {**row, "city": "Atlantis", "accept_time": "09-25 08:08:00"}
    with pytest.raises(InvalidInputError) as refused:
        lade_events([row, other], year=YEAR, source="jl.csv")
    places = [problem.location for problem in refused.value.problems]
    assert places == ["jl.csv row 2, column accept_time", "jl.csv row 3, column city"]


def test_a_row_without_delivery_has_no_deliver_event() -> None:
    row = {
        "order_id": "7",
        "region_id": "31",
        "city": "Jilin",
        "accept_time": "09-25 08:08:00",
        "delivery_time": "nan",
    }
    table = lade_events([row], year=YEAR)
    assert table.column("event").to_pylist() == ["arrive", "out_for_delivery"]
    assert table.column("time")[0].as_py() == datetime(2022, 9, 25, 0, 8, tzinfo=UTC)


def test_each_courier_region_over_all_its_days_equals_the_csv(lake: Path) -> None:
    """Over the region's 20 deliveries (the sample's two couriers both work region 31): the
    mean and the linear 90th percentile of the delivery leg, as pandas computes them."""
    frame = pd.read_csv(SAMPLE, dtype={"region_id": str})
    hours = (
        pd.to_datetime(f"{YEAR}-" + frame["delivery_time"], format="%Y-%m-%d %H:%M:%S")
        - pd.to_datetime(f"{YEAR}-" + frame["accept_time"], format="%Y-%m-%d %H:%M:%S")
    ).dt.total_seconds() / 3600
    grouped = hours.groupby("LADE-JILIN-R" + frame["region_id"])
    engine = duckdb_engine(lake)
    table = engine.compute(node_dwell(engine.events, AS_OF, ("node_id",))).to_pylist()
    assert [row["parcels"] for row in table] == grouped.size().tolist() == [20]
    for row, mean, p90 in zip(
        table, grouped.mean().tolist(), grouped.quantile(0.9).tolist(), strict=True
    ):
        assert row["mean_dwell_hours"] == pytest.approx(mean, rel=1e-9)
        assert row["p90_dwell_hours"] == pytest.approx(p90, rel=1e-9)
