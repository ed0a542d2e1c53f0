"""Plans as jobs through the API with the server's worker running, on SQLite and PostgreSQL:
a staggered pickup plan and a reroute around a closure run to their results, which equal the
plans made directly by the app functions the CLI calls; a bad releases file queues nothing;
another organisation sees nothing."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from peakguard.api.app import create_app
from peakguard.api.job_runner import RunnerTiming
from peakguard.app.context import open_store
from peakguard.app.networks import get_network, save_network
from peakguard.app.plan_job import UploadedFile, releases_upload
from peakguard.app.plans import (
    closure_requests,
    plan_reroute,
    plan_stagger,
    reroute_plan_document,
    stagger_document,
)
from peakguard.app.simulation import parse_scenario_document
from peakguard.config import Settings
from peakguard.formats.loading import load_network
from peakguard.formats.plan_output import hub_rows
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.store.database import Store, transaction
from peakguard.store.tables import JobRow
from tests.conftest import administrator_headers

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
FAST = RunnerTiming(poll_seconds=0.1, heartbeat_seconds=0.5, stale_seconds=3.0, recover_seconds=0.5)
RELEASES = (
    "origin,carrier,release_day,latest_day,parcels\n"
    "ZTO-CD-O1,ZTO,2026-11-11,2026-11-13,90000\n"
    "ZTO-CD-O2,ZTO,2026-11-11,2026-11-12,80000\n"
    "ZTO-MY-O1,ZTO,2026-11-10,2026-11-12,50000\n"
)
"""Three outlets' Double 11 releases, more than the hubs can take on the day."""


def scenario_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((EXAMPLES / "double11-small.yaml").read_text())
    return json.loads(json.dumps(document, default=str))


def release_records() -> list[dict[str, Any]]:
    rows = list(csv.DictReader(io.StringIO(RELEASES)))
    return [row | {"parcels": int(row["parcels"])} for row in rows]


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """store: a migrated database on each engine with the Chengdu–Mianyang example stored."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
    save_network(opened, actor=ADMIN, network=network, source="test")
    yield opened
    opened.engine.dispose()


def jobs_app(store: Store, home: Path) -> FastAPI:
    app = create_app(Settings(database_url="sqlite://", home=home, language="en"), store)
    app.state.job_timing = FAST
    return app


def wait_for(condition: Callable[[], Any], seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    return condition()


def follow(client: TestClient, location: str, seconds: float = 120.0) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def finished() -> bool:
        seen.append(client.get(location).json())
        return seen[-1]["status"] in {"succeeded", "failed", "cancelled"}

    assert wait_for(finished, seconds), seen[-1]
    return seen


def job_rows(store: Store) -> int:
    with transaction(store.sessions) as session:
        return session.scalar(select(func.count()).select_from(JobRow)) or 0


def test_a_stagger_plan_job_equals_the_plan_made_directly(store: Store, tmp_path: Path) -> None:
    """The job's summary, hub loads and quotas file are those of plan_stagger with its check,
    called directly on the same network, scenario and releases; its stages go from solving
    through the check to writing, and its report and quotas are served."""
    body = {"network": "chengdu-mianyang", "scenario": scenario_document(),
            "releases": release_records()}  # fmt: skip
    with TestClient(jobs_app(store, tmp_path)) as client:
        client.headers.update(administrator_headers(store))
        submitted = client.post("/jobs/stagger-plans", json=body)
        assert submitted.status_code == 202, submitted.text
        location = submitted.headers["location"]
        seen = follow(client, location)
        done = seen[-1]
        assert done["status"] == "succeeded", done
        assert done["kind"] == "stagger-plan"
        progress = [state["progress"] for state in seen]
        assert progress == sorted(progress)
        network = get_network(store, "chengdu-mianyang", actor=ADMIN)
        scenario = parse_scenario_document(body["scenario"], network)
        releases = releases_upload(
            UploadedFile("releases.csv", RELEASES.encode()), network, scenario
        )
        direct = plan_stagger(network, scenario, releases, actor=ADMIN, check=True)
        expected = stagger_document(direct)
        solver = ("build_seconds", "solve_seconds")
        got, want = done["result"]["summary"], expected["summary"]
        for summary in (got, want):
            for key in solver:
                summary["solver"].pop(key)
        assert got == want
        assert done["result"]["hubs"] == json.loads(
            json.dumps(hub_rows(direct.plan, direct.comparison))
        )
        assert want["delayed_parcels"] > 0  # the plan moved parcels: not a trivial case
        quotas = client.get(f"{location}/files/quotas.csv")
        assert quotas.status_code == 200
        rows = list(csv.DictReader(io.StringIO(quotas.content.decode("utf-8-sig"))))
        assert [(r["origin"], r["day"], int(r["quota"])) for r in rows] == [
            (q["origin"], q["day"], q["quota"]) for q in expected["quotas"]
        ]
        report = client.get(f"{location}/report")
        assert report.status_code == 200 and "double11-small" in report.text
        assert set(done["links"]["files"]) >= {"quotas.csv", "quotas.xlsx", "hubs.csv"}


def test_a_reroute_job_equals_the_reroute_made_directly(store: Store, tmp_path: Path) -> None:
    """Around the scenario's closure of the Mianyang hub, the job's backups, temporary lanes
    and routing overrides are plan_reroute's with its check."""
    body = {"network": "chengdu-mianyang", "scenario": scenario_document()}
    with TestClient(jobs_app(store, tmp_path)) as client:
        client.headers.update(administrator_headers(store))
        submitted = client.post("/jobs/reroute-plans", json=body)
        assert submitted.status_code == 202, submitted.text
        done = follow(client, submitted.headers["location"])[-1]
        assert done["status"] == "succeeded", done
        network = get_network(store, "chengdu-mianyang", actor=ADMIN)
        scenario = parse_scenario_document(body["scenario"], network)
        direct = plan_reroute(network, scenario, closure_requests(scenario), actor=ADMIN)
        expected = [
            reroute_plan_document(plan, comparison)
            for plan, comparison in zip(direct.plans, direct.comparisons, strict=True)
        ]
        assert done["result"]["closures"] == json.loads(json.dumps(expected))
        assert expected[0]["backups"] and expected[0]["routing_overrides"]
        files = done["links"]["files"]
        assert "routing_overrides.csv" in files
        assert client.get(files["routing_overrides.csv"]).status_code == 200


def test_bad_releases_queue_nothing(store: Store, tmp_path: Path) -> None:
    """A release from an unknown outlet is a 422 located at its row; nothing is queued."""
    records = release_records()
    records[1]["origin"] = "NOPE"
    body = {"network": "chengdu-mianyang", "scenario": scenario_document(), "releases": records}
    with TestClient(jobs_app(store, tmp_path)) as client:
        client.headers.update(administrator_headers(store))
        refused = client.post("/jobs/stagger-plans", json=body)
        assert refused.status_code == 422, refused.text
        locations = [p["location"] for p in refused.json()["error"]["problems"]]
        assert any("releases[1]" in where for where in locations), locations
    assert job_rows(store) == 0
