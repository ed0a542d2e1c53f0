"""The registered networks as ingest checks scan events against them: which carrier codes and
node ids of a batch are in a stored network. A few queries per batch (the batch's distinct
carriers, then its distinct nodes in chunks), never one per event."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from peakguard.store.tables import CarrierRow, NetworkRow, NodeRow

_CHUNK = 2000
"""Ids bound in one ``IN`` list (SQLite and PostgreSQL both take this many)."""


@dataclass(frozen=True)
class RegisteredPlaces:
    """Of a batch's carriers and nodes, those in a registered (stored) network."""

    any_network: bool
    """Whether any network is registered at all."""
    carriers: frozenset[str]
    nodes: frozenset[str]


def registered_places(
    session: Session, carriers: Iterable[str], nodes: Iterable[str]
) -> RegisteredPlaces:
    """Which of ``carriers`` and ``nodes`` some stored network holds."""
    wanted_carriers = sorted(set(carriers))
    wanted_nodes = sorted(set(nodes))
    found_carriers: set[str] = set()
    for start in range(0, len(wanted_carriers), _CHUNK):
        chunk = wanted_carriers[start : start + _CHUNK]
        found_carriers.update(
            session.scalars(select(CarrierRow.code).where(CarrierRow.code.in_(chunk)).distinct())
        )
    found_nodes: set[str] = set()
    for start in range(0, len(wanted_nodes), _CHUNK):
        chunk = wanted_nodes[start : start + _CHUNK]
        found_nodes.update(
            session.scalars(select(NodeRow.id).where(NodeRow.id.in_(chunk)).distinct())
        )
    any_network = bool(found_carriers) or (
        session.scalars(select(NetworkRow.id).limit(1)).first() is not None
    )
    return RegisteredPlaces(any_network, frozenset(found_carriers), frozenset(found_nodes))
