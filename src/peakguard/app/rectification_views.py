"""What an order's reader sees, and who may act on it: the order with its clock (rule, basis,
source, deadline, time left), its steps, its penalty case and the steps it may take now.

A regulator reaches the orders of its territory, a carrier its own brand's (a provincial
company inside its province), the system every order; outside a caller's reach an order is
"not found". Reading needs ``security.read``; a regulator's steps ``order.issue``, the carrier's
``order.respond``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.cases.model import Side
from peakguard.cases.rectification import (
    CLOCK_STATES,
    ORDER_TRANSITIONS,
    PENALTY_PREFIX,
    PENALTY_TRANSITIONS,
    OrderState,
    PenaltyState,
    allowed,
)
from peakguard.cases.security_rules import rule_of
from peakguard.errors import ForbiddenError
from peakguard.i18n import _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store import rectification as stored
from peakguard.store.database import Store
from peakguard.store.rectification import (
    OrderClockRecord,
    OrderRecord,
    PenaltyRecord,
    StepRecord,
)

TEXT_LIMIT = 8000
ORDER_KIND = "rectification_order"
"""The audit trail's record kind of an order (its id: the order's reference)."""


@dataclass(frozen=True)
class OrderClock:
    """The order's deadline with its rule, and where it stands at the moment of reading."""

    rule_key: str
    basis: str
    limit: int | None
    source: str
    started_at: datetime
    due_at: datetime
    first_due_at: datetime
    outcome: str
    stopped_at: datetime | None
    remaining: timedelta | None
    """Before the deadline (negative: overdue) while the clock runs; None once stopped."""
    overdue: bool


@dataclass(frozen=True)
class OrderView:
    order: OrderRecord
    clock: OrderClock | None
    steps: list[StepRecord]
    penalty: PenaltyRecord | None
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


@dataclass(frozen=True)
class OrderLine:
    """One line of the order list: the order and its clock."""

    order: OrderRecord
    clock: OrderClock | None

    @property
    def reference(self) -> str:
        return self.order.reference

    @property
    def due_at(self) -> datetime | None:
        return None if self.clock is None else self.clock.due_at

    @property
    def remaining(self) -> timedelta | None:
        return None if self.clock is None else self.clock.remaining

    @property
    def overdue(self) -> bool:
        return self.clock is not None and self.clock.overdue


def clock_view(clock: OrderClockRecord, state: str, now: datetime) -> OrderClock:
    running = clock.outcome == "running" and state in CLOCK_STATES
    return OrderClock(
        rule_key=clock.rule_key,
        basis=clock.basis,
        limit=clock.limit_value,
        source=clock.source,
        started_at=clock.started_at,
        due_at=clock.due_at,
        first_due_at=clock.first_due_at,
        outcome=clock.outcome,
        stopped_at=clock.stopped_at,
        remaining=clock.due_at - now if running else None,
        overdue=running and now > clock.due_at,
    )


def side_of(actor: Principal, order: OrderRecord) -> Side | None:
    """The side ``actor`` acts as on ``order`` (None: the system, every side; also None for
    a reader who plays no side: it may take no step)."""
    kind = actor.organisation.kind
    if kind is OrganisationKind.regulator and actor.may(Permission.order_issue):
        return Side.regulator
    if kind is OrganisationKind.carrier and actor.may(Permission.order_respond):
        return Side.carrier
    return None


def steps_for(
    actor: Principal, order: OrderRecord, penalty: PenaltyRecord | None
) -> tuple[str, ...]:
    """The order's (and its penalty case's) steps ``actor`` may take now."""
    side = side_of(actor, order)
    system = actor.organisation.kind is OrganisationKind.system
    if side is None and not system:
        return ()
    found = [
        move.step
        for move in ORDER_TRANSITIONS
        if move.source == order.state and (system or side in move.sides)
    ]
    if penalty is not None and (system or side is Side.regulator):
        found += [f"penalty.{step}" for step in allowed(PENALTY_TRANSITIONS, penalty.state)]
    return tuple(dict.fromkeys(found))


def acting_side(actor: Principal, order: OrderRecord, permission: Permission) -> Side | None:
    """The side ``actor`` takes a step as (None: the system); ForbiddenError when it holds
    the permission but plays no side on orders."""
    require(actor, permission)
    kind = actor.organisation.kind
    if kind is OrganisationKind.system:
        return None
    side = side_of(actor, order)
    if side is None:
        raise ForbiddenError(
            _(
                "{who} may not act on rectification orders: a postal administration issues and "
                "re-checks them, the carrier's security officer answers them.",
                who=actor.label(),
            )
        )
    return side


def visible_order(session: Session, actor: Principal, reference: str) -> OrderRecord:
    """The order if ``actor`` may read it; "not found" otherwise."""
    require(actor, Permission.security_read)
    order = stored.load_order(session, reference)
    if order is None or not reach(actor).covers(order.carrier, order.region):
        raise stored.missing(reference)
    return order


def view_in(session: Session, actor: Principal, order_id: int, now: datetime) -> OrderView:
    """The order as ``actor`` sees it at ``now`` (access checked by the caller)."""
    order = stored.load_order_by_id(session, order_id)
    assert order is not None
    clock = stored.order_clock(session, order.id)
    penalty = stored.penalty_of(session, order.id)
    return OrderView(
        order=order,
        clock=None if clock is None else clock_view(clock, order.state, now),
        steps=stored.order_steps(session, order.id),
        penalty=penalty,
        allowed=steps_for(actor, order, penalty),
    )


# -- recording ---------------------------------------------------------------------------------


def record_step(
    session: Session,
    store: Store,
    actor: Principal,
    order: OrderRecord,
    step: str,
    state: str,
    at: datetime,
    *,
    text: str = "",
    detail: dict[str, Any] | None = None,
) -> int:
    """Append the step to the order and to the audit trail (the same detail)."""
    seq = stored.add_step(
        session, order.id, step=step, state=state, actor=actor.label(),
        organisation=actor.organisation.code, at=at, text=text, detail=detail,
    )  # fmt: skip
    audit = {"seq": seq, "state": state} | {
        key: value for key, value in (detail or {}).items() if value is not None
    }
    record_in(session, store, actor, f"order.{step}", ORDER_KIND, order.reference,
              detail=audit, at=at)  # fmt: skip
    return seq


def open_penalty(
    session: Session, store: Store, actor: Principal, order: OrderRecord, at: datetime
) -> str:
    """Open the escalated order's penalty case with the first cited rule's legal range."""
    rule = rule_of(order.rule_keys[0])
    reference = stored.next_reference(session, PENALTY_PREFIX, at.year)
    persons = rule.person_fine
    stored.insert_penalty(
        session,
        {
            "reference": reference, "order_id": order.id, "state": PenaltyState.opened.value,
            "rule_key": rule.key, "penalty_law": rule.penalty_citation,
            "company_fine_min": rule.company_fine.minimum,
            "company_fine_max": rule.company_fine.maximum,
            "severe_fine_max": rule.severe_fine_max,
            "person_fine_min": None if persons is None else persons.minimum,
            "person_fine_max": None if persons is None else persons.maximum,
            "opened_at": at,
        },
    )  # fmt: skip
    detail = {"penalty": reference, "rule": rule.key, "law": rule.penalty_citation,
              "range": rule.company_fine.words()}  # fmt: skip
    record_step(
        session, store, actor, order, "penalty.open", OrderState.escalated, at, detail=detail
    )
    return reference
