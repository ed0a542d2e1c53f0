"""The storage of complaints and appeals, on SQLite and PostgreSQL: the migration and its
grants, references, optimistic locking, the sweep's once-only writes and lock, the desk's
filters, evidence, notices and retention."""

from __future__ import annotations

import hashlib
import threading
import time as clock_time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select, text

from peakguard.errors import ConflictError, InvalidInputError, StaleRecordError
from peakguard.store import case_tables
from peakguard.store.access_tables import OrganisationRow
from peakguard.store.case_tables import AttachmentBlobRow, CaseRow
from peakguard.store.cases import (
    CaseRecord,
    NewCase,
    add_attachment,
    add_step,
    attachment_content,
    case_attachments,
    case_clocks,
    case_steps,
    cases_past_retention,
    clocks_due,
    insert_case,
    insert_reminder_once,
    load_case,
    load_case_by_id,
    load_notices,
    mark_breached_once,
    next_reference,
    pause_clock,
    query_cases,
    remove_personal_data,
    resume_clock,
    running_clock,
    save_notice,
    schedule_clock,
    start_clock,
    stop_clock,
    sweep_lock,
    unscheduled_clocks,
    update_case,
)
from peakguard.store.database import Store, alembic_config, open_store, transaction

NOW = datetime(2026, 10, 9, 8, 0, tzinfo=UTC)
CASE_TABLES = {
    "case_counters",
    "cases",
    "case_steps",
    "case_clocks",
    "case_reminders",
    "case_attachments",
    "attachment_blobs",
    "calendar_notices",
}


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A freshly migrated database on each engine, with a sealed-data key."""
    opened = open_store(database_url, personal_key=b"test secret")
    yield opened
    opened.engine.dispose()


def new_case(reference: str, **changes: object) -> NewCase:
    """A complaint about a late ZTO parcel in Chengdu's Wuhou district (510107)."""
    values: dict[str, object] = {
        "reference": reference,
        "kind": "complaint",
        "state": "received",
        "carrier": "ZTO",
        "region": "510107",
        "channel": "phone_12305",
        "category": "delay",
        "summary": "The parcel is five days late",
        "received_at": NOW,
    }
    values.update(changes)
    return NewCase(**values)  # type: ignore[arg-type]


def kept(store: Store, reference: str, **changes: object) -> CaseRecord:
    """``new_case`` kept in its own transaction."""
    with transaction(store.sessions) as session:
        return insert_case(session, new_case(reference, **changes), now=NOW)


def test_the_migration_creates_the_case_tables_as_declared(store: Store) -> None:
    """After ``upgrade head`` every case table exists and the schema equals the declared
    tables (so a missing column would fail here, not in production)."""
    assert case_tables.CaseRow.__tablename__ == "cases"
    assert set(inspect(store.engine).get_table_names()) >= CASE_TABLES
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), CaseRow.metadata)
    assert differences == []


GRANTED = {
    "case.read": {
        "administrator",
        "director",
        "analyst",
        "duty_officer",
        "complaint_handler",
        "carrier_complaint_handler",
        "network_planner",
    },
    "case.handle": {"administrator", "complaint_handler", "carrier_complaint_handler"},
    "case.personal_read": {"administrator", "complaint_handler", "carrier_complaint_handler"},
    "case.import": {"administrator", "complaint_handler", "carrier_complaint_handler"},
    "calendar.manage": {"administrator"},
}
"""Who holds each case permission, as issue #15's brief grants them."""


def _grants(store: Store) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {permission: set() for permission in GRANTED}
    with store.engine.connect() as connection:
        for role, permission in connection.execute(
            text("SELECT role, permission FROM role_permissions")
        ):
            if permission in found:
                found[permission].add(role)
    return found


def test_the_migration_grants_the_case_permissions_to_their_roles(store: Store) -> None:
    """Each case permission is held by exactly the roles the brief names (the public, the
    inspector and the platform hold none)."""
    assert _grants(store) == GRANTED


def test_a_downgrade_removes_the_tables_and_grants_and_an_upgrade_restores_them(
    store: Store,
) -> None:
    """Downgrading to 0004 leaves no case table and no case permission; upgrading again
    brings both back, once."""
    config = alembic_config(store.engine)
    command.downgrade(config, "0004")
    assert not CASE_TABLES & set(inspect(store.engine).get_table_names())
    assert all(not roles for roles in _grants(store).values())
    command.upgrade(config, "head")
    assert _grants(store) == GRANTED


def test_references_count_per_kind_and_year(store: Store) -> None:
    """Complaints and appeals are numbered apart, from 1 each year, six digits wide."""
    with transaction(store.sessions) as session:
        given_out = [
            next_reference(session, "complaint", 2026),
            next_reference(session, "complaint", 2026),
            next_reference(session, "appeal", 2026),
            next_reference(session, "complaint", 2027),
        ]
    assert given_out == ["TS2026-000001", "TS2026-000002", "SS2026-000001", "TS2027-000001"]


def test_two_workers_allocating_at_once_never_share_a_reference(store: Store) -> None:
    """Two threads taking 15 references each, in their own transactions at the same time,
    get 30 different ones: exactly 1 to 30."""
    start = threading.Barrier(2)
    taken: list[list[str]] = [[], []]
    failures: list[BaseException] = []

    def allocate(slot: int) -> None:
        try:
            start.wait()
            for _ in range(15):
                with transaction(store.sessions) as session:
                    taken[slot].append(next_reference(session, "appeal", 2026))
        except BaseException as error:
            failures.append(error)

    workers = [threading.Thread(target=allocate, args=(slot,)) for slot in (0, 1)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    every = taken[0] + taken[1]
    assert sorted(every) == [f"SS2026-{number:06d}" for number in range(1, 31)]


def test_a_case_round_trips_with_its_sealed_bytes_and_moments(store: Store) -> None:
    """A kept case reads back field for field at version 1, its sealed fields as the same
    bytes and its moments in UTC."""
    sealed = b"gAAAA\x00\xff opaque"
    record = kept(store, "TS2026-000001", complainant_name=sealed, dispute_on=date(2026, 10, 1))
    with transaction(store.sessions) as session:
        again = load_case(session, "TS2026-000001")
        by_id = load_case_by_id(session, record.id)
    assert again == record == by_id
    assert again is not None
    assert again.complainant_name == sealed
    assert again.received_at == NOW
    assert again.version == 1
    assert again.dispute_on == date(2026, 10, 1)


def _answer_having_read_version_1(store: Store, case_id: int) -> None:
    """A second handler's answer, in one transaction: its step, then the case's change."""
    with transaction(store.sessions) as session:
        add_step(
            session,
            case_id,
            action="answer",
            source_state="received",
            target_state="answered",
            actor="second",
            organisation="zto",
            at=NOW,
        )
        update_case(session, case_id, 1, {"state": "answered", "answer": "sorry"}, now=NOW)


def test_a_stale_version_is_refused_and_writes_nothing(store: Store) -> None:
    """Two handlers read version 1; the first's change makes it 2; the second's, naming 1,
    is refused with a message naming the case, and nothing of its transaction is kept."""
    record = kept(store, "TS2026-000001")
    with transaction(store.sessions) as session:
        assert update_case(session, record.id, 1, {"state": "handling"}, now=NOW) == 2
    with pytest.raises(StaleRecordError) as refused:
        _answer_having_read_version_1(store, record.id)
    assert refused.value.message.params["reference"] == "TS2026-000001"
    with transaction(store.sessions) as session:
        now_kept = load_case(session, "TS2026-000001")
        assert case_steps(session, record.id) == []
    assert now_kept is not None
    assert (now_kept.state, now_kept.answer, now_kept.version) == ("handling", None, 2)


def test_a_case_imported_twice_from_one_source_is_refused(store: Store) -> None:
    """A source reference is unique within its channel: the same 12305 id again is a
    conflict; the same id from another channel, and cases without one, are not."""
    kept(store, "TS2026-000001", source_reference="12305-77")
    with pytest.raises(ConflictError), transaction(store.sessions) as session:
        insert_case(session, new_case("TS2026-000002", source_reference="12305-77"), now=NOW)
    kept(store, "TS2026-000003", source_reference="12305-77", channel="carrier_hotline")
    kept(store, "TS2026-000004")
    kept(store, "TS2026-000005")
    with transaction(store.sessions) as session:
        assert query_cases(session)[1] == 4


def test_steps_are_numbered_in_the_order_taken(store: Store) -> None:
    """Three steps get 1, 2, 3 and read back in that order with their states."""
    record = kept(store, "TS2026-000001")
    moves = [("accept", "received", "handling"), ("answer", "handling", "answered")]
    with transaction(store.sessions) as session:
        numbers = [
            add_step(
                session,
                record.id,
                action=action,
                source_state=source,
                target_state=target,
                actor="王 @ zto-sc",
                organisation="zto-sc",
                at=NOW,
                note=None,
            )
            for action, source, target in [("open", "", "received"), *moves]
        ]
        history = case_steps(session, record.id)
    assert numbers == [1, 2, 3]
    assert [(step.action, step.target_state) for step in history] == [
        ("open", "received"),
        ("accept", "handling"),
        ("answer", "answered"),
    ]


def _clock(store: Store, case_id: int, due: datetime | None, key: str = "complaint.answer") -> int:
    with transaction(store.sessions) as session:
        return start_clock(
            session,
            case_id,
            rule_key=key,
            basis="calendar_days",
            limit_value=7,
            source="快递暂行条例 第二十八条",
            started_at=NOW,
            due_at=due,
            outcome="running" if due else "unscheduled",
            reason=None if due else "calendar year 2027 not loaded",
        )


def test_a_reminder_is_raised_once(store: Store) -> None:
    """The same reminder asked for twice, in one transaction or two, is created once; the
    other kinds of the same clock are their own."""
    record = kept(store, "TS2026-000001")
    clock_id = _clock(store, record.id, NOW - timedelta(hours=1))
    with transaction(store.sessions) as session:
        first = insert_reminder_once(session, clock_id, "due", None, NOW)
        again = insert_reminder_once(session, clock_id, "due", None, NOW)
    with transaction(store.sessions) as session:
        later = insert_reminder_once(session, clock_id, "due", None, NOW)
        breach = insert_reminder_once(session, clock_id, "breach", None, NOW)
    assert (first, again, later, breach) == (True, False, False, True)


@pytest.mark.parametrize("first_commits", [True, False])
def test_two_sweeps_at_once_raise_one_reminder(store: Store, first_commits: bool) -> None:
    """Two workers raise one reminder at the same moment in open transactions: the second
    waits for the first and gets False when the first commits; True when it rolls back (the
    reminder must still be raised once)."""
    record = kept(store, "TS2026-000001")
    clock_id = _clock(store, record.id, NOW - timedelta(hours=1))
    inserted = threading.Event()
    results: dict[str, bool] = {}
    moments: dict[str, float] = {}
    failures: list[BaseException] = []

    def first() -> None:
        try:
            with store.sessions() as session, session.begin() as outer:
                results["first"] = insert_reminder_once(session, clock_id, "breach", None, NOW)
                inserted.set()
                clock_time.sleep(0.6)
                if not first_commits:
                    outer.rollback()
            moments["first ended"] = clock_time.monotonic()
        except BaseException as error:
            failures.append(error)
            inserted.set()

    def second() -> None:
        try:
            inserted.wait()
            with transaction(store.sessions) as session:
                results["second"] = insert_reminder_once(session, clock_id, "breach", None, NOW)
                moments["second answered"] = clock_time.monotonic()
        except BaseException as error:
            failures.append(error)

    workers = [threading.Thread(target=first), threading.Thread(target=second)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    assert results == {"first": True, "second": not first_commits}
    # the second asked while the first's transaction was open, and was answered only after
    assert moments["second answered"] >= moments["first ended"] - 0.05
    with store.engine.connect() as connection:
        count = connection.scalar(text("SELECT count(*) FROM case_reminders"))
    assert count == 1


def test_a_breach_is_recorded_once_and_only_when_due(store: Store) -> None:
    """A running clock past its deadline is marked breached once; a clock not due yet, or
    stopped as met, is not marked at all."""
    record = kept(store, "TS2026-000001")
    overdue = _clock(store, record.id, NOW - timedelta(minutes=1))
    early = _clock(store, record.id, NOW + timedelta(days=1), "appeal.answer_user")
    met = _clock(store, record.id, NOW - timedelta(days=1), "appeal.register")
    with transaction(store.sessions) as session:
        stop_clock(session, met, outcome="met", stopped_at=NOW - timedelta(days=2))
        assert [clock.id for clock in clocks_due(session, before=NOW)] == [overdue]
        marks = [mark_breached_once(session, clock, NOW) for clock in (overdue, overdue)]
        assert marks == [True, False]
        assert not mark_breached_once(session, early, NOW)
        assert not mark_breached_once(session, met, NOW)
        breached = {clock.id: clock.breached_at for clock in case_clocks(session, record.id)}
    assert breached == {overdue: NOW, early: None, met: None}


def test_the_sweep_lock_is_held_by_one_transaction_at_a_time(store: Store) -> None:
    """PostgreSQL: while one transaction holds the sweep's lock another does not get it,
    and gets it once the first ends. SQLite: every sweep may run (its writes serialise)."""
    with transaction(store.sessions) as holder:
        assert sweep_lock(holder)
        with transaction(store.sessions) as other:
            assert sweep_lock(other) is (store.backend != "postgresql")
    with transaction(store.sessions) as later:
        assert sweep_lock(later)


def test_clocks_pause_resume_stop_and_wait_for_their_year(store: Store) -> None:
    """A paused clock is not due; resumed, it runs to its new deadline; stopping it twice
    stops it once; an unscheduled clock waits for its year and takes its deadline once."""
    record = kept(store, "SS2026-000001", kind="appeal")
    running = _clock(store, record.id, NOW - timedelta(hours=2), "appeal.answer_user")
    waiting = _clock(store, record.id, None, "appeal.register")
    with transaction(store.sessions) as session:
        assert pause_clock(session, running, paused_at=NOW, reason="waiting for the user")
        assert clocks_due(session, before=NOW) == []
        later = NOW + timedelta(days=3)
        assert resume_clock(session, running, due_at=later)
        assert running_clock(session, record.id, "appeal.answer_user") is not None
        assert clocks_due(session, before=NOW) == []
        assert [clock.id for clock in unscheduled_clocks(session, 2027)] == [waiting]
        assert unscheduled_clocks(session, 2025) == []
        assert schedule_clock(session, waiting, due_at=later)
        assert not schedule_clock(session, waiting, due_at=later)
        assert stop_clock(session, running, outcome="met", stopped_at=NOW)
        assert not stop_clock(session, running, outcome="breached", stopped_at=later)
        clocks = {clock.id: clock for clock in case_clocks(session, record.id)}
        assert running_clock(session, record.id, "appeal.answer_user") is None
    assert (clocks[running].outcome, clocks[running].stopped_at) == ("met", NOW)
    assert (clocks[waiting].outcome, clocks[waiting].due_at) == ("running", later)


@pytest.fixture
def desk(store: Store) -> Store:
    """Cases across Sichuan and Chongqing: ZTO in Chengdu (5101xx) and Mianyang (510703), SF
    in Chengdu, and YTO in Chongqing (500101); one ZTO appeal not yet forwarded. Received two
    hours apart from 16:00 China time on 9 October: four that day, three on the 10th."""
    regions = [
        ("TS2026-000001", "ZTO", "510107", "complaint", None),
        ("TS2026-000002", "ZTO", "510104", "complaint", None),
        ("TS2026-000003", "ZTO", "510703", "complaint", None),
        ("TS2026-000004", "SF", "510107", "complaint", None),
        ("TS2026-000005", "YTO", "500101", "complaint", None),
        ("SS2026-000001", "ZTO", "510107", "appeal", None),
        ("SS2026-000002", "ZTO", "510107", "appeal", "zto-sc"),
    ]
    with transaction(store.sessions) as session:
        company = OrganisationRow(
            code="zto-sc",
            name="中通快递四川",
            kind="carrier",
            region="510000",
            carrier="ZTO",
            disabled=False,
            created_at=NOW,
        )
        session.add(company)
        session.flush()
        organisations = {"zto-sc": company.id}
    for number, (reference, carrier, region, kind, forwarded) in enumerate(regions):
        kept(
            store,
            reference,
            carrier=carrier,
            region=region,
            kind=kind,
            received_at=NOW + timedelta(hours=2 * number),
            carrier_organisation_id=organisations[forwarded] if forwarded else None,
        )
    return store


def _references(store: Store, **filters: object) -> list[str]:
    with transaction(store.sessions) as session:
        found, total = query_cases(session, order="reference", **filters)  # type: ignore[arg-type]
    assert total == len(found)
    return [case.reference for case in found]


def test_a_territory_prefix_keeps_exactly_its_regions(desk: Store) -> None:
    """``5101`` is Chengdu's districts only, ``51`` all of Sichuan, ``5107`` Mianyang; a
    pattern character matches nothing, and so does the "reaches nothing" prefix ``\\x00``."""
    assert _references(desk, region_prefix="5101", kinds=["complaint"]) == [
        "TS2026-000001",
        "TS2026-000002",
        "TS2026-000004",
    ]
    assert _references(desk, region_prefix="5107") == ["TS2026-000003"]
    assert len(_references(desk, region_prefix="51")) == 6
    assert _references(desk, region_prefix="%") == []
    assert _references(desk, region_prefix="5_01") == []
    assert _references(desk, region_prefix="\x00") == []


def test_a_carrier_sees_its_brand_and_only_forwarded_appeals(desk: Store) -> None:
    """ZTO's view: its complaints anywhere and the appeal forwarded to it, not SF's or YTO's
    cases, nor the appeal still at the administration."""
    assert _references(desk, brand="ZTO", forwarded_appeals_only=True) == [
        "SS2026-000002",
        "TS2026-000001",
        "TS2026-000002",
        "TS2026-000003",
    ]


def test_the_desk_filters_search_days_and_pages(desk: Store) -> None:
    """Search is case-insensitive over reference, waybill and summary; a day bound is a
    whole China day; a page holds ``limit`` cases of the full count."""
    assert len(_references(desk, search="FIVE DAYS")) == 7
    assert _references(desk, search="ss2026-000002") == ["SS2026-000002"]
    assert _references(desk, search="100%") == []
    # 16:00, 18:00, 20:00, 22:00 on the 9th; 00:00, 02:00, 04:00 on the 10th (China time),
    # while in UTC all seven fall on the 9th
    assert _references(desk, received_to=date(2026, 10, 9), kinds=["complaint"]) == [
        "TS2026-000001",
        "TS2026-000002",
        "TS2026-000003",
        "TS2026-000004",
    ]
    assert len(_references(desk, received_from=date(2026, 10, 10))) == 3
    assert len(_references(desk, received_from=NOW, received_to=NOW + timedelta(hours=2))) == 1
    with transaction(desk.sessions) as session:
        page, total = query_cases(session, offset=2, limit=2)
        with pytest.raises(InvalidInputError):
            query_cases(session, order="carrier; DROP TABLE cases")
    assert total == 7
    # newest first: received at NOW+12h, +10h, … so the third and fourth are +8h and +6h
    assert [case.received_at for case in page] == [NOW + timedelta(hours=h) for h in (8, 6)]


def test_overdue_keeps_cases_with_a_running_clock_past_due(desk: Store) -> None:
    """Only a case with a running clock whose deadline has passed is overdue."""
    with transaction(desk.sessions) as session:
        first = load_case(session, "TS2026-000001")
        second = load_case(session, "TS2026-000002")
    assert first is not None and second is not None
    _clock(desk, first.id, NOW - timedelta(hours=1))
    _clock(desk, second.id, NOW + timedelta(hours=1))
    assert _references(desk, overdue_before=NOW) == ["TS2026-000001"]


REGION_CODES = ["510107", "510104", "510703", "500101", "110105", "510100", "511000"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(prefix=st.text(alphabet="0125_%\\", max_size=6))
def test_region_prefix_filter_is_pythons_startswith(store: Store, prefix: str) -> None:
    """For any prefix of digits and pattern characters, the cases found are exactly those
    whose region starts with it, as Python's ``str.startswith`` says."""
    with transaction(store.sessions) as session:
        if not query_cases(session, limit=1)[1]:
            for number, region in enumerate(REGION_CODES, start=1):
                insert_case(session, new_case(f"TS2026-{number:06d}", region=region), now=NOW)
        found, _total = query_cases(session, region_prefix=prefix, limit=None)
    assert sorted(case.region for case in found) == sorted(
        region for region in REGION_CODES if region.startswith(prefix)
    )


def test_evidence_is_kept_once_per_hash_and_only_through_its_case(store: Store) -> None:
    """The same photo attached to two cases is stored once; attaching it again to one case
    adds nothing; a case reads its own files, not another's by hash; a wrong hash is
    refused."""
    photo = b"\x89PNG fake photo of a torn box"
    digest = hashlib.sha256(photo).hexdigest()
    first = kept(store, "TS2026-000001")
    second = kept(store, "TS2026-000002")
    third = kept(store, "TS2026-000003")
    with transaction(store.sessions) as session:
        attached = [
            add_attachment(
                session,
                case.id,
                sha256=digest,
                file_name="box.png",
                media_type="image/png",
                content=photo,
                added_by="李 @ zto-sc",
                at=NOW,
            )
            for case in (first, second, first)
        ]
        blobs = session.scalar(select(func.count()).select_from(AttachmentBlobRow))
        assert attachment_content(session, first.id, digest) == photo
        assert attachment_content(session, third.id, digest) is None
        files = case_attachments(session, first.id)
        with pytest.raises(ValueError, match="sha256"):
            add_attachment(
                session,
                third.id,
                sha256="0" * 64,
                file_name="x",
                media_type="text/plain",
                content=b"x",
                added_by="x",
                at=NOW,
            )
    assert attached == [True, True, False]
    assert blobs == 1
    assert [(f.file_name, f.size) for f in files] == [("box.png", len(photo))]


def test_a_notice_replaces_the_one_loaded_before(store: Store) -> None:
    """A year's notice reads back as loaded; loading the year again replaces it."""
    rest = [date(2027, 2, 6), date(2027, 2, 5)]
    with transaction(store.sessions) as session:
        save_notice(session, 2027, rest, [date(2027, 2, 14)], "draft", "admin", NOW)
        save_notice(session, 2027, rest, [date(2027, 2, 20)], "国办发明电〔2026〕1号", "admin", NOW)
        save_notice(session, 2028, [], [], "later", "admin", NOW)
    with transaction(store.sessions) as session:
        notices = load_notices(session)
    assert notices == [
        (2027, sorted(rest), [date(2027, 2, 20)], "国办发明电〔2026〕1号"),
        (2028, [], [], "later"),
    ]


def test_retention_removes_personal_data_once(store: Store) -> None:
    """A case past its retention loses its complainant's data (and its version rises); a
    case still within it, or already cleared, is not touched."""
    sealed = {
        "complainant_name": b"n",
        "complainant_phone": b"p",
        "complainant_address": b"a",
        "complainant_phone_hash": "f" * 64,
    }
    old = kept(store, "TS2023-000001", retention_until=NOW - timedelta(days=1), **sealed)
    kept(store, "TS2026-000001", retention_until=NOW + timedelta(days=1), **sealed)
    with transaction(store.sessions) as session:
        due = cases_past_retention(session, NOW)
        assert [case.reference for case in due] == ["TS2023-000001"]
        assert remove_personal_data(session, old.id, NOW)
        assert not remove_personal_data(session, old.id, NOW)
        assert cases_past_retention(session, NOW) == []
        cleared = load_case_by_id(session, old.id)
    assert cleared is not None
    assert (cleared.complainant_name, cleared.complainant_phone, cleared.complainant_address) == (
        None,
        None,
        None,
    )
    assert cleared.complainant_phone_hash is None
    assert (cleared.personal_data_removed_at, cleared.version) == (NOW, 2)
