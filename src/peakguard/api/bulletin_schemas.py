"""The bulletin's response body: the shape of ``bulletin.json`` (docs/reference/bulletins.md),
field for field, so the API and the file the CLI writes stay one document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import PlainSerializer, SerializerFunctionWrapHandler, model_serializer

from peakguard.api.schemas import ResponseModel
from peakguard.bulletin.metrics import Better, Unit
from peakguard.bulletin.model import Subject
from peakguard.bulletin.periods import PeriodKind
from peakguard.domain.regions import PairClass

Moment = Annotated[datetime, PlainSerializer(lambda moment: moment.isoformat(), return_type=str)]
"""A moment with its offset, written as ``bulletin.json`` writes it (``+00:00``)."""


class _NoneLeftOut(ResponseModel):
    """A settings table: an unset knob is absent (as in a settings file), never ``null``."""

    @model_serializer(mode="wrap")
    def _without_none(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        dumped: dict[str, Any] = handler(self)
        return {key: value for key, value in dumped.items() if value is not None}


class ServiceStandardOut(_NoneLeftOut):
    pair_class: PairClass
    time_limit_hours: float
    carrier: str | None = None
    """Absent: the standard of every carrier."""


class KpiSettingsOut(_NoneLeftOut):
    cutoff: datetime | None = None
    delivery_limits_hours: list[float]
    service_standards: list[ServiceStandardOut]
    default_transit_hours: float
    handover_tolerance_hours: float
    stop_hours: float
    maturity_hours: float


class BulletinSettingsOut(ResponseModel):
    kpi: KpiSettingsOut


class MetricOut(ResponseModel):
    metric: str
    label: str
    unit: Unit
    better: Better | None
    definition: str


class HeadlineOut(ResponseModel):
    carrier: str
    """A carrier's code; ``all``: every carrier together."""
    metric: str
    unit: Unit
    better: str
    """``higher``, ``lower``, or empty when neither direction is better."""
    current: float | None
    previous: float | None
    change: float | None


class RankingOut(ResponseModel):
    subject: Subject
    metric: str
    better: Better
    rank: int | None
    key: str
    name: str
    value: float | None
    previous_value: float | None
    change: float | None
    previous_rank: int | None
    base: int


class BacklogOut(ResponseModel):
    node_id: str
    carrier: str
    peak_backlog: int
    peak_hour: Moment
    arrived: int


class DwellOut(ResponseModel):
    node_id: str
    carrier: str
    parcels: int
    mean_dwell_hours: float


class HandoverOut(ResponseModel):
    node_id: str
    carrier: str
    handovers: int
    late: int
    missing: int
    unmatched: int
    unmatched_rate: float


class PairOut(ResponseModel):
    origin_city: str
    origin_name: str
    destination_city: str
    destination_name: str
    due_72h: int
    delivered_72h: int
    rate_72h: float
    mean_journey_hours: float | None


class BulletinOut(ResponseModel):
    """A daily, weekly or monthly bulletin compared with the period before."""

    kind: PeriodKind
    period: str
    first_day: date
    last_day: date
    previous_period: str
    previous_first_day: date
    previous_last_day: date
    cutoff: Moment
    """The as-of (another name, kept for readers of earlier bulletins)."""
    as_of: Moment
    """The moment the period is measured at: events after it are ignored."""
    previous_as_of: Moment
    """The previous period's as-of (this one, or its own end plus the maturity window)."""
    final: bool
    """Whether the maturity window had run out by the as-of (else the figures may change)."""
    handover_tolerance_hours: float
    stop_hours: float
    min_pair_parcels: int
    event_days: list[date]
    settings: BulletinSettingsOut
    metrics: list[MetricOut]
    headlines: list[HeadlineOut]
    rankings: list[RankingOut]
    backlog: list[BacklogOut]
    dwell: list[DwellOut]
    handovers: list[HandoverOut]
    pairs: list[PairOut]
