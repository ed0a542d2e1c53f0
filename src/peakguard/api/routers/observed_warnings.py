"""Warnings from observation (监测预警), as ``peakguard warnings``: the warnings raised on nodes
from their observed backlog and its projection, their acknowledgement by the duty, the
evaluation that raises, supersedes and clears them, the observed state of a network's nodes
and the projection started from it. Thresholds are local policy; every answer says so.

Access: ``warning.read`` lists and reads (a regulator its territory's nodes, a carrier its
brand's; outside that a warning answers 404) and reads the observed state; ``duty.keep``
acknowledges; ``simulation.run`` evaluates and projects (on the whole network or a carrier's
whole brand in it, as a simulation).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import AwareDatetime, Field

from peakguard.api.errors import request_language
from peakguard.api.schemas import Page, RequestModel, ResponseModel, documented
from peakguard.api.security import requires
from peakguard.app.bulletins import lake_has_events
from peakguard.app.context import event_lake
from peakguard.app.observed_warnings import (
    LOCAL_POLICY,
    acknowledge,
    observed_state,
    read_warning,
    read_warnings,
    source_label,
    warning_reason,
)
from peakguard.app.projection import MAX_HOURS, evaluate_with_projection, project_from_observation
from peakguard.formats.limits import INT64_MAX
from peakguard.i18n import render
from peakguard.identity.model import Permission, Principal
from peakguard.simulate.warning_rules import WarningLevel, level_label
from peakguard.store.database import Store
from peakguard.store.observed_warnings import WarningRecord

router = APIRouter(tags=["warnings"])
Reader = Annotated[Principal, requires(Permission.warning_read)]
Keeper = Annotated[Principal, requires(Permission.duty_keep)]
Runner = Annotated[Principal, requires(Permission.simulation_run)]
WarningId = Annotated[int, Path(ge=1, le=INT64_MAX)]
State = Literal["open", "raised", "acknowledged", "superseded", "cleared"]
Source = Literal["observed", "projected"]


class WarningOut(ResponseModel):
    id: int
    network: str
    node_id: str
    node_name: str
    carrier: str
    region: str
    level: int
    """1 (I, red) … 4 (IV, blue)."""
    colour: str
    level_label: str
    state: str
    source: str
    source_label: str
    reason: str
    figures: dict[str, float]
    backlog_source: str
    """lake (the scan events), daily_report (the carrier's report) or none."""
    raised_at: datetime
    gone_since: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ended_at: datetime | None
    supersedes_id: int | None
    version: int
    policy: str


class AcknowledgeIn(RequestModel):
    expected_version: Annotated[int | None, Field(ge=1, le=INT64_MAX)] = None


class EvaluateIn(RequestModel):
    network: Annotated[str, Field(min_length=1, max_length=64)]
    at: AwareDatetime | None = None
    """The moment evaluated, with its time zone (default: now)."""
    projection_hours: Annotated[int, Field(ge=0, le=MAX_HOURS)] = 24
    """Hours projected from the observed state (0: the observed state only)."""


class EvaluationOut(ResponseModel):
    ran: bool
    """False when another evaluation was running (it does the work)."""
    raised: list[int]
    superseded: list[int]
    cleared: list[int]
    alerts: int
    policy: str


class ProjectionIn(RequestModel):
    network: Annotated[str, Field(min_length=1, max_length=64)]
    at: AwareDatetime | None = None
    hours: Annotated[int, Field(ge=1, le=MAX_HOURS)] = 24


class NodeProjectionOut(ResponseModel):
    node_id: str
    storage_capacity: float
    observed_backlog: float | None
    backlog_source: str
    peak_backlog: float
    peak_hour: int
    hours_to_overflow: int | None
    backlog: list[float]


class ProjectionOut(ResponseModel):
    network: str
    start: datetime
    hours: int
    nodes: list[NodeProjectionOut]
    left_out: list[str]
    policy: str


class NodeObservedOut(ResponseModel):
    node_id: str
    node_name: str
    kind: str
    carrier: str
    region: str
    backlog: float | None
    backlog_source: str
    arrived: int
    departed: int
    sorting_capacity_per_hour: float
    storage_capacity: float
    utilisation: float | None
    level: int | None


class ObservedOut(ResponseModel):
    network: str
    at: datetime
    window_hours: int
    nodes: list[NodeObservedOut]
    policy: str


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _language(request: Request) -> str:
    return request_language(request, request.app.state.settings.language)


def _lake(request: Request) -> FilePath | None:
    lake = event_lake(request.app.state.settings)
    return lake if lake_has_events(lake) else None


def warning_out(record: WarningRecord, language: str) -> WarningOut:
    level = WarningLevel(record.level)
    return WarningOut(
        id=record.id,
        network=record.network_name,
        node_id=record.node_id,
        node_name=record.node_name,
        carrier=record.carrier,
        region=record.region,
        level=record.level,
        colour=level.name,
        level_label=render(level_label(level), language),
        state=record.state,
        source=record.source,
        source_label=render(source_label(record.source), language),
        reason=render(warning_reason(record), language),
        figures=record.figures,
        backlog_source=record.backlog_source,
        raised_at=record.raised_at,
        gone_since=record.gone_since,
        acknowledged_at=record.acknowledged_at,
        acknowledged_by=record.acknowledged_by,
        ended_at=record.ended_at,
        supersedes_id=record.supersedes_id,
        version=record.version,
        policy=render(LOCAL_POLICY, language),
    )


@router.get("/warnings", response_model=Page[WarningOut])
def list_warning_page(
    request: Request,
    actor: Reader,
    state: Annotated[list[State] | None, Query(description="open or a state; repeatable")] = None,
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    source: Source | None = None,
    network: Annotated[str | None, Query(max_length=64)] = None,
    node: Annotated[str | None, Query(max_length=64)] = None,
    offset: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[WarningOut]:
    """The warnings the caller may read, open ones first, then the most severe, the latest."""
    states = {("raised", "acknowledged") if s == "open" else (s,) for s in state or ()}
    found, total = read_warnings(
        _store(request),
        actor=actor,
        limit=limit,
        offset=offset,
        states=tuple(sorted({name for group in states for name in group})),
        level=level,
        source=source,
        network_name=network,
        node_id=node,
    )
    language = _language(request)
    items = [warning_out(record, language) for record in found]
    return Page[WarningOut](total=total, offset=offset, limit=limit, items=items)


@router.get("/warnings/{warning_id}", response_model=WarningOut, responses=documented(404))
def read_one(request: Request, warning_id: WarningId, actor: Reader) -> WarningOut:
    """One warning; 404 when none such is within the caller's reach."""
    return warning_out(read_warning(_store(request), warning_id, actor=actor), _language(request))


@router.post(
    "/warnings/{warning_id}/acknowledge",
    response_model=WarningOut,
    responses=documented(404, 409),
)
def acknowledge_one(
    request: Request, warning_id: WarningId, actor: Keeper, body: AcknowledgeIn | None = None
) -> WarningOut:
    """The duty acknowledges a raised warning, once (409 when it is not raised any more, or
    changed since ``expected_version``)."""
    version = body.expected_version if body is not None else None
    record = acknowledge(_store(request), warning_id, actor=actor, version=version)
    return warning_out(record, _language(request))


@router.post("/warnings/evaluate", response_model=EvaluationOut, responses=documented(404, 422))
def evaluate(request: Request, body: EvaluateIn, actor: Runner) -> EvaluationOut:
    """Grade every node of the network from its observed backlog (and the projection of the
    next ``projection_hours``), raising, superseding and clearing warnings; run again at the
    same moment it changes nothing."""
    now = body.at or datetime.now(UTC)
    done = evaluate_with_projection(
        _store(request),
        actor=actor,
        now=now,
        network_name=body.network,
        events=_lake(request),
        hours=body.projection_hours,
    )
    return EvaluationOut(
        ran=done.ran,
        raised=done.raised,
        superseded=done.superseded,
        cleared=done.cleared,
        alerts=done.alerts,
        policy=render(LOCAL_POLICY, _language(request)),
    )


@router.post("/warnings/projection", response_model=ProjectionOut, responses=documented(404, 422))
def projection(request: Request, body: ProjectionIn, actor: Runner) -> ProjectionOut:
    """The next ``hours`` of each node's backlog, the simulator started from the observed
    state at the start of ``at``'s hour (default: now)."""
    at = body.at or datetime.now(UTC)
    made = project_from_observation(
        _store(request), actor, body.network, at, body.hours, events=_lake(request)
    )
    nodes = []
    for index, node in enumerate(made.node_ids):
        series = made.backlog[index]
        storage = float(made.storage[index])
        full = [hour for hour, value in enumerate(series.tolist()) if value >= storage - 1e-9]
        observed = made.observed.get(node)
        nodes.append(
            NodeProjectionOut(
                node_id=node,
                storage_capacity=storage,
                observed_backlog=None if observed is None else observed[0],
                backlog_source="none" if observed is None else observed[1],
                peak_backlog=float(series.max(initial=0.0)),
                peak_hour=int(series.argmax()) if len(series) else 0,
                hours_to_overflow=full[0] if full else None,
                backlog=[round(value, 3) for value in series.tolist()],
            )
        )
    return ProjectionOut(
        network=made.network_name,
        start=made.start,
        hours=made.hours,
        nodes=nodes,
        left_out=list(made.left_out),
        policy=render(LOCAL_POLICY, _language(request)),
    )


@router.get("/networks/{name}/observed", response_model=ObservedOut, responses=documented(404))
def observed(
    request: Request,
    name: Annotated[str, Path(max_length=64)],
    actor: Reader,
    at: Annotated[
        AwareDatetime | None, Query(description="with its time zone (default: now)")
    ] = None,
    window_hours: Annotated[int, Query(ge=1, le=168)] = 24,
) -> ObservedOut:
    """Each visible node's backlog (and where the figure came from), its parcels in and out
    over the window before ``at``, and its capacity."""
    moment = at or datetime.now(UTC)
    state = observed_state(
        _store(request),
        name,
        actor=actor,
        at=moment,
        events=_lake(request),
        window_hours=window_hours,
    )
    return ObservedOut(
        network=state.network_name,
        at=state.at,
        window_hours=state.window_hours,
        nodes=[
            NodeObservedOut(
                node_id=node.node_id,
                node_name=node.node_name,
                kind=node.kind,
                carrier=node.carrier,
                region=node.region,
                backlog=node.backlog,
                backlog_source=node.backlog_source,
                arrived=node.arrived,
                departed=node.departed,
                sorting_capacity_per_hour=node.sorting_capacity_per_hour,
                storage_capacity=node.storage_capacity,
                utilisation=node.utilisation,
                level=node.level,
            )
            for node in state.nodes
        ],
        policy=render(state.policy, _language(request)),
    )
