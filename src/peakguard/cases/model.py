"""The vocabulary of a case: what a complaint (投诉) or an appeal (申诉) is about, where it came
from, which state it is in, who may act on it, and why an appeal may be refused.

A **complaint** (投诉) is made to the carrier first, which answers within 7 days (快递暂行条例
art. 28). An **appeal** (申诉) is made to the postal administration (12305) when the carrier was
silent, its answer did not satisfy the user, or its complaint channel could not be reached
(邮政业用户申诉处理办法). An appeal is **valid** (有效申诉) when the finding says the carrier bears
service-quality responsibility, and the finding names the responsibility category.

Every enumeration has its wording through :func:`label` (one function, dispatching on the
enumeration's type, because states of the two kinds share values such as ``received``).
Personal data (a complainant's name, phone and address) never shows in a ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TypeAlias

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _


class CaseKind(StrEnum):
    """A complaint to the carrier (投诉) or an appeal to the regulator (申诉)."""

    complaint = "complaint"
    appeal = "appeal"


class Intake(StrEnum):
    """The channel a case came in through."""

    phone_12305 = "phone_12305"
    web_12305 = "web_12305"
    letter = "letter"
    carrier_hotline = "carrier_hotline"
    carrier_app = "carrier_app"
    email = "email"
    visit = "visit"
    import_file = "import_file"


class Category(StrEnum):
    """What the user complains of; also the responsibility category of a finding (the State
    Post Bureau's bulletins count valid appeals by these: 延误, 丢失, 损毁, 投递服务 …)."""

    delay = "delay"
    loss = "loss"
    damage = "damage"
    shortage = "shortage"
    locker_without_consent = "locker_without_consent"
    station_without_consent = "station_without_consent"
    false_delivery_scan = "false_delivery_scan"
    attitude = "attitude"
    charges = "charges"
    pickup_service = "pickup_service"
    delivery_service = "delivery_service"
    other = "other"


class ComplaintState(StrEnum):
    """Where a complaint stands in the carrier's handling (machines.py has the steps)."""

    received = "received"
    handling = "handling"
    answered = "answered"
    called_back = "called_back"
    closed = "closed"
    escalated = "escalated"


class AppealState(StrEnum):
    """Where an appeal stands in the administration's handling (machines.py has the steps)."""

    received = "received"
    admissibility = "admissibility"
    registered = "registered"
    forwarded = "forwarded"
    carrier_replied = "carrier_replied"
    verification = "verification"
    mediation = "mediation"
    answered = "answered"
    finding = "finding"
    called_back = "called_back"
    closed = "closed"
    rejected = "rejected"
    withdrawn = "withdrawn"


class Side(StrEnum):
    """Who may take a step: the postal administration or the carrier."""

    regulator = "regulator"
    carrier = "carrier"


class Action(StrEnum):
    """The names of the steps a case can take (machines.py says which, from where)."""

    accept = "accept"
    answer = "answer"
    close = "close"
    call_back = "call_back"
    escalate = "escalate"
    review = "review"
    admit = "admit"
    reject = "reject"
    forward = "forward"
    carrier_reply = "carrier_reply"
    verify = "verify"
    mediate = "mediate"
    mediation_reply = "mediation_reply"
    record_finding = "record_finding"
    withdraw = "withdraw"


class Need(StrEnum):
    """A field a step must carry (the answer's text, the rejection's reason …)."""

    answer = "answer"
    reason = "reason"
    finding = "finding"
    call_back = "call_back"
    carrier_organisation = "carrier_organisation"
    note = "note"


class RejectionReason(StrEnum):
    """Why an appeal is not admitted: the conditions of 邮政业用户申诉处理办法, one each."""

    carrier_not_asked_first = "carrier_not_asked_first"
    out_of_time = "out_of_time"
    before_court_or_arbitration = "before_court_or_arbitration"
    already_answered = "already_answered"
    outside_scope = "outside_scope"
    not_identifiable = "not_identifiable"
    not_a_party = "not_a_party"


Labelled: TypeAlias = (
    CaseKind
    | Intake
    | Category
    | ComplaintState
    | AppealState
    | Side
    | Action
    | Need
    | RejectionReason
)


_KIND_WORDS: dict[str, Message] = {
    CaseKind.complaint: _("complaint (投诉)"),
    CaseKind.appeal: _("appeal (申诉)"),
}

_INTAKE_WORDS: dict[str, Message] = {
    Intake.phone_12305: _("12305 hotline"),
    Intake.web_12305: _("12305 website"),
    Intake.letter: _("letter"),
    Intake.carrier_hotline: _("carrier hotline"),
    Intake.carrier_app: _("carrier app"),
    Intake.email: _("email"),
    Intake.visit: _("visit in person"),
    Intake.import_file: _("imported file"),
}

_CATEGORY_WORDS: dict[str, Message] = {
    Category.delay: _("delay (延误)"),
    Category.loss: _("loss (丢失)"),
    Category.damage: _("damage (损毁)"),
    Category.shortage: _("contents short (内件短少)"),
    Category.locker_without_consent: _("put in a locker without consent (未经同意投柜)"),
    Category.station_without_consent: _("left at a station without consent (未经同意投放驿站)"),
    Category.false_delivery_scan: _("false delivery scan (虚假签收)"),
    Category.attitude: _("service attitude (服务态度)"),
    Category.charges: _("charges (违规收费)"),
    Category.pickup_service: _("pickup service (收寄服务)"),
    Category.delivery_service: _("delivery service (投递服务)"),
    Category.other: _("other (其他)"),
}

_COMPLAINT_STATE_WORDS: dict[str, Message] = {
    ComplaintState.received: _("received"),
    ComplaintState.handling: _("being handled"),
    ComplaintState.answered: _("answered"),
    ComplaintState.called_back: _("called back"),
    ComplaintState.closed: _("case closed"),
    ComplaintState.escalated: _("escalated to the regulator"),
}

_APPEAL_STATE_WORDS: dict[str, Message] = {
    AppealState.received: _("received"),
    AppealState.admissibility: _("admissibility check"),
    AppealState.registered: _("registered"),
    AppealState.forwarded: _("forwarded to the carrier"),
    AppealState.carrier_replied: _("carrier replied"),
    AppealState.verification: _("verification"),
    AppealState.mediation: _("mediation"),
    AppealState.answered: _("answered"),
    AppealState.finding: _("finding recorded"),
    AppealState.called_back: _("called back"),
    AppealState.closed: _("case closed"),
    AppealState.rejected: _("rejected"),
    AppealState.withdrawn: _("withdrawn"),
}

_SIDE_WORDS: dict[str, Message] = {
    Side.regulator: _("regulator"),
    Side.carrier: _("carrier"),
}

_ACTION_WORDS: dict[str, Message] = {
    Action.accept: _("accept"),
    Action.answer: _("answer"),
    Action.close: _("close"),
    Action.call_back: _("call back"),
    Action.escalate: _("escalate to the regulator"),
    Action.review: _("check admissibility"),
    Action.admit: _("admit and register"),
    Action.reject: _("reject"),
    Action.forward: _("forward to the carrier"),
    Action.carrier_reply: _("reply (carrier)"),
    Action.verify: _("verify"),
    Action.mediate: _("send a mediation opinion"),
    Action.mediation_reply: _("answer the mediation opinion (carrier)"),
    Action.record_finding: _("record the finding"),
    Action.withdraw: _("withdraw"),
}

_NEED_WORDS: dict[str, Message] = {
    Need.answer: _("the answer"),
    Need.reason: _("the reason"),
    Need.finding: _("the finding"),
    Need.call_back: _("the call-back's result"),
    Need.carrier_organisation: _("the carrier organisation"),
    Need.note: _("a note"),
}

_REASON_WORDS: dict[str, Message] = {
    RejectionReason.carrier_not_asked_first: _(
        "the carrier was not asked first, or still has time to answer"
    ),
    RejectionReason.out_of_time: _("made more than a year after the dispute"),
    RejectionReason.before_court_or_arbitration: _(
        "before a court, an arbitration body or another authority"
    ),
    RejectionReason.already_answered: _(
        "the same matter was already answered, and nothing new is raised"
    ),
    RejectionReason.outside_scope: _("not a postal or express service matter"),
    RejectionReason.not_identifiable: _("no clear respondent, request or facts to go on"),
    RejectionReason.not_a_party: _("the appellant is neither sender nor addressee"),
}

_LABELS: dict[type[StrEnum], dict[str, Message]] = {
    CaseKind: _KIND_WORDS,
    Intake: _INTAKE_WORDS,
    Category: _CATEGORY_WORDS,
    ComplaintState: _COMPLAINT_STATE_WORDS,
    AppealState: _APPEAL_STATE_WORDS,
    Side: _SIDE_WORDS,
    Action: _ACTION_WORDS,
    Need: _NEED_WORDS,
    RejectionReason: _REASON_WORDS,
}


def label(value: Labelled) -> Message:
    """How a value of one of the enumerations above reads to a person, in either language."""
    return _LABELS[type(value)][value]


def state_label(kind: CaseKind, state: str) -> Message:
    """How a case's state reads; ``state`` as stored (a plain string). Raises
    :class:`InvalidInputError` for a state the kind does not have."""
    return label(parse_state(kind, state))


def parse_state(kind: CaseKind, state: str) -> ComplaintState | AppealState:
    """The state named ``state`` of a case of ``kind``; a located error when it has none."""
    states: type[ComplaintState] | type[AppealState] = (
        ComplaintState if kind is CaseKind.complaint else AppealState
    )
    try:
        return states(state)
    except ValueError:
        message = _(
            "A {kind} has no state “{state}”; its states are: {states}.",
            kind=label(kind),
            state=state,
            states=", ".join(states),
        )
        raise InvalidInputError(message, [Problem("state", message)]) from None


@dataclass(frozen=True)
class Complainant:
    """The person behind a case. Personal data: stored encrypted and shown masked to everyone
    but the handling roles (store/personal.py), never logged; its ``repr`` and ``str`` show
    none of it."""

    name: str = field(repr=False)
    phone: str = field(repr=False)
    address: str = field(default="", repr=False)

    def __repr__(self) -> str:
        return "Complainant(<personal data hidden>)"

    __str__ = __repr__


@dataclass(frozen=True)
class Finding:
    """The administration's finding on an answered appeal: whether the carrier bears
    service-quality responsibility (a **valid** appeal, 有效申诉), and for which category.

    Must hold: a valid finding names its category; a finding that is not valid names none."""

    valid: bool
    category: Category | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.valid and self.category is None:
            message = _("A valid appeal names the category the carrier is responsible for.")
            raise InvalidInputError(message, [Problem("finding.category", message)])
        if not self.valid and self.category is not None:
            message = _("A finding of no responsibility names no responsibility category.")
            raise InvalidInputError(message, [Problem("finding.category", message)])


@dataclass(frozen=True)
class AppealFacts:
    """What the administration needs to decide whether an appeal is admissible
    (admissibility.py); one field per condition of 邮政业用户申诉处理办法.

    - ``dispute_on``: the day of the service dispute (or, failing a later one, the day the
      item was posted); the appeal must come within a year of it.
    - ``complained_to_carrier_on`` / ``carrier_answered_on``: when the user complained to the
      carrier and when it answered (``None``: not complained / no answer).
    - ``dissatisfied``: the user is not satisfied with the carrier's answer.
    - ``carrier_unreachable``: the carrier's complaint channel could not be reached, or no one
      took the complaint.
    - ``before_other_authority``: a court, an arbitration body or another authority (行政裁决,
      人民调解, a criminal investigation or an administrative penalty) has the matter.
    - ``already_answered``: the administration already answered an appeal on the same matter;
      ``new_facts``: this one raises a new respondent, reason or content.
    - ``within_scope``: a postal or express service matter; ``identifiable``: a clear
      respondent, request and facts; ``party``: the appellant is the sender or the addressee
      (or acts for one).

    Must hold: the carrier answers no earlier than it was complained to, and not without it."""

    dispute_on: date
    complained_to_carrier_on: date | None = None
    carrier_answered_on: date | None = None
    dissatisfied: bool = False
    carrier_unreachable: bool = False
    before_other_authority: bool = False
    already_answered: bool = False
    new_facts: bool = False
    within_scope: bool = True
    identifiable: bool = True
    party: bool = True

    def __post_init__(self) -> None:
        complained, answered = self.complained_to_carrier_on, self.carrier_answered_on
        if answered is not None and complained is None:
            message = _("The carrier cannot have answered a complaint it was never given.")
            raise InvalidInputError(message, [Problem("carrier_answered_on", message)])
        if answered is not None and complained is not None and answered < complained:
            message = _(
                "The carrier's answer ({answered}) comes before the complaint ({complained}).",
                answered=answered.isoformat(),
                complained=complained.isoformat(),
            )
            raise InvalidInputError(message, [Problem("carrier_answered_on", message)])
