"""The reminders the overdue sweep raised for an organisation: a deadline near (``before``),
reached (``due``); read on the desk and acknowledged by whoever deals with them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from peakguard.app.access import require
from peakguard.app.audit import record_in
from peakguard.errors import NotFoundError
from peakguard.i18n import _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.case_clocks import ReminderRecord, acknowledge_reminder, reminders
from peakguard.store.case_tables import CaseReminderRow
from peakguard.store.database import Store, transaction


def _organisation(actor: Principal) -> int | None:
    """Whose reminders ``actor`` reads: its organisation's (the system: everyone's)."""
    if actor.organisation.kind is OrganisationKind.system:
        return None
    return actor.organisation.id if actor.organisation.id is not None else -1


def reminders_for(
    store: Store, *, actor: Principal, include_acknowledged: bool = False, limit: int = 100
) -> list[ReminderRecord]:
    """The reminders raised for ``actor``'s organisation, newest first."""
    require(actor, Permission.case_read)
    with transaction(store.sessions) as session:
        return reminders(
            session,
            _organisation(actor),
            unacknowledged_only=not include_acknowledged,
            limit=limit,
        )


def acknowledge(
    store: Store, reminder_id: int, *, actor: Principal, now: datetime | None = None
) -> bool:
    """Mark reminder ``reminder_id`` of ``actor``'s organisation as read (False when it was
    already); another organisation's reminder is "not found"."""
    require(actor, Permission.case_handle)
    moment = now or datetime.now(UTC)
    organisation = _organisation(actor)
    with transaction(store.sessions) as session:
        owner = session.execute(
            select(CaseReminderRow.organisation_id).where(CaseReminderRow.id == reminder_id)
        ).first()
        if owner is None or (organisation is not None and owner[0] != organisation):
            raise NotFoundError(_("No reminder {id} is yours.", id=reminder_id))
        done = acknowledge_reminder(session, reminder_id, by=actor.label(), at=moment)
        if done:
            record_in(
                session,
                store,
                actor,
                "case.reminder_acknowledge",
                "reminder",
                str(reminder_id),
                at=moment,
            )
        return done
