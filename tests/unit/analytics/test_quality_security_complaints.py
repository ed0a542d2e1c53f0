"""Exception rates, the "three 100 %" and complaint rates on tiny hand-made tables."""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import pyarrow as pa
import pytest

from peakguard.analytics import (
    KpiSettings,
    complaint_rates,
    exception_rates,
    parcel_facts,
    parcel_volume,
    security_compliance,
)
from peakguard.errors import InvalidInputError

from .conftest import at, duck, scan, settings


def exception_case() -> list[dict[str, Any]]:
    """ZTO accepts Q1–Q4 on 11 Nov: Q1 damaged (two scans), Q2 lost, Q3 in a locker without
    consent and damaged, Q4 fine; YTO accepts Q5, damaged; Q6 has a damage scan but was
    never accepted (not counted)."""
    return [
        scan("Q1", "accept", "O", 0),
        scan("Q1", "exception", "H", 2, reason="damage"),
        scan("Q1", "exception", "S", 3, reason="damage"),
        scan("Q2", "accept", "O", 0),
        scan("Q2", "exception", "H", 2, reason="loss"),
        scan("Q3", "accept", "O", 0),
        scan("Q3", "exception", "S", 5, reason="locker_without_consent"),
        scan("Q3", "exception", "S", 5, reason="damage"),
        scan("Q4", "accept", "O", 0),
        scan("Q5", "accept", "Y", 1, carrier="YTO"),
        scan("Q5", "exception", "Y", 2, reason="damage", carrier="YTO"),
        scan("Q6", "exception", "H", 2, reason="damage"),
    ]


def test_exception_rates_per_million_by_hand() -> None:
    """ZTO: 4 parcels, damaged Q1 and Q3 (2 → 500,000 per million), lost Q2 and locker Q3
    (1 each → 250,000); YTO: 1 parcel, damaged → 1,000,000."""
    engine = duck(exception_case())
    config = settings(10)
    rows = engine.compute(exception_rates(parcel_facts(engine.events, config))).to_pylist()
    assert [(r["carrier"], r["origin_province"], r["acceptance_day"]) for r in rows] == [
        ("YTO", "510000", date(2026, 11, 11)),
        ("ZTO", "510000", date(2026, 11, 11)),
    ]
    assert (rows[1]["parcels"], rows[1]["damaged"], rows[1]["lost"]) == (4, 2, 1)
    assert rows[1]["damaged_per_million"] == 500_000.0
    assert rows[1]["lost_per_million"] == 250_000.0
    assert rows[1]["locker_without_consent_per_million"] == 250_000.0
    assert rows[0]["damaged_per_million"] == 1_000_000.0


def security_case() -> list[dict[str, Any]]:
    """Outlet O1 (ZTO) accepts four parcels with the flags (real name, inspected, X-ray):
    all three; no X-ray; inspection not recorded; none. Outlet O2 one with all three."""
    return [
        scan("S1", "accept", "O1", 0, flags=(True, True, True)),
        scan("S2", "accept", "O1", 0, flags=(True, True, False)),
        scan("S3", "accept", "O1", 0, flags=(True, None, True)),
        scan("S4", "accept", "O1", 0, flags=(False, False, False)),
        scan("S5", "accept", "O2", 0, flags=(True, True, True)),
        scan("S5", "depart", "O2", 1, next_node="H"),
    ]


def test_three_hundred_percent_by_hand() -> None:
    """O1: real name 3/4, inspected 2/4 (the unrecorded one counts as not done), X-ray 2/4,
    all three 1/4. O2: 1/1 on everything (its departure is not an accept)."""
    engine = duck(security_case())
    rows = engine.compute(security_compliance(engine.events, settings(10))).to_pylist()
    first, second = rows
    assert (first["outlet_id"], first["carrier"], first["accepts"]) == ("O1", "ZTO", 4)
    assert [first[f"{name}_share"] for name in ("real_name_verified", "inspected", "x_rayed")] == [
        0.75,
        0.5,
        0.5,
    ]
    assert first["all_three"] == 1 and first["all_three_share"] == 0.25
    assert second["accepts"] == 1 and second["all_three_share"] == 1.0


def test_complaint_rates_by_hand() -> None:
    """ZTO: 3 complaints (2 valid) on 2,000,000 parcels → 1.5 and 1.0 per million; YTO: 1
    (not valid) on 500,000 → 2.0 and 0; STO had no complaints → 0."""
    complaints = ibis.memtable(
        pa.table(
            {
                "waybill": ["Z1", None, "Z3", "Y1"],
                "carrier": ["ZTO", "ZTO", "ZTO", "YTO"],
                "day": [date(2026, 11, 11)] * 4,
                "valid": [True, True, False, False],
            }
        )
    )
    volume = ibis.memtable(
        pa.table({"carrier": ["ZTO", "YTO", "STO"], "parcels": [2_000_000, 500_000, 10]})
    )
    engine = duck([scan("X", "accept", "O", 0)])
    rows = engine.compute(complaint_rates(complaints, volume)).to_pylist()
    found = {
        r["carrier"]: (
            r["complaints"],
            r["complaints_per_million"],
            r["valid_complaints_per_million"],
        )
        for r in rows
    }
    assert found == {"ZTO": (3, 1.5, 1.0), "YTO": (1, 2.0, 0.0), "STO": (0, 0.0, 0.0)}


def test_the_q4_2023_bulletin_reproduces() -> None:
    """DOMAIN.md: Q4 2023, 71,380 complaints = 1.51 per million, 11,502 valid = 0.24. The
    volume is not in DOMAIN.md; 47.27 billion parcels is what 71,380 / 1.51 per million
    implies, and the same volume must give the valid rate too (0.2433 → 0.24)."""
    valid = [True] * 11_502 + [False] * (71_380 - 11_502)
    complaints = ibis.memtable(
        pa.table(
            {
                "waybill": pa.nulls(len(valid), pa.string()),
                "carrier": ["all"] * len(valid),
                "day": [date(2023, 12, 31)] * len(valid),
                "valid": valid,
            }
        )
    )
    volume = ibis.memtable(pa.table({"parcels": [47_270_000_000]}))
    engine = duck([scan("X", "accept", "O", 0)])
    [row] = engine.compute(complaint_rates(complaints, volume, by=())).to_pylist()
    assert (row["complaints"], row["valid_complaints"]) == (71_380, 11_502)
    assert round(row["complaints_per_million"], 2) == 1.51
    assert round(row["valid_complaints_per_million"], 2) == 0.24


def test_volume_from_the_events() -> None:
    """The volume hook: parcels accepted per carrier and China-time day (hour 20 is already
    12 Nov in China)."""
    engine = duck([scan("A", "accept", "O", 0), scan("B", "accept", "O", 20)])
    parcels = parcel_facts(engine.events, settings(30))
    rows = engine.compute(parcel_volume(parcels)).to_pylist()
    assert rows == [
        {"carrier": "ZTO", "day": date(2026, 11, 11), "parcels": 1},
        {"carrier": "ZTO", "day": date(2026, 11, 12), "parcels": 1},
    ]


def test_settings_refuse_mistakes_all_at_once() -> None:
    """A cutoff without a time zone, a negative tolerance and a zero stop time are each
    reported at their field."""
    with pytest.raises(InvalidInputError) as caught:
        KpiSettings(
            cutoff=at(0).replace(tzinfo=None),
            handover_tolerance_hours=-1,
            stop_hours=0,
        )
    assert [problem.location for problem in caught.value.problems] == [
        "cutoff",
        "stop_hours",
        "handover_tolerance_hours",
    ]


def test_grouping_by_an_unknown_column_is_refused() -> None:
    """A misspelt grouping column names the columns that exist."""
    engine = duck(exception_case())
    with pytest.raises(ValueError, match="carier"):
        exception_rates(parcel_facts(engine.events, settings(10)), by=("carier",))
