"""A complaint desk's day on each engine: an appeal from receipt to closing with its clocks,
a conflict between two handlers, the overdue sweep run twice and by two workers at once, and a
clock that waits for a year's holiday notice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from peakguard.app import accounts
from peakguard.app.case_calendar import load_year_notice, working_calendar
from peakguard.app.case_drafts import CaseDraft, StepInput
from peakguard.app.case_sweep import sweep_cases
from peakguard.app.cases import get_case, open_case, take_step
from peakguard.app.context import open_store
from peakguard.cases.calendar import YearNotice
from peakguard.cases.model import CaseKind, Category, Complainant, Intake, RejectionReason
from peakguard.config import Settings
from peakguard.errors import IllegalTransitionError, StaleRecordError
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Organisation,
    OrganisationKind,
)
from peakguard.store.database import Store, transaction

CHINA = ZoneInfo("Asia/Shanghai")
ADMIN = LOCAL_ADMINISTRATOR


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """A migrated database with ZTO's Sichuan company (the carrier appeals are forwarded to)."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    accounts.create_organisation(
        opened,
        ADMIN,
        Organisation(
            code="zto-sc",
            name="中通四川",
            kind=OrganisationKind.carrier,
            carrier="ZTO",
            region="510000",
        ),
    )
    yield opened
    opened.engine.dispose()


def appeal(received: datetime, **changes: object) -> CaseDraft:
    """A Chengdu user's appeal about a late ZTO parcel."""
    values: dict[str, object] = {
        "kind": CaseKind.appeal,
        "carrier": "ZTO",
        "region": "510104",
        "channel": Intake.web_12305,
        "category": Category.delay,
        "summary": "快件超过承诺时限五天未送达，快递公司七日未答复",
        "received_at": received,
        "waybill": "ZT7700001234",
        "complainant": Complainant("王小明", "19900001234", "成都市锦江区某路1号"),
        "dispute_on": received.date() - timedelta(days=10),
    }
    values.update(changes)
    return CaseDraft(**values)  # type: ignore[arg-type]


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=CHINA)


def clocks(view: object) -> dict[str, object]:
    return {clock.rule_key: clock for clock in view.clocks}  # type: ignore[attr-defined]


def test_an_appeal_walks_to_closed_with_its_clocks_met(store: Store) -> None:
    """Received Mon 2026-11-16: registered within 2 working days (due end of Wed 11-18),
    forwarded, answered by the carrier, answered to the user within 30 days (due end of
    12-16), found valid for delay, called back, closed; the record kept 3 years."""
    opened = open_case(store, appeal(at("2026-11-16")), actor=ADMIN, now=at("2026-11-16"))
    assert opened.state == "received"
    due = clocks(opened)
    assert due["appeal.register"].due_at == datetime(2026, 11, 19, tzinfo=CHINA)
    assert due["appeal.answer_user"].due_at == datetime(2026, 12, 17, tzinfo=CHINA)
    assert opened.complainant.in_clear is False
    assert "王小明" not in repr(opened) and "19900001234" not in repr(opened)

    steps = [
        ("review", StepInput(), "2026-11-17"),
        ("admit", StepInput(), "2026-11-17"),
        ("forward", StepInput(carrier_organisation="zto-sc"), "2026-11-18"),
        ("carrier_reply", StepInput(answer="已联系收件人，补发"), "2026-11-25"),
        ("answer", StepInput(answer="经核实，企业已补发并赔偿"), "2026-11-26"),
        (
            "record_finding",
            StepInput(finding_valid=True, finding_category=Category.delay),
            "2026-11-27",
        ),
        ("call_back", StepInput(call_back="用户满意"), "2026-11-30"),
        ("close", StepInput(), "2026-11-30"),
    ]
    view = opened
    for action, given, day in steps:
        view = take_step(
            store,
            view.reference,
            action,
            expected_version=view.version,
            given=given,
            actor=ADMIN,
            now=at(day, 15),
        )
    assert view.state == "closed"
    outcome = {key: clock.outcome for key, clock in clocks(view).items()}  # type: ignore[attr-defined]
    assert outcome["appeal.register"] == "met"
    assert outcome["appeal.carrier_reply"] == "met"
    assert outcome["appeal.answer_user"] == "met"
    assert view.finding_valid is True and view.finding_category == "delay"
    assert view.retention_until is not None
    assert view.retention_until >= at("2026-11-30", 15) + timedelta(days=3 * 365)
    assert [step.action for step in get_case(store, view.reference, actor=ADMIN).steps] == [
        "open",
        *[action for action, _given, _day in steps],
    ]


def test_a_step_taken_after_its_deadline_is_breached(store: Store) -> None:
    """Registered on the third working day after receipt: the registration clock is breached."""
    opened = open_case(store, appeal(at("2026-11-16")), actor=ADMIN, now=at("2026-11-16"))
    view = take_step(
        store,
        opened.reference,
        "review",
        expected_version=opened.version,
        actor=ADMIN,
        now=at("2026-11-17"),
    )
    view = take_step(
        store,
        view.reference,
        "admit",
        expected_version=view.version,
        actor=ADMIN,
        now=at("2026-11-19", 9),
    )
    assert clocks(view)["appeal.register"].outcome == "breached"  # type: ignore[attr-defined]


def test_an_illegal_step_is_refused_and_names_the_allowed_ones(store: Store) -> None:
    """Closing an appeal just received is refused; the case is unchanged."""
    opened = open_case(store, appeal(at("2026-11-16")), actor=ADMIN, now=at("2026-11-16"))
    with pytest.raises(IllegalTransitionError) as refused:
        take_step(store, opened.reference, "close", expected_version=opened.version, actor=ADMIN)
    assert "review" in refused.value.allowed
    assert get_case(store, opened.reference, actor=ADMIN).state == "received"


def test_the_second_of_two_handlers_gets_a_conflict_and_nothing_is_lost(store: Store) -> None:
    """Two handlers read version 1; the first reviews it; the second's step is refused and
    the case holds the first's change only."""
    opened = open_case(store, appeal(at("2026-11-16")), actor=ADMIN, now=at("2026-11-16"))
    take_step(store, opened.reference, "review", expected_version=opened.version, actor=ADMIN)
    with pytest.raises(StaleRecordError):
        take_step(
            store,
            opened.reference,
            "withdraw",
            expected_version=opened.version,
            given=StepInput(note="用户撤回"),
            actor=ADMIN,
        )
    now = get_case(store, opened.reference, actor=ADMIN)
    assert now.state == "admissibility"
    assert [step.action for step in now.steps] == ["open", "review"]


def _breach_entries(store: Store) -> int:
    with transaction(store.sessions) as session:
        return int(
            session.execute(
                sa.text("SELECT count(*) FROM audit_entries WHERE action = 'case.clock_breached'")
            ).scalar_one()
        )


def test_the_sweep_records_each_breach_once_however_often_it_runs(store: Store) -> None:
    """An appeal left untouched: a week later both the registration clock and (after 30
    days) the answer clock are breached, each recorded once over three sweeps."""
    open_case(store, appeal(at("2026-11-02")), actor=ADMIN, now=at("2026-11-02"))
    first = sweep_cases(store, now=at("2026-11-09"))
    again = sweep_cases(store, now=at("2026-11-09", 11))
    assert first.ran and first.breaches == 1
    assert again.breaches == 0
    later = sweep_cases(store, now=at("2026-12-20"))
    assert later.breaches == 1
    assert _breach_entries(store) == 2


def test_two_workers_sweeping_at_once_record_each_breach_once(store: Store) -> None:
    """Eight appeals overdue, four sweeps started together: eight breaches in all."""
    for number in range(8):
        open_case(
            store,
            appeal(at("2026-11-02"), waybill=f"ZT77000099{number:02d}"),
            actor=ADMIN,
            now=at("2026-11-02"),
        )
    barrier = threading.Barrier(4)
    reports = []

    def sweep() -> None:
        barrier.wait()
        reports.append(sweep_cases(store, now=at("2026-11-09")))

    workers = [threading.Thread(target=sweep) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(report.breaches for report in reports) == 8
    assert _breach_entries(store) == 8


def test_a_clock_into_an_unknown_year_waits_for_its_notice(store: Store) -> None:
    """An appeal received on 2026-12-30: its 2-working-day registration clock reaches 2027,
    which the package does not know — the clock is kept unscheduled (no guessed deadline)
    until an administrator loads the 2027 notice, then gets its deadline."""
    assert not working_calendar(store).knows(2027)
    opened = open_case(store, appeal(at("2026-12-30")), actor=ADMIN, now=at("2026-12-30"))
    register = clocks(opened)["appeal.register"]
    assert register.outcome == "unscheduled" and register.due_at is None  # type: ignore[attr-defined]
    assert "2027" in (register.reason or "")  # type: ignore[attr-defined]
    # A hypothetical 2027 arrangement in the notice's form (NOT the published one): New
    # Year's Day on Fri 1 Jan, no make-up day — enough to count two working days from 12-30.
    notice = YearNotice(2027, frozenset({date(2027, 1, 1)}), frozenset(), "test notice")
    loaded = load_year_notice(store, notice, actor=ADMIN)
    assert loaded.rescheduled >= 1
    after = clocks(get_case(store, opened.reference, actor=ADMIN))["appeal.register"]
    # 12-30 (Wed) not counted; 12-31 (Thu) is the first working day; 01-01 is off; 01-02 and
    # 01-03 are a weekend; 01-04 (Mon) is the second: due at the end of 2027-01-04.
    assert after.due_at == datetime(2027, 1, 5, tzinfo=CHINA)  # type: ignore[attr-defined]
    assert after.outcome == "running"  # type: ignore[attr-defined]


def test_personal_data_is_stored_encrypted(store: Store) -> None:
    """The database holds no complainant's name or phone in clear."""
    open_case(store, appeal(at("2026-11-16")), actor=ADMIN, now=at("2026-11-16"))
    with store.engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT complainant_name, complainant_phone FROM cases")
        ).one()
    for value in row:
        assert b"19900001234" not in bytes(value)
        assert "王小明".encode() not in bytes(value)
    shown = get_case(store, "SS2026-000001", actor=ADMIN, reveal=True)
    assert shown.complainant.phone == "19900001234"
    assert datetime.now(UTC) > shown.received_at


def test_a_complaint_bound_for_a_closed_hubs_region_is_an_emergency_work_order(
    store: Store,
) -> None:
    """A scenario closes the Mianyang hub (region 510700) on 11-12: a complaint about a parcel
    bound for Fucheng (510703) that day is an emergency work order with the 24-hour answer and
    48-hour call-back clocks; one bound for Chengdu, or for Mianyang a day later, is not."""
    from peakguard.app.networks import import_network  # noqa: PLC0415
    from peakguard.store.jobs import NewJob, add_job  # noqa: PLC0415

    examples = Path(__file__).resolve().parents[2] / "docs" / "examples"
    import_network(store, examples / "chengdu-mianyang.yaml", actor=ADMIN)
    scenario = {
        "name": "road cut",
        "closures": [
            {"node": "ZTO-MY-HUB", "start": "2026-11-12T00:00", "end": "2026-11-13T00:00"}
        ],
    }
    with transaction(store.sessions) as session:
        add_job(
            session,
            NewJob(
                id="c" * 32,
                kind="simulation",
                organisation_id=None,
                owner_user_id=None,
                owner_label="local@system",
                parameters={"network": "chengdu-mianyang", "scenario": scenario},
            ),
        )

    def complaint(region: str, day: str) -> object:
        draft = appeal(
            at(day), kind=CaseKind.complaint, region=region, channel=Intake.carrier_hotline
        )
        return open_case(store, draft, actor=ADMIN, now=at(day))

    urgent = complaint("510703", "2026-11-12")
    assert urgent.emergency  # type: ignore[attr-defined]
    due = clocks(urgent)
    assert set(due) == {"emergency.answer", "emergency.call_back"}
    assert due["emergency.answer"].due_at == at("2026-11-12") + timedelta(hours=24)  # type: ignore[attr-defined]
    assert not complaint("510104", "2026-11-12").emergency  # type: ignore[attr-defined]
    assert not complaint("510703", "2026-11-13").emergency  # type: ignore[attr-defined]


def test_the_desk_lists_the_most_urgent_deadline_first(store: Store) -> None:
    """Three appeals received on 11-02, 11-04 and 11-03, one of them closed: the open ones
    come in the order of their registration deadlines, the closed one last."""
    from peakguard.app.case_drafts import CaseQuery  # noqa: PLC0415
    from peakguard.app.cases import list_cases  # noqa: PLC0415

    made = {
        day: open_case(
            store, appeal(at(day), waybill=f"ZT77{day[-2:]}00001"), actor=ADMIN, now=at(day)
        )
        for day in ("2026-11-02", "2026-11-04", "2026-11-03")
    }
    early = made["2026-11-02"]
    view = take_step(store, early.reference, "review", expected_version=early.version, actor=ADMIN)
    take_step(
        store,
        early.reference,
        "reject",
        expected_version=view.version,
        given=StepInput(reason=RejectionReason.carrier_not_asked_first),
        actor=ADMIN,
    )
    listed = list_cases(store, CaseQuery(), actor=ADMIN, now=at("2026-11-05"))
    assert [case.reference for case in listed.cases] == [
        made["2026-11-03"].reference,
        made["2026-11-04"].reference,
        early.reference,
    ]
    assert listed.total == 3


def test_evidence_is_kept_once_by_its_content_and_checked_by_its_bytes(store: Store) -> None:
    """A PNG attached twice is kept once; a text file named .jpg is refused at the file
    field; reading the evidence is audited."""
    from peakguard.app.case_evidence import add_evidence, read_evidence  # noqa: PLC0415
    from peakguard.errors import InvalidInputError  # noqa: PLC0415

    opened = open_case(store, appeal(at("2026-11-16")), actor=ADMIN, now=at("2026-11-16"))
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    first = add_evidence(store, opened.reference, "../破损照片.png", png, actor=ADMIN)
    again = add_evidence(store, opened.reference, "copy.png", png, actor=ADMIN)
    assert first.added and not again.added
    assert first.file_name == "破损照片.png" and first.media_type == "image/png"
    with pytest.raises(InvalidInputError) as refused:
        add_evidence(store, opened.reference, "photo.jpg", b"just text", actor=ADMIN)
    assert [problem.location for problem in refused.value.problems] == ["file"]
    evidence, content = read_evidence(store, opened.reference, first.sha256, actor=ADMIN)
    assert content == png and evidence.size == len(png)
    assert len(get_case(store, opened.reference, actor=ADMIN).evidence) == 1
    with transaction(store.sessions) as session:
        reads = session.execute(
            sa.text("SELECT count(*) FROM audit_entries WHERE action = 'case.evidence_read'")
        ).scalar_one()
    assert reads == 1


def test_the_sweep_reminds_the_handling_office_before_and_at_the_deadline(store: Store) -> None:
    """The Chengdu office's appeal received Mon 11-16 (registration due end of 11-18, reminded
    24 h before): a sweep on 11-18 morning raises the 'before' reminder for Chengdu only, one
    on 11-19 the 'due' one; acknowledging one leaves the other."""
    from peakguard.app.case_reminders import acknowledge, reminders_for  # noqa: PLC0415
    from peakguard.identity.model import Channel, Permission, Principal, RegulatorLevel  # noqa: PLC0415

    offices = {}
    for code, region in (("sc-cd", "510100"), ("sc-my", "510700")):
        made = accounts.create_organisation(
            store,
            ADMIN,
            Organisation(code, code, OrganisationKind.regulator, RegulatorLevel.city, region),
        )
        offices[code] = Principal(
            f"desk@{code}",
            made,
            frozenset(Permission),
            Channel.session,
            roles=("complaint_handler",),
        )
    open_case(store, appeal(at("2026-11-16")), actor=offices["sc-cd"], now=at("2026-11-16"))
    sweep_cases(store, now=at("2026-11-18", 9))
    chengdu = reminders_for(store, actor=offices["sc-cd"])
    assert [(item.kind, item.rule_key) for item in chengdu] == [("before", "appeal.register")]
    assert reminders_for(store, actor=offices["sc-my"]) == []
    sweep_cases(store, now=at("2026-11-19", 9))
    kinds = sorted(item.kind for item in reminders_for(store, actor=offices["sc-cd"]))
    assert kinds == ["before", "due"]
    assert acknowledge(store, chengdu[0].id, actor=offices["sc-cd"])
    assert [item.kind for item in reminders_for(store, actor=offices["sc-cd"])] == ["due"]
