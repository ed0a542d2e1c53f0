"""Warnings from observation over HTTP (SQLite): evaluated from the lake, listed open first
with their reason and the local-policy note, read, acknowledged once; the observed state and
the projection of a network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from peakguard.api.app import create_app
from peakguard.app import accounts
from peakguard.app.context import open_store
from peakguard.app.networks import parse_network_document, save_network
from peakguard.config import Settings
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from peakguard.store.event_lake import ingest
from tests.conftest import administrator_headers
from tests.integration.test_observed_warnings import (
    SC_POST,
    ZTO_SC,
    arrivals,
    events,
    watched_document,
)
from tests.integration.test_observed_warnings_projection import busy

AT = "2026-11-11T20:00:00+08:00"  # 12:00 UTC, two hours after the parcels arrived


@pytest.fixture
def client(tmp_path: Path, tiny: dict[str, Any]) -> Iterator[TestClient]:
    """An administrator's client on a database holding the watched network (with demand
    from Chengdu's outlet to Mianyang's station through Deyang), with 8 parcels at Deyang's hub
    (80 % of its storage) in the lake."""
    lake = tmp_path / "lake"
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'p.db'}", home=tmp_path, language="en", event_lake=lake
    )
    store = open_store(settings)
    for organisation in (SC_POST, ZTO_SC):
        accounts.create_organisation(store, LOCAL_ADMINISTRATOR, organisation)
    network = parse_network_document(busy(watched_document(tiny)))
    save_network(store, network, actor=LOCAL_ADMINISTRATOR, source="test")
    ingest(lake, events(arrivals(8, 10)))
    with TestClient(create_app(settings, store)) as test_client:
        test_client.headers.update(administrator_headers(store))
        yield test_client
    store.engine.dispose()


def test_evaluate_list_read_and_acknowledge(client: TestClient) -> None:
    """Evaluated twice: one yellow warning on Deyang; listed with its reason (80 % of 10,
    local policy); acknowledged once, then 409; an unknown id 404."""
    body = {"network": "tiny", "at": AT, "projection_hours": 0}
    first = client.post("/warnings/evaluate", json=body)
    assert first.status_code == 200, first.text
    assert len(first.json()["raised"]) == 1 and first.json()["alerts"] == 2
    assert client.post("/warnings/evaluate", json=body).json()["raised"] == []
    page = client.get("/warnings", params={"state": "open"}).json()
    assert page["total"] == 1
    warning = page["items"][0]
    assert (warning["node_id"], warning["colour"], warning["backlog_source"]) == (
        "DY-HUB",
        "yellow",
        "lake",
    )
    assert "80%" in warning["reason"] and "local policy" in warning["reason"]
    assert "local policy" in warning["policy"]
    path = f"/warnings/{warning['id']}"
    assert client.get(path).json()["state"] == "raised"
    acked = client.post(f"{path}/acknowledge", json={"expected_version": warning["version"]})
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    assert client.post(f"{path}/acknowledge").status_code == 409
    assert client.get("/warnings/999999").status_code == 404


def test_observed_state_and_projection(client: TestClient) -> None:
    """Deyang holds 8 (from the lake, 80 %, level 3); the projection of 24 h starts from it
    (Deyang's shift opens at 08:00 and its lane on leaves at 08:00 and 20:00, so the 8 are
    still there 24 h later; no overflow); a naive moment is 422."""
    observed = client.get("/networks/tiny/observed", params={"at": AT}).json()
    deyang = next(node for node in observed["nodes"] if node["node_id"] == "DY-HUB")
    assert (deyang["backlog"], deyang["backlog_source"], deyang["level"]) == (8.0, "lake", 3)
    assert deyang["utilisation"] == pytest.approx(0.8)
    made = client.post("/warnings/projection", json={"network": "tiny", "at": AT, "hours": 24})
    assert made.status_code == 200, made.text
    node = next(item for item in made.json()["nodes"] if item["node_id"] == "DY-HUB")
    assert node["observed_backlog"] == 8.0 and len(node["backlog"]) == 24
    assert made.json()["left_out"] == []
    assert node["backlog"] == [8.0] * 24 and node["hours_to_overflow"] is None
    naive = client.post("/warnings/projection", json={"network": "tiny", "at": "2026-11-11T20:00"})
    assert naive.status_code == 422
