"""Inspections on each engine: the workflow's legal steps only, a concurrent change refused,
an unannounced inspection (暗访) hidden from the carrier until completed, a self-inspection
limited to the carrier's own brand, findings from "not compliant" answers citing their rule,
and evidence reads audited."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from peakguard.app.context import open_store
from peakguard.app.inspection_plans import InspectionPlan
from peakguard.app.inspections import (
    ItemAnswer,
    answer_items,
    attach_finding_evidence,
    cancel_inspection,
    complete_inspection,
    get_inspection,
    list_inspections,
    plan_inspection,
    recent_inspections,
    start_inspection,
)
from peakguard.app.security_evidence import read_evidence
from peakguard.cases.inspections import national_checklist
from peakguard.config import Settings
from peakguard.errors import (
    ConflictError,
    ForbiddenError,
    IllegalTransitionError,
    InvalidInputError,
    NotFoundError,
    StaleRecordError,
)
from peakguard.store.audit_trail import query_entries
from peakguard.store.database import Store, transaction
from peakguard.store.inspections import finding_by_id
from tests.integration.inspection_fixtures import (
    INSPECTOR,
    MORNING,
    READER,
    populate,
    principal,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40
ITEMS = [item.key for item in national_checklist().items]


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    populate(opened)
    yield opened
    opened.engine.dispose()


def visit(**changes: object) -> InspectionPlan:
    """The Sichuan office's unannounced visit to ZTO's Fucheng outlet in Mianyang."""
    plan = InspectionPlan(
        kind="unannounced",
        conducted_by="regulator",
        company="zto-sc",
        scheduled_at=MORNING,
        inspectors=("wang", "li"),
        network="chengdu-mianyang",
        node_id="ZTO-MY-O1",
    )
    return replace(plan, **changes)  # type: ignore[arg-type]


def everything_compliant_but(*broken: str) -> list[ItemAnswer]:
    return [
        ItemAnswer(key, "not_compliant", "安检机未开机")
        if key in broken
        else ItemAnswer(key, "compliant")
        for key in ITEMS
    ]


def audited(store: Store, action: str) -> int:
    with transaction(store.sessions) as session:
        _total, entries = query_entries(session, limit=1000)
    return sum(1 for entry in entries if entry.action == action)


def test_an_unannounced_visit_is_hidden_from_the_carrier_until_completed(store: Store) -> None:
    """ZTO's security officer neither lists nor reads the 暗访 while planned or in progress, nor
    its finding's evidence; once completed it sees the visit, the finding citing x_ray and the
    photo. The Sichuan office sees it throughout; YTO never."""
    office = principal(store, "sc-post", "wang", INSPECTOR)
    zto = principal(store, "zto-sc", "chen", READER)
    yto = principal(store, "yto-sc", "yu", READER)
    planned = plan_inspection(store, office, visit(), now=MORNING - timedelta(days=2))
    assert (planned.state, planned.inspection.region) == ("planned", "510703")
    assert [inspector.username for inspector in planned.inspectors] == ["li", "wang"]
    started = start_inspection(store, office, planned.id, expected_version=1, now=MORNING)
    answered = answer_items(
        store,
        office,
        planned.id,
        everything_compliant_but("x_ray.machine_working"),
        expected_version=started.version,
        now=MORNING + timedelta(hours=1),
    )
    finding = answered.findings[0].finding
    photo = attach_finding_evidence(store, office, finding.id, name="机器.png", content=PNG)
    for moment in ("planned or started",):
        assert list_inspections(store, zto) == [], moment
        with pytest.raises(NotFoundError):
            get_inspection(store, zto, planned.id)
        with pytest.raises(NotFoundError):
            read_evidence(store, zto, photo.sha256)
    assert [item.id for item in list_inspections(store, office)] == [planned.id]
    done = complete_inspection(store, office, planned.id, expected_version=answered.version)
    seen = get_inspection(store, zto, planned.id)
    assert (seen.state, [f.finding.rule_key for f in seen.findings]) == ("completed", ["x_ray"])
    assert seen.findings[0].evidence[0].sha256 == photo.sha256 and seen.actions == ()
    assert read_evidence(store, zto, photo.sha256)[1] == PNG
    assert [item.id for item in recent_inspections(store, zto)] == [done.id]
    assert list_inspections(store, yto) == []
    assert audited(store, "security.evidence_read") == 1


def test_only_legal_steps_and_a_stale_version_is_refused(store: Store) -> None:
    """A planned inspection cannot be completed; a start on a stale version is refused and
    writes nothing; a completed inspection cannot be cancelled and its answers are locked;
    completing needs every item answered (the missing ones located)."""
    office = principal(store, "sc-post", "wang", INSPECTOR)
    planned = plan_inspection(store, office, visit(kind="planned"))
    with pytest.raises(IllegalTransitionError):
        complete_inspection(store, office, planned.id, expected_version=1)
    started = start_inspection(store, office, planned.id, expected_version=1)
    with pytest.raises(StaleRecordError):
        start_inspection(store, office, planned.id, expected_version=1)
    with pytest.raises(StaleRecordError):
        answer_items(
            store, office, planned.id, [ItemAnswer(ITEMS[0], "compliant")], expected_version=1
        )
    assert get_inspection(store, office, planned.id).answers == ()
    partial = answer_items(
        store,
        office,
        planned.id,
        [ItemAnswer(ITEMS[0], "compliant")],
        expected_version=started.version,
    )
    with pytest.raises(InvalidInputError) as missing:
        complete_inspection(store, office, planned.id, expected_version=partial.version)
    assert len(missing.value.problems) == len(ITEMS) - 1
    assert missing.value.problems[0].location == f"answers.{ITEMS[1]}"
    full = answer_items(
        store, office, planned.id, everything_compliant_but(), expected_version=partial.version
    )
    done = complete_inspection(store, office, planned.id, expected_version=full.version)
    assert done.findings == () and done.inspection.completed_at is not None
    with pytest.raises(IllegalTransitionError):
        cancel_inspection(store, office, planned.id, expected_version=done.version, reason="x")
    with pytest.raises(ConflictError):
        answer_items(
            store,
            office,
            planned.id,
            [ItemAnswer(ITEMS[0], "not_compliant", "x")],
            expected_version=done.version,
        )
    assert audited(store, "inspection.complete") == 1


def test_a_finding_follows_its_answer_and_is_locked_after_completion(store: Store) -> None:
    """Answered not compliant, an item is a finding with the item's rule and the place's company,
    node and region; answered compliant again, the finding is withdrawn; a not-compliant answer
    without a note is refused; after completion no evidence can be attached."""
    office = principal(store, "sc-post", "wang", INSPECTOR)
    planned = plan_inspection(store, office, visit(kind="planned"))
    started = start_inspection(store, office, planned.id, expected_version=1)
    with pytest.raises(InvalidInputError) as no_note:
        answer_items(
            store,
            office,
            planned.id,
            [ItemAnswer("real_name.verified", "not_compliant")],
            expected_version=started.version,
        )
    assert no_note.value.problems[0].location == "answers[0].note"
    once = answer_items(
        store,
        office,
        planned.id,
        [ItemAnswer("real_name.verified", "not_compliant", "未登记证件")],
        expected_version=started.version,
    )
    finding = once.findings[0].finding
    with transaction(store.sessions) as session:
        record = finding_by_id(session, finding.id)
    assert record is not None
    assert (record.carrier, record.node_id, record.region, record.rule_key, record.item_key) == (
        "ZTO",
        "ZTO-MY-O1",
        "510703",
        "real_name",
        "real_name.verified",
    )
    again = answer_items(
        store,
        office,
        planned.id,
        [ItemAnswer("real_name.verified", "compliant")],
        expected_version=once.version,
    )
    assert again.findings == ()
    final = answer_items(
        store,
        office,
        planned.id,
        everything_compliant_but("prohibited_items.list_displayed"),
        expected_version=again.version,
    )
    complete_inspection(store, office, planned.id, expected_version=final.version)
    with pytest.raises(ConflictError):
        attach_finding_evidence(
            store, office, final.findings[0].finding.id, name="a.png", content=PNG
        )


def test_a_self_inspection_is_limited_to_the_own_brand(store: Store) -> None:
    """ZTO's security officer self-inspects its Chengdu outlet; it may not self-inspect YTO, nor
    plan a regulator's inspection; the Chengdu office may not inspect in Mianyang; a joint
    inspection needs its public-security partner named."""
    officer = principal(store, "zto-sc", "chen", INSPECTOR)
    own = plan_inspection(
        store,
        officer,
        visit(kind="planned", conducted_by="self", inspectors=("chen",), node_id="ZTO-CD-O1"),
    )
    assert (own.inspection.conducted_by, own.company, own.inspection.region) == (
        "self",
        "zto-sc",
        "510104",
    )
    with pytest.raises((ForbiddenError, InvalidInputError)):
        plan_inspection(
            store,
            officer,
            visit(
                conducted_by="self",
                company="yto-sc",
                inspectors=("chen",),
                node_id=None,
                address="成都市某路1号",
                region="510104",
            ),
        )
    with pytest.raises(ForbiddenError):
        plan_inspection(store, officer, visit(inspectors=("chen",)))
    city = principal(store, "cd-post", "zhou", INSPECTOR)
    with pytest.raises(ForbiddenError):
        plan_inspection(store, city, visit(inspectors=("zhou",)))
    with pytest.raises(InvalidInputError) as joint:
        plan_inspection(
            store, principal(store, "sc-post", "wang", INSPECTOR), visit(conducted_by="joint")
        )
    assert [problem.location for problem in joint.value.problems] == ["partner_body"]
    joined = plan_inspection(
        store,
        principal(store, "sc-post", "wang", INSPECTOR),
        visit(
            conducted_by="joint",
            partner_body="绵阳市公安局涪城分局",
            partner_officers=("张警官", "刘警官"),
        ),
    )
    assert joined.inspection.partner_officers == ("张警官", "刘警官")


def test_only_the_conducting_office_changes_an_inspection(store: Store) -> None:
    """The Chengdu office plans one at Jinjiang; the Sichuan office reads it but cannot start
    it; a cancelled plan keeps its reason."""
    city = principal(store, "cd-post", "zhou", INSPECTOR)
    planned = plan_inspection(store, city, visit(inspectors=("zhou",), node_id="ZTO-CD-O1"))
    province = principal(store, "sc-post", "wang", INSPECTOR)
    assert get_inspection(store, province, planned.id).actions == ()
    with pytest.raises(ForbiddenError):
        start_inspection(store, province, planned.id, expected_version=1)
    cancelled = cancel_inspection(store, city, planned.id, expected_version=1, reason="网点已停业")
    assert cancelled.state == "cancelled" and "网点已停业" in cancelled.inspection.note


def test_two_inspectors_answering_at_once_one_is_refused(store: Store) -> None:
    """Wang and Li answer the same version at the same moment: one batch is kept whole, the
    other refused as stale (409) with nothing of it written."""
    office = principal(store, "sc-post", "wang", INSPECTOR)
    colleague = principal(store, "sc-post", "li", INSPECTOR)
    planned = plan_inspection(store, office, visit(kind="planned"))
    started = start_inspection(store, office, planned.id, expected_version=1)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def answer(actor: object, note: str) -> None:
        barrier.wait()
        try:
            answer_items(
                store,
                actor,
                planned.id,  # type: ignore[arg-type]
                [ItemAnswer("x_ray.machine_present", "not_compliant", note)],
                expected_version=started.version,
            )
            outcomes.append(note)
        except StaleRecordError:
            outcomes.append("stale")

    threads = [
        threading.Thread(target=answer, args=(who, note))
        for who, note in ((office, "无安检机"), (colleague, "安检机缺失"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("stale") == 1 and len(outcomes) == 2
    kept = get_inspection(store, office, planned.id)
    assert kept.version == started.version + 1
    assert [f.finding.description for f in kept.findings] == [
        next(o for o in outcomes if o != "stale")
    ]
