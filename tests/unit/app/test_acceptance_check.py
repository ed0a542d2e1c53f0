"""The ingest's check that no event is earlier than its parcel's acceptance, against a
brute-force reference, whatever slices the batch is joined in."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from peakguard.app import events as app_events
from peakguard.app.events import event_findings
from peakguard.domain.scans import SCAN_EVENT_SCHEMA
from peakguard.store.event_network import RegisteredPlaces

START = datetime(2026, 11, 11, tzinfo=UTC)
NO_NETWORK = RegisteredPlaces(any_network=False, carriers=frozenset(), nodes=frozenset())
ACCEPTANCES = pa.schema(
    [("carrier", pa.string()), ("waybill", pa.string()), ("accepted_at", pa.timestamp("us", "UTC"))]
)


def mixed_batch(seed: int) -> tuple[pa.Table, pa.Table]:
    """A batch of 300 events of 40 parcels under two carriers (one waybill under both), each
    parcel's events at random hours, some accepted twice, some never in the batch; and the
    stored acceptances of a few parcels, some earlier than the batch's."""
    rng = random.Random(seed)
    parcels = [("ZTO", f"W{n}") for n in range(20)] + [("SF", f"W{n}") for n in range(15, 35)]
    rows = []
    for _ in range(300):
        carrier, waybill = rng.choice(parcels)
        event = rng.choice(["accept", "accept", "sort", "arrive", "depart", "deliver"])
        rows.append(
            {
                "waybill": waybill,
                "carrier": carrier,
                "event": event,
                "node_id": "N1",
                "time": START + timedelta(hours=rng.randrange(48)),
                "next_node_id": "N2" if event == "depart" else None,
                "origin_region": "510104",
                "destination_region": "510703",
                "product": "standard",
            }
        )
    stored = [
        {"carrier": c, "waybill": w, "accepted_at": START + timedelta(hours=rng.randrange(48))}
        for c, w in rng.sample(parcels, 8)
    ]
    return (
        pa.Table.from_pylist(rows, schema=SCAN_EVENT_SCHEMA),
        pa.Table.from_pylist(stored, schema=ACCEPTANCES),
    )


def brute_force(events: pa.Table, stored: pa.Table) -> list[tuple[int, datetime]]:
    """Each non-accept event earlier than the earliest accept of its carrier's waybill, in
    the batch or stored, by looping over every row."""
    first: dict[tuple[str, str], datetime] = {}
    rows = events.to_pylist()
    known = [(r["carrier"], r["waybill"], r["time"]) for r in rows if r["event"] == "accept"]
    known += [(r["carrier"], r["waybill"], r["accepted_at"]) for r in stored.to_pylist()]
    for carrier, waybill, moment in known:
        key = (carrier, waybill)
        first[key] = min(first.get(key, moment), moment)
    return [
        (number, first[(row["carrier"], row["waybill"])])
        for number, row in enumerate(rows)
        if row["event"] != "accept"
        and (row["carrier"], row["waybill"]) in first
        and row["time"] < first[(row["carrier"], row["waybill"])]
    ]


@pytest.mark.parametrize("slice_rows", [7, 64, 1 << 20])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_events_before_acceptance_are_those_of_the_brute_force(
    monkeypatch: pytest.MonkeyPatch, seed: int, slice_rows: int
) -> None:
    """The events found before their parcel's acceptance, with the acceptance, are exactly
    the brute force's, in row order, in slices of any size."""
    monkeypatch.setattr(app_events, "CHECK_SLICE_ROWS", slice_rows)
    events, stored = mixed_batch(seed)
    found = event_findings(
        events, NO_NETWORK, stored, now=START + timedelta(days=30), future_hours=1
    )
    expected = brute_force(events, stored)
    assert expected  # the batch has early events to find
    assert [item.row for item in found] == [row for row, _accepted in expected]
    assert all(item.reason == "before_acceptance" for item in found)
    accepted = [item.message.params["accepted"] for item in found]
    assert accepted == [moment.isoformat() for _row, moment in expected]
