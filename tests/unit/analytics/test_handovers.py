"""Handover reconciliation and the information-loss rate on a hand-made log."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa

from peakguard.analytics import (
    handover_reconciliation,
    handovers,
    information_loss,
    parcel_facts,
    stopped_trails,
    unmatched_handovers,
)

from .conftest import duck, scan, settings, trail

LANES = pa.table({"node_id": ["O"], "next_node_id": ["H"], "transit_hours": [2.0]})


def handover_case() -> list[dict[str, Any]]:
    """Lane O→H takes 2 h (allowance 2 + 6 = 8 h); H→S is not in the lane table (24 + 6 =
    30 h). Cutoff at hour 100, a trail stops after 48 h of silence:

    - H1: O 0→0, H 1→2, S 3, delivered 4: both handovers matched;
    - H2: O 0→0, H at 10 (late: > 8 h), H→11, S 12, delivered 13;
    - H3: O 0→0, never arrives (missing) and silent since 0 (stopped);
    - H4: O 80→82, H 84→90, no arrival at S yet: due at 120 > 100 (pending);
    - H5: O 5→6, H 7→10, S 30, delivered 31: matched;
    - H6: accepted at O at 10, nothing since (stopped, no handover);
    - H7: accepted at 0, returned at 1 (not stopped: returned).
    """
    return [
        *trail("H1", [("O", 0, 0), ("H", 1, 2), ("S", 3, None)], delivered=4),
        *trail("H2", [("O", 0, 0), ("H", 10, 11), ("S", 12, None)], delivered=13),
        *trail("H3", [("O", 0, 0)])[:1],
        scan("H3", "depart", "O", 0, next_node="H"),
        *trail("H4", [("O", 80, 82), ("H", 84, 90)]),
        scan("H4", "depart", "H", 90, next_node="S"),
        *trail("H5", [("O", 5, 6), ("H", 7, 10), ("S", 30, None)], delivered=31),
        scan("H6", "accept", "O", 10),
        scan("H7", "accept", "O", 0),
        scan("H7", "return", "O", 1),
    ]


def test_handover_statuses_by_hand() -> None:
    """O: H1, H4, H5 matched, H2 late, H3 missing; H: H1, H2, H5 matched, H4 pending."""
    engine = duck(handover_case())
    table = engine.compute(handovers(engine.events, settings(100), LANES))
    found = {(r["waybill"], r["node_id"]): r["status"] for r in table.to_pylist()}
    assert found == {
        ("H1", "O"): "matched",
        ("H1", "H"): "matched",
        ("H2", "O"): "late",
        ("H2", "H"): "matched",
        ("H3", "O"): "missing",
        ("H4", "O"): "matched",
        ("H4", "H"): "pending",
        ("H5", "O"): "matched",
        ("H5", "H"): "matched",
    }
    allowed = {(r["node_id"], r["allowed_hours"]) for r in table.to_pylist()}
    assert allowed == {("O", 8.0), ("H", 30.0)}


def test_reconciliation_by_carrier_node_and_day() -> None:
    """O on 11 Nov: 4 handovers (H1, H2, H3, H5), 2 matched, 1 late, 1 missing → 0.5; O on
    14 Nov (hour 82): H4 matched; H on 11 Nov: 3 matched (H4's is pending, left out)."""
    engine = duck(handover_case())
    table = handovers(engine.events, settings(100), LANES)
    rows = engine.compute(handover_reconciliation(table)).to_pylist()
    summary = [
        (r["node_id"], r["day"], r["handovers"], r["matched"], r["late"], r["missing"])
        for r in rows
    ]
    assert summary == [
        ("H", date(2026, 11, 11), 3, 3, 0, 0),
        ("O", date(2026, 11, 11), 4, 2, 1, 1),
        ("O", date(2026, 11, 14), 1, 1, 0, 0),
    ]
    assert rows[1]["unmatched"] == 2 and rows[1]["unmatched_rate"] == 0.5
    listed = engine.compute(unmatched_handovers(table))
    assert listed.column("waybill").to_pylist() == ["H2", "H3"]


def test_tolerance_is_a_setting() -> None:
    """With a 10 h tolerance, H2's arrival after 10 h (allowance 12 h) is matched."""
    engine = duck(handover_case())
    table = handovers(engine.events, settings(100, handover_tolerance_hours=10.0), LANES)
    rows = engine.compute(unmatched_handovers(table)).to_pylist()
    assert [r["waybill"] for r in rows] == ["H3"]


def test_without_a_lane_table_every_lane_takes_the_default() -> None:
    """No lanes: O→H allows 24 + 6 h, so H2 (10 h) is matched; H3 is still missing."""
    engine = duck(handover_case())
    rows = engine.compute(unmatched_handovers(handovers(engine.events, settings(100))))
    assert rows.column("status").to_pylist() == ["missing"]


def test_information_loss_by_hand() -> None:
    """Accepted on 11 Nov: H1, H2, H3, H5, H6, H7 (6); stopped trails H3, H6; unmatched
    handovers H2, H3; lost H2, H3, H6 → 3/6. On 14 Nov: H4, nothing lost."""
    engine = duck(handover_case())
    config = settings(100)
    parcels = parcel_facts(engine.events, config)
    table = handovers(engine.events, config, LANES)
    rows = engine.compute(information_loss(parcels, table)).to_pylist()
    assert [
        (r["acceptance_day"], r["parcels"], r["stopped_trails"], r["unmatched_parcels"])
        for r in rows
    ] == [(date(2026, 11, 11), 6, 2, 2), (date(2026, 11, 14), 1, 0, 0)]
    assert rows[0]["information_lost"] == 3 and rows[0]["information_loss_rate"] == 0.5
    assert rows[1]["information_loss_rate"] == 0.0
    stopped = engine.compute(stopped_trails(parcels)).column("waybill").to_pylist()
    assert stopped == ["H3", "H6"]
