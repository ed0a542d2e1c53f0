"""The second departure and the last hub arrival found in the one per-parcel pass (issue 21)
equal the join of the moves back to the parcels that found them before, on trails with scans
sent twice at the same moment, several departures from one node and events after the cutoff."""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import pyarrow as pa
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from peakguard.analytics import KpiSettings, parcel_facts
from peakguard.analytics.parcels import PARCEL_KEY, within_cutoff

from .conftest import at, duck, scan, settings

MOMENTS = ("second_departed_at", "last_hub_arrived_at")


def joined_moments(events: ir.Table, parcels: ir.Table, config: KpiSettings) -> ir.Table:
    """The reference: the departures and arrivals joined back to their parcel's first
    departure and last arrival, then grouped again (the implementation before issue 21)."""
    scans = within_cutoff(events, config)
    moves = scans.filter(scans.event.isin(["depart", "arrive"])).select(
        *PARCEL_KEY, "event", "time"
    )
    anchors = parcels.select(*PARCEL_KEY, "first_departed_at", "last_arrived_at")
    joined = moves.join(anchors, list(PARCEL_KEY))
    return joined.group_by(list(PARCEL_KEY)).aggregate(
        second_departed_at=joined.time.min(
            where=(joined.event == "depart") & (joined.time > joined.first_departed_at)
        ),
        last_hub_arrived_at=joined.time.max(
            where=(joined.event == "arrive") & (joined.time < joined.last_arrived_at)
        ),
    )


def by_parcel(table: pa.Table) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {
        (row["carrier"], row["waybill"]): tuple(row[name] for name in MOMENTS)
        for row in table.to_pylist()
    }


def test_repeated_and_late_scans_by_hand() -> None:
    """W1 departs O at 1 (sent twice), H1 at 3 and 3 again, H2 at 5: the second departure is
    3, not the repeated 1. It arrives at H1 at 2, H2 at 4, S at 6 and (sent twice) 6: the last
    hub arrival is 4. W2's only later departure, at 200, is after the cutoff (100): none."""
    rows = [
        scan("W1", "accept", "O", 0),
        scan("W1", "depart", "O", 1),
        scan("W1", "depart", "O", 1),
        scan("W1", "arrive", "H1", 2),
        scan("W1", "depart", "H1", 3),
        scan("W1", "depart", "H1", 3),
        scan("W1", "arrive", "H2", 4),
        scan("W1", "depart", "H2", 5),
        scan("W1", "arrive", "S", 6),
        scan("W1", "arrive", "S", 6),
        scan("W2", "accept", "O", 0),
        scan("W2", "depart", "O", 1),
        scan("W2", "depart", "H1", 200),
    ]
    engine = duck(rows)
    found = by_parcel(engine.compute(parcel_facts(engine.events, settings(100))))
    assert found == {("ZTO", "W1"): (at(3), at(4)), ("ZTO", "W2"): (None, None)}


@st.composite
def shuffled_moves(draw: Any) -> list[dict[str, Any]]:
    """Up to four parcels of two carriers with the same waybills, each with random departures
    and arrivals at a few nodes on a coarse clock (so times repeat)."""
    rows = []
    for carrier in ("ZTO", "YTO"):
        for number in range(draw(st.integers(0, 2))):
            rows.append(scan(f"W{number}", "accept", "O", 0, carrier=carrier))
            for _ in range(draw(st.integers(0, 6))):
                event = draw(st.sampled_from(["depart", "arrive"]))
                node = draw(st.sampled_from(["O", "H1", "H2", "S"]))
                hours = draw(st.integers(0, 12)) / 2
                rows.append(scan(f"W{number}", event, node, hours, carrier=carrier))
    return rows


@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shuffled_moves(), st.integers(0, 7))
def test_the_one_pass_equals_the_join(rows: list[dict[str, Any]], cutoff: int) -> None:
    if not rows:
        return
    engine = duck(rows)
    config = settings(cutoff)
    parcels = parcel_facts(engine.events, config)
    ours = by_parcel(engine.compute(parcels))
    reference = by_parcel(engine.compute(joined_moments(engine.events, parcels, config)))
    without_moves = {key: (None, None) for key in ours if key not in reference}
    assert ours == {**reference, **without_moves}
