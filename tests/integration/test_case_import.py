"""Importing a 12305 or carrier export on each engine: a clean file opens its every case with
its clocks; one bad row, or one row outside what the importer may record, stores nothing; a
second import of the same export adds nothing and says how many it skipped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from peakguard.app import accounts
from peakguard.app.audit import audit_entries
from peakguard.app.case_drafts import CaseQuery
from peakguard.app.case_import import import_cases
from peakguard.app.cases import get_case, list_cases
from peakguard.app.context import open_store
from peakguard.config import Settings
from peakguard.errors import ForbiddenError, InvalidInputError
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.store.database import Store

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cases-12305.csv"
CHINA = timezone(timedelta(hours=8))
NOW = datetime(2026, 10, 8, 9, 0, tzinfo=CHINA)
"""The first working day after the 2026 National Day holiday (Oct 1–7; Oct 10 is worked)."""
CARRIER_HEADER = "工单编号,类型,受理时间,快递企业,地区代码,投诉渠道,问题类型,投诉内容,紧急\n"


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """A migrated database with the Chengdu desk (a city regulator) and ZTO's Sichuan company."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path, language="en"))
    yield opened
    opened.engine.dispose()


def _member(store: Store, organisation: Organisation) -> Principal:
    """A handler of ``organisation`` (kept in the store) with every case permission."""
    made = accounts.create_organisation(store, LOCAL_ADMINISTRATOR, organisation)
    return Principal("handler", made, frozenset(Permission), Channel.token)


@pytest.fixture
def chengdu(store: Store) -> Principal:
    """The Chengdu city desk: records the appeals of 5101xx."""
    city = Organisation(
        "sc-chengdu", "成都市邮政管理局", OrganisationKind.regulator, RegulatorLevel.city, "510100"
    )
    return _member(store, city)


@pytest.fixture
def zto_sichuan(store: Store) -> Principal:
    """ZTO's Sichuan company: records ZTO's complaints in 51xxxx."""
    company = Organisation(
        "zto-sc", "中通四川", OrganisationKind.carrier, region="510000", carrier="ZTO"
    )
    return _member(store, company)


def _all(store: Store) -> int:
    return list_cases(store, CaseQuery(), actor=LOCAL_ADMINISTRATOR, now=NOW).total


def test_the_example_export_opens_five_appeals_with_their_clocks(
    store: Store, chengdu: Principal
) -> None:
    """The documented 12305 export opens five appeals. Each was received during the National
    Day holiday (Oct 2–6), so registration (2 working days) is due at the end of Fri Oct 9 for
    all of them; the answer to the user (30 calendar days) from Fri Oct 2 falls on Sun Nov 1,
    a rest day, so it moves to Mon Nov 2; from Tue Oct 6 it is Thu Nov 5."""
    report = import_cases(store, EXAMPLE, actor=chengdu, now=NOW)
    assert (report.created, report.skipped_existing) == (5, 0)
    assert report.ignored_columns == ("处理状态",)
    assert _all(store) == 5
    views = [get_case(store, reference, actor=chengdu, now=NOW) for reference in report.references]
    assert [view.carrier for view in views] == ["ZTO", "SF", "YUNDA", "JD", "JT"]
    assert {view.state for view in views} == {"received"}
    due = [{clock.rule_key: clock.due_at for clock in view.clocks} for view in views]
    end_of_oct_9 = datetime(2026, 10, 10, tzinfo=CHINA)
    assert all(clocks["appeal.register"] == end_of_oct_9 for clocks in due)
    assert due[0]["appeal.answer_user"] == datetime(2026, 11, 3, tzinfo=CHINA)
    assert due[4]["appeal.answer_user"] == datetime(2026, 11, 6, tzinfo=CHINA)
    assert views[0].complainant.in_clear is False and views[0].complainant.name == "张*"
    assert views[0].received_at == datetime(2026, 10, 2, 1, 15, tzinfo=UTC)


def test_one_bad_row_stores_nothing_and_is_located(store: Store, chengdu: Principal) -> None:
    """A phone of letters and a region GB/T 2260 does not know in the fourth row (line 5): the
    import is refused with both located, and not one of the other four cases is kept."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace("13800000004", "call-me").replace("510108", "519999")
    data = "\n".join(lines).encode("gb18030")
    with pytest.raises(InvalidInputError) as caught:
        import_cases(store, data, "12305导出.csv", actor=chengdu, now=NOW)
    assert [problem.location for problem in caught.value.problems] == [
        "12305导出.csv row 5, column 地区代码 (region)",
        "12305导出.csv row 5, column 联系电话 (phone)",
    ]
    assert "nothing was imported" in caught.value.render("en")
    assert _all(store) == 0


def test_a_second_import_of_the_same_export_adds_nothing(store: Store, chengdu: Principal) -> None:
    """Importing the export again skips its five cases (same channel and 申诉编号) and says so;
    a later export with one new case adds that one only. One audit entry per import, with its
    counts and no personal data."""
    import_cases(store, EXAMPLE, actor=chengdu, now=NOW)
    again = import_cases(store, EXAMPLE, actor=chengdu, now=NOW)
    assert (again.created, again.skipped_existing, again.references) == (0, 5, ())
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines.append(lines[1].replace("SS202610020001", "SS202610070006"))
    later = import_cases(store, "\n".join(lines).encode(), "later.csv", actor=chengdu, now=NOW)
    assert (later.created, later.skipped_existing) == (1, 5)
    assert _all(store) == 6
    _total, entries = audit_entries(store, LOCAL_ADMINISTRATOR)
    imports = [entry for entry in entries if entry.action == "case.import"]
    assert sorted(entry.detail["created"] for entry in imports) == [0, 1, 5]
    assert all("13800000001" not in str(e.detail) and "张三" not in str(e.detail) for e in entries)


def test_a_carrier_importing_another_brands_complaint_gets_that_row_located(
    store: Store, zto_sichuan: Principal
) -> None:
    """ZTO's Sichuan company imports its hotline's export: an SF complaint in it is located at
    its carrier cell, an appeal at its kind, a Guangdong one at its region; nothing is stored.
    Without them, its complaints open with the 7-day answer clock, and the emergency work
    order with the 24-hour answer and 48-hour call-back clocks."""
    rows = [
        "T1,投诉,2026-10-08 10:00,中通,510104,客服热线,延误,未送达,否",
        "T2,投诉,2026-10-08 10:05,顺丰,510104,客服热线,延误,未送达,否",
        "T3,申诉,2026-10-08 10:10,中通,510104,客服热线,延误,未送达,否",
        "T4,投诉,2026-10-08 10:15,ZTO,440305,客服热线,丢失,丢件,否",
        "T5,投诉,2026-10-08 10:20,ZTO,510107,客服热线,延误,管控区内快件未送达,是",
    ]
    with pytest.raises(InvalidInputError) as caught:
        import_cases(
            store,
            (CARRIER_HEADER + "\n".join(rows)).encode(),
            "zto.csv",
            actor=zto_sichuan,
            now=NOW + timedelta(hours=3),
        )
    assert [problem.location for problem in caught.value.problems] == [
        "zto.csv row 3, column 快递企业 (carrier)",
        "zto.csv row 4, column 类型 (kind)",
        "zto.csv row 5, column 地区代码 (region)",
    ]
    assert _all(store) == 0
    kept = [rows[0], rows[4]]
    report = import_cases(
        store,
        (CARRIER_HEADER + "\n".join(kept)).encode(),
        "zto.csv",
        actor=zto_sichuan,
        now=NOW + timedelta(hours=3),
    )
    normal, emergency = (get_case(store, ref, actor=zto_sichuan) for ref in report.references)
    assert {c.rule_key: c.due_at for c in normal.clocks} == {
        "complaint.answer": datetime(2026, 10, 16, tzinfo=CHINA)  # end of Oct 8 + 7 days
    }
    assert emergency.emergency is True
    assert {c.rule_key: c.due_at for c in emergency.clocks} == {
        "emergency.answer": datetime(2026, 10, 9, 10, 20, tzinfo=CHINA),
        "emergency.call_back": datetime(2026, 10, 10, 10, 20, tzinfo=CHINA),
    }


def test_an_importer_without_the_permission_is_refused(store: Store) -> None:
    """Reading cases is not importing them: a desk without case.import is refused before the
    file is read."""
    reader = Principal(
        "reader",
        LOCAL_ADMINISTRATOR.organisation,
        frozenset({Permission.case_read, Permission.case_handle}),
        Channel.token,
    )
    with pytest.raises(ForbiddenError):
        import_cases(store, b"not even read", "cases.csv", actor=reader, now=NOW)
