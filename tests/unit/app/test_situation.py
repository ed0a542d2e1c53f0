"""The situation a landing page opens on (peakguard.app.situation): the hubs within reach of
the organisation's latest simulation, their time to overflow by hand, the warnings open at the
chosen hour, and the day the figures are of."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from peakguard.app import accounts
from peakguard.app.context import open_store
from peakguard.app.networks import parse_network_document, save_network
from peakguard.app.simulation import read_scenario_file, simulate_scenario, write_simulation_files
from peakguard.app.situation import (
    DayReason,
    HourReason,
    choose_day,
    compare_days,
    hours_to_overflow,
    network_state,
)
from peakguard.config import Settings
from peakguard.domain.scans import SCAN_EVENT_SCHEMA
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import (
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.store.database import Store, transaction
from peakguard.store.event_lake import ingest
from peakguard.store.jobs import NewJob, add_job, claim_next_job, finish_job

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
CHENGDU = Organisation(
    "sc-cd", "成都市邮政管理局", OrganisationKind.regulator, RegulatorLevel.city, "510100"
)
ZTO = Organisation("zto", "中通快递", OrganisationKind.carrier, carrier="ZTO")
SF_HUB = "SF-CD-HUB"


def two_brand_document() -> dict[str, Any]:
    """two_brands: the Chengdu–Mianyang ZTO example with an SF hub, outlet and station in
    Chengdu, so that a territory holds two brands and a brand spans two cities."""
    document: dict[str, Any] = yaml.safe_load((EXAMPLES / "chengdu-mianyang.yaml").read_text())
    document["name"] = "two-brands"
    document["carriers"].append({"code": "SF", "name": "顺丰速运"})
    shifts = [{"name": "day", "start_hour": 8, "end_hour": 20, "sorting_capacity_per_hour": 900}]

    def node(node_id: str, kind: str, region: str, storage: int, volume: int) -> dict[str, Any]:
        return {
            "id": node_id, "name": node_id, "kind": kind, "region": region, "carrier": "SF",
            "shifts": shifts, "storage_capacity": storage, "staff": 10, "vehicles": 2,
            "floor_area_m2": 500, "longitude": 104.0, "latitude": 30.6, "daily_volume": volume,
        }  # fmt: skip

    document["nodes"] += [
        node(SF_HUB, "hub", "510100", 9000, 6000),
        node("SF-CD-O1", "outlet", "510104", 4000, 3000),
        node("SF-CD-S1", "station", "510107", 4000, 3000),
    ]
    times = ["12:00", "18:00"]
    document["lanes"] += [
        {"id": "SF-O1-HUB", "origin": "SF-CD-O1", "destination": SF_HUB, "mode": "road",
         "transit_hours": 1, "departure_times": times, "capacity_per_departure": 5000},
        {"id": "SF-HUB-S1", "origin": SF_HUB, "destination": "SF-CD-S1", "mode": "road",
         "transit_hours": 1, "departure_times": times, "capacity_per_departure": 5000},
    ]  # fmt: skip
    return document


def member(store: Store, organisation: Organisation, *permissions: Permission) -> Principal:
    known = {o.code: o for o in accounts.list_organisations(store, ADMIN)}
    stored = known.get(organisation.code) or accounts.create_organisation(
        store, ADMIN, organisation
    )
    return Principal(
        name="reader",
        organisation=stored,
        permissions=frozenset(permissions or Permission),
        channel=Channel.session,
    )


def finished_simulation(store: Store, home: Path, organisation: Organisation) -> Path:
    """A succeeded simulation job of ``organisation``: double11-small on two-brands, its files
    written where the job runner writes them."""
    network = parse_network_document(two_brand_document())
    scenario = read_scenario_file(EXAMPLES / "double11-small.yaml", network)
    outcome = simulate_scenario(network, scenario, actor=ADMIN)
    job_id = uuid.uuid4().hex
    folder = home / "jobs" / job_id
    write_simulation_files(outcome, folder)
    stored = member(store, organisation)
    with transaction(store.sessions) as session:
        add_job(
            session,
            NewJob(job_id, "simulation", stored.organisation.id, None, "x@y",
                   {"network": "two-brands", "scenario": {}, "settings": None, "language": "en"}),
        )  # fmt: skip
    claimed = claim_next_job(store, "test", kinds=["simulation"])
    assert claimed is not None
    finish_job(store, claimed.id, "test", result={})
    return folder


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    """store: SQLite with two-brands stored (a fast engine: the situation only reads)."""
    opened = open_store(Settings(database_url=f"sqlite:///{home / 'p.db'}", home=home))
    save_network(opened, parse_network_document(two_brand_document()), actor=ADMIN, source="t")
    yield opened
    opened.engine.dispose()


def test_hours_to_overflow_counts_from_the_hour_shown() -> None:
    """0 when at storage already, the hours until it is reached, None when it never is."""
    series = np.array([0.0, 10, 50, 90, 100, 80])
    assert hours_to_overflow(series, 100.0, 0) == 4
    assert hours_to_overflow(series, 100.0, 4) == 0
    assert hours_to_overflow(series, 100.0, 5) is None


def test_a_city_office_sees_only_its_hubs_and_their_warnings(store: Store, home: Path) -> None:
    """Chengdu's office: the Chengdu hubs of both brands, never Mianyang's or Xi'an's, nor the
    network's own warning (it does not see the whole network)."""
    finished_simulation(store, home, CHENGDU)
    state = network_state(store, home, actor=member(store, CHENGDU))
    assert {hub.node.id for hub in state.hubs} == {"ZTO-CD-HUB", SF_HUB}
    assert state.run is not None
    assert {w.node_id for w in state.warnings} <= {"ZTO-CD-HUB", SF_HUB}


def test_a_brand_sees_its_own_hubs_only(store: Store, home: Path) -> None:
    finished_simulation(store, home, ZTO)
    state = network_state(store, home, actor=member(store, ZTO))
    assert SF_HUB not in {hub.node.id for hub in state.hubs}
    assert {hub.node.id for hub in state.hubs} == {"ZTO-CD-HUB", "ZTO-MY-HUB", "ZTO-XA-GW"}


def test_time_to_overflow_is_the_hand_count_on_the_simulated_trajectory(
    store: Store, home: Path
) -> None:
    """Mianyang's hub fills up while its twin is closed: from every hour asked, the hours
    until its backlog first reaches storage in node_hours.parquet, counted by hand."""
    folder = finished_simulation(store, home, ZTO)
    rows = pq.read_table(folder / "node_hours.parquet").to_pylist()
    mine = sorted((r for r in rows if r["node_id"] == "ZTO-MY-HUB"), key=lambda r: r["hour"])
    start = mine[0]["time"].astimezone(UTC).replace(tzinfo=None) + timedelta(hours=8)
    checked = 0
    for hour in (0, 30, 60, 70, 100, len(mine) - 1):
        expected = None
        for later in mine[hour:]:
            if later["backlog"] >= later["storage_capacity"] - 1e-9:
                expected = later["hour"] - hour
                break
        state = network_state(
            store, home, actor=member(store, ZTO), at=start + timedelta(hours=hour)
        )
        assert state.hour == hour and state.hour_reason is HourReason.asked
        hub = state.hub("ZTO-MY-HUB")
        assert hub.hours_to_overflow == expected, hour
        checked += expected is not None and expected > 0
    assert checked >= 2  # the trajectory does reach storage later for some of them


def test_the_default_hour_is_the_peak_when_the_run_does_not_cover_now(
    store: Store, home: Path
) -> None:
    finished_simulation(store, home, ZTO)
    state = network_state(store, home, actor=member(store, ZTO), now=datetime(2030, 1, 1))
    assert state.hour_reason is HourReason.peak
    totals = np.sum([hub.series for hub in state.hubs if hub.series], axis=0)
    assert totals[state.hour] == totals[48:].max()  # the peak after the two warm-up days


def test_no_simulation_is_said_and_the_hubs_are_still_shown(store: Store, home: Path) -> None:
    state = network_state(store, home, actor=member(store, CHENGDU))
    assert state.run is None and state.without_run is not None
    assert {hub.node.id for hub in state.hubs} == {"ZTO-CD-HUB", SF_HUB}
    reader = member(store, CHENGDU, Permission.network_read, Permission.bulletin_read)
    assert network_state(store, home, actor=reader).without_run is not None


def events(rows: list[tuple[str, str, str, str, datetime, str, str]]) -> pa.Table:
    """Scan events from (carrier, waybill, event, node, China time, origin, destination)."""
    count = len(rows)
    columns: dict[str, Any] = {
        "waybill": [r[1] for r in rows], "carrier": [r[0] for r in rows],
        "event": [r[2] for r in rows], "reason": [None] * count,
        "node_id": [r[3] for r in rows],
        "time": [(r[4] - timedelta(hours=8)).replace(tzinfo=UTC) for r in rows],
        "next_node_id": [None] * count, "origin_region": [r[5] for r in rows],
        "destination_region": [r[6] for r in rows], "product": ["standard"] * count,
        "real_name_verified": [True] * count, "inspected": [True] * count,
        "x_rayed": [True] * count,
    }  # fmt: skip
    return pa.table(columns, schema=SCAN_EVENT_SCHEMA)


def test_the_default_day_is_the_latest_with_events_within_reach(
    store: Store, tmp_path: Path
) -> None:
    """A Mianyang parcel on the 12th is outside Chengdu's reach: Chengdu's day is the 10th,
    the latest with one of its parcels; asked for a day, that day; today when today has one."""
    lake = tmp_path / "lake"
    ingest(lake, events([
        ("ZTO", "A1", "accept", "ZTO-CD-O1", datetime(2026, 11, 10, 9), "510104", "510703"),
        ("ZTO", "A1", "deliver", "ZTO-MY-S1", datetime(2026, 11, 10, 20), "510104", "510703"),
        ("ZTO", "B1", "accept", "ZTO-MY-O1", datetime(2026, 11, 12, 9), "510703", "510703"),
    ]))  # fmt: skip
    chengdu = member(store, CHENGDU)
    chosen = choose_day(lake, actor=chengdu, today=date(2026, 11, 20))
    assert (chosen.day, chosen.reason) == (date(2026, 11, 10), DayReason.latest)
    everyone = choose_day(lake, actor=member(store, ZTO), today=date(2026, 11, 20))
    assert everyone.day == date(2026, 11, 12)
    asked = choose_day(lake, actor=chengdu, asked=date(2026, 11, 9), today=date(2026, 11, 20))
    assert (asked.day, asked.reason) == (date(2026, 11, 9), DayReason.asked)
    today = choose_day(lake, actor=chengdu, today=date(2026, 11, 10))
    assert today.reason is DayReason.today
    figures = compare_days(lake, chosen, actor=chengdu)
    assert figures is not None
    assert (figures.current.accepted, figures.current.delivered) == (1, 1)
    assert (figures.previous.accepted, figures.previous.delivered) == (0, 0)
