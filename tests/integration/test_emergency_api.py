"""Emergency plans over HTTP (SQLite): the plans, a drill and a proposal recorded, a proposal
activated and terminated by its ETag, a stale or illegal step answered 409 with the steps
allowed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from peakguard.api.app import create_app
from peakguard.app.context import open_store
from peakguard.config import Settings
from tests.conftest import administrator_headers


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """The API over a fresh SQLite database, called by a system administrator's token."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'peakguard.db'}", home=tmp_path, language="en"
    )
    store = open_store(settings)
    with TestClient(create_app(settings, store)) as test_client:
        test_client.headers.update(administrator_headers(store))
        yield test_client
    store.engine.dispose()


def test_a_proposal_is_activated_and_terminated_over_http(client: TestClient) -> None:
    """A 30 h road cut in Chengdu proposes blockage level III; activate by ETag; a stale
    version and terminating twice are 409s; a drill is listed as one."""
    plans = client.get("/emergency/plans").json()
    assert {plan["key"] for plan in plans} >= {"peak_backlog", "network_blockage"}
    proposed = client.post(
        "/emergency/activations",
        json={
            "mode": "propose",
            "kind": "road_cut",
            "region": "510100",
            "facts": {"blocked_hours": 30},
            "trigger": "incident:SJ2026-000001",
        },
    )
    assert proposed.status_code == 201, proposed.text
    body = proposed.json()
    assert (body["plan"], body["level"], body["colour"]) == ("network_blockage", "III", "yellow")
    location = proposed.headers["Location"]
    activated = client.post(
        f"{location}/steps",
        json={"step": "activate"},
        headers={"If-Match": proposed.headers["ETag"]},
    )
    assert activated.json()["state"] == "activated"
    stale = client.post(
        f"{location}/steps", json={"step": "terminate", "expected_version": 1, "reason": "x"}
    )
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "stale_record")
    checked = client.post(
        f"{location}/actions/reroute", json={"expected_version": 2, "note": "绕行成绵高速"}
    )
    assert [a["checked"] for a in checked.json()["actions"] if a["key"] == "reroute"] == [True]
    ended = client.post(
        f"{location}/steps", json={"step": "terminate", "expected_version": 3, "reason": "道路抢通"}
    )
    assert ended.json()["state"] == "terminated"
    again = client.post(
        f"{location}/steps", json={"step": "terminate", "expected_version": 4, "reason": "x"}
    )
    assert (again.status_code, again.json()["error"]["allowed"]) == (409, [])
    nothing = client.post(
        "/emergency/activations",
        json={
            "mode": "propose",
            "kind": "road_cut",
            "region": "510100",
            "facts": {"blocked_hours": 2},
        },
    )
    assert [p["location"] for p in nothing.json()["error"]["problems"]] == ["facts"]
    drill = client.post(
        "/emergency/activations",
        json={"mode": "drill", "plan": "peak_backlog", "level": "II", "region": "510000"},
    )
    assert drill.json()["drill"] is True
    listed = client.get("/emergency/activations", params={"drill": "false"}).json()
    assert [item["id"] for item in listed] == [body["id"]]
