"""Inspection files: the inspections and findings the reader may see, as CSV or Excel, and a
checklist answers file imported into an inspection in progress (all rows or none, every bad
cell located by its row and column)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from peakguard.app.inspection_plans import conducted_label, kind_label
from peakguard.app.inspections import (
    InspectionView,
    ItemAnswer,
    answer_items,
    get_inspection,
    list_inspections,
)
from peakguard.cases.inspections import Answer, InspectionState, state_label
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.inspection_files import Cell, read_answers, table_csv, table_workbook
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.i18n import _, render
from peakguard.identity.model import Principal
from peakguard.store import inspections as stored
from peakguard.store.database import Store

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXPORT_LIMIT = 1000


@dataclass(frozen=True)
class ExportFile:
    name: str
    media_type: str
    content: bytes


def _inspection_table(
    store: Store, actor: Principal, language: str | None
) -> tuple[list[str], list[list[Cell]]]:
    headings = [
        render(text, language)
        for text in (
            _("inspection"),
            _("kind"),
            _("conducted by"),
            _("carrier"),
            _("region"),
            _("node"),
            _("address"),
            _("scheduled"),
            _("state"),
            _("checklist"),
            _("completed"),
        )
    ]
    rows: list[list[Cell]] = [
        [
            item.id,
            render(kind_label(item.kind), language),
            render(conducted_label(item.conducted_by), language),
            item.carrier,
            item.region,
            item.node_id,
            item.address,
            item.scheduled_at,
            render(state_label(InspectionState(item.state)), language),
            item.checklist,
            item.completed_at,
        ]
        for item in list_inspections(store, actor, limit=EXPORT_LIMIT)
    ]
    return headings, rows


def _finding_table(
    store: Store, actor: Principal, language: str | None
) -> tuple[list[str], list[list[Cell]]]:
    headings = [
        render(text, language)
        for text in (
            _("finding id"),
            _("inspection"),
            _("carrier"),
            _("region"),
            _("node"),
            _("item"),
            _("rule"),
            _("description"),
            _("found"),
        )
    ]
    ids = [item.id for item in list_inspections(store, actor, limit=EXPORT_LIMIT)]
    with store.sessions() as session:
        findings = stored.findings_of_inspections(session, ids)
    rows: list[list[Cell]] = [
        [
            f.id,
            f.inspection_id,
            f.carrier,
            f.region,
            f.node_id,
            f.item_key,
            f.rule_key,
            f.description,
            f.found_at,
        ]
        for f in findings
    ]
    return headings, rows


def export_inspections(
    store: Store,
    actor: Principal,
    *,
    what: str = "inspections",
    file_format: str = "csv",
    language: str | None = None,
) -> ExportFile:
    """The inspections (``what="inspections"``) or their findings (``"findings"``) the reader
    may see, as ``csv`` or ``xlsx``."""
    problems = []
    if what not in ("inspections", "findings"):
        problems.append(Problem("what", _("give inspections or findings")))
    if file_format not in FORMATS:
        problems.append(Problem("format", _("give csv or xlsx")))
    if problems:
        raise InvalidInputError(_("The export request has mistakes."), problems)
    table = _inspection_table if what == "inspections" else _finding_table
    headings, rows = table(store, actor, language)
    content = (
        table_csv(headings, rows) if file_format == "csv" else table_workbook(headings, rows, what)
    )
    return ExportFile(f"{what}.{file_format}", FORMATS[file_format], content)


def _row_order(problem: Problem) -> tuple[int, str]:
    found = re.search(r"row (\d+)", problem.location)
    return (int(found.group(1)) if found else 0, problem.location)


def import_answers(
    store: Store,
    actor: Principal,
    inspection_id: int,
    content: bytes,
    file_name: str,
    *,
    expected_version: int,
    limits: InputLimits = DEFAULT_LIMITS,
    now: datetime | None = None,
) -> InspectionView:
    """Record the answers of a CSV or Excel file in an inspection in progress: all or none;
    an item not on the inspection's checklist, a repeated item, or a "not compliant" answer
    without a note is located at its row and column."""
    inspection = get_inspection(store, actor, inspection_id).inspection
    rows, problems = read_answers(content, file_name, limits=limits)
    items = {item[0] for item in inspection.checklist_items}
    seen: dict[str, str] = {}
    for row in rows:
        if row.item_key not in items:
            problems.append(
                Problem(
                    f"{row.location}, column item", _("not an item of this inspection's checklist")
                )
            )
        elif row.item_key in seen:
            problems.append(
                Problem(
                    f"{row.location}, column item",
                    _("answered already at {place}", place=seen[row.item_key]),
                )
            )
        seen.setdefault(row.item_key, row.location)
        if row.answer == Answer.not_compliant and not row.note:
            problems.append(
                Problem(f"{row.location}, column note", _("describe what was found not compliant"))
            )
    if problems:
        problems.sort(key=_row_order)
        raise InvalidInputError(
            _("The answers file {name} has mistakes; none was saved.", name=file_name), problems
        )
    return answer_items(
        store,
        actor,
        inspection_id,
        [ItemAnswer(row.item_key, row.answer, row.note) for row in rows],
        expected_version=expected_version,
        now=now,
    )
