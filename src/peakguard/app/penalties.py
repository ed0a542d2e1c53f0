"""Administrative penalty cases (行政处罚) opened by escalated rectification orders: the fine
proposed inside the legal range of the rule punished (the range copied when the case opened;
a figure outside it is refused, the error naming the range), then decided, or the decision not
to punish with its reason. Every step is appended to its order's steps and audited on the
order's reference (``order.penalty.<step>``), so the order's history includes its penalty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.case_drafts import clean_text
from peakguard.app.rectification_views import TEXT_LIMIT, acting_side, record_step
from peakguard.cases.rectification import PENALTY_TRANSITIONS, PenaltyState, PenaltyStep, transition
from peakguard.cases.security_rules import FineRange, SecurityRule, check_fine, rule_of
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.store import rectification as stored
from peakguard.store.database import Store, transaction
from peakguard.store.rectification import OrderRecord, PenaltyRecord


@dataclass(frozen=True)
class PenaltyView:
    penalty: PenaltyRecord
    order: OrderRecord
    rule: SecurityRule
    company_range: FineRange
    """The company's legal range as copied when the case opened."""
    person_range: FineRange | None
    allowed: tuple[str, ...]

    @property
    def reference(self) -> str:
        return self.penalty.reference

    @property
    def version(self) -> int:
        return self.penalty.version

    @property
    def state(self) -> str:
        return self.penalty.state


def legal_rule(penalty: PenaltyRecord) -> SecurityRule:
    """The rule as the case copied it: its ranges are those in force when it opened."""
    rule = rule_of(penalty.rule_key)
    persons = (
        None
        if penalty.person_fine_min is None or penalty.person_fine_max is None
        else FineRange(penalty.person_fine_min, penalty.person_fine_max)
    )
    return SecurityRule(
        **{
            **rule.__dict__,
            "company_fine": FineRange(penalty.company_fine_min, penalty.company_fine_max),
            "person_fine": persons,
            "severe_fine_max": penalty.severe_fine_max,
        }
    )


def _view(penalty: PenaltyRecord, order: OrderRecord, actor: Principal) -> PenaltyView:
    rule = legal_rule(penalty)
    may = actor.may(Permission.order_issue) and actor.organisation.kind.value != "carrier"
    return PenaltyView(
        penalty=penalty,
        order=order,
        rule=rule,
        company_range=rule.company_fine,
        person_range=rule.person_fine,
        allowed=tuple(
            dict.fromkeys(m.step for m in PENALTY_TRANSITIONS if m.source == penalty.state)
        )
        if may
        else (),
    )


def _visible(
    session: Session, actor: Principal, reference: str
) -> tuple[PenaltyRecord, OrderRecord]:
    require(actor, Permission.security_read)
    penalty = stored.load_penalty(session, reference)
    order = None if penalty is None else stored.load_order_by_id(session, penalty.order_id)
    if penalty is None or order is None or not reach(actor).covers(order.carrier, order.region):
        raise stored.missing(reference)
    return penalty, order


def get_penalty(store: Store, reference: str, *, actor: Principal) -> PenaltyView:
    """The penalty case with its legal range and the order it comes from."""
    with transaction(store.sessions) as session:
        penalty, order = _visible(session, actor, reference)
        return _view(penalty, order, actor)


def list_penalties(store: Store, *, actor: Principal, limit: int = 500) -> list[PenaltyView]:
    """The penalty cases within ``actor``'s reach, newest first."""
    require(actor, Permission.security_read)
    scope = reach(actor)
    if scope.nothing:
        return []
    with transaction(store.sessions) as session:
        found = stored.query_penalties(
            session,
            region_prefix="" if scope.everything else scope.prefix,
            carrier=None if scope.everything else scope.carrier,
            limit=limit,
        )
    return [_view(penalty, order, actor) for penalty, order in found]


def _take(
    store: Store,
    reference: str,
    step: PenaltyStep,
    *,
    expected_version: int,
    actor: Principal,
    now: datetime | None,
    changes: dict[str, object],
    text: str,
) -> PenaltyView:
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        penalty, order = _visible(session, actor, reference)
        side = acting_side(actor, order, Permission.order_issue)
        if penalty.version != expected_version:
            raise stored.stale(reference, expected_version, penalty.version)
        move = transition(PENALTY_TRANSITIONS, penalty.state, step.value, side)
        if step is not PenaltyStep.not_punish:
            check_fine(
                legal_rule(penalty),
                company_fine=int(str(changes["company_fine"])),
                person_fine=None
                if changes["person_fine"] is None
                else int(str(changes["person_fine"])),
                serious=bool(changes["serious"]),
            )
        changes = changes | {"state": move.target}
        if move.target in {PenaltyState.decided, PenaltyState.not_punished}:
            changes |= {"decided_at": moment, "decided_by": actor.label()}
        stored.update_penalty(session, penalty, expected_version, changes, now=moment)
        detail = {"penalty": reference, "penalty_state": move.target} | {
            key: value
            for key, value in changes.items()
            if key in {"company_fine", "person_fine", "serious"}
        }
        record_step(session, store, actor, order, f"penalty.{step.value}", order.state, moment,
                    text=text, detail=detail)  # fmt: skip
        updated = stored.load_penalty(session, reference)
        assert updated is not None
        return _view(updated, order, actor)


def _reason(reason: str, *, required: bool) -> str:
    problems: list[Problem] = []
    cleaned = clean_text(reason, "reason", problems, TEXT_LIMIT) or ""
    if required and not cleaned:
        problems.append(Problem("reason", _("is required: give the legal reason")))
    if problems:
        raise InvalidInputError(_("The penalty step has mistakes."), problems)
    return cleaned


def propose_penalty(
    store: Store,
    reference: str,
    *,
    expected_version: int,
    company_fine: int,
    person_fine: int | None = None,
    serious: bool = False,
    reason: str = "",
    actor: Principal,
    now: datetime | None = None,
) -> PenaltyView:
    """Propose the fine (a new proposal replaces the last): inside the legal range, or refused
    naming the range."""
    changes: dict[str, object] = {
        "company_fine": company_fine, "person_fine": person_fine, "serious": serious,
        "reason": _reason(reason, required=False),
    }  # fmt: skip
    return _take(store, reference, PenaltyStep.propose, expected_version=expected_version,
                 actor=actor, now=now, changes=changes, text=str(changes["reason"]))  # fmt: skip


def decide_penalty(
    store: Store,
    reference: str,
    *,
    expected_version: int,
    company_fine: int,
    person_fine: int | None = None,
    serious: bool = False,
    reason: str,
    actor: Principal,
    now: datetime | None = None,
) -> PenaltyView:
    """Decide the fine (行政处罚决定): inside the legal range, with its reason."""
    changes: dict[str, object] = {
        "company_fine": company_fine, "person_fine": person_fine, "serious": serious,
        "reason": _reason(reason, required=True),
    }  # fmt: skip
    return _take(store, reference, PenaltyStep.decide, expected_version=expected_version,
                 actor=actor, now=now, changes=changes, text=str(changes["reason"]))  # fmt: skip


def not_punish(
    store: Store,
    reference: str,
    *,
    expected_version: int,
    reason: str,
    actor: Principal,
    now: datetime | None = None,
) -> PenaltyView:
    """Decide not to punish (不予处罚), with the legal reason."""
    cleaned = _reason(reason, required=True)
    changes: dict[str, object] = {"reason": cleaned, "company_fine": None, "person_fine": None}
    return _take(store, reference, PenaltyStep.not_punish, expected_version=expected_version,
                 actor=actor, now=now, changes=changes, text=cleaned)  # fmt: skip
