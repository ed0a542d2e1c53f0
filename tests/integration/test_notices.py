"""Notices to the public through the application layer, on SQLite and PostgreSQL: tips per
territory, a controlled city's notice on the tracking of the parcels bound there, the
estimated arrival from the lake, and the arrival messages in the outbox with the phone masked.

The world: Mianyang (510700) under static control from 12 to 17 November (an incident of
ZTO's Sichuan company); a lake of ZTO parcels from Chengdu: three delivered to Mianyang before
the control (36, 40 and 50 hours after acceptance: 40 h the median), two on their way into
Mianyang during it, one bound for Chengdu, one delivered to Mianyang before it began."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from peakguard.app import accounts, tracking
from peakguard.app.context import open_store
from peakguard.app.events import parse_event_records
from peakguard.app.incidents import IncidentDraft, open_incident
from peakguard.app.notice_messages import (
    Recipient,
    read_outbox,
    reveal_outbox_phone,
    send_arrival_messages,
)
from peakguard.app.notices import (
    NoticeKind,
    managed_notices,
    publish_control_notice,
    publish_tip,
    published_notices,
    withdraw_notice,
)
from peakguard.app.tracking import parcels_bound_for, track_parcel
from peakguard.config import Settings
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, NotFoundError, StaleRecordError
from peakguard.identity.model import (
    ANONYMOUS,
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.notices.eta import Basis, EtaSettings, Measured
from peakguard.notices.tips import ConsumerTip
from peakguard.store.audit_trail import query_entries
from peakguard.store.database import Store, transaction
from peakguard.store.event_lake import ingest
from peakguard.store.notice_tables import OutboxMessageRow

CST = CHINA_STANDARD_TIME
START = datetime(2026, 11, 12, tzinfo=CST)
END = datetime(2026, 11, 17, tzinfo=CST)
NOW = datetime(2026, 11, 13, 12, tzinfo=CST)
PHONE = "13812345678"
PUBLISH = frozenset({Permission.notice_publish, Permission.notice_read})


def events(
    waybill: str, destination: str, *scans: tuple[str, str, datetime]
) -> list[dict[str, Any]]:
    rows = []
    for event, node, moment in scans:
        row: dict[str, Any] = {
            "waybill": waybill, "carrier": "ZTO", "event": event, "node_id": node,
            "time": moment.isoformat(), "origin_region": "510104",
            "destination_region": destination,
        }  # fmt: skip
        if event == "accept":
            row |= {"real_name_verified": True, "inspected": True, "x_rayed": True}
        if event == "depart":
            row["next_node_id"] = "ZTO-MY-HUB"
        rows.append(row)
    return rows


def delivered(waybill: str, accepted: datetime, total_hours: int) -> list[dict[str, Any]]:
    return events(
        waybill, "510703",
        ("accept", "ZTO-CD-O1", accepted),
        ("arrive", "ZTO-MY-HUB", accepted + timedelta(hours=total_hours - 10)),
        ("deliver", "ZTO-MY-S1", accepted + timedelta(hours=total_hours)),
    )  # fmt: skip


def lake_of(path: Path) -> Path:
    day = datetime(2026, 11, 9, 8, tzinfo=CST)
    records = [
        *delivered("ZT-D1", day, 36),
        *delivered("ZT-D2", day, 40),
        *delivered("ZT-D3", day, 50),
        *events("ZT-IN1", "510703", ("accept", "ZTO-CD-O1", NOW - timedelta(hours=20))),
        *events("ZT-IN2", "510703", ("accept", "ZTO-CD-O1", NOW - timedelta(hours=5))),
        *events("ZT-CD", "510104", ("accept", "ZTO-CD-O1", NOW - timedelta(hours=5))),
    ]
    ingest(path, parse_event_records(records))
    return path


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """Sichuan's office, Guangdong's, ZTO's Sichuan company, and Mianyang controlled."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    for code, kind, carrier, level, region in (
        ("zto-sc", OrganisationKind.carrier, "ZTO", None, "510000"),
        ("sf-hq", OrganisationKind.carrier, "SF", None, None),
        ("sc-post", OrganisationKind.regulator, None, RegulatorLevel.provincial, "510000"),
        ("gd-post", OrganisationKind.regulator, None, RegulatorLevel.provincial, "440000"),
    ):
        accounts.create_organisation(
            opened,
            LOCAL_ADMINISTRATOR,
            Organisation(
                code=code, name=code, kind=kind, carrier=carrier, level=level, region=region
            ),
        )
    draft = IncidentDraft(
        "epidemic_control", "ZTO", "510700", START, "Mianyang under static control",
        period_end=END, blocked=True,
    )  # fmt: skip
    open_incident(opened, draft, actor=who(opened, "zto-sc"), now=START)
    yield opened
    opened.engine.dispose()


def who(store: Store, code: str) -> Principal:
    organisation = {o.code: o for o in accounts.list_organisations(store, LOCAL_ADMINISTRATOR)}[
        code
    ]
    rights = PUBLISH | {Permission.incident_report}
    return Principal("li", organisation, frozenset(rights), Channel.session)


def test_tracking_carries_the_notice_only_for_parcels_bound_for_the_controlled_city(
    store: Store, tmp_path: Path
) -> None:
    """An anonymous caller tracking a parcel on its way into Mianyang sees the notice and an
    arrival not before the control's end, and no scans; one bound for Chengdu has none; one
    delivered in Mianyang before the control has none."""
    lake = lake_of(tmp_path / "lake")
    inbound = track_parcel(store, ANONYMOUS, lake, "ZT-IN1", now=NOW)
    assert inbound.notice is not None and inbound.notice.area.region == "510700"
    assert "静态管控" in inbound.notice.text("zh") and "static control" in inbound.notice.text("en")
    assert inbound.estimate.basis is Basis.last_node and inbound.estimate.median_hours == 40
    assert inbound.estimate.arrival == END and inbound.estimate.held_until == END
    assert inbound.scans == () and not inbound.detailed
    assert track_parcel(store, ANONYMOUS, lake, "ZT-CD", now=NOW).notice is None
    assert track_parcel(store, ANONYMOUS, lake, "ZT-D1", now=NOW).notice is None
    own = track_parcel(store, who(store, "zto-sc"), lake, "ZT-IN1", now=NOW)
    assert own.detailed and [s.event for s in own.scans] == ["accept"]
    with pytest.raises(NotFoundError):
        track_parcel(store, ANONYMOUS, lake, "NO-SUCH", now=NOW)


def test_the_week_s_times_are_measured_once_a_minute_and_again_after_an_ingest(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two trackings within one minute measure the week once; a delivery ingested after them
    counts at the next tracking (medians by hand: 36, 40, 50 h → 40 h; with 60 and 70 h →
    50 h)."""
    lake = lake_of(tmp_path / "lake")
    measured: list[datetime] = []
    original = tracking._measured

    def counted(lake: Path, now: datetime, chosen: EtaSettings) -> Measured:
        measured.append(now)
        return original(lake, now, chosen)

    monkeypatch.setattr(tracking, "_measured", counted)
    first = track_parcel(store, ANONYMOUS, lake, "ZT-IN1", now=NOW)
    again = track_parcel(store, ANONYMOUS, lake, "ZT-IN2", now=NOW + timedelta(seconds=40))
    assert measured == [NOW]
    assert first.estimate.median_hours == again.estimate.median_hours == 40
    day = datetime(2026, 11, 9, 8, tzinfo=CST)
    ingest(lake, parse_event_records([*delivered("ZT-D4", day, 60), *delivered("ZT-D5", day, 70)]))
    later = track_parcel(store, ANONYMOUS, lake, "ZT-IN1", now=NOW + timedelta(seconds=50))
    assert measured == [NOW, NOW] and later.estimate.median_hours == 50
    assert later.estimate.parcels == 5


def test_every_parcel_bound_for_the_city_is_listed_with_the_published_notice(
    store: Store, tmp_path: Path
) -> None:
    """The office publishes Mianyang's notice (window and text from the control); the two
    parcels on their way carry it on their tracking; withdrawn, they carry the standard one."""
    lake = lake_of(tmp_path / "lake")
    office = who(store, "sc-post")
    notice = publish_control_notice(store, office, "510700", now=NOW)
    assert (notice.valid_from, notice.valid_until) == (START, END)
    bound = parcels_bound_for(store, office, lake, "510700", now=NOW)
    assert [view.waybill for view in bound] == ["ZT-IN1", "ZT-IN2"]
    assert {view.notice.reference for view in bound if view.notice} == {f"N{notice.id}"}
    with pytest.raises(StaleRecordError):
        withdraw_notice(store, office, notice.id, expected_version=0, now=NOW)
    withdraw_notice(store, office, notice.id, expected_version=notice.version, now=NOW)
    again = parcels_bound_for(store, office, lake, "510700", now=NOW)
    assert [view.notice.reference for view in again if view.notice] == [None, None]


def test_tips_are_published_per_territory(store: Store) -> None:
    """Sichuan's office publishes for Sichuan and not for Guangdong; a tip shows in Sichuan's
    cities only, a ZTO tip carries ZTO's brand, and the public reads both."""
    tip = ConsumerTip(
        "510000", START, END, "旺季提示", "Peak tip", "请提前寄递。", "Please send early."
    )
    office, zto = who(store, "sc-post"), who(store, "zto-sc")
    published = publish_tip(store, office, tip, now=NOW)
    assert published.carrier is None
    brand = publish_tip(store, zto, tip, now=NOW)
    assert brand.carrier == "ZTO"
    with pytest.raises(InvalidInputError) as refused:
        publish_tip(store, who(store, "gd-post"), tip, now=NOW)
    assert refused.value.problems[0].location == "region"
    assert len(published_notices(store, ANONYMOUS, now=NOW, region="510703")) == 2
    assert published_notices(store, ANONYMOUS, now=NOW, region="440300") == []
    assert len(published_notices(store, ANONYMOUS, now=NOW, carrier="SF", region="510104")) == 1
    assert published_notices(store, ANONYMOUS, now=END, kind=NoticeKind.tip) == []
    assert [n.id for n in managed_notices(store, zto)] == [brand.id]


def test_arrival_messages_land_in_the_outbox_with_the_phone_masked(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """ZTO tells the recipients of parcels bound for Mianyang, in Chinese and English; the
    Chengdu parcel is skipped; the outbox masks the phone, the database holds it sealed, no
    log record holds it, and the one read in clear is audited."""
    lake = lake_of(tmp_path / "lake")
    zto = who(store, "zto-sc")
    caplog.set_level(logging.DEBUG)
    report = send_arrival_messages(
        store, zto, lake,
        [Recipient("ZT-IN1", PHONE, "zh"), Recipient("ZT-IN2", "13900001111", "en"),
         Recipient("ZT-CD", "13900002222")],
        now=NOW,
    )  # fmt: skip
    assert [m.waybill for m in report.sent] == ["ZT-IN1", "ZT-IN2"]
    assert [s.waybill for s in report.skipped] == ["ZT-CD"]
    outbox = read_outbox(store, zto)
    assert {m.phone for m in outbox} == {"138****5678", "139****1111"}
    chinese = next(m for m in outbox if m.waybill == "ZT-IN1")
    assert (
        chinese.text.startswith("【ZTO】您的邮件ZT-IN1") and "2026年11月17日00:00" in chinese.text
    )
    english = next(m for m in outbox if m.waybill == "ZT-IN2")
    assert english.text.startswith("[ZTO] Your item ZT-IN2") and "17 Nov 2026" in english.text
    assert all(PHONE not in record.getMessage() for record in caplog.records)
    with transaction(store.sessions) as session:
        sealed = [row.phone for row in session.query(OutboxMessageRow)]
    assert all(PHONE.encode() not in bytes(token) for token in sealed)
    assert read_outbox(store, who(store, "sf-hq")) == []
    assert reveal_outbox_phone(store, zto, chinese.id, now=NOW) == PHONE
    with transaction(store.sessions) as session:
        _total, entries = query_entries(session, record_id=str(chinese.id), limit=50)
    assert "notice.phone_read" in {entry.action for entry in entries}
    assert all(PHONE not in str(entry.detail) for entry in entries)


def test_a_wrong_phone_sends_nothing(store: Store, tmp_path: Path) -> None:
    """A recipient list with a bad number is refused at its row; no message is sent."""
    lake = lake_of(tmp_path / "lake")
    zto = who(store, "zto-sc")
    with pytest.raises(InvalidInputError) as refused:
        send_arrival_messages(
            store, zto, lake, [Recipient("ZT-IN1", PHONE), Recipient("ZT-IN2", "call me")], now=NOW
        )
    assert [p.location for p in refused.value.problems] == ["recipients[1].phone"]
    assert read_outbox(store, zto) == []
