"""Storage on SQLite and on a real PostgreSQL server: the same tests, both engines."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from peakguard.app.context import open_store
from peakguard.app.networks import get_network, import_network, save_network
from peakguard.config import Settings
from peakguard.demo.sichuan import DemoParameters, build_sichuan_network
from peakguard.errors import ConflictError, InvalidInputError, NotFoundError
from peakguard.formats.network_document import parse_network
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.store.database import Store, transaction
from peakguard.store.networks import NetworkRepository
from peakguard.store.schema import metadata
from peakguard.store.tables import LaneRow, NetworkRow, NodeRow, ShiftRow


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    yield opened
    opened.engine.dispose()


def test_migrations_match_the_tables(store: Store) -> None:
    """After ``upgrade head`` the schema equals the declared tables (no missing migration)."""
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    assert {"networks", "nodes", "lanes", "node_shifts"} <= set(
        inspect(store.engine).get_table_names()
    )


def test_migrating_twice_changes_nothing(store: Store, database_url: str, tmp_path: Path) -> None:
    """Opening the store again (a second ``upgrade head``) keeps the data."""
    save_network(
        store,
        actor=ADMIN,
        network=build_sichuan_network(DemoParameters(outlets_per_carrier=7)),
        source="test",
    )
    again = open_store(Settings(database_url=database_url, home=tmp_path))
    assert get_network(again, actor=ADMIN, name="sichuan-demo").name == "sichuan-demo"
    again.engine.dispose()


def test_demo_network_round_trips_exactly(store: Store) -> None:
    """Every field of every record comes back as it was stored."""
    network = build_sichuan_network()
    save_network(store, actor=ADMIN, network=network, source="test")
    assert get_network(store, actor=ADMIN, name=network.name) == network


def test_name_clash_needs_replace(store: Store, tiny: dict[str, Any]) -> None:
    """Storing a second network of the same name is refused unless replacing."""
    network = parse_network(tiny)
    save_network(store, actor=ADMIN, network=network, source="a", replace=False)
    with pytest.raises(ConflictError):
        save_network(store, actor=ADMIN, network=network, source="b", replace=False)
    smaller = parse_network({**tiny, "lanes": tiny["lanes"][:2]})
    save_network(store, actor=ADMIN, network=smaller, source="c", replace=True)
    assert get_network(store, actor=ADMIN, name="tiny") == smaller
    with transaction(store.sessions) as session:
        assert session.scalar(select(func.count()).select_from(NetworkRow)) == 1
        assert session.scalar(select(func.count()).select_from(LaneRow)) == 2


def test_a_file_with_mistakes_stores_nothing(
    store: Store, tiny: dict[str, Any], tmp_path: Path
) -> None:
    """Import validates the whole file first: one bad lane and no row is written anywhere."""
    broken = copy.deepcopy(tiny)
    broken["lanes"][4]["capacity_per_departure"] = 0
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(InvalidInputError):
        import_network(store, path, actor=ADMIN)
    with transaction(store.sessions) as session:
        for table in (NetworkRow, NodeRow, LaneRow, ShiftRow):
            assert session.scalar(select(func.count()).select_from(table)) == 0


def test_a_failure_while_writing_rolls_everything_back(store: Store, tiny: dict[str, Any]) -> None:
    """If the database refuses a row halfway (here a node whose carrier has no row, which
    only the foreign key catches), the transaction leaves no partial network behind."""
    network = parse_network(tiny)
    orphan = network.nodes[-1].model_copy(update={"carrier": "NOPE"})
    unchecked = network.model_copy(update={"nodes": [*network.nodes[:-1], orphan]})
    with pytest.raises(IntegrityError):
        save_network(store, actor=ADMIN, network=unchecked, source="test")
    with transaction(store.sessions) as session:
        for table in (NetworkRow, NodeRow, ShiftRow):
            assert session.scalar(select(func.count()).select_from(table)) == 0


def test_delete_removes_every_row(store: Store, tiny: dict[str, Any]) -> None:
    """Deleting a network removes its nodes, shifts and lanes too."""
    save_network(store, actor=ADMIN, network=parse_network(tiny), source="test")
    with transaction(store.sessions) as session:
        NetworkRepository(session).delete("tiny")
    with transaction(store.sessions) as session:
        for table in (NetworkRow, NodeRow, LaneRow, ShiftRow):
            assert session.scalar(select(func.count()).select_from(table)) == 0
        with pytest.raises(NotFoundError):
            NetworkRepository(session).load("tiny")


def test_summaries_count_nodes_and_lanes(store: Store, tiny: dict[str, Any]) -> None:
    """The list of networks gives each one's node and lane counts."""
    save_network(store, actor=ADMIN, network=parse_network(tiny), source="tiny.yaml")
    with transaction(store.sessions) as session:
        [summary] = NetworkRepository(session).summaries()
    assert (summary.name, summary.nodes, summary.lanes, summary.source) == (
        "tiny",
        5,
        5,
        "tiny.yaml",
    )


def test_two_imports_of_one_name_at_once_give_one_network_and_one_conflict(
    store: Store, tiny: dict[str, Any]
) -> None:
    """Two imports of the same new name started together: one is stored, the other is told
    it lost to a concurrent import (a conflict, exit 4 / 409) — never a crash — five times over."""
    network = parse_network(tiny)
    for trial in range(5):
        named = network.model_copy(update={"name": f"race-{trial}"})
        start = threading.Barrier(2)
        outcomes: list[str] = []

        def importer(
            named: Any = named, start: threading.Barrier = start, outcomes: list[str] = outcomes
        ) -> None:
            start.wait()
            try:
                save_network(store, named, actor=ADMIN, source="race", replace=False)
                outcomes.append("stored")
            except ConflictError:
                outcomes.append("conflict")

        threads = [threading.Thread(target=importer) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["conflict", "stored"]
        assert get_network(store, f"race-{trial}", actor=ADMIN) == named
