"""``peakguard inspect``: inspections (检查, 明察暗访) — plan, start, answer (one item or a
CSV/Excel answers file), complete, cancel, list, show, the checklist, export, a finding's
evidence; and the abnormal-outlet list (``inspect abnormal``) and commitment letters (``inspect
commitments``). Each command calls the operation its API route calls, as the local
administrator (who names the conducting organisation when planning)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.inspection_files import export_inspections, import_answers
from peakguard.app.inspection_plans import InspectionPlan, conducted_label, kind_label
from peakguard.app.inspections import (
    InspectionView,
    ItemAnswer,
    answer_items,
    attach_finding_evidence,
    cancel_inspection,
    complete_inspection,
    get_inspection,
    list_inspections,
    plan_inspection,
    start_inspection,
)
from peakguard.cases.inspections import InspectionState, load_checklist, state_label
from peakguard.cli.console import (
    LOCAL,
    handled,
    opened_store,
    print_figures,
    print_table,
    print_written,
    say,
    settings,
)
from peakguard.cli.inspection_lists import abnormal_app, commitments_app
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _, render

inspections_app = typer.Typer(
    no_args_is_help=True,
    help="Inspections (检查, 明察暗访), the abnormal-outlet list and commitment letters.",
)
inspections_app.add_typer(abnormal_app, name="abnormal")
inspections_app.add_typer(commitments_app, name="commitments")

Version = Annotated[int, typer.Option(help="the version you read (inspect show)")]
Identifier = Annotated[int, typer.Argument(help="the inspection's number")]
Extension = Annotated[Path | None, typer.Option(help="a local office's checklist extension (TOML)")]


def _moment(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def _when(value: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInputError(
            _("The command has mistakes."),
            [Problem(where, _("give a moment such as 2026-11-11T09:00 (China time)"))],
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_STANDARD_TIME)


@inspections_app.command("plan")
def inspect_plan(
    company: Annotated[str, typer.Option(help="the inspected carrier company's code")],
    at: Annotated[str, typer.Option(help="when, 2026-11-05T09:00 (China time)")],
    inspector: Annotated[list[str], typer.Option(help="an inspector's user name (repeat)")],
    organisation: Annotated[str, typer.Option(help="the conducting organisation's code")],
    kind: Annotated[str, typer.Option(help="planned (明察) or unannounced (暗访)")] = "planned",
    by: Annotated[str, typer.Option(help="regulator, joint (with public security) or self")] = (
        "regulator"
    ),
    network: Annotated[str | None, typer.Option(help="the stored network of the node")] = None,
    node: Annotated[str | None, typer.Option(help="the outlet or hub inspected")] = None,
    address: Annotated[str | None, typer.Option(help="without a node: the address")] = None,
    region: Annotated[str | None, typer.Option(help="without a node: the region code")] = None,
    partner_body: Annotated[str | None, typer.Option(help="the public security body")] = None,
    partner_officer: Annotated[
        list[str] | None, typer.Option(help="a partner officer's name (repeat)")
    ] = None,
    note: Annotated[str, typer.Option(help="a note")] = "",
    checklist: Extension = None,
) -> None:
    """Plan an inspection (POST /inspections)."""
    with handled():
        plan = InspectionPlan(
            kind=kind, conducted_by=by, company=company, scheduled_at=_when(at, "--at"),
            inspectors=tuple(inspector), network=network, node_id=node, address=address,
            region=region, partner_body=partner_body,
            partner_officers=tuple(partner_officer or ()), note=note, organisation=organisation,
        )  # fmt: skip
        with opened_store() as store:
            view = plan_inspection(store, LOCAL, plan, checklist=load_checklist(checklist))
    print_inspection(view)


@inspections_app.command("start")
def inspect_start(inspection_id: Identifier, version: Version) -> None:
    """Start a planned inspection on site (POST /inspections/{id}/start)."""
    with handled(), opened_store() as store:
        view = start_inspection(store, LOCAL, inspection_id, expected_version=version)
    print_inspection(view)


@inspections_app.command("answer")
def inspect_answer(
    inspection_id: Identifier,
    version: Version,
    item: Annotated[str | None, typer.Option(help="the checklist item's key")] = None,
    answer: Annotated[
        str | None, typer.Option(help="compliant, not_compliant or not_applicable")
    ] = None,
    note: Annotated[str, typer.Option(help="what was found (required if not compliant)")] = "",
    file: Annotated[Path | None, typer.Option(help="a CSV or Excel answers file")] = None,
) -> None:
    """Answer one item, or every row of an answers file (columns item, answer, note)."""
    with handled():
        if (file is None) == (item is None or answer is None):
            raise InvalidInputError(
                _("The command has mistakes."),
                [Problem("--file", _("give either --file, or --item with --answer"))],
            )
        with opened_store() as store:
            if file is not None:
                view = import_answers(
                    store, LOCAL, inspection_id, file.read_bytes(), file.name,
                    expected_version=version, limits=settings().input_limits(),
                )  # fmt: skip
            else:
                assert item is not None
                assert answer is not None
                view = answer_items(
                    store, LOCAL, inspection_id, [ItemAnswer(item, answer, note)],
                    expected_version=version,
                )  # fmt: skip
    print_inspection(view)


@inspections_app.command("complete")
def inspect_complete(inspection_id: Identifier, version: Version) -> None:
    """Complete an inspection whose every item is answered; its findings are locked."""
    with handled(), opened_store() as store:
        view = complete_inspection(store, LOCAL, inspection_id, expected_version=version)
    print_inspection(view)


@inspections_app.command("cancel")
def inspect_cancel(
    inspection_id: Identifier,
    version: Version,
    reason: Annotated[str, typer.Option(help="why it is cancelled")],
) -> None:
    """Cancel a planned inspection (POST /inspections/{id}/cancel)."""
    with handled(), opened_store() as store:
        view = cancel_inspection(
            store, LOCAL, inspection_id, expected_version=version, reason=reason
        )
    print_inspection(view)


@inspections_app.command("evidence")
def inspect_evidence(
    finding_id: Annotated[int, typer.Argument(help="the finding's number (inspect show)")],
    path: Annotated[Path, typer.Argument(help="the file: PDF, JPEG, PNG, WebP, MP3 or AMR")],
) -> None:
    """Attach an evidence file to a finding of an inspection in progress."""
    with handled(), opened_store() as store:
        kept = attach_finding_evidence(
            store, LOCAL, finding_id, name=path.name, content=path.read_bytes()
        )
    say(_("Kept {name} ({sha256}).", name=kept.file_name, sha256=kept.sha256))


@inspections_app.command("list")
def inspect_list(
    state: Annotated[
        str | None, typer.Option(help="planned, in_progress, completed, cancelled")
    ] = (None),
) -> None:
    """The inspections, newest scheduled first (GET /inspections)."""
    with handled(), opened_store() as store:
        found = list_inspections(store, LOCAL, state=state)
    print_table(
        _("Inspections"),
        (_("No."), _("Kind"), _("By"), _("Carrier"), _("Region"), _("Place"), _("Scheduled"),
         _("State"), _("Version")),
        (
            (str(item.id), render(kind_label(item.kind)),
             render(conducted_label(item.conducted_by)), item.carrier, item.region,
             item.node_id or item.address or "-",
             _moment(item.scheduled_at), render(state_label(InspectionState(item.state))),
             str(item.version))
            for item in found
        ),
    )  # fmt: skip


@inspections_app.command("show")
def inspect_show(inspection_id: Identifier) -> None:
    """The inspection with its answers and findings (GET /inspections/{id})."""
    with handled(), opened_store() as store:
        view = get_inspection(store, LOCAL, inspection_id)
    print_inspection(view)


@inspections_app.command("checklist")
def inspect_checklist(extension: Extension = None) -> None:
    """The checklist: each section's items with their keys and rules."""
    with handled():
        used = load_checklist(extension)
    print_table(
        _("Checklist {name}", name=used.name),
        (_("Section"), _("Item"), _("Text"), _("Rule")),
        (
            (section.title_zh, item.key, item.text_zh, item.rule_key or "-")
            for section in used.sections
            for item in section.items
        ),
    )


@inspections_app.command("export")
def inspect_export(
    out: Annotated[Path, typer.Argument(help="the file to write: .csv or .xlsx")],
    what: Annotated[str, typer.Option(help="inspections or findings")] = "inspections",
) -> None:
    """Write the inspections or their findings as CSV or Excel (GET /inspections/export)."""
    file_format = "xlsx" if out.suffix.lower() == ".xlsx" else "csv"
    with handled(), opened_store() as store:
        made = export_inspections(
            store, LOCAL, what=what, file_format=file_format, language=settings().language
        )
    out.write_bytes(made.content)
    print_written([out])


def print_inspection(view: InspectionView) -> None:
    item = view.inspection
    rows: list[tuple[Message, str]] = [
        (_("Inspection"), str(item.id)),
        (_("Kind"), render(kind_label(item.kind))),
        (_("Conducted by"), f"{render(conducted_label(item.conducted_by))} ({view.organisation})"),
        (_("Partner"), item.partner_body or "-"),
        (_("Company"), view.company),
        (_("Place"), f"{item.node_id or item.address or '-'} ({item.region})"),
        (_("Scheduled"), _moment(item.scheduled_at)),
        (_("Inspectors"), ", ".join(inspector.username for inspector in view.inspectors)),
        (_("State"), render(state_label(InspectionState(item.state)))),
        (_("Version"), str(item.version)),
        (_("Checklist"), item.checklist),
        (_("Answered"), f"{len(view.answers)} / {len(item.checklist_items)}"),
    ]
    print_figures(_("Inspection {id}", id=item.id), rows)
    print_table(
        _("Findings"),
        (_("No."), _("Item"), _("Rule"), _("Description"), _("Evidence")),
        (
            (str(found.finding.id), found.finding.item_key, found.finding.rule_key or "-",
             found.finding.description, str(len(found.evidence)))
            for found in view.findings
        ),
    )  # fmt: skip
