"""Supply orders on each engine: a group buy's tallies aggregated into one sheet, sent, quoted
late (the 24 h clock breached), returned and quoted again, confirmed within 4 h, contracted,
allocated, handed over and received; illegal steps and stale versions refused (409), another
platform's and another province's callers refused, a reminder fired once by two sweeps at once,
and a missed breach caught up after downtime. Every step is in the audit trail."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from peakguard.app import accounts
from peakguard.app.alerts import alert_message
from peakguard.app.context import open_store
from peakguard.app.supply_orders import (
    SupplyOrderDraft,
    get_supply_order,
    list_supply_orders,
    open_supply_order,
    order_demand,
    step_supply_order,
    sweep_supply_orders,
)
from peakguard.config import Settings
from peakguard.errors import (
    ForbiddenError,
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    StaleRecordError,
)
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.store.audit_trail import query_entries
from peakguard.store.database import Store, transaction
from peakguard.store.duty import alerts as duty_alerts
from peakguard.supply.model import DeliveryKind, DeliveryPoint, OrderKind, OrderLine, Place
from peakguard.supply.orders import GroupBuyEntry

CHINA = ZoneInfo("Asia/Shanghai")
ADMIN = LOCAL_ADMINISTRATOR
SENT = datetime(2026, 11, 12, 9, 0, tzinfo=CHINA)
DRAFTED = datetime(2026, 11, 12, 8, 0, tzinfo=CHINA)
NEEDED = datetime(2026, 11, 16, 18, 0, tzinfo=CHINA)
COMPANY = frozenset({Permission.supply_read, Permission.supply_order})
SUPPLIER = frozenset({Permission.supply_read, Permission.supply_quote})
READER = frozenset({Permission.supply_read})


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """China Post's Henan and Hubei companies, two platforms (邮乐 and another), the Henan and
    Guangdong offices."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    for code, kind, carrier, level, region in (
        ("ems-ha", OrganisationKind.carrier, "EMS", None, "410000"),
        ("ems-hb", OrganisationKind.carrier, "EMS", None, "420000"),
        ("youle", OrganisationKind.platform, None, None, None),
        ("other-mall", OrganisationKind.platform, None, None, None),
        ("ha-post", OrganisationKind.regulator, None, RegulatorLevel.provincial, "410000"),
        ("gd-post", OrganisationKind.regulator, None, RegulatorLevel.provincial, "440000"),
    ):
        organisation = Organisation(
            code=code, name=code, kind=kind, carrier=carrier, level=level, region=region
        )
        accounts.create_organisation(opened, ADMIN, organisation)
    yield opened
    opened.engine.dispose()


def who(store: Store, code: str, name: str = "x") -> Principal:
    organisation = {o.code: o for o in accounts.list_organisations(store, ADMIN)}[code]
    rights = {
        OrganisationKind.carrier: COMPANY,
        OrganisationKind.platform: SUPPLIER,
    }.get(organisation.kind, READER)
    return Principal(name, organisation, rights, Channel.session)


def place(code: str) -> Place:
    return Place(code, f"自提点 {code}", "410105", 34.77, 113.68)


def group_buy(store: Store) -> str:
    """Zhengzhou Jinshui's group buy: three tallies at two pick-up points, 95 sets."""
    draft = SupplyOrderDraft(
        kind=OrderKind.group_buy, region="410105", supplier="youle", needed_by=NEEDED,
        title="金水区 邮乐优鲜 团购 第1批", source="SRC-SHOUGUANG",
        group_buy=(
            GroupBuyEntry("T-01", place("P-A"), "vegetables", 40),
            GroupBuyEntry("T-02", place("P-B"), "vegetables", 25),
            GroupBuyEntry("T-01", place("P-A"), "milk", 30),
        ),
    )  # fmt: skip
    return open_supply_order(store, who(store, "ems-ha", "wang"), draft, now=DRAFTED).reference


def step(store: Store, code: str, reference: str, name: str, at: datetime, **kw: object):  # type: ignore[no-untyped-def]
    actor = who(store, code)
    version = get_supply_order(store, actor, reference, now=at).version
    return step_supply_order(store, actor, reference, name, expected_version=version, now=at,
                             **kw)  # type: ignore[arg-type]  # fmt: skip


def test_a_group_buy_runs_from_the_sheet_to_the_receipt_with_its_clocks(store: Store) -> None:
    """Sheet received 09:00 → quotation due next day 09:00; quoted 09:30 is late; returned,
    quoted again in time; confirmed 4 h after the second quotation is in time."""
    reference = group_buy(store)
    view = get_supply_order(store, who(store, "youle"), reference, now=DRAFTED)
    assert [(line.bundle, line.quantity) for line in view.lines] == [("vegetables", 65),
                                                                      ("milk", 30)]  # fmt: skip
    assert [(p.place.code, p.quantity, leader) for p, leader in view.deliveries] == [
        ("P-A", 70, "T-01"), ("P-B", 25, "T-02")]  # fmt: skip
    step(store, "ems-ha", reference, "send", SENT)
    quoted = datetime(2026, 11, 13, 9, 30, tzinfo=CHINA)
    view = step(store, "youle", reference, "quote", quoted, amount=8950.0)
    first, second = view.clocks
    assert (first.rule_key, first.due_at, first.state) == (
        "supply.quotation",
        datetime(2026, 11, 13, 9, 0, tzinfo=CHINA),
        "late",
    )
    assert second.due_at == datetime(2026, 11, 13, 13, 30, tzinfo=CHINA)  # 4 h later
    returned = datetime(2026, 11, 13, 10, 0, tzinfo=CHINA)
    view = step(store, "ems-ha", reference, "return", returned, text="牛奶单价高于市价")
    assert [c.state for c in view.clocks] == ["late", "met", "running"]
    assert view.clock is not None
    assert view.clock.due_at == datetime(2026, 11, 14, 10, 0, tzinfo=CHINA)
    step(store, "youle", reference, "quote", datetime(2026, 11, 13, 15, 0, tzinfo=CHINA))
    view = step(store, "ems-ha", reference, "confirm", datetime(2026, 11, 13, 19, 0, tzinfo=CHINA))
    assert [c.state for c in view.clocks] == ["late", "met", "met", "met"]  # 19:00 is due: met
    for code, name in (("youle", "contract"), ("youle", "allocate"), ("youle", "hand_over"),
                       ("ems-ha", "receive")):  # fmt: skip
        view = step(store, code, reference, name, datetime(2026, 11, 14, 12, tzinfo=CHINA))
    assert view.state == "closed" and view.clock is None
    assert [(s.step, s.side) for s in view.steps][:3] == [
        ("open", "company"), ("send", "company"), ("quote", "supplier")]  # fmt: skip
    with transaction(store.sessions) as session:
        _total, entries = query_entries(session, record_id=reference)
    audited = [entry.action for entry in entries]
    steps = [a for a in audited if a.startswith("supply_order.") and a != "supply_order.breach"]
    assert len(steps) == len(view.steps) and audited.count("supply_order.breach") == 1
    assert order_demand(view).sets == 95


def test_an_illegal_step_and_a_stale_version_are_refused_as_conflicts(store: Store) -> None:
    """Confirming a sheet not yet quoted, and a second send on the version read before the
    first, are both refused (409) and change nothing."""
    reference = group_buy(store)
    company = who(store, "ems-ha")
    with pytest.raises(IllegalTransitionError) as caught:
        step_supply_order(store, company, reference, "confirm", expected_version=1, now=SENT)
    assert caught.value.allowed == ("send", "cancel")
    step_supply_order(store, company, reference, "send", expected_version=1, now=SENT)
    with pytest.raises(StaleRecordError):
        step_supply_order(store, company, reference, "cancel", expected_version=1, now=SENT,
                          text="duplicate")  # fmt: skip
    assert get_supply_order(store, company, reference, now=SENT).state == "sent"


def test_the_sides_and_scopes_are_kept(store: Store) -> None:
    """Another platform does not even find the order; the company may not quote; the Hubei
    company and the Guangdong office do not find it; the Henan office reads it."""
    reference = group_buy(store)
    step(store, "ems-ha", reference, "send", SENT)
    with pytest.raises(NotFoundError):
        step(store, "other-mall", reference, "quote", SENT)
    with pytest.raises(ForbiddenError):
        step_supply_order(store, who(store, "ems-ha"), reference, "quote", expected_version=2,
                          now=SENT)  # fmt: skip
    for code in ("ems-hb", "gd-post"):
        with pytest.raises(NotFoundError):
            get_supply_order(store, who(store, code), reference, now=SENT)
        assert list_supply_orders(store, who(store, code), now=SENT) == []
    assert [o.reference for o in list_supply_orders(store, who(store, "ha-post"), now=SENT)] == [
        reference]  # fmt: skip
    assert get_supply_order(store, who(store, "ha-post"), reference, now=SENT).allowed == ()


def test_a_direct_purchase_with_a_wrong_sheet_lists_every_mistake(store: Store) -> None:
    """An unknown bundle, a pick-up point for a direct purchase and an unknown supplier."""
    draft = SupplyOrderDraft(
        kind=OrderKind.direct_purchase, region="410105", supplier="nobody", needed_by=NEEDED,
        title="郑州市政府 直采", lines=(OrderLine("caviar", 10, "SRC-1"),),
        deliveries=(DeliveryPoint(place("A"), DeliveryKind.pickup_point, 10),),
    )  # fmt: skip
    with pytest.raises(InvalidInputError) as caught:
        open_supply_order(store, who(store, "ems-ha"), draft, now=DRAFTED)
    assert {p.location for p in caught.value.problems} == {
        "lines[0].bundle", "deliveries[0].kind", "supplier"}  # fmt: skip


def test_two_sweeps_at_once_fire_the_reminder_once_and_a_missed_breach_is_caught_up(
    store: Store,
) -> None:
    """At 05:30 next day (reminder 05:00) two concurrent sweeps record one reminder; after
    downtime a sweep at 12:00 records the breach once, a second sweep nothing."""
    reference = group_buy(store)
    step(store, "ems-ha", reference, "send", SENT)
    counts: list[int] = []
    barrier = threading.Barrier(2)
    at = datetime(2026, 11, 13, 5, 30, tzinfo=CHINA)

    def sweep() -> None:
        barrier.wait()
        counts.append(sweep_supply_orders(store, now=at))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 1]
    later = datetime(2026, 11, 13, 12, 0, tzinfo=CHINA)
    assert sweep_supply_orders(store, now=later) == 1
    assert sweep_supply_orders(store, now=later) == 0
    view = get_supply_order(store, who(store, "youle"), reference, now=later)
    assert [(f.kind, f.scheduled_at) for f in view.firings] == [
        ("remind", datetime(2026, 11, 13, 5, 0, tzinfo=CHINA)),
        ("breach", datetime(2026, 11, 13, 9, 0, tzinfo=CHINA))]  # fmt: skip
    assert view.clock is not None and view.clock.clock.breached_at == later
    listed = list_supply_orders(store, who(store, "ems-ha"), now=later)
    assert listed[0].reference == reference and listed[0].late
    with transaction(store.sessions) as session:
        told = [alert_message(alert).render("en") for alert in duty_alerts(session, None)]
    assert any(
        "“The supplier quotes the order requirement sheet” was due 2026-11-13 09:00 (China time)"
        in text
        for text in told
    ), told  # the clock in words and China time, not its rule key and a UTC moment


def test_a_quotation_after_24_hours_is_breached_even_before_any_sweep(store: Store) -> None:
    """Sheet received 2026-11-12 09:00, no sweep run: a quotation at 09:00 next day is in
    time (no breach); one at 09:01 stops the clock late and records the breach at 09:01,
    scheduled for the 09:00 due moment, once (a later sweep adds nothing)."""
    on_time, late = group_buy(store), group_buy(store)
    for reference in (on_time, late):
        step(store, "ems-ha", reference, "send", SENT)
    due = datetime(2026, 11, 13, 9, 0, tzinfo=CHINA)
    view = step(store, "youle", on_time, "quote", due)
    kept = view.clocks[0]
    assert (kept.state, kept.clock.breached_at, view.firings) == ("met", None, ())
    quoted = datetime(2026, 11, 13, 9, 1, tzinfo=CHINA)
    view = step(store, "youle", late, "quote", quoted)
    first = view.clocks[0]
    assert (first.state, first.overdue, first.clock.breached_at) == ("late", True, quoted)
    assert [(f.kind, f.scheduled_at) for f in view.firings] == [("breach", due)]
    assert sweep_supply_orders(store, now=datetime(2026, 11, 13, 9, 2, tzinfo=CHINA)) == 0
    with transaction(store.sessions) as session:
        _total, entries = query_entries(session, record_id=late)
    assert [entry.action for entry in entries].count("supply_order.breach") == 1
