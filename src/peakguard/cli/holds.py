"""``peakguard hold``: stop-sort holds (停止分拣; docs/reference/stop-sort-holds.md) — place one
on a waybill, a bag or a batch, list, show, release, list the violations, sweep the lake. Each
command calls the operation its API route calls (``POST /holds``, ``POST /holds/{id}/release``
…), as the local administrator."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.holds import (
    HoldDraft,
    HoldView,
    get_hold,
    list_holds,
    list_violations,
    place_hold,
    release_hold,
    sweep_holds,
)
from peakguard.cases.holds import (
    HoldScope,
    found_label,
    hold_rules,
    scan_label,
    scope_label,
    state_label,
)
from peakguard.cli.console import (
    LOCAL,
    handled,
    opened_store,
    print_figures,
    print_table,
    say,
    settings,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _, current_language, render
from peakguard.store.holds import ViolationRecord

holds_app = typer.Typer(
    no_args_is_help=True,
    help="Stop-sort holds (停止分拣): place, list, show, release, violations, sweep",
)


def _moment(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def _when(value: str | None, where: str, problems: list[Problem]) -> datetime | None:
    """An ISO moment; without a zone, China time."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        problems.append(Problem(where, _("give a moment such as 2026-11-11T10:00 (China time)")))
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_STANDARD_TIME)


def _category(key: str) -> str:
    found = hold_rules().categories.get(key)
    return found.label(current_language()) if found else key


@holds_app.command("place")
def hold_place(
    scope: Annotated[HoldScope, typer.Option(help="waybill, bag or batch")],
    carrier: Annotated[str, typer.Option(help="the brand, e.g. ZTO")],
    region: Annotated[str, typer.Option(help="six-digit region of the place")],
    node: Annotated[str, typer.Option(help="the node where the item was found")],
    category: Annotated[str, typer.Option(help="the suspected item's category (hold rules)")],
    found_at: Annotated[str, typer.Option(help="when it was found, 2026-11-11T10:00")],
    evidence: Annotated[str, typer.Option(help="what was seen")],
    waybill: Annotated[list[str] | None, typer.Option(help="a waybill (repeat for more)")] = None,
    bag: Annotated[str | None, typer.Option(help="the bag's code (scope bag)")] = None,
    outlet: Annotated[str | None, typer.Option(help="a batch's outlet")] = None,
    window_start: Annotated[str | None, typer.Option(help="a batch's acceptance from")] = None,
    window_end: Annotated[str | None, typer.Option(help="a batch's acceptance until")] = None,
    file: Annotated[list[Path] | None, typer.Option(help="an evidence file (repeat)")] = None,
) -> None:
    """Place a hold (POST /holds): reported upward, the lake's later scans flagged."""
    with handled():
        problems: list[Problem] = []
        moments = [
            _when(found_at, "--found-at", problems),
            _when(window_start, "--window-start", problems),
            _when(window_end, "--window-end", problems),
        ]
        files = []
        for index, path in enumerate(file or []):
            if not path.is_file():
                problems.append(Problem(f"--file[{index}]", _("no such file: {path}", path=path)))
            else:
                files.append((path.name, path.read_bytes()))
        if problems or moments[0] is None:
            raise InvalidInputError(_("The hold has mistakes."), problems)
        draft = HoldDraft(
            scope=scope.value, carrier=carrier, region=region, node_id=node,
            category=category, held_from=moments[0], evidence=evidence,
            waybills=tuple(waybill or ()), bag_code=bag, outlet=outlet,
            window_start=moments[1], window_end=moments[2],
        )  # fmt: skip
        lake = settings().resolved_event_lake()
        with opened_store() as store:
            view = place_hold(store, LOCAL, draft, lake=lake, files=files)
    print_hold(view)


@holds_app.command("list")
def hold_list(
    state: Annotated[str | None, typer.Option(help="held or released")] = None,
) -> None:
    """The holds, those in force first (GET /holds)."""
    with handled(), opened_store() as store:
        found = list_holds(store, LOCAL, state=state)
    print_table(
        _("Stop-sort holds (in force first)"),
        (_("Hold"), _("Scope"), _("State"), _("Carrier"), _("Region"), _("Node"),
         _("Category"), _("Since"), _("Waybills"), _("Violations")),
        (
            (
                line.hold.reference, render(scope_label(line.hold.scope)),
                render(state_label(line.hold.state)), line.hold.carrier, line.hold.region,
                line.hold.node_id, _category(line.hold.category), _moment(line.hold.held_from),
                str(line.waybills), str(line.violations),
            )
            for line in found
        ),
    )  # fmt: skip


@holds_app.command("show")
def hold_show(hold_id: Annotated[int, typer.Argument(help="the hold's number")]) -> None:
    """The hold with its waybills, reports, violations and evidence (GET /holds/{id})."""
    with handled(), opened_store() as store:
        view = get_hold(store, LOCAL, hold_id)
    print_hold(view)


def print_hold(view: HoldView) -> None:
    hold = view.hold
    outcome = hold_rules().outcomes.get(hold.release_outcome or "")
    rows: list[tuple[Message, str]] = [
        (_("Hold"), hold.reference),
        (_("State"), render(state_label(hold.state))),
        (_("Version"), str(hold.version)),
        (_("Scope"), render(scope_label(hold.scope))),
        (_("Carrier"), hold.carrier),
        (_("Region"), hold.region),
        (_("Found at"), hold.node_id),
        (_("Held from"), _moment(hold.held_from)),
        (_("Suspected item"), _category(hold.category)),
        (_("Bag"), hold.bag_code or "-"),
        (_("Evidence"), hold.evidence),
        (_("Placed by"), hold.placed_by),
        (_("Waybills"), ", ".join(view.waybills[:20]) + (" …" if len(view.waybills) > 20 else "")),
        (_("Reported to"), ", ".join(item.organisation for item in view.reports) or "-"),
        (_("Evidence files"), ", ".join(item.file_name for item in view.evidence) or "-"),
        (_("Released at"), _moment(hold.released_at)),
        (_("Outcome"), outcome.label(current_language()) if outcome else "-"),
        (_("Reason"), hold.release_reason or "-"),
    ]
    print_figures(_("Stop-sort hold {reference}", reference=hold.reference), rows)
    print_violations(view.violations)


def print_violations(found: list[ViolationRecord]) -> None:
    print_table(
        _("Violations (movement scans after the hold)"),
        (_("Hold"), _("Carrier"), _("Waybill"), _("Scan"), _("Node"), _("Scanned"),
         _("Found by")),
        (
            (f"HOLD-{item.hold_id}", item.carrier, item.waybill, render(scan_label(item.event)),
             item.node_id,
             _moment(item.scanned_at), render(found_label(item.detected_by)))
            for item in found
        ),
    )  # fmt: skip


@holds_app.command("release")
def hold_release(
    hold_id: Annotated[int, typer.Argument(help="the hold's number")],
    outcome: Annotated[str, typer.Option(help="false_alarm, handed_to_public_security …")],
    reason: Annotated[str, typer.Option(help="why the hold is released")],
    version: Annotated[int, typer.Option(help="the version you read (hold show)")],
) -> None:
    """Release a hold with its outcome and reason (POST /holds/{id}/release)."""
    with handled(), opened_store() as store:
        view = release_hold(
            store, LOCAL, hold_id, expected_version=version, outcome=outcome, reason=reason
        )
    print_hold(view)


@holds_app.command("violations")
def hold_violations(
    hold_id: Annotated[int | None, typer.Option("--hold", help="one hold's only")] = None,
) -> None:
    """The violations of one hold or of all (GET /holds/violations)."""
    with handled(), opened_store() as store:
        found = list_violations(store, LOCAL, hold_id=hold_id)
    print_violations(found)


@holds_app.command("sweep")
def hold_sweep() -> None:
    """Look for violations in the lake's batches not examined yet (POST /holds/sweep)."""
    with handled(), opened_store() as store:
        count = sweep_holds(store, settings())
    say(_("Violations recorded now: {count}.", count=count))
