"""The tables of the real-name register (实名收寄): the entries (one per parcel, the sender's
name and ID sealed, the ID's keyed hash beside them), the carriers' employees (their IDs kept
as keyed hashes only) and the flags for review (虚假实名)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class RealNameEntryRow(Base):
    """One parcel's registration: who sent it, with which ID, where, when and who accepted it.
    ``sender_name`` and ``id_number`` are Fernet tokens (:class:`PersonalVault`)."""

    __tablename__ = "real_name_entries"
    __table_args__ = (UniqueConstraint("carrier", "waybill", name="uq_real_name_entries_waybill"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    waybill: Mapped[str] = mapped_column(String(64))
    sender_kind: Mapped[str] = mapped_column(String(16))
    id_type: Mapped[str] = mapped_column(String(32))
    sender_name: Mapped[bytes] = mapped_column(LargeBinary)
    id_number: Mapped[bytes] = mapped_column(LargeBinary)
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    """The vault's keyed digest of the normalised number (search without decrypting)."""
    id_problem: Mapped[str | None] = mapped_column(String(16))
    """Why the number fails its check (``check_digit`` …); None when valid."""
    outlet: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(6), index=True)
    accepted_at: Mapped[datetime] = mapped_column(Moment())
    accepted_day: Mapped[date] = mapped_column(Date, index=True)
    """The China day of ``accepted_at`` (the day the patterns count by)."""
    accepted_by: Mapped[str] = mapped_column(String(64))
    """The accepting employee's number (工号)."""
    source: Mapped[str] = mapped_column(String(16))
    batch: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(Moment())


class RealNameEmployeeRow(Base):
    """An employee of a carrier, with the keyed hash of the employee's own ID (never the ID)."""

    __tablename__ = "real_name_employees"
    __table_args__ = (
        UniqueConstraint("carrier", "employee_code", name="uq_real_name_employees_code"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    carrier: Mapped[str] = mapped_column(String(64))
    organisation: Mapped[str] = mapped_column(String(64))
    """The code of the carrier company that registered the employee."""
    employee_code: Mapped[str] = mapped_column(String(64))
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    key_mark: Mapped[str] = mapped_column(String(16))
    """Which key the hash was made under (a digest of a fixed text): a key rotation leaves
    these hashes stale, and the carrier sends its list again."""
    registered_by: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[datetime] = mapped_column(Moment())


class RealNameFlagRow(Base):
    """A suspicious pattern for review; ``version`` rises with every change."""

    __tablename__ = "real_name_flags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flag_key: Mapped[str] = mapped_column(String(200), unique=True)
    """kind, carrier, ID hash and day (or entry): a pattern is flagged once."""
    kind: Mapped[str] = mapped_column(String(16))
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("real_name_entries.id", ondelete="SET NULL")
    )
    """The first entry of the pattern (None once the register's retention removed it)."""
    day: Mapped[date | None] = mapped_column(Date)
    employee_code: Mapped[str | None] = mapped_column(String(64))
    figures: Mapped[str] = mapped_column(Text)
    """JSON: the counts and thresholds the reason is made of."""
    state: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(Moment())
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(Moment())
    decision_reason: Mapped[str | None] = mapped_column(Text)
