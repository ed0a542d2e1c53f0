"""The network summary and the node page are computed once per stored network and reach, and
read back: they must equal what the domain functions give on the network the caller may see,
follow a new import at once, and never show a filtered caller a figure of a hidden node."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from peakguard.api.app import create_app
from peakguard.api.routers.networks import NetworkDocumentIn, NetworkDocumentOut
from peakguard.app import networks as operations
from peakguard.app.access import reach
from peakguard.app.context import open_store
from peakguard.app.networks import get_network, get_node, network_summary, save_network
from peakguard.config import Settings
from peakguard.demo.sichuan import DemoParameters, build_sichuan_network
from peakguard.domain.network import Network, NodeKind
from peakguard.domain.routing import derive_routing
from peakguard.domain.summary import NetworkSummary, summarise
from peakguard.errors import NotFoundError
from peakguard.formats.network_document import network_to_document
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.identity.territory import visible_network
from peakguard.store.database import Store, transaction
from peakguard.store.networks import NetworkRepository
from peakguard.store.tables import NetworkSummaryRow
from tests.conftest import administrator_headers

ADMIN = LOCAL_ADMINISTRATOR
NAME = "sichuan"
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
"""For tests of this process's logic rather than of the database: the suite's time."""


@pytest.fixture(scope="module")
def demo() -> Network:
    """The demo network at its smallest (497 nodes, 7 carriers, every Sichuan city): real
    enough that a city's territory and a carrier's brand each cut it differently."""
    network = build_sichuan_network(DemoParameters(outlets_per_carrier=2))
    return network.model_copy(update={"name": NAME})


@pytest.fixture
def store(database_url: str, tmp_path: Path, demo: Network) -> Iterator[Store]:
    opened = open_store(Settings(database_url=database_url, home=tmp_path, language="en"))
    save_network(opened, demo, actor=ADMIN, source="demo")
    yield opened
    opened.engine.dispose()


def caller(organisation: Organisation) -> Principal:
    return Principal("reader", organisation, frozenset(Permission), Channel.token)


CHENGDU = caller(
    Organisation(
        "sc-chengdu", "成都", OrganisationKind.regulator, level=RegulatorLevel.city, region="510100"
    )
)
ZTO = caller(Organisation("zto", "中通", OrganisationKind.carrier, carrier="ZTO"))
ZTO_MIANYANG = caller(
    Organisation("zto-my", "中通绵阳", OrganisationKind.carrier, region="510700", carrier="ZTO")
)
NOBODY_HERE = caller(Organisation("dbl", "德邦", OrganisationKind.carrier, carrier="DBL"))


def refused(call: Any) -> str:
    """The message of the NotFoundError ``call`` raises, rendered."""
    with pytest.raises(NotFoundError) as raised:
        call()
    return raised.value.render()


def stored_reaches(store: Store) -> set[str]:
    with transaction(store.sessions) as session:
        return set(session.scalars(select(NetworkSummaryRow.reach)))


def routed_pairs_directly(network: Network) -> tuple[int, int]:
    """Outlet → station pairs of one carrier with and without a whole route, walked hop by
    hop on ``domain.routing``'s table (the independent reference for the stored figure)."""
    table = derive_routing(network)
    routed = unrouted = 0
    for outlet in network.nodes:
        if outlet.kind is not NodeKind.outlet:
            continue
        for station in network.nodes:
            if station.kind is NodeKind.station and station.carrier == outlet.carrier:
                found = table.path(outlet.id, station.id) is not None
                routed += found
                unrouted += not found
    return routed, unrouted


def test_the_whole_summary_is_stored_at_import_and_equals_a_fresh_one(
    store: Store, demo: Network
) -> None:
    """The import stores the whole network's summary; reading it gives what summarise gives
    on the stored network, and its routed pairs what the routing table's paths give."""
    assert stored_reaches(store) == {"everything"}
    summary = network_summary(store, NAME, actor=ADMIN)
    with transaction(store.sessions) as session:
        loaded = NetworkRepository(session).load(NAME)
    assert summary == summarise(loaded) == summarise(demo)
    assert (summary.routed_pairs, summary.unrouted_pairs) == routed_pairs_directly(loaded)
    assert summary.routed_pairs > 0


@pytest.mark.parametrize("actor", [CHENGDU, ZTO, ZTO_MIANYANG], ids=["city", "carrier", "company"])
def test_a_filtered_summary_counts_only_what_the_caller_sees(
    store: Store, demo: Network, actor: Principal
) -> None:
    """A city regulator, a carrier and a carrier's provincial company each get the summary of
    exactly the network get_network gives them (visible_network), computed once and stored."""
    visible = visible_network(demo, reach(actor))
    assert visible is not None and len(visible.nodes) < len(demo.nodes)
    summary = network_summary(store, NAME, actor=actor)
    assert summary == summarise(get_network(store, NAME, actor=actor)) == summarise(visible)
    assert summary.nodes == len(visible.nodes)
    assert summary.lanes == len(visible.lanes)
    assert {carrier.code for carrier in summary.carriers} == {n.carrier for n in visible.nodes}
    assert len(stored_reaches(store)) == 2
    # Another process (a new store over the same database) reads the stored figures.
    again = open_store(Settings(database_url=str(store.engine.url.render_as_string(False))))
    try:
        assert network_summary(again, NAME, actor=actor) == summary
    finally:
        again.engine.dispose()


@SQLITE_ONLY
def test_a_caller_who_sees_nothing_is_told_there_is_no_such_network(store: Store) -> None:
    """A carrier with no node in the network gets the 404 of a network that does not exist,
    from the summary and from a node page alike."""
    expected = "no network named sichuan is stored"
    assert refused(lambda: network_summary(store, NAME, actor=NOBODY_HERE)) == expected
    assert refused(lambda: get_node(store, NAME, "ZTO-510100-HUB", actor=NOBODY_HERE)) == expected
    assert "elsewhere" in refused(lambda: network_summary(store, "elsewhere", actor=ADMIN))


@SQLITE_ONLY
@pytest.mark.parametrize("actor", [ADMIN, CHENGDU, ZTO], ids=["admin", "city", "carrier"])
def test_the_node_page_is_the_node_get_network_gives(
    store: Store, demo: Network, actor: Principal
) -> None:
    """Every node read alone equals the node in the caller's network; every other node of
    the network is not found, as one that does not exist."""
    visible = get_network(store, NAME, actor=actor).node_index()
    for node in demo.nodes[::17]:
        if node.id in visible:
            assert get_node(store, NAME, node.id, actor=actor) == visible[node.id]
        else:
            message = refused(lambda node=node: get_node(store, NAME, node.id, actor=actor))
            assert message == f"network sichuan has no node {node.id}"
    assert "has no node NOWHERE" in refused(lambda: get_node(store, NAME, "NOWHERE", actor=actor))


def smaller(network: Network) -> Network:
    """The network without its first city's lanes and with another title: other figures."""
    return network.model_copy(
        update={"title": "re-imported", "lanes": network.lanes[len(network.lanes) // 3 :]}
    )


def test_a_new_import_replaces_every_kept_figure_at_once(store: Store, demo: Network) -> None:
    """After a replace through this process the summary (whole and filtered) and the node
    page are the new network's at the next read; the old stored summaries are gone."""
    before = {actor.name: network_summary(store, NAME, actor=actor) for actor in (ADMIN, ZTO)}
    node = get_node(store, NAME, demo.nodes[0].id, actor=ADMIN)
    changed = smaller(demo)
    changed = changed.model_copy(
        update={"nodes": [node.model_copy(update={"staff": node.staff + 7}), *demo.nodes[1:]]}
    )
    save_network(store, changed, actor=ADMIN, source="again", replace=True)
    assert stored_reaches(store) == {"everything"}
    for actor in (ADMIN, ZTO):
        fresh = network_summary(store, NAME, actor=actor)
        assert fresh != before[actor.name]
        assert fresh == summarise(get_network(store, NAME, actor=actor))
        assert fresh.title == "re-imported"
    assert get_node(store, NAME, node.id, actor=ADMIN).staff == node.staff + 7


def test_an_import_by_another_process_is_seen_after_the_version_window(
    store: Store, demo: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replace written by another process (straight to the database, so this process is
    not told) is seen once the version this process keeps is older than VERSION_SECONDS."""
    assert network_summary(store, NAME, actor=ADMIN).title == demo.title
    with transaction(store.sessions) as session:
        NetworkRepository(session).save(smaller(demo), replace=True)
    assert network_summary(store, NAME, actor=ADMIN).title == demo.title  # kept, documented
    monkeypatch.setattr(operations, "VERSION_SECONDS", 0.0)
    summary = network_summary(store, NAME, actor=ADMIN)
    assert summary.title == "re-imported"
    assert summary == summarise(smaller(demo))
    # The other process stored no summary: this one computed it once and stored it.
    assert stored_reaches(store) == {"everything"}


@pytest.fixture
def client(store: Store, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, home=tmp_path, language="en")
    with TestClient(create_app(settings, store)) as test_client:
        test_client.headers.update(administrator_headers(store))
        yield test_client


def summary_body(summary: NetworkSummary) -> dict[str, Any]:
    body = {
        key: value for key, value in vars(summary).items() if key not in {"carriers", "regions"}
    }
    body["carriers"] = [vars(carrier) for carrier in summary.carriers]
    return body


def test_the_api_serves_the_stored_summary_and_follows_a_replace(
    client: TestClient, demo: Network, store: Store
) -> None:
    """GET /networks/{name} is the summary of the stored network; after POST /networks with
    replace=true the next GET is the new network's, and a node page the new node."""
    answer = client.get(f"/networks/{NAME}")
    assert answer.status_code == 200
    assert answer.json() == summary_body(summarise(demo))
    document = client.get(f"/networks/{NAME}/document").json()
    document["title"] = "replaced"
    document["nodes"][0]["staff"] += 3
    assert client.post("/networks", json=document, params={"replace": True}).status_code == 201
    assert client.get(f"/networks/{NAME}").json()["title"] == "replaced"
    node = client.get(f"/networks/{NAME}/nodes/{document['nodes'][0]['id']}")
    assert node.status_code == 200
    assert node.json()["staff"] == document["nodes"][0]["staff"]
    assert client.get(f"/networks/{NAME}/nodes/NOWHERE").status_code == 404


@SQLITE_ONLY
def test_what_this_process_keeps_answers_only_the_reach_it_was_computed_for(
    store: Store, demo: Network
) -> None:
    """The event-loop fast path never answers a filtered caller from what an administrator's
    read left in memory: a hidden node or another reach's summary is looked up (None here)."""
    hidden = next(node for node in demo.nodes if node.carrier != "ZTO")
    mine = next(node for node in demo.nodes if node.carrier == "ZTO")
    whole = network_summary(store, NAME, actor=ADMIN)
    for node in (hidden, mine):
        assert get_node(store, NAME, node.id, actor=ADMIN) == node
    assert operations.kept_network_summary(store, NAME, actor=ADMIN) == whole
    assert operations.kept_node(store, NAME, hidden.id, actor=ADMIN) == hidden
    assert operations.kept_network_summary(store, NAME, actor=ZTO) is None
    assert operations.kept_node(store, NAME, hidden.id, actor=ZTO) is None
    assert operations.kept_node(store, NAME, mine.id, actor=ZTO) == mine
    filtered = network_summary(store, NAME, actor=ZTO)
    assert operations.kept_network_summary(store, NAME, actor=ZTO) == filtered != whole


@SQLITE_ONLY
def test_the_network_routes_publish_their_bodies_and_statuses(
    client: TestClient, tiny: dict[str, Any], demo: Network
) -> None:
    """The document a client sends and the one export answers have their schema in OpenAPI
    (the test network is valid under it, the export is the file format's own document) and
    every route of a named network documents its 404."""
    NetworkDocumentIn.model_validate(tiny)
    exported = client.get(f"/networks/{NAME}/document").json()
    assert exported == network_to_document(demo)
    NetworkDocumentOut.model_validate(exported)
    paths = client.get("/openapi.json").json()["paths"]
    body = paths["/networks"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"name", "carriers", "nodes", "lanes"} <= set(body["properties"])
    assert "409" in paths["/networks"]["post"]["responses"]
    for path in (
        "/networks/{name}",
        "/networks/{name}/nodes/{node_id}",
        "/networks/{name}/document",
    ):
        assert "404" in paths[path]["get"]["responses"], path


@SQLITE_ONLY
def test_concurrent_first_reads_compute_a_summary_once(
    store: Store, demo: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Callers of one reach arriving together before its summary exists wait for a single
    computation (each would load the whole network) and all get it."""
    computed: list[int] = []
    original = operations.summarise

    def counted(network: Network) -> NetworkSummary:
        computed.append(1)
        return original(network)

    monkeypatch.setattr(operations, "summarise", counted)
    answers: list[NetworkSummary] = []
    start = threading.Barrier(6)

    def read() -> None:
        start.wait()
        answers.append(network_summary(store, NAME, actor=ZTO))

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(computed) == 1
    assert len(answers) == 6 and all(answer == answers[0] for answer in answers)
