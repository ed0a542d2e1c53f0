"""The lake's key includes the carrier: an event sent first under another carrier never makes
the genuine one be dropped as "already stored" (forgery by pre-emption, issue #13)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from peakguard.app.context import open_store
from peakguard.app.events import ingest_events
from peakguard.config import Settings
from peakguard.domain.scans import SCAN_EVENT_SCHEMA
from peakguard.identity.model import (
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
)
from peakguard.store.database import Store
from peakguard.store.event_files import LAKE_KEY
from peakguard.store.event_lake import ingest, read_stored_events

MOMENT = datetime(2026, 11, 11, 0, 5, tzinfo=UTC)


def scan(carrier: str, *, waybill: str = "YT7800012345", node: str = "O1") -> dict[str, object]:
    """One accept scan of ``waybill`` at ``node`` at 08:05 China time under ``carrier``."""
    return {
        "waybill": waybill,
        "carrier": carrier,
        "event": "accept",
        "reason": None,
        "node_id": node,
        "time": MOMENT,
        "next_node_id": None,
        "origin_region": "510104",
        "destination_region": "510703",
        "product": "standard",
        "real_name_verified": True,
        "inspected": True,
        "x_rayed": True,
    }


def events(*rows: dict[str, object]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=SCAN_EVENT_SCHEMA)


def carrier_actor(brand: str) -> Principal:
    """A carrier's headquarters token: it may send only ``brand``'s events."""
    organisation = Organisation(
        code=brand.lower(), name=brand, kind=OrganisationKind.carrier, carrier=brand
    )
    return Principal(
        name="feed",
        organisation=organisation,
        permissions=frozenset({Permission.events_write}),
        channel=Channel.token,
    )


def test_the_key_names_the_carrier_first() -> None:
    """The lake stores an event once per (carrier, waybill, event, node, moment)."""
    assert LAKE_KEY == ("carrier", "waybill", "event", "node_id", "time")


def test_an_event_sent_first_under_another_carrier_does_not_pre_empt(tmp_path: Path) -> None:
    """X sends Y's waybill, event, node and moment under its own brand first; Y's genuine event
    is still stored, and each appears under its own carrier."""
    lake = tmp_path / "lake"
    forged = ingest(lake, events(scan("ZTO")))
    genuine = ingest(lake, events(scan("YTO")))
    assert (forged.stored, genuine.stored, genuine.already_stored) == (1, 1, 0)
    stored = read_stored_events(lake).to_pylist()
    assert sorted(row["carrier"] for row in stored) == ["YTO", "ZTO"]
    assert ingest(lake, events(scan("YTO"))).already_stored == 1  # a re-send is still a repeat


def test_the_same_scan_under_two_carriers_in_one_batch_is_two_events(tmp_path: Path) -> None:
    """Inside one batch the carrier tells events apart too; a true repeat is still dropped."""
    report = ingest(tmp_path / "lake", events(scan("ZTO"), scan("YTO"), scan("YTO")))
    assert (report.received, report.duplicates_in_batch, report.stored) == (3, 1, 2)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """store: an empty SQLite database, for the audit trail the operation writes to."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'pg.db'}", home=tmp_path)
    opened = open_store(settings)
    yield opened
    opened.engine.dispose()


def test_through_the_carriers_own_tokens(tmp_path: Path, store: Store) -> None:
    """ZTO's token may send only ZTO events, so a pre-emption is a ZTO event with YTO's waybill;
    YTO's feed, sent after it, is stored and counted as stored, not as already in the lake."""
    lake = tmp_path / "lake"
    ingest_events(store, lake, events(scan("ZTO")), actor=carrier_actor("ZTO"), source="x")
    report = ingest_events(store, lake, events(scan("YTO")), actor=carrier_actor("YTO"), source="y")
    assert (report.stored, report.already_stored) == (1, 0)
    by_carrier = {row["carrier"]: row["waybill"] for row in read_stored_events(lake).to_pylist()}
    assert by_carrier == {"ZTO": "YT7800012345", "YTO": "YT7800012345"}
