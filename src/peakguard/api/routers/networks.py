"""Networks, their nodes and lanes (read), and validation of a network document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from starlette.concurrency import run_in_threadpool

from peakguard.api.schemas import (
    CarrierTotals,
    LaneOut,
    NetworkListItem,
    NetworkOut,
    NodeOut,
    Page,
    ShiftOut,
    ValidationOut,
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
from peakguard.domain.network import Lane, Network, Node, NodeKind, TransportMode
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store

router = APIRouter(prefix="/networks", tags=["networks"])
Limit = Annotated[int, Query(ge=1, le=5000)]
Offset = Annotated[int, Query(ge=0)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.get("", response_model=list[NetworkListItem])
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


@router.post("/validate", response_model=ValidationOut)
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


@router.post("", response_model=ValidationOut, status_code=201)
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


@router.get("/{name}/document")
def export_network(
    request: Request, name: str, actor: Annotated[Principal, requires(Permission.network_read)]
) -> dict[str, Any]:
    """The stored network in the JSON form of the file format, as ``peakguard network
    export --out FILE.json`` writes it (import it again with ``POST /networks``)."""
    return network_document(get_network(_store(request), name, actor=actor))


@router.get("/{name}", response_model=NetworkOut)
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


@router.get("/{name}/nodes", response_model=Page[NodeOut])
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


@router.get("/{name}/nodes/{node_id}", response_model=NodeOut)
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


@router.get("/{name}/lanes", response_model=Page[LaneOut])
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
