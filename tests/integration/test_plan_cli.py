"""``peakguard plan stagger`` and ``POST /networks/{name}/plans/stagger`` on the example files."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from peakguard.api.app import create_app
from peakguard.app.context import open_store
from peakguard.app.networks import save_network
from peakguard.cli import app
from peakguard.config import Settings
from peakguard.formats.loading import load_network
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from tests.conftest import administrator_headers

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
RELEASES = (
    "origin,carrier,release_day,latest_day,parcels\n"
    "ZTO-CD-O1,ZTO,2026-11-11,2026-11-13,90000\n"
    "ZTO-CD-O2,ZTO,2026-11-11,2026-11-12,80000\n"
    "ZTO-MY-O1,ZTO,2026-11-10,2026-11-12,50000\n"
)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The command does not depend on the engine: SQLite only (the workflows run on both
    engines in their own tests)."""
    return sqlite_url


def run_stagger(out: Path, *extra: str) -> Any:
    return CliRunner().invoke(
        app,
        [
            "--lang",
            "en",
            "plan",
            "stagger",
            "--network",
            str(EXAMPLES / "chengdu-mianyang.yaml"),
            "--scenario",
            str(EXAMPLES / "double11-small.yaml"),
            "--out",
            str(out),
            *extra,
        ],
        catch_exceptions=False,
        env={"COLUMNS": "240"},
    )


def test_quotas_pick_up_every_release_within_its_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each origin's quotas add up to what it released, fall between its release and latest
    days, and the Excel file carries the same quotas as the CSV."""
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path / "home"))
    releases = tmp_path / "releases.csv"
    releases.write_text(RELEASES, encoding="utf-8")
    out = tmp_path / "out"
    result = run_stagger(out, "--releases", str(releases))
    assert result.exit_code == 0, result.output
    with (out / "quotas.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        totals[row["origin"]] += float(row["quota"])
    assert totals == pytest.approx({"ZTO-CD-O1": 90000, "ZTO-CD-O2": 80000, "ZTO-MY-O1": 50000})
    windows = {"ZTO-CD-O1": ("2026-11-11", "2026-11-13"), "ZTO-CD-O2": ("2026-11-11", "2026-11-12")}
    for row in rows:
        if row["origin"] in windows and float(row["quota"]) > 0:
            first, last = windows[row["origin"]]
            assert first <= row["day"] <= last
    workbook = load_workbook(out / "quotas.xlsx", read_only=True)
    sheet = list(workbook["quotas"].iter_rows(values_only=True))
    assert len(sheet) == len(rows) + 1
    assert {"carrier_days", "shortfalls", "columns"} <= set(workbook.sheetnames)
    workbook.close()
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["parcels"] == 220000
    assert "simulated" in plan  # checked by simulation by default


def test_shortfalls_are_stated_when_no_plan_fits(tmp_path: Path) -> None:
    """The Mianyang hub is closed for a day in the example week: the plan says no plan fits
    and lists that hub's shortfalls, with excess = load − limit."""
    releases = tmp_path / "releases.csv"
    releases.write_text(RELEASES, encoding="utf-8")
    result = run_stagger(tmp_path / "out", "--releases", str(releases), "--no-check")
    assert result.exit_code == 0, result.output
    assert "least-overflow plan" in result.output
    with (tmp_path / "out" / "shortfalls.csv").open(encoding="utf-8") as handle:
        shortfalls = list(csv.DictReader(handle))
    assert any(row["node"] == "ZTO-MY-HUB" for row in shortfalls)
    for row in shortfalls:
        assert float(row["excess"]) == pytest.approx(
            float(row["load"]) - float(row["limit"]), abs=1.0
        )


def test_a_bad_releases_file_is_refused_whole(tmp_path: Path) -> None:
    """Every bad cell and every bad reference (a hub as origin) is reported with its row and
    column in one go, and no output is written."""
    releases = tmp_path / "releases.csv"
    releases.write_text(
        "origin,carrier,release_day,latest_day,parcels\n"
        "ZTO-CD-O1,ZTO,2026-11-11,2026-11-13,-5\n"
        "ZTO-CD-O2,ZTO,not-a-day,2026-11-12,80000\n"
        "ZTO-CD-HUB,ZTO,2026-11-11,2026-11-12,100\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run_stagger(out, "--releases", str(releases))
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "releases.csv row 2, column parcels" in text
    assert "releases.csv row 3, column release_day" in text
    assert "releases.csv row 4, column origin" in text
    assert not out.exists()


def test_a_release_naming_a_hub_is_located(tmp_path: Path) -> None:
    """Reference mistakes (a hub as origin, the wrong carrier) carry the file row too."""
    releases = tmp_path / "releases.csv"
    releases.write_text(
        "origin,carrier,release_day,latest_day,parcels\n"
        "ZTO-CD-HUB,ZTO,2026-11-11,2026-11-12,100\n"
        "ZTO-CD-O1,SF,2026-11-11,2026-11-12,100\n",
        encoding="utf-8",
    )
    result = run_stagger(tmp_path / "out", "--releases", str(releases))
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "releases.csv row 2, column origin" in text
    assert "releases.csv row 3, column carrier" in text


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, home=tmp_path, language="en")
    store = open_store(settings)
    save_network(
        store,
        actor=ADMIN,
        network=load_network(EXAMPLES / "chengdu-mianyang.yaml"),
        source="example",
    )
    with TestClient(create_app(settings, store)) as test_client:
        test_client.headers.update(administrator_headers(store))
        yield test_client
    store.engine.dispose()


def test_the_api_plans_like_the_cli(client: TestClient) -> None:
    """POST …/plans/stagger returns quotas that add up per release and the shortfalls;
    bad releases come back as 422 with every location."""
    scenario = yaml.safe_load((EXAMPLES / "double11-small.yaml").read_text(encoding="utf-8"))
    scenario = json.loads(json.dumps(scenario, default=str))
    releases = [
        {
            "origin": "ZTO-CD-O1",
            "carrier": "ZTO",
            "release_day": "2026-11-11",
            "latest_day": "2026-11-13",
            "parcels": 90000,
        },
    ]
    name = client.get("/networks").json()[0]["name"]
    response = client.post(
        f"/networks/{name}/plans/stagger", json={"scenario": scenario, "releases": releases}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert sum(row["quota"] for row in body["quotas"]) == pytest.approx(90000, abs=2)
    assert body["summary"]["parcels"] == 90000
    bad = [{**releases[0], "parcels": -1, "latest_day": "soon"}]
    response = client.post(
        f"/networks/{name}/plans/stagger", json={"scenario": scenario, "releases": bad}
    )
    assert response.status_code == 422
    locations = {problem["location"] for problem in response.json()["error"]["problems"]}
    assert {"releases[0].parcels", "releases[0].latest_day"} <= locations


def test_reroute_through_the_cli_names_a_backup(tmp_path: Path) -> None:
    """The example's closed Mianyang hub is served from the Chengdu hub: the backup takes all
    its parcels, the files are written and the rerouted run refuses fewer departures there."""
    result = CliRunner().invoke(
        app,
        [
            "--lang",
            "en",
            "plan",
            "reroute",
            "--network",
            str(EXAMPLES / "chengdu-mianyang.yaml"),
            "--scenario",
            str(EXAMPLES / "double11-small.yaml"),
            "--out",
            str(tmp_path),
        ],
        catch_exceptions=False,
        env={"COLUMNS": "240"},
    )
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "reroute.json").read_text(encoding="utf-8"))
    assert document["closed"] == ["ZTO-MY-HUB"]
    assert sum(backup["parcel_share"] for backup in document["backups"]) == pytest.approx(
        document["absorbed_parcels"] / document["parcels"], abs=1e-3
    )
    simulated = document["simulated"]
    assert (
        simulated["with_reroute"]["refused_departures_at_closed_nodes"]
        < simulated["without_reroute"]["refused_departures_at_closed_nodes"]
    )
    with (tmp_path / "routing_overrides.csv").open(encoding="utf-8") as handle:
        overrides = list(csv.DictReader(handle))
    assert overrides and len(overrides) == document["routing_overrides"]


def test_reroute_through_the_api_locates_mistakes(client: TestClient) -> None:
    """POST …/plans/reroute answers with backups; a node that is not a hub is a 422."""
    scenario = yaml.safe_load((EXAMPLES / "double11-small.yaml").read_text(encoding="utf-8"))
    scenario = json.loads(json.dumps(scenario, default=str))
    name = client.get("/networks").json()[0]["name"]
    response = client.post(f"/networks/{name}/plans/reroute", json={"scenario": scenario})
    assert response.status_code == 200, response.text
    closures = response.json()["closures"]
    assert len(closures) == len(scenario["closures"])
    assert closures[0]["backups"][0]["hub"] == "ZTO-CD-HUB"
    response = client.post(
        f"/networks/{name}/plans/reroute",
        json={
            "scenario": scenario,
            "nodes": ["ZTO-CD-O1"],
            "start": "2026-11-11T00:00",
            "end": "2026-11-12T00:00",
        },
    )
    assert response.status_code == 422
    assert "ZTO-CD-O1" in response.text
