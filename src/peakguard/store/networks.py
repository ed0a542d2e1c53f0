"""The network repository: save, load, list and delete whole networks atomically."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, String, bindparam, delete, func, insert, select
from sqlalchemy.orm import Session, aliased

from peakguard.domain.network import (
    Carrier,
    Lane,
    Network,
    Node,
    RegionRecord,
    RoutingOverride,
    ServiceStandard,
    Shift,
)
from peakguard.errors import ConflictError, NotFoundError
from peakguard.i18n import _
from peakguard.store.tables import (
    CarrierRow,
    LaneRow,
    NetworkRow,
    NetworkSummaryRow,
    NodeRow,
    RegionRow,
    RoutingOverrideRow,
    ServiceStandardRow,
    ShiftRow,
)

_CHUNK = 2000


@dataclass(frozen=True)
class StoredNetwork:
    """A stored network as listed: its name and size, without loading it."""

    id: int
    name: str
    title: str | None
    source: str
    created_at: datetime
    nodes: int
    lanes: int


@dataclass(frozen=True)
class NetworkVersion:
    """One stored network as saved: a new import (or a replacement) is a new version, even
    where the database gives the new row the id of the one it replaced (SQLite may)."""

    id: int
    created_at: datetime


class NetworkRepository:
    """Networks stored as rows; every method works inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def save(self, network: Network, *, source: str = "", replace: bool = False) -> int:
        """Store ``network`` under its name; with ``replace``, drop an older one first."""
        self._make_room(network.name, replace=replace)
        row = NetworkRow(
            name=network.name,
            title=network.title,
            description=network.description,
            source=source,
            created_at=datetime.now(UTC),
        )
        self.session.add(row)
        self.session.flush()
        network_id = row.id
        self._insert_records(network_id, network)
        return network_id

    def _make_room(self, name: str, *, replace: bool) -> None:
        """Refuse a name already stored, or with ``replace`` delete the network stored under it."""
        existing = self.session.scalar(select(NetworkRow.id).where(NetworkRow.name == name))
        if existing is not None:
            if not replace:
                raise ConflictError(
                    _(
                        "a network named {name} is already stored; replace it with --replace "
                        "(replace=true in the API)",
                        name=name,
                    )
                )
            self._delete_rows(existing)

    def _insert_records(self, network_id: int, network: Network) -> None:
        """The network's records as rows of its stored network, each section in its order."""
        self._insert(CarrierRow, _numbered(network_id, [c.model_dump() for c in network.carriers]))
        self._insert(RegionRow, _numbered(network_id, [r.model_dump() for r in network.regions]))
        self._insert(
            NodeRow,
            _numbered(
                network_id,
                [node.model_dump(exclude={"shifts"}, mode="json") for node in network.nodes],
            ),
        )
        self._insert(ShiftRow, _shift_rows(network_id, network.nodes))
        self._insert(LaneRow, _numbered(network_id, [_lane_record(lane) for lane in network.lanes]))
        self._insert(
            ServiceStandardRow,
            _numbered(network_id, [s.model_dump(mode="json") for s in network.service_standards]),
        )
        self._insert(
            RoutingOverrideRow,
            _numbered(network_id, [o.model_dump() for o in network.routing_overrides]),
        )

    def _insert(self, table: Any, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), _CHUNK):
            self.session.execute(insert(table), rows[start : start + _CHUNK])

    def load(self, name: str) -> Network:
        """The stored network called ``name``, exactly as it was saved."""
        row = self._row(name)
        network_id = row.id

        def rows(table: Any) -> list[Any]:
            return list(
                self.session.scalars(
                    select(table).where(table.network_id == network_id).order_by(table.position)
                )
            )

        shifts: dict[str, list[Shift]] = {}
        for shift in self.session.scalars(
            select(ShiftRow)
            .where(ShiftRow.network_id == network_id)
            .order_by(ShiftRow.node_id, ShiftRow.position)
        ):
            shifts.setdefault(shift.node_id, []).append(
                Shift(
                    name=shift.name,
                    start_hour=shift.start_hour,
                    end_hour=shift.end_hour,
                    sorting_capacity_per_hour=shift.sorting_capacity_per_hour,
                )
            )
        return Network(
            name=row.name,
            title=row.title,
            description=row.description,
            carriers=[
                Carrier(code=c.code, name=c.name, name_en=c.name_en) for c in rows(CarrierRow)
            ],
            regions=[
                RegionRecord(code=r.code, name=r.name, longitude=r.longitude, latitude=r.latitude)
                for r in rows(RegionRow)
            ],
            nodes=[
                Node(
                    id=n.id,
                    name=n.name,
                    kind=n.kind,
                    region=n.region,
                    carrier=n.carrier,
                    shifts=shifts[n.id],
                    storage_capacity=n.storage_capacity,
                    staff=n.staff,
                    vehicles=n.vehicles,
                    floor_area_m2=n.floor_area_m2,
                    automated_sorter=n.automated_sorter,
                    longitude=n.longitude,
                    latitude=n.latitude,
                    daily_volume=n.daily_volume,
                )
                for n in rows(NodeRow)
            ],
            lanes=[
                Lane(
                    id=lane.id,
                    origin=lane.origin,
                    destination=lane.destination,
                    mode=lane.mode,
                    transit_hours=lane.transit_hours,
                    departure_times=lane.departure_times.split(),
                    capacity_per_departure=lane.capacity_per_departure,
                    distance_km=lane.distance_km,
                )
                for lane in rows(LaneRow)
            ],
            service_standards=[
                ServiceStandard(
                    pair_class=s.pair_class, time_limit_hours=s.time_limit_hours, carrier=s.carrier
                )
                for s in rows(ServiceStandardRow)
            ],
            routing_overrides=[
                RoutingOverride(node=o.node, destination=o.destination, next_node=o.next_node)
                for o in rows(RoutingOverrideRow)
            ],
        )

    def version(self, name: str) -> NetworkVersion | None:
        """The stored network called ``name`` as saved, without loading it (None if none)."""
        found = self.session.execute(_version_statement(), {"name": name}).first()
        return None if found is None else NetworkVersion(found.id, found.created_at)

    def node(self, network_id: int, node_id: str) -> Node | None:
        """One node of a stored network with its shifts, without loading the rest."""
        row = self.session.execute(_node_statement(), {"network": network_id, "node": node_id})
        found = row.mappings().first()
        if found is None:
            return None
        shifts = [
            Shift(**shift)
            for shift in self.session.execute(
                _shifts_statement(), {"network": network_id, "node": node_id}
            ).mappings()
        ]
        return Node(**{key: found[key] for key in found if key != "position"}, shifts=shifts)

    def stored_summary(self, network_id: int, reach: str) -> tuple[bool, str | None]:
        """Whether a summary of ``network_id`` for ``reach`` is stored, and its document
        (None: nothing of the network lies within that reach)."""
        found = self.session.execute(
            _summary_statement(), {"network": network_id, "reach": reach}
        ).first()
        return (False, None) if found is None else (True, found.document)

    def store_summary(self, network_id: int, reach: str, document: str | None) -> None:
        """Keep the summary of ``network_id`` for ``reach`` (``document`` None: nothing seen)."""
        self.session.execute(
            insert(NetworkSummaryRow),
            [{"network_id": network_id, "reach": reach, "document": document}],
        )

    def summaries(self, carrier: str | None = None, prefix: str = "") -> list[StoredNetwork]:
        """Every stored network with its size; with ``carrier`` or ``prefix``, only those with
        a node of that carrier whose region starts with ``prefix``, counting only such nodes
        and the lanes between them."""
        query = _summaries_statement(carrier is not None, bool(prefix))
        return [
            StoredNetwork(
                id=row.id,
                name=row.name,
                title=row.title,
                source=row.source,
                created_at=row.created_at,
                nodes=int(nodes),
                lanes=int(lanes),
            )
            for row, nodes, lanes in self.session.execute(
                query, {"carrier": carrier, "prefix": prefix}
            )
        ]

    def names(self) -> list[str]:
        return list(self.session.scalars(select(NetworkRow.name).order_by(NetworkRow.name)))

    def delete(self, name: str) -> None:
        self._delete_rows(self._row(name).id)

    def _row(self, name: str) -> NetworkRow:
        row = self.session.scalar(select(NetworkRow).where(NetworkRow.name == name))
        if row is None:
            raise NotFoundError(_("no network named {name} is stored", name=name))
        return row

    def _delete_rows(self, network_id: int) -> None:
        # Children first, so the order works with and without ON DELETE CASCADE.
        for table in (
            NetworkSummaryRow,
            ShiftRow,
            LaneRow,
            RoutingOverrideRow,
            ServiceStandardRow,
            NodeRow,
            RegionRow,
            CarrierRow,
        ):
            self.session.execute(delete(table).where(table.network_id == network_id))
        self.session.execute(delete(NetworkRow).where(NetworkRow.id == network_id))
        self.session.flush()


def _numbered(network_id: int, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the stored network, numbered in the order the records come."""
    return [{"network_id": network_id, "position": i, **record} for i, record in enumerate(records)]


def _shift_rows(network_id: int, nodes: list[Node]) -> list[dict[str, Any]]:
    """Each node's shifts, numbered within the node."""
    return [
        {"network_id": network_id, "node_id": node.id, "position": i, **shift.model_dump()}
        for node in nodes
        for i, shift in enumerate(node.shifts)
    ]


def _lane_record(lane: Lane) -> dict[str, Any]:
    """A lane's fields, its departure times as one space-separated text."""
    return {
        **lane.model_dump(mode="json", exclude={"departure_times"}),
        "departure_times": " ".join(lane.departure_times),
    }


@cache
def _summaries_statement(by_carrier: bool, by_prefix: bool) -> Select[NetworkRow, Any, Any]:
    """The networks with their node and lane counts, within a carrier (``:carrier``) and a
    region prefix (``:prefix``) when asked: built once per shape, since building it costs
    several times what the database takes to run it (and leaves garbage in cycles)."""
    carrier = bindparam("carrier", type_=String)
    prefix = bindparam("prefix", type_=String)
    visible = [NodeRow.carrier == carrier] if by_carrier else []
    if by_prefix:
        visible.append(NodeRow.region.startswith(prefix))
    node_counts = (
        select(NodeRow.network_id, func.count().label("n"))
        .where(*visible)
        .group_by(NodeRow.network_id)
        .subquery()
    )
    origin, destination = aliased(NodeRow), aliased(NodeRow)
    lanes = select(LaneRow.network_id, func.count().label("n"))
    if visible:
        lanes = lanes.join(
            origin, (origin.network_id == LaneRow.network_id) & (origin.id == LaneRow.origin)
        ).join(
            destination,
            (destination.network_id == LaneRow.network_id)
            & (destination.id == LaneRow.destination),
        )
        for node in (origin, destination):
            if by_carrier:
                lanes = lanes.where(node.carrier == carrier)
            if by_prefix:
                lanes = lanes.where(node.region.startswith(prefix))
    lane_counts = lanes.group_by(LaneRow.network_id).subquery()
    query = (
        select(NetworkRow, func.coalesce(node_counts.c.n, 0), func.coalesce(lane_counts.c.n, 0))
        .outerjoin(node_counts, node_counts.c.network_id == NetworkRow.id)
        .outerjoin(lane_counts, lane_counts.c.network_id == NetworkRow.id)
        .order_by(NetworkRow.name)
    )
    return query.where(node_counts.c.n > 0) if visible else query


@cache
def _version_statement() -> Select[int, datetime]:
    return select(NetworkRow.id, NetworkRow.created_at).where(
        NetworkRow.name == bindparam("name", type_=String)
    )


@cache
def _node_statement() -> Select[Any]:
    columns = [column for column in NodeRow.__table__.columns if column.name != "network_id"]
    return select(*columns).where(
        NodeRow.network_id == bindparam("network"), NodeRow.id == bindparam("node", type_=String)
    )


@cache
def _shifts_statement() -> Select[str, int, int, int]:
    return (
        select(
            ShiftRow.name,
            ShiftRow.start_hour,
            ShiftRow.end_hour,
            ShiftRow.sorting_capacity_per_hour,
        )
        .where(
            ShiftRow.network_id == bindparam("network"),
            ShiftRow.node_id == bindparam("node", type_=String),
        )
        .order_by(ShiftRow.position)
    )


@cache
def _summary_statement() -> Select[Any]:
    return select(NetworkSummaryRow.document).where(
        NetworkSummaryRow.network_id == bindparam("network"),
        NetworkSummaryRow.reach == bindparam("reach", type_=String),
    )
