"""Arrival messages (seed 000: 通过短信等方式告知收件人预计到达时间) for parcels bound for a
controlled area, sent through a :class:`~peakguard.notices.notifier.Notifier`, and the outbox
that records every message sent.

The recipient's phone is personal data: it reaches the notifier in clear (it must, to send),
is kept only sealed with the deployment's personal-data key and as a keyed digest, is masked
in every view, and is never logged nor put into the audit trail. Reading one in clear is an
audited act (``notice.phone_read``). Sending and reading the outbox need ``notice.publish``; a
carrier sends for and reads its own brand's parcels only."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.app.tracking import TrackingView, track_many
from peakguard.errors import ConfigurationError, InvalidInputError, NotFoundError, Problem
from peakguard.i18n import Message, _
from peakguard.identity.model import Permission, Principal
from peakguard.notices.eta import EtaSettings
from peakguard.notices.notifier import Notifier, OutgoingMessage, Receipt
from peakguard.notices.wording import arrival_text, language_of
from peakguard.store import notices as stored
from peakguard.store.database import Store, transaction
from peakguard.store.notice_tables import OutboxMessageRow
from peakguard.store.personal import PersonalVault, mask_phone

PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,18}[0-9]$")


@dataclass(frozen=True)
class Recipient:
    """Who to tell about ``waybill`` (of ``carrier`` when two brands share the number), in
    which language (``zh`` or ``en``)."""

    waybill: str
    phone: str = field(repr=False)
    language: str = "zh"
    carrier: str | None = None


class OutboxOnly:
    """The default notifier: the outbox row is the whole delivery (a deployment without an
    SMS gateway, the tests, the demo)."""

    def send(self, message: OutgoingMessage) -> Receipt:
        return Receipt(True, "outbox")


@dataclass(frozen=True)
class OutboxView:
    """A message in the outbox, the recipient's phone masked."""

    id: int
    waybill: str
    carrier: str
    kind: str
    language: str
    phone: str
    text: str
    region: str
    arrival: datetime | None
    basis: str
    channel: str
    accepted: bool
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Skipped:
    waybill: str
    reason: Message


@dataclass(frozen=True)
class SendReport:
    """The messages sent, and each recipient skipped with why."""

    sent: list[OutboxView]
    skipped: list[Skipped]


def _vault(store: Store) -> PersonalVault:
    if not store.personal_key:
        raise ConfigurationError(
            _(
                "No key for personal data is configured: set PEAKGUARD_PERSONAL_KEY or let "
                "peakguard make <home>/personal.key."
            )
        )
    return PersonalVault(keys=[store.personal_key])


def _outbox_view(row: OutboxMessageRow, phone: str) -> OutboxView:
    return OutboxView(
        row.id,
        row.waybill,
        row.carrier,
        row.kind,
        row.language,
        phone,
        row.text,
        row.region,
        row.arrival,
        row.basis,
        row.channel,
        row.accepted,
        row.created_by,
        row.created_at,
    )


def _check_recipients(recipients: Sequence[Recipient]) -> None:
    problems = [
        Problem(f"recipients[{index}].phone", _("Not a phone number: digits, 7 to 20 of them."))
        for index, recipient in enumerate(recipients)
        if not PHONE.match(recipient.phone.strip())
    ]
    problems += [
        Problem(f"recipients[{index}].waybill", _("Give the parcel's waybill number."))
        for index, recipient in enumerate(recipients)
        if not recipient.waybill.strip()
    ]
    if problems:
        raise InvalidInputError(_("The recipients have mistakes; nothing was sent."), problems)


def _chosen(
    actor: Principal, recipient: Recipient, found: list[TrackingView]
) -> TrackingView | Skipped:
    scope = reach(actor)
    mine = [view for view in found if scope.everything or view.carrier == scope.carrier]
    if recipient.carrier is not None:
        mine = [view for view in mine if view.carrier == recipient.carrier.strip().upper()]
    if len(mine) != 1:
        return Skipped(recipient.waybill, _("No parcel of yours has this waybill number."))
    view = mine[0]
    if view.notice is None:
        return Skipped(recipient.waybill, _("Not bound for a controlled area: no message."))
    if view.finished:
        return Skipped(recipient.waybill, _("Already delivered or returned: no message."))
    if view.estimate.arrival is None:
        return Skipped(recipient.waybill, _("No estimate of its arrival: no message."))
    return view


def send_arrival_messages(
    store: Store,
    actor: Principal,
    lake: Path,
    recipients: Sequence[Recipient],
    *,
    now: datetime,
    notifier: Notifier | None = None,
    settings: EtaSettings | None = None,
) -> SendReport:
    """Tell each recipient of a parcel bound for a controlled area when to expect it, in
    their language, through ``notifier`` (default: the outbox only); every message sent is
    kept in the outbox. A recipient whose parcel is not the actor's, not bound for a
    controlled area, already delivered or without an estimate is skipped, with why."""
    require(actor, Permission.notice_publish)
    _check_recipients(recipients)
    channel = notifier or OutboxOnly()
    vault = _vault(store)
    found = track_many(
        store, actor, lake, [r.waybill.strip() for r in recipients], now=now, settings=settings
    )
    sent: list[OutboxView] = []
    skipped: list[Skipped] = []
    for recipient in recipients:
        chosen = _chosen(actor, recipient, found[recipient.waybill.strip()])
        if isinstance(chosen, Skipped):
            skipped.append(chosen)
            continue
        sent.append(_send_one(store, actor, vault, channel, recipient, chosen, now))
    return SendReport(sent, skipped)


def _send_one(
    store: Store,
    actor: Principal,
    vault: PersonalVault,
    channel: Notifier,
    recipient: Recipient,
    view: TrackingView,
    now: datetime,
) -> OutboxView:
    assert view.notice is not None
    assert view.estimate.arrival is not None
    language = language_of(recipient.language)
    phone = recipient.phone.strip()
    text = arrival_text(
        view.notice.area,
        language,
        carrier=view.carrier,
        waybill=view.waybill,
        arrival=view.estimate.arrival,
    )
    receipt = channel.send(OutgoingMessage(view.waybill, view.carrier, phone, language, text))
    with transaction(store.sessions) as session:
        row = stored.add_outbox_message(
            session,
            OutboxMessageRow(
                waybill=view.waybill,
                carrier=view.carrier,
                kind="arrival",
                language=language,
                phone=vault.seal(phone),
                phone_hash=vault.digest(phone),
                text=text,
                region=view.destination_region,
                arrival=view.estimate.arrival,
                basis=view.estimate.basis.value,
                channel=receipt.channel,
                accepted=receipt.accepted,
                created_by=actor.label(),
                created_at=now,
            ),
        )
        detail = {"waybill": view.waybill, "carrier": view.carrier, "channel": receipt.channel}
        record_in(
            session, store, actor, "notice.send", "outbox", str(row.id), detail=detail, at=now
        )
        return _outbox_view(row, mask_phone(phone))


def _carrier_filter(actor: Principal) -> str | None:
    scope = reach(actor)
    if scope.everything:
        return None
    if scope.carrier is None:
        raise NotFoundError(_("Only a carrier or the system reads the outbox."))
    return scope.carrier


def read_outbox(
    store: Store, actor: Principal, *, waybill: str | None = None, limit: int = 500
) -> list[OutboxView]:
    """The messages sent, newest first, phones masked (a carrier: its brand's)."""
    require(actor, Permission.notice_publish)
    brand = _carrier_filter(actor)
    vault = _vault(store)
    with transaction(store.sessions) as session:
        rows = stored.outbox_rows(session, carrier=brand, waybill=waybill, limit=limit)
        return [_outbox_view(row, mask_phone(vault.open(row.phone) or "")) for row in rows]


def reveal_outbox_phone(store: Store, actor: Principal, message_id: int, *, now: datetime) -> str:
    """The recipient's phone of one message in clear (to call them back): audited."""
    require(actor, Permission.notice_publish)
    brand = _carrier_filter(actor)
    vault = _vault(store)
    with transaction(store.sessions) as session:
        row = stored.outbox_row(session, message_id)
        if row is None or (brand is not None and row.carrier != brand):
            raise NotFoundError(_("No message {id} in your outbox.", id=message_id))
        record_in(
            session,
            store,
            actor,
            "notice.phone_read",
            "outbox",
            str(row.id),
            detail={"waybill": row.waybill},
            at=now,
        )
        return vault.open(row.phone) or ""
