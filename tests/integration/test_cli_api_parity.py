"""Every operation the CLI offers on a file, the API offers on a body, with the same result.

Both edges call the same functions of :mod:`peakguard.app`; these tests hold them to it: the
table below must name every command of the CLI, each route it names must exist, and for each
operation the API's answer is checked against the CLI's file on the same input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from peakguard.api.app import create_app
from peakguard.app.context import open_store
from peakguard.cli import app as cli_app
from peakguard.config import Settings
from tests.conftest import administrator_headers

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
NETWORK = EXAMPLES / "chengdu-mianyang.yaml"
SCENARIO = EXAMPLES / "double11-small.yaml"

OPERATIONS: dict[str, tuple[str, str] | None] = {
    "network validate": ("POST", "/networks/validate"),
    "network import": ("POST", "/networks"),
    "network export": ("GET", "/networks/{name}/document"),
    "network list": ("GET", "/networks"),
    "network show": ("GET", "/networks/{name}"),
    "simulate": ("POST", "/networks/{name}/simulations"),
    "plan stagger": ("POST", "/networks/{name}/plans/stagger"),
    "plan reroute": ("POST", "/networks/{name}/plans/reroute"),
    "plan schedules": ("GET", "/plan-schedules"),
    "forecast": ("POST", "/forecasts"),
    "capacity": ("POST", "/networks/{name}/capacity"),
    "events ingest": ("POST", "/events/bulk"),
    "events retract": ("POST", "/events/retractions"),
    "report daily": ("GET", "/bulletins/daily"),
    "report weekly": ("GET", "/bulletins/weekly"),
    "report monthly": ("GET", "/bulletins/monthly"),
    "admin roles": ("GET", "/admin/roles"),
    "admin organisation add": ("POST", "/admin/organisations"),
    "admin organisation list": ("GET", "/admin/organisations"),
    "admin user add": ("POST", "/admin/users"),
    "admin user list": ("GET", "/admin/users"),
    "admin user reset-password": ("POST", "/admin/users/{username}/password"),
    "admin user disable": ("POST", "/admin/users/{username}/disable"),
    "admin user enable": ("POST", "/admin/users/{username}/enable"),
    "admin token issue": ("POST", "/admin/tokens"),
    "admin token list": ("GET", "/admin/tokens"),
    "admin token revoke": ("POST", "/admin/tokens/{token_id}/revoke"),
    "audit verify": ("GET", "/audit/verify"),
    "audit list": ("GET", "/audit"),
    "cases list": ("GET", "/cases"),
    "cases show": ("GET", "/cases/{reference}"),  # --personal: GET /cases/{reference}/personal
    "cases open": ("POST", "/cases"),
    "cases step": ("POST", "/cases/{reference}/steps"),
    "cases sweep": ("POST", "/cases/sweep"),
    "cases import": ("POST", "/cases/imports"),
    "cases retention": None,  # the retention sweep: an operator's task on the host
    "report appeals": ("GET", "/bulletins/appeals"),
    "calendar load": ("POST", "/calendar/notices"),
    "calendar years": ("GET", "/calendar/years"),
    "daily submit": ("POST", "/daily-reports/files"),  # a file; JSON: POST /daily-reports
    "daily list": ("GET", "/daily-reports"),
    "daily show": ("GET", "/daily-reports/{report_id}"),
    "daily rollup": ("GET", "/daily-reports/rollup"),
    "daily sweep": ("POST", "/daily-reports/sweep"),
    "duty roster set": ("PUT", "/duty/rosters"),
    "duty roster show": ("GET", "/duty/rosters"),
    "duty now": ("GET", "/duty/now"),
    "duty log": ("GET", "/duty/log"),  # --add: POST /duty/log
    "duty alerts": ("GET", "/duty/alerts"),
    "duty ack": ("POST", "/duty/alerts/{alert_id}/acknowledge"),
    "duty sweep": ("POST", "/duty/sweep"),
    "incident open": ("POST", "/incidents"),
    "incident list": ("GET", "/incidents"),
    "incident show": ("GET", "/incidents/{reference}"),
    "incident report": ("POST", "/incidents/{reference}/reports"),
    "incident reroute": ("POST", "/incidents/{reference}/reroute"),
    "incident sweep": ("POST", "/incidents/sweep"),
    "emergency plans": ("GET", "/emergency/plans"),
    "emergency propose": ("POST", "/emergency/activations"),
    "emergency activate": ("POST", "/emergency/activations/{activation_id}/steps"),
    "emergency drill": ("POST", "/emergency/activations"),
    "emergency level": ("POST", "/emergency/activations/{activation_id}/steps"),
    "emergency terminate": ("POST", "/emergency/activations/{activation_id}/steps"),
    "emergency check": ("POST", "/emergency/activations/{activation_id}/actions/{action_key}"),
    "emergency list": ("GET", "/emergency/activations"),
    "emergency show": ("GET", "/emergency/activations/{activation_id}"),
    "warnings evaluate": ("POST", "/warnings/evaluate"),
    "warnings list": ("GET", "/warnings"),
    "warnings ack": ("POST", "/warnings/{warning_id}/acknowledge"),
    "warnings observed": ("GET", "/networks/{name}/observed"),
    "warnings project": ("POST", "/warnings/projection"),
    "supervise quotas": ("GET", "/supervision/quotas"),
    "supervise stops": ("GET", "/supervision/stops"),
    "security compliance": ("GET", "/security/compliance"),
    "security watchlist": ("GET", "/security/watchlist"),
    "realname import": ("POST", "/realname/imports"),
    "realname search": ("POST", "/realname/search"),
    "realname show": ("GET", "/realname/entries/{entry_id}"),
    "realname reveal": ("POST", "/realname/entries/{entry_id}/reveal"),
    "realname flags": ("GET", "/realname/flags"),
    "realname review": ("POST", "/realname/flags/{flag_id}/review"),
    "realname employees": ("PUT", "/realname/employees"),
    "realname check-waybills": ("POST", "/realname/waybill-checks/file"),
    "realname rotate": None,  # re-seals with the deployment's keys: an operator's task on the host
    "realname prune": None,  # the register's retention: an operator's task on the host
    "inspect plan": ("POST", "/inspections"),
    "inspect start": ("POST", "/inspections/{inspection_id}/start"),
    "inspect answer": ("POST", "/inspections/{inspection_id}/answers"),  # --file: …/answers/file
    "inspect complete": ("POST", "/inspections/{inspection_id}/complete"),
    "inspect cancel": ("POST", "/inspections/{inspection_id}/cancel"),
    "inspect evidence": ("POST", "/inspections/findings/{finding_id}/evidence"),
    "inspect list": ("GET", "/inspections"),
    "inspect show": ("GET", "/inspections/{inspection_id}"),
    "inspect checklist": ("GET", "/inspections/checklist"),
    "inspect export": ("GET", "/inspections/export"),
    "inspect abnormal add": ("POST", "/abnormal-outlets"),
    "inspect abnormal remove": ("POST", "/abnormal-outlets/{entry_id}/remove"),
    "inspect abnormal list": ("GET", "/abnormal-outlets"),
    "inspect commitments add": ("POST", "/commitments"),
    "inspect commitments list": ("GET", "/commitments"),
    "hold place": ("POST", "/holds"),
    "hold list": ("GET", "/holds"),
    "hold show": ("GET", "/holds/{hold_id}"),
    "hold release": ("POST", "/holds/{hold_id}/release"),
    "hold violations": ("GET", "/holds/violations"),
    "hold sweep": ("POST", "/holds/sweep"),
    "order issue": ("POST", "/orders"),
    "order list": ("GET", "/orders"),
    "order show": ("GET", "/orders/{reference}"),
    "order respond": ("POST", "/orders/{reference}/respond"),
    "order extension": ("POST", "/orders/{reference}/extension"),
    "order recheck": ("POST", "/orders/{reference}/recheck"),
    "order escalate": ("POST", "/orders/{reference}/escalate"),
    "order sweep": ("POST", "/orders/sweep"),
    "order export": ("GET", "/orders/export"),
    "order rules": ("GET", "/orders/rules"),
    "order penalty list": ("GET", "/penalties"),
    "order penalty show": ("GET", "/penalties/{reference}"),
    "order penalty propose": ("POST", "/penalties/{reference}/propose"),
    "order penalty decide": ("POST", "/penalties/{reference}/decide"),
    "order penalty not-punish": ("POST", "/penalties/{reference}/not-punish"),
    "audit prune": None,  # retention is the deployment's setting: an operator's task on the host
    "demo": None,  # builds the demo province on the local database: a tour, not an operation
    "serve": None,  # starts the API itself
    "version": ("GET", "/health"),
    # issue 18: supply guarantee, coverage plans, notices to the public
    "supply order open": ("POST", "/supply/orders"),
    "supply order list": ("GET", "/supply/orders"),
    "supply order show": ("GET", "/supply/orders/{reference}"),
    "supply order step": ("POST", "/supply/orders/{reference}/steps"),
    "supply order sweep": ("POST", "/supply/orders/sweep"),
    "supply point add": ("POST", "/supply/points"),
    "supply point list": ("GET", "/supply/points"),
    "supply point show": ("GET", "/supply/points/{point_code}"),
    "supply point schedule": ("POST", "/supply/points/{point_code}/schedules"),
    "supply pass add": ("POST", "/supply/passes"),
    "supply pass list": ("GET", "/supply/passes"),
    "supply pass check": ("GET", "/supply/passes/check"),
    "supply pass revoke": ("POST", "/supply/passes/{pass_id}/revoke"),
    "supply shuttle plan": ("POST", "/supply/shuttles"),
    "supply shuttle show": ("GET", "/supply/shuttles/{plan_id}"),
    "supply shuttle list": ("GET", "/supply/shuttles"),
    "coverage plan": ("POST", "/coverage"),
    "coverage list": ("GET", "/coverage"),
    "coverage show": ("GET", "/coverage/{plan_id}"),
    "notice tip": ("POST", "/notices/tips"),
    "notice publish": ("POST", "/notices/controls"),
    "notice withdraw": ("POST", "/notices/{notice_id}/withdraw"),
    "notice list": ("GET", "/notices/manage"),
    "notice track": ("GET", "/tracking/{waybill}"),
    "notice send": ("POST", "/notices/messages"),
    "notice outbox": ("GET", "/notices/outbox"),
}
"""CLI command → the API route doing the same on a body (None: no API counterpart, and why)."""


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The command and the API agree whatever the engine: SQLite only (the workflows run on both
    engines in their own tests)."""
    return sqlite_url


def cli_commands(group: Any, prefix: str = "") -> list[str]:
    """The CLI's leaf commands, as typed (``plan stagger``)."""
    found: list[str] = []
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            found += cli_commands(command, f"{prefix}{name} ")
        else:
            found.append(f"{prefix}{name}")
    return found


def test_every_cli_command_has_its_route(tmp_path: Path) -> None:
    """The table names every CLI command, and every route it names is in the API."""
    assert sorted(cli_commands(typer.main.get_command(cli_app))) == sorted(OPERATIONS)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'p.db'}", home=tmp_path)
    paths = create_app(settings).openapi()["paths"]
    for command, route in OPERATIONS.items():
        if route is not None:
            method, path = route
            assert path in paths, f"{command}: {path} is not a route"
            assert method.lower() in paths[path], f"{command}: {path} has no {method}"


@pytest.fixture
def both(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The CLI and the API over one database and one event lake, in English."""
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", database_url)
    settings = Settings(database_url=database_url, home=tmp_path / "home", language="en")
    store = open_store(settings)
    runner = CliRunner()

    def cli(*arguments: str) -> Any:
        result = runner.invoke(cli_app, ["--lang", "en", *arguments], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    with TestClient(create_app(settings, store)) as client:
        client.headers.update(administrator_headers(store))
        yield cli, client
    store.engine.dispose()


def scenario_document(**changes: Any) -> dict[str, Any]:
    document = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    document.update(changes)
    loaded: dict[str, Any] = json.loads(json.dumps(document, default=str))
    return loaded


def test_import_and_export_agree(both: Any, tmp_path: Path) -> None:
    """A network imported through the API exports, through the CLI, as the API's document."""
    cli, client = both
    document = yaml.safe_load(NETWORK.read_text(encoding="utf-8"))
    response = client.post("/networks", json=document, params={"name": "via-api"})
    assert response.status_code == 201, response.text
    assert client.post("/networks", json=document, params={"name": "via-api"}).status_code == 409
    cli("network", "export", "via-api", "--out", str(tmp_path / "out.json"))
    exported = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert exported == client.get("/networks/via-api/document").json()
    assert exported["name"] == "via-api"
    assert len(exported["nodes"]) == len(document["nodes"])


def test_simulation_agrees(both: Any, tmp_path: Path) -> None:
    """The API's simulation summary and warnings are the CLI's summary.json and warnings.json."""
    cli, client = both
    cli("network", "import", str(NETWORK))
    name = client.get("/networks").json()[0]["name"]
    cli("simulate", "--network", name, "--scenario", str(SCENARIO), "--out", str(tmp_path / "s"))
    response = client.post(f"/networks/{name}/simulations", json={"scenario": scenario_document()})
    assert response.status_code == 200, response.text
    answer = response.json()
    summary = json.loads((tmp_path / "s" / "summary.json").read_text(encoding="utf-8"))
    warnings = json.loads((tmp_path / "s" / "warnings.json").read_text(encoding="utf-8"))
    assert answer["summary"] == summary["summary"]
    assert answer["warnings"] == warnings
    assert answer["blockage_reports"] == summary["blockage_reports"]
    assert answer["summary"]["accepted"] > 0


def test_reroute_handles_every_closure_on_both_edges(both: Any, tmp_path: Path) -> None:
    """A scenario with two closures gets two reroutes from the CLI and from the API, alike."""
    cli, client = both
    cli("network", "import", str(NETWORK))
    name = client.get("/networks").json()[0]["name"]
    document = scenario_document()
    document["closures"].append(
        {"node": "ZTO-CD-HUB", "start": "2026-11-12T06:00", "end": "2026-11-12T18:00"}
    )
    two = tmp_path / "two-closures.json"
    two.write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "reroute"
    cli(
        "plan",
        "reroute",
        "--network",
        name,
        "--scenario",
        str(two),
        "--out",
        str(out),
        "--no-check",
    )
    response = client.post(f"/networks/{name}/plans/reroute", json={"scenario": document})
    assert response.status_code == 200, response.text
    closures = response.json()["closures"]
    assert [item["closed"] for item in closures] == [["ZTO-MY-HUB"], ["ZTO-CD-HUB"]]
    for index, answer in enumerate(closures):
        written = json.loads((out / f"closure-{index + 1}" / "reroute.json").read_text("utf-8"))
        assert answer["backups"] == written["backups"]
        assert answer["settings"] == written["settings"]


def test_bulletin_agrees(both: Any, tmp_path: Path) -> None:
    """GET /bulletins/daily answers what the CLI's bulletin.json holds, at the same moment."""
    cli, client = both
    cli("events", "ingest", str(EXAMPLES / "scan-events.csv"))
    moment = "2026-11-14T00:00+08:00"
    out = tmp_path / "bulletin"
    cli("report", "daily", "--day", "2026-11-11", "--as-of", moment, "--out", str(out))
    written = json.loads((out / "bulletin.json").read_text(encoding="utf-8"))
    response = client.get("/bulletins/daily", params={"day": "2026-11-11", "as_of": moment})
    assert response.status_code == 200, response.text
    assert response.json() == written
    cutoff = datetime.fromisoformat(written["settings"]["kpi"]["cutoff"])
    assert cutoff == datetime(2026, 11, 13, 16, tzinfo=UTC)
    refused = client.get("/bulletins/daily", params={"day": "2026-11-11", "as_of": "tomorrow"})
    assert refused.status_code == 422
    assert refused.json()["error"]["problems"][0]["location"] == "as_of"


def test_bulletin_errors_speak_of_the_api(both: Any) -> None:
    """Before any event is stored the API says how to send them (no server path, no CLI
    option); a period without events is located at the query field that chose it."""
    cli, client = both
    refused = client.get("/bulletins/daily", params={"day": "2026-11-11"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["problems"][0]["location"] == "lake"
    assert "POST /events/bulk" in error["message"]
    assert "/" + "tmp" not in error["message"]
    cli("events", "ingest", str(EXAMPLES / "scan-events.csv"))
    empty = client.get("/bulletins/monthly", params={"month": "2025-01"})
    assert empty.status_code == 422
    problem = empty.json()["error"]["problems"][0]
    assert problem["location"] == "month"
    assert "2026-11-11" in problem["message"]


def test_a_case_agrees_on_both_edges(both: Any, tmp_path: Path) -> None:
    """An appeal opened through the API is stepped through the CLI at the version the API
    served; the API then shows the CLI's step (by the local administrator) and the next
    version. A notice loaded through the API is a year the CLI lists, with its source."""
    cli, client = both
    opened = client.post(
        "/cases",
        json={
            "kind": "appeal",
            "carrier": "ZTO",
            "region": "510104",
            "channel": "web_12305",
            "category": "damage",
            "summary": "外包装破损，内件损坏",
            "received_at": "2026-11-16T09:00:00+08:00",
        },
    )
    assert opened.status_code == 201, opened.text
    reference, version = opened.json()["reference"], opened.json()["version"]
    assert opened.headers["etag"] == f'"{version}"'
    cli("cases", "step", reference, "review", "--version", str(version))
    read = client.get(f"/cases/{reference}").json()
    assert (read["state"], read["version"]) == ("admissibility", version + 1)
    assert read["steps"][-1]["actor"] == "local@system"
    assert reference in cli("cases", "list").output
    notice = {"year": 2027, "source": "国办发明电〔2026〕测试号", "rest_days": ["2027-01-01"]}
    loaded = client.post("/calendar/notices", json=notice)
    assert loaded.status_code == 200, loaded.text
    years = {item["year"]: item["source"] for item in client.get("/calendar/years").json()}
    assert years[2027] == notice["source"]
    listed = cli("calendar", "years").output
    assert "2027" in listed and "测试号" in listed


def test_the_appeals_bulletin_agrees(both: Any, tmp_path: Path) -> None:
    """An export imported through the API is counted alike by GET /bulletins/appeals and the
    CLI's appeals_bulletin.json; imported again through the CLI it opens nothing."""
    cli, client = both
    export = EXAMPLES / "cases-12305.csv"
    imported = client.post(
        "/cases/imports", files={"file": (export.name, export.read_bytes(), "text/csv")}
    )
    assert imported.status_code == 200, imported.text
    rows = export.read_text(encoding="utf-8").strip().count("\n")
    assert imported.json()["created"] == rows
    assert re.search(r"Cases opened\W+0\b", cli("cases", "import", str(export)).output)
    cli("events", "ingest", str(EXAMPLES / "scan-events.csv"))
    out = tmp_path / "appeals"
    cli("report", "appeals", "--month", "2026-10", "--out", str(out))
    written = json.loads((out / "appeals_bulletin.json").read_text(encoding="utf-8"))
    response = client.get("/bulletins/appeals", params={"month": "2026-10"})
    assert response.status_code == 200, response.text
    assert response.json() == written
    assert written["appeals"] == rows
