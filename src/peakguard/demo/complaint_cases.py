"""The steps of the demo's complaints and appeals: who takes each, when, and what it says.

:class:`Planner` plans a complaint (the carrier's customer service accepts it, answers within
its 7 days or late, calls back, closes), the appeal it may lead to, and an appeal's steps at the
postal administration (review, registration within 2 working days, forwarding, the carrier's
reply, verification or mediation, the answer, the finding, the call-back, closing), in each
side's office hours, up to the season's end. :func:`peakguard.demo.complaints.cover` then
adjusts as few cases as needed so that the desk shows every state of both workflows. The
numbers are :class:`ComplaintParameters` (demo policy unless a published figure is named;
the basis is in :mod:`peakguard.demo.complaints`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import MappingProxyType

import numpy as np

from peakguard.cases.calendar import WorkingCalendar
from peakguard.cases.clocks import ClockRule, due_at
from peakguard.cases.machines import states, step
from peakguard.cases.model import CaseKind, Category, Complainant, Intake, RejectionReason
from peakguard.domain.regions import reference_regions
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import CalendarYearMissingError

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class ComplaintParameters:
    """Every rate and share of the demo's complaints; all of it demo policy except where a
    published figure is named (see the module's docstring for the basis)."""

    late_rate: float = 0.0015
    """Complaints per parcel delivered after its limit (demo policy)."""
    undelivered_rate: float = 0.003
    """Complaints per parcel still undelivered past its limit at the season's end (policy)."""
    service_rate: float = 0.0001
    """Complaints per parcel delivered in time: damage, delivery service (demo policy)."""
    service_categories: Mapping[Category, float] = field(
        default_factory=lambda: MappingProxyType(
            {
                Category.delivery_service: 0.29,
                Category.station_without_consent: 0.15,
                Category.locker_without_consent: 0.10,
                Category.false_delivery_scan: 0.05,
                Category.damage: 0.57,
            }
        )
    )
    """Weights of the in-time parcels' complaints: delivery service 0.59 and damage 0.57 per
    million (State Post Bureau, February 2022); the split of delivery service is policy."""
    loss_after: timedelta = timedelta(hours=72)
    """An undelivered parcel this far past its limit, or whose trail stopped, is complained of
    as lost; sooner, as late (policy)."""
    notice_hours: float = 10.0
    """Mean hours between the problem showing and the complaint (exponential; policy)."""
    controlled_factor: float = 4.0
    """How much likelier a user in a controlled area complains (policy)."""
    controlled_aftermath: timedelta = timedelta(hours=48)
    """After a closure ends, complaints about its area are emergency work orders this long."""
    silent_share: float = 0.06
    """Complaints the carrier never answers (policy)."""
    late_answer_share: float = 0.08
    """Complaints the carrier answers after its 7 days (policy)."""
    emergency_late_share: float = 0.2
    """Emergency work orders answered after their 24 hours (policy)."""
    call_back_share: float = 0.3
    """Normal complaints the carrier calls back before closing (emergency ones all are)."""
    appeal_if_silent: float = 0.7
    """Users who appeal when the carrier stayed silent (policy)."""
    appeal_if_answered: float = 0.25
    """Users dissatisfied with the carrier's answer who appeal (policy)."""
    direct_appeal_rate: float = 0.0002
    """Appeals straight to 12305 per late or undelivered parcel, without complaining to the
    carrier first (policy)."""
    unreachable_share: float = 0.3
    """Of those, users who could not reach the carrier (admissible); the others are rejected
    as the carrier was not asked first."""
    register_late_share: float = 0.1
    """Appeals registered after their 2 working days (policy)."""
    mediation_share: float = 0.3
    """Appeals the administration mediates (policy)."""
    mediation_late_share: float = 0.2
    """Mediation opinions the carrier answers after its 3 working days (policy)."""
    withdraw_share: float = 0.06
    """Appeals the user withdraws before the answer (policy)."""
    valid_share: float = 0.157
    """Appeals found valid: 4,298 of 27,335 in February 2022 (State Post Bureau)."""
    home_prefix: str = "51"
    """The complainant is the addressee of a parcel delivered where region codes start with
    this, else its sender there; parcels with neither end there draw no complaint."""


@dataclass(frozen=True)
class ControlledArea:
    """A closure of the scenario: complaints from ``region_prefix`` received from ``start``
    until ``end`` (plus the aftermath) are emergency work orders."""

    region_prefix: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Move:
    """One planned step of a case: the action, when, and what it carries. ``forward``: the
    step names the carrier organisation (the application picks it)."""

    action: str
    at: datetime
    answer: str | None = None
    reason: RejectionReason | None = None
    finding_valid: bool | None = None
    finding_category: Category | None = None
    call_back: str | None = None
    note: str | None = None
    forward: bool = False


@dataclass(frozen=True)
class PlannedCase:
    """A complaint or an appeal as the demo records it, and the steps it takes by the
    season's end. ``follows``: the key of the complaint an appeal escalates."""

    key: str
    kind: CaseKind
    carrier: str
    region: str
    waybill: str
    channel: Intake
    category: Category
    summary: str
    received_at: datetime
    dispute_on: date
    complainant: Complainant
    emergency: bool = False
    follows: str | None = None
    moves: tuple[Move, ...] = ()

    def state(self) -> str:
        """Where the case stands after its planned steps."""
        current = states(self.kind)[0]
        for move in self.moves:
            current = step(self.kind, current, move.action, emergency=self.emergency).target
        return current

    def passes(self) -> tuple[str, ...]:
        """Every state the case is in along its steps, the first one included."""
        current = states(self.kind)[0]
        seen = [current]
        for move in self.moves:
            current = step(self.kind, current, move.action, emergency=self.emergency).target
            seen.append(current)
        return tuple(seen)


@dataclass(frozen=True)
class ParcelProblem:
    """A parcel with a problem: its class, when it showed, where its complainant is."""

    problem: str
    waybill: str
    carrier: str
    region: str
    shown: datetime
    category: Category


# --- the steps of each case ------------------------------------------------------------

ANSWERS: Mapping[Category, str] = MappingProxyType(
    {
        Category.delay: "已核实：旺季积压致快件延误，已加急派送并向用户致歉",
        Category.loss: "已核实：快件在途丢失，已按保价规则赔偿",
        Category.damage: "已核实：外包装破损致内件损坏，已按规定赔偿",
    }
)
UNREACHABLE = "（快递公司客服电话无法接通）"
NOT_ASKED = "（未向快递公司投诉）"
SERVICE_ANSWER = "已核实：投递员未按约定投递，已批评教育并重新投递"
SUMMARIES: Mapping[Category, str] = MappingProxyType(
    {
        Category.delay: "快件{waybill}超过承诺时限仍未送达，催促尽快投递",
        Category.loss: "快件{waybill}多日无物流信息，疑似丢失，要求赔偿",
        Category.damage: "快件{waybill}签收时外包装破损、内件损坏",
        Category.delivery_service: "快件{waybill}未送货上门，快递员态度敷衍",
        Category.station_without_consent: "快件{waybill}未经同意投放驿站",
        Category.locker_without_consent: "快件{waybill}未经同意投入智能快件箱",
        Category.false_delivery_scan: "快件{waybill}未收到却显示已签收",
    }
)


def _hours(
    moment: datetime, first: int, last: int, working: Callable[[date], bool] | None = None
) -> datetime:
    """``moment``, or the first moment after it within ``first``–``last`` o'clock China time
    (on a working day when ``working`` is given), keeping its minutes."""
    local = moment.astimezone(CHINA_STANDARD_TIME)
    for _attempt in range(40):
        open_day = working is None or working(local.date())
        if open_day and first <= local.hour < last:
            return local
        if open_day and local.hour < first:
            return local.replace(hour=first)
        local = (local + timedelta(days=1)).replace(hour=first)
    return local


class Planner:
    """Plans the steps of each case: who takes each, when, and what it says."""

    def __init__(
        self,
        params: ComplaintParameters,
        rules: Mapping[str, ClockRule],
        calendar: WorkingCalendar,
        end: datetime,
        areas: Sequence[ControlledArea],
    ) -> None:
        self.params, self.rules, self.calendar, self.end, self.areas = (
            params,
            rules,
            calendar,
            end,
            areas,
        )
        self.regions = reference_regions()

    # when
    def due(self, key: str, start: datetime) -> datetime | None:
        try:
            return due_at(self.rules[key], start, self.calendar)
        except (CalendarYearMissingError, KeyError):
            return None

    def working(self, day: date) -> bool:
        try:
            return self.calendar.is_working_day(day)
        except CalendarYearMissingError:
            return day.weekday() < 5

    def user(self, moment: datetime) -> datetime:
        return _hours(moment, 8, 22)

    def carrier(self, moment: datetime) -> datetime:
        return _hours(moment, 8, 21)

    def regulator(self, moment: datetime) -> datetime:
        return _hours(moment, 9, 17, self.working)

    # who and what
    def person(self, number: int, region: str) -> Complainant:
        digits = f"{number % 10000:04d}"
        names = [
            self.regions[code].name
            for code in (region[:2] + "0000", region[:4] + "00", region)
            if code in self.regions and self.regions[code].name != "市辖区"
        ]
        address = "".join(dict.fromkeys(names)) + f"演示路{number % 997 + 1}号"
        return Complainant(f"测试用户{digits}", f"199-0000-{digits}", address)

    def emergency(self, region: str, received: datetime) -> bool:
        return any(
            region.startswith(area.region_prefix)
            and area.start <= received < area.end + self.params.controlled_aftermath
            for area in self.areas
        )

    def complaint(
        self, problem: ParcelProblem, number: int, random: np.random.Generator
    ) -> tuple[PlannedCase | None, PlannedCase | None, int]:
        """The complaint of ``problem``, the appeal it leads to (if any by the season's end),
        and how many of the two would come after the season."""
        p = self.params
        wait = timedelta(hours=float(random.exponential(p.notice_hours))) + 5 * timedelta(minutes=1)
        received = self.user(problem.shown + wait)
        category = problem.category
        if category is Category.other:
            weights = np.array(list(p.service_categories.values()), dtype=float)
            pick = int(random.choice(len(weights), p=weights / weights.sum()))
            category = list(p.service_categories)[pick]
        if received > self.end:
            return None, None, 1
        emergency = self.emergency(problem.region, received)
        channel = Intake.carrier_hotline if random.random() < 0.6 else Intake.carrier_app
        case = PlannedCase(
            key=f"C{number:05d}",
            kind=CaseKind.complaint,
            carrier=problem.carrier,
            region=problem.region,
            waybill=problem.waybill,
            channel=channel,
            category=category,
            summary=SUMMARIES[category].format(waybill=problem.waybill),
            received_at=received,
            dispute_on=problem.shown.astimezone(CHINA_STANDARD_TIME).date(),
            complainant=self.person(number, problem.region),
            emergency=emergency,
        )
        full = self.complaint_moves(case, random)
        answer = next((move for move in full if move.action == "answer"), None)
        appeal_at: datetime | None = None
        if answer is None:
            deadline = self.due("complaint.answer", received)
            if deadline is not None and random.random() < p.appeal_if_silent:
                appeal_at = self.user(deadline + _span(random, 2, 72))
        elif random.random() < p.appeal_if_answered:
            appeal_at = self.user(answer.at + _span(random, 2, 72))
            full = full[: full.index(answer) + 1]
        if appeal_at is None or appeal_at > self.end:
            moves = tuple(move for move in full if move.at <= self.end)
            return replace(case, moves=moves), None, int(appeal_at is not None)
        complaint = replace(case, moves=tuple(move for move in full if move.at < appeal_at))
        verdict = "七日内未答复" if answer is None else "答复不满意"
        appeal = PlannedCase(
            key=f"A{number:05d}",
            kind=CaseKind.appeal,
            carrier=case.carrier,
            region=case.region,
            waybill=case.waybill,
            channel=Intake.web_12305 if random.random() < 0.6 else Intake.phone_12305,
            category=category,
            summary=f"{case.summary}；向企业投诉后{verdict}，申诉至12305",
            received_at=appeal_at,
            dispute_on=case.dispute_on,
            complainant=case.complainant,
            follows=case.key,
        )
        steps = self.appeal_moves(appeal, rejected=False, random=random)
        return complaint, replace(appeal, moves=_until(steps, self.end)), 0

    def direct_appeal(
        self, problem: ParcelProblem, number: int, random: np.random.Generator
    ) -> PlannedCase | None:
        """An appeal straight to 12305: admitted when the carrier could not be reached,
        rejected (the carrier was not asked first) otherwise."""
        received = self.user(problem.shown + _span(random, 2, 48))
        if received > self.end:
            return None
        unreachable = random.random() < self.params.unreachable_share
        reason = UNREACHABLE if unreachable else NOT_ASKED
        appeal = PlannedCase(
            key=f"A{number:05d}",
            kind=CaseKind.appeal,
            carrier=problem.carrier,
            region=problem.region,
            waybill=problem.waybill,
            channel=Intake.phone_12305 if random.random() < 0.5 else Intake.web_12305,
            category=problem.category,
            summary=SUMMARIES[problem.category].format(waybill=problem.waybill) + reason,
            received_at=received,
            dispute_on=problem.shown.astimezone(CHINA_STANDARD_TIME).date(),
            complainant=self.person(number, problem.region),
        )
        moves = self.appeal_moves(appeal, rejected=not unreachable, random=random)
        return replace(appeal, moves=_until(moves, self.end))

    def complaint_moves(self, case: PlannedCase, random: np.random.Generator) -> list[Move]:
        """The carrier's steps, unbounded by the season's end."""
        p, plan = self.params, _Moves(case, random, self.params.valid_share)
        accept = plan.add("accept", self.carrier(case.received_at + _span(random, 0.2, 4)))
        if case.emergency:
            due = self.due("emergency.answer", case.received_at) or accept + 24 * HOUR
            if random.random() < p.emergency_late_share:
                answered = due + _span(random, 1, 24)
            else:
                answered = accept + _span(random, 0.5, max(0.6, (due - accept) / HOUR - 0.5))
            answer = plan.add("answer", self.carrier(answered))
            back = plan.add("call_back", self.carrier(answer + _span(random, 2, 20)))
            plan.add("close", self.carrier(back + _span(random, 0.5, 12)))
            return plan.moves
        fate = random.random()
        if fate < p.silent_share:
            return plan.moves if random.random() < 0.5 else []
        due = self.due("complaint.answer", case.received_at) or accept + 7 * 24 * HOUR
        if fate < p.silent_share + p.late_answer_share:
            answered = due + _span(random, 1, 48)
        else:
            answered = accept + _span(random, 1, max(1.5, min(72, (due - accept) / HOUR - 2)))
        answer = plan.add("answer", self.carrier(answered))
        if random.random() < p.call_back_share:
            back = plan.add("call_back", self.carrier(answer + _span(random, 2, 30)))
            plan.add("close", self.carrier(back + _span(random, 0.5, 24)))
        else:
            plan.add("close", self.carrier(answer + _span(random, 2, 48)))
        return plan.moves

    def appeal_moves(
        self, case: PlannedCase, *, rejected: bool, random: np.random.Generator
    ) -> list[Move]:
        """The administration's and the carrier's steps, unbounded by the season's end."""
        p, plan = self.params, _Moves(case, random, self.params.valid_share)
        review = plan.add("review", self.regulator(case.received_at + _span(random, 0.5, 6)))
        if rejected:
            plan.add("reject", self.regulator(review + _span(random, 0.5, 8)))
            return plan.moves
        due = self.due("appeal.register", case.received_at) or review + 48 * HOUR
        if random.random() < p.register_late_share:
            admitted = due + _span(random, 2, 30)
        else:
            admitted = review + _span(random, 0.5, 10)
        admit = plan.add("admit", self.regulator(admitted))
        forward = plan.add("forward", self.regulator(admit + _span(random, 0.2, 6)))
        reply = plan.add("carrier_reply", self.carrier(forward + _span(random, 20, 144)))
        if random.random() < p.mediation_share:
            mediate = plan.add("mediate", self.regulator(reply + _span(random, 2, 24)))
            wait = self.due("appeal.mediation_answer", mediate) or mediate + 72 * HOUR
            if random.random() < p.mediation_late_share:
                replied = wait + _span(random, 2, 48)
            else:
                replied = mediate + _span(random, 4, 48)
            last = plan.add("mediation_reply", self.carrier(replied))
        else:
            last = plan.add("verify", self.regulator(reply + _span(random, 2, 24)))
        answer = plan.add("answer", self.regulator(last + _span(random, 2, 48)))
        finding = plan.add("record_finding", self.regulator(answer + _span(random, 0.5, 8)))
        back = plan.add("call_back", self.regulator(finding + _span(random, 4, 48)))
        plan.add("close", self.regulator(back + _span(random, 0.2, 4)))
        if random.random() < p.withdraw_share:
            before = [move.action for move in plan.moves].index("answer")
            cut = int(random.integers(0, before + 1))
            since = plan.moves[cut - 1].at if cut else case.received_at
            kept = plan.moves[:cut]
            plan.moves = kept
            plan.add("withdraw", self.regulator(since + _span(random, 2, 48)))
        return plan.moves

    def forced(
        self, case: PlannedCase, target: str, random: np.random.Generator
    ) -> PlannedCase | None:
        """``case`` re-planned to stand in ``target`` at the season's end (its steps brisk,
        squeezed into the time left); ``None`` when too little time is left."""
        actions = PATHS[case.kind][target]
        if case.kind is CaseKind.complaint and case.emergency and target == "closed":
            actions = ("accept", "answer", "call_back", "close")
        room = (self.end - case.received_at) / HOUR - 0.5
        if actions and room < 0.25 * len(actions):
            return None
        gaps = [float(random.uniform(1, 12)) for _action in actions]
        scale = min(1.0, room / sum(gaps)) if gaps else 1.0
        plan, moment = _Moves(case, random, self.params.valid_share), case.received_at
        for action, gap in zip(actions, gaps, strict=True):
            moment = plan.add(action, moment + timedelta(hours=gap * scale))
        summary = case.summary
        if case.kind is CaseKind.appeal and case.follows is None:
            # straight to 12305: rejected when the carrier was not asked first, admitted
            # only when it could not be reached
            base = SUMMARIES[case.category].format(waybill=case.waybill)
            if target == "rejected":
                summary = base + NOT_ASKED
            elif "admit" in actions:
                summary = base + UNREACHABLE
        return replace(case, summary=summary, moves=tuple(plan.moves))


PATHS: Mapping[CaseKind, Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        CaseKind.complaint: MappingProxyType(
            {
                "received": (),
                "handling": ("accept",),
                "answered": ("accept", "answer"),
                "called_back": ("accept", "answer", "call_back"),
                "closed": ("accept", "answer", "close"),
            }
        ),
        CaseKind.appeal: MappingProxyType(
            {
                "received": (),
                "admissibility": ("review",),
                "registered": ("review", "admit"),
                "forwarded": ("review", "admit", "forward"),
                "carrier_replied": ("review", "admit", "forward", "carrier_reply"),
                "verification": ("review", "admit", "forward", "carrier_reply", "verify"),
                "mediation": ("review", "admit", "forward", "carrier_reply", "mediate"),
                "answered": ("review", "admit", "forward", "carrier_reply", "verify", "answer"),
                "finding": (
                    *("review", "admit", "forward", "carrier_reply", "verify", "answer"),
                    "record_finding",
                ),
                "called_back": (
                    *("review", "admit", "forward", "carrier_reply", "verify", "answer"),
                    *("record_finding", "call_back"),
                ),
                "closed": (
                    *("review", "admit", "forward", "carrier_reply", "verify", "answer"),
                    *("record_finding", "call_back", "close"),
                ),
                "rejected": ("review", "reject"),
                "withdrawn": ("review", "withdraw"),
            }
        ),
    }
)
"""The shortest steps from receipt to each state (the coverage pass re-plans along them)."""


def _span(random: np.random.Generator, low: float, high: float) -> timedelta:
    return timedelta(hours=float(random.uniform(low, max(low, high))))


def _until(moves: Sequence[Move], end: datetime) -> tuple[Move, ...]:
    return tuple(move for move in moves if move.at <= end)


class _Moves:
    """A case's steps as they are planned: each one after the one before, with what it must
    carry filled in."""

    def __init__(self, case: PlannedCase, random: np.random.Generator, valid_share: float) -> None:
        self.case, self.random, self.valid_share = case, random, valid_share
        self.moves: list[Move] = []

    def add(self, action: str, at: datetime) -> datetime:
        last = self.moves[-1].at if self.moves else self.case.received_at
        at = max(at, last + timedelta(minutes=1))
        self.moves.append(self._content(action, at))
        return at

    def _content(self, action: str, at: datetime) -> Move:
        category = self.case.category
        if action == "answer" and self.case.kind is CaseKind.complaint:
            return Move(action, at, answer=ANSWERS.get(category, SERVICE_ANSWER))
        if action == "answer":
            return Move(action, at, answer="经调查核实，已督促企业处理并将结果告知申诉人")
        if action in ("carrier_reply", "mediation_reply"):
            text = ANSWERS.get(category, SERVICE_ANSWER)
            return Move(action, at, answer=text if action == "carrier_reply" else "同意调解意见")
        if action == "call_back":
            text = "用户对处理结果满意" if self.random.random() < 0.8 else "用户表示基本满意"
            return Move(action, at, call_back=text)
        if action == "record_finding":
            valid = bool(self.random.random() < self.valid_share)
            return Move(
                action, at, finding_valid=valid, finding_category=category if valid else None
            )
        if action == "reject":
            return Move(action, at, reason=RejectionReason.carrier_not_asked_first)
        notes = {
            "mediate": "建议企业按规定赔偿并向用户致歉",
            "withdraw": "用户已与企业协商解决，撤回申诉",
            "verify": "企业逾期未答复，依职权核实",
        }
        if action == "verify" and self.moves and self.moves[-1].action == "carrier_reply":
            return Move(action, at)
        if action in notes:
            return Move(action, at, note=notes[action])
        return Move(action, at, forward=action == "forward")
