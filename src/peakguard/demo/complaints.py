"""The demo season's complaints (投诉) and appeals (申诉), drawn from its parcels.

Who complains: a parcel delivered late (after its service standard's limit), a parcel still
undelivered past its limit when the season ends, and — at a lower rate — a parcel delivered in
time (damage, delivery service). Each draws one complaint to its carrier with the probability
of :class:`ComplaintParameters`; a complaint about a controlled area (a closure of the
scenario) is an emergency work order. A share of the complaints escalates to an appeal (the
carrier stayed silent past its 7 days, or the user was dissatisfied with its answer), and a
few users go straight to 12305. Every case then gets a plan of the steps its handlers take —
the carrier's customer service and the postal administration, in their office hours, mostly
in time and sometimes late — up to the season's end.

The rates: no carrier publishes its complaint rate, so the complaint rates are **demo policy**
(labelled in :class:`ComplaintParameters`). They are chosen so that the appeals the season
produces land near the published appeal rates of a congested peak month: the State Post
Bureau's national appeal rate was 38.78 per million parcels in November 2018 and 3.43 in
February 2022 (delay 1.06, loss 1.05, delivery service 0.59, damage 0.57 per million), with
15.7 % of the appeals found valid (4,298 of 27,335); its worst carriers' months reached 31–53
*valid* appeals per million (申通, 国通, December 2016: 160–270 appeals per million at July
2016's valid share) — ../shared/data/complaint_bulletins.csv. The demo season is congested
(about 30 % of its parcels late), so its appeal rate sits between the national peak month and
those worst months: on the demo's lake (seed 2016: 360,000 sampled parcels, 108,000 of them
late or undelivered) the defaults give about 240 complaints (660 per million parcels) and 55
appeals (150 per million); ZTO and SF alone, the brands the demo has companies for, 77 and 16
(127 per million). Lower rates would leave the two companies' desk without an appeal in every
state: the lake holds 0.1 % of the season's parcels, so a realistic rate yields few cases.

Pure and deterministic: the same parcels, parameters and seed give the same cases (each case
draws from its own stream, so adjusting one case never moves another). Personal data is fake
by construction: names ``测试用户0001``, phones ``199-0000-0001``, addresses on ``演示路``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peakguard.cases.calendar import WorkingCalendar
from peakguard.cases.clocks import ClockRule, load_clock_rules
from peakguard.cases.machines import states
from peakguard.cases.model import CaseKind, Category
from peakguard.demo.complaint_cases import (
    PATHS,
    ComplaintParameters,
    ControlledArea,
    Move,
    ParcelProblem,
    PlannedCase,
    Planner,
)

SECOND = timedelta(seconds=1)
PROBLEMS = ("late", "undelivered", "in_time")
"""The classes of problem a parcel can have (its code in :class:`_Parcels` is the index)."""
PARCEL_COLUMNS = ("waybill", "carrier", "origin_region", "destination_region", "accepted_at")
"""Columns the parcels table must have, beside ``due_at``, ``delivered_at`` and ``late``
(``trail_stopped`` is optional)."""


@dataclass(frozen=True)
class ProblemDraw:
    """How many parcels had a problem of one class and how many of them complained (drawn
    before dropping those whose complaint would come after the season)."""

    problem: str
    parcels: int
    rate: float
    complaints: int


@dataclass(frozen=True)
class SeasonComplaints:
    cases: tuple[PlannedCase, ...]
    draws: tuple[ProblemDraw, ...]
    after_season: int
    """Complaints and appeals that would come after the season's end (not in ``cases``)."""


def season_complaints(
    parcels: pa.Table,
    *,
    end: datetime,
    seed: int,
    parameters: ComplaintParameters | None = None,
    controlled: Sequence[ControlledArea] = (),
    rules: Mapping[str, ClockRule] | None = None,
    calendar: WorkingCalendar | None = None,
) -> SeasonComplaints:
    """The season's complaints and appeals, received by ``end``, each with its steps.

    ``parcels``: one row per parcel with :data:`PARCEL_COLUMNS`, ``due_at`` (when its limit ran
    out), ``delivered_at`` (null: not delivered) and ``late`` (not delivered by ``due_at``),
    moments time-zone-aware. Must hold: every case is received after its parcel's problem
    showed (the limit ran out, or the parcel arrived) and by ``end``; every step is legal and
    taken after the one before, by ``end``; the same inputs give the same cases."""
    params = parameters or ComplaintParameters()
    plan = Planner(
        params,
        rules or load_clock_rules(),
        calendar or WorkingCalendar.china(),
        end,
        controlled,
    )
    table = parcels.sort_by([("carrier", "ascending"), ("waybill", "ascending")])
    problems = _problems(table, params, end, controlled)
    draws, chosen = _draw(problems, np.random.default_rng([seed, 0]))
    cases: list[PlannedCase] = []
    after_season = 0
    for number, problem in enumerate(chosen, start=1):
        complaint, appeal, after = plan.complaint(
            problem, number, np.random.default_rng([seed, 1, number])
        )
        after_season += after
        cases += [case for case in (complaint, appeal) if case is not None]
    direct = _direct(problems, params, np.random.default_rng([seed, 2]))
    for number, problem in enumerate(direct, start=len(chosen) + 1):
        appeal = plan.direct_appeal(problem, number, np.random.default_rng([seed, 3, number]))
        if appeal is None:
            after_season += 1
        else:
            cases.append(appeal)
    cases.sort(key=lambda case: (case.received_at, case.key))
    covered = cover(cases, plan, seed)
    return SeasonComplaints(tuple(covered), draws, after_season)


# --- who has a problem ---------------------------------------------------------------


def _seconds(column: pa.ChunkedArray) -> np.ndarray:
    values = column.cast(pa.timestamp("s", tz="UTC")).cast(pa.int64())
    return np.asarray(values.fill_null(-1).to_numpy(), dtype=np.int64)


def _flags(table: pa.Table, name: str) -> np.ndarray:
    if name not in table.column_names:
        return np.zeros(table.num_rows, dtype=bool)
    return np.asarray(table[name].fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _starts(column: pa.ChunkedArray | pa.Array, prefix: str) -> np.ndarray:
    found = pc.fill_null(pc.starts_with(column, prefix), False)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


@dataclass(frozen=True)
class _Parcels:
    """The parcels with a problem by the season's end, as arrays (one entry each)."""

    table: pa.Table
    rows: np.ndarray
    problem: np.ndarray
    region: pa.Array
    """The complainant's region, one per row of ``table``."""
    shown: np.ndarray
    lost: np.ndarray
    controlled: np.ndarray
    chance: np.ndarray

    def take(self, index: int) -> ParcelProblem:
        row = int(self.rows[index])
        kind = PROBLEMS[int(self.problem[index])]
        category = Category.other
        if kind != "in_time":
            category = Category.loss if self.lost[index] else Category.delay
        return ParcelProblem(
            problem=kind,
            waybill=str(self.table["waybill"][row].as_py()),
            carrier=str(self.table["carrier"][row].as_py()),
            region=str(self.region[row].as_py()),
            shown=datetime.fromtimestamp(int(self.shown[index]), UTC),
            category=category,
        )


def _problems(
    table: pa.Table, params: ComplaintParameters, end: datetime, areas: Sequence[ControlledArea]
) -> _Parcels:
    """Every parcel whose problem showed by ``end``, with its chance of a complaint."""
    due = _seconds(table["due_at"])
    delivered = _seconds(table["delivered_at"])
    late = _flags(table, "late")
    limit = int(end.timestamp())
    undelivered = late & (delivered < 0) & (due <= limit)
    late_delivered = late & (delivered >= 0) & (delivered <= limit)
    in_time = ~late & (delivered >= 0) & (delivered <= limit)
    home = params.home_prefix
    origin, destination = table["origin_region"], table["destination_region"]
    at_home = pa.array(_starts(destination, home))
    region = pc.if_else(at_home, destination, pc.if_else(_starts(origin, home), origin, None))
    region = region.combine_chunks() if isinstance(region, pa.ChunkedArray) else region
    known = np.asarray(region.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    rows = np.flatnonzero((undelivered | late_delivered | in_time) & known)
    problem = np.where(undelivered, 1, np.where(late_delivered, 0, 2))
    shown = np.where(in_time, delivered, due)
    rate = np.where(
        undelivered,
        params.undelivered_rate,
        np.where(late_delivered, params.late_rate, params.service_rate),
    )
    controlled = np.zeros(len(due), dtype=bool)
    aftermath = int(params.controlled_aftermath.total_seconds())
    for area in areas:
        controlled |= (
            _starts(region, area.region_prefix)
            & (shown >= int(area.start.timestamp()))
            & (shown < int(area.end.timestamp()) + aftermath)
        )
    chance = np.minimum(1.0, rate * np.where(controlled, params.controlled_factor, 1.0))
    lost = undelivered & (
        _flags(table, "trail_stopped") | (limit - due >= params.loss_after / SECOND)
    )
    return _Parcels(
        table,
        rows,
        problem[rows],
        region,
        shown[rows],
        lost[rows],
        controlled[rows],
        chance[rows],
    )


def _draw(
    parcels: _Parcels, random: np.random.Generator
) -> tuple[tuple[ProblemDraw, ...], list[ParcelProblem]]:
    """Each parcel complains with its chance; the counts per class (outside controlled
    areas, where the chance is the class's rate), and who complained."""
    hits = random.random(len(parcels.rows)) < parcels.chance
    chosen = [parcels.take(int(index)) for index in np.flatnonzero(hits)]
    draws = []
    for code, kind in enumerate(PROBLEMS):
        normal = (parcels.problem == code) & ~parcels.controlled
        count = int(normal.sum())
        rate = float(parcels.chance[normal][0]) if count else 0.0
        draws.append(ProblemDraw(kind, count, rate, int((hits & normal).sum())))
    return tuple(draws), chosen


def _direct(
    parcels: _Parcels, params: ComplaintParameters, random: np.random.Generator
) -> list[ParcelProblem]:
    """The users who go straight to 12305 about a late or undelivered parcel."""
    eligible = np.flatnonzero(parcels.problem != PROBLEMS.index("in_time"))
    hits = random.random(len(eligible)) < params.direct_appeal_rate
    return [parcels.take(int(index)) for index in eligible[hits]]


# --- every state on the desk ---------------------------------------------------------------


def cover(cases: list[PlannedCase], plan: Planner, seed: int) -> list[PlannedCase]:
    """Adjust as few cases as needed so that each state of both workflows is held by at
    least one case at the season's end, and an emergency work order has been called back:
    a case is stopped at an earlier state of its own steps (its next step not taken yet), or
    else re-planned briskly along the shortest steps. Only a case whose state another case
    also holds is adjusted, never a complaint an appeal follows (nor is an appeal that
    follows a complaint rejected for not having asked the carrier first). When no finding recorded
    by the season's end is valid, the earliest is made valid, so that the valid-appeal rate
    has something to count."""
    locked = {case.follows for case in cases if case.follows}
    wanted = [
        (kind, state)
        for kind in (CaseKind.complaint, CaseKind.appeal)
        for state in states(kind)
        if (kind, state) != (CaseKind.complaint, "escalated")
    ]
    index = {case.key: number for number, case in enumerate(cases)}

    def holding() -> Counter[tuple[CaseKind, str]]:
        """Who holds which state once the appeals have escalated their complaints."""
        return Counter(
            (case.kind, "escalated" if case.key in locked else case.state()) for case in cases
        )

    for kind, target in wanted:
        held = holding()
        if held[(kind, target)]:
            continue
        spare = [
            case
            for case in cases
            if case.kind is kind
            and case.key not in locked
            and held[(kind, case.state())] > 1
            and not (target == "rejected" and case.follows)
        ]
        adjusted = _stop_at(spare, target) or _replan(spare, target, plan, seed)
        if adjusted is not None:
            cases[index[adjusted.key]] = adjusted
    findings = [case for case in cases if "record_finding" in (m.action for m in case.moves)]
    if findings and not any(_finding(case).finding_valid for case in findings):
        first = min(findings, key=lambda case: (case.received_at, case.key))
        cases[index[first.key]] = replace(
            first,
            moves=tuple(
                replace(move, finding_valid=True, finding_category=first.category)
                if move.action == "record_finding"
                else move
                for move in first.moves
            ),
        )
    emergencies = [case for case in cases if case.emergency and case.key not in locked]
    if emergencies and not any("call_back" in (m.action for m in c.moves) for c in emergencies):
        held = holding()
        spare = [case for case in emergencies if held[(case.kind, case.state())] > 1]
        adjusted = _replan(spare, "called_back", plan, seed)
        if adjusted is not None:
            cases[index[adjusted.key]] = adjusted
    return cases


def _finding(case: PlannedCase) -> Move:
    return next(move for move in case.moves if move.action == "record_finding")


def _stop_at(spare: Sequence[PlannedCase], target: str) -> PlannedCase | None:
    for case in spare:
        passes = case.passes()
        if target in passes[:-1]:
            return replace(case, moves=case.moves[: passes.index(target)])
    return None


def _replan(
    spare: Sequence[PlannedCase], target: str, plan: Planner, seed: int
) -> PlannedCase | None:
    for case in sorted(spare, key=lambda item: (item.received_at, item.key)):
        if target not in PATHS[case.kind]:
            return None
        digits = int("".join(ch for ch in case.key if ch.isdigit()) or 0)
        random = np.random.default_rng([seed, 4, int(case.kind is CaseKind.appeal), digits])
        forced = plan.forced(case, target, random)
        if forced is not None:
            return forced
    return None


__all__ = [
    "PARCEL_COLUMNS",
    "ComplaintParameters",
    "ControlledArea",
    "Move",
    "PlannedCase",
    "ProblemDraw",
    "SeasonComplaints",
    "season_complaints",
]
