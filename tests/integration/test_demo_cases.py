"""The demo's complaint desk on SQLite: a small season's complaints and appeals recorded by
the demo's organisations, every state of both workflows on the desk, the breaches of the
season's end recorded once however often the sweep runs, and a second run recording nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
import sqlalchemy as sa

from peakguard.app.case_drafts import CaseQuery
from peakguard.app.case_sweep import sweep_cases
from peakguard.app.cases import get_case, list_cases
from peakguard.app.context import open_store
from peakguard.app.demo_accounts import demo_accounts
from peakguard.app.demo_cases import DemoCases, record_demo_cases, season_end
from peakguard.cases.machines import states
from peakguard.cases.model import CaseKind
from peakguard.config import Settings
from peakguard.demo.complaints import ComplaintParameters
from peakguard.demo.season import double11_scenario
from peakguard.demo.sichuan import build_sichuan_network
from peakguard.domain.scans import CHINA_STANDARD_TIME as CHINA
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.store.database import Store, transaction

RATES = ComplaintParameters(
    late_rate=0.05,
    undelivered_rate=0.08,
    service_rate=0.02,
    appeal_if_answered=0.3,
    direct_appeal_rate=0.004,
)
"""Rates high enough for a small season to fill the desk (the demo's own are far lower)."""


def season_parcels() -> pa.Table:
    """1,600 ZTO and SF parcels of the Double 11 season, accepted on the hour from 5 November
    08:00 and due 48 hours later: 1,000 delivered 20 hours late, 250 still undelivered at the
    end, 350 in time; a fifth go to Deyang (closed on 12 November), the rest to Chengdu."""
    first = datetime(2026, 11, 5, 8, tzinfo=CHINA)
    kinds = ["late"] * 1000 + ["undelivered"] * 250 + ["in_time"] * 350
    rows = []
    for number, kind in enumerate(kinds):
        accepted = first + timedelta(hours=number % 240)
        due = accepted + timedelta(hours=48)
        delivered = {"late": due + timedelta(hours=20), "in_time": due - timedelta(hours=10)}
        carrier = "ZTO" if number % 2 == 0 else "SF"
        rows.append(
            {
                "waybill": f"{carrier}{number:012d}",
                "carrier": carrier,
                "origin_region": "440106",
                "destination_region": "510603" if number % 5 == 0 else "510104",
                "accepted_at": accepted,
                "due_at": due,
                "delivered_at": delivered.get(kind),
                "late": kind != "in_time",
                "trail_stopped": False,
            }
        )
    moment = pa.timestamp("us", tz="UTC")
    schema = pa.schema(
        [
            ("waybill", pa.string()),
            ("carrier", pa.string()),
            ("origin_region", pa.string()),
            ("destination_region", pa.string()),
            ("accepted_at", moment),
            ("due_at", moment),
            ("delivered_at", moment),
            ("late", pa.bool_()),
            ("trail_stopped", pa.bool_()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


@dataclass(frozen=True)
class Desk:
    store: Store
    recorded: DemoCases
    end: datetime


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """A SQLite database with the demo's organisations and users, and the small season's
    cases recorded by the demo (swept once, at the season's end)."""
    home = tmp_path_factory.mktemp("demo-cases")
    store = open_store(Settings(database_url=f"sqlite:///{home / 'db.sqlite'}", home=home))
    demo_accounts(store, ADMIN)
    scenario = double11_scenario()
    recorded = record_demo_cases(
        store,
        home / "lake",
        build_sichuan_network(),
        scenario,
        seed=5,
        actor=ADMIN,
        parameters=RATES,
        parcels=season_parcels(),
    )
    yield Desk(store, recorded, season_end(scenario))
    store.engine.dispose()


def every_case(store: Store, end: datetime) -> list[object]:
    """Every case as the national office's list shows it (all pages)."""
    found: list[object] = []
    while True:
        page = list_cases(store, CaseQuery(offset=len(found), limit=100), actor=ADMIN, now=end)
        found += page.cases
        if not page.cases or len(found) >= page.total:
            return found


def test_the_desk_shows_every_state_of_both_workflows(desk: Desk) -> None:
    """At the season's end the list holds a complaint in each of the complaint's six states
    and an appeal in each of the appeal's thirteen, and the summary counts what the list
    holds."""
    cases = every_case(desk.store, desk.end)
    held = Counter((case.kind, case.state) for case in cases)  # type: ignore[attr-defined]
    for kind in (CaseKind.complaint, CaseKind.appeal):
        for state in states(kind):
            assert held[(kind.value, state)] >= 1, (kind, state)
    assert desk.recorded.missing_states == ()
    assert desk.recorded.complaints + desk.recorded.appeals == len(cases)
    assert {(kind, state): n for kind, state, n in desk.recorded.held} == dict(held)
    assert desk.recorded.skipped_carriers == ("EMS", "JD", "STO", "YTO", "YUNDA")


def test_cases_are_recorded_and_worked_by_the_right_organisations(desk: Desk) -> None:
    """A complaint is opened by its brand's Sichuan company, an appeal by the Chengdu office
    for a Chengdu user and by the provincial office for a Deyang one; a carrier's reply to an
    appeal comes from the company it was forwarded to, and an emergency work order was
    called back by its carrier."""
    companies = {"ZTO": "zto-sc", "SF": "sf-sc"}
    called_back = False
    for brief in every_case(desk.store, desk.end):
        case = get_case(desk.store, brief.reference, actor=ADMIN, now=desk.end)  # type: ignore[attr-defined]
        opened = case.steps[0]
        if case.kind == "complaint":
            assert opened.organisation == companies[case.carrier]
            assert {step.organisation for step in case.steps[1:] if step.action != "escalate"} <= {
                companies[case.carrier]
            }
            called_back |= case.emergency and "call_back" in [s.action for s in case.steps]
        else:
            office = "spb-cd" if case.region.startswith("5101") else "spb-sc"
            assert opened.organisation == office
            for step in case.steps:
                carrier_step = step.action in ("carrier_reply", "mediation_reply")
                assert step.organisation == (companies[case.carrier] if carrier_step else office)
            if any(step.action == "forward" for step in case.steps):
                assert case.carrier_organisation == companies[case.carrier]
            if case.state == "rejected":
                assert case.linked_reference is None
                assert case.rejection_reason == "carrier_not_asked_first"
    assert called_back


def breaches_in_audit(store: Store) -> int:
    with transaction(store.sessions) as session:
        return int(
            session.execute(
                sa.text("SELECT count(*) FROM audit_entries WHERE action = 'case.clock_breached'")
            ).scalar_one()
        )


def breached_clocks(store: Store) -> int:
    with transaction(store.sessions) as session:
        return int(
            session.execute(
                sa.text("SELECT count(*) FROM case_clocks WHERE outcome = 'breached'")
            ).scalar_one()
        )


def test_a_breach_is_recorded_once_however_often_the_sweep_runs(desk: Desk) -> None:
    """The sweep at the season's end found breaches (carriers silent past their 7 days) and
    recorded each once in the audit trail; sweeping again at the same moment records none,
    and the breached clocks stay as many. Steps taken late breached clocks too."""
    found = desk.recorded.sweep.breaches
    assert desk.recorded.sweep.ran and found >= 1
    before = breached_clocks(desk.store)
    assert breaches_in_audit(desk.store) == found
    again = sweep_cases(desk.store, now=desk.end)
    assert again.ran and again.breaches == 0 and again.reminders == 0
    assert breaches_in_audit(desk.store) == found
    assert breached_clocks(desk.store) == before == desk.recorded.breached
    assert before > found


def test_a_second_run_records_nothing_more(desk: Desk, tmp_path: Path) -> None:
    """The demo run again with the same seed finds its cases and records none again."""
    count = len(every_case(desk.store, desk.end))
    scenario = double11_scenario()
    again = record_demo_cases(
        desk.store,
        tmp_path / "lake",
        build_sichuan_network(),
        scenario,
        seed=5,
        actor=ADMIN,
        parameters=RATES,
        parcels=season_parcels(),
    )
    assert again.already_recorded
    assert len(every_case(desk.store, desk.end)) == count
