"""``peakguard order``: rectification orders (责令整改) — issue one from a finding or on the
spot, list (the most urgent first), show with its clock and history, respond, ask for and
answer an extension, re-check, escalate, sweep, export, the rules catalogue, and the penalty
cases (``peakguard order penalty …``). Each command calls the operation its API route calls
(``POST /orders``, ``POST /orders/{reference}/respond`` …), as the local administrator."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.penalties import (
    PenaltyView,
    decide_penalty,
    get_penalty,
    list_penalties,
    not_punish,
    propose_penalty,
)
from peakguard.app.rectification import (
    EvidenceFile,
    OrderDraft,
    OrderView,
    answer_extension,
    escalate_order,
    get_order,
    issue_order,
    list_orders,
    recheck_order,
    request_extension,
    respond_to_order,
    sweep_orders,
)
from peakguard.app.rectification_files import export_orders
from peakguard.app.rectification_views import OrderClock
from peakguard.cases.rectification import (
    basis_label,
    clock_outcome_label,
    state_label,
    step_label,
)
from peakguard.cases.security_rules import security_rules
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
from peakguard.i18n import Message, _, render

rectification_app = typer.Typer(
    no_args_is_help=True,
    help="Rectification orders (责令整改) and the penalty cases they escalate to.",
)
penalty_app = typer.Typer(
    no_args_is_help=True, help="Penalty cases (行政处罚): show, propose, decide, not punish"
)
rectification_app.add_typer(penalty_app, name="penalty")

Reference = Annotated[str, typer.Argument(help="ZG2026-000001")]
Version = Annotated[int, typer.Option(help="the version you read (order show)")]


def _moment(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def _clock(clock: OrderClock | None) -> str:
    if clock is None:
        return "-"
    if clock.remaining is None:
        return f"{render(clock_outcome_label(clock.outcome))} ({_moment(clock.due_at)})"
    days = clock.remaining / timedelta(days=1)
    if days < 0:
        return render(
            _("overdue by {days:.1f} days (due {due})", days=-days, due=_moment(clock.due_at))
        )
    return render(_("due {due} ({days:.1f} days left)", due=_moment(clock.due_at), days=days))


@rectification_app.command("issue")
def order_issue(
    requirement: Annotated[str, typer.Option(help="what the carrier must rectify")],
    deadline: Annotated[str, typer.Option(help="2026-12-20, 10d (calendar) or 5wd (working)")],
    finding: Annotated[int | None, typer.Option(help="the finding's number")] = None,
    rule: Annotated[list[str] | None, typer.Option(help="a rule breached (repeat)")] = None,
    carrier: Annotated[str | None, typer.Option(help="on the spot: the brand")] = None,
    region: Annotated[str | None, typer.Option(help="on the spot: GB/T 2260 code")] = None,
    node: Annotated[str | None, typer.Option(help="the outlet or hub id")] = None,
    place: Annotated[str, typer.Option(help="on the spot: the place")] = "",
    facts: Annotated[str, typer.Option(help="on the spot: the facts found")] = "",
) -> None:
    """Issue an order from a finding or on the spot (POST /orders)."""
    draft = OrderDraft(
        requirement=requirement, deadline=deadline, rule_keys=tuple(rule or ()),
        finding_id=finding, carrier=carrier, region=region, node_id=node, place=place,
        facts=facts,
    )  # fmt: skip
    with handled(), opened_store() as store:
        view = issue_order(store, draft, actor=LOCAL)
    print_order(view)


@rectification_app.command("list")
def order_list(
    state: Annotated[
        str | None, typer.Option(help="issued, extension_requested, reported, closed, escalated")
    ] = None,
) -> None:
    """The orders, the most urgent deadline first (GET /orders)."""
    with handled(), opened_store() as store:
        found = list_orders(store, actor=LOCAL, states=None if state is None else [state])
    print_table(
        _("Rectification orders (the most urgent first)"),
        (_("Reference"), _("State"), _("Carrier"), _("Region"), _("Place"), _("Rules"), _("Clock")),
        (
            (
                line.reference, render(state_label(line.order.state)), line.order.carrier,
                line.order.region, line.order.place, ", ".join(line.order.rule_keys),
                _clock(line.clock),
            )
            for line in found
        ),
    )  # fmt: skip


@rectification_app.command("show")
def order_show(reference: Reference) -> None:
    """The order with its clock (rule, basis, source) and its whole history."""
    with handled(), opened_store() as store:
        view = get_order(store, reference, actor=LOCAL)
    print_order(view)


def print_order(view: OrderView) -> None:
    order, clock = view.order, view.clock
    rows: list[tuple[Message, str]] = [
        (_("Reference"), order.reference),
        (_("State"), render(state_label(order.state))),
        (_("Version"), str(order.version)),
        (_("Carrier"), order.carrier),
        (_("Region"), order.region),
        (_("Place"), order.place),
        (_("Rules breached"), ", ".join(order.rule_keys)),
        (_("What to rectify"), order.requirement),
        (_("Clock"), _clock(clock)),
    ]
    if clock is not None:
        rows += [
            (_("Clock rule"), f"{clock.rule_key} · {render(basis_label(clock.basis))}"
             + ("" if clock.limit is None else f" · {clock.limit}")),
            (_("Source"), clock.source),
        ]  # fmt: skip
    if view.penalty is not None:
        rows.append((_("Penalty case"), view.penalty.reference))
    print_figures(_("Order {reference}", reference=order.reference), rows)
    print_table(
        _("History"),
        (_("No."), _("Step"), _("At"), _("By"), _("Text")),
        (
            (str(step.seq), render(step_label(step.step)), _moment(step.at), step.actor, step.text)
            for step in view.steps
        ),
    )


@rectification_app.command("respond")
def order_respond(
    reference: Reference,
    text: Annotated[str, typer.Option(help="what was changed")],
    version: Version,
    file: Annotated[list[Path] | None, typer.Option(help="an evidence file (repeat)")] = None,
) -> None:
    """The carrier's report, with its evidence files (POST /orders/{reference}/respond)."""
    with handled():
        files = [EvidenceFile(path.name, _read(path)) for path in file or ()]
        with opened_store() as store:
            view = respond_to_order(store, reference, expected_version=version, text=text,
                                    files=files, actor=LOCAL)  # fmt: skip
    print_order(view)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        problem = Problem(str(path), _("cannot be read: {reason}", reason=error.strerror or ""))
        raise InvalidInputError(_("The evidence file cannot be read."), [problem]) from None


@rectification_app.command("extension")
def order_extension(
    reference: Reference,
    version: Version,
    deadline: Annotated[str | None, typer.Option(help="ask for: 2026-12-20, 20d or 15wd")] = None,
    grant: Annotated[bool | None, typer.Option("--grant/--refuse", help="answer a request")] = None,
    reason: Annotated[str, typer.Option(help="why")] = "",
) -> None:
    """Ask for a later deadline (--deadline), or grant/refuse one asked for."""
    with handled(), opened_store() as store:
        if grant is None:
            view = request_extension(store, reference, expected_version=version, reason=reason,
                                     deadline=deadline or "", actor=LOCAL)  # fmt: skip
        else:
            view = answer_extension(store, reference, expected_version=version, grant=grant,
                                    reason=reason, actor=LOCAL)  # fmt: skip
    print_order(view)


@rectification_app.command("recheck")
def order_recheck(
    reference: Reference,
    version: Version,
    text: Annotated[str, typer.Option(help="what the re-check found")],
    passed: Annotated[bool, typer.Option("--passed/--failed", help="the outcome")],
) -> None:
    """The re-check: passed closes the order, failed escalates it (POST …/recheck)."""
    with handled(), opened_store() as store:
        view = recheck_order(store, reference, expected_version=version, passed=passed,
                             text=text, actor=LOCAL)  # fmt: skip
    print_order(view)


@rectification_app.command("escalate")
def order_escalate(
    reference: Reference, version: Version, text: Annotated[str, typer.Option()] = ""
) -> None:
    """Escalate an order ignored past its deadline to a penalty case."""
    with handled(), opened_store() as store:
        view = escalate_order(store, reference, expected_version=version, text=text, actor=LOCAL)
    print_order(view)


@rectification_app.command("sweep")
def order_sweep() -> None:
    """Send the reminders due and escalate ignored orders (each once)."""
    with handled(), opened_store() as store:
        count = sweep_orders(store, settings())
    say(_("Reminders and escalations recorded: {count}.", count=count))


@rectification_app.command("export")
def order_export(
    output: Annotated[Path, typer.Argument(help="orders.csv or orders.xlsx")],
) -> None:
    """The orders as CSV or Excel (by the file's suffix)."""
    with handled(), opened_store() as store:
        made = export_orders(store, LOCAL, file_format=output.suffix.lstrip(".").lower())
        output.write_bytes(made.content)
    say(_("Written: {path}", path=str(output)))


@rectification_app.command("rules")
def order_rules() -> None:
    """The security rules an order cites, with their legal fine ranges."""
    print_table(
        _("Security rules"),
        (_("Key"), _("Duty"), _("Penalty"), _("Company's fine (yuan)"), _("Confirmed")),
        (
            (
                rule.key, rule.citation, rule.penalty_citation, rule.company_fine.words(),
                render(_("yes") if rule.verified else _("no")),
            )
            for rule in security_rules().values()
        ),
    )  # fmt: skip


@penalty_app.command("list")
def penalty_list() -> None:
    """The penalty cases, newest first (GET /penalties)."""
    with handled(), opened_store() as store:
        found = list_penalties(store, actor=LOCAL)
    print_table(
        _("Penalty cases"),
        (_("Reference"), _("Order"), _("State"), _("Rule"), _("Range (yuan)"), _("Fine")),
        (
            (
                view.reference, view.order.reference, render(state_label(view.state)),
                view.penalty.rule_key, view.company_range.words(),
                "-" if view.penalty.company_fine is None else f"{view.penalty.company_fine:,}",
            )
            for view in found
        ),
    )  # fmt: skip


@penalty_app.command("show")
def penalty_show(reference: Annotated[str, typer.Argument(help="CF2026-000001")]) -> None:
    """The penalty case with its legal range."""
    with handled(), opened_store() as store:
        view = get_penalty(store, reference, actor=LOCAL)
    print_penalty(view)


def print_penalty(view: PenaltyView) -> None:
    case = view.penalty
    persons = view.person_range
    print_figures(
        _("Penalty case {reference}", reference=case.reference),
        [
            (_("Order"), view.order.reference),
            (_("State"), render(state_label(case.state))),
            (_("Version"), str(case.version)),
            (_("Penalty law"), case.penalty_law),
            (_("Company's fine, legal range (yuan)"), view.company_range.words()),
            (
                _("Responsible persons' fine, legal range (yuan)"),
                "-" if persons is None else persons.words(),
            ),
            (_("Fine"), "-" if case.company_fine is None else f"{case.company_fine:,}"),
            (_("Reason"), case.reason or "-"),
        ],
    )


@penalty_app.command("propose")
def penalty_propose(
    reference: Annotated[str, typer.Argument(help="CF2026-000001")],
    version: Version,
    company_fine: Annotated[int, typer.Option(min=0)],
    person_fine: Annotated[int | None, typer.Option(min=0)] = None,
    serious: Annotated[bool, typer.Option(help="情节严重")] = False,
    reason: Annotated[str, typer.Option()] = "",
) -> None:
    """Propose the fine (refused outside the legal range, naming it)."""
    with handled(), opened_store() as store:
        view = propose_penalty(store, reference, expected_version=version,
                               company_fine=company_fine, person_fine=person_fine,
                               serious=serious, reason=reason, actor=LOCAL)  # fmt: skip
    print_penalty(view)


@penalty_app.command("decide")
def penalty_decide(
    reference: Annotated[str, typer.Argument(help="CF2026-000001")],
    version: Version,
    company_fine: Annotated[int, typer.Option(min=0)],
    reason: Annotated[str, typer.Option(help="the legal reason")],
    person_fine: Annotated[int | None, typer.Option(min=0)] = None,
    serious: Annotated[bool, typer.Option(help="情节严重")] = False,
) -> None:
    """Decide the fine (inside the legal range)."""
    with handled(), opened_store() as store:
        view = decide_penalty(store, reference, expected_version=version,
                              company_fine=company_fine, person_fine=person_fine,
                              serious=serious, reason=reason, actor=LOCAL)  # fmt: skip
    print_penalty(view)


@penalty_app.command("not-punish")
def penalty_not_punish(
    reference: Annotated[str, typer.Argument(help="CF2026-000001")],
    version: Version,
    reason: Annotated[str, typer.Option(help="the legal reason")],
) -> None:
    """Decide not to punish (不予处罚)."""
    with handled(), opened_store() as store:
        view = not_punish(store, reference, expected_version=version, reason=reason, actor=LOCAL)
    print_penalty(view)
