"""Forecasts as jobs through the API with the server's worker running, on SQLite and
PostgreSQL: a history's forecast and, given a network, its capacity gaps equal those made
directly by the app functions the CLI calls; a bad history queues nothing; capacity needs
capacity.run."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from peakguard.app.capacity import capacity_for, capacity_records
from peakguard.app.context import open_store
from peakguard.app.forecasts import forecast_records, forecast_volumes, read_forecast_inputs
from peakguard.app.networks import get_network, save_network
from peakguard.config import Settings
from peakguard.formats.loading import load_network
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.store.database import Store
from tests.conftest import administrator_headers
from tests.integration.test_plan_jobs import EXAMPLES, follow, job_rows, jobs_app

NODES = {"ZTO-CD-HUB": ("510100", 30000.0), "ZTO-MY-HUB": ("510700", 7000.0),
         "ZTO-CD-O1": ("510104", 9000.0)}  # fmt: skip
"""Three nodes of the Chengdu–Mianyang example, each with a normal day's parcels."""


def small_history(days: int = 63) -> list[dict[str, Any]]:
    """Nine weeks of three nodes' daily parcels: a weekly rhythm, a slow rise, no noise —
    enough for the calendar models, small enough for a test that takes seconds."""
    first = date(2026, 9, 1)
    rows = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        for node, (region, level) in NODES.items():
            weekly = 1 + 0.15 * math.sin(2 * math.pi * day.weekday() / 7)
            volume = round(level * weekly * (1 + 0.002 * offset))
            rows.append({"day": day.isoformat(), "carrier": "ZTO", "region": region,
                         "node": node, "volume": volume})  # fmt: skip
    return rows


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """store: a migrated database on each engine with the Chengdu–Mianyang example stored."""
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
    save_network(opened, actor=ADMIN, network=network, source="test")
    yield opened
    opened.engine.dispose()


def test_a_forecast_job_with_a_network_equals_the_forecast_and_gaps_made_directly(
    store: Store, tmp_path: Path
) -> None:
    """The job's forecast summary, its forecasts file (every series and day with its 80 and
    95 % intervals) and its capacity gaps are forecast_volumes' and capacity_for's on the
    same history."""
    history = small_history()
    body = {"history": history, "horizon_days": 14, "network": "chengdu-mianyang"}
    with TestClient(jobs_app(store, tmp_path)) as client:
        client.headers.update(administrator_headers(store))
        submitted = client.post("/jobs/forecasts", json=body)
        assert submitted.status_code == 202, submitted.text
        location = submitted.headers["location"]
        seen = follow(client, location)
        done = seen[-1]
        assert done["status"] == "succeeded", done
        assert done["kind"] == "forecast"
        stages = [state["stage"] for state in seen]
        assert [p["progress"] for p in seen] == sorted(p["progress"] for p in seen), stages
        network = get_network(store, "chengdu-mianyang", actor=ADMIN)
        direct = forecast_records(
            forecast_volumes(
                read_forecast_inputs(history, network=network), actor=ADMIN, horizon_days=14
            )
        )
        assert done["result"]["summary"] == json.loads(json.dumps(direct["summary"]))
        forecasts = client.get(f"{location}/files/forecasts.csv")
        assert forecasts.status_code == 200
        read = list(csv.DictReader(io.StringIO(forecasts.content.decode("utf-8-sig"))))
        assert len(read) == len(direct["forecasts"]) > 0
        for row, expected in zip(read, direct["forecasts"], strict=True):
            for key in ("day", "point", "lower_80", "upper_80", "lower_95", "upper_95"):
                assert str(row[key]) == str(expected[key]), (row, expected)
        sized = capacity_records(
            capacity_for(network, actor=ADMIN, history=history, horizon_days=14)
        )
        assert sized["gaps"]  # the forecast outgrows some node: not a trivial case
        assert done["result"]["capacity"]["gaps"] == json.loads(json.dumps(sized["gaps"]))
        assert done["result"]["capacity"]["summary"] == json.loads(json.dumps(sized["summary"]))
        assert "gaps.csv" in done["links"]["files"]


def test_a_bad_history_queues_nothing(store: Store, tmp_path: Path) -> None:
    """A negative volume is a 422 located at its row; nothing is queued."""
    history = small_history()
    history[4]["volume"] = -3
    with TestClient(jobs_app(store, tmp_path)) as client:
        client.headers.update(administrator_headers(store))
        refused = client.post("/jobs/forecasts", json={"history": history, "horizon_days": 7})
        assert refused.status_code == 422, refused.text
        locations = [p["location"] for p in refused.json()["error"]["problems"]]
        assert any(where.startswith("history[4]") for where in locations), locations
    assert job_rows(store) == 0
