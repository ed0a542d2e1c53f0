"""The estimated arrival worked by hand on four measured parcels (an even number: the median is
the mean of the middle two), with a fifth delivered outside the week's look-back that must not
count.

Measured, all from 510104 (Chengdu) to 510703 (Mianyang), accepted at ZTO-CD-O1 and sorted at
ZTO-CD-HUB, delivered within the week before now:

| parcel | accept → hub (h) | accept → delivery (h) | hub → delivery (h) |
| --- | --- | --- | --- |
| M1 | 6 | 30 | 24 |
| M2 | 6 | 34 | 28 |
| M3 | 10 | 40 | 30 |
| M4 | 20 | 60 | 40 |
| old | 1 | 1,000 (delivered 8 days ago) | 999 |

From the hub: median(24, 28, 30, 40) = (28 + 30) ÷ 2 = 29 h. On the lane from acceptance:
median(30, 34, 40, 60) = (34 + 40) ÷ 2 = 37 h. With the old parcel counted they would be 30 h
and 40 h.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from peakguard.cases.controlled import ControlledArea
from peakguard.notices.eta import Basis, EtaSettings, estimate_arrival, measure
from peakguard.notices.tracking import Parcel, Scan

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def measured_parcel(waybill: str, to_hub: float, total: float, delivered_ago: float) -> Parcel:
    delivered = NOW - timedelta(hours=delivered_ago)
    accepted = delivered - timedelta(hours=total)
    scans = (
        Scan("accept", "ZTO-CD-O1", accepted),
        Scan("sort", "ZTO-CD-HUB", accepted + timedelta(hours=to_hub)),
        Scan("deliver", "ZTO-MY-S1", delivered),
    )
    return Parcel(waybill, "ZTO", "510104", "510703", scans)


MEASURED = [
    measured_parcel("M1", 6, 30, 10),
    measured_parcel("M2", 6, 34, 20),
    measured_parcel("M3", 10, 40, 30),
    measured_parcel("M4", 20, 60, 40),
    measured_parcel("OLD", 1, 1000, 8 * 24),
]


def on_its_way(*scans: tuple[str, str, float]) -> Parcel:
    """A parcel on its way, its scans ``hours`` before now."""
    return Parcel(
        "P", "ZTO", "510104", "510703",
        tuple(Scan(event, node, NOW - timedelta(hours=ago)) for event, node, ago in scans),
    )  # fmt: skip


def test_from_the_hub_the_median_of_four_is_the_mean_of_the_middle_two() -> None:
    """Last scanned at the hub 5 h ago: arrival = that scan + 29 h, from 4 parcels."""
    measured = measure(MEASURED, NOW, EtaSettings())
    parcel = on_its_way(("accept", "ZTO-CD-O1", 9), ("sort", "ZTO-CD-HUB", 5))
    estimate = estimate_arrival(parcel, measured, NOW)
    assert (estimate.basis, estimate.parcels, estimate.median_hours) == (Basis.last_node, 4, 29)
    assert estimate.arrival == NOW - timedelta(hours=5) + timedelta(hours=29)


def test_on_the_lane_from_acceptance_the_median_is_37_hours() -> None:
    """Last scanned at a hub no measured parcel passed: acceptance 9 h ago + 37 h; with five
    parcels needed there is no estimate; a control ending later holds it to the control's end."""
    measured = measure(MEASURED, NOW, EtaSettings())
    parcel = on_its_way(("accept", "ZTO-CD-O1", 9), ("sort", "ZTO-DY-HUB", 2))
    estimate = estimate_arrival(parcel, measured, NOW)
    assert (estimate.basis, estimate.parcels, estimate.median_hours) == (Basis.lane, 4, 37)
    assert estimate.arrival == NOW + timedelta(hours=28)
    five = EtaSettings(min_parcels=5)
    assert (
        estimate_arrival(parcel, measure(MEASURED, NOW, five), NOW, settings=five).arrival is None
    )
    end = NOW + timedelta(days=3)
    held = estimate_arrival(parcel, measured, NOW, ControlledArea("510700", NOW, end, "test"))
    assert (held.arrival, held.held_until, held.median_hours) == (end, end, 37)
