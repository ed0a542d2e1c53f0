"""Networks, their nodes and lanes (read), and validation of a network document.

A network document (``POST /networks``, ``POST /networks/validate``) is read by the same
parser as a file (:func:`~peakguard.formats.network_document.parse_network`), so that every
mistake is located as the CLI locates it (``lanes[1].transit_hours``); its schema is
published from :class:`NetworkDocumentIn`. ``GET /networks/{name}/document`` answers a
:class:`NetworkDocumentOut`, which imports again unchanged.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from peakguard.api.schemas import (
    CarrierTotals,
    LaneOut,
    NetworkListItem,
    NetworkOut,
    NodeOut,
    Page,
    RequestModel,
    ResponseModel,
    ShiftOut,
    ValidationOut,
    documented,
)
from peakguard.api.security import requires
from peakguard.app import networks as operations
from peakguard.app.networks import (
    get_network,
    get_node,
    kept_network_summary,
    kept_node,
    network_document,
    network_summary,
    parse_network_document,
    save_network,
)
from peakguard.domain.network import (
    ClockTime,
    Identifier,
    Lane,
    Latitude,
    Longitude,
    Name,
    Network,
    Node,
    NodeKind,
    RegionCode,
    TransportMode,
)
from peakguard.domain.regions import PairClass
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store

router = APIRouter(prefix="/networks", tags=["networks"])
Limit = Annotated[int, Query(ge=1, le=5000)]
Offset = Annotated[int, Query(ge=0)]


class CarrierDocument(ResponseModel):
    code: Identifier
    name: Name
    name_en: Name | None = None


class RegionDocument(ResponseModel):
    code: RegionCode
    name: Name
    longitude: Longitude | None = None
    latitude: Latitude | None = None


class ShiftDocument(ResponseModel):
    name: Name
    start_hour: Annotated[int, Field(ge=0, le=23)]
    end_hour: Annotated[int, Field(ge=0, le=24)]
    sorting_capacity_per_hour: Annotated[int, Field(gt=0)]


class NodeDocument(ResponseModel):
    id: Identifier
    name: Name
    kind: NodeKind
    region: RegionCode
    carrier: Identifier
    shifts: Annotated[list[ShiftDocument], Field(min_length=1)]
    storage_capacity: Annotated[int, Field(gt=0)]
    staff: Annotated[int, Field(ge=0)]
    vehicles: Annotated[int, Field(ge=0)]
    floor_area_m2: Annotated[float, Field(ge=0)]
    automated_sorter: bool = False
    longitude: Longitude
    latitude: Latitude
    daily_volume: Annotated[int, Field(ge=0)] = 0


class LaneDocument(ResponseModel):
    id: Identifier
    origin: Identifier
    destination: Identifier
    mode: TransportMode
    transit_hours: Annotated[float, Field(gt=0, le=240)]
    departure_times: Annotated[list[ClockTime], Field(min_length=1)]
    capacity_per_departure: Annotated[int, Field(gt=0)]
    distance_km: Annotated[float, Field(gt=0)] | None = None


class ServiceStandardDocument(ResponseModel):
    pair_class: PairClass
    time_limit_hours: Annotated[float, Field(gt=0, le=720)]
    carrier: Identifier | None = None


class RoutingOverrideDocument(ResponseModel):
    node: Identifier
    destination: Identifier
    next_node: Identifier


class NetworkDocumentOut(ResponseModel):
    """A stored network in the JSON form of the file format (absent optional fields left
    out), as ``peakguard network export --out FILE.json`` writes it."""

    name: Identifier
    title: Name | None = None
    description: str = ""
    carriers: list[CarrierDocument]
    regions: list[RegionDocument] = Field(default_factory=list)
    nodes: Annotated[list[NodeDocument], Field(min_length=1)]
    lanes: list[LaneDocument] = Field(default_factory=list)
    service_standards: list[ServiceStandardDocument] = Field(default_factory=list)
    routing_overrides: list[RoutingOverrideDocument] = Field(default_factory=list)


class NodeDocumentIn(RequestModel):
    """A node as a document may give it: one all-day shift may be written as
    ``sorting_capacity_per_hour`` instead of ``shifts``, and the coordinates left to the
    declared region's centre."""

    id: Identifier
    name: Name
    kind: NodeKind
    region: RegionCode
    carrier: Identifier
    shifts: Annotated[list[ShiftDocument], Field(min_length=1)] | None = None
    sorting_capacity_per_hour: Annotated[int, Field(gt=0)] | None = None
    storage_capacity: Annotated[int, Field(gt=0)]
    staff: Annotated[int, Field(ge=0)]
    vehicles: Annotated[int, Field(ge=0)]
    floor_area_m2: Annotated[float, Field(ge=0)]
    automated_sorter: bool = False
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    daily_volume: Annotated[int, Field(ge=0)] = 0


class NetworkDocumentIn(RequestModel):
    """A network document (the JSON form of the file format, docs/reference): the schema
    published for the request body, which the file format's own parser reads."""

    name: Identifier
    title: Name | None = None
    description: str = ""
    carriers: list[CarrierDocument]
    regions: list[RegionDocument] = Field(default_factory=list)
    nodes: Annotated[list[NodeDocumentIn], Field(min_length=1)]
    lanes: list[LaneDocument] = Field(default_factory=list)
    service_standards: list[ServiceStandardDocument] | None = None
    """Absent: the default standards (24, 48 and 72 hours)."""
    routing_overrides: list[RoutingOverrideDocument] = Field(default_factory=list)


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` written in place (a request body's schema stands alone)."""
    definitions = schema.pop("$defs", {})

    def resolve(value: Any) -> Any:
        if isinstance(value, dict):
            reference = value.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/$defs/"):
                return resolve(definitions[reference.removeprefix("#/$defs/")])
            return {key: resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [resolve(item) for item in value]
        return value

    resolved: dict[str, Any] = resolve(schema)
    return resolved


DOCUMENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _inline(NetworkDocumentIn.model_json_schema())}},
    }
}
"""The network document's schema for OpenAPI: the body is read by the file format's parser
(every mistake located as the CLI locates it), not by FastAPI."""


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.get("", response_model=list[NetworkListItem], responses=documented())
def list_networks(
    request: Request, actor: Annotated[Principal, requires(Permission.network_read)]
) -> list[NetworkListItem]:
    return [
        NetworkListItem(
            name=row.name,
            title=row.title,
            nodes=row.nodes,
            lanes=row.lanes,
            source=row.source,
            created_at=row.created_at,
        )
        for row in operations.list_networks(_store(request), actor=actor)
    ]


@router.post(
    "/validate",
    response_model=ValidationOut,
    responses=documented(422),
    openapi_extra=DOCUMENT_BODY,
)
def validate_network(
    actor: Annotated[Principal, requires(Permission.network_write)],
    document: Annotated[dict[str, Any], Body()],
) -> ValidationOut:
    """Validate a network document (the JSON form of the file format); stores nothing.
    Mistakes come back as 422 with every problem and its location."""
    network = parse_network_document(document)
    return ValidationOut(
        valid=True, name=network.name, nodes=len(network.nodes), lanes=len(network.lanes)
    )


@router.post(
    "",
    response_model=ValidationOut,
    status_code=201,
    responses=documented(403, 409, 422),
    openapi_extra=DOCUMENT_BODY,
)
def import_network(
    request: Request,
    actor: Annotated[Principal, requires(Permission.network_write)],
    document: Annotated[dict[str, Any], Body()],
    name: Annotated[str | None, Query(description="name to store it under")] = None,
    replace: Annotated[bool, Query(description="overwrite a stored network of that name")] = False,
) -> ValidationOut:
    """Validate a network document and store it, as ``peakguard network import``: nothing is
    stored if anything is wrong (422 with every location); a stored network of that name is
    a conflict (409) unless ``replace``."""
    network = parse_network_document(document, name)
    save_network(_store(request), network, actor=actor, source="api", replace=replace)
    return ValidationOut(
        valid=True, name=network.name, nodes=len(network.nodes), lanes=len(network.lanes)
    )


@router.get(
    "/{name}/document",
    response_model=NetworkDocumentOut,
    response_model_exclude_none=True,
    responses=documented(404),
)
def export_network(
    request: Request, name: str, actor: Annotated[Principal, requires(Permission.network_read)]
) -> dict[str, Any]:
    """The stored network in the JSON form of the file format, as ``peakguard network
    export --out FILE.json`` writes it (import it again with ``POST /networks``)."""
    return network_document(get_network(_store(request), name, actor=actor))


@router.get("/{name}", response_model=NetworkOut, responses=documented(404))
async def read_network(
    request: Request, name: str, actor: Annotated[Principal, requires(Permission.network_read)]
) -> NetworkOut:
    """The network's summary as the caller sees it (its territory or its brand): computed
    once per stored network and caller's reach, then read back. Answered on the event loop
    when this process has it at hand (no thread hop), else looked up in a worker thread."""
    store = _store(request)
    summary = kept_network_summary(store, name, actor=actor)
    if summary is None:
        summary = await run_in_threadpool(network_summary, store, name, actor=actor)
    return NetworkOut(
        name=summary.name,
        title=summary.title,
        description=summary.description,
        nodes_by_kind=summary.nodes_by_kind,
        lanes_by_mode=summary.lanes_by_mode,
        carriers=[CarrierTotals(**vars(carrier)) for carrier in summary.carriers],
        hub_daily_sorting_capacity=summary.hub_daily_sorting_capacity,
        storage_capacity=summary.storage_capacity,
        staff=summary.staff,
        vehicles=summary.vehicles,
        floor_area_m2=summary.floor_area_m2,
        automated_hubs=summary.automated_hubs,
        normal_day_pickups=summary.normal_day_pickups,
        home_province=summary.home_province,
        home_province_hub_daily_sorting_capacity=summary.home_province_hub_daily_sorting_capacity,
        routed_pairs=summary.routed_pairs,
        unrouted_pairs=summary.unrouted_pairs,
    )


def node_out(node: Node) -> NodeOut:
    return NodeOut(
        **node.model_dump(mode="json", exclude={"shifts"}),
        shifts=[ShiftOut(**shift.model_dump()) for shift in node.shifts],
        daily_sorting_capacity=node.daily_sorting_capacity(),
    )


def lane_out(lane: Lane) -> LaneOut:
    return LaneOut(**lane.model_dump(mode="json"), daily_capacity=lane.daily_capacity())


@router.get("/{name}/nodes", response_model=Page[NodeOut], responses=documented(404))
def list_nodes(
    request: Request,
    actor: Annotated[Principal, requires(Permission.network_read)],
    name: str,
    kind: NodeKind | None = None,
    carrier: str | None = None,
    region: Annotated[str | None, Query(description="region code; a prefix such as 5101")] = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> Page[NodeOut]:
    network = get_network(_store(request), name, actor=actor)
    matches = [
        node
        for node in network.nodes
        if (kind is None or node.kind is kind)
        and (carrier is None or node.carrier == carrier)
        and (region is None or node.region.startswith(region.rstrip("0") or region))
    ]
    return Page[NodeOut](
        total=len(matches),
        offset=offset,
        limit=limit,
        items=[node_out(n) for n in matches[offset : offset + limit]],
    )


@router.get("/{name}/nodes/{node_id}", response_model=NodeOut, responses=documented(404))
async def read_node(
    request: Request,
    actor: Annotated[Principal, requires(Permission.network_read)],
    name: str,
    node_id: str,
) -> NodeOut:
    """One node, read alone (not the network); a node outside the caller's reach is not
    found, as one that does not exist. On the event loop when at hand, as the summary."""
    store = _store(request)
    node = kept_node(store, name, node_id, actor=actor)
    if node is None:
        node = await run_in_threadpool(get_node, store, name, node_id, actor=actor)
    return node_out(node)


@router.get("/{name}/lanes", response_model=Page[LaneOut], responses=documented(404))
def list_lanes(
    request: Request,
    actor: Annotated[Principal, requires(Permission.network_read)],
    name: str,
    origin: str | None = None,
    destination: str | None = None,
    mode: TransportMode | None = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> Page[LaneOut]:
    network: Network = get_network(_store(request), name, actor=actor)
    matches = [
        lane
        for lane in network.lanes
        if (origin is None or lane.origin == origin)
        and (destination is None or lane.destination == destination)
        and (mode is None or lane.mode is mode)
    ]
    return Page[LaneOut](
        total=len(matches),
        offset=offset,
        limit=limit,
        items=[lane_out(lane) for lane in matches[offset : offset + limit]],
    )
