"""A small security season on the demo network, recorded as ``peakguard demo`` records it, for
the tests of the demo's security step and of the personal-data scan.

The demo's own lake comes from a 13-minute simulation; this one is written by hand: at eight
Sichuan outlets (the three of the lapse policy, four clean ZTO and SF outlets, one YTO outlet
whose brand has no company in the demo) 12 parcels a day from 6 to 17 November (50 at one clean
ZTO outlet on Double 11), each accepted, sorted at its brand's first Sichuan hub three hours
later, departed, arrived at a station and delivered. The lapse policy is applied to the accept
flags before ingest, as the demo's bulletin step does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from peakguard.app.context import open_store
from peakguard.app.demo_accounts import ALL_DEMO_ACCOUNTS, DemoLogin, demo_accounts
from peakguard.app.demo_security import record_demo_security
from peakguard.app.demo_security_summary import DemoSecurity
from peakguard.app.events import ingest_events
from peakguard.app.networks import save_network
from peakguard.config import Settings
from peakguard.demo.season import double11_scenario
from peakguard.demo.security_season import LapsePolicy, apply_lapses, demand_days, lapse_policy
from peakguard.demo.sichuan import build_sichuan_network
from peakguard.domain.network import Network, NodeKind
from peakguard.domain.scans import CHINA_STANDARD_TIME as CHINA
from peakguard.domain.scans import SCAN_EVENT_SCHEMA
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.store.database import Store

SEED = 2016
PER_DAY = 12
BUSY_DAY_PARCELS = 50


@dataclass(frozen=True)
class SecuritySeason:
    store: Store
    settings: Settings
    lake: Path
    network: Network
    policy: LapsePolicy
    logins: list[DemoLogin]
    recorded: DemoSecurity
    clean_outlets: tuple[str, ...]


def _outlets(network: Network, policy: LapsePolicy) -> tuple[list[str], list[str]]:
    taken = set(policy.outlets())

    def pick(carrier: str, chengdu: bool, count: int) -> list[str]:
        found = sorted(
            n.id
            for n in network.nodes
            if n.kind is NodeKind.outlet
            and n.carrier == carrier
            and n.region.startswith("51")
            and n.region.startswith("5101") == chengdu
            and n.id not in taken
        )
        return found[:count]

    clean = (
        pick("ZTO", True, 2) + pick("SF", True, 1) + pick("ZTO", False, 1) + pick("YTO", True, 1)
    )
    return [*policy.outlets(), *clean], clean


def _trail(network: Network) -> dict[str, tuple[str, str]]:
    """Each brand's first Sichuan hub and station."""
    trail: dict[str, tuple[str, str]] = {}
    for carrier in {n.carrier for n in network.nodes}:
        hubs = sorted(
            n.id
            for n in network.nodes
            if n.carrier == carrier and n.kind is NodeKind.hub and n.region.startswith("51")
        )
        stations = sorted(
            n.id
            for n in network.nodes
            if n.carrier == carrier and n.kind is NodeKind.station and n.region.startswith("5101")
        )
        if hubs and stations:
            trail[carrier] = (hubs[0], stations[0])
    return trail


def season_events(network: Network, policy: LapsePolicy) -> tuple[pa.Table, tuple[str, ...]]:
    """The hand-written season's scan events, the lapse policy applied; and the clean
    outlets."""
    outlets, clean = _outlets(network, policy)
    nodes = {n.id: n for n in network.nodes}
    trail = _trail(network)
    rows: list[dict[str, object]] = []
    number = 0
    for day in demand_days(double11_scenario()):
        for outlet in outlets:
            node = nodes[outlet]
            hub, station = trail[node.carrier]
            busy = outlet == clean[0] and day.day == 11
            for n in range(BUSY_DAY_PARCELS if busy else PER_DAY):
                number += 1
                accepted = datetime(day.year, day.month, day.day, 9, tzinfo=CHINA) + timedelta(
                    minutes=7 * n
                )
                waybill = f"{node.carrier}{number:012d}"
                steps = [
                    ("accept", outlet, accepted, None),
                    ("sort", hub, accepted + timedelta(hours=3), None),
                    ("depart", hub, accepted + timedelta(hours=4), station),
                    ("arrive", station, accepted + timedelta(hours=8), None),
                    ("deliver", station, accepted + timedelta(hours=20), None),
                ]
                for event, place, moment, next_node in steps:
                    accept = event == "accept"
                    rows.append(
                        {
                            "waybill": waybill,
                            "carrier": node.carrier,
                            "event": event,
                            "reason": None,
                            "node_id": place,
                            "time": moment.astimezone(UTC),
                            "next_node_id": next_node,
                            "origin_region": node.region,
                            "destination_region": nodes[station].region,
                            "product": "standard",
                            "real_name_verified": True if accept else None,
                            "inspected": True if accept else None,
                            "x_rayed": True if accept else None,
                        }
                    )
    table = pa.Table.from_pylist(rows, schema=SCAN_EVENT_SCHEMA)
    return apply_lapses(table, policy, seed=SEED), tuple(clean)


def security_season(home: Path) -> SecuritySeason:
    """A SQLite database with the demo's organisations, users (all of them) and network, the
    hand-written season in the lake, and the security season recorded."""
    lake = home / "lake"
    settings = Settings(database_url=f"sqlite:///{home / 'db.sqlite'}", home=home, event_lake=lake)
    store = open_store(settings)
    logins = demo_accounts(store, ADMIN, ALL_DEMO_ACCOUNTS)
    network = build_sichuan_network()
    save_network(store, network, actor=ADMIN, source="test")
    scenario = double11_scenario()
    policy = lapse_policy(network, scenario, seed=SEED)
    events, clean = season_events(network, policy)
    ingest_events(store, lake, events, actor=ADMIN, source="test: the security season")
    recorded = record_demo_security(
        store, lake, network, scenario, seed=SEED, actor=ADMIN, policy=policy, settings=settings
    )
    return SecuritySeason(store, settings, lake, network, policy, logins, recorded, clean)
