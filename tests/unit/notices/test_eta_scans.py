"""The measured times read column by column (:func:`measure_scans`, what tracking uses) equal
the rule stated parcel by parcel (:func:`measure`) on any scans: the hand-worked week of
``test_eta_handworked`` and random parcels with repeated moments, scans after delivery,
two deliveries, no acceptance, deliveries outside the look-back, two brands sharing a
number and regions that differ between a parcel's rows (its first row's count)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.notices.eta import EtaSettings, Measured, measure
from peakguard.notices.eta_scans import SCAN_COLUMNS, measure_scans
from peakguard.notices.tracking import Parcel, Scan, parcel_of
from tests.unit.notices.test_eta_handworked import MEASURED, NOW

EVENTS = ("accept", "sort", "depart", "arrive", "deliver")
NODES = ("ZTO-CD-O1", "ZTO-CD-HUB", "ZTO-MY-S1", "YTO-CD-HUB")
REGIONS = ("510104", "510703", "511102")


def table_of(rows: list[dict[str, object]]) -> pa.Table:
    schema = pa.schema(
        [
            pa.field(name, pa.timestamp("us", tz="UTC") if name == "time" else pa.string())
            for name in SCAN_COLUMNS
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def parcels_of(rows: list[dict[str, object]]) -> list[Parcel]:
    """As the lake's reader builds them: scans by (carrier, waybill) in the order read, the
    regions of the first row."""
    scans: dict[tuple[str, str], list[Scan]] = defaultdict(list)
    regions: dict[tuple[str, str], tuple[str, str]] = {}
    for row in rows:
        key = (str(row["carrier"]), str(row["waybill"]))
        moment = row["time"]
        assert isinstance(moment, datetime)
        scans[key].append(Scan(str(row["event"]), str(row["node_id"]), moment))
        regions.setdefault(key, (str(row["origin_region"]), str(row["destination_region"])))
    return [
        parcel_of(key[1], key[0], regions[key][0], regions[key][1], found)
        for key, found in scans.items()
    ]


def rows_of(parcels: list[Parcel]) -> list[dict[str, object]]:
    return [
        {
            "carrier": parcel.carrier,
            "waybill": parcel.waybill,
            "event": scan.event,
            "node_id": scan.node_id,
            "time": scan.time,
            "origin_region": parcel.origin_region,
            "destination_region": parcel.destination_region,
        }
        for parcel in parcels
        for scan in parcel.scans
    ]


def same(columns: Measured, reference: Measured) -> None:
    for name in ("from_node", "on_lane"):
        found, expected = getattr(columns, name), getattr(reference, name)
        assert found.keys() == expected.keys(), name
        for key, hours in expected.items():
            assert sorted(found[key]) == sorted(hours), (name, key)


def test_the_hand_worked_week() -> None:
    """29 h from the hub and 37 h on the lane, from four parcels; the old one not counted."""
    chosen = EtaSettings()
    found = measure_scans(table_of(rows_of(MEASURED)), NOW, chosen)
    same(found, measure(MEASURED, NOW, chosen))
    assert sorted(found.on_lane[("510104", "510703")]) == [30, 34, 40, 60]
    assert sorted(found.from_node[("ZTO-CD-HUB", "510703")]) == [24, 28, 30, 40]


def test_no_scans_measure_nothing() -> None:
    assert measure_scans(table_of([]), NOW, EtaSettings()) == Measured({}, {})


scan_rows = st.lists(
    st.fixed_dictionaries(
        {
            "carrier": st.sampled_from(("ZTO", "YTO")),
            "waybill": st.sampled_from(("A", "B", "C", "D")),
            "event": st.sampled_from(EVENTS),
            "node_id": st.sampled_from(NODES),
            "time": st.integers(-10 * 24 * 4, 2 * 4).map(
                lambda quarter: NOW + timedelta(minutes=15 * quarter)
            ),
            "origin_region": st.sampled_from(REGIONS),
            "destination_region": st.sampled_from(REGIONS),
        }
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(rows=scan_rows, lookback_days=st.integers(1, 9))
def test_any_scans_measure_as_the_parcel_rule(
    rows: list[dict[str, object]], lookback_days: int
) -> None:
    chosen = EtaSettings(lookback=timedelta(days=lookback_days))
    same(measure_scans(table_of(rows), NOW, chosen), measure(parcels_of(rows), NOW, chosen))


def test_a_moment_given_in_another_zone_is_the_same_instant() -> None:
    """Times are instants: a lake in UTC and ``now`` in China Standard Time agree."""
    china = NOW.astimezone(ZoneInfo("Asia/Shanghai"))
    assert china.hour == 20
    chosen = EtaSettings()
    found = measure_scans(table_of(rows_of(MEASURED)), china, chosen)
    assert sorted(found.on_lane[("510104", "510703")]) == [30, 34, 40, 60]
