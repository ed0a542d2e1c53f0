"""Rectification orders on each engine: from a finding to its closing re-check, a failed
re-check to a decided penalty inside the legal range, an ignored order reminded and escalated
once by two sweeps at once, every missed firing caught up once after downtime, the extension
asked once, and another brand's order not even found. The order's whole history is in the
audit trail."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from peakguard.app import accounts
from peakguard.app.alerts import office_alerts
from peakguard.app.context import open_store
from peakguard.app.penalties import decide_penalty, get_penalty, not_punish, propose_penalty
from peakguard.app.rectification import (
    EvidenceFile,
    OrderDraft,
    answer_extension,
    escalate_order,
    get_order,
    issue_order,
    open_orders,
    recheck_order,
    request_extension,
    respond_to_order,
    sweep_orders,
)
from peakguard.app.security_evidence import evidence_for
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
from peakguard.store.inspection_tables import FindingRow, InspectionRow

CHINA = ZoneInfo("Asia/Shanghai")
ADMIN = LOCAL_ADMINISTRATOR
ISSUED = datetime(2026, 12, 3, 10, 0, tzinfo=CHINA)  # a Thursday
DUE_10D = datetime(2026, 12, 15, tzinfo=CHINA)  # 10 days → Sunday 13th → Monday 14th, its end
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
INSPECTOR = frozenset({Permission.security_read, Permission.order_issue, Permission.duty_read})
OFFICER = frozenset({Permission.security_read, Permission.order_respond, Permission.duty_read})


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """The Sichuan office, ZTO's and YTO's Sichuan companies, and the Guangdong office."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    for code, kind, carrier, level, region in (
        ("zto-sc", OrganisationKind.carrier, "ZTO", None, "510000"),
        ("yto-sc", OrganisationKind.carrier, "YTO", None, "510000"),
        ("sc-post", OrganisationKind.regulator, None, RegulatorLevel.provincial, "510000"),
        ("gd-post", OrganisationKind.regulator, None, RegulatorLevel.provincial, "440000"),
    ):
        organisation = Organisation(
            code=code, name=code, kind=kind, carrier=carrier, level=level, region=region
        )
        accounts.create_organisation(opened, ADMIN, organisation)
    yield opened
    opened.engine.dispose()


def who(store: Store, code: str, name: str) -> Principal:
    organisation = {o.code: o for o in accounts.list_organisations(store, ADMIN)}[code]
    rights = INSPECTOR if organisation.kind is OrganisationKind.regulator else OFFICER
    return Principal(name, organisation, rights, Channel.session)


def finding(store: Store, rule_key: str = "real_name") -> int:
    """An inspection of ZTO's Chengdu Jinniu outlet with one finding breaching ``rule_key``."""
    company = who(store, "zto-sc", "x").organisation.id
    office = who(store, "sc-post", "x").organisation.id
    with transaction(store.sessions) as session:
        inspection = InspectionRow(
            kind="unannounced", conducted_by="regulator", organisation_id=office,
            carrier="ZTO", company_id=company, node_id="ZTO-CD-JN", region="510106",
            scheduled_at=ISSUED, checklist="test", checklist_items="[]", state="completed",
            note="", version=1, created_by="t", created_at=ISSUED, updated_at=ISSUED,
        )  # fmt: skip
        session.add(inspection)
        session.flush()
        row = FindingRow(
            inspection_id=inspection.id, carrier="ZTO", company_id=company, node_id="ZTO-CD-JN",
            region="510106", item_key="real_name.register", rule_key=rule_key,
            description="12 of 40 parcels accepted without the sender's ID registered",
            found_at=ISSUED, recorded_by="t",
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def order_from_finding(store: Store, deadline: str = "10d") -> str:
    draft = OrderDraft(
        finding_id=finding(store), requirement="register every sender's ID", deadline=deadline
    )
    return issue_order(store, draft, actor=who(store, "sc-post", "li"), now=ISSUED).reference


def audit_of(store: Store, reference: str) -> list[tuple[str, int]]:
    """The order's audit entries, oldest first: (action, step number)."""
    with transaction(store.sessions) as session:
        _total, entries = query_entries(session, record_id=reference, limit=500)
    return [(e.action, int(e.detail["seq"])) for e in reversed(entries)]


def test_an_order_from_a_finding_is_reported_rechecked_and_closed(store: Store) -> None:
    """Issued from the finding (rule, carrier, place from it), its clock with rule, basis and
    source; the carrier reports with a photo on day 5 (met); the re-check passes: closed. The
    audit trail lists exactly the order's steps, in order."""
    inspector, officer = who(store, "sc-post", "li"), who(store, "zto-sc", "wang")
    reference = order_from_finding(store)
    view = get_order(store, reference, actor=officer, now=ISSUED)
    assert (view.state, view.order.carrier, view.order.rule_keys) == (
        "issued",
        "ZTO",
        ("real_name",),
    )
    assert view.clock is not None
    assert (view.clock.rule_key, view.clock.basis, view.clock.limit) == (
        "rectification.deadline", "calendar_days", 10,
    )  # fmt: skip
    assert view.clock.due_at == DUE_10D
    assert "责令整改通知书" in view.clock.source and "快递暂行条例 第二十二条" in view.clock.source
    assert view.allowed == ("respond", "request_extension")
    reported = respond_to_order(
        store, reference, expected_version=1, text="每件核验身份证并登记",
        files=[EvidenceFile("photo.png", PNG)], actor=officer, now=ISSUED + timedelta(days=5),
    )  # fmt: skip
    assert reported.state == "reported" and reported.clock is not None
    assert reported.clock.outcome == "met"
    refs = evidence_for(store, inspector, subject="order_report", subject_id=reported.order.id)
    assert [ref.media_type for ref in refs] == ["image/png"]
    with pytest.raises(StaleRecordError):
        recheck_order(store, reference, expected_version=1, passed=True, text="ok",
                      actor=inspector, now=ISSUED + timedelta(days=6))  # fmt: skip
    closed = recheck_order(
        store, reference, expected_version=2, passed=True, text="复查合格",
        actor=inspector, now=ISSUED + timedelta(days=6),
    )  # fmt: skip
    assert closed.state == "closed" and closed.order.closed_at is not None
    steps = [(f"order.{step.step}", step.seq) for step in closed.steps]
    assert steps == [("order.issue", 1), ("order.respond", 2), ("order.recheck_pass", 3)]
    assert audit_of(store, reference) == steps
    with pytest.raises(IllegalTransitionError):
        respond_to_order(store, reference, expected_version=3, text="again", actor=officer,
                         now=ISSUED + timedelta(days=7))  # fmt: skip


def test_a_failed_recheck_escalates_to_a_penalty_decided_inside_the_legal_range(
    store: Store,
) -> None:
    """The re-check fails: escalated, a penalty case under 反恐怖主义法 art. 85 opened
    (100,000–500,000); 80,000 is refused naming the range; 200,000 proposed, then decided."""
    inspector, officer = who(store, "sc-post", "li"), who(store, "zto-sc", "wang")
    reference = order_from_finding(store)
    respond_to_order(store, reference, expected_version=1, text="已整改", actor=officer,
                     now=ISSUED + timedelta(days=2))  # fmt: skip
    failed = recheck_order(store, reference, expected_version=2, passed=False,
                           text="复查仍有3件未登记", actor=inspector,
                           now=ISSUED + timedelta(days=3))  # fmt: skip
    assert (failed.state, failed.order.escalation) == ("escalated", "recheck_failed")
    assert failed.penalty is not None and failed.penalty.state == "opened"
    case = get_penalty(store, failed.penalty.reference, actor=inspector)
    assert (case.company_range.minimum, case.company_range.maximum) == (100_000, 500_000)
    assert "第八十五条" in case.penalty.penalty_law
    with pytest.raises(InvalidInputError) as refused:
        propose_penalty(store, case.reference, expected_version=1, company_fine=80_000,
                        actor=inspector, now=ISSUED + timedelta(days=4))  # fmt: skip
    message = refused.value.problems[0].render("en")
    assert "100000" in message and "500000" in message
    with pytest.raises(ForbiddenError):
        propose_penalty(store, case.reference, expected_version=1, company_fine=200_000,
                        actor=officer, now=ISSUED + timedelta(days=4))  # fmt: skip
    proposed = propose_penalty(store, case.reference, expected_version=1, company_fine=200_000,
                               person_fine=30_000, actor=inspector,
                               now=ISSUED + timedelta(days=4))  # fmt: skip
    decided = decide_penalty(store, case.reference, expected_version=proposed.version,
                             company_fine=200_000, person_fine=30_000,
                             reason="未落实实名收寄, 反恐怖主义法第八十五条", actor=inspector,
                             now=ISSUED + timedelta(days=9))  # fmt: skip
    assert (decided.state, decided.penalty.company_fine) == ("decided", 200_000)
    history = get_order(store, reference, actor=inspector, now=ISSUED + timedelta(days=9)).steps
    assert [step.step for step in history] == [
        "issue", "respond", "recheck_fail", "penalty.open", "penalty.propose", "penalty.decide",
    ]  # fmt: skip
    assert audit_of(store, reference) == [(f"order.{s.step}", s.seq) for s in history]


def test_an_ignored_order_is_reminded_and_escalated_once_by_two_sweeps(store: Store) -> None:
    """No report: the 3-day reminder on the 12th; two sweeps at once after the deadline record
    the 1-day reminder and the escalation once each; the office's duty alerted once; a later
    sweep records nothing."""
    inspector = who(store, "sc-post", "li")
    reference = order_from_finding(store)
    settings = Settings()
    assert sweep_orders(store, settings, datetime(2026, 12, 11, 23, tzinfo=CHINA)) == 0
    assert sweep_orders(store, settings, datetime(2026, 12, 12, 1, tzinfo=CHINA)) == 1
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def sweep() -> None:
        barrier.wait()
        counts.append(sweep_orders(store, settings, DUE_10D + timedelta(minutes=5)))

    workers = [threading.Thread(target=sweep) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(counts) in ([0, 2], [1, 1])
    assert sweep_orders(store, settings, DUE_10D + timedelta(days=5)) == 0
    view = get_order(store, reference, actor=inspector, now=DUE_10D + timedelta(days=5))
    assert (view.state, view.order.escalation) == ("escalated", "ignored")
    assert view.clock is not None and view.clock.outcome == "breached"
    assert view.penalty is not None and view.penalty.state == "opened"
    kinds = [step.step for step in view.steps]
    assert kinds == ["issue", "remind.72h", "remind.24h", "escalate", "penalty.open"]
    alerts = office_alerts(store, inspector)
    assert [(a.kind, a.subject) for a in alerts] == [("order.ignored", f"order:{reference}")]
    carrier_alerts = office_alerts(store, who(store, "zto-sc", "wang"))
    assert sorted(a.kind for a in carrier_alerts) == ["order.reminder", "order.reminder"]
    assert audit_of(store, reference) == [(f"order.{s.step}", s.seq) for s in view.steps]


def test_a_sweep_after_downtime_records_every_missed_firing_once(store: Store) -> None:
    """Nothing swept for a month: one late sweep records both reminders and the escalation
    (3), the next one nothing."""
    reference = order_from_finding(store)
    late = DUE_10D + timedelta(days=30)
    assert sweep_orders(store, Settings(), late) == 3
    assert sweep_orders(store, Settings(), late + timedelta(hours=1)) == 0
    view = get_order(store, reference, actor=ADMIN, now=late)
    assert view.state == "escalated"


def test_the_carrier_asks_once_for_more_time(store: Store) -> None:
    """Asked on day 3 for 20 December, granted: due at its end (00:00 on the 21st), the first
    deadline kept beside it; asking again is refused; past the first deadline nothing fires,
    and the 3-day and 1-day reminders come before the new one."""
    inspector, officer = who(store, "sc-post", "li"), who(store, "zto-sc", "wang")
    reference = order_from_finding(store)
    asked = request_extension(store, reference, expected_version=1, reason="X光机待安装",
                              deadline="2026-12-20", actor=officer,
                              now=ISSUED + timedelta(days=3))  # fmt: skip
    assert asked.state == "extension_requested"
    granted = answer_extension(store, reference, expected_version=2, grant=True, actor=inspector,
                               now=ISSUED + timedelta(days=4))  # fmt: skip
    assert granted.state == "issued" and granted.clock is not None
    assert granted.clock.due_at == datetime(2026, 12, 21, tzinfo=CHINA)
    assert granted.clock.first_due_at == DUE_10D
    with pytest.raises(InvalidInputError):
        request_extension(store, reference, expected_version=3, reason="again",
                          deadline="2026-12-25", actor=officer,
                          now=ISSUED + timedelta(days=5))  # fmt: skip
    assert sweep_orders(store, Settings(), DUE_10D + timedelta(hours=1)) == 0
    assert get_order(store, reference, actor=officer, now=DUE_10D).state == "issued"
    assert sweep_orders(store, Settings(), datetime(2026, 12, 18, 1, tzinfo=CHINA)) == 1
    assert sweep_orders(store, Settings(), datetime(2026, 12, 20, 1, tzinfo=CHINA)) == 1
    steps = get_order(store, reference, actor=officer, now=DUE_10D).steps
    assert [step.step for step in steps][-2:] == ["remind.72h+ext", "remind.24h+ext"]


def test_an_order_on_the_spot_and_who_sees_it(store: Store) -> None:
    """Ordered on the spot at a YTO outlet: YTO's officer sees it, ZTO's does not even find it,
    nor does the Guangdong office; a carrier cannot issue; unknown rules are refused located;
    the open list puts the most urgent deadline first."""
    inspector = who(store, "sc-post", "li")
    draft = OrderDraft(
        carrier="YTO",
        region="510104",
        place="圆通锦江营业部",
        facts="X光机未开机, 包裹未过机",
        rule_keys=("x_ray",),
        requirement="过机安检100%",
        deadline="3wd",
    )
    spot = issue_order(store, draft, actor=inspector, now=ISSUED)
    later = order_from_finding(store, deadline="2026-12-30")
    yto = who(store, "yto-sc", "zhao")
    assert get_order(store, spot.reference, actor=yto, now=ISSUED).order.place == "圆通锦江营业部"
    for outsider in (who(store, "zto-sc", "wang"), who(store, "gd-post", "chen")):
        with pytest.raises(NotFoundError):
            get_order(store, spot.reference, actor=outsider, now=ISSUED)
    with pytest.raises(ForbiddenError):
        issue_order(store, draft, actor=yto, now=ISSUED)
    bad = OrderDraft(carrier="YTO", region="510104", place="p", facts="f",
                     rule_keys=("nonsense",), requirement="r", deadline="3d")  # fmt: skip
    with pytest.raises(InvalidInputError) as refused:
        issue_order(store, bad, actor=inspector, now=ISSUED)
    assert [p.location for p in refused.value.problems] == ["rules[0]"]
    lines = open_orders(store, inspector, now=datetime(2026, 12, 9, 12, tzinfo=CHINA))
    assert [line.reference for line in lines] == [spot.reference, later]
    assert lines[0].overdue and lines[0].remaining is not None and lines[0].remaining < timedelta(0)
    assert not lines[1].overdue
    assert [line.reference for line in open_orders(store, yto, now=ISSUED)] == [spot.reference]


def test_a_refused_extension_then_an_escalation_by_hand_and_no_punishment(store: Store) -> None:
    """Refusing an extension needs a reason and keeps the deadline; escalating by hand before
    the deadline is refused, after it the penalty case opens; deciding not to punish needs the
    legal reason and ends the case; a decided case takes no further step."""
    inspector, officer = who(store, "sc-post", "li"), who(store, "zto-sc", "wang")
    reference = order_from_finding(store)
    request_extension(store, reference, expected_version=1, reason="设备采购中",
                      deadline="20d", actor=officer, now=ISSUED + timedelta(days=1))  # fmt: skip
    with pytest.raises(InvalidInputError):
        answer_extension(store, reference, expected_version=2, grant=False, reason="",
                         actor=inspector, now=ISSUED + timedelta(days=2))  # fmt: skip
    refused = answer_extension(store, reference, expected_version=2, grant=False,
                               reason="整改内容简单, 无需延期", actor=inspector,
                               now=ISSUED + timedelta(days=2))  # fmt: skip
    assert refused.clock is not None and refused.clock.due_at == DUE_10D
    with pytest.raises(InvalidInputError):
        escalate_order(store, reference, expected_version=3, actor=inspector,
                       now=DUE_10D - timedelta(hours=1))  # fmt: skip
    escalated = escalate_order(store, reference, expected_version=3, text="逾期未报",
                               actor=inspector, now=DUE_10D + timedelta(hours=1))  # fmt: skip
    assert escalated.penalty is not None
    case = escalated.penalty.reference
    with pytest.raises(InvalidInputError):
        not_punish(store, case, expected_version=1, reason=" ", actor=inspector)
    reason = "违法行为轻微并及时改正, 没有造成危害后果 (行政处罚法第三十三条)"
    done = not_punish(store, case, expected_version=1, reason=reason, actor=inspector)
    assert (done.state, done.penalty.company_fine) == ("not_punished", None)
    with pytest.raises(IllegalTransitionError):
        propose_penalty(store, case, expected_version=2, company_fine=200_000, actor=inspector)
    assert sweep_orders(store, Settings(), DUE_10D + timedelta(days=2)) == 0
