"""The service-quality bulletin from the event lake (GET /bulletins/daily|weekly|monthly), as
``peakguard report``: the JSON that ``bulletin.json`` holds (docs/reference/bulletins.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from peakguard.analytics import KpiSettings
from peakguard.api.bulletin_schemas import BulletinOut
from peakguard.api.errors import request_language
from peakguard.api.security import requires
from peakguard.app.bulletins import (
    bulletin_records,
    daily_period,
    lake_has_events,
    measure_bulletin,
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
"""A bulletin counts the parcels its reader may see: a territory's, a brand's, or all."""


AsOf = Annotated[
    str | None,
    Query(
        description="the measurement moment (as-of) with its time zone, e.g. "
        "2026-11-15T00:00+08:00; events after it are ignored (default: the period's end plus "
        "the 72-hour maturity window, or now if earlier)"
    ),
]


def _bulletin(
    request: Request, actor: Principal, period: Period, as_of: str | None, where: str
) -> BulletinOut:
    """``where`` names the query field of the period, where an empty period is located."""
    settings: Settings = request.app.state.settings
    cutoff = parse_moment(as_of, "as_of") if as_of else None
    lake = event_lake(settings)
    if not lake_has_events(lake):
        message = _("No scan events are stored yet: send them with POST /events/bulk.")
        raise InvalidInputError(message, [Problem("lake", message)])
    bulletin = measure_bulletin(
        lake,
        period,
        actor=actor,
        settings=KpiSettings(cutoff=cutoff),
        source_name=where,
        store=request.app.state.store,
    )
    records = bulletin_records(bulletin, language=request_language(request, settings.language))
    return BulletinOut.model_validate(records)


@router.get("/daily", response_model=BulletinOut)
def daily(
    request: Request,
    actor: Reader,
    day: Annotated[str, Query(description="the China-time day, e.g. 2026-11-11")],
    as_of: AsOf = None,
) -> BulletinOut:
    """The daily bulletin of one China-time day, compared with the day before."""
    return _bulletin(request, actor, daily_period(day, option_prefix=""), as_of, "day")


@router.get("/weekly", response_model=BulletinOut)
def weekly(
    request: Request,
    actor: Reader,
    week: Annotated[str | None, Query(description="the ISO week, e.g. 2026-W46")] = None,
    day: Annotated[str | None, Query(description="or any day inside the week")] = None,
    as_of: AsOf = None,
) -> BulletinOut:
    """The weekly bulletin of one ISO week, compared with the week before."""
    return _bulletin(
        request, actor, weekly_period(week, day, option_prefix=""), as_of, "week" if week else "day"
    )


@router.get("/monthly", response_model=BulletinOut)
def monthly(
    request: Request,
    actor: Reader,
    month: Annotated[str, Query(description="the calendar month, e.g. 2026-11")],
    as_of: AsOf = None,
) -> BulletinOut:
    """The monthly bulletin of one calendar month, compared with the month before."""
    return _bulletin(request, actor, monthly_period(month, option_prefix=""), as_of, "month")
