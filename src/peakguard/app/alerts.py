"""Alerts to an office's duty (值班告警): raised by the desk's other parts (late reports,
incidents, warnings, emergency plans, complaint clocks), delivered to whoever is on duty,
escalated down the chain when nobody acknowledges them in time (docs/reference/duty.md).

Use :func:`raise_alert` from any operation; it is safe to call inside your own transaction
(pass your session) or on its own (pass the store).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from peakguard.app.audit import record_in
from peakguard.cases.duty import escalation_chain, on_duty
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.i18n import Message
from peakguard.identity.model import LOCAL_ADMINISTRATOR, Principal
from peakguard.store.database import Store, transaction
from peakguard.store.duty import (
    AlertRecord,
    directors,
    insert_alert,
    office_settings,
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
    day = raised_at.astimezone(CHINA_STANDARD_TIME).date()
    watches = roster(session, organisation_id, day - timedelta(days=2), day + timedelta(days=1))
    chain = escalation_chain(
        on_duty(settings.shifts, watches, raised_at), directors(session, organisation_id)
    )
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
