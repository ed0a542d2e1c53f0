"""The security overview's panels beside the figures: the open rectification orders with their
clocks, the stop-sort holds in force and the recent inspections, each as far as the reader
reaches (the areas' own application functions decide)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from peakguard.app.holds import open_holds
from peakguard.app.inspection_plans import kind_label
from peakguard.app.inspections import recent_inspections
from peakguard.app.rectification import open_orders
from peakguard.cases.holds import hold_rules, scope_label
from peakguard.cases.holds import state_label as hold_state_label
from peakguard.cases.inspections import InspectionState
from peakguard.cases.inspections import state_label as inspection_state_label
from peakguard.cases.rectification import OrderState
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Principal
from peakguard.store.database import Store
from peakguard.web.pages.tables import Column, TableView, Value

RECENT_INSPECTIONS = 10
ORDER_STATES: dict[str, Message] = {
    OrderState.issued.value: _("issued, report awaited"),
    OrderState.extension_requested.value: _("extension asked"),
    OrderState.reported.value: _("reported, re-check awaited"),
    OrderState.closed.value: _("closed (re-check passed)"),
    OrderState.escalated.value: _("escalated to a penalty case"),
}


def _remaining(left: timedelta | None, language: str) -> str | None:
    """Time left as days and hours; negative: overdue by that much."""
    if left is None:
        return None
    hours = int(abs(left.total_seconds()) // 3600)
    text = render(_("{days} d {hours} h", days=hours // 24, hours=hours % 24), language)
    return render(_("overdue by {time}", time=text), language) if left < timedelta(0) else text


def orders_table(store: Store, caller: Principal, language: str, now: datetime) -> TableView:
    rows: list[dict[str, Value]] = []
    for line in open_orders(store, caller, now=now):
        order = line.order
        rows.append(
            {
                "reference": order.reference,
                "carrier": order.carrier,
                "region": order.region,
                "place": order.node_id or order.place,
                "state": render(ORDER_STATES.get(order.state, _("open")), language),
                "due": line.due_at,
                "remaining": _remaining(line.remaining, language),
                "overdue": render(_("overdue") if line.overdue else _("in time"), language),
            }
        )
    return TableView(
        key="orders",
        title=render(_("Open rectification orders (责令整改)"), language),
        columns=(
            Column("reference", render(_("Order"), language)),
            Column("carrier", render(_("Carrier"), language)),
            Column("region", render(_("Region"), language)),
            Column("place", render(_("Place"), language)),
            Column("state", render(_("State"), language)),
            Column("due", render(_("Deadline (China time)"), language)),
            Column("remaining", render(_("Time left"), language)),
            Column("overdue", render(_("Clock"), language)),
        ),
        rows=rows,
        empty=render(_("No open rectification order within your reach."), language),
        filename="open-orders",
    )


def holds_table(store: Store, caller: Principal, language: str) -> TableView:
    categories = hold_rules().categories
    rows: list[dict[str, Value]] = []
    for line in open_holds(store, caller):
        hold = line.hold
        category = categories.get(hold.category)
        rows.append(
            {
                "reference": hold.reference,
                "link": f"/app/holds/{hold.id}",
                "scope": render(scope_label(hold.scope), language),
                "carrier": hold.carrier,
                "region": hold.region,
                "node": hold.node_id,
                "category": category.label(language) if category else hold.category,
                "held_from": hold.held_from,
                "waybills": line.waybills,
                "violations": line.violations,
                "state": render(hold_state_label(hold.state), language),
            }
        )
    return TableView(
        key="holds",
        title=render(_("Stop-sort holds in force (停止分拣)"), language),
        columns=(
            Column("reference", render(_("Hold"), language), link="link"),
            Column("scope", render(_("On"), language)),
            Column("carrier", render(_("Carrier"), language)),
            Column("region", render(_("Region"), language)),
            Column("node", render(_("Node"), language)),
            Column("category", render(_("Suspected item"), language)),
            Column("held_from", render(_("Held from (China time)"), language)),
            Column("waybills", render(_("Waybills"), language), digits=0),
            Column("violations", render(_("Scans after the hold"), language), digits=0),
            Column("state", render(_("State"), language)),
        ),
        rows=rows,
        empty=render(_("No stop-sort hold in force within your reach."), language),
        filename="holds",
    )


def inspections_table(store: Store, caller: Principal, language: str) -> TableView:
    rows: list[dict[str, Value]] = []
    for inspection in recent_inspections(store, caller, limit=RECENT_INSPECTIONS):
        rows.append(
            {
                "id": inspection.id,
                "kind": render(kind_label(inspection.kind), language),
                "carrier": inspection.carrier,
                "region": inspection.region,
                "place": inspection.node_id or inspection.address,
                "scheduled": inspection.scheduled_at,
                "state": render(
                    inspection_state_label(InspectionState(inspection.state)), language
                ),
            }
        )
    return TableView(
        key="inspections",
        title=render(_("Recent inspections (检查)"), language),
        columns=(
            Column("id", render(_("Inspection"), language)),
            Column("kind", render(_("Kind"), language)),
            Column("carrier", render(_("Carrier"), language)),
            Column("region", render(_("Region"), language)),
            Column("place", render(_("Place"), language)),
            Column("scheduled", render(_("Scheduled (China time)"), language)),
            Column("state", render(_("State"), language)),
        ),
        rows=rows,
        empty=render(_("No inspection within your reach yet."), language),
        filename="inspections",
    )


def overview_tables(
    store: Store, caller: Principal, language: str, now: datetime | None = None
) -> list[TableView]:
    """The three panels, in the order the page shows them."""
    moment = now or datetime.now(UTC)
    return [
        orders_table(store, caller, language, moment),
        holds_table(store, caller, language),
        inspections_table(store, caller, language),
    ]
