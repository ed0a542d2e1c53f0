"""The real-name register on each engine: entries sealed and masked, found by ID through its
hash, revealed only with the permission and a reason (audited), the patterns flagged and
reviewed once (two reviews at once: one 409), the key rotated, the retention applied."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from peakguard.app import accounts
from peakguard.app.context import open_store
from peakguard.app.real_name import (
    get_flag,
    list_flags,
    reveal_entry,
    review_flag,
    search_register,
)
from peakguard.app.real_name_admin import (
    EmployeeDraft,
    prune_register,
    register_employees,
    rotate_register,
)
from peakguard.app.real_name_intake import EntryDraft, import_register_file, record_entries
from peakguard.cases.real_name import IdType
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
from peakguard.store.real_name_tables import RealNameEntryRow

CHINA = ZoneInfo("Asia/Shanghai")
ADMIN = LOCAL_ADMINISTRATOR
NOW = datetime(2026, 11, 12, 12, 0, tzinfo=CHINA)
ACCEPTED = datetime(2026, 11, 11, 9, 0, tzinfo=CHINA)
PUBLISHED_ID = "11010519491231002X"
"""GB 11643's worked example."""
OTHER_ID = "440524188001010014"
WRONG_CHECK = "110105194912310021"
CREDIT_CODE = "91350100M000100Y43"
READER = frozenset({Permission.realname_read})
WRITER = frozenset({Permission.realname_write, Permission.realname_read})
INSPECTOR = frozenset({Permission.realname_read, Permission.realname_reveal})


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """ZTO's and YTO's Sichuan companies, the Sichuan and Chengdu offices."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    for code, kind, carrier, level, region in (
        ("zto-sc", OrganisationKind.carrier, "ZTO", None, "510000"),
        ("yto-sc", OrganisationKind.carrier, "YTO", None, "510000"),
        ("sc-post", OrganisationKind.regulator, None, RegulatorLevel.provincial, "510000"),
        ("cd-post", OrganisationKind.regulator, None, RegulatorLevel.city, "510100"),
    ):
        organisation = Organisation(
            code=code, name=code, kind=kind, carrier=carrier, level=level, region=region
        )
        accounts.create_organisation(opened, ADMIN, organisation)
    yield opened
    opened.engine.dispose()


def who(store: Store, code: str, permissions: frozenset[Permission], name: str = "u") -> Principal:
    found = {item.code: item for item in accounts.list_organisations(store, ADMIN)}
    return Principal(name, found[code], permissions, Channel.session)


def entry(waybill: str, number: str = PUBLISHED_ID, **changes: object) -> EntryDraft:
    draft = EntryDraft(
        waybill=waybill,
        carrier="ZTO",
        sender_name="张三丰",
        id_type=IdType.resident_id,
        id_number=number,
        outlet="ZTO-CD-WH01",
        region="510107",
        accepted_at=ACCEPTED,
        accepted_by="E001",
    )
    return replace(draft, **changes)  # type: ignore[arg-type]


def audit_actions(store: Store) -> list[tuple[str, str, dict[str, object]]]:
    with transaction(store.sessions) as session:
        _total, entries = query_entries(session, limit=1000)
    return [(e.action, e.record_id, e.detail) for e in entries]


def test_entries_are_sealed_found_by_hash_and_shown_masked(store: Store) -> None:
    """The database holds no ID in clear; a search by the ID in another spelling finds it;
    the view shows **************002X and 张**; the search is audited without the ID."""
    zto = who(store, "zto-sc", WRITER)
    report = record_entries(store, zto, [entry("ZT1"), entry("ZT2", OTHER_ID)], now=NOW)
    assert (report.created, report.invalid_ids) == (2, 0)
    with transaction(store.sessions) as session:
        rows = list(session.scalars(select(RealNameEntryRow)))
    for row in rows:
        assert PUBLISHED_ID.encode() not in bytes(row.id_number)
        assert "张三丰".encode() not in bytes(row.sender_name)
        assert PUBLISHED_ID not in row.id_hash
    found = search_register(store, zto, id_number="110105 19491231 002x", now=NOW)
    assert found.total == 1
    view = found.entries[0]
    assert (view.waybill, view.id_number, view.sender_name) == (
        "ZT1",
        "**************002X",
        "张**",
    )
    searches = [a for a in audit_actions(store) if a[0] == "realname.search"]
    assert searches and searches[0][2] == {"found": 1}
    assert PUBLISHED_ID not in repr(audit_actions(store))


def test_reach_regulator_territory_and_carrier_brand(store: Store) -> None:
    """Chengdu's office sees Chengdu's outlet, not Mianyang's; YTO sees none of ZTO's."""
    zto = who(store, "zto-sc", WRITER)
    record_entries(
        store, zto, [entry("ZT1"), entry("ZT2", outlet="ZTO-MY-01", region="510703")], now=NOW
    )
    chengdu = search_register(store, who(store, "cd-post", READER))
    assert [e.waybill for e in chengdu.entries] == ["ZT1"]
    assert search_register(store, who(store, "sc-post", READER)).total == 2
    assert search_register(store, who(store, "yto-sc", WRITER)).total == 0
    with pytest.raises(InvalidInputError) as refused:
        record_entries(store, who(store, "yto-sc", WRITER), [entry("ZT9")], now=NOW)
    assert refused.value.problems[0].location == "entries[0].carrier"


def test_reveal_needs_the_permission_and_a_reason_and_is_audited(store: Store) -> None:
    """The carrier cannot reveal; the inspector must state why; the read is an entry naming
    the reader, the entry and the reason."""
    record_entries(store, who(store, "zto-sc", WRITER), [entry("ZT1")], now=NOW)
    inspector = who(store, "sc-post", INSPECTOR, "inspector-li")
    entry_id = search_register(store, inspector).entries[0].id
    with pytest.raises(ForbiddenError):
        reveal_entry(store, who(store, "zto-sc", WRITER), entry_id, reason="checking a case")
    with pytest.raises(InvalidInputError):
        reveal_entry(store, inspector, entry_id, reason="  ")
    with pytest.raises(NotFoundError):
        reveal_entry(store, who(store, "cd-post", INSPECTOR), entry_id + 99, reason="checking")
    shown = reveal_entry(store, inspector, entry_id, reason="明察暗访 核对寄件人", now=NOW)
    assert (shown.sender_name, shown.id_number) == ("张三丰", PUBLISHED_ID)
    reveals = [a for a in audit_actions(store) if a[0] == "realname.reveal"]
    assert reveals == [
        (
            "realname.reveal",
            str(entry_id),
            {
                "carrier": "ZTO",
                "waybill": "ZT1",
                "fields": ["sender_name", "id_number"],
                "reason": "明察暗访 核对寄件人",
            },
        )
    ]


def test_an_invalid_id_is_kept_and_flagged_or_refused_at_the_counter(store: Store) -> None:
    """A carrier's record of an accepted invalid ID is kept and flagged; asked for the
    counter's rule, the batch is refused with the ID masked and nothing is stored."""
    zto = who(store, "zto-sc", WRITER)
    with pytest.raises(InvalidInputError) as refused:
        record_entries(store, zto, [entry("ZT0"), entry("ZT1", WRONG_CHECK)], refuse_invalid=True)
    problem = refused.value.problems[0]
    assert problem.location == "entries[1].id_number"
    assert WRONG_CHECK not in repr(refused.value.problems) + str(refused.value)
    assert "**************0021" in repr(problem.message.params)
    assert search_register(store, zto).total == 0
    report = record_entries(store, zto, [entry("ZT1", WRONG_CHECK)], now=NOW)
    assert (report.created, report.invalid_ids, report.flags_raised) == (1, 1, 1)
    flags = list_flags(store, who(store, "sc-post", READER)).flags
    assert [(f.kind, f.id_number, f.state) for f in flags] == [
        ("invalid_id", "**************0021", "open")
    ]


def test_one_id_on_thirty_parcels_a_day_is_flagged_twenty_nine_not(store: Store) -> None:
    """29 parcels: no flag; the 30th: one volume_day flag with its figures; a credit code on
    100 parcels is a company and no flag; sending the batch again adds nothing."""
    zto = who(store, "zto-sc", WRITER)
    batch = [entry(f"ZT{n:03d}") for n in range(29)]
    assert record_entries(store, zto, batch, now=NOW).flags_raised == 0
    company = [
        entry(f"CO{n:03d}", CREDIT_CODE, id_type=IdType.credit_code, sender_name="某某公司")
        for n in range(100)
    ]
    assert record_entries(store, zto, company, now=NOW).flags_raised == 0
    report = record_entries(store, zto, [entry("ZT999", accepted_by="E002")], now=NOW)
    assert report.flags_raised == 1
    (flag,) = list_flags(store, zto).flags
    assert (flag.kind, flag.figures["day_parcels"], flag.figures["employees"]) == (
        "volume_day",
        30,
        2,
    )
    again = record_entries(store, zto, batch, now=NOW)
    assert (again.created, again.skipped_existing, again.flags_raised) == (0, 29, 0)


def test_an_employees_own_id_on_a_parcel_they_accepted_is_flagged(store: Store) -> None:
    """E007 registers with OTHER_ID; a parcel under that ID accepted by E007 is flagged, the
    employees list shows codes only."""
    zto = who(store, "zto-sc", WRITER)
    registered = register_employees(
        store, zto, [EmployeeDraft("E007", IdType.resident_id, OTHER_ID)], now=NOW
    )
    assert (registered.added, registered.flags_raised) == (1, 0)
    record_entries(store, zto, [entry("ZT1", OTHER_ID, accepted_by="E007")], now=NOW)
    (flag,) = list_flags(store, zto, kind="employee_id").flags
    assert (flag.employee_code, flag.figures["self_accepted"]) == ("E007", 1)
    with pytest.raises(InvalidInputError) as refused:
        register_employees(store, zto, [EmployeeDraft("E008", IdType.resident_id, WRONG_CHECK)])
    assert WRONG_CHECK not in repr(refused.value.problems)


def test_a_flag_is_reviewed_once_and_two_reviews_at_once_give_one_conflict(store: Store) -> None:
    """Two reviewers on version 1 at once: one decision is kept, the other gets 409; a
    decided flag cannot be decided again; both are in the audit trail once."""
    zto = who(store, "zto-sc", WRITER)
    record_entries(store, zto, [entry("ZT1", WRONG_CHECK)], now=NOW)
    flag = list_flags(store, zto).flags[0]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(actor: Principal, decision: str) -> None:
        barrier.wait()
        try:
            review_flag(
                store, actor, flag.id, decision=decision, expected_version=1, reason="核实无误"
            )
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("409")

    threads = [
        threading.Thread(target=decide, args=(who(store, "sc-post", INSPECTOR), "confirm")),
        threading.Thread(target=decide, args=(zto, "dismiss")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["409", "ok"]
    decided = get_flag(store, zto, flag.id)
    assert decided.version == 2 and decided.state in ("confirmed", "dismissed")
    with pytest.raises(StaleRecordError):
        review_flag(store, zto, flag.id, decision="dismiss", expected_version=1, reason="again")
    with pytest.raises(ConflictError):
        review_flag(store, zto, flag.id, decision="dismiss", expected_version=2, reason="again")
    decisions = [a for a in audit_actions(store) if a[0].startswith("realname.flag.c")]
    decisions += [a for a in audit_actions(store) if a[0].startswith("realname.flag.d")]
    assert len(decisions) == 1


def test_rotation_reseals_under_the_new_key_and_search_still_finds(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    """After rotating to a new key, entries open with the new key alone, a search by ID
    finds them, their flags follow the new hash; employees are reported stale."""
    zto = who(store, "zto-sc", WRITER)
    record_entries(store, zto, [entry("ZT1", WRONG_CHECK), entry("ZT2")], now=NOW)
    register_employees(store, zto, [EmployeeDraft("E007", IdType.resident_id, OTHER_ID)])
    old_key = store.personal_key
    rotated = replace(store, personal_key=b"a-new-secret-of-the-deployment-0123456789")
    report = rotate_register(rotated, ADMIN, [old_key], now=NOW)
    assert (report.entries, report.flags, report.employees_stale) == (2, 1, 1)
    found = search_register(rotated, zto, id_number=WRONG_CHECK)
    assert [e.id_number for e in found.entries] == ["**************0021"]
    assert list_flags(rotated, zto, id_number=WRONG_CHECK).total == 1
    inspector = who(store, "sc-post", INSPECTOR)
    shown = reveal_entry(rotated, inspector, found.entries[0].id, reason="after rotation")
    assert shown.id_number == WRONG_CHECK
    again = rotate_register(rotated, ADMIN, [], now=NOW)
    assert again.entries == 2


def test_retention_removes_old_entries_and_keeps_their_flags(store: Store) -> None:
    """A year and a day later the entry is gone; its flag stays, with the ID no longer shown."""
    zto = who(store, "zto-sc", WRITER)
    record_entries(store, zto, [entry("ZT1", WRONG_CHECK)], now=NOW)
    assert prune_register(store, ADMIN, now=ACCEPTED + timedelta(days=365)) == 0
    assert prune_register(store, ADMIN, now=ACCEPTED + timedelta(days=366)) == 1
    assert search_register(store, zto).total == 0
    (flag,) = list_flags(store, zto).flags
    assert (flag.entry_id, flag.id_number) == (None, "—")


def test_a_file_with_bad_cells_stores_nothing_and_never_repeats_an_id(
    store: Store, tmp_path: Path
) -> None:
    """Every bad cell located by row and column; no full ID in any message; the corrected
    file is stored whole with its invalid ID kept and flagged."""
    header = "运单号,快递企业,寄件人姓名,证件类型,证件号码,收寄网点,行政区划代码,收寄时间,工号\n"
    good = f"ZT1,中通,张三,居民身份证,{PUBLISHED_ID},ZTO-CD-01,510107,2026-11-11 09:00,E001\n"
    bad = (
        f"ZT2,中通,,驾驶证,{OTHER_ID},ZTO-CD-01,5101,2026-11-11 09:00,E001\n"
        f"ZT3,中通,李四,居民身份证,{WRONG_CHECK},ZTO-CD-01,510107,2030-01-01 09:00,E001\n"
    )
    path = tmp_path / "register.csv"
    path.write_text(header + good + bad, encoding="utf-8")
    zto = who(store, "zto-sc", WRITER)
    with pytest.raises(InvalidInputError) as refused:
        import_register_file(store, zto, path, now=NOW)
    located = {p.location for p in refused.value.problems}
    assert located == {
        "register.csv row 3, column sender_name",
        "register.csv row 3, column id_type",
        "register.csv row 3, column region",
        "register.csv row 4, column accepted_at",
    }
    shown = repr(refused.value.problems) + str(refused.value)
    for number in (PUBLISHED_ID, OTHER_ID, WRONG_CHECK):
        assert number not in shown
    assert search_register(store, zto).total == 0
    fixed = bad.replace(",,驾驶证,", ",王五,护照,").replace("5101,", "510107,")
    fixed = fixed.replace(f"{OTHER_ID}", "E12345678").replace("2030-01-01", "2026-11-11")
    path.write_text(header + good + fixed, encoding="utf-8")
    report = import_register_file(store, zto, path, now=NOW)
    assert (report.created, report.invalid_ids, report.flags_raised) == (3, 1, 1)


def test_a_week_of_parcels_and_three_outlets_in_a_day_are_flagged_once(store: Store) -> None:
    """22 parcels a day (under 30) for 7 days: 154 in the window, one volume_window flag on
    the 7th day, not again on the 8th; three outlets in one day: one spread_day flag."""
    zto = who(store, "zto-sc", WRITER)
    for day in range(8):
        batch = [
            entry(f"W{day}-{n:02d}", OTHER_ID, accepted_at=ACCEPTED + timedelta(days=day))
            for n in range(22)
        ]
        record_entries(store, zto, batch, now=NOW + timedelta(days=day))
    window = list_flags(store, zto, kind="volume_window").flags
    assert [(f.day, f.figures["window_parcels"]) for f in window] == [
        ((ACCEPTED + timedelta(days=6)).date(), 154)
    ]
    assert list_flags(store, zto, kind="volume_day").total == 0
    spread = [entry(f"S{n}", outlet=f"ZTO-CD-0{n}") for n in range(3)]
    assert record_entries(store, zto, spread, now=NOW).flags_raised == 1
    (flag,) = list_flags(store, zto, kind="spread_day").flags
    assert flag.figures["outlets"] == 3
