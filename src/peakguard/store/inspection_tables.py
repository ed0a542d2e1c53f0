"""The tables: Inspections (检查, 明察暗访), their answers and findings, the security evidence
files (of findings, holds, order reports and commitment letters), the abnormal-outlet list
(经营异常网点清单) and the season's commitment letters (安全保障服务承诺书)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peakguard.store.columns import Moment
from peakguard.store.tables import Base


class InspectionRow(Base):
    """An inspection of a carrier company's place. ``version`` rises with every change."""

    __tablename__ = "security_inspections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    """planned (明察) or unannounced (暗访)."""
    conducted_by: Mapped[str] = mapped_column(String(16))
    """regulator, joint (with public security) or self (the carrier's own)."""
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    """The conducting organisation (a regulator office, or the carrier company itself)."""
    partner_body: Mapped[str | None] = mapped_column(Text)
    partner_officers: Mapped[str | None] = mapped_column(Text)
    """A JSON list of the partner body's officers (free text)."""
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    network: Mapped[str | None] = mapped_column(String(64))
    node_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str] = mapped_column(String(6), index=True)
    scheduled_at: Mapped[datetime] = mapped_column(Moment())
    checklist: Mapped[str] = mapped_column(String(200))
    """The checklist's name and version (with a local office's extension, if any)."""
    checklist_items: Mapped[str] = mapped_column(Text)
    """The checklist as it was used: a JSON list of [key, section, zh, en, rule]."""
    state: Mapped[str] = mapped_column(String(16), index=True)
    note: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Moment())
    updated_at: Mapped[datetime] = mapped_column(Moment())
    started_at: Mapped[datetime | None] = mapped_column(Moment())
    completed_at: Mapped[datetime | None] = mapped_column(Moment())
    cancelled_at: Mapped[datetime | None] = mapped_column(Moment())


class InspectorRow(Base):
    """A user who inspects (an inspection has one or more)."""

    __tablename__ = "security_inspectors"
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("security_inspections.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class InspectionAnswerRow(Base):
    """The answer to one checklist item (the last one given; changes are in the audit trail)."""

    __tablename__ = "security_inspection_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("security_inspections.id", ondelete="CASCADE")
    )
    item_key: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(String(16))
    """compliant, not_compliant or not_applicable."""
    note: Mapped[str] = mapped_column(Text)
    answered_by: Mapped[str] = mapped_column(String(200))
    answered_at: Mapped[datetime] = mapped_column(Moment())
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_key", name="uq_security_inspection_answers_item"),
    )


class FindingRow(Base):
    """A finding: a checklist item found not compliant, with the rule it breaches."""

    __tablename__ = "security_findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("security_inspections.id", ondelete="CASCADE")
    )
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    node_id: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(6), index=True)
    item_key: Mapped[str] = mapped_column(String(64))
    rule_key: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    found_at: Mapped[datetime] = mapped_column(Moment())
    recorded_by: Mapped[str] = mapped_column(String(200))
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_key", name="uq_security_findings_item"),
    )


class SecurityEvidenceRow(Base):
    """An evidence file of a security record (its bytes once per hash in ``attachment_blobs``)."""

    __tablename__ = "security_evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(16))
    """finding, hold, order_report or commitment."""
    subject_id: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blobs.sha256"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(6))
    carrier: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(Moment())
    __table_args__ = (
        UniqueConstraint("subject", "subject_id", "sha256", name="uq_security_evidence_file"),
        Index("ix_security_evidence_subject", "subject", "subject_id"),
    )


class AbnormalOutletRow(Base):
    """An outlet's entry on the abnormal-operation list; removal closes it (never deleted)."""

    __tablename__ = "abnormal_outlets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    network: Mapped[str | None] = mapped_column(String(64))
    node_id: Mapped[str | None] = mapped_column(String(64))
    outlet: Mapped[str] = mapped_column(String(200))
    """The outlet's name (or address) as listed."""
    reason: Mapped[str] = mapped_column(Text)
    listed_from: Mapped[date] = mapped_column(Date)
    listed_until: Mapped[date | None] = mapped_column(Date)
    listed_by: Mapped[str] = mapped_column(String(200))
    listed_at: Mapped[datetime] = mapped_column(Moment())
    removed_by: Mapped[str | None] = mapped_column(String(200))
    removed_at: Mapped[datetime | None] = mapped_column(Moment())
    removal_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)


class CommitmentLetterRow(Base):
    """A signed safety-assurance commitment letter (安全保障服务承诺书) of a season."""

    __tablename__ = "commitment_letters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    carrier: Mapped[str] = mapped_column(String(64), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    regulator_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region: Mapped[str] = mapped_column(String(6), index=True)
    """The regulator office's territory code."""
    season: Mapped[str] = mapped_column(String(16))
    signed_on: Mapped[date] = mapped_column(Date)
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_title: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(Moment())
    __table_args__ = (
        UniqueConstraint(
            "company_id", "regulator_id", "season", name="uq_commitment_letters_season"
        ),
    )
