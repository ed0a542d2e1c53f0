"""The orders within a reader's reach as a CSV or Excel file: one row per order with its
rules, deadline, state and penalty; no personal data (the order names a company and a place,
never a sender)."""

from __future__ import annotations

from datetime import UTC, datetime

from peakguard.app.inspection_files import FORMATS, ExportFile
from peakguard.app.rectification import list_orders
from peakguard.cases.rectification import basis_label, state_label
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.inspection_files import Cell, table_csv, table_workbook
from peakguard.i18n import _, render
from peakguard.identity.model import Principal
from peakguard.store.database import Store


def export_orders(
    store: Store,
    actor: Principal,
    *,
    file_format: str = "csv",
    language: str | None = None,
    now: datetime | None = None,
) -> ExportFile:
    """The orders the reader may see, the most urgent first, as ``csv`` or ``xlsx``."""
    if file_format not in FORMATS:
        problem = Problem("format", _("give csv or xlsx"))
        raise InvalidInputError(_("The export request has mistakes."), [problem])
    moment = now or datetime.now(UTC)
    headings = [
        render(text, language)
        for text in (
            _("reference"), _("state"), _("carrier"), _("region"), _("place"), _("rules"),
            _("issued at"), _("deadline"), _("deadline set as"), _("overdue"),
            _("escalation"), _("issued by"),
        )
    ]  # fmt: skip
    rows: list[list[Cell]] = []
    for line in list_orders(store, actor=actor, now=moment):
        order, clock = line.order, line.clock
        rows.append(
            [
                order.reference, render(state_label(order.state), language), order.carrier,
                order.region, order.place, ", ".join(order.rule_keys), order.issued_at,
                None if clock is None else clock.due_at,
                None if clock is None else render(basis_label(clock.basis), language),
                render(_("yes") if line.overdue else _("no"), language),
                order.escalation or "", order.issued_by,
            ]
        )  # fmt: skip
    content = (
        table_csv(headings, rows)
        if file_format == "csv"
        else table_workbook(headings, rows, "orders")
    )
    return ExportFile(f"orders.{file_format}", FORMATS[file_format], content)
