"""The demo's supply-guarantee step (app/demo_supply.py) on the stored Sichuan network and a
hand-written lake: Ya'an's static control recorded as an incident, the orders and their clocks,
the point, the shuttles, the coverage plan and the notices on the parcels bound for Ya'an.

The lake (written here, not simulated): twelve parcels of several brands, each accepted at a
Chengdu outlet, sorted at the brand's Chengdu hub, carried to its destination's hub and delivered
at a station — five bound for Ya'an while it is controlled (one still on its way), and four that
are not: delivered in Ya'an before the control (four, three of them SF's, whose times estimate
the arrival of SF's parcel still on its way), accepted for Ya'an after it, bound for Chengdu and
for Leshan during it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from peakguard.app.context import open_store
from peakguard.app.controlled_areas import controlled_areas_in
from peakguard.app.demo_accounts import SUPPLY_ACCOUNTS, demo_accounts
from peakguard.app.demo_supply import record_demo_supply
from peakguard.app.demo_supply_parcels import bound_parcels
from peakguard.app.demo_supply_summary import DemoSupply
from peakguard.app.events import ingest_events
from peakguard.app.networks import save_network
from peakguard.app.notice_messages import read_outbox
from peakguard.app.shuttles import list_shuttle_plans
from peakguard.app.supply_orders import get_supply_order
from peakguard.app.tracking import track_many
from peakguard.cases.controlled import controlling
from peakguard.config import Settings
from peakguard.demo.season import double11_scenario
from peakguard.demo.sichuan import build_sichuan_network
from peakguard.domain.network import Network
from peakguard.domain.scans import CHINA_STANDARD_TIME as CHINA
from peakguard.domain.scans import SCAN_EVENT_SCHEMA
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.store.database import Store, transaction

SEED = 2016
YEAR = 2026

# (waybill, carrier, accepted (month, day, hour), destination city's code, delivered?)
PARCELS: tuple[tuple[str, str, tuple[int, int, int], str, bool], ...] = (
    ("EMS000000000001", "EMS", (11, 7, 9), "5118", True),  # delivered 8 Nov: before
    ("EMS000000000002", "EMS", (11, 9, 10), "5118", True),  # delivered 10 Nov: bound
    ("ZTO000000000003", "ZTO", (11, 11, 9), "5118", True),  # bound
    ("SF0000000000004", "SF", (11, 13, 9), "5118", False),  # on its way: bound
    ("JD0000000000005", "JD", (11, 12, 15), "5118", True),  # bound
    ("YTO000000000006", "YTO", (11, 14, 20), "5118", True),  # accepted in, delivered after
    ("YTO000000000007", "YTO", (11, 15, 10), "5118", True),  # accepted after: not bound
    ("EMS000000000008", "EMS", (11, 11, 9), "5101", True),  # Chengdu: not bound
    ("STO000000000009", "STO", (11, 11, 9), "5111", True),  # Leshan: not bound
    # Three SF parcels delivered in Ya'an before the control: the measured times of the lane
    ("SF0000000000010", "SF", (11, 7, 8), "5118", True),
    ("SF0000000000011", "SF", (11, 7, 9), "5118", True),
    ("SF0000000000012", "SF", (11, 8, 9), "5118", True),
)
BOUND = {
    "EMS000000000002",
    "ZTO000000000003",
    "SF0000000000004",
    "JD0000000000005",
    "YTO000000000006",
}


@dataclass(frozen=True)
class SupplyDemo:
    store: Store
    lake: Path
    network: Network
    recorded: DemoSupply


def _node(network: Network, carrier: str, kind: str, city: str) -> tuple[str, str]:
    found = sorted(
        (n.id, n.region)
        for n in network.nodes
        if n.carrier == carrier and n.kind.value == kind and n.region.startswith(city)
    )
    return found[0]


def lake_events(network: Network) -> pa.Table:
    """The hand-written parcels' scans (see the module's docstring)."""
    rows: list[dict[str, object]] = []
    for waybill, carrier, (month, day, hour), city, delivered in PARCELS:
        outlet, origin = _node(network, carrier, "outlet", "5101")
        origin_hub, _ = _node(network, carrier, "hub", "5101")
        hub, _ = _node(network, carrier, "hub", city)
        station, destination = _node(network, carrier, "station", city)
        accepted = datetime(YEAR, month, day, hour, tzinfo=CHINA)
        steps = [
            ("accept", outlet, 0, None),
            ("sort", origin_hub, 3, None),
            ("depart", origin_hub, 4, hub),
            ("arrive", hub, 10, None),
            ("depart", hub, 12, station),
            ("arrive", station, 16, None),
        ]
        if delivered:
            steps += [("out_for_delivery", station, 20, None), ("deliver", station, 26, None)]
        for event, place, hours, next_node in steps:
            rows.append(
                {
                    "waybill": waybill,
                    "carrier": carrier,
                    "event": event,
                    "reason": None,
                    "node_id": place,
                    "time": (accepted + timedelta(hours=hours)).astimezone(UTC),
                    "next_node_id": next_node,
                    "origin_region": origin,
                    "destination_region": destination,
                    "product": "standard",
                    "real_name_verified": True if event == "accept" else None,
                    "inspected": True if event == "accept" else None,
                    "x_rayed": True if event == "accept" else None,
                }
            )
    return pa.Table.from_pylist(rows, schema=SCAN_EVENT_SCHEMA)


@pytest.fixture(scope="module")
def supply_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupplyDemo]:
    """A SQLite database with the supply logins and the stored demo network, the hand-written
    lake, and the supply step recorded once."""
    home = tmp_path_factory.mktemp("supply")
    lake = home / "lake"
    settings = Settings(database_url=f"sqlite:///{home / 'db.sqlite'}", home=home, event_lake=lake)
    store = open_store(settings)
    demo_accounts(store, ADMIN, SUPPLY_ACCOUNTS)
    network = build_sichuan_network()
    save_network(store, network, actor=ADMIN, source="test")
    ingest_events(store, lake, lake_events(network), actor=ADMIN, source="test: Ya'an")
    scenario = double11_scenario(YEAR)
    recorded = record_demo_supply(store, lake, network, scenario, seed=SEED, actor=ADMIN)
    yield SupplyDemo(store, lake, network, recorded)
    store.engine.dispose()


def test_the_lake_s_parcels_bound_for_ya_an_are_those_in_transit_during_the_control(
    supply_demo: SupplyDemo,
) -> None:
    """The parcels bound for Ya'an while it is controlled are the five written so (not the
    one delivered before, the one accepted after, nor those for Chengdu and Leshan)."""
    recorded = supply_demo.recorded
    found = bound_parcels(supply_demo.lake, "511800", recorded.start, recorded.end)
    assert {parcel.waybill for parcel in found} == BOUND
    assert recorded.bound == len(BOUND)


def test_the_static_control_is_a_controlled_area_for_its_five_days(
    supply_demo: SupplyDemo,
) -> None:
    """The incident makes Ya'an (and its counties) a controlled area from 10 November 00:00 to
    15 November 00:00 and not a minute outside, and the carrier's first report met its clock."""
    with transaction(supply_demo.store.sessions) as session:
        areas = controlled_areas_in(session)
    start = datetime(YEAR, 11, 10, tzinfo=CHINA)
    end = start + timedelta(days=5)
    assert controlling(areas, "511826", start) is not None
    assert controlling(areas, "511802", end - timedelta(minutes=1)) is not None
    assert controlling(areas, "511802", end) is None
    assert controlling(areas, "511802", start - timedelta(minutes=1)) is None
    assert controlling(areas, "511102", start + timedelta(days=1)) is None
    assert supply_demo.recorded.incident is not None
    assert supply_demo.recorded.blockage_clock == "met"


def test_a_second_run_records_nothing(supply_demo: SupplyDemo) -> None:
    """Recording again finds the control's incident and stores no second one."""
    again = record_demo_supply(
        supply_demo.store,
        supply_demo.lake,
        supply_demo.network,
        double11_scenario(YEAR),
        seed=SEED,
        actor=ADMIN,
    )
    assert again.already_recorded
    assert again.incident == supply_demo.recorded.incident
    with transaction(supply_demo.store.sessions) as session:
        areas = [a for a in controlled_areas_in(session) if a.region == "511800"]
    assert len(areas) == 1


def test_every_parcel_bound_for_ya_an_carries_the_notice_and_the_one_on_its_way_is_told(
    supply_demo: SupplyDemo,
) -> None:
    """Each of the five parcels bound for Ya'an shows the control's notice on its tracking; the
    one still on its way in the lake (the others are delivered there) gets its arrival message,
    its phone masked in the outbox."""
    recorded = supply_demo.recorded
    moment = recorded.end - timedelta(hours=1)
    found = track_many(supply_demo.store, ADMIN, supply_demo.lake, sorted(BOUND), now=moment)
    for waybill in BOUND:
        (view,) = found[waybill]
        assert view.notice is not None, waybill
        assert view.notice.area.region == "511800"
    assert recorded.tracked == len(BOUND)
    outbox = read_outbox(supply_demo.store, ADMIN)
    assert {message.waybill for message in outbox} == {"SF0000000000004"}
    assert recorded.messages == 1
    assert all("*" in message.phone for message in outbox)


def test_the_orders_are_closed_and_only_the_group_buy_s_quotation_breached(
    supply_demo: SupplyDemo,
) -> None:
    """The four orders end received; the sweep breached the group buy's quotation (27.5 h after
    its sheet) and no other clock, and the confirmations came within their 4 hours."""
    recorded = supply_demo.recorded
    references = {script: stored for script, stored, _state in recorded.orders}
    assert {state for _s, _r, state in recorded.orders} == {"closed"}
    assert recorded.late_quotations == (references["YA-GROUPBUY"],)
    view = get_supply_order(supply_demo.store, ADMIN, references["YA-GROUPBUY"])
    quotation = next(c for c in view.clocks if c.rule_key == "supply.quotation")
    assert quotation.clock.breached_at is not None
    assert quotation.due_at == datetime(YEAR, 11, 12, 22, tzinfo=CHINA)
    for script, reference in references.items():
        clocks = get_supply_order(supply_demo.store, ADMIN, reference).clocks
        confirmation = next(c for c in clocks if c.rule_key == "supply.confirmation")
        assert confirmation.clock.breached_at is None, script


def test_dispatch_point_and_shuttles_follow_the_orders(supply_demo: SupplyDemo) -> None:
    """The one-source vegetables go direct, the others through the point, which ships each
    before its delivery day's shuttles; from 13 November the lapsing truck is listed missing
    and never routed."""
    recorded = supply_demo.recorded
    references = {script: stored for script, stored, _state in recorded.orders}
    modes = dict(recorded.dispatch)
    assert modes[references["YA-GOV-YC"]] == "direct"
    assert {modes[references[s]] for s in ("YA-GOV-MS", "YA-COLLEGE", "YA-GROUPBUY")} == {
        "consolidated"
    }
    shipped = dict(recorded.shipping)
    assert shipped[references["YA-GOV-MS"]].date() <= date(YEAR, 11, 12)
    assert shipped[references["YA-GROUPBUY"]].date() <= date(YEAR, 11, 13)
    days = [day for day, _trips, _vehicles in recorded.shuttle_days]
    assert days == [date(YEAR, 11, 12), date(YEAR, 11, 13), date(YEAR, 11, 14)]
    missing_days = {day for day, subject, _why in recorded.missing if subject == "YA-V4"}
    assert missing_days == {date(YEAR, 11, 13), date(YEAR, 11, 14)}
    plans = list_shuttle_plans(supply_demo.store, ADMIN)
    for record in plans:
        plates = {route.plate for route in record.plan.routes if route.trips}
        assert ("川T·E0104" in plates) == (record.plan.day == date(YEAR, 11, 12))
    assert recorded.coverage
