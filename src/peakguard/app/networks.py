"""Express networks: validate, store, list, read and export them.

A network arrives as a file (YAML/JSON, Excel, a folder of CSV tables) or as a JSON document;
either way it is validated completely before anything is stored, and stored in one
transaction (or not at all), with its audit entry.

Every operation takes the acting principal: a regulator reads the part of a network inside its
territory, a carrier the part of its own brand; a carrier writes only networks of its own brand.
A network with nothing the principal may see answers "not found", as one that does not exist.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy.exc import IntegrityError

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.domain.network import Network, Node
from peakguard.domain.summary import (
    NetworkSummary,
    summarise,
    summary_from_record,
    summary_record,
)
from peakguard.errors import ConflictError, ForbiddenError, NotFoundError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.loading import load_network
from peakguard.formats.loading import save_network as write_network
from peakguard.formats.network_document import network_to_document, parse_network, renamed
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.identity.territory import EVERYTHING, Reach, visible_network, wholly_within
from peakguard.store.database import Store, transaction
from peakguard.store.networks import NetworkRepository, NetworkVersion, StoredNetwork


def read_network_file(
    path: Path, name: str | None = None, *, limits: InputLimits = DEFAULT_LIMITS
) -> Network:
    """A network file's network, every mistake located (file, row or path, field)."""
    return load_network(path, name, limits=limits)


def parse_network_document(document: object, name: str | None = None) -> Network:
    """A network from its JSON document, every mistake located (``nodes[3].region``)."""
    return renamed(parse_network(document), name, "name")


def save_network(
    store: Store, network: Network, *, actor: Principal, source: str, replace: bool = True
) -> None:
    """Store ``network`` in one transaction; a stored network of that name is a conflict
    unless ``replace``. A carrier may store (and replace) only networks of its own brand."""
    require(actor, Permission.network_write)
    scope = reach(actor)
    outside = _outside(network, scope)
    if outside:
        raise ForbiddenError(
            _(
                "{who} may store only networks whose every node is its own ({count} nodes are not)",
                who=actor.label(),
                count=len(outside),
            ),
            outside[:20],
        )
    try:
        with transaction(store.sessions) as session:
            repository = NetworkRepository(session)
            if (
                not scope.everything
                and network.name in repository.names()
                and not wholly_within(repository.load(network.name), scope)
            ):
                # The same answer whether or not the caller may see any of it, and whether or not
                # it asked to replace: only that the name is taken, nothing of what it holds.
                raise ConflictError(
                    _(
                        "the name {name} is taken by a network you may not replace; "
                        "store yours under another name",
                        name=network.name,
                    )
                )
            network_id = repository.save(network, source=source, replace=replace)
            repository.store_summary(
                network_id, reach_key(EVERYTHING), json.dumps(summary_record(summarise(network)))
            )
            record_in(
                session,
                store,
                actor,
                "network.replace" if replace else "network.import",
                "network",
                network.name,
                detail={"nodes": len(network.nodes), "lanes": len(network.lanes), "source": source},
            )
    except IntegrityError as error:
        # Another import of the same name committed first (the unique name is the referee);
        # any other refusal of the database is not a conflict and goes on as it is.
        if not _name_taken(error):
            raise
        raise ConflictError(
            _(
                "another import stored a network named {name} at the same moment; look at it, "
                "then import again with --replace (replace=true in the API) if yours should win",
                name=network.name,
            )
        ) from None
    network_changed()


def _name_taken(error: IntegrityError) -> bool:
    """Whether the database refused a second network of one name (PostgreSQL names the
    constraint, SQLite the column)."""
    text = str(error.orig)
    return "uq_networks_name" in text or "networks.name" in text


def _outside(network: Network, scope: Reach) -> list[Problem]:
    """The nodes of ``network`` outside ``scope``, located."""
    return [
        Problem(
            f"nodes[{index}]",
            _(
                "{node} ({carrier}, {region}) is outside what you may change",
                node=node.id,
                carrier=node.carrier,
                region=node.region,
            ),
        )
        for index, node in enumerate(network.nodes)
        if not scope.covers_node(node)
    ]


def import_network(
    store: Store,
    path: Path,
    *,
    actor: Principal,
    name: str | None = None,
    replace: bool = False,
    limits: InputLimits = DEFAULT_LIMITS,
) -> Network:
    """Validate ``path`` completely, then store it in one transaction (or not at all)."""
    network = read_network_file(path, name, limits=limits)
    save_network(store, network, actor=actor, source=str(path), replace=replace)
    return network


def get_network(store: Store, name: str, *, actor: Principal) -> Network:
    """The part of the stored network ``name`` that ``actor`` may see
    (:class:`~peakguard.errors.NotFoundError` if none, or nothing of it is visible)."""
    require(actor, Permission.network_read)
    with transaction(store.sessions) as session:
        network = NetworkRepository(session).load(name)
    visible = visible_network(network, reach(actor))
    if visible is None:
        raise NotFoundError(_("no network named {name} is stored", name=name))
    return visible


def planning_network(
    store: Store, name: str, *, actor: Principal, permission: Permission
) -> Network:
    """The network a simulation or a plan of ``actor`` runs on: the whole stored network, or
    a carrier's whole brand within it. Parcels cross territories, so a part cut along a
    territory's border would simulate a network that does not exist: an office whose
    territory covers only part of the network is refused, and told who may run it."""
    require(actor, permission)
    scope = reach(actor)
    visible = get_network(store, name, actor=actor)
    if scope.everything or (scope.carrier is not None and not scope.prefix):
        return visible
    with transaction(store.sessions) as session:
        stored = NetworkRepository(session).load(name)
    # What the part must be whole of: the network for an office, the brand for a company.
    wanted = Reach(carrier=scope.carrier) if scope.carrier is not None else EVERYTHING
    whole = sum(1 for node in stored.nodes if wanted.covers_node(node))
    if len(visible.nodes) == whole:
        return visible
    raise ForbiddenError(
        _(
            "Simulations and plans run on a whole network or a carrier's whole network in it; "
            "network {name} reaches beyond what {who} may see. Ask an office whose territory "
            "covers the network, or the carrier's headquarters.",
            who=actor.label(),
            name=name,
        )
    )


def list_networks(store: Store, *, actor: Principal) -> list[StoredNetwork]:
    """The stored networks ``actor`` sees part of, with the size of that part."""
    require(actor, Permission.network_read)
    scope = reach(actor)
    with transaction(store.sessions) as session:
        if scope.everything:
            return NetworkRepository(session).summaries()
        if scope.nothing:
            return []
        return NetworkRepository(session).summaries(scope.carrier, scope.prefix)


def resolve_network(
    source: str,
    store: Store | None,
    *,
    actor: Principal,
    limits: InputLimits = DEFAULT_LIMITS,
) -> Network:
    """A network file's path, or the name of a stored network."""
    path = Path(source)
    if path.exists() or store is None:
        return read_network_file(path, limits=limits)
    return get_network(store, source, actor=actor)


VERSION_SECONDS = 5.0
"""How long this process trusts the version it looked up for a network name. An import made
through this process is seen at once; one made by another process (another worker, the CLI)
within this many seconds, as a revoked credential is (``auth_cache_seconds``)."""
_KEPT_SUMMARIES = 256
_KEPT_NODES = 4096
_changes = itertools.count(1)
_generation = 0


def network_changed() -> None:
    """A network was stored or replaced through this process: every version kept of a
    network name is looked up again."""
    global _generation  # noqa: PLW0603 - one counter per process is the point
    _generation = next(_changes)


@dataclass
class _Kept:
    """What this process keeps of one store's networks. Summaries and nodes are kept by
    version, so a new version is never answered from an old one's."""

    versions: dict[str, tuple[float, int, NetworkVersion | None]] = field(default_factory=dict)
    summaries: OrderedDict[tuple[int, Any, str], NetworkSummary | None] = field(
        default_factory=OrderedDict
    )
    nodes: OrderedDict[tuple[int, Any, str], Node | None] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    looking_up: dict[tuple[int, Any, str], threading.Lock] = field(default_factory=dict)
    """One lock per summary being looked up: concurrent first reads wait for one computation
    instead of each loading the network (8 clients on 8,589 nodes made 8)."""

    def lookup_lock(self, key: tuple[int, Any, str]) -> threading.Lock:
        with self.lock:
            return self.looking_up.setdefault(key, threading.Lock())

    def get(self, table: OrderedDict[Any, Any], key: tuple[int, Any, str]) -> tuple[bool, Any]:
        with self.lock:
            if key not in table:
                return False, None
            table.move_to_end(key)
            return True, table[key]

    def put(self, table: OrderedDict[Any, Any], key: tuple[int, Any, str], value: Any) -> None:
        with self.lock:
            table[key] = value
            while len(table) > (_KEPT_NODES if table is self.nodes else _KEPT_SUMMARIES):
                table.popitem(last=False)


_kept: WeakKeyDictionary[Store, _Kept] = WeakKeyDictionary()
_kept_lock = threading.Lock()


def _kept_of(store: Store) -> _Kept:
    found = _kept.get(store)
    if found is None:
        with _kept_lock:
            found = _kept.setdefault(store, _Kept())
    return found


def reach_key(scope: Reach) -> str:
    """The name a reach's stored summaries are kept under."""
    if scope.everything:
        return "everything"
    if scope.nothing:
        return "nothing"
    carrier = "" if scope.carrier is None else f";carrier={scope.carrier}"
    return f"region={scope.prefix}{carrier}"


def _kept_version(kept: _Kept, name: str) -> NetworkVersion | None:
    """The version this process still trusts for ``name``, if any (no I/O)."""
    found = kept.versions.get(name)
    if found is None:
        return None
    kept_at, generation, version = found
    if generation != _generation or time.monotonic() - kept_at >= VERSION_SECONDS:
        return None
    return version


def _version(store: Store, name: str, *, fresh: bool = False) -> NetworkVersion:
    """The version stored under ``name``, kept ``VERSION_SECONDS`` (``fresh``: looked up)."""
    kept = _kept_of(store)
    generation = _generation
    version = None if fresh else _kept_version(kept, name)
    if version is not None:
        return version
    with transaction(store.sessions) as session:
        version = NetworkRepository(session).version(name)
    kept.versions[name] = (time.monotonic(), generation, version)
    if version is None:
        raise NotFoundError(_("no network named {name} is stored", name=name))
    return version


def _visible_summary(
    store: Store, name: str, version: NetworkVersion, scope: Reach
) -> NetworkSummary | None:
    """The summary of what ``scope`` sees of the network (None: nothing): kept in this
    process, else read from the database, else computed once on the loaded network, filtered
    exactly as :func:`get_network` filters it, and stored with the network."""
    kept = _kept_of(store)
    reach_name = reach_key(scope)
    key = (version.id, version.created_at, reach_name)
    hit, summary = kept.get(kept.summaries, key)
    if hit:
        return summary  # type: ignore[no-any-return]
    with kept.lookup_lock(key):
        hit, summary = kept.get(kept.summaries, key)  # another thread's lookup, just done
        if hit:
            return summary  # type: ignore[no-any-return]
        with transaction(store.sessions) as session:
            found, document = NetworkRepository(session).stored_summary(version.id, reach_name)
        if found:
            summary = None if document is None else summary_from_record(json.loads(document))
        else:
            summary = _compute_summary(store, name, version, scope, reach_name)
        kept.put(kept.summaries, key, summary)
    with kept.lock:
        kept.looking_up.pop(key, None)
    return summary


def _compute_summary(
    store: Store, name: str, version: NetworkVersion, scope: Reach, reach_name: str
) -> NetworkSummary | None:
    summary = None
    try:
        with transaction(store.sessions) as session:
            repository = NetworkRepository(session)
            if repository.version(name) != version:
                # Replaced since it was looked up: answer from the version now stored.
                network_changed()
                return _visible_summary(store, name, _version(store, name, fresh=True), scope)
            visible = visible_network(repository.load(name), scope)
            summary = None if visible is None else summarise(visible)
            document = None if summary is None else json.dumps(summary_record(summary))
            repository.store_summary(version.id, reach_name, document)
    except IntegrityError:
        pass  # another process stored the same summary first (or the network went)
    return summary


def kept_network_summary(store: Store, name: str, *, actor: Principal) -> NetworkSummary | None:
    """:func:`network_summary` when this process has it at hand, without any I/O (an
    asynchronous route may call it on the event loop); None when it must be looked up."""
    require(actor, Permission.network_read)
    kept = _kept_of(store)
    version = _kept_version(kept, name)
    if version is None:
        return None
    key = (version.id, version.created_at, reach_key(reach(actor)))
    summary: NetworkSummary | None = kept.get(kept.summaries, key)[1]
    return summary


def kept_node(store: Store, name: str, node_id: str, *, actor: Principal) -> Node | None:
    """:func:`get_node` when this process has the node at hand and the caller may see it,
    without any I/O; None when it must be looked up (or answered 404)."""
    require(actor, Permission.network_read)
    kept = _kept_of(store)
    version = _kept_version(kept, name)
    if version is None:
        return None
    node: Node | None = kept.get(kept.nodes, (version.id, version.created_at, node_id))[1]
    return node if node is not None and reach(actor).covers_node(node) else None


def network_summary(store: Store, name: str, *, actor: Principal) -> NetworkSummary:
    """The summary of the part of the stored network ``name`` that ``actor`` may see, equal
    to ``summarise(get_network(store, name, actor=actor))`` but computed once per stored
    network and reach (:class:`~peakguard.errors.NotFoundError` as :func:`get_network`)."""
    require(actor, Permission.network_read)
    scope = reach(actor)
    summary = _visible_summary(store, name, _version(store, name), scope)
    if summary is None:
        raise NotFoundError(_("no network named {name} is stored", name=name))
    return summary


def get_node(store: Store, name: str, node_id: str, *, actor: Principal) -> Node:
    """The node ``node_id`` of the part of the stored network ``name`` that ``actor`` may
    see, as ``get_network(...).node_index()[node_id]`` finds it, without loading the network;
    a node outside the caller's reach answers as one that does not exist."""
    require(actor, Permission.network_read)
    scope = reach(actor)
    version = _version(store, name)
    node = _node(store, version, node_id)
    if node is None:
        # Perhaps replaced by another process since this one looked: look again.
        version = _version(store, name, fresh=True)
        node = _node(store, version, node_id)
    if node is not None and scope.covers_node(node):
        return node
    if _visible_summary(store, name, version, scope) is None:
        raise NotFoundError(_("no network named {name} is stored", name=name))
    raise NotFoundError(_("network {name} has no node {node}", name=name, node=node_id))


def _node(store: Store, version: NetworkVersion, node_id: str) -> Node | None:
    kept = _kept_of(store)
    key = (version.id, version.created_at, node_id)
    hit, node = kept.get(kept.nodes, key)
    if not hit:
        with transaction(store.sessions) as session:
            node = NetworkRepository(session).node(version.id, node_id)
        kept.put(kept.nodes, key, node)
    return node  # type: ignore[no-any-return]


def summarise_network(network: Network) -> NetworkSummary:
    """Nodes, lanes, capacities per carrier and routing coverage."""
    return summarise(network)


def network_document(network: Network) -> dict[str, Any]:
    """The network in the JSON form of the file format (what ``export`` writes as .json)."""
    return network_to_document(network)


def export_network(network: Network, path: Path) -> list[Path]:
    """Write ``network`` as YAML, JSON, Excel or a folder of CSV tables, by ``path``."""
    return write_network(network, path)
