"""POST /events/retractions: stored events withdrawn by an audited record, never deleted; a
carrier retracts only its own brand's events; the key names the carrier, so no carrier can
pre-empt another's events (issue #13)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from peakguard.api.app import create_app
from peakguard.app import accounts
from peakguard.app.audit import audit_entries
from peakguard.app.context import open_store
from peakguard.config import Settings
from peakguard.identity.model import LOCAL_ADMINISTRATOR, Organisation, OrganisationKind
from peakguard.store.database import Store
from peakguard.store.event_lake import read_stored_events
from tests.conftest import administrator_headers
from tests.integration.test_events_api import example_records

KEY = ("carrier", "waybill", "event", "node_id", "time")


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"


@pytest.fixture
def served(tmp_path: Path, lake: Path) -> Iterator[tuple[TestClient, Store]]:
    """served: the API on an empty SQLite database and lake, called as an administrator."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'peakguard.db'}",
        home=tmp_path,
        language="en",
        event_lake=lake,
    )
    store = open_store(settings)
    with TestClient(create_app(settings, store)) as test_client:
        test_client.headers.update(administrator_headers(store))
        yield test_client, store
    store.engine.dispose()


def carrier_headers(store: Store, brand: str) -> dict[str, str]:
    """A headquarters token of ``brand`` that may send (and so retract) its events."""
    accounts.create_organisation(
        store,
        LOCAL_ADMINISTRATOR,
        Organisation(code=brand.lower(), name=brand, kind=OrganisationKind.carrier, carrier=brand),
    )
    issued = accounts.issue_token(
        store,
        LOCAL_ADMINISTRATOR,
        organisation=brand.lower(),
        name="feed",
        permissions=["events.write"],
        days=1,
        max_days=1,
    )
    return {"Authorization": f"Bearer {issued.text}"}


def key_of(record: dict[str, Any]) -> dict[str, Any]:
    return {name: record[name] for name in KEY}


def test_retract_then_send_again(served: tuple[TestClient, Store], lake: Path) -> None:
    """A retracted event leaves the lake's readings and is recorded in the audit trail; sent
    again, it is stored again."""
    client, store = served
    records = example_records()
    assert client.post("/events/bulk", json={"events": records}).status_code == 200
    body = {"reason": "scanned at the wrong node", "events": [key_of(records[4])]}
    response = client.post("/events/retractions", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["retracted"], answer["already_retracted"]) == (1, 0)
    assert read_stored_events(lake).num_rows == 15
    _total, entries = audit_entries(store, LOCAL_ADMINISTRATOR, record_id=answer["retraction"])
    assert [(e.action, e.detail["retracted"], e.detail["reason"]) for e in entries] == [
        ("events.retract", 1, "scanned at the wrong node")
    ]
    again = client.post("/events/retractions", json=body).json()
    assert (again["retraction"], again["retracted"], again["already_retracted"]) == (None, 0, 1)
    resent = client.post("/events/bulk", json={"events": records}).json()
    assert (resent["stored"], resent["already_stored"]) == (1, 15)
    assert read_stored_events(lake).num_rows == 16


def test_a_carrier_retracts_only_its_own_brand(
    served: tuple[TestClient, Store], lake: Path
) -> None:
    """ZTO's token: an SF key is refused whole (403, located, nothing retracted); ZTO retracting
    a batch that also holds SF events withdraws ZTO's alone."""
    client, store = served
    records = example_records()
    batch = client.post("/events/bulk", json={"events": records}).json()["batch"]
    zto = carrier_headers(store, "ZTO")
    sf_record = next(r for r in records if r["carrier"] == "SF")
    refused = client.post(
        "/events/retractions",
        json={"reason": "not ours", "events": [key_of(sf_record)]},
        headers=zto,
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["problems"][0]["location"] == "events[0].carrier"
    assert read_stored_events(lake).num_rows == 16
    done = client.post(
        "/events/retractions", json={"reason": "bad feed", "batch": batch}, headers=zto
    )
    assert done.status_code == 200, done.text
    assert done.json()["retracted"] == sum(1 for r in records if r["carrier"] == "ZTO")
    assert set(read_stored_events(lake).column("carrier").to_pylist()) == {"SF"}


def test_pre_emption_through_the_api(served: tuple[TestClient, Store], lake: Path) -> None:
    """ZTO sends an event with YTO's waybill, event, node and moment first; YTO's genuine event
    is stored, not dropped as already stored."""
    client, store = served
    genuine = {**example_records()[0], "carrier": "YTO", "waybill": "YT0000000001"}
    forged = {**genuine, "carrier": "ZTO"}
    sent = client.post(
        "/events/bulk", json={"events": [forged]}, headers=carrier_headers(store, "ZTO")
    )
    assert sent.status_code == 200, sent.text
    answer = client.post(
        "/events/bulk", json={"events": [genuine]}, headers=carrier_headers(store, "YTO")
    ).json()
    assert (answer["stored"], answer["already_stored"]) == (1, 0)
    assert sorted(read_stored_events(lake).column("carrier").to_pylist()) == ["YTO", "ZTO"]


BATCH = "20261111T083000123456Z-1a2b3c4d"
MISTAKES: list[tuple[dict[str, Any], int, str | None]] = [
    ({"reason": "", "batch": BATCH}, 422, "reason"),
    ({"reason": "   ", "batch": BATCH}, 422, "reason"),
    ({"reason": "x"}, 422, "batch"),
    ({"reason": "x", "batch": "../../etc"}, 422, "batch"),
    ({"reason": "x", "events": []}, 422, "events"),
    ({"reason": "x", "batch": BATCH}, 404, None),
    ({"reason": "a\u0000b", "batch": BATCH}, 422, "reason"),
    ({"reason": "a\u200bb", "batch": BATCH}, 422, "reason"),
    ({"reason": "x", "events": [{"carrier": "ZTO"}]}, 422, "events[0].waybill"),
    ({"reason": "x", "colour": 1, "batch": BATCH}, 422, "colour"),
]
"""Bodies that are wrong: the answer's status and the place its first problem names."""


def test_mistakes_are_located(served: tuple[TestClient, Store], lake: Path) -> None:
    """A reason is required (without hidden characters), a batch id has its form, an unknown
    batch is 404, an event named by halves or an unknown field is refused at its place; never
    a 500, and nothing is retracted."""
    client, _store = served
    client.post("/events/bulk", json={"events": example_records()})
    for body, status, location in MISTAKES:
        response = client.post("/events/retractions", json=body)
        assert response.status_code == status, (body, response.text)
        if location is not None:
            locations = [p["location"] for p in response.json()["error"]["problems"]]
            assert any(found.endswith(location) for found in locations), (body, locations)
    assert read_stored_events(lake).num_rows == 16


def test_a_key_not_stored_retracts_nothing(served: tuple[TestClient, Store], lake: Path) -> None:
    """One key of two matches no stored event: 422 at that key, and the other is not retracted;
    a time without its zone is refused."""
    client, _store = served
    records = example_records()
    client.post("/events/bulk", json={"events": records})
    unknown = {**key_of(records[1]), "waybill": "NOPE"}
    response = client.post(
        "/events/retractions", json={"reason": "x", "events": [key_of(records[0]), unknown]}
    )
    assert response.status_code == 422
    assert [p["location"] for p in response.json()["error"]["problems"]] == ["events[1].waybill"]
    assert read_stored_events(lake).num_rows == 16
    naive = {**key_of(records[0]), "time": "2026-11-11T08:05:00"}
    assert (
        client.post("/events/retractions", json={"reason": "x", "events": [naive]}).status_code
        == 422
    )


def test_an_empty_event_object_is_a_located_422(served: tuple[TestClient, Store]) -> None:
    """``{"events": [{}]}`` (a 500 found by schemathesis) is refused at events[0]."""
    client, _store = served
    response = client.post("/events/bulk", json={"events": [{}]})
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["location"] == "events[0]"


def test_openapi_documents_every_status(served: tuple[TestClient, Store]) -> None:
    """Both routes document their answers, and the retraction's body is a typed schema."""
    client, _store = served
    paths = client.get("/openapi.json").json()["paths"]
    assert {"200", "403", "413", "422"} <= set(paths["/events/bulk"]["post"]["responses"])
    retraction = paths["/events/retractions"]["post"]
    assert {"200", "401", "403", "404", "422"} <= set(retraction["responses"])
    schema = retraction["requestBody"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/RetractionIn")


def test_the_bulk_schema_is_exact(served: tuple[TestClient, Store]) -> None:
    """The documented event schema takes the documented example (every field typed, the rules
    between event and fields stated) and refuses what the reader refuses: a reason on an
    accept, an accept without its flags, an unknown field."""
    client, _store = served
    body = client.get("/openapi.json").json()["paths"]["/events/bulk"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    items = jsonschema_rs.validator_for(schema["properties"]["events"]["items"])
    records = example_records()
    assert all(items.is_valid(record) for record in records)
    accept = next(record for record in records if record["event"] == "accept")
    assert not items.is_valid({**accept, "reason": "damage"})
    assert not items.is_valid({key: v for key, v in accept.items() if key != "x_rayed"})
    assert not items.is_valid({**accept, "colour": "red"})
    assert not items.is_valid({**accept, "waybill": "ZT\u200b1"})
    whole = jsonschema_rs.validator_for(schema)
    assert whole.is_valid({"events": records}) and not whole.is_valid({"events": [{}]})
