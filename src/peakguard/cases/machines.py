"""The two workflows as explicit transition tables: the only steps a case can take.

A **complaint** (投诉) is the carrier's: it is accepted, answered within 7 days (快递暂行条例
art. 28), optionally called back, and closed; the user may escalate it to the regulator (an
appeal, 申诉) until it is closed. A complaint about a controlled area is an **emergency work
order** (应急工单, seed 004: "对生成投诉的工单一律创建为紧急工单 … 及时回访用户"): it runs its own
shorter clocks, and it cannot be closed before the user has been called back.

An **appeal** (申诉) is the postal administration's (邮政业用户申诉处理办法): its admissibility is
checked, it is registered (2 working days) and forwarded to the carrier (which replies within
15 days), verified and, where the parties agree, mediated (the carrier answers a mediation
opinion within 3 working days); the user is answered (30 days), the finding says whether the
carrier bears service-quality responsibility (a valid appeal, 有效申诉), the user is called back,
and the case closes. An appeal that fails a condition is rejected with its reason; until it is
answered, the user may withdraw it.

Each :class:`Step` says who takes it (``side``), what it must carry (``needs``), and which
clocks it starts and stops, by the rule keys of ``cases/clock_rules.toml``. A step's ``cancels``
are the stopped clocks whose obligation the step does not fulfil (a withdrawal, an escalation):
the application records them cancelled (breached, when already past due) rather than met.

What must hold (tests/unit/cases/test_machines.py checks each against its own table): a step
is taken only from the table; a final state allows nothing; every state can reach a final
state; a step stops only clocks that are running, starts none that is running, and no clock is
left running in a final state; an emergency complaint closes only through a call-back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from peakguard.cases.model import (
    Action,
    AppealState,
    CaseKind,
    ComplaintState,
    Need,
    Side,
    label,
    parse_state,
)
from peakguard.errors import IllegalTransitionError
from peakguard.i18n import Message, _

COMPLAINT_ANSWER = "complaint.answer"
EMERGENCY_ANSWER = "emergency.answer"
EMERGENCY_CALL_BACK = "emergency.call_back"
APPEAL_REGISTER = "appeal.register"
APPEAL_CARRIER_REPLY = "appeal.carrier_reply"
APPEAL_MEDIATION_ANSWER = "appeal.mediation_answer"
APPEAL_ANSWER_USER = "appeal.answer_user"

CLOCK_KEYS: frozenset[str] = frozenset(
    {
        COMPLAINT_ANSWER,
        EMERGENCY_ANSWER,
        EMERGENCY_CALL_BACK,
        APPEAL_REGISTER,
        APPEAL_CARRIER_REPLY,
        APPEAL_MEDIATION_ANSWER,
        APPEAL_ANSWER_USER,
    }
)
"""Every clock rule key the workflows start or stop (each must be in the clock rules)."""


@dataclass(frozen=True)
class Step:
    """One legal step: from ``source`` by ``action`` to ``target``, taken by ``side``.

    ``starts``/``stops`` are clock rule keys; ``cancels`` ⊆ ``stops`` are the clocks ended
    without their obligation being met; ``needs`` names the fields the step must carry
    (:class:`~peakguard.cases.model.Need` values)."""

    action: str
    source: str
    target: str
    side: Side
    starts: tuple[str, ...] = ()
    stops: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    cancels: tuple[str, ...] = ()


class _Applies(Enum):
    """Which complaints a row is for: every one, only normal ones, only emergency work orders
    (appeals have no emergency variant: their rows are all ``always``)."""

    always = "always"
    normal = "normal"
    emergency = "emergency"


@dataclass(frozen=True)
class _Row:
    step: Step
    applies: _Applies


def _row(
    source: ComplaintState | AppealState,
    action: Action,
    target: ComplaintState | AppealState,
    side: Side,
    *,
    starts: Sequence[str] = (),
    stops: Sequence[str] = (),
    cancels: Sequence[str] = (),
    needs: Sequence[Need] = (),
    applies: _Applies = _Applies.always,
) -> _Row:
    return _Row(
        Step(
            action=action.value,
            source=source.value,
            target=target.value,
            side=side,
            starts=tuple(starts),
            stops=tuple(stops),
            needs=tuple(need.value for need in needs),
            cancels=tuple(cancels),
        ),
        applies,
    )


_C = ComplaintState
_A = AppealState
_CARRIER = Side.carrier
_REGULATOR = Side.regulator
_NORMAL = _Applies.normal
_EMERGENCY = _Applies.emergency

_COMPLAINT: tuple[_Row, ...] = (
    _row(_C.received, Action.accept, _C.handling, _CARRIER),
    _row(
        _C.handling, Action.answer, _C.answered, _CARRIER,
        stops=[COMPLAINT_ANSWER], needs=[Need.answer], applies=_NORMAL,
    ),
    _row(
        _C.handling, Action.answer, _C.answered, _CARRIER,
        stops=[EMERGENCY_ANSWER], needs=[Need.answer], applies=_EMERGENCY,
    ),
    _row(_C.answered, Action.close, _C.closed, _CARRIER, applies=_NORMAL),
    _row(
        _C.answered, Action.call_back, _C.called_back, _CARRIER,
        needs=[Need.call_back], applies=_NORMAL,
    ),
    _row(
        _C.answered, Action.call_back, _C.called_back, _CARRIER,
        stops=[EMERGENCY_CALL_BACK], needs=[Need.call_back], applies=_EMERGENCY,
    ),
    _row(_C.called_back, Action.close, _C.closed, _CARRIER),
    # The user appeals to the regulator: the complaint ends here, its clocks with it.
    _row(
        _C.received, Action.escalate, _C.escalated, _REGULATOR,
        stops=[COMPLAINT_ANSWER], cancels=[COMPLAINT_ANSWER], applies=_NORMAL,
    ),
    _row(
        _C.received, Action.escalate, _C.escalated, _REGULATOR,
        stops=[EMERGENCY_ANSWER, EMERGENCY_CALL_BACK],
        cancels=[EMERGENCY_ANSWER, EMERGENCY_CALL_BACK], applies=_EMERGENCY,
    ),
    _row(
        _C.handling, Action.escalate, _C.escalated, _REGULATOR,
        stops=[COMPLAINT_ANSWER], cancels=[COMPLAINT_ANSWER], applies=_NORMAL,
    ),
    _row(
        _C.handling, Action.escalate, _C.escalated, _REGULATOR,
        stops=[EMERGENCY_ANSWER, EMERGENCY_CALL_BACK],
        cancels=[EMERGENCY_ANSWER, EMERGENCY_CALL_BACK], applies=_EMERGENCY,
    ),
    _row(_C.answered, Action.escalate, _C.escalated, _REGULATOR, applies=_NORMAL),
    _row(
        _C.answered, Action.escalate, _C.escalated, _REGULATOR,
        stops=[EMERGENCY_CALL_BACK], cancels=[EMERGENCY_CALL_BACK], applies=_EMERGENCY,
    ),
    _row(_C.called_back, Action.escalate, _C.escalated, _REGULATOR),
)  # fmt: skip

_APPEAL: tuple[_Row, ...] = (
    _row(_A.received, Action.review, _A.admissibility, _REGULATOR),
    _row(_A.admissibility, Action.admit, _A.registered, _REGULATOR, stops=[APPEAL_REGISTER]),
    # A rejection is the registration decision, and it tells the user why: both clocks are met.
    _row(
        _A.admissibility, Action.reject, _A.rejected, _REGULATOR,
        stops=[APPEAL_REGISTER, APPEAL_ANSWER_USER], needs=[Need.reason],
    ),
    _row(
        _A.registered, Action.forward, _A.forwarded, _REGULATOR,
        starts=[APPEAL_CARRIER_REPLY], needs=[Need.carrier_organisation],
    ),
    _row(
        _A.forwarded, Action.carrier_reply, _A.carrier_replied, _CARRIER,
        stops=[APPEAL_CARRIER_REPLY], needs=[Need.answer],
    ),
    # The carrier stays silent: the administration verifies without its reply.
    _row(
        _A.forwarded, Action.verify, _A.verification, _REGULATOR,
        stops=[APPEAL_CARRIER_REPLY], cancels=[APPEAL_CARRIER_REPLY], needs=[Need.note],
    ),
    _row(_A.carrier_replied, Action.verify, _A.verification, _REGULATOR),
    _row(
        _A.carrier_replied, Action.mediate, _A.mediation, _REGULATOR,
        starts=[APPEAL_MEDIATION_ANSWER], needs=[Need.note],
    ),
    _row(
        _A.verification, Action.mediate, _A.mediation, _REGULATOR,
        starts=[APPEAL_MEDIATION_ANSWER], needs=[Need.note],
    ),
    _row(
        _A.mediation, Action.mediation_reply, _A.verification, _CARRIER,
        stops=[APPEAL_MEDIATION_ANSWER], needs=[Need.answer],
    ),
    _row(
        _A.carrier_replied, Action.answer, _A.answered, _REGULATOR,
        stops=[APPEAL_ANSWER_USER], needs=[Need.answer],
    ),
    _row(
        _A.verification, Action.answer, _A.answered, _REGULATOR,
        stops=[APPEAL_ANSWER_USER], needs=[Need.answer],
    ),
    # Answering during a mediation ends the wait for the carrier's answer to the opinion.
    _row(
        _A.mediation, Action.answer, _A.answered, _REGULATOR,
        stops=[APPEAL_ANSWER_USER, APPEAL_MEDIATION_ANSWER],
        cancels=[APPEAL_MEDIATION_ANSWER], needs=[Need.answer],
    ),
    _row(_A.answered, Action.record_finding, _A.finding, _REGULATOR, needs=[Need.finding]),
    _row(_A.finding, Action.call_back, _A.called_back, _REGULATOR, needs=[Need.call_back]),
    _row(_A.called_back, Action.close, _A.closed, _REGULATOR),
    # The user withdraws before the answer: every running clock is cancelled.
    _row(
        _A.received, Action.withdraw, _A.withdrawn, _REGULATOR,
        stops=[APPEAL_REGISTER, APPEAL_ANSWER_USER],
        cancels=[APPEAL_REGISTER, APPEAL_ANSWER_USER], needs=[Need.note],
    ),
    _row(
        _A.admissibility, Action.withdraw, _A.withdrawn, _REGULATOR,
        stops=[APPEAL_REGISTER, APPEAL_ANSWER_USER],
        cancels=[APPEAL_REGISTER, APPEAL_ANSWER_USER], needs=[Need.note],
    ),
    _row(
        _A.registered, Action.withdraw, _A.withdrawn, _REGULATOR,
        stops=[APPEAL_ANSWER_USER], cancels=[APPEAL_ANSWER_USER], needs=[Need.note],
    ),
    _row(
        _A.forwarded, Action.withdraw, _A.withdrawn, _REGULATOR,
        stops=[APPEAL_ANSWER_USER, APPEAL_CARRIER_REPLY],
        cancels=[APPEAL_ANSWER_USER, APPEAL_CARRIER_REPLY], needs=[Need.note],
    ),
    _row(
        _A.carrier_replied, Action.withdraw, _A.withdrawn, _REGULATOR,
        stops=[APPEAL_ANSWER_USER], cancels=[APPEAL_ANSWER_USER], needs=[Need.note],
    ),
    _row(
        _A.verification, Action.withdraw, _A.withdrawn, _REGULATOR,
        stops=[APPEAL_ANSWER_USER], cancels=[APPEAL_ANSWER_USER], needs=[Need.note],
    ),
    _row(
        _A.mediation, Action.withdraw, _A.withdrawn, _REGULATOR,
        stops=[APPEAL_ANSWER_USER, APPEAL_MEDIATION_ANSWER],
        cancels=[APPEAL_ANSWER_USER, APPEAL_MEDIATION_ANSWER], needs=[Need.note],
    ),
)  # fmt: skip

_TABLES: dict[CaseKind, tuple[_Row, ...]] = {
    CaseKind.complaint: _COMPLAINT,
    CaseKind.appeal: _APPEAL,
}

_FINAL: dict[CaseKind, frozenset[str]] = {
    CaseKind.complaint: frozenset({_C.closed.value, _C.escalated.value}),
    CaseKind.appeal: frozenset({_A.closed.value, _A.rejected.value, _A.withdrawn.value}),
}

_OPENING: dict[tuple[CaseKind, bool], tuple[str, ...]] = {
    (CaseKind.complaint, False): (COMPLAINT_ANSWER,),
    (CaseKind.complaint, True): (EMERGENCY_ANSWER, EMERGENCY_CALL_BACK),
    (CaseKind.appeal, False): (APPEAL_REGISTER, APPEAL_ANSWER_USER),
    (CaseKind.appeal, True): (APPEAL_REGISTER, APPEAL_ANSWER_USER),
}

_ACTION_NAMES = frozenset(action.value for action in Action)


def _applies(row: _Row, emergency: bool) -> bool:
    if row.applies is _Applies.always:
        return True
    return (row.applies is _Applies.emergency) == emergency


def transitions(kind: CaseKind, *, emergency: bool = False) -> tuple[Step, ...]:
    """The whole table of a kind of case, in reading order (for the reference page and the
    web pages' diagrams). ``emergency`` picks the emergency work order's complaint table."""
    return tuple(row.step for row in _TABLES[kind] if _applies(row, emergency))


def states(kind: CaseKind) -> tuple[str, ...]:
    """Every state a case of ``kind`` can be in, the initial one first."""
    members: type[ComplaintState] | type[AppealState] = (
        ComplaintState if kind is CaseKind.complaint else AppealState
    )
    return tuple(state.value for state in members)


def initial_state(kind: CaseKind) -> str:
    """The state a new case starts in."""
    return states(kind)[0]


def is_final(kind: CaseKind, state: str) -> bool:
    """Whether a case in ``state`` is finished (it takes no more steps). Raises
    :class:`~peakguard.errors.InvalidInputError` for a state the kind does not have."""
    return parse_state(kind, state).value in _FINAL[kind]


def opening_clocks(kind: CaseKind, *, emergency: bool = False) -> tuple[str, ...]:
    """The clock rule keys started when a case is created: a complaint's 7-day answer, or an
    emergency work order's answer and call-back; an appeal's registration and its answer to
    the user (``emergency`` does not change an appeal's)."""
    return _OPENING[(kind, emergency)]


def allowed(kind: CaseKind, state: str, *, emergency: bool = False) -> tuple[Step, ...]:
    """The steps a case in ``state`` can take, in table order (none from a final state)."""
    source = parse_state(kind, state).value
    return tuple(
        row.step for row in _TABLES[kind] if row.step.source == source and _applies(row, emergency)
    )


def step(kind: CaseKind, state: str, action: str, *, emergency: bool = False) -> Step:
    """The step ``action`` takes from ``state``; raises
    :class:`~peakguard.errors.IllegalTransitionError` (naming the state, the refused action
    and the actions allowed, with ``allowed`` the allowed action names) when the table has no
    such step."""
    steps = allowed(kind, state, emergency=emergency)
    for candidate in steps:
        if candidate.action == action:
            return candidate
    names = tuple(candidate.action for candidate in steps)
    raise IllegalTransitionError(_refusal(kind, state, action, names, emergency), allowed=names)


def action_label(action: str) -> Message | str:
    """How an action reads; an unknown name is shown as it was given."""
    return label(Action(action)) if action in _ACTION_NAMES else action


def _listing(items: Sequence[Message]) -> Message:
    """An enumeration as one message (the translation picks the separator: 甲、乙)."""
    result = items[-1]
    for item in reversed(items[:-1]):
        result = _("{first}, {rest}", first=item, rest=result)
    return result


def _refusal(
    kind: CaseKind, state: str, action: str, names: tuple[str, ...], emergency: bool
) -> Message:
    state_text = label(parse_state(kind, state))
    if not names:
        return _(
            "The {kind} is in state “{state}”, which is final: it takes no more steps "
            "(refused: “{action}”).",
            kind=label(kind),
            state=state_text,
            action=action_label(action),
        )
    allowed_text = _listing([label(Action(name)) for name in names])
    emergency_close = emergency and action == Action.close.value
    if kind is CaseKind.complaint and emergency_close and state == ComplaintState.answered:
        return _(
            "An emergency work order (应急工单) is closed only after the user has been called "
            "back; it can now: {allowed}.",
            allowed=allowed_text,
        )
    return _(
        "The {kind} is in state “{state}”: it cannot “{action}”; it can: {allowed}.",
        kind=label(kind),
        state=state_text,
        action=action_label(action),
        allowed=allowed_text,
    )
