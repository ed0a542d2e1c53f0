"""An emergency plan's life on each engine: a red warning in Chengdu proposes level III of the
peak-backlog plan, the city's director activates it, the duty officer checks off every action,
the director terminates it — each step audited; illegal steps refused; two people terminating
at once; a drill never counted; who sees what."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from peakguard.app import accounts
from peakguard.app.alerts import office_alerts
from peakguard.app.context import open_store
from peakguard.app.emergency import (
    activation_counts,
    check_action,
    get_activation,
    list_activations,
    propose_for_incident,
    propose_for_warning,
    start_activation,
    take_step,
)
from peakguard.config import Settings
from peakguard.errors import (
    ForbiddenError,
    IllegalTransitionError,
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
from peakguard.store.access_tables import AuditEntryRow
from peakguard.store.database import Store, transaction

CHINA = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 12, 2, 0, tzinfo=CHINA)
P = Permission
DIRECTOR = {P.incident_read, P.duty_keep, P.emergency_command, P.incident_report}
DUTY = {P.incident_read, P.duty_keep, P.incident_report}


def person(name: str, code: str, permissions: set[Permission], **organisation: object) -> Principal:
    """A user of ``code`` holding ``permissions``."""
    return Principal(
        name=name,
        organisation=Organisation(code=code, name=code, **organisation),  # type: ignore[arg-type]
        permissions=frozenset(permissions),
        channel=Channel.session,
    )


def regulator(name: str, code: str, level: RegulatorLevel, region: str, perms: set[P]) -> Principal:
    return person(name, code, perms, kind=OrganisationKind.regulator, level=level, region=region)


CITY = RegulatorLevel.city
CHENGDU_DIRECTOR = regulator("chen", "sc-cd", CITY, "510100", DIRECTOR)
CHENGDU_DUTY = regulator("li", "sc-cd", CITY, "510100", DUTY)
MIANYANG_DIRECTOR = regulator("wang", "sc-my", CITY, "510700", DIRECTOR)
SICHUAN_DIRECTOR = regulator("zhao", "sc", RegulatorLevel.provincial, "510000", DIRECTOR)
ZTO_SICHUAN = person(
    "zhou",
    "zto-sc",
    {P.incident_read},
    kind=OrganisationKind.carrier,
    carrier="ZTO",
    region="510000",
)


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty database."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    yield opened
    opened.engine.dispose()


def kept_office(store: Store, actor: Principal) -> Principal:
    """``actor`` with its organisation kept in the database (so that its duty has an id)."""
    kept = accounts.create_organisation(store, LOCAL_ADMINISTRATOR, actor.organisation)
    return replace(actor, organisation=kept)


def audited(store: Store, activation_id: int) -> list[str]:
    with transaction(store.sessions) as session:
        rows = session.scalars(
            sa.select(AuditEntryRow.action)
            .where(
                AuditEntryRow.record_kind == "emergency_activation",
                AuditEntryRow.record_id == str(activation_id),
            )
            .order_by(AuditEntryRow.sequence)
        )
        return list(rows)


def chengdu_red_warning(store: Store) -> int:
    """A red warning at Chengdu's hub with backlog at 1.3 × storage: a level III proposal."""
    proposal = propose_for_warning(
        store,
        warning_level="red",
        backlog_ratio=1.3,
        region="510100",
        node="ZTO-CD-HUB",
        trigger="warning:17",
        actor=CHENGDU_DUTY,
        now=NOW,
    )
    assert proposal is not None
    return proposal.id


def test_a_warning_s_plan_is_activated_worked_through_and_terminated(store: Store) -> None:
    """Proposed III → activated → 5 actions checked off → terminated: 8 audit entries."""
    activation_id = chengdu_red_warning(store)
    view = get_activation(store, activation_id, actor=CHENGDU_DUTY)
    assert (view.record.plan_key, view.level, view.state) == ("peak_backlog", "III", "proposed")
    assert view.record.reasons == ("backlog_ratio >= 1.2",)
    assert view.record.trigger == "warning:17"
    director = kept_office(store, CHENGDU_DIRECTOR)
    view = take_step(
        store, activation_id, "activate", expected_version=view.version, actor=director, now=NOW
    )
    alerts = office_alerts(store, replace(director, permissions=frozenset({P.duty_read})))
    assert [(alert.kind, alert.subject) for alert in alerts] == [
        ("emergency.activated", f"emergency:{activation_id}")
    ]
    assert view.state == "activated" and view.unchecked == 5
    for action in view.actions:
        view = check_action(
            store,
            activation_id,
            action.action.key,
            expected_version=view.version,
            actor=CHENGDU_DUTY,
            note="done",
            now=NOW,
        )
    assert view.state == "responding" and view.unchecked == 0
    assert {action.check.actor for action in view.actions if action.check} == {"li@sc-cd"}
    view = take_step(
        store,
        activation_id,
        "terminate",
        expected_version=view.version,
        actor=CHENGDU_DIRECTOR,
        reason="积压已疏运完毕",
        now=NOW,
    )
    assert view.state == "terminated" and view.record.termination_reason == "积压已疏运完毕"
    assert [step.step for step in view.steps] == ["propose", "activate", "respond", "terminate"]
    assert audited(store, activation_id) == [
        "emergency.propose",
        "emergency.activate",
        *["emergency.check"] * 5,
        "emergency.terminate",
    ]
    assert activation_counts(store, actor=SICHUAN_DIRECTOR)["III"] == 1


def test_illegal_steps_and_offices_without_command_are_refused(store: Store) -> None:
    """A proposal cannot be terminated; a city office cannot raise to II; Mianyang cannot see
    Chengdu's activation; a terminated one takes nothing."""
    activation_id = chengdu_red_warning(store)
    with pytest.raises(IllegalTransitionError) as refused:
        take_step(
            store,
            activation_id,
            "terminate",
            expected_version=1,
            actor=CHENGDU_DIRECTOR,
            reason="x",
        )
    assert refused.value.allowed == ("activate", "dismiss")
    view = take_step(store, activation_id, "activate", expected_version=1, actor=CHENGDU_DIRECTOR)
    with pytest.raises(ForbiddenError):
        take_step(
            store,
            activation_id,
            "raise",
            expected_version=view.version,
            actor=CHENGDU_DIRECTOR,
            level="II",
        )
    with pytest.raises(NotFoundError):
        take_step(
            store,
            activation_id,
            "terminate",
            expected_version=view.version,
            actor=MIANYANG_DIRECTOR,
            reason="x",
        )
    view = take_step(
        store,
        activation_id,
        "raise",
        expected_version=view.version,
        actor=SICHUAN_DIRECTOR,
        level="II",
    )
    assert view.level == "II" and view.steps[-1].level_before == "III"
    view = take_step(
        store,
        activation_id,
        "terminate",
        expected_version=view.version,
        actor=SICHUAN_DIRECTOR,
        reason="over",
    )
    with pytest.raises(IllegalTransitionError):
        check_action(
            store, activation_id, "duty_24h", expected_version=view.version, actor=CHENGDU_DUTY
        )


def test_two_people_terminating_at_once_leave_one_conflict(store: Store) -> None:
    """Chengdu's and Sichuan's directors terminate version 2 together: one wins."""
    activation_id = chengdu_red_warning(store)
    take_step(store, activation_id, "activate", expected_version=1, actor=CHENGDU_DIRECTOR)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def terminate(actor: Principal) -> None:
        barrier.wait()
        try:
            take_step(
                store, activation_id, "terminate", expected_version=2, actor=actor, reason="ok"
            )
            outcomes.append("terminated")
        except StaleRecordError:
            outcomes.append("conflict")

    workers = [
        threading.Thread(target=terminate, args=(actor,))
        for actor in (CHENGDU_DIRECTOR, SICHUAN_DIRECTOR)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == ["conflict", "terminated"]
    assert audited(store, activation_id).count("emergency.terminate") == 1


def test_a_drill_is_recorded_but_never_counted_as_an_activation(store: Store) -> None:
    """A level II blockage drill by Sichuan is listed as a drill; the counts stay at zero."""
    drill = start_activation(
        store,
        plan_key="network_blockage",
        level="II",
        region="510000",
        drill=True,
        actor=SICHUAN_DIRECTOR,
        now=NOW,
    )
    assert drill.record.drill and drill.state == "activated"
    assert audited(store, drill.id) == ["emergency.drill"]
    assert activation_counts(store, actor=LOCAL_ADMINISTRATOR) == dict.fromkeys(
        ("I", "II", "III", "IV"), 0
    )
    assert [view.id for view in list_activations(store, actor=CHENGDU_DUTY, drill=True)] == [
        drill.id
    ]


def test_readers_see_what_covers_or_lies_in_their_territory(store: Store) -> None:
    """Chengdu's road cut: seen by Chengdu, Sichuan and ZTO Sichuan (read only); not by
    Mianyang. ZTO Sichuan's reporter records a fire's proposal in its province, not outside."""
    proposal = propose_for_incident(
        store,
        incident_type="road_cut",
        region="510100",
        trigger="incident:SJ2026-000001",
        blocked_hours=30,
        actor=CHENGDU_DUTY,
        now=NOW,
    )
    assert proposal is not None and (proposal.record.plan_key, proposal.level) == (
        "network_blockage",
        "III",
    )
    for reader in (CHENGDU_DUTY, SICHUAN_DIRECTOR, ZTO_SICHUAN):
        assert [view.id for view in list_activations(store, actor=reader)] == [proposal.id]
    assert list_activations(store, actor=MIANYANG_DIRECTOR) == []
    with pytest.raises(NotFoundError):
        get_activation(store, proposal.id, actor=MIANYANG_DIRECTOR)
    with pytest.raises(ForbiddenError):
        take_step(store, proposal.id, "activate", expected_version=1, actor=ZTO_SICHUAN)
    reporter = replace(ZTO_SICHUAN, permissions=frozenset({P.incident_report}))
    fire = {"incident_type": "fire", "trigger": "incident:SJ2026-000002", "actor": reporter}
    recorded = propose_for_incident(store, region="510703", extra={"deaths": 3}, **fire)
    assert recorded is not None and (recorded.record.plan_key, recorded.level) == (
        "safety_accident",
        "III",
    )
    with pytest.raises(NotFoundError):
        propose_for_incident(store, region="440305", extra={"deaths": 3}, **fire)
