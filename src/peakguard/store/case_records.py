"""What the case repositories hand over: a case to keep, a kept case, a step of its history.
A complainant's personal fields are sealed bytes here, opened only by
:class:`peakguard.store.personal.PersonalVault` in the operations that may show them."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from peakguard.store.case_tables import CaseRow


@dataclass(frozen=True)
class NewCase:
    """A case to keep; its personal fields already sealed."""

    reference: str
    kind: str
    state: str
    carrier: str
    region: str
    channel: str
    category: str
    summary: str
    received_at: datetime
    emergency: bool = False
    waybill: str | None = None
    complainant_name: bytes | None = None
    complainant_phone: bytes | None = None
    complainant_address: bytes | None = None
    complainant_phone_hash: str | None = None
    dispute_on: date | None = None
    answer: str | None = None
    finding_valid: bool | None = None
    finding_category: str | None = None
    rejection_reason: str | None = None
    call_back_result: str | None = None
    linked_case_id: int | None = None
    handling_organisation_id: int | None = None
    carrier_organisation_id: int | None = None
    source_reference: str | None = None
    closed_at: datetime | None = None
    retention_until: datetime | None = None


@dataclass(frozen=True)
class CaseRecord:
    """A kept case, its personal fields sealed; ``version`` is what an update must name."""

    id: int
    reference: str
    kind: str
    state: str
    emergency: bool
    waybill: str | None
    carrier: str
    region: str
    channel: str
    category: str
    summary: str
    complainant_name: bytes | None
    complainant_phone: bytes | None
    complainant_address: bytes | None
    complainant_phone_hash: str | None
    received_at: datetime
    dispute_on: date | None
    answer: str | None
    finding_valid: bool | None
    finding_category: str | None
    rejection_reason: str | None
    call_back_result: str | None
    linked_case_id: int | None
    handling_organisation_id: int | None
    carrier_organisation_id: int | None
    source_reference: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    retention_until: datetime | None
    personal_data_removed_at: datetime | None


_RECORD_FIELDS = tuple(field.name for field in fields(CaseRecord))
UPDATABLE = frozenset(field.name for field in fields(NewCase)) - {
    "reference",
    "kind",
    "received_at",
}
"""The columns :func:`peakguard.store.cases.update_case` may change (it sets ``version`` and
``updated_at`` itself)."""
SEALED = ("complainant_name", "complainant_phone", "complainant_address")
PERSONAL = (*SEALED, "complainant_phone_hash")
"""The columns of personal data: the sealed ones and the phone's digest."""


def record_of(row: CaseRow) -> CaseRecord:
    values = {name: getattr(row, name) for name in _RECORD_FIELDS}
    for name in SEALED:
        if values[name] is not None:
            values[name] = bytes(values[name])
    return CaseRecord(**values)


@dataclass(frozen=True)
class StepRecord:
    seq: int
    action: str
    source_state: str
    target_state: str
    actor: str
    organisation: str
    at: datetime
    note: str | None
