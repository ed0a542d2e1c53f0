"""POST /events/bulk: JSON and JSON lines in, the ingest report out, every mistake located,
and requests over the limits refused with 413."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from peakguard.api.app import create_app
from peakguard.api.routers import events
from peakguard.app.context import open_store
from peakguard.config import Settings
from peakguard.formats.scan_event_document import read_events
from peakguard.store.event_lake import event_paths, read_stored_events
from tests.conftest import administrator_headers
from tests.unit.ingest.conftest import EXAMPLE


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"


@pytest.fixture
def client(tmp_path: Path, lake: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'peakguard.db'}",
        home=tmp_path,
        language="en",
        event_lake=lake,
    )
    store = open_store(settings)
    with TestClient(create_app(settings, store)) as test_client:
        test_client.headers.update(administrator_headers(store))
        yield test_client
    store.engine.dispose()


def example_records() -> list[dict[str, Any]]:
    """The documented example as the API's JSON records (times back in +08:00)."""
    records = read_events(EXAMPLE).to_pylist()
    for record in records:
        record["time"] = record["time"].isoformat()
        for key in [key for key, value in record.items() if value is None]:
            del record[key]
    return records


def test_bulk_json_stores_once(client: TestClient, lake: Path) -> None:
    """The example posted twice: stored once, the second report says already stored."""
    body = {"events": example_records()}
    first = client.post("/events/bulk", json=body)
    assert first.status_code == 200, first.text
    assert {key: first.json()[key] for key in ("received", "stored", "partitions")} == {
        "received": 16,
        "stored": 16,
        "partitions": 3,
    }
    second = client.post("/events/bulk", json=body).json()
    assert (second["stored"], second["already_stored"]) == (0, 16)
    assert read_stored_events(lake).num_rows == 16


def test_bulk_json_lines(client: TestClient, lake: Path) -> None:
    """application/x-ndjson: one event a line; duplicates inside the request are counted."""
    lines = [json.dumps(record) for record in example_records()]
    response = client.post(
        "/events/bulk",
        content="\n".join([*lines, lines[0]]) + "\n",
        headers={"content-type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["stored"], response.json()["duplicates_in_batch"]) == (16, 1)


def test_mistakes_are_located_and_nothing_is_stored(client: TestClient, lake: Path) -> None:
    """Bad events: 422 in the shared error form, every location, nothing in the lake; the
    message follows Accept-Language."""
    records = example_records()
    records[2]["time"] = "2026-11-11T19:10:00"
    records[13]["reason"] = "melted"
    response = client.post("/events/bulk", json={"events": records})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert [problem["location"] for problem in error["problems"]] == [
        "events[2].time",
        "events[13].reason",
    ]
    assert error["problems"][0]["message"].startswith("needs a time zone")
    assert event_paths(lake) == []
    chinese = client.post(
        "/events/bulk", json={"events": records}, headers={"accept-language": "zh-CN"}
    )
    assert chinese.json()["error"]["message"] != error["message"]
    lines = client.post(
        "/events/bulk",
        content=json.dumps(records[0]) + "\n{broken\n",
        headers={"content-type": "application/x-ndjson"},
    )
    assert lines.json()["error"]["problems"][0]["location"] == "request line 2"


def test_malformed_bodies(client: TestClient) -> None:
    """Not JSON, no events list, an unknown top-level field: 422 with the place."""
    cases = [
        (b"{not json", "request"),
        (b'{"rows": []}', "events"),
        (b'{"events": {}}', "events"),
        (b'{"events": [], "carrier": "ZTO"}', "carrier"),
    ]
    for content, location in cases:
        response = client.post(
            "/events/bulk", content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, content
        found = response.json()["error"]["problems"][0]["location"]
        assert found == location or found.startswith(f"{location}: line"), (content, found)


def test_too_many_events_is_413(
    client: TestClient, lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the event or byte limit: 413 with a message saying how to split the request."""
    monkeypatch.setattr(events, "MAX_EVENTS_PER_REQUEST", 10)
    response = client.post("/events/bulk", json={"events": example_records()})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert "at most 10 events" in response.json()["error"]["message"]
    lines = "\n".join(json.dumps(record) for record in example_records())
    response = client.post(
        "/events/bulk", content=lines, headers={"content-type": "application/x-ndjson"}
    )
    assert response.status_code == 413
    monkeypatch.setattr(events, "MAX_BODY_BYTES", 100)
    response = client.post("/events/bulk", json={"events": example_records()[:1]})
    assert response.status_code == 413
    assert event_paths(lake) == []


def test_openapi_documents_the_endpoint(client: TestClient) -> None:
    """The OpenAPI schema has the route with both body types."""
    operation = client.get("/openapi.json").json()["paths"]["/events/bulk"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "application/json",
        "application/x-ndjson",
    }
