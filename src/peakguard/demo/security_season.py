"""The demo season's security supervision, scripted: who does what and when.

Pure: from the demo network, the scenario and the seed, and from what the season's scan-event
lake holds, this module writes

- the **lapse policy** (:func:`lapse_policy`, :func:`apply_lapses`): a labelled demo policy
  that clears some of the "three 100 %" flags on the season's accept events at three outlets —
  one whose real-name share slides from 100 % to 90 % over the season, one that skips the X-ray
  on a few days, one that skips the open-box inspection on the peak days (10–16 November) —
  and at no other outlet, so the compliance watch list lists exactly those three;
- the **real-name register** of the sampled parcels (:func:`season_register`): synthetic
  senders with checksum-valid ID numbers of Sichuan and credit codes of a few organisations;
  at the real-name outlet a few ID numbers that fail their checksum, one person sending
  implausibly many parcels in a day, an employee's own ID used for customers' parcels;
- the **inspections** the lapses trigger and their **rectification orders**
  (:func:`season_inspections`): the provincial inspector's planned inspection, the city
  inspector's unannounced visit (暗访), a joint inspection with public security, a carrier's
  self-inspection; findings with evidence files; orders that end the season in every state;
- the **abnormal-outlet** listing, the **commitment letters** (one company's missing), the
  **stop-sort hold** (:func:`choose_hold`) and the moments the sweeps run.

The application records it (:mod:`peakguard.app.demo_security`). Every moment is China time.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peakguard.demo.security_people import SYNTHETIC, Sender, SenderMaker, broken
from peakguard.domain.network import Network, NodeKind
from peakguard.domain.scans import CHINA_STANDARD_TIME, EventType, china_day, china_days
from peakguard.simulate.scenario import Scenario

LAPSE_POLICY_LABEL = (
    "peakguard demo policy: the simulator sets every security flag; this policy clears some at "
    "three outlets to show lapses (not observed data)"
)
PROVINCE = "510000"
CHENGDU = "5101"
REAL_NAME_SLIDE = 0.10
"""The real-name outlet's share of unverified accepts on the season's last day (100 % → 90 %)."""
X_RAY_SKIPPED_DAYS = (7, 8, 15)
"""November days the X-ray outlet's machine is off: no accept that day is X-rayed."""
PEAK_DAYS = (10, 11, 12, 13, 14, 15, 16)
"""November days the inspection outlet skips the open-box check on a share of its accepts: the
peak, the days the scenario's volume is at least 1.4 times normal."""
PEAK_INSPECTION_LAPSE = 0.30
INVALID_IDS = 3
"""ID numbers failing their checksum registered at the real-name outlet."""
HEAVY_PARCELS = 40
"""Parcels one person sends in a day at one outlet: implausible for one sender."""
EMPLOYEE_PARCELS = 4
"""Customers' parcels registered with the real-name outlet's own clerk's ID."""
ORGANISATION_SHARE = 0.05
"""Share of registered parcels sent by an organisation (a credit code)."""
REPEAT_SHARE = 0.25
"""Share of a person's parcels sent by someone who sent one before (at the same outlet)."""
CLERKS = 3
"""Clerks accepting parcels at each outlet."""
ORGANISATIONS = (
    "成都蓉锦电子商务有限公司（演示）",
    "四川天府优选贸易有限公司（演示）",
    "绵阳涪江文化用品有限公司（演示）",
    "德阳旌湖农产品合作社（演示）",
)

REAL_NAME, INSPECTED, X_RAYED = "real_name_verified", "inspected", "x_rayed"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """``day`` at ``hour``:``minute``, China time."""
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA_STANDARD_TIME)


# ---------------------------------------------------------------- the lapse policy


@dataclass(frozen=True)
class Lapse:
    """At ``outlet``, the share of each day's accepts whose ``flag`` the policy clears."""

    outlet: str
    carrier: str
    region: str
    flag: str
    kind: str
    """``sliding``, ``skipped_days`` or ``peak_days``."""
    cleared: tuple[tuple[date, float], ...]

    def share_on(self, day: date) -> float:
        return dict(self.cleared).get(day, 0.0)


@dataclass(frozen=True)
class LapsePolicy:
    label: str
    lapses: tuple[Lapse, ...]

    def outlets(self) -> tuple[str, ...]:
        return tuple(lapse.outlet for lapse in self.lapses)

    def of(self, kind: str) -> Lapse:
        return next(lapse for lapse in self.lapses if lapse.kind == kind)


def demand_days(scenario: Scenario) -> tuple[date, ...]:
    """The scenario's demand days (the days outlets accept parcels)."""
    return tuple(scenario.first_day + timedelta(days=n) for n in range(scenario.days))


def _outlets(network: Network, carrier: str, inside: str, *, city: bool) -> list[str]:
    return sorted(
        node.id
        for node in network.nodes
        if node.kind is NodeKind.outlet
        and node.carrier == carrier
        and node.region.startswith(PROVINCE[:2])
        and node.region.startswith(CHENGDU) == city
        and node.region.startswith(inside)
    )


def lapse_policy(
    network: Network, scenario: Scenario, *, seed: int, brands: Sequence[str] = ("ZTO", "SF")
) -> LapsePolicy:
    """The three lapsing outlets, drawn from ``seed`` among the outlets of ``brands`` (the
    brands with a company in the demo): a ``brands[0]`` outlet in Chengdu whose real-name share
    slides, a ``brands[-1]`` outlet in Chengdu that skips the X-ray on
    :data:`X_RAY_SKIPPED_DAYS`, a ``brands[0]`` outlet elsewhere in Sichuan that skips the
    open-box check on :data:`PEAK_DAYS`."""
    random = np.random.default_rng([seed, 17])
    regions = {node.id: node.region for node in network.nodes}
    first, last = brands[0], brands[-1]
    days = demand_days(scenario)

    def draw(candidates: list[str]) -> str:
        if not candidates:
            raise ValueError("the demo network has no outlet for the security lapses")
        return candidates[int(random.integers(len(candidates)))]

    sliding = draw(_outlets(network, first, CHENGDU, city=True))
    skipping = draw([o for o in _outlets(network, last, CHENGDU, city=True) if o != sliding])
    peak = draw(_outlets(network, first, PROVINCE[:2], city=False))
    span = max(len(days) - 1, 1)
    lapses = (
        Lapse(
            sliding,
            first,
            regions[sliding],
            REAL_NAME,
            "sliding",
            tuple((day, round(REAL_NAME_SLIDE * n / span, 4)) for n, day in enumerate(days)),
        ),
        Lapse(
            skipping,
            last,
            regions[skipping],
            X_RAYED,
            "skipped_days",
            tuple((day, 1.0) for day in days if day.day in X_RAY_SKIPPED_DAYS),
        ),
        Lapse(
            peak,
            first,
            regions[peak],
            INSPECTED,
            "peak_days",
            tuple((day, PEAK_INSPECTION_LAPSE) for day in days if day.day in PEAK_DAYS),
        ),
    )
    return LapsePolicy(LAPSE_POLICY_LABEL, lapses)


def register_outlets(network: Network, policy: LapsePolicy) -> tuple[str, ...]:
    """The outlets whose sampled parcels the demo registers: the three lapsing outlets and,
    for each of their brands, the first other outlet in Chengdu (where the heavy sender is).
    Registering every Sichuan outlet's sample (about 60,000 parcels) would take minutes."""
    taken = set(policy.outlets())
    clean = []
    for brand in dict.fromkeys(lapse.carrier for lapse in policy.lapses):
        found = _outlets(network, brand, CHENGDU, city=True)
        clean += [outlet for outlet in found if outlet not in taken][:1]
    return (*policy.outlets(), *clean)


def _rank(seed: int, flag: str, waybill: str) -> int:
    return zlib.crc32(f"{seed}:{flag}:{waybill}".encode())


def apply_lapses(events: pa.Table, policy: LapsePolicy, *, seed: int) -> pa.Table:
    """``events`` with the policy's flags cleared: at each lapsing outlet and day, the share of
    the day's accepts (rounded to whole parcels) chosen by a hash of the seed and the waybill.
    Nothing else changes: no row is added, dropped or moved."""
    accepts = pc.equal(events["event"], EventType.accept.value)
    cleared: dict[str, np.ndarray] = {}
    for lapse in policy.lapses:
        here = pc.and_(accepts, pc.equal(events["node_id"], lapse.outlet))
        rows = np.flatnonzero(here.to_numpy(zero_copy_only=False))
        if not len(rows):
            continue
        days = china_days(events["time"].take(pa.array(rows))).to_pylist()
        waybills = events["waybill"].take(pa.array(rows)).to_pylist()
        mask = cleared.setdefault(lapse.flag, np.zeros(events.num_rows, dtype=bool))
        for day, share in lapse.cleared:
            chosen = [
                (_rank(seed, lapse.flag, waybills[i]), int(rows[i]))
                for i, d in enumerate(days)
                if d == day
            ]
            count = round(share * len(chosen))
            for _rank_value, row in sorted(chosen)[:count]:
                mask[row] = True
    for flag, mask in cleared.items():
        column = events[flag]
        updated = pc.if_else(pa.array(mask), pa.scalar(False), column)
        events = events.set_column(events.schema.get_field_index(flag), flag, updated)
    return events


# ---------------------------------------------------------------- the real-name register


@dataclass(frozen=True)
class Accepted:
    """One sampled parcel's accept: the lake's row the register entry is written for."""

    waybill: str
    carrier: str
    outlet: str
    region: str
    accepted_at: datetime
    real_name_verified: bool


@dataclass(frozen=True)
class Registration:
    """One register entry: the parcel and its sender (``pattern``: why the register should
    flag it — ``invalid``, ``many_parcels``, ``employee_id`` — or ``None``)."""

    waybill: str
    carrier: str
    outlet: str
    accepted_at: datetime
    sender: Sender
    accepted_by: str
    """The accepting employee's number (工号)."""
    pattern: str | None = None


@dataclass(frozen=True)
class Employee:
    """An outlet's clerk, whose own ID the carrier registered as its staff's."""

    carrier: str
    outlet: str
    code: str
    """The employee's number (工号)."""
    name: str
    number: str


@dataclass(frozen=True)
class RegisterScript:
    label: str
    registrations: tuple[Registration, ...]
    employees: tuple[Employee, ...]
    heavy: Sender | None
    """The person who sends :data:`HEAVY_PARCELS` parcels in a day."""
    misused: Employee | None
    """The clerk whose ID is used for customers' parcels."""

    def numbers(self) -> frozenset[str]:
        """Every full ID number and credit code in the register or the staff list."""
        found = {entry.sender.number for entry in self.registrations}
        return frozenset(found | {employee.number for employee in self.employees})

    def patterns(self) -> Counter[str]:
        return Counter(entry.pattern for entry in self.registrations if entry.pattern)


def season_register(
    accepted: Sequence[Accepted], policy: LapsePolicy, *, seed: int, regions: Sequence[str]
) -> RegisterScript:
    """The register of ``accepted`` (in any order): an entry for each verified accept, by a
    synthetic sender born in one of ``regions``; at the real-name outlet the first
    :data:`INVALID_IDS` unverified accepts registered with a number failing its checksum (the
    others not registered: that is the lapse), the clerk's own ID on :data:`EMPLOYEE_PARCELS`
    customers' parcels; at the busiest other outlet-day one person sending
    :data:`HEAVY_PARCELS` parcels."""
    maker = SenderMaker(seed, tuple(sorted(regions)))
    ordered = sorted(accepted, key=lambda a: (a.accepted_at, a.carrier, a.waybill))
    outlet = policy.of("sliding").outlet
    clerk = maker.person()
    misused = Employee(
        policy.of("sliding").carrier, outlet, clerk_code(outlet, 1), clerk.name, clerk.number
    )
    heavy = maker.person(ending_x=True)
    busiest = _busiest(ordered, set(policy.outlets()))
    organisations = [maker.organisation(name) for name in ORGANISATIONS]
    regulars: dict[str, list[Sender]] = defaultdict(list)
    random = np.random.default_rng([seed, 23])
    entries: list[Registration] = []
    invalid = heavy_count = employee_count = 0
    late = [a for a in ordered if a.outlet == outlet and a.real_name_verified]
    employee_waybills = {a.waybill for a in late[-3 * EMPLOYEE_PARCELS :: 3]}
    for parcel in ordered:
        pattern = None
        accepted_by = clerk_code(parcel.outlet, int(random.integers(1, CLERKS + 1)))
        if not parcel.real_name_verified:
            if parcel.outlet != outlet or invalid >= INVALID_IDS:
                continue
            invalid += 1
            person = maker.person()
            sender = Sender(person.name, person.id_kind, broken(person.number), person.phone)
            pattern = "invalid"
        elif parcel.waybill in employee_waybills and employee_count < EMPLOYEE_PARCELS:
            employee_count += 1
            customer = maker.person()
            sender = Sender(customer.name, "resident_id", clerk.number, customer.phone)
            pattern, accepted_by = "employee_id", misused.code
        elif (
            busiest == (parcel.outlet, china_day(parcel.accepted_at))
            and heavy_count < HEAVY_PARCELS
        ):
            heavy_count += 1
            sender, pattern = heavy, "many_parcels"
        elif random.random() < ORGANISATION_SHARE:
            sender = organisations[int(random.integers(len(organisations)))]
        elif regulars[parcel.outlet] and random.random() < REPEAT_SHARE:
            known = regulars[parcel.outlet]
            sender = known[int(random.integers(len(known)))]
        else:
            sender = maker.person()
            regulars[parcel.outlet].append(sender)
        entries.append(
            Registration(
                parcel.waybill,
                parcel.carrier,
                parcel.outlet,
                parcel.accepted_at,
                sender,
                accepted_by,
                pattern,
            )
        )
    return RegisterScript(
        SYNTHETIC,
        tuple(entries),
        (misused,),
        heavy if heavy_count else None,
        misused if employee_count else None,
    )


def clerk_code(outlet: str, number: int) -> str:
    """The employee number (工号) of an outlet's ``number``-th clerk."""
    return f"{outlet}-E{number:02d}"


def _busiest(ordered: Sequence[Accepted], lapsing: set[str]) -> tuple[str, date] | None:
    """The outlet and day (China time) with the most verified accepts, lapsing outlets aside."""
    counts = Counter(
        (a.outlet, china_day(a.accepted_at))
        for a in ordered
        if a.real_name_verified and a.outlet not in lapsing
    )
    if not counts:
        return None
    return min(counts, key=lambda key: (-counts[key], key))
