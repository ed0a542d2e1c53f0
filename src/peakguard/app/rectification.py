"""Rectification orders (责令整改): issuing one, the carrier's report, the extension it may ask
for once, the re-check, escalation to a penalty case, reading and listing, and the sweep that
reminds the carrier before its deadline and escalates an ignored order.

Every step is a move of the table in :mod:`peakguard.cases.rectification`, checked against the
version the caller read (409 on a stale one), recorded as the order's numbered step and in the
audit trail (``order.<step>`` on the order's reference), in one transaction: the order's
history is its steps, and the audit trail holds every one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.alerts import raise_alert
from peakguard.app.case_calendar import calendar_in
from peakguard.app.case_drafts import clean_text
from peakguard.app.incidents import SWEEPER
from peakguard.app.rectification_issue import OrderDraft, issue_order
from peakguard.app.rectification_views import (
    TEXT_LIMIT,
    OrderLine,
    OrderView,
    acting_side,
    clock_view,
    open_penalty,
    record_step,
    view_in,
    visible_order,
)
from peakguard.app.security_evidence import EvidenceRef, attach_evidence, checked_file
from peakguard.cases.model import Side
from peakguard.cases.rectification import (
    CLOCK_STATES,
    OPEN_STATES,
    ORDER_TRANSITIONS,
    REMIND_BEFORE,
    DeadlineSpec,
    OrderState,
    OrderStep,
    deadline_of,
    parse_deadline,
    reminder_kind,
    reminders_due,
    transition,
)
from peakguard.config import Settings
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.identity.model import Permission, Principal
from peakguard.store import rectification as stored
from peakguard.store.database import Store, transaction
from peakguard.store.rectification import OrderRecord

__all__ = [
    "EvidenceFile",
    "OrderDraft",
    "OrderLine",
    "OrderView",
    "answer_extension",
    "attach_report_evidence",
    "escalate_order",
    "get_order",
    "issue_order",
    "list_orders",
    "open_orders",
    "recheck_order",
    "request_extension",
    "respond_to_order",
    "sweep_orders",
]
MAX_FILES = 20


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    content: bytes


# -- the steps ---------------------------------------------------------------------------------


def _move(
    session: Session, actor: Principal, reference: str, step: OrderStep, expected_version: int
) -> tuple[OrderRecord, Side | None, OrderState]:
    permission = (
        Permission.order_respond
        if step in {OrderStep.respond, OrderStep.request_extension}
        else Permission.order_issue
    )
    order = visible_order(session, actor, reference)
    side = acting_side(actor, order, permission)
    if order.version != expected_version:
        raise stored.stale(reference, expected_version, order.version)
    move = transition(ORDER_TRANSITIONS, order.state, step.value, side)
    return order, side, OrderState(move.target)


def _required_text(text: str, where: str, what: Message) -> str:
    problems: list[Problem] = []
    cleaned = clean_text(text, where, problems, TEXT_LIMIT)
    if not cleaned:
        problems.append(Problem(where, _("is required: {what}", what=what)))
    if problems:
        raise InvalidInputError(_("The step has mistakes."), problems)
    return cleaned or ""


def respond_to_order(
    store: Store,
    reference: str,
    *,
    expected_version: int,
    text: str,
    files: Sequence[EvidenceFile] = (),
    actor: Principal,
    now: datetime | None = None,
) -> OrderView:
    """The carrier's report of what it changed, with its evidence files; stops the clock
    (met, or late when after the deadline)."""
    moment = now or datetime.now(UTC)
    cleaned = _required_text(text, "text", _("what was changed"))
    if len(files) > MAX_FILES:
        problem = Problem("files", _("at most {most} files", most=MAX_FILES))
        raise InvalidInputError(_("The step has mistakes."), [problem])
    kept = [(checked_file(item.name, item.content), item) for item in files]  # refuses first
    with transaction(store.sessions) as session:
        order, _side, target = _move(session, actor, reference, OrderStep.respond, expected_version)
        clock = stored.order_clock(session, order.id)
        late = clock is not None and moment > clock.due_at
        stored.update_order(session, order, expected_version, {"state": target.value}, now=moment)
        stored.set_clock(session, order.id, outcome="late" if late else "met", stopped_at=moment)
        detail = {"late": late, "files": [name for (name, _type), _item in kept]}
        record_step(
            session, store, actor, order, "respond", target, moment, text=cleaned, detail=detail
        )
    for _checked, item in kept:
        attach_evidence(
            store, actor, subject="order_report", subject_id=order.id, name=item.name,
            content=item.content, region=order.region, carrier=order.carrier, now=moment,
        )  # fmt: skip
    return get_order(store, reference, actor=actor, now=moment)


def attach_report_evidence(
    store: Store,
    reference: str,
    *,
    name: str,
    content: bytes,
    actor: Principal,
    now: datetime | None = None,
) -> EvidenceRef:
    """Attach one more evidence file to the carrier's report (the carrier, while the order is
    open)."""
    with transaction(store.sessions) as session:
        order = visible_order(session, actor, reference)
        side = acting_side(actor, order, Permission.order_respond)
        if side is Side.regulator or order.state not in OPEN_STATES:
            problem = Problem("file", _("the carrier attaches evidence to an open order"))
            raise InvalidInputError(_("The evidence cannot be attached."), [problem])
    return attach_evidence(
        store, actor, subject="order_report", subject_id=order.id, name=name, content=content,
        region=order.region, carrier=order.carrier, now=now,
    )  # fmt: skip


def request_extension(
    store: Store,
    reference: str,
    *,
    expected_version: int,
    reason: str,
    deadline: DeadlineSpec | str,
    actor: Principal,
    now: datetime | None = None,
) -> OrderView:
    """The carrier asks once, before the deadline, for a later one (the clock runs on)."""
    moment = now or datetime.now(UTC)
    cleaned = _required_text(reason, "reason", _("why more time is needed"))
    spec = parse_deadline(deadline) if isinstance(deadline, str) else deadline
    with transaction(store.sessions) as session:
        order, _side, target = _move(
            session, actor, reference, OrderStep.request_extension, expected_version
        )
        clock = stored.order_clock(session, order.id)
        assert clock is not None
        problems: list[Problem] = []
        if order.extension_used:
            problems.append(Problem("deadline", _("an order is extended once; it was already")))
        if moment > clock.due_at:
            problems.append(Problem("deadline", _("the deadline has passed: report instead")))
        wanted = deadline_of(spec, clock.started_at, calendar_in(session), source=clock.source)
        if wanted.due_at <= clock.due_at:
            problems.append(Problem("deadline", _("must be later than the present deadline")))
        if problems:
            raise InvalidInputError(_("The extension cannot be asked."), problems)
        changes = {"state": target.value, "extension_used": True}
        stored.update_order(session, order, expected_version, changes, now=moment)
        detail = {"due_at": wanted.due_at.isoformat(), "basis": wanted.basis.value,
                  "limit": wanted.limit}  # fmt: skip
        record_step(session, store, actor, order, "request_extension", target, moment,
              text=cleaned, detail=detail)  # fmt: skip
        return view_in(session, actor, order.id, moment)


def answer_extension(
    store: Store,
    reference: str,
    *,
    expected_version: int,
    grant: bool,
    reason: str = "",
    actor: Principal,
    now: datetime | None = None,
) -> OrderView:
    """The administration grants the deadline asked for (the clock's deadline moves; the first
    is kept) or refuses it (the deadline stands)."""
    moment = now or datetime.now(UTC)
    step = OrderStep.grant_extension if grant else OrderStep.refuse_extension
    cleaned = reason.strip() if grant else _required_text(reason, "reason", _("why it is refused"))
    with transaction(store.sessions) as session:
        order, _side, target = _move(session, actor, reference, step, expected_version)
        asked = [s for s in stored.order_steps(session, order.id) if s.step == "request_extension"]
        stored.update_order(session, order, expected_version, {"state": target.value}, now=moment)
        detail: dict[str, Any] = {}
        if grant and asked:
            due = datetime.fromisoformat(asked[-1].detail["due_at"])
            stored.set_clock(session, order.id, due_at=due)
            detail = {"due_at": due.isoformat()}
        record_step(
            session, store, actor, order, step.value, target, moment, text=cleaned, detail=detail
        )
        return view_in(session, actor, order.id, moment)


def recheck_order(
    store: Store,
    reference: str,
    *,
    expected_version: int,
    passed: bool,
    text: str,
    actor: Principal,
    now: datetime | None = None,
) -> OrderView:
    """The administration's re-check of the carrier's report: passed closes the order, failed
    escalates it and opens its penalty case."""
    moment = now or datetime.now(UTC)
    step = OrderStep.recheck_pass if passed else OrderStep.recheck_fail
    cleaned = _required_text(text, "text", _("what the re-check found"))
    with transaction(store.sessions) as session:
        order, _side, target = _move(session, actor, reference, step, expected_version)
        changes: dict[str, Any] = {"state": target.value}
        changes |= {"closed_at": moment} if passed else {"escalation": "recheck_failed"}
        stored.update_order(session, order, expected_version, changes, now=moment)
        record_step(session, store, actor, order, step.value, target, moment, text=cleaned)
        if not passed:
            open_penalty(session, store, actor, order, moment)
        return view_in(session, actor, order.id, moment)


def escalate_order(
    store: Store,
    reference: str,
    *,
    expected_version: int,
    text: str = "",
    actor: Principal,
    now: datetime | None = None,
) -> OrderView:
    """The administration escalates an order ignored past its deadline (what the sweep does
    by itself); refused before the deadline."""
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        order, _side, target = _move(
            session, actor, reference, OrderStep.escalate, expected_version
        )
        clock = stored.order_clock(session, order.id)
        if clock is None or moment <= clock.due_at:
            problem = Problem(
                "order", _("the deadline has not passed: the carrier may still report")
            )
            raise InvalidInputError(_("The order cannot be escalated yet."), [problem])
        changes = {"state": target.value, "escalation": "ignored"}
        stored.update_order(session, order, expected_version, changes, now=moment)
        stored.set_clock(session, order.id, outcome="breached", stopped_at=moment)
        record_step(session, store, actor, order, "escalate", target, moment, text=text.strip(),
              detail={"reason": "ignored", "due_at": clock.due_at.isoformat()})  # fmt: skip
        open_penalty(session, store, actor, order, moment)
        return view_in(session, actor, order.id, moment)


# -- reading -----------------------------------------------------------------------------------


def get_order(
    store: Store, reference: str, *, actor: Principal, now: datetime | None = None
) -> OrderView:
    """The order with its clock, its steps in order, its penalty case."""
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        order = visible_order(session, actor, reference)
        return view_in(session, actor, order.id, moment)


def list_orders(
    store: Store,
    *,
    actor: Principal,
    states: Sequence[str] | None = None,
    now: datetime | None = None,
    limit: int = 500,
) -> list[OrderLine]:
    """The orders within ``actor``'s reach, the most urgent deadline first (open ones before
    closed and escalated ones)."""
    require(actor, Permission.security_read)
    moment = now or datetime.now(UTC)
    scope = reach(actor)
    if scope.nothing:
        return []
    with transaction(store.sessions) as session:
        found = stored.query_orders(
            session,
            region_prefix="" if scope.everything else scope.prefix,
            carrier=None if scope.everything else scope.carrier,
            states=states,
            limit=limit,
        )
    return [
        OrderLine(order, None if clock is None else clock_view(clock, order.state, moment))
        for order, clock in found
    ]


def open_orders(
    store: Store, principal: Principal, *, now: datetime | None = None
) -> list[OrderLine]:
    """The open orders (issued, extension asked, reported) the principal may see, each with its
    clock (deadline, remaining, overdue), the most urgent first (the security overview)."""
    return list_orders(
        store, actor=principal, states=[state.value for state in OPEN_STATES], now=now
    )


# -- the sweep ---------------------------------------------------------------------------------


def sweep_orders(store: Store, settings: Settings, now: datetime | None = None) -> int:
    """Remind the carrier company 3 days and 1 day before its deadline, and escalate an order
    whose deadline passed with no report (its clock breached, the issuing office's duty
    alerted, its penalty case opened). Each firing is a unique row: recorded once however many
    sweeps run, and caught up (each missed one once) after downtime. The count recorded."""
    moment = now or datetime.now(UTC)
    states = [state.value for state in CLOCK_STATES]
    with transaction(store.sessions) as session:
        due = stored.clocks_to_sweep(session, now=moment, states=states, horizon=max(REMIND_BEFORE))
    fired = 0
    for order, clock in due:  # one transaction per order: one failure loses one order's round
        with transaction(store.sessions) as session:
            done = {kind for kind, _scheduled, _at in stored.firings(session, order.id)}
            extended = clock.due_at != clock.first_due_at
            for before in reminders_due(clock.started_at, clock.due_at, moment):
                kind = reminder_kind(before, extended=extended)
                if kind not in done:  # a read first: no write when nothing is due
                    fired += _remind(session, store, order, clock.due_at, (before, kind), moment)
            if moment > clock.due_at:
                fired += _escalate_ignored(session, store, order, clock.due_at, moment)
    return fired


def _remind(
    session: Session,
    store: Store,
    order: OrderRecord,
    due: datetime,
    firing: tuple[timedelta, str],
    now: datetime,
) -> int:
    before, kind = firing
    if not stored.record_firing(session, order.id, kind, scheduled_at=due - before, fired_at=now):
        return 0
    raise_alert(
        session,
        organisation_id=order.company_id,
        kind="order.reminder",
        subject=f"order:{order.reference}",
        summary=_(
            "Rectification order {reference} ({place}) is due {due}: report what was changed "
            "before then.",
            reference=order.reference,
            place=order.place,
            due=due,
        ),
        raised_at=now,
        dedupe_key=f"order.{kind}:{order.reference}",
    )
    detail = {"due_at": due.isoformat(), "scheduled_at": (due - before).isoformat()}
    record_step(session, store, SWEEPER, order, kind, order.state, now, detail=detail)
    return 1


def _escalate_ignored(
    session: Session, store: Store, order: OrderRecord, due: datetime, now: datetime
) -> int:
    target = OrderState.escalated.value
    states = [state.value for state in CLOCK_STATES]
    if not stored.escalate_if_ignored(session, order.id, states, target=target, now=now):
        return 0
    if not stored.record_firing(session, order.id, "escalate", scheduled_at=due, fired_at=now):
        return 0  # pragma: no cover - the conditional update above lets one sweep through
    stored.set_clock(session, order.id, outcome="breached", stopped_at=now)
    record_step(session, store, SWEEPER, order, "escalate", target, now,
          detail={"reason": "ignored", "due_at": due.isoformat()})  # fmt: skip
    penalty = open_penalty(session, store, SWEEPER, order, now)
    raise_alert(
        session,
        organisation_id=order.office_id,
        kind="order.ignored",
        subject=f"order:{order.reference}",
        summary=_(
            "{carrier} did not report on rectification order {reference} ({place}) by its "
            "deadline {due}: escalated, penalty case {penalty} opened.",
            carrier=order.carrier,
            reference=order.reference,
            place=order.place,
            due=due,
            penalty=penalty,
        ),
        raised_at=now,
        dedupe_key=f"order.ignored:{order.reference}",
    )
    return 1
