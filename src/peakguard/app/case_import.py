"""Import a 12305 or carrier export of complaints and appeals: all of the file, or none of it.

The file is read (:mod:`peakguard.formats.case_file`), every row is made a
:class:`~peakguard.app.case_drafts.CaseDraft` and checked as a desk's entry is
(:func:`~peakguard.app.cases.check_draft`), and may be recorded by the importer
(:func:`~peakguard.app.cases.check_opening`: a carrier imports only its own brand's
complaints, a postal administration only the appeals of its territory). A row outside is a
located problem like a bad cell, not a refusal of the whole file.

Must hold: one mistake anywhere and nothing is written — every mistake of the file is listed
(the first 100, all counted), each at its row and heading; a clean file's cases are opened
with their clocks in one transaction, so the whole file is stored or none of it; a case the
store already has from the same channel under the same source reference is skipped, so
importing one export twice adds nothing the second time. One audit entry records the import
(its file name and counts, no personal data) beside each case's own opening entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from peakguard.app.access import require
from peakguard.app.audit import record_in
from peakguard.app.case_access import case_scope
from peakguard.app.case_drafts import CaseDraft, check_draft
from peakguard.app.cases import check_opening, open_in
from peakguard.cases.model import CaseKind, Complainant
from peakguard.errors import ForbiddenError, Problem
from peakguard.formats.case_file import (
    CASE_COLUMNS,
    CaseFile,
    CaseFileRow,
    Located,
    read_case_file,
    refuse_case_file,
)
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.i18n import _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store.cases import case_by_source
from peakguard.store.database import Store, transaction

DRAFT_COLUMNS = {
    "complainant.name": "name",
    "complainant.phone": "phone",
    "complainant.address": "address",
}
"""A draft's field → the case file's column, where their names differ."""
FILE_COLUMNS = frozenset(column.name for column in CASE_COLUMNS)


@dataclass(frozen=True)
class ImportReport:
    """What an import did: ``created`` cases opened (``references``, in file order),
    ``skipped_existing`` rows already kept from an earlier import, the file's headings that
    were left out as no column of a case file."""

    created: int
    skipped_existing: int
    references: tuple[str, ...]
    ignored_columns: tuple[str, ...] = ()


def import_cases(
    store: Store,
    path_or_bytes: Path | bytes,
    file_name: str | None = None,
    *,
    actor: Principal,
    now: datetime | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> ImportReport:
    """Read the case file and open its every case in one transaction, or refuse it whole.

    ``file_name`` names an upload's bytes (and shows in every location); a path names itself.
    Needs ``case.import`` and ``case.handle``. Raises
    :class:`~peakguard.errors.InvalidInputError` listing every mistake (bad cells, duplicate
    case numbers, cases outside what ``actor`` may record), with nothing written."""
    require(actor, Permission.case_import)
    require(actor, Permission.case_handle)
    moment = now or datetime.now(UTC)
    case_file = read_case_file(path_or_bytes, file_name, now=moment, limits=limits)
    drafts = [(row, draft_of(row)) for row in case_file.rows]
    located = [
        item for row, draft in drafts for item in _row_problems(case_file, row, draft, actor)
    ]
    count = len(case_file.problems) + len(located)
    message = _(
        "{file} has {count} mistakes; nothing was imported", file=case_file.name, count=count
    )
    refuse_case_file(case_file, located, message)
    references: list[str] = []
    skipped = 0
    with transaction(store.sessions) as session:
        for row, draft in drafts:
            if case_by_source(session, draft.channel.value, row.source_reference):
                skipped += 1
                continue
            record = open_in(session, store, draft, actor=actor, now=moment)
            references.append(record.reference)
        record_in(
            session,
            store,
            actor,
            "case.import",
            "case_file",
            case_file.name,
            detail={
                "file": case_file.name,
                "rows": case_file.rows_read,
                "created": len(references),
                "skipped_existing": skipped,
            },
            at=moment,
        )
    return ImportReport(len(references), skipped, tuple(references), case_file.ignored_columns)


def draft_of(row: CaseFileRow) -> CaseDraft:
    """The desk's entry a row of a case file stands for."""
    person = None
    if row.name or row.phone or row.address:
        person = Complainant(name=row.name or "", phone=row.phone or "", address=row.address or "")
    return CaseDraft(
        kind=row.kind,
        carrier=row.carrier,
        region=row.region,
        channel=row.channel,
        category=row.category,
        summary=row.summary,
        received_at=row.received_at,
        waybill=row.waybill,
        complainant=person,
        dispute_on=row.dispute_on,
        emergency=row.emergency,
        source_reference=row.source_reference,
    )


def _row_problems(
    case_file: CaseFile, row: CaseFileRow, draft: CaseDraft, actor: Principal
) -> list[Located]:
    """The draft's mistakes and, if it has none, whether ``actor`` may record it; each at the
    row and the column of the file it comes from."""
    located = [
        (row.row, Problem(case_file.place(row.row, _column(problem.location)), problem.message))
        for problem in check_draft(draft)
    ]
    if located:
        return located
    try:
        check_opening(actor, draft)
    except ForbiddenError as refused:
        place = case_file.place(row.row, _refused_column(actor, draft))
        return [(row.row, Problem(place, refused.message))]
    return []


def _column(field: str) -> str | None:
    """The case file's column of a draft's field (None: no one column, the row itself)."""
    column = DRAFT_COLUMNS.get(field, field)
    return column if column in FILE_COLUMNS else None


def _refused_column(actor: Principal, draft: CaseDraft) -> str:
    """The cell that puts a case outside what ``actor`` may record: its kind (a carrier
    records complaints, an administration appeals), its carrier (another brand's), or its
    region (outside the territory)."""
    kind = actor.organisation.kind
    wanted = CaseKind.complaint if kind is OrganisationKind.carrier else CaseKind.appeal
    if kind not in (OrganisationKind.carrier, OrganisationKind.regulator) or draft.kind != wanted:
        return "kind"
    brand = case_scope(actor).brand
    if kind is OrganisationKind.carrier and brand != draft.carrier:
        return "carrier"
    return "region"
