"""Alerts to an office's duty (值班告警): raised by the desk's other parts (late reports,
incidents, warnings, emergency plans, complaint clocks), delivered to whoever is on duty,
escalated down the chain when nobody acknowledges them in time (docs/reference/duty.md).

Use :func:`raise_alert` from any operation; it is safe to call inside your own transaction
(pass your session) or on its own (pass the store).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from peakguard.app.access import require
from peakguard.app.audit import record_in
from peakguard.app.duty import office_of
from peakguard.cases.clock_labels import rule_label
from peakguard.cases.duty import escalation_chain, escalation_step, on_duty, step_due_at
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import ConflictError, NotFoundError
from peakguard.i18n import Message, _
from peakguard.identity.model import LOCAL_ADMINISTRATOR, Permission, Principal
from peakguard.store.case_clocks import reminders
from peakguard.store.database import Store, transaction
from peakguard.store.duty import (
    AlertRecord,
    acknowledge_alert,
    alerted_keys,
    alerts,
    directors,
    duty_sweep_lock,
    escalate_once,
    insert_alert,
    load_alert,
    office_settings,
    open_alerts_before,
    roster,
)

DUTY_SYSTEM = Principal(
    name="duty",
    organisation=LOCAL_ADMINISTRATOR.organisation,
    permissions=LOCAL_ADMINISTRATOR.permissions,
    channel=LOCAL_ADMINISTRATOR.channel,
    roles=("system",),
)
"""Who the audit trail names for alerts raised and escalated by the system."""

Summary = Message | tuple[str, Mapping[str, Any]]


def raise_alert(
    store_or_session: Store | Session,
    *,
    organisation_id: int,
    kind: str,
    subject: str,
    summary: Summary,
    raised_at: datetime,
    dedupe_key: str | None = None,
) -> int:
    """Raise an alert to the duty of office ``organisation_id``; the alert's id.

    - ``kind``: what raised it, a short code (``report.late``, ``incident.blockage``,
      ``warning.raised``, ``emergency.activated``, ``case.reminder``…).
    - ``subject``: what it is about, ``<area>:<reference>`` (``case:SS2026-000001``,
      ``incident:42``, ``warning:17``, ``report:…``), shown as a link.
    - ``summary``: the sentence to show, as a :class:`~peakguard.i18n.Message` built with
      ``_("…", name=value)`` or a ``(msgid, params)`` pair. It is stored as msgid + JSON
      params and rendered in each reader's language (:func:`alert_message`); params must be
      JSON-able (str, int, float, bool, None, date/datetime — kept as ISO text — or a nested
      Message).
    - ``raised_at``: an aware datetime.
    - ``dedupe_key``: raising twice with the same key returns the first alert's id and
      changes nothing (use e.g. ``"report.late:<org>:<day>"``); None never deduplicates.

    The alert is delivered to the first duty officer of the shift on duty at ``raised_at``
    (then down the chain: second officer, …, leader on duty, directors; nobody when the
    office has no roster then — the board shows it). Unacknowledged after the office's limit
    (15 minutes by default) it escalates at the next sweep.

    With a :class:`Store` it runs in a transaction of its own and records an audit entry
    ``duty.alert_raised``; with a ``Session`` it joins the caller's transaction (kept if and
    only if the caller's change is) and leaves the audit to the caller's own entry.
    """
    msgid, params = _parts(summary)
    if isinstance(store_or_session, Store):
        with transaction(store_or_session.sessions) as session:
            alert_id, created = _insert(
                session, organisation_id, kind, subject, msgid, params, raised_at, dedupe_key
            )
            if created:
                record_in(
                    session,
                    store_or_session,
                    DUTY_SYSTEM,
                    "duty.alert_raised",
                    "duty_alert",
                    str(alert_id),
                    detail={"kind": kind, "subject": subject, "organisation": organisation_id},
                    at=raised_at,
                )
            return alert_id
    alert_id, _created = _insert(
        store_or_session, organisation_id, kind, subject, msgid, params, raised_at, dedupe_key
    )
    return alert_id


def _insert(
    session: Session,
    organisation_id: int,
    kind: str,
    subject: str,
    msgid: str,
    params: str,
    raised_at: datetime,
    dedupe_key: str | None,
) -> tuple[int, bool]:
    if raised_at.tzinfo is None:
        raise ValueError("raised_at must be an aware datetime")
    settings = office_settings(session, organisation_id)
    chain = chain_at(session, organisation_id, raised_at)
    return insert_alert(
        session,
        organisation_id=organisation_id,
        kind=kind,
        subject=subject,
        msgid=msgid,
        params=params,
        raised_at=raised_at,
        dedupe_key=dedupe_key,
        acknowledge_minutes=settings.acknowledge_minutes,
        step=0,
        delivered_to=chain[0] if chain else None,
    )


def _parts(summary: Summary) -> tuple[str, str]:
    if isinstance(summary, Message):
        return summary.msgid, json.dumps(_storable(summary.params), ensure_ascii=False)
    msgid, params = summary
    return msgid, json.dumps(_storable(dict(params)), ensure_ascii=False)


def _storable(params: Mapping[str, Any]) -> dict[str, Any]:
    stored: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, Message):
            stored[key] = {"__message__": value.msgid, "params": _storable(value.params)}
        elif isinstance(value, (datetime, date)):
            stored[key] = value.isoformat()
        elif value is None or isinstance(value, (str, int, float, bool)):
            stored[key] = value
        else:
            raise TypeError(f"alert parameter {key!r} is not storable: {type(value).__name__}")
    return stored


def _revived(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: Message(value["__message__"], _revived(value.get("params", {})))
        if isinstance(value, dict) and "__message__" in value
        else value
        for key, value in params.items()
    }


def alert_message(row: AlertRecord) -> Message:
    """The alert's summary as a Message, to render in the reader's language."""
    return Message(row.msgid, _revived(row.params))


def chain_at(session: Session, organisation_id: int, moment: datetime) -> tuple[int, ...]:
    """The escalation chain of the office at ``moment``: the officers of the shift on duty,
    its leader, then the office's directors."""
    settings = office_settings(session, organisation_id)
    day = moment.astimezone(CHINA_STANDARD_TIME).date()
    watches = roster(session, organisation_id, day - timedelta(days=1), day)
    return escalation_chain(
        on_duty(settings.shifts, watches, moment), directors(session, organisation_id)
    )


@dataclass(frozen=True)
class AlertSweepReport:
    """What one sweep did (``ran`` is False when another sweep held the lock)."""

    ran: bool
    examined: int = 0
    escalations: int = 0


def sweep_alerts(store: Store, *, now: datetime | None = None) -> AlertSweepReport:
    """Escalate every open alert as far as ``now`` says, each step once.

    Step k of an alert is due ``k × limit`` after it was raised and goes to the k-th person of
    the chain of the shift on duty at that due time (stopping at the chain's last person).
    A sweep after a downtime records every step missed, each with its own due time, and
    leaves the alert with the person it should be with now. Safe to run from many workers at
    once: one holds the lock, and each step is a unique row."""
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        if not duty_sweep_lock(session):
            return AlertSweepReport(ran=False)
        examined = escalated = 0
        for alert in open_alerts_before(session, moment):
            examined += 1
            escalated += _escalate(session, store, alert, moment)
    return AlertSweepReport(ran=True, examined=examined, escalations=escalated)


def _escalate(session: Session, store: Store, alert: AlertRecord, now: datetime) -> int:
    limit = timedelta(minutes=alert.acknowledge_minutes)
    target = escalation_step(
        alert.raised_at, limit, now, len(chain_at(session, alert.organisation_id, now))
    )
    done = 0
    for step in range(alert.step + 1, target + 1):
        due = step_due_at(alert.raised_at, limit, step)
        chain = chain_at(session, alert.organisation_id, due) or chain_at(
            session, alert.organisation_id, now
        )
        person = chain[min(step, len(chain) - 1)] if chain else None
        if escalate_once(session, alert.id, step, person, due_at=due, at=now):
            done += 1
            record_in(
                session,
                store,
                DUTY_SYSTEM,
                "duty.alert_escalated",
                "duty_alert",
                str(alert.id),
                detail={"step": step, "due_at": due.isoformat()},
                at=now,
            )
    return done


def acknowledge(
    store: Store,
    actor: Principal,
    alert_id: int,
    *,
    note: str | None = None,
    now: datetime | None = None,
) -> AlertRecord:
    """Acknowledge an alert of the actor's office (anyone of the office holding duty.keep
    may: whoever takes it stops its escalation); a second acknowledgement is a conflict."""
    require(actor, Permission.duty_keep)
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        alert = load_alert(session, alert_id)
        mine = alert is not None and alert.organisation_id == actor.organisation.id
        if alert is None or not (mine or actor.may(Permission.admin_manage)):
            raise NotFoundError(_("no alert {id}", id=alert_id))
        cleaned = (note or "").strip() or None
        if not acknowledge_alert(session, alert_id, by=actor.name, at=moment, note=cleaned):
            raise ConflictError(
                _(
                    "alert {id} was acknowledged already by {by}",
                    id=alert_id,
                    by=alert.acknowledged_by or "",
                )
            )
        record_in(
            session, store, actor, "duty.alert_acknowledged", "duty_alert", str(alert_id), at=moment
        )
        found = load_alert(session, alert_id)
    assert found is not None
    return found


def office_alerts(
    store: Store,
    actor: Principal,
    *,
    mine: bool = False,
    open_only: bool = False,
    office: str | None = None,
) -> list[AlertRecord]:
    """The alerts of the actor's office (an administrator may name another), open ones
    first, newest first; ``mine``: only those with the actor now."""
    require(actor, Permission.duty_read)
    with transaction(store.sessions) as session:
        row = office_of(session, actor, office)
        if mine and actor.user_id is None:
            return []
        return alerts(
            session,
            [row.id],
            open_only=open_only,
            delivered_to=actor.user_id if mine else None,
        )


REMINDER_PREFIX = "case.reminder:"


def alert_case_reminders(store: Store, *, now: datetime | None = None) -> int:
    """Raise an alert to the responsible office's duty for each complaint-clock reminder not
    yet acknowledged nor alerted (deduplicated by the reminder's id); how many were raised."""
    moment = now or datetime.now(UTC)
    raised = 0
    with transaction(store.sessions) as session:
        done = alerted_keys(session, REMINDER_PREFIX)
        for reminder in reminders(session, None, unacknowledged_only=True, limit=5000):
            key = f"{REMINDER_PREFIX}{reminder.id}"
            if key in done or reminder.organisation_id is None:
                continue
            summary = _reminder_summary(reminder.kind, reminder.reference, reminder.rule_key)
            alert_id, created = _insert(
                session,
                reminder.organisation_id,
                "case.reminder",
                f"case:{reminder.reference}",
                summary.msgid,
                json.dumps(_storable(summary.params), ensure_ascii=False),
                moment,
                key,
            )
            if created:
                raised += 1
                record_in(
                    session,
                    store,
                    DUTY_SYSTEM,
                    "duty.alert_raised",
                    "duty_alert",
                    str(alert_id),
                    detail={"kind": "case.reminder", "reminder": reminder.id},
                    at=moment,
                )
    return raised


def _reminder_summary(kind: str, reference: str, rule_key: str) -> Message:
    clock = rule_label(rule_key)
    if kind == "before":
        return _("case {reference}: deadline near — {clock}", reference=reference, clock=clock)
    if kind == "due":
        return _("case {reference}: deadline passed — {clock}", reference=reference, clock=clock)
    return _("case {reference}: deadline breached — {clock}", reference=reference, clock=clock)
