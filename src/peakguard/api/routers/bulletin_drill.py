"""The bulletin's drill-down (GET /bulletins/{daily|weekly|monthly}/{carriers|regions}/{code}):
one carrier's or one origin region's figures, worst nodes and worst O-D pairs, over the parcels
the reader's own bulletin counts (docs/reference/bulletins.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from peakguard.analytics import KpiSettings
from peakguard.analytics.od_pairs import PairLevel
from peakguard.api.bulletin_schemas import BulletinOut
from peakguard.api.errors import request_language
from peakguard.api.schemas import ResponseModel
from peakguard.api.security import requires
from peakguard.app.bulletin_drill import (
    FocusKind,
    drill_options,
    drill_records,
    focus_of,
    measure_drill,
)
from peakguard.app.bulletins import (
    daily_period,
    lake_has_events,
    monthly_period,
    parse_moment,
    weekly_period,
)
from peakguard.app.context import event_lake
from peakguard.bulletin.periods import Period
from peakguard.config import Settings
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal

router = APIRouter(prefix="/bulletins", tags=["bulletins"])
Reader = Annotated[Principal, requires(Permission.bulletin_read)]
"""A drill-down counts the parcels its reader's bulletin counts: a focus outside them is 404."""


class FocusOut(ResponseModel):
    kind: FocusKind
    code: str
    """The carrier's code, or the region's GB/T 2260 code."""
    level: str
    """``carrier``, ``province`` or ``city``."""
    name: str
    """The region's Chinese name (a carrier's code for a carrier)."""


class DrillOptionsOut(ResponseModel):
    rows: int
    min_pair_parcels: int
    pair_level: PairLevel


class OdPairOut(ResponseModel):
    origin: str
    origin_name: str
    destination: str
    destination_name: str
    accepted: int
    delivered: int
    due: int
    """Parcels whose service-standard limit had run out by the cutoff (the on-time base)."""
    on_time: int
    on_time_rate: float | None
    due_72h: int
    rate_72h: float | None
    mean_journey_hours: float | None
    p50_journey_hours: float | None
    p90_journey_hours: float | None


class DrillOut(ResponseModel):
    """A carrier's or a region's part of a bulletin: ``bulletin`` is the bulletin of its
    parcels (its ``all`` headline the focus's figures, its node lists the worst nodes);
    ``od_pairs`` its worst origin–destination pairs, lowest on-time rate first."""

    focus: FocusOut
    options: DrillOptionsOut
    bulletin: BulletinOut
    od_pairs: list[OdPairOut]


AsOf = Annotated[
    str | None,
    Query(
        description="the measurement moment with its time zone, e.g. 2026-11-15T00:00+08:00 "
        "(default: the period's end plus the 72-hour maturity window, or now if earlier)"
    ),
]
Rows = Annotated[int | None, Query(description="rows in each worst-of list (default 10)")]
MinPairParcels = Annotated[
    int | None,
    Query(
        description="a pair is listed only with at least this many parcels past their "
        "service-standard limit (default 20)"
    ),
]
Level = Annotated[
    str | None, Query(description="city (default) or province: the divisions a pair joins")
]
Carrier = Annotated[str, Path(description="the carrier's code, e.g. ZTO")]
Region = Annotated[
    str, Path(description="a province's or a city's GB/T 2260 code, e.g. 510000 or 510100")
]


def _drill(
    request: Request,
    actor: Principal,
    period: Period,
    where: str,
    kind: FocusKind,
    code: str,
    as_of: str | None,
    options: tuple[int | None, int | None, str | None],
) -> DrillOut:
    settings: Settings = request.app.state.settings
    focus = focus_of(kind, code, kind.value)
    chosen = drill_options(*options)
    cutoff = parse_moment(as_of, "as_of") if as_of else None
    lake = event_lake(settings)
    if not lake_has_events(lake):
        message = _("No scan events are stored yet: send them with POST /events/bulk.")
        raise InvalidInputError(message, [Problem("lake", message)])
    drill = measure_drill(
        lake,
        period,
        focus,
        actor=actor,
        settings=KpiSettings(cutoff=cutoff),
        options=chosen,
        source_name=where,
    )
    language = request_language(request, settings.language)
    return DrillOut.model_validate(drill_records(drill, language=language))


@router.get("/daily/carriers/{carrier}", response_model=DrillOut)
def daily_carrier(
    request: Request,
    actor: Reader,
    carrier: Carrier,
    day: Annotated[str, Query(description="the China-time day, e.g. 2026-11-11")],
    as_of: AsOf = None,
    rows: Rows = None,
    min_pair_parcels: MinPairParcels = None,
    pair_level: Level = None,
) -> DrillOut:
    """One carrier's part of the daily bulletin."""
    period = daily_period(day, option_prefix="")
    return _drill(
        request,
        actor,
        period,
        "day",
        FocusKind.carrier,
        carrier,
        as_of,
        (rows, min_pair_parcels, pair_level),
    )


@router.get("/daily/regions/{region}", response_model=DrillOut)
def daily_region(
    request: Request,
    actor: Reader,
    region: Region,
    day: Annotated[str, Query(description="the China-time day, e.g. 2026-11-11")],
    as_of: AsOf = None,
    rows: Rows = None,
    min_pair_parcels: MinPairParcels = None,
    pair_level: Level = None,
) -> DrillOut:
    """The part of the daily bulletin of the parcels accepted in one province or city."""
    period = daily_period(day, option_prefix="")
    return _drill(
        request,
        actor,
        period,
        "day",
        FocusKind.region,
        region,
        as_of,
        (rows, min_pair_parcels, pair_level),
    )


@router.get("/weekly/carriers/{carrier}", response_model=DrillOut)
def weekly_carrier(
    request: Request,
    actor: Reader,
    carrier: Carrier,
    week: Annotated[str | None, Query(description="the ISO week, e.g. 2026-W46")] = None,
    day: Annotated[str | None, Query(description="or any day inside the week")] = None,
    as_of: AsOf = None,
    rows: Rows = None,
    min_pair_parcels: MinPairParcels = None,
    pair_level: Level = None,
) -> DrillOut:
    """One carrier's part of the weekly bulletin."""
    period = weekly_period(week, day, option_prefix="")
    return _drill(
        request,
        actor,
        period,
        "week" if week else "day",
        FocusKind.carrier,
        carrier,
        as_of,
        (rows, min_pair_parcels, pair_level),
    )


@router.get("/weekly/regions/{region}", response_model=DrillOut)
def weekly_region(
    request: Request,
    actor: Reader,
    region: Region,
    week: Annotated[str | None, Query(description="the ISO week, e.g. 2026-W46")] = None,
    day: Annotated[str | None, Query(description="or any day inside the week")] = None,
    as_of: AsOf = None,
    rows: Rows = None,
    min_pair_parcels: MinPairParcels = None,
    pair_level: Level = None,
) -> DrillOut:
    """The part of the weekly bulletin of the parcels accepted in one province or city."""
    period = weekly_period(week, day, option_prefix="")
    return _drill(
        request,
        actor,
        period,
        "week" if week else "day",
        FocusKind.region,
        region,
        as_of,
        (rows, min_pair_parcels, pair_level),
    )


@router.get("/monthly/carriers/{carrier}", response_model=DrillOut)
def monthly_carrier(
    request: Request,
    actor: Reader,
    carrier: Carrier,
    month: Annotated[str, Query(description="the calendar month, e.g. 2026-11")],
    as_of: AsOf = None,
    rows: Rows = None,
    min_pair_parcels: MinPairParcels = None,
    pair_level: Level = None,
) -> DrillOut:
    """One carrier's part of the monthly bulletin."""
    period = monthly_period(month, option_prefix="")
    return _drill(
        request,
        actor,
        period,
        "month",
        FocusKind.carrier,
        carrier,
        as_of,
        (rows, min_pair_parcels, pair_level),
    )


@router.get("/monthly/regions/{region}", response_model=DrillOut)
def monthly_region(
    request: Request,
    actor: Reader,
    region: Region,
    month: Annotated[str, Query(description="the calendar month, e.g. 2026-11")],
    as_of: AsOf = None,
    rows: Rows = None,
    min_pair_parcels: MinPairParcels = None,
    pair_level: Level = None,
) -> DrillOut:
    """The part of the monthly bulletin of the parcels accepted in one province or city."""
    period = monthly_period(month, option_prefix="")
    return _drill(
        request,
        actor,
        period,
        "month",
        FocusKind.region,
        region,
        as_of,
        (rows, min_pair_parcels, pair_level),
    )
