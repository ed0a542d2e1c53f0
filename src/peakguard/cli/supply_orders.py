"""``peakguard supply order``: supply orders (订单需求表, seed 004) — open one from a sheet file
(YAML/JSON, or a CSV of group leaders' tallies), list (the late ones first), show with its
clocks and history, take a step, sweep. Each command calls the operation its API route calls
(``POST /supply/orders``, ``POST /supply/orders/{reference}/steps`` …), as the local
administrator."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from peakguard.app.supply_order_sheets import read_sheet_file
from peakguard.app.supply_orders import (
    ClockView,
    SupplyOrderView,
    deployment_bundles,
    get_supply_order,
    list_supply_orders,
    open_supply_order,
    step_supply_order,
    sweep_supply_orders,
)
from peakguard.cli.console import LOCAL, handled, opened_store, print_figures, print_table, say
from peakguard.cli.console import settings as deployment
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.i18n import Message, _, render
from peakguard.supply.bundles import load_bundles
from peakguard.supply.orders import (
    SupplyStep,
    clock_label,
    clock_state_label,
    state_label,
    step_label,
)

orders_app = typer.Typer(no_args_is_help=True, help="Supply orders (订单需求表), seed 004.")
Reference = Annotated[str, typer.Argument(help="BG2026-000001")]


def _moment(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


def _clock(clock: ClockView | None) -> str:
    if clock is None:
        return "-"
    state = render(clock_state_label(clock.state))
    if clock.remaining is not None:
        hours = clock.remaining.total_seconds() / 3600
        state = render(_("overdue by {hours:.1f} h", hours=-hours) if hours < 0
                       else _("{hours:.1f} h left", hours=hours))  # fmt: skip
    return f"{clock.rule_key} · {_moment(clock.due_at)} · {state}"


@orders_app.command("open")
def order_open(
    sheet: Annotated[Path, typer.Argument(help="the sheet: .yaml/.json, or a .csv of tallies")],
    region: Annotated[str | None, typer.Option(help="CSV: the controlled area")] = None,
    supplier: Annotated[str | None, typer.Option(help="CSV: the platform's code")] = None,
    needed_by: Annotated[str | None, typer.Option(help="CSV: 2026-11-16T18:00:00+08:00")] = None,
    title: Annotated[str | None, typer.Option(help="CSV: the sheet's title")] = None,
    source: Annotated[str | None, typer.Option(help="CSV: the goods' source")] = None,
    carrier: Annotated[str | None, typer.Option(help="the brand")] = None,
    bundles: Annotated[Path | None, typer.Option(help="a bundles.toml of your own")] = None,
) -> None:
    """Draft an order requirement sheet (POST /supply/orders)."""
    with handled():
        draft = read_sheet_file(
            sheet, region=region, supplier=supplier, needed_by=needed_by, title=title,
            source=source, carrier=carrier,
        )  # fmt: skip
        catalogue = load_bundles(bundles) if bundles else deployment_bundles(deployment().home)
        with opened_store() as store:
            view = open_supply_order(store, LOCAL, draft, bundles=catalogue)
    print_order(view)


@orders_app.command("list")
def order_list(
    state: Annotated[str | None, typer.Option(help="drafted, sent, quoted, … closed")] = None,
) -> None:
    """The orders, the late ones first (GET /supply/orders)."""
    with handled(), opened_store() as store:
        found = list_supply_orders(store, LOCAL, states=None if state is None else [state])
    print_table(
        _("Supply orders (the late ones first)"),
        (_("Reference"), _("State"), _("Controlled area"), _("Title"), _("Clock"), _("Late")),
        (
            (line.reference, render(state_label(line.order.state)), line.order.region,
             line.order.title, _clock(line.clock), "!" if line.late else "")
            for line in found
        ),
    )  # fmt: skip


@orders_app.command("show")
def order_show(reference: Reference) -> None:
    """The order with its lines, delivery points, clocks and steps (GET /supply/orders/…)."""
    with handled(), opened_store() as store:
        view = get_supply_order(store, LOCAL, reference)
    print_order(view)


@orders_app.command("step")
def order_step(
    reference: Reference,
    step: Annotated[SupplyStep, typer.Argument(help="the step")],
    version: Annotated[int, typer.Option(help="the version you read (order show)")],
    text: Annotated[str, typer.Option(help="a note; the reason to return or cancel")] = "",
    amount: Annotated[float | None, typer.Option(help="quote: the total in yuan")] = None,
) -> None:
    """Take a step (POST /supply/orders/{reference}/steps)."""
    with handled(), opened_store() as store:
        view = step_supply_order(store, LOCAL, reference, step.value, expected_version=version,
                                 text=text, amount=amount)  # fmt: skip
    print_order(view)


@orders_app.command("sweep")
def order_sweep() -> None:
    """Send the reminders due and record the breaches, each once (POST /supply/orders/sweep)."""
    with handled(), opened_store() as store:
        recorded = sweep_supply_orders(store)
    say(_("{count} reminders and breaches recorded.", count=recorded))


def print_order(view: SupplyOrderView) -> None:
    order = view.order
    rows: list[tuple[Message, str]] = [
        (_("Reference"), order.reference), (_("State"), render(state_label(order.state))),
        (_("Version"), str(order.version)), (_("Kind"), order.kind),
        (_("Controlled area"), order.region), (_("Ordering company"), view.company),
        (_("Supplier platform"), view.supplier), (_("Title"), order.title),
        (_("Needed by"), _moment(order.needed_by)), (_("Clock"), _clock(view.clock)),
        (_("Steps allowed"), ", ".join(view.allowed) or "-"),
    ]  # fmt: skip
    print_figures(_("Supply order {reference}", reference=order.reference), rows)
    print_table(_("Bundles ordered"), (_("Bundle"), _("Sets"), _("Source")),
                ((x.bundle, str(x.quantity), x.source) for x in view.lines))  # fmt: skip
    print_table(
        _("Delivery points"), (_("Code"), _("Name"), _("Kind"), _("Sets"), _("Group leader")),
        ((p.place.code, p.place.name, p.kind.value, str(p.quantity), leader)
         for p, leader in view.deliveries),
    )  # fmt: skip
    print_table(
        _("Clocks"), (_("Clock"), _("Basis"), _("Source"), _("Due (China time)"), _("State")),
        ((f"{c.rule_key} · {render(clock_label(c.rule_key))}",
          f"{c.clock.limit_value} {c.clock.basis}", c.clock.source, _moment(c.due_at),
          _clock(c)) for c in view.clocks),
    )  # fmt: skip
    print_table(
        _("History"), (_("No."), _("Step"), _("Side"), _("At"), _("By"), _("Text")),
        ((str(s.seq), render(step_label(s.step)), s.side, _moment(s.at), s.actor, s.text)
         for s in view.steps),
    )  # fmt: skip
