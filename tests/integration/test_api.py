"""The HTTP API on each engine: reads, filters, validation, and structured errors."""

from __future__ import annotations

import copy
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from peakguard.api.app import create_app
from peakguard.app.context import open_store
from peakguard.app.networks import save_network
from peakguard.config import Settings
from peakguard.demo.sichuan import DemoParameters, build_sichuan_network
from peakguard.formats.network_document import parse_network
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from tests.conftest import administrator_headers


@pytest.fixture
def client(database_url: str, tmp_path: Path, tiny: dict[str, Any]) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, home=tmp_path, language="en")
    store = open_store(settings)
    save_network(store, actor=ADMIN, network=parse_network(tiny), source="tiny.json")
    save_network(
        store,
        build_sichuan_network(DemoParameters(outlets_per_carrier=14)),
        actor=ADMIN,
        source="demo",
    )
    with TestClient(create_app(settings, store)) as test_client:
        test_client.headers.update(administrator_headers(store))
        yield test_client
    store.engine.dispose()


def test_health_names_the_database(client: TestClient, database_url: str) -> None:
    """/health answers ok and says which engine it runs on."""
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["database"] == database_url.split(":", maxsplit=1)[0].split("+", maxsplit=1)[0]


def test_list_and_read_networks(client: TestClient) -> None:
    """Both stored networks are listed; the summary of one has its counts and capacities."""
    listed = {item["name"]: item for item in client.get("/networks").json()}
    assert set(listed) == {"tiny", "sichuan-demo"}
    assert (listed["tiny"]["nodes"], listed["tiny"]["lanes"]) == (5, 5)
    tiny = client.get("/networks/tiny").json()
    assert tiny["nodes_by_kind"] == {"hub": 3, "outlet": 1, "station": 1, "consolidation_point": 0}
    # Three hubs sorting 12 h a day at 5000, 2000 and 2000 parcels an hour.
    assert tiny["hub_daily_sorting_capacity"] == 12 * (5000 + 2000 + 2000)
    assert tiny["routed_pairs"] == 1 and tiny["unrouted_pairs"] == 0


def test_nodes_filter_and_page(client: TestClient) -> None:
    """Nodes filter by kind, carrier and region prefix, and page with offset and limit."""
    hubs = client.get(
        "/networks/sichuan-demo/nodes", params={"kind": "hub", "carrier": "SF", "region": "51"}
    ).json()
    assert hubs["total"] == 21
    assert all(
        n["kind"] == "hub" and n["carrier"] == "SF" and n["region"].startswith("51")
        for n in hubs["items"]
    )
    page = client.get("/networks/sichuan-demo/nodes", params={"limit": 10, "offset": 5}).json()
    assert len(page["items"]) == 10 and page["offset"] == 5
    node = client.get("/networks/tiny/nodes/CD-HUB").json()
    assert node["daily_sorting_capacity"] == 60_000


def test_lanes_filter(client: TestClient) -> None:
    """Lanes filter by origin and mode; daily capacity = departures × capacity."""
    lanes = client.get("/networks/tiny/lanes", params={"origin": "CD-HUB"}).json()
    assert {lane["id"] for lane in lanes["items"]} == {"L2", "L4"}
    assert lanes["items"][0]["daily_capacity"] == 2 * 5000
    air = client.get("/networks/sichuan-demo/lanes", params={"mode": "air"}).json()
    assert air["total"] > 0 and all(lane["mode"] == "air" for lane in air["items"])


def test_not_found_is_structured(client: TestClient) -> None:
    """An unknown network or node gives 404 with a code and a sentence."""
    response = client.get("/networks/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "nowhere" in response.json()["error"]["message"]
    assert client.get("/networks/tiny/nodes/NOPE").status_code == 404


def test_validation_errors_carry_the_cli_locations(
    client: TestClient, tiny: dict[str, Any]
) -> None:
    """POST /networks/validate answers 422 with every problem at the same location the CLI
    prints, in the language the client asks for."""
    broken = copy.deepcopy(tiny)
    broken["lanes"][1]["transit_hours"] = 0
    broken["nodes"][2]["region"] = "510199"
    response = client.post("/networks/validate", json=broken)
    assert response.status_code == 422
    problems = {p["location"]: p["message"] for p in response.json()["error"]["problems"]}
    assert problems == {
        "lanes[1].transit_hours": "must be greater than 0",
        "nodes[2].region": "unknown region code 510199",
    }
    chinese = client.post(
        "/networks/validate", json=broken, headers={"Accept-Language": "zh-CN,zh;q=0.9"}
    )
    messages = {p["location"]: p["message"] for p in chinese.json()["error"]["problems"]}
    assert messages["nodes[2].region"] == "未知的行政区划代码 510199"
    assert client.post("/networks/validate", json=tiny).json()["valid"] is True


def test_bad_query_parameters_are_structured(client: TestClient) -> None:
    """A bad query parameter gets the same error shape, located at query.limit."""
    response = client.get("/networks/tiny/nodes", params={"limit": 0})
    assert response.status_code == 422
    [problem] = response.json()["error"]["problems"]
    assert problem == {"location": "query.limit", "message": "must be at least 1"}


def test_openapi_documents_the_endpoints(client: TestClient) -> None:
    """/docs is served and the OpenAPI schema lists the read endpoints."""
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/health",
        "/networks",
        "/networks/{name}",
        "/networks/{name}/nodes",
        "/networks/{name}/lanes",
    } <= set(paths)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_peakguard_serve_answers_on_localhost(tmp_path: Path) -> None:
    """``peakguard serve`` starts a real server on loopback that answers /health."""
    port = _free_port()
    environment = {**os.environ, "PEAKGUARD_HOME": str(tmp_path), "PEAKGUARD_LANGUAGE": "en"}
    environment.pop("PEAKGUARD_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "peakguard.cli", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        assert response.json()["database"] == "sqlite"
    finally:
        process.terminate()
        process.wait(timeout=10)
