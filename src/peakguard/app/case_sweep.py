"""The overdue sweep: reminders before and at each deadline, and breaches, recorded once.

Run by every server process every ``PEAKGUARD_COMPLAINT_SWEEP_SECONDS`` and by
``peakguard cases sweep``. One sweep runs at a time (a PostgreSQL advisory lock held for the
sweep's transaction; SQLite's single writer), and each reminder and each breach is a row that
can exist once (a unique key), so two workers sweeping at the same moment, or one sweeping
twice, record each breach once. A sweep looks at every clock whose deadline (or reminder time)
has passed, however long ago: after a restart it catches up with what it missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from peakguard.app.audit import record_in
from peakguard.app.case_calendar import clock_rules
from peakguard.identity.model import LOCAL_ADMINISTRATOR, Principal
from peakguard.store.case_clocks import (
    clocks_due,
    insert_reminder_once,
    mark_breached_once,
    sweep_lock,
)
from peakguard.store.cases import CaseRecord, load_case_by_id
from peakguard.store.database import Store, transaction

SWEEPER = Principal(
    name="sweep",
    organisation=LOCAL_ADMINISTRATOR.organisation,
    permissions=LOCAL_ADMINISTRATOR.permissions,
    channel=LOCAL_ADMINISTRATOR.channel,
    roles=("system",),
)
"""Who the audit trail names for what the sweep records."""


@dataclass(frozen=True)
class SweepReport:
    """What one sweep recorded (``ran`` is False when another sweep held the lock)."""

    ran: bool
    reminders: int = 0
    breaches: int = 0
    examined: int = 0


def sweep_cases(store: Store, *, now: datetime | None = None) -> SweepReport:
    """Record the reminders and breaches due at ``now``, each once."""
    moment = now or datetime.now(UTC)
    rules = clock_rules()
    horizon = max((rule.remind_before for rule in rules.values()), default=timedelta(days=1))
    with transaction(store.sessions) as session:
        if not sweep_lock(session):
            return SweepReport(ran=False)
        reminders = breaches = examined = 0
        for clock in clocks_due(session, before=moment + horizon):
            examined += 1
            if clock.due_at is None:
                continue
            rule = rules.get(clock.rule_key)
            before = rule.remind_before if rule is not None else timedelta(days=1)
            case = load_case_by_id(session, clock.case_id)
            if case is None:
                continue
            organisation = _responsible(case, clock.rule_key)
            if moment >= clock.due_at - before and insert_reminder_once(
                session, clock.id, "before", organisation, moment
            ):
                reminders += 1
            if moment <= clock.due_at:  # a step at the deadline itself is in time
                continue
            if insert_reminder_once(session, clock.id, "due", organisation, moment):
                reminders += 1
            if mark_breached_once(session, clock.id, moment):
                breaches += 1
                record_in(
                    session,
                    store,
                    SWEEPER,
                    "case.clock_breached",
                    "case",
                    case.reference,
                    detail={
                        "clock": clock.rule_key,
                        "due_at": clock.due_at.isoformat(),
                    },
                    at=moment,
                )
    return SweepReport(ran=True, reminders=reminders, breaches=breaches, examined=examined)


CARRIER_CLOCKS = ("complaint.answer", "appeal.carrier_reply", "appeal.mediation_answer")
"""The clocks the carrier must beat (the others are the administration's)."""


def _responsible(case: CaseRecord, rule_key: str) -> int | None:
    """The organisation a reminder goes to: the carrier company for the carrier's clocks, the
    handling office for the administration's (emergency work orders are the carrier's)."""
    carrier_organisation = case.carrier_organisation_id
    handling = case.handling_organisation_id
    if rule_key in CARRIER_CLOCKS or rule_key.startswith("emergency."):
        return carrier_organisation if carrier_organisation is not None else handling
    return handling
