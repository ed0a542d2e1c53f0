"""What a supply order's reader sees, and who may act on it: the order with its lines, delivery
points, clocks (rule, basis, source, due moment, time left), steps and the sweep's firings, and
the steps the reader may take now.

Reading needs ``supply.read``: a regulator reads the orders whose controlled area lies in its
territory, a carrier company its own brand's (a provincial company inside its province), a
platform only the orders addressed to it, the system every order; outside a reader's reach an
order is "not found". The company side's steps need ``supply.order``, the supplier side's
``supply.quote``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.errors import ForbiddenError
from peakguard.i18n import _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store import supply_orders as stored
from peakguard.store.database import Store
from peakguard.store.supply_orders import (
    FiringRecord,
    SupplyClockRecord,
    SupplyOrderRecord,
    SupplyStepRecord,
)
from peakguard.supply.model import DeliveryPoint, OrderLine
from peakguard.supply.orders import Party, allowed

ORDER_KIND = "supply_order"
"""The audit trail's record kind of a supply order (its id: the order's reference)."""
PERMISSION_OF = {Party.company: Permission.supply_order, Party.supplier: Permission.supply_quote}


@dataclass(frozen=True)
class ClockView:
    """A clock with where it stands at the moment of reading."""

    clock: SupplyClockRecord
    remaining: timedelta | None
    """Before the due moment (negative: overdue) while it runs; None once stopped."""

    @property
    def rule_key(self) -> str:
        return self.clock.rule_key

    @property
    def due_at(self) -> datetime:
        return self.clock.due_at

    @property
    def state(self) -> str:
        return self.clock.state

    @property
    def overdue(self) -> bool:
        """Running past its due moment, or stopped late."""
        running_late = self.remaining is not None and self.remaining < timedelta(0)
        return running_late or self.clock.state == "late"


@dataclass(frozen=True)
class SupplyOrderView:
    order: SupplyOrderRecord
    company: str
    """The ordering company's organisation code."""
    supplier: str
    """The supplier platform's organisation code."""
    lines: tuple[OrderLine, ...]
    deliveries: tuple[tuple[DeliveryPoint, str], ...]
    """Each delivery point with its group leader ('' for none)."""
    clocks: tuple[ClockView, ...]
    steps: tuple[SupplyStepRecord, ...]
    firings: tuple[FiringRecord, ...]
    allowed: tuple[str, ...]
    """The steps the reader may take now (by its side)."""

    @property
    def reference(self) -> str:
        return self.order.reference

    @property
    def state(self) -> str:
        return self.order.state

    @property
    def version(self) -> int:
        return self.order.version

    @property
    def clock(self) -> ClockView | None:
        """The clock running now, if one is."""
        running = [clock for clock in self.clocks if clock.state == "running"]
        return running[-1] if running else None


@dataclass(frozen=True)
class SupplyOrderSummary:
    """One line of the order list: the order and its present clock (the running one, else the
    last one)."""

    order: SupplyOrderRecord
    clock: ClockView | None

    @property
    def reference(self) -> str:
        return self.order.reference

    @property
    def late(self) -> bool:
        return self.clock is not None and self.clock.overdue

    @property
    def due_at(self) -> datetime | None:
        return None if self.clock is None else self.clock.due_at


def clock_view(clock: SupplyClockRecord, now: datetime) -> ClockView:
    return ClockView(clock, clock.due_at - now if clock.state == "running" else None)


# -- who may do what ---------------------------------------------------------------------------


def may_read(actor: Principal, order: SupplyOrderRecord) -> bool:
    organisation = actor.organisation
    if organisation.kind is OrganisationKind.platform:
        return organisation.id is not None and organisation.id == order.supplier_id
    return reach(actor).covers(order.carrier, order.region)


def party_of(actor: Principal, order: SupplyOrderRecord) -> Party | None:
    """The side ``actor`` acts as on ``order`` (None: none, or the system, every side)."""
    kind = actor.organisation.kind
    if kind is OrganisationKind.carrier and actor.may(Permission.supply_order):
        return Party.company if reach(actor).covers(order.carrier, order.region) else None
    if kind is OrganisationKind.platform and actor.may(Permission.supply_quote):
        return Party.supplier if actor.organisation.id == order.supplier_id else None
    return None


def acting_party(actor: Principal, order: SupplyOrderRecord, party: Party) -> Party | None:
    """The side ``actor`` takes a step of ``party`` as (None: the system); ForbiddenError when
    it lacks the side's permission or plays the other side."""
    require(actor, PERMISSION_OF[party])
    if actor.organisation.kind is OrganisationKind.system:
        return None
    side = party_of(actor, order)
    if side is not party:
        raise ForbiddenError(
            _(
                "{who} may not take this step of supply order {reference}: the provincial "
                "company that ordered takes the ordering steps, the supplier platform the sheet "
                "is addressed to takes the quoting ones.",
                who=actor.label(),
                reference=order.reference,
            )
        )
    return side


def steps_for(actor: Principal, order: SupplyOrderRecord) -> tuple[str, ...]:
    """The steps ``actor`` may take on ``order`` now."""
    if actor.organisation.kind is OrganisationKind.system:
        return allowed(order.state)
    side = party_of(actor, order)
    return () if side is None else allowed(order.state, side)


def visible_order(session: Session, actor: Principal, reference: str) -> SupplyOrderRecord:
    """The order if ``actor`` may read it; "not found" otherwise."""
    require(actor, Permission.supply_read)
    order = stored.load_order(session, reference)
    if order is None or not may_read(actor, order):
        raise stored.missing(reference)
    return order


def view_in(session: Session, actor: Principal, order_id: int, now: datetime) -> SupplyOrderView:
    """The order as ``actor`` sees it at ``now`` (access checked by the caller)."""
    order = stored.load_order_by_id(session, order_id)
    assert order is not None
    company = stored.organisation(session, organisation_id=order.company_id)
    supplier = stored.organisation(session, organisation_id=order.supplier_id)
    return SupplyOrderView(
        order=order,
        company="" if company is None else company.code,
        supplier="" if supplier is None else supplier.code,
        lines=tuple(stored.order_lines(session, order.id)),
        deliveries=tuple(stored.order_deliveries(session, order.id)),
        clocks=tuple(clock_view(clock, now) for clock in stored.order_clocks(session, order.id)),
        steps=tuple(stored.order_steps(session, order.id)),
        firings=tuple(stored.firings(session, order.id)),
        allowed=steps_for(actor, order),
    )


# -- recording ---------------------------------------------------------------------------------


def record_step(
    session: Session,
    store: Store,
    actor: Principal,
    order: SupplyOrderRecord,
    step: str,
    state: str,
    at: datetime,
    *,
    side: str,
    text: str = "",
    detail: dict[str, Any] | None = None,
) -> int:
    """Append the step to the order and to the audit trail (the same detail)."""
    seq = stored.add_step(
        session, order.id, step=step, state=state, side=side, actor=actor.label(),
        organisation=actor.organisation.code, at=at, text=text, detail=detail,
    )  # fmt: skip
    audit = {"seq": seq, "state": state, "side": side} | {
        key: value for key, value in (detail or {}).items() if value is not None
    }
    record_in(session, store, actor, f"supply_order.{step}", ORDER_KIND, order.reference,
              detail=audit, at=at)  # fmt: skip
    return seq
