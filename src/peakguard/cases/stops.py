"""Unauthorised stops of pickup or delivery (不得擅自停收或停投) and pickups against the quotas of
a staggered pickup plan (错峰发货), judged on counts already made: pure rules, no lake, no
database.

A node's day is judged against its *normal day*: the median of its own previous days that were
not themselves stops (at least ``minimum_history_days`` of them, at most ``history_days``), else
the daily volume the network declares for it. An outlet (网点) whose acceptances (收寄) fall
below ``stop_share`` of its normal day, or a station (投递站) whose deliveries (投递) do while
parcels kept arriving there, has stopped; a carrier's daily report naming the outlet as closed
says so too. A stop inside an approved closure (a declared closure of the node, or of an area
around it, that overlaps the day) is excused; any other is flagged with its reason and figures.
Every threshold here is local policy, not a published standard (docs/reference/supervision.md).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from peakguard.cases.controlled import code_prefix
from peakguard.cases.incidents import IncidentType
from peakguard.domain.network import NodeKind
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _

EXCUSING_INCIDENTS: frozenset[IncidentType] = frozenset(
    {
        IncidentType.road_cut,
        IncidentType.weather,
        IncidentType.epidemic_control,
        IncidentType.fire,
        IncidentType.accident,
    }
)
"""The incidents whose closures excuse a stop: causes outside the carrier's hands. A carrier
reporting its own outlet stopping, its staff short, or "other" has reported the stop (as it
must), which does not make it authorised (不得擅自停收或停投): such a stop is still flagged."""

__all__ = [
    "ApprovedClosure",
    "DeviationKind",
    "NodeDay",
    "NormalSource",
    "QuotaDeviation",
    "QuotaTolerance",
    "Stop",
    "StopKind",
    "StopPolicy",
    "SupervisedNode",
    "day_window",
    "judge_node",
    "judge_quota",
    "stop_reason",
]


@dataclass(frozen=True)
class StopPolicy:
    """When a low day is a stop. Local policy: the defaults are a desk's first guess."""

    stop_share: float = 0.2
    """A day below this share of the node's normal day is a stop (zero always is)."""
    minimum_normal: float = 20.0
    """Nodes whose normal day is smaller are not judged: a quiet day of a small outlet is not
    told apart from a stop."""
    history_days: int = 7
    """Previous days whose median is the node's normal day."""
    minimum_history_days: int = 3
    """Fewer previous days than this: the network's declared daily volume is the normal day."""

    def __post_init__(self) -> None:
        problems = []
        if not 0 < self.stop_share < 1:
            problems.append(Problem("stop_share", _("must be greater than 0 and less than 1")))
        if not self.minimum_normal >= 0:
            problems.append(Problem("minimum_normal", _("must not be negative")))
        if not 1 <= self.minimum_history_days <= self.history_days <= 60:
            problems.append(
                Problem(
                    "history_days",
                    _("need 1 ≤ minimum_history_days ≤ history_days ≤ 60"),
                )
            )
        if problems:
            raise InvalidInputError(_("The stop policy is not valid."), problems)


@dataclass(frozen=True)
class SupervisedNode:
    """An outlet or a station as the network describes it."""

    id: str
    kind: NodeKind
    carrier: str
    region: str
    declared_daily_volume: int = 0
    network: str = ""


@dataclass(frozen=True)
class NodeDay:
    """A node's counts of one China-time day: parcels accepted, delivered and arrived there."""

    day: date
    accepted: int = 0
    delivered: int = 0
    arrived: int = 0


@dataclass(frozen=True)
class ApprovedClosure:
    """A closure someone with the authority declared: of the node ``node`` (in ``network``
    when given), or of the area ``region`` and everything under it, over [start, end)."""

    start: datetime
    end: datetime
    source: str
    node: str | None = None
    network: str | None = None
    region: str | None = None

    def covers(self, node: SupervisedNode, day: date) -> bool:
        """Whether the closure concerns ``node`` and overlaps the China-time ``day``."""
        first, last = day_window(day)
        if not (self.start < last and first < self.end):
            return False
        if self.node is not None:
            return self.node == node.id and self.network in (None, "", node.network)
        return self.region is not None and node.region.startswith(code_prefix(self.region))


def day_window(day: date) -> tuple[datetime, datetime]:
    """00:00 of ``day`` and of the next day, China time."""
    first = datetime.combine(day, time(0), tzinfo=CHINA_STANDARD_TIME)
    return first, first + timedelta(days=1)


class StopKind(StrEnum):
    pickup = "pickup"
    """停收: an outlet stopped accepting parcels."""
    delivery = "delivery"
    """停投: a station stopped delivering them."""


class NormalSource(StrEnum):
    own_days = "own_days"
    """The median of the node's own previous days."""
    declared = "declared"
    """The daily volume the network declares for the node."""


@dataclass(frozen=True)
class Stop:
    """A node's stop on a day: ``count`` against ``normal``; ``authorised_by`` names the
    approved closure that excuses it (None: flagged)."""

    node: SupervisedNode
    day: date
    kind: StopKind
    count: int
    normal: float
    normal_source: NormalSource
    arrived: int | None = None
    """Parcels that reached a station that day (a station's stop only)."""
    reported_closed: str | None = None
    """The carrier's daily report that names the outlet as closed, if one does."""
    authorised_by: str | None = None

    @property
    def flagged(self) -> bool:
        return self.authorised_by is None

    @property
    def share(self) -> float | None:
        return self.count / self.normal if self.normal > 0 else None


def _normal(
    history: Sequence[int], declared: int, policy: StopPolicy
) -> tuple[float, NormalSource] | None:
    recent = list(history)[-policy.history_days :]
    if len(recent) >= policy.minimum_history_days:
        return float(statistics.median(recent)), NormalSource.own_days
    if declared > 0:
        return float(declared), NormalSource.declared
    return None


def judge_node(
    node: SupervisedNode,
    days: Iterable[NodeDay],
    *,
    observed: Iterable[date],
    closures: Iterable[ApprovedClosure] = (),
    reported_closed: Mapping[date, str] | None = None,
    policy: StopPolicy | None = None,
) -> list[Stop]:
    """The stops of ``node`` over the ``observed`` days (the days its carrier's scans are in:
    a day without any is not judged, a node without counts on an observed day counted zero),
    walked in order so that a stop found against the node's own days never lowers the normal
    of the days after it.
    ``reported_closed``: the days its carrier reported it closed, with the report's name."""
    policy = policy or StopPolicy()
    counts = {item.day: item for item in days}
    reported = dict(reported_closed or {})
    closures = list(closures)
    kind = StopKind.pickup if node.kind is NodeKind.outlet else StopKind.delivery
    seen = set(observed)
    history: list[int] = []
    stops: list[Stop] = []
    for day in sorted(seen | set(reported)):
        figures = counts.get(day, NodeDay(day))
        count = figures.accepted if kind is StopKind.pickup else figures.delivered
        normal = _normal(history, node.declared_daily_volume, policy)
        low = _is_low(kind, count, figures.arrived, normal, policy)
        report = reported.get(day) if kind is StopKind.pickup else None
        if (low or report is not None) and (normal is not None or report is not None):
            value, source = normal or (float(node.declared_daily_volume), NormalSource.declared)
            excuse = next((c.source for c in closures if c.covers(node, day)), None)
            stops.append(
                Stop(
                    node, day, kind, count, value, source,
                    arrived=figures.arrived if kind is StopKind.delivery else None,
                    reported_closed=report, authorised_by=excuse,
                )
            )  # fmt: skip
        # A stop against the node's own days stays out of them; a day judged against the
        # declared volume (too few days yet) enters them whatever it was: the node's own
        # days are the better measure as soon as there are enough of them.
        own = normal is not None and normal[1] is NormalSource.own_days
        if day in seen and not (low and own):
            history.append(count)
    return stops


def _is_low(
    kind: StopKind,
    count: int,
    arrived: int,
    normal: tuple[float, NormalSource] | None,
    policy: StopPolicy,
) -> bool:
    if normal is None or normal[0] < policy.minimum_normal:
        return False
    threshold = policy.stop_share * normal[0]
    if count >= threshold:
        return False
    # A station with nothing coming in has nothing to deliver: not a stop of its own.
    return kind is StopKind.pickup or arrived >= threshold


def stop_reason(stop: Stop) -> Message:
    """Why the stop is listed, with its figures."""
    share = stop.share
    percent = "—" if share is None else f"{share * 100:.0f}"
    if stop.kind is StopKind.pickup:
        text = _(
            "{count} parcels accepted against a normal day of {normal} ({percent} %)",
            count=stop.count, normal=round(stop.normal), percent=percent,
        )  # fmt: skip
    else:
        text = _(
            "{count} parcels delivered against a normal day of {normal} ({percent} %) while "
            "{arrived} arrived",
            count=stop.count, normal=round(stop.normal), percent=percent,
            arrived=stop.arrived or 0,
        )  # fmt: skip
    if stop.reported_closed is not None:
        text = _("{figures}; reported closed by the carrier ({report})",
                 figures=text, report=stop.reported_closed)  # fmt: skip
    if stop.authorised_by is not None:
        return _("{figures}; inside the approved closure {closure}",
                 figures=text, closure=stop.authorised_by)  # fmt: skip
    return _("{figures}; no approved closure covers the day", figures=text)


# -- pickups against the plan's quotas ---------------------------------------------------------


@dataclass(frozen=True)
class QuotaTolerance:
    """How far actual pickups may stray from a quota before it is a deviation: the larger of
    ``share`` of the quota and ``parcels``. Local policy."""

    share: float = 0.1
    parcels: float = 20.0

    def __post_init__(self) -> None:
        problems = []
        if not 0 <= self.share < 10:
            problems.append(Problem("share", _("must be between 0 and 10")))
        if not 0 <= self.parcels <= 1_000_000_000:
            problems.append(Problem("parcels", _("must not be negative")))
        if problems:
            raise InvalidInputError(_("The quota tolerance is not valid."), problems)

    def allowed(self, quota: float) -> float:
        return max(self.share * quota, self.parcels)


class DeviationKind(StrEnum):
    within = "within"
    over = "over"
    """More picked up than the quota: volume the plan holds back pushed into the network."""
    under = "under"
    """Less picked up than the quota: fewer orders than planned, or pickup stopping."""


@dataclass(frozen=True)
class QuotaDeviation:
    origin: str
    carrier: str
    day: date
    quota: float
    released: float
    picked_up: int
    allowed: float
    kind: DeviationKind

    @property
    def difference(self) -> float:
        return self.picked_up - self.quota


def judge_quota(
    origin: str,
    carrier: str,
    day: date,
    *,
    quota: float,
    released: float,
    picked_up: int,
    tolerance: QuotaTolerance | None = None,
) -> QuotaDeviation:
    """``picked_up`` against ``quota``: over or under when it strays beyond the tolerance."""
    tolerance = tolerance or QuotaTolerance()
    allowed = tolerance.allowed(quota)
    difference = picked_up - quota
    kind = (
        DeviationKind.over
        if difference > allowed
        else DeviationKind.under
        if -difference > allowed
        else DeviationKind.within
    )
    return QuotaDeviation(origin, carrier, day, quota, released, picked_up, allowed, kind)
