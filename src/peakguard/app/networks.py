"""Express networks: validate, store, list, read and export them.

A network arrives as a file (YAML/JSON, Excel, a folder of CSV tables) or as a JSON document;
either way it is validated completely before anything is stored, and stored in one
transaction (or not at all).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peakguard.domain.network import Network
from peakguard.domain.summary import NetworkSummary, summarise
from peakguard.formats.loading import load_network
from peakguard.formats.loading import save_network as write_network
from peakguard.formats.network_document import network_to_document, parse_network
from peakguard.store.database import Store, transaction
from peakguard.store.networks import NetworkRepository, StoredNetwork


def read_network_file(path: Path, name: str | None = None) -> Network:
    """A network file's network, every mistake located (file, row or path, field)."""
    return load_network(path, name)


def parse_network_document(document: object, name: str | None = None) -> Network:
    """A network from its JSON document, every mistake located (``nodes[3].region``)."""
    network = parse_network(document)
    return network.model_copy(update={"name": name}) if name else network


def save_network(store: Store, network: Network, *, source: str, replace: bool = True) -> None:
    """Store ``network`` in one transaction; a stored network of that name is a conflict
    unless ``replace``."""
    with transaction(store.sessions) as session:
        NetworkRepository(session).save(network, source=source, replace=replace)


def import_network(
    store: Store, path: Path, *, name: str | None = None, replace: bool = False
) -> Network:
    """Validate ``path`` completely, then store it in one transaction (or not at all)."""
    network = read_network_file(path, name)
    save_network(store, network, source=str(path), replace=replace)
    return network


def get_network(store: Store, name: str) -> Network:
    """The stored network ``name`` (:class:`~peakguard.errors.NotFoundError` if none)."""
    with transaction(store.sessions) as session:
        return NetworkRepository(session).load(name)


def list_networks(store: Store) -> list[StoredNetwork]:
    """The stored networks with their sizes and sources."""
    with transaction(store.sessions) as session:
        return NetworkRepository(session).summaries()


def resolve_network(source: str, store: Store | None) -> Network:
    """A network file's path, or the name of a stored network."""
    path = Path(source)
    if path.exists() or store is None:
        return read_network_file(path)
    return get_network(store, source)


def summarise_network(network: Network) -> NetworkSummary:
    """Nodes, lanes, capacities per carrier and routing coverage."""
    return summarise(network)


def network_document(network: Network) -> dict[str, Any]:
    """The network in the JSON form of the file format (what ``export`` writes as .json)."""
    return network_to_document(network)


def export_network(network: Network, path: Path) -> list[Path]:
    """Write ``network`` as YAML, JSON, Excel or a folder of CSV tables, by ``path``."""
    return write_network(network, path)
