"""The bulletin as plain frozen dataclasses: what :func:`~peakguard.bulletin.assemble.
assemble_bulletin` returns and the HTML, Excel and JSON writers read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from peakguard.analytics import KpiSettings
from peakguard.analytics.as_of import is_final
from peakguard.bulletin.metrics import Better, Metric
from peakguard.bulletin.periods import Period
from peakguard.errors import InvalidInputError

ALL_CARRIERS = "all"
"""The carrier key of the network-wide figures (every carrier together)."""


@dataclass(frozen=True)
class Figure:
    """One headline figure of one carrier: this period, the previous one, the change."""

    metric: str
    current: float | None
    previous: float | None
    change: float | None


@dataclass(frozen=True)
class Headline:
    """A carrier's figures (``carrier == "all"``: every carrier together)."""

    carrier: str
    figures: tuple[Figure, ...]

    def figure(self, key: str) -> Figure:
        for item in self.figures:
            if item.metric == key:
                return item
        raise KeyError(key)


class Subject(StrEnum):
    """What a ranking orders."""

    carrier = "carrier"
    origin_province = "origin_province"
    origin_city = "origin_city"


@dataclass(frozen=True)
class RankingRow:
    rank: int | None
    """1 = best; empty when the group has no figure this period (listed last)."""
    key: str
    """The carrier code or the region's GB/T 2260 code."""
    name: str
    """The region's name from the bundled division table (empty for a carrier)."""
    value: float | None
    previous_value: float | None
    change: float | None
    previous_rank: int | None
    base: int
    """The parcels behind the figure: past 72 hours for a rate, delivered for a time."""


@dataclass(frozen=True)
class Ranking:
    subject: Subject
    metric: str
    better: Better
    rows: tuple[RankingRow, ...]


@dataclass(frozen=True)
class NodeBacklog:
    """A node's largest end-of-hour backlog in the period (its first hour at that peak)."""

    node_id: str
    carrier: str
    peak_backlog: int
    peak_hour: datetime
    arrived: int


@dataclass(frozen=True)
class NodeDwell:
    """Mean hours parcels spent at a node, over the stays that ended in the period."""

    node_id: str
    carrier: str
    parcels: int
    mean_dwell_hours: float


@dataclass(frozen=True)
class NodeHandovers:
    """A node's departures in the period not matched in time by the next node's arrival."""

    node_id: str
    carrier: str
    handovers: int
    late: int
    missing: int
    unmatched: int
    unmatched_rate: float


@dataclass(frozen=True)
class PairRate:
    """An origin–destination city pair's 72-hour rate in the period."""

    origin_city: str
    origin_name: str
    destination_city: str
    destination_name: str
    due_72h: int
    delivered_72h: int
    rate_72h: float
    mean_journey_hours: float | None


@dataclass(frozen=True)
class BulletinOptions:
    """How long the lists are and which pairs count (display policy, not KPI rules)."""

    rows: int = 10
    """Rows in each worst-of list and in the city ranking."""
    min_pair_parcels: int = 20
    """An O-D pair enters the worst-pairs list only with at least this many parcels past 72
    hours (local policy: a pair of two parcels says little)."""


@dataclass(frozen=True)
class BulletinScope:
    """Whose parcels a bulletin counts: one carrier's (``carrier``), those from or to a
    territory (``region_prefix``, the leading digits of its GB/T 2260 codes), or both; every
    parcel when neither is set. A regulator's bulletin covers its territory, a carrier's its
    brand."""

    carrier: str | None = None
    region_prefix: str = ""

    @property
    def everything(self) -> bool:
        return self.carrier is None and not self.region_prefix


@dataclass(frozen=True)
class Bulletin:
    period: Period
    previous: Period
    cutoff: datetime
    """The as-of (UTC): the moment the period is measured at, events after it ignored — the
    settings' cutoff, or the period's end plus the maturity window, or the time the bulletin
    was made if earlier (:func:`peakguard.bulletin.assemble.bulletin_as_of`)."""
    settings: KpiSettings
    options: BulletinOptions
    metrics: tuple[Metric, ...]
    """The headline metrics shown (the complaint ones only with complaint records)."""
    headlines: tuple[Headline, ...]
    """Every carrier together first, then the carriers by code."""
    rankings: tuple[Ranking, ...]
    busiest_nodes: tuple[NodeBacklog, ...]
    slowest_nodes: tuple[NodeDwell, ...]
    unmatched_nodes: tuple[NodeHandovers, ...]
    worst_pairs: tuple[PairRate, ...]
    event_days: tuple[date, ...] = field(default=())
    """The China days of the period that have events."""
    previous_cutoff: datetime | None = None
    """The previous period's as-of: ``cutoff``, or the previous period's end plus the
    maturity window if earlier (its final figures, as its own bulletin published them)."""
    figures_from: str = "events"
    """``partials`` when the figures were read from the lake's partial aggregates, ``events``
    when from the raw scan events; either gives the same figures
    (``docs/reference/partials.md`` says when the partials can answer)."""
    partials_unusable: str = ""
    """Why the raw events were read (:class:`~peakguard.analytics.partials_lake.Unusable`:
    ``none``, ``stale``, ``unsettled``, ``scope``); empty when the partials answered."""

    @property
    def as_of(self) -> datetime:
        """The measurement moment (another name of ``cutoff``)."""
        return self.cutoff

    @property
    def final(self) -> bool:
        """Whether the figures are final: the maturity window after the period had run out
        by the as-of (else they are provisional and may still change)."""
        return is_final(self.cutoff, self.period.end, self.settings.maturity_hours)

    def headline(self, carrier: str) -> Headline:
        for item in self.headlines:
            if item.carrier == carrier:
                return item
        raise KeyError(carrier)

    def ranking(self, subject: Subject, key: str) -> Ranking:
        for item in self.rankings:
            if item.subject is subject and item.metric == key:
                return item
        raise KeyError((subject, key))


class EmptyPeriodError(InvalidInputError):
    """The source has no events in the bulletin's period."""
