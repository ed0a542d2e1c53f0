"""The tables of notices to the public: the notices (a consumer tip, 消费提示, or the notice of
a controlled area, 管控公告) with their texts in both languages, and the outbox of messages
sent to recipients (the recipient's phone only as a Fernet token and a keyed digest,
:mod:`peakguard.store.personal`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class PublicNoticeRow(Base):
    """A published notice: ``kind`` tip or control; shown in ``region`` (and under it) from
    ``valid_from`` to ``valid_until`` while ``state`` is published. ``carrier`` is the brand
    of a carrier's notice (None: a regulator's, for every carrier). ``version`` rises with
    every change (optimistic locking)."""

    __tablename__ = "public_notices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(6), index=True)
    carrier: Mapped[str | None] = mapped_column(String(64))
    valid_from: Mapped[datetime] = mapped_column(Moment())
    valid_until: Mapped[datetime] = mapped_column(Moment())
    title_zh: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    publisher: Mapped[str] = mapped_column(String(64))
    """The publishing organisation's code."""
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(Moment())
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(Moment())
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(Moment())
    __table_args__ = (Index("ix_public_notices_kind_state", "kind", "state"),)


class OutboxMessageRow(Base):
    """A message to a recipient about a parcel, as sent through the notifier (the default
    notifier's whole delivery is this row)."""

    __tablename__ = "notice_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    waybill: Mapped[str] = mapped_column(String(64), index=True)
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    phone: Mapped[bytes] = mapped_column(LargeBinary)
    """The recipient's phone, sealed (never the text)."""
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    region: Mapped[str] = mapped_column(String(6))
    """The destination's region the message is about."""
    arrival: Mapped[datetime | None] = mapped_column(Moment())
    basis: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    accepted: Mapped[bool] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Moment())
