"""Two consecutive China days of scan events, small enough to work every figure out by hand.

Times are hours after 2026-11-11 00:00 UTC (08:00 China time): 2026-11-11 (China) is hours
−8 … 16, 2026-11-12 is hours 16 … 40. Every parcel goes Chengdu or Mianyang → Xi'an (other
province: the service standard is 72 h). The cutoff is hour 130, so every parcel accepted on
either day is past its 72 hours.

==========  ============  =======  =========  =====================================
carrier     parcel        day      accepted   delivered (journey)
==========  ============  =======  =========  =====================================
A (成都)    A1            11-11    0          20 (20 h, within 72)
A           A2            11-11    1          never: the trail stops at hub HA (hour 4)
A           A3            11-12    17         40 (23 h)
A           A4            11-12    17         50 (33 h)
A           A5            11-12    18         60 (42 h)
A           A6            11-12    18         98 (80 h, late)
B (绵阳)    B1            11-11    2          30 (28 h)
B           B2            11-12    19         45 (26 h)
B           B3            11-12    20         100 (80 h, late); its handover OB → HB
                                              arrives 40 h after departure (allowed 24 + 6):
                                              late; accepted without X-ray
==========  ============  =======  =========  =====================================
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa
import pytest

from peakguard.analytics import KpiSettings
from tests.unit.analytics.conftest import CHENGDU, MIANYANG, XIAN, at, events, trail

CUTOFF_HOURS = 130
PREVIOUS_DAY = date(2026, 11, 11)
CURRENT_DAY = date(2026, 11, 12)


def parcel_a(waybill: str, accepted: float, delivered: float | None) -> list[dict[str, Any]]:
    """Carrier A: outlet OA → hub HA → station SA, Chengdu → Xi'an."""
    common: dict[str, Any] = {"carrier": "A", "origin": CHENGDU, "destination": XIAN}
    if delivered is None:  # stops at the hub, never scanned again
        return trail(
            waybill, [("OA", accepted, accepted + 1), ("HA", accepted + 3, None)], **common
        )
    stops = [("OA", accepted, accepted + 1), ("HA", accepted + 3, accepted + 4)]
    return trail(waybill, [*stops, ("SA", accepted + 8, None)], delivered=delivered, **common)


def parcel_b(
    waybill: str,
    accepted: float,
    delivered: float,
    *,
    hub_arrival: float | None = None,
    **extra: Any,
) -> list[dict[str, Any]]:
    """Carrier B: outlet OB → hub HB → station SB, Mianyang → Xi'an."""
    common: dict[str, Any] = {"carrier": "B", "origin": MIANYANG, "destination": XIAN, **extra}
    hub = hub_arrival if hub_arrival is not None else accepted + 3
    stops = [("OB", accepted, accepted + 1), ("HB", hub, hub + 1), ("SB", hub + 5, None)]
    return trail(waybill, stops, delivered=delivered, **common)


def two_day_rows() -> list[dict[str, Any]]:
    rows = [
        *parcel_a("A1", 0, 20),
        *parcel_a("A2", 1, None),
        *parcel_a("A3", 17, 40),
        *parcel_a("A4", 17, 50),
        *parcel_a("A5", 18, 60),
        *parcel_a("A6", 18, 98),
        *parcel_b("B1", 2, 30),
        *parcel_b("B2", 19, 45),
    ]
    late = parcel_b("B3", 20, 100, hub_arrival=61)
    late[0]["x_rayed"] = False  # the accept scan
    return [*rows, *late]


@pytest.fixture
def two_days() -> pa.Table:
    """The two-day event log of the module docstring."""
    return events(two_day_rows())


@pytest.fixture
def cutoff_settings() -> KpiSettings:
    return KpiSettings(cutoff=at(CUTOFF_HOURS))


@pytest.fixture
def complaints() -> pa.Table:
    """Carrier A: two complaints received on 11-12, one of them valid; one on 11-11."""
    return pa.table(
        {
            "carrier": ["A", "A", "A"],
            "day": [CURRENT_DAY, CURRENT_DAY, PREVIOUS_DAY],
            "valid": [True, False, True],
        }
    )
