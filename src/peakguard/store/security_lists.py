"""The abnormal-outlet list (经营异常网点清单) and the season's commitment letters
(安全保障服务承诺书): rows to records and back, inside the caller's session and transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from peakguard.errors import NotFoundError, StaleRecordError
from peakguard.i18n import _
from peakguard.store.inspection_tables import AbnormalOutletRow, CommitmentLetterRow


@dataclass(frozen=True)
class AbnormalOutletRecord:
    id: int
    carrier: str
    region: str
    network: str | None
    node_id: str | None
    outlet: str
    reason: str
    listed_from: date
    listed_until: date | None
    listed_by: str
    listed_at: datetime
    removed_by: str | None
    removed_at: datetime | None
    removal_reason: str | None
    version: int

    def listed_on(self, day: date) -> bool:
        """Whether the outlet is on the list on ``day`` (entered, not removed, not expired)."""
        if self.removed_at is not None and self.removed_at.date() <= day:
            return False
        return self.listed_from <= day and (self.listed_until is None or day <= self.listed_until)


def _outlet(row: AbnormalOutletRow) -> AbnormalOutletRecord:
    return AbnormalOutletRecord(
        **{column: getattr(row, column) for column in AbnormalOutletRecord.__dataclass_fields__}
    )


def add_abnormal_outlet(session: Session, values: dict[str, Any]) -> AbnormalOutletRecord:
    row = AbnormalOutletRow(**values, version=1)
    session.add(row)
    session.flush()
    return _outlet(row)


def abnormal_outlet(session: Session, entry_id: int) -> AbnormalOutletRecord | None:
    row = session.get(AbnormalOutletRow, entry_id)
    return None if row is None else _outlet(row)


def remove_abnormal_outlet(
    session: Session, entry_id: int, expected_version: int, values: dict[str, Any]
) -> int:
    """Close the entry if it is still at ``expected_version``; its new version."""
    version = session.execute(
        update(AbnormalOutletRow)
        .where(AbnormalOutletRow.id == entry_id, AbnormalOutletRow.version == expected_version)
        .values(**values, version=AbnormalOutletRow.version + 1)
        .returning(AbnormalOutletRow.version)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if version is not None:
        return int(version)
    current = session.scalar(
        select(AbnormalOutletRow.version).where(AbnormalOutletRow.id == entry_id)
    )
    if current is None:
        raise NotFoundError(_("There is no such entry on the abnormal-outlet list."))
    raise StaleRecordError(
        _(
            "Someone else changed this entry after you read it (you read version {expected}, "
            "it is now at {current}); nothing was saved. Reload the list and redo your change "
            "if it still applies.",
            expected=expected_version,
            current=current,
        )
    )


def abnormal_outlets(
    session: Session, *, carrier: str | None, prefix: str, include_removed: bool
) -> list[AbnormalOutletRecord]:
    """The entries of ``carrier`` (any if None) in regions starting with ``prefix``, newest
    first."""
    statement = select(AbnormalOutletRow).order_by(
        AbnormalOutletRow.listed_from.desc(), AbnormalOutletRow.id.desc()
    )
    if carrier is not None:
        statement = statement.where(AbnormalOutletRow.carrier == carrier)
    if prefix:
        statement = statement.where(AbnormalOutletRow.region.startswith(prefix))
    if not include_removed:
        statement = statement.where(AbnormalOutletRow.removed_at.is_(None))
    return [_outlet(row) for row in session.scalars(statement.limit(2000))]


@dataclass(frozen=True)
class CommitmentRecord:
    id: int
    carrier: str
    company_id: int
    regulator_id: int
    region: str
    season: str
    signed_on: date
    signer_name: str
    signer_title: str
    recorded_by: str
    recorded_at: datetime


def _letter(row: CommitmentLetterRow) -> CommitmentRecord:
    return CommitmentRecord(
        **{column: getattr(row, column) for column in CommitmentRecord.__dataclass_fields__}
    )


def commitment_exists(session: Session, company_id: int, regulator_id: int, season: str) -> bool:
    return (
        session.scalar(
            select(CommitmentLetterRow.id).where(
                CommitmentLetterRow.company_id == company_id,
                CommitmentLetterRow.regulator_id == regulator_id,
                CommitmentLetterRow.season == season,
            )
        )
        is not None
    )


def add_commitment(session: Session, values: dict[str, Any]) -> CommitmentRecord:
    row = CommitmentLetterRow(**values)
    session.add(row)
    session.flush()
    return _letter(row)


def commitment(session: Session, letter_id: int) -> CommitmentRecord | None:
    row = session.get(CommitmentLetterRow, letter_id)
    return None if row is None else _letter(row)


def commitments_of_season(session: Session, season: str) -> list[CommitmentRecord]:
    rows = session.scalars(
        select(CommitmentLetterRow)
        .where(CommitmentLetterRow.season == season)
        .order_by(CommitmentLetterRow.carrier, CommitmentLetterRow.signed_on)
    )
    return [_letter(row) for row in rows]
