"""Public service during controls (异地分区覆盖集散), seed 004: coverage plans for a closed
province or city, as ``peakguard coverage``.

``POST /coverage`` makes a plan (``plan.run``; the caller also needs ``network.read``), ``GET
/coverage`` lists the plans the caller may read, ``GET /coverage/{id}`` is one. A plan outside the
caller's territory or brand answers 404, as one that does not exist. Messages (the reasons for
each centre and part) are rendered in the request's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from peakguard.api.errors import request_language
from peakguard.api.schemas import documented
from peakguard.api.security import requires
from peakguard.app.coverage import (
    CoverageView,
    get_coverage_plan,
    list_coverage_plans,
    plan_area_coverage,
)
from peakguard.i18n import render
from peakguard.identity.model import Permission, Principal
from peakguard.optimize.coverage import SortingDepth
from peakguard.store.database import Store

router = APIRouter(tags=["coverage"])

Planner = Annotated[Principal, requires(Permission.plan_run)]
Reader = Annotated[Principal, requires(Permission.network_read)]


class CoverageIn(BaseModel):
    """A region closed over a period, to plan its coverage from backup centres."""

    model_config = ConfigDict(extra="forbid")

    network: str = Field(min_length=1, max_length=64, description="a stored network's name")
    region: str = Field(
        pattern=r"^[1-8][0-9]{5}$", description="GB/T 2260 code: province, city or district"
    )
    start: datetime = Field(description="the control's start (no zone: China Standard Time)")
    end: datetime
    depth: SortingDepth | None = Field(
        default=None, description="default: prefecture_county for a province, else station"
    )
    carrier: str | None = Field(
        default=None, max_length=64, description="whose mail; a carrier's own brand by default"
    )


class CoverageLineOut(BaseModel):
    id: int
    network: str
    carrier: str
    region: str
    region_name: str
    depth: SortingDepth
    start: datetime
    end: datetime
    parcels: int
    unabsorbed_parcels: int
    centres: list[str]
    created_by: str
    created_at: datetime


class CoverageOut(CoverageLineOut):
    reasons: list[str]
    candidates: list[dict[str, Any]]
    parts: list[dict[str, Any]]
    routing: list[dict[str, Any]]
    transport: list[dict[str, Any]]
    routing_overrides: list[dict[str, Any]]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _line(view: CoverageView) -> CoverageLineOut:
    return CoverageLineOut(
        id=view.id, network=view.network, carrier=view.carrier, region=view.region,
        region_name=view.region_name, depth=view.depth, start=view.start, end=view.end,
        parcels=view.parcels, unabsorbed_parcels=view.unabsorbed_parcels,
        centres=list(view.centres), created_by=view.created_by, created_at=view.created_at,
    )  # fmt: skip


def _out(request: Request, view: CoverageView) -> CoverageOut:
    language = request_language(request, request.app.state.settings.language)
    document = view.rendered(language)
    return CoverageOut(
        **_line(view).model_dump(),
        reasons=[render(m, language) for m in view.reasons],
        candidates=document["candidates"],
        parts=document["parts"],
        routing=document["routing"],
        transport=document["transport"],
        routing_overrides=document["routing_overrides"],
    )


@router.post(
    "/coverage", response_model=CoverageOut, status_code=201, responses=documented(403, 404, 422)
)
def make_plan(
    request: Request, response: Response, body: CoverageIn, actor: Planner
) -> CoverageOut:
    """Plan the coverage of a closed region: the backup centres chosen (automation, location,
    spare capacity) and why, the split of its parts, the sorting depth, the changed routing,
    sorting and transport relations. 422 locates a mistake (``region``, ``end``, ``carrier``)."""
    view = plan_area_coverage(
        _store(request), actor, body.network, body.region, body.start, body.end, body.depth,
        carrier=body.carrier,
    )  # fmt: skip
    response.headers["Location"] = f"/coverage/{view.id}"
    return _out(request, view)


@router.get("/coverage", response_model=list[CoverageLineOut])
def list_plans(
    request: Request,
    actor: Reader,
    network: Annotated[str | None, Query(max_length=64)] = None,
) -> list[CoverageLineOut]:
    """The coverage plans of the caller's territory or brand, newest first."""
    return [_line(view) for view in list_coverage_plans(_store(request), actor, network=network)]


@router.get("/coverage/{plan_id}", response_model=CoverageOut, responses=documented(404))
def one_plan(
    request: Request, actor: Reader, plan_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> CoverageOut:
    """One coverage plan, whole."""
    return _out(request, get_coverage_plan(_store(request), actor, plan_id))
