"""Ingest checked against the registered networks, the clock and the parcels' acceptance
(issue 21): an event that does not fit is refused, located, or held in the quarantine with its
reason — never stored among the events a figure reads. On SQLite and PostgreSQL.

The network is tests/conftest.py's tiny one: carrier ZTO, nodes CD-O1 → CD-HUB → … → MY-S1.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from typer.testing import CliRunner

from peakguard.analytics import duckdb_engine
from peakguard.app.context import open_store
from peakguard.app.events import EventChecks, ingest_events
from peakguard.app.networks import save_network
from peakguard.cli import app as cli_app
from peakguard.config import Settings
from peakguard.errors import InvalidInputError
from peakguard.formats.network_document import parse_network
from peakguard.formats.scan_event_document import parse_events
from peakguard.i18n import render
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from peakguard.store.database import Store
from peakguard.store.event_lake import read_quarantine, read_stored_events
from tests.conftest import tiny_document

ADMIN = LOCAL_ADMINISTRATOR
NOW = datetime(2026, 11, 20, tzinfo=UTC)
"""The clock during these ingests."""


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """A database with the tiny network registered."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path, language="en"))
    save_network(opened, parse_network(tiny_document()), actor=ADMIN, source="test")
    yield opened
    opened.engine.dispose()


def record(waybill: str, event: str, node: str, time: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "waybill": waybill,
        "carrier": extra.pop("carrier", "ZTO"),
        "event": event,
        "node_id": node,
        "time": time,
        "origin_region": "510104",
        "destination_region": "510703",
        **extra,
    }
    if event == "accept":
        row |= {"real_name_verified": True, "inspected": True, "x_rayed": True}
    if event == "depart":
        row.setdefault("next_node_id", "CD-HUB")
    return row


def good_parcel(waybill: str = "ZT1") -> list[dict[str, Any]]:
    return [
        record(waybill, "accept", "CD-O1", "2026-11-11T08:00:00+08:00"),
        record(waybill, "depart", "CD-O1", "2026-11-11T18:00:00+08:00"),
        record(waybill, "arrive", "CD-HUB", "2026-11-11T19:00:00+08:00"),
    ]


def the_yto_event() -> dict[str, Any]:
    """The issue's event: YTO, dated 2027-06-01, at a node in no network."""
    return record("YT9", "arrive", "YTO-NOWHERE", "2027-06-01T08:00:00+08:00", carrier="YTO")


def table(records: list[dict[str, Any]]) -> Any:
    """Parsed as of a late clock, so that the readers' own bound (a day ahead of the clock)
    lets 2027 through and the ingest's check is the one under test."""
    return parse_events(records, now=datetime(2028, 1, 1, tzinfo=UTC))


def test_the_far_future_yto_event_is_refused_with_its_reasons(store: Store, tmp_path: Path) -> None:
    """The issue's example: one YTO event dated 2027-06-01 at a node in no network, sent with a
    good parcel, is refused with each reason located (carrier, node, time); nothing is stored."""
    lake = tmp_path / "lake"
    with pytest.raises(InvalidInputError) as refused:
        ingest_events(
            store, lake, table([*good_parcel(), the_yto_event()]), actor=ADMIN, source="t", now=NOW
        )
    located = {
        problem.location: render(problem.message, "en") for problem in refused.value.problems
    }
    assert set(located) == {"events[3].carrier", "events[3].node_id", "events[3].time"}
    assert "YTO is the carrier of no registered network" in located["events[3].carrier"]
    assert "YTO-NOWHERE is a node of no registered network" in located["events[3].node_id"]
    assert "later than now" in located["events[3].time"]
    assert "1 of the 4 events" in render(refused.value.message, "en")
    assert read_stored_events(lake).num_rows == 0


def test_quarantine_holds_the_event_with_its_reason_and_no_figure_reads_it(
    store: Store, tmp_path: Path
) -> None:
    """With the quarantine chosen, the YTO event is held in the lake's quarantine with its
    reasons and the good parcel stored; the KPI engine reads the good parcel's 3 events only."""
    lake = tmp_path / "lake"
    report = ingest_events(
        store,
        lake,
        table([*good_parcel(), the_yto_event()]),
        actor=ADMIN,
        source="t",
        checks=EventChecks(quarantine=True),
        now=NOW,
    )
    assert (report.stored, report.quarantined) == (3, 1)
    held = read_quarantine(lake)
    assert held is not None
    assert held.column("waybill").to_pylist() == ["YT9"]
    assert held.column("refused_row").to_pylist() == [4]
    reasons = held.column("refused_reason").to_pylist()
    assert reasons == ["unknown_carrier; unknown_node; future_time"]
    assert held.column("batch").to_pylist() == [report.batch]
    engine = duckdb_engine(lake)
    assert (
        engine.compute(engine.events.aggregate(n=engine.events.count())).column("n")[0].as_py() == 3
    )


def test_an_event_before_its_parcels_stored_acceptance_is_refused(
    store: Store, tmp_path: Path
) -> None:
    """The parcel's accept (08:00) is stored by one batch; a later batch's sort of the same
    parcel at 07:00 is before its acceptance and refused, located at its time; one at 09:00
    is stored."""
    lake = tmp_path / "lake"
    ingest_events(store, lake, table(good_parcel()), actor=ADMIN, source="t", now=NOW)
    early = record("ZT1", "sort", "CD-O1", "2026-11-11T07:00:00+08:00")
    with pytest.raises(InvalidInputError) as refused:
        ingest_events(store, lake, table([early]), actor=ADMIN, source="t", now=NOW)
    (problem,) = refused.value.problems
    assert problem.location == "events[0].time"
    assert "before the parcel's acceptance" in render(problem.message, "en")
    later = record("ZT1", "sort", "CD-O1", "2026-11-11T09:00:00+08:00")
    report = ingest_events(store, lake, table([later]), actor=ADMIN, source="t", now=NOW)
    assert report.stored == 1


def test_the_future_tolerance_is_the_settings(store: Store, tmp_path: Path) -> None:
    """An event 2 hours ahead of the clock is refused with the default hour of tolerance and
    stored with 3 hours."""
    lake = tmp_path / "lake"
    ahead = record("ZT2", "accept", "CD-O1", "2026-11-20T02:00:00+00:00")
    with pytest.raises(InvalidInputError):
        ingest_events(store, lake, table([ahead]), actor=ADMIN, source="t", now=NOW)
    report = ingest_events(
        store,
        lake,
        table([ahead]),
        actor=ADMIN,
        source="t",
        now=NOW,
        checks=EventChecks(future_hours=3),
    )
    assert report.stored == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_networks_are_looked_up_once_per_batch(store: Store, tmp_path: Path) -> None:
    """The database statements of an ingest are as many for 600 events as for 3: the
    registered carriers and nodes are looked up once for the batch, not once per event."""

    def statements(records: list[dict[str, Any]], lake: Path) -> int:
        seen: list[str] = []

        def count(*_args: Any) -> None:
            seen.append("statement")

        event.listen(store.engine, "before_cursor_execute", count)
        try:
            ingest_events(store, lake, table(records), actor=ADMIN, source="t", now=NOW)
        finally:
            event.remove(store.engine, "before_cursor_execute", count)
        return len(seen)

    few = statements(good_parcel("ZT1"), tmp_path / "a")
    many = statements(
        [row for number in range(200) for row in good_parcel(f"ZM{number}")], tmp_path / "b"
    )
    assert many == few


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_a_registered_network_carriers_and_nodes_are_not_checked(
    database_url: str, tmp_path: Path
) -> None:
    """A deployment that has registered no network yet cannot check carriers and nodes: the
    events are stored and the report says they were not checked; the clock still is."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path, language="en"))
    try:
        lake = tmp_path / "lake"
        odd = record("YT1", "accept", "YTO-X", "2026-11-11T08:00:00+08:00", carrier="YTO")
        report = ingest_events(opened, lake, table([odd]), actor=ADMIN, source="t", now=NOW)
        assert (report.stored, report.network_checked) == (1, False)
        with pytest.raises(InvalidInputError):
            ingest_events(opened, lake, table([the_yto_event()]), actor=ADMIN, source="t", now=NOW)
    finally:
        opened.engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_command_names_the_file_and_event_and_can_quarantine(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``peakguard events ingest`` refuses the second file's node in no network, naming the
    file, the event's number in it and the column (exit 2); with PEAKGUARD_INGEST_QUARANTINE
    the same files store the good events and say how many are held."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path, language="en"))
    save_network(opened, parse_network(tiny_document()), actor=ADMIN, source="test")
    opened.engine.dispose()
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", database_url)
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path))
    monkeypatch.setenv("PEAKGUARD_EVENT_LAKE", str(tmp_path / "lake"))
    header = "waybill,carrier,event,node_id,time,origin_region,destination_region"
    flags = ",real_name_verified,inspected,x_rayed"
    first = tmp_path / "first.csv"
    first.write_text(
        header + flags + "\nZT1,ZTO,accept,CD-O1,2026-11-11T08:00+08:00,510104,510703,1,1,1\n",
        encoding="utf-8",
    )
    second = tmp_path / "second.csv"
    second.write_text(
        header
        + "\nZT1,ZTO,sort,CD-O1,2026-11-11T09:00+08:00,510104,510703"
        + "\nZT1,ZTO,arrive,XX-HUB,2026-11-11T10:00+08:00,510104,510703\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    refused = runner.invoke(cli_app, ["--lang", "en", "events", "ingest", str(first), str(second)])
    assert refused.exit_code == 2, refused.output
    assert "second.csv event 2, column node_id" in refused.output
    assert "XX-HUB" in refused.output
    assert "registered" in refused.output
    monkeypatch.setenv("PEAKGUARD_INGEST_QUARANTINE", "true")
    held = runner.invoke(cli_app, ["--lang", "en", "events", "ingest", str(first), str(second)])
    assert held.exit_code == 0, held.output
    assert "1 events did not fit" in held.output
    assert read_stored_events(tmp_path / "lake").num_rows == 2
