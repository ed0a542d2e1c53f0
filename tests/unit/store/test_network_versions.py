"""The repository's view of network versions: what the summary and node reads key on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from peakguard.formats.network_document import parse_network
from peakguard.store.database import Store, open_store, transaction
from peakguard.store.networks import NetworkRepository
from peakguard.store.tables import NetworkSummaryRow


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty SQLite store: SQLite gives a replaced network's row the id it had."""
    opened = open_store(f"sqlite:///{tmp_path / 'peakguard.db'}")
    yield opened
    opened.engine.dispose()


def test_a_replace_is_a_new_version_even_with_the_same_id(
    store: Store, tiny: dict[str, Any]
) -> None:
    """Replacing the only network may reuse its id on SQLite; its version still differs, so
    nothing kept for the old one answers for the new one."""
    network = parse_network(tiny)
    with transaction(store.sessions) as session:
        NetworkRepository(session).save(network)
    with transaction(store.sessions) as session:
        before = NetworkRepository(session).version("tiny")
        NetworkRepository(session).save(network, replace=True)
    with transaction(store.sessions) as session:
        after = NetworkRepository(session).version("tiny")
        assert NetworkRepository(session).version("other") is None
    assert before is not None and after is not None
    assert after != before


def test_stored_summaries_go_with_their_network(store: Store, tiny: dict[str, Any]) -> None:
    """A summary is stored once per network and reach (a second is refused), and deleted
    with the network when it is replaced or deleted."""
    network = parse_network(tiny)
    with transaction(store.sessions) as session:
        repository = NetworkRepository(session)
        network_id = repository.save(network)
        repository.store_summary(network_id, "everything", '{"a": 1}')
        repository.store_summary(network_id, "region=5101", None)
        assert repository.stored_summary(network_id, "everything") == (True, '{"a": 1}')
        assert repository.stored_summary(network_id, "region=5101") == (True, None)
        assert repository.stored_summary(network_id, "region=51") == (False, None)
    with pytest.raises(IntegrityError), transaction(store.sessions) as session:
        NetworkRepository(session).store_summary(network_id, "everything", "{}")
    with transaction(store.sessions) as session:
        NetworkRepository(session).save(network, replace=True)
        assert session.scalar(select(func.count()).select_from(NetworkSummaryRow)) == 0


def test_a_node_read_alone_is_the_node_of_the_loaded_network(
    store: Store, tiny: dict[str, Any]
) -> None:
    """Every node read by itself, shifts included, equals the node in the whole network."""
    with transaction(store.sessions) as session:
        repository = NetworkRepository(session)
        network_id = repository.save(parse_network(tiny))
        loaded = repository.load("tiny")
        for node in loaded.nodes:
            assert repository.node(network_id, node.id) == node
        assert repository.node(network_id, "NOWHERE") is None
        assert repository.node(network_id + 1, loaded.nodes[0].id) is None
