"""Stop-sort holds on each engine: a held waybill's later movement scans are flagged once
(at ingest, by two sweeps at once, or found in the lake when the hold is placed), scans
before the hold, the exception scan recording it and scans after its release are not; the hold
is reported to the territory's office (and the province's for a serious category); releasing
it is a regulator's alone, once, with a reason and an outcome.

The place: ZTO's Mianyang outlet ZTO-MY-O1 (510703), Double 11 2026, 10:00 China time; the
offices: Sichuan's provincial office (510000) and Mianyang's city office (510700).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from peakguard.app import accounts
from peakguard.app.alerts import office_alerts
from peakguard.app.context import open_store
from peakguard.app.events import ingest_events, parse_event_records
from peakguard.app.hold_scans import sweep_holds
from peakguard.app.holds import (
    HoldDraft,
    get_hold,
    list_holds,
    open_holds,
    place_hold,
    release_hold,
)
from peakguard.config import Settings
from peakguard.errors import (
    ConflictError,
    ForbiddenError,
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
from peakguard.store.event_lake import ingest

CHINA = ZoneInfo("Asia/Shanghai")
ADMIN = LOCAL_ADMINISTRATOR
FOUND = datetime(2026, 11, 11, 10, 0, tzinfo=CHINA)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
OFFICER = frozenset({Permission.security_read, Permission.hold_place})
INSPECTOR = OFFICER | {Permission.hold_release, Permission.duty_read}
REPORTER = frozenset({Permission.events_write})


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[tuple[Store, Settings]]:
    """ZTO's and YTO's Sichuan companies, Sichuan's and Mianyang's offices, an empty lake."""
    settings = Settings(database_url=database_url, home=tmp_path, event_lake=tmp_path / "lake")
    store = open_store(settings)
    for code, kind, carrier, level, region in (
        ("zto-sc", OrganisationKind.carrier, "ZTO", None, "510000"),
        ("yto-sc", OrganisationKind.carrier, "YTO", None, "510000"),
        ("sc-post", OrganisationKind.regulator, None, RegulatorLevel.provincial, "510000"),
        ("my-post", OrganisationKind.regulator, None, RegulatorLevel.city, "510700"),
    ):
        accounts.create_organisation(
            store,
            ADMIN,
            Organisation(code=code, name=code, kind=kind, carrier=carrier, level=level,
                         region=region),
        )  # fmt: skip
    yield store, settings
    store.engine.dispose()


def who(store: Store, code: str, name: str, permissions: frozenset[Permission]) -> Principal:
    found = {item.code: item for item in accounts.list_organisations(store, ADMIN)}
    return Principal(name, found[code], permissions, Channel.session)


def draft(**changes: Any) -> HoldDraft:
    """A suspected explosive in waybill ZT100 at ZTO's Mianyang outlet, 10:00 on the 11th."""
    base = HoldDraft(
        scope="waybill",
        carrier="ZTO",
        region="510703",
        node_id="ZTO-MY-O1",
        category="explosives",
        held_from=FOUND,
        evidence="X 光机图像显示疑似雷管",
        waybills=("ZT100",),
    )
    return replace(base, **changes)


def scan(waybill: str, event: str, at: datetime, node: str = "ZTO-MY-HUB") -> dict[str, Any]:
    record: dict[str, Any] = {
        "waybill": waybill,
        "carrier": "ZTO",
        "event": event,
        "node_id": node,
        "time": at.isoformat(),
        "origin_region": "510703",
        "destination_region": "110105",
    }
    if event == "depart":
        record["next_node_id"] = "ZTO-CD-HUB"
    if event == "exception":
        record["reason"] = "damage"
    if event == "accept":
        record |= {"real_name_verified": True, "inspected": True, "x_rayed": True}
    return record


def store_scans(settings: Settings, *records: dict[str, Any]) -> None:
    """Scans into the lake without the ingest hook (as a bulk load or a crash would leave)."""
    ingest(settings.resolved_event_lake(), parse_event_records(list(records)))


def actions(store: Store, action: str, outcome: str = "ok") -> int:
    with transaction(store.sessions) as session:
        _total, entries = query_entries(session, limit=1000)
    return sum(1 for entry in entries if (entry.action, entry.outcome) == (action, outcome))


def sweep_twice_at_once(store: Store, settings: Settings, now: datetime) -> int:
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def run() -> None:
        barrier.wait()
        counts.append(sweep_holds(store, settings, now))

    workers = [threading.Thread(target=run) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts)


def test_a_held_waybill_is_flagged_once_for_each_movement_after_the_hold(
    world: tuple[Store, Settings],
) -> None:
    """Sorted at 09:00 (before: no), sorted at 11:00 and departed at 13:00 (after: two), an
    exception scan at 12:00 (the stop itself: no); two sweeps at once record the two once,
    and a third finds nothing new. Released at 14:00: an arrival at 15:00 is no violation,
    while a departure at 13:30 reaching the lake late still is."""
    store, settings = world
    officer = who(store, "zto-sc", "security.zto", OFFICER)
    hold = place_hold(store, officer, draft(), files=[("xray.png", PNG)], now=FOUND)
    assert (hold.hold.state, hold.waybills, hold.version) == ("held", ["ZT100"], 1)
    assert [item.file_name for item in hold.evidence] == ["xray.png"]
    store_scans(
        settings,
        scan("ZT100", "sort", FOUND - timedelta(hours=1)),
        scan("ZT100", "sort", FOUND + timedelta(hours=1)),
        scan("ZT100", "exception", FOUND + timedelta(hours=2)),
        scan("ZT100", "depart", FOUND + timedelta(hours=3)),
        scan("ZT999", "sort", FOUND + timedelta(hours=1)),
    )
    assert sweep_twice_at_once(store, settings, FOUND + timedelta(hours=4)) == 2
    assert sweep_holds(store, settings, FOUND + timedelta(hours=5)) == 0
    view = get_hold(store, officer, hold.hold.id)
    assert [(item.event, item.scanned_at) for item in view.violations] == [
        ("sort", FOUND + timedelta(hours=1)),
        ("depart", FOUND + timedelta(hours=3)),
    ]
    assert actions(store, "hold.violation") == 2
    inspector = who(store, "my-post", "inspector.my", INSPECTOR)
    release_hold(
        store, inspector, hold.hold.id, expected_version=1, outcome="handed_to_public_security",
        reason="雷管已取出，移交绵阳市公安局", now=FOUND + timedelta(hours=4),
    )  # fmt: skip
    store_scans(
        settings,
        scan("ZT100", "arrive", FOUND + timedelta(hours=5), node="ZTO-CD-HUB"),
        scan("ZT100", "depart", FOUND + timedelta(hours=3, minutes=30)),
    )
    assert sweep_holds(store, settings, FOUND + timedelta(hours=6)) == 1
    after = get_hold(store, inspector, hold.hold.id)
    assert [item.event for item in after.violations] == ["sort", "depart", "depart"]
    alerts = office_alerts(store, inspector)
    kinds = sorted({alert.kind for alert in alerts})
    assert kinds == ["hold.placed", "hold.violation"]
    violation_alerts = [alert for alert in alerts if alert.kind == "hold.violation"]
    assert len(violation_alerts) == 1  # one per office, hold and waybill


def test_the_ingest_path_flags_a_held_waybill_and_the_sweep_adds_nothing(
    world: tuple[Store, Settings],
) -> None:
    """A carrier's upload with the held waybill's sort scan after the hold: flagged while it
    is ingested (found by ``ingest``), the carrier's company alerted; the sweep after it finds
    nothing new; an upload without held waybills is stored as ever."""
    store, settings = world
    officer = who(store, "zto-sc", "security.zto", OFFICER | {Permission.duty_read})
    hold = place_hold(store, officer, draft(), now=FOUND)
    reporter = who(store, "zto-sc", "data.zto", REPORTER)
    lake = settings.resolved_event_lake()
    events = parse_event_records(
        [scan("ZT100", "sort", FOUND + timedelta(minutes=30)), scan("ZT200", "sort", FOUND)]
    )
    report = ingest_events(store, lake, events, actor=reporter, source="test")
    assert report.stored == 2
    view = get_hold(store, officer, hold.hold.id)
    assert [(item.event, item.detected_by) for item in view.violations] == [("sort", "ingest")]
    assert sweep_holds(store, settings, FOUND + timedelta(hours=1)) == 0
    company = office_alerts(store, officer)
    assert [alert.kind for alert in company] == ["hold.violation"]


def test_scans_already_in_the_lake_are_found_when_the_hold_is_placed(
    world: tuple[Store, Settings],
) -> None:
    """The hold is recorded at 10:30 for an item found at 10:00; the lake already holds the
    waybill's sort scan at 10:15: recorded when the hold is placed (found by ``placement``)."""
    store, settings = world
    store_scans(settings, scan("ZT100", "sort", FOUND + timedelta(minutes=15)))
    officer = who(store, "zto-sc", "security.zto", OFFICER)
    lake = settings.resolved_event_lake()
    hold = place_hold(store, officer, draft(), lake=lake, now=FOUND + timedelta(minutes=30))
    assert [(item.event, item.detected_by) for item in hold.violations] == [("sort", "placement")]
    assert sweep_holds(store, settings, FOUND + timedelta(hours=1)) == 0


def test_the_hold_is_reported_to_the_territory_and_for_a_serious_item_the_province(
    world: tuple[Store, Settings],
) -> None:
    """Explosives (serious): Mianyang's city office and Sichuan's provincial office each get
    an alert and a report row; counterfeit goods (not serious): Mianyang's office alone."""
    store, _settings = world
    officer = who(store, "zto-sc", "security.zto", OFFICER)
    serious = place_hold(store, officer, draft(), now=FOUND)
    assert [(item.organisation, item.reason) for item in serious.reports] == [
        ("my-post", "territory"),
        ("sc-post", "serious"),
    ]
    plain = place_hold(
        store, officer, draft(category="counterfeit_goods", waybills=("ZT101",)), now=FOUND
    )
    assert [item.organisation for item in plain.reports] == ["my-post"]
    province = who(store, "sc-post", "duty.sc", frozenset({Permission.duty_read}))
    assert [alert.subject for alert in office_alerts(store, province)] == [
        f"hold:{serious.hold.id}"
    ]
    assert actions(store, "hold.report") == 3
    assert actions(store, "hold.place") == 2


def test_only_a_regulator_releases_and_two_releases_at_once_conflict(
    world: tuple[Store, Settings],
) -> None:
    """ZTO's security officer may not release (no hold.release); a carrier holding the
    permission is refused too; an unknown outcome and an empty reason are located; of two
    releases decided on version 1 the second is stale (409); a released hold cannot be
    released again."""
    store, _settings = world
    officer = who(store, "zto-sc", "security.zto", OFFICER)
    hold = place_hold(store, officer, draft(), now=FOUND)
    with pytest.raises(ForbiddenError):
        release_hold(store, officer, hold.hold.id, expected_version=1, outcome="false_alarm",
                     reason="误报")  # fmt: skip
    carrier_with_permission = who(store, "zto-sc", "boss.zto", INSPECTOR)
    with pytest.raises(ForbiddenError):
        release_hold(store, carrier_with_permission, hold.hold.id, expected_version=1,
                     outcome="false_alarm", reason="误报")  # fmt: skip
    inspector = who(store, "my-post", "inspector.my", INSPECTOR)
    with pytest.raises(InvalidInputError) as wrong:
        release_hold(store, inspector, hold.hold.id, expected_version=1, outcome="gone",
                     reason=" ")  # fmt: skip
    assert [problem.location for problem in wrong.value.problems] == ["outcome", "reason"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def release() -> None:
        barrier.wait()
        try:
            release_hold(store, inspector, hold.hold.id, expected_version=1,
                         outcome="false_alarm", reason="开箱复核为普通电池")  # fmt: skip
            outcomes.append("released")
        except StaleRecordError:
            outcomes.append("stale")

    workers = [threading.Thread(target=release) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == ["released", "stale"]
    view = get_hold(store, inspector, hold.hold.id)
    assert (view.hold.state, view.version, view.hold.release_outcome) == (
        "released",
        2,
        "false_alarm",
    )
    with pytest.raises(ConflictError):
        release_hold(store, inspector, hold.hold.id, expected_version=2,
                     outcome="false_alarm", reason="再次")  # fmt: skip
    assert (actions(store, "hold.release"), actions(store, "hold.release", "denied")) == (1, 2)


def test_a_hold_is_seen_within_reach_only(world: tuple[Store, Settings]) -> None:
    """YTO may not hold ZTO's parcels, does not find ZTO's hold and sees no open hold;
    Mianyang's office and ZTO see it open until it is released."""
    store, _settings = world
    officer = who(store, "zto-sc", "security.zto", OFFICER)
    yto = who(store, "yto-sc", "security.yto", OFFICER)
    with pytest.raises(ForbiddenError):
        place_hold(store, yto, draft(), now=FOUND)
    hold = place_hold(store, officer, draft(), now=FOUND)
    with pytest.raises(NotFoundError):
        get_hold(store, yto, hold.hold.id)
    assert open_holds(store, yto) == []
    city = who(store, "my-post", "inspector.my", INSPECTOR)
    assert [line.hold.id for line in open_holds(store, city)] == [hold.hold.id]
    assert [(line.waybills, line.violations) for line in open_holds(store, officer)] == [(1, 0)]
    release_hold(store, city, hold.hold.id, expected_version=1, outcome="false_alarm",
                 reason="误报", now=FOUND + timedelta(hours=1))  # fmt: skip
    assert open_holds(store, city) == []
    assert [line.hold.state for line in list_holds(store, city)] == ["released"]


def test_a_batch_takes_the_outlets_accepted_waybills_and_a_bag_lists_its_own(
    world: tuple[Store, Settings],
) -> None:
    """The outlet accepted ZT1 at 08:00 and ZT2 at 09:00 (ZT3 at 09:30 elsewhere): the batch
    08:00–09:30 holds ZT1 and ZT2; an empty window is refused, located; a bag holds its
    listed waybills; a hold with several mistakes names each."""
    store, settings = world
    store_scans(
        settings,
        scan("ZT1", "accept", FOUND - timedelta(hours=2), node="ZTO-MY-O1"),
        scan("ZT2", "accept", FOUND - timedelta(hours=1), node="ZTO-MY-O1"),
        scan("ZT3", "accept", FOUND - timedelta(minutes=30), node="ZTO-MY-O2"),
    )
    lake = settings.resolved_event_lake()
    officer = who(store, "zto-sc", "security.zto", OFFICER)
    batch = draft(scope="batch", waybills=(), outlet="ZTO-MY-O1",
                  window_start=FOUND - timedelta(hours=2),
                  window_end=FOUND - timedelta(minutes=30))  # fmt: skip
    held = place_hold(store, officer, batch, lake=lake, now=FOUND)
    assert held.waybills == ["ZT1", "ZT2"]
    empty = replace(
        batch, window_start=FOUND - timedelta(days=2), window_end=FOUND - timedelta(days=1)
    )
    with pytest.raises(InvalidInputError) as nothing:
        place_hold(store, officer, empty, lake=lake, now=FOUND)
    assert [problem.location for problem in nothing.value.problems] == ["outlet"]
    bagged = draft(scope="bag", bag_code="BAG-7", waybills=("ZT5", "ZT6", "ZT5"))
    bag = place_hold(store, officer, bagged, now=FOUND)
    assert (bag.waybills, bag.hold.bag_code) == (["ZT5", "ZT6"], "BAG-7")
    wrong = draft(category="ufo", region="519999", evidence="", waybills=("A", "B"),
                  held_from=FOUND + timedelta(days=1))  # fmt: skip
    with pytest.raises(InvalidInputError) as mistakes:
        place_hold(store, officer, wrong, files=[("note.txt", b"hello")], now=FOUND)
    assert sorted(problem.location for problem in mistakes.value.problems) == [
        "category", "evidence", "files[0]", "held_from", "region", "waybills",
    ]  # fmt: skip
    assert len(list_holds(store, officer)) == 2


def test_an_ingest_is_never_refused_because_the_hold_check_fails(
    world: tuple[Store, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The held waybills cannot be read (a broken table): the batch is stored all the same,
    and the sweep records the violation once the check works again."""
    store, settings = world
    officer = who(store, "zto-sc", "security.zto", OFFICER)
    hold = place_hold(store, officer, draft(), now=FOUND)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the holds table is unreadable")

    reporter = who(store, "zto-sc", "data.zto", REPORTER)
    events = parse_event_records([scan("ZT100", "sort", FOUND + timedelta(minutes=30))])
    with monkeypatch.context() as patch:
        patch.setattr("peakguard.store.holds.held_waybills", broken)
        report = ingest_events(
            store, settings.resolved_event_lake(), events, actor=reporter, source="test"
        )
    assert report.stored == 1
    assert get_hold(store, officer, hold.hold.id).violations == []
    assert sweep_holds(store, settings, FOUND + timedelta(hours=1)) == 1
