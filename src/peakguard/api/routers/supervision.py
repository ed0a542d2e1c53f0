"""Supervision of staggered shipping and of unauthorised stops of pickup or delivery
(GET /supervision/quotas, GET /supervision/stops), as ``peakguard supervise quotas|stops
--json``: thin routes over :mod:`peakguard.app.supervision` (docs/reference/supervision.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from peakguard.api.errors import request_language
from peakguard.api.schemas import documented
from peakguard.api.security import requires
from peakguard.app.context import event_lake
from peakguard.app.supervision import (
    parse_day,
    parse_region,
    stops_document,
    unauthorised_stops,
)
from peakguard.app.supervision_quotas import quota_deviations, quota_document
from peakguard.config import Settings
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal

router = APIRouter(prefix="/supervision", tags=["supervision"])
Reader = Annotated[Principal, requires(Permission.report_read)]
"""A regulator reads its territory's nodes, a carrier its own brand's."""


class PlanOut(BaseModel):
    job_id: str
    scenario: str
    owner: str
    finished_at: str | None
    origins: int


class ToleranceOut(BaseModel):
    share: float
    parcels: float


class DeviationOut(BaseModel):
    origin: str
    carrier: str
    day: str
    quota: int
    released: int
    picked_up: int
    difference: int
    allowed: int
    kind: str
    """over, under (or within, when every row is asked for)."""
    plan: str
    """The job id of the origin's plan in force."""


class QuotaReportOut(BaseModel):
    network: str
    day: str | None
    plans: list[PlanOut]
    tolerance: ToleranceOut
    compared: int
    compared_days: list[str]
    deviations: list[DeviationOut]
    notes: list[str]


class PolicyOut(BaseModel):
    stop_share: float
    minimum_normal: float
    history_days: int
    minimum_history_days: int


class StopOut(BaseModel):
    node: str
    network: str
    kind: str
    """pickup (停收) or delivery (停投)."""
    node_kind: str
    carrier: str
    region: str
    count: int
    normal: float
    normal_source: str
    share: float | None
    arrived: int | None
    reported_closed: str | None
    authorised_by: str | None
    flagged: bool
    reason: str


class StopReportOut(BaseModel):
    day: str
    region: str
    network: str | None
    judged: int
    flagged: int
    silent_carriers: list[str]
    policy: PolicyOut
    stops: list[StopOut]
    notes: list[str]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/quotas", response_model=QuotaReportOut, responses=documented(404))
def quotas(
    request: Request,
    actor: Reader,
    network: Annotated[str, Query(max_length=64, description="the stored network's name")],
    day: Annotated[
        str | None, Query(max_length=40, description="one China-time day (default: every day)")
    ] = None,
    every: Annotated[
        bool, Query(description="every origin-day compared, not only the deviations")
    ] = False,
) -> dict[str, Any]:
    """Each origin's pickups per day (from the scan events) against the quotas of its
    staggered pickup plan in force, the deviations beyond the tolerance listed."""
    settings = _settings(request)
    report = quota_deviations(
        request.app.state.store,
        event_lake(settings),
        settings.home.expanduser(),
        actor=actor,
        network=network,
        day=parse_day(day),
    )
    language = request_language(request, settings.language)
    return quota_document(report, language=language, every=every)


@router.get("/stops", response_model=StopReportOut, responses=documented(404))
def stops(
    request: Request,
    actor: Reader,
    day: Annotated[str, Query(max_length=40, description="the China-time day, e.g. 2026-11-11")],
    region: Annotated[
        str | None, Query(max_length=40, description="a region code: 51, 5101 or 510104")
    ] = None,
    network: Annotated[str | None, Query(max_length=64)] = None,
    flagged_only: Annotated[
        bool, Query(description="only the stops no approved closure covers")
    ] = False,
) -> dict[str, Any]:
    """The outlets that stopped pickup and the stations that stopped delivery on ``day``,
    each flagged unless an approved closure covers it."""
    settings = _settings(request)
    chosen = parse_day(day)
    if chosen is None:
        message = _("Give the day, e.g. 2026-11-11.")
        raise InvalidInputError(message, [Problem("day", message)])
    report = unauthorised_stops(
        request.app.state.store,
        event_lake(settings),
        actor=actor,
        day=chosen,
        region=parse_region(region),
        network=network,
    )
    language = request_language(request, settings.language)
    return stops_document(report, language=language, every=not flagged_only)
