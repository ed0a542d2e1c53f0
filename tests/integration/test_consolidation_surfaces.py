"""Consolidation points over the API, the pages and the CLI, on SQLite (the engines are tested
in test_consolidation_points.py): ZTO's supply coordinator registers a point and schedules the
hand-worked two orders through the API; the point's page names the bottleneck in words, each
order's ship time and the capacity plan; a stale change is 409; Chengdu's analyst reads it, a
point of another province is not found; the CLI adds, lists, schedules and shows alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from peakguard.app import accounts
from peakguard.cli import app as cli_app
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from tests.integration.test_authentication import Site, make_site

POINT = {
    "code": "CD-HJ-1", "name": "成都汇集点", "carrier": "ZTO", "region": "510100",
    "latitude": 30.6, "longitude": 104.0,
    "resources": {
        "floor_area_m2": 2000.0, "staff_per_shift": 14, "shifts_per_day": 1,
        "first_shift_starts": 8, "forklifts": 10, "pallets": 1000, "racks": 1000,
        "trailers": 10, "handling_equipment": 50, "warehouse_system": True,
    },
}  # fmt: skip
"""The unit tests' hand-worked point: equipment never binds, one shift 08–16."""
ORDERS = {
    "start": "2026-12-03T07:00:00+08:00",
    "days": 2,
    "staffing": dict.fromkeys(
        ("receive", "put_away", "pick", "combine", "pack", "dispatch", "ship"), 2
    ),
    "orders": [
        {"reference": "A", "needed_by": "2026-12-03T18:00:00+08:00",
         "arrivals": [{"source": "S1", "sets": 200, "at": "2026-12-03T08:00:00+08:00"}]},
        {"reference": "B", "needed_by": "2026-12-03T20:00:00+08:00",
         "arrivals": [{"source": "S1", "sets": 100, "at": "2026-12-03T08:00:00+08:00"},
                      {"source": "S2", "sets": 60, "at": "2026-12-03T10:30:00+08:00"}]},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The site's ZTO with a supply coordinator, and Chengdu's office with an analyst."""
    home = tmp_path_factory.mktemp("points")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            for username, organisation, role in (
                ("zto.supply", "zto", "supply_coordinator"),
                ("cd.analyst2", "sc-cd", "analyst"),
            ):
                made.passwords[username] = f"Pw-{len(username)}-q7Rm2xLw9Zt4-points"
                accounts.create_user(
                    made.store, ADMIN, username=username, organisation=organisation,
                    roles=[role], display_name=username, password=made.passwords[username],
                )  # fmt: skip
            yield made


def _page_login(site: Site, username: str) -> None:
    site.client.cookies.clear()
    answer = site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username]},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def test_the_point_over_the_api_and_its_page(site: Site) -> None:
    """Registered and scheduled by the coordinator: A ships 11:00, B 13:00, combine limits the
    line at 80 sets an hour; the page shows both, the plan's 640 sets; 409 on a stale change;
    the analyst of Chengdu reads the page; another province's point is not found."""
    coordinator = site.log_in("zto.supply")
    made = coordinator.post("/supply/points", json=POINT)
    assert made.status_code == 201, made.text
    assert made.json()["version"] == 1
    scheduled = coordinator.post("/supply/points/CD-HJ-1/schedules", json=ORDERS)
    assert scheduled.status_code == 201, scheduled.text
    body = scheduled.json()
    ships = {row["reference"]: row["shipped_at"] for row in body["shipments"]}
    assert ships == {"A": "2026-12-03T11:00:00+08:00", "B": "2026-12-03T13:00:00+08:00"}
    assert body["bottleneck"] == "combine" and body["line_rate"] == 80
    stale = coordinator.request(
        "PATCH", "/supply/points/CD-HJ-1", json={"expected_version": 7, "name": "x"}
    )
    assert stale.status_code == 409
    other = {**POINT, "code": "GD-HJ-1", "region": "440100"}
    assert coordinator.post("/supply/points", json=other).status_code == 201
    _page_login(site, "cd.analyst2")
    page = site.client.get("/app/supply/points/CD-HJ-1", headers={"Accept-Language": "en"})
    assert page.status_code == 200, page.text
    assert "combine (拼货) is the bottleneck" in page.text
    assert "2026-12-03 11:00" in page.text and "2026-12-03 13:00" in page.text
    assert "<td>640</td>" in page.text
    listing = site.client.get("/app/supply/points")
    assert "CD-HJ-1" in listing.text and "GD-HJ-1" not in listing.text
    assert site.client.get("/app/supply/points/GD-HJ-1").status_code == 404


def test_the_cli_adds_schedules_and_shows(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``supply point add|list|schedule|show`` over the same operations; a bad file is located."""
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", site.settings.database_url)
    runner = CliRunner()

    def run(*arguments: str, code: int = 0) -> str:
        result = runner.invoke(cli_app, ["--lang", "en", *arguments], env={"COLUMNS": "240"})
        assert result.exit_code == code, result.output
        return result.output

    point = tmp_path / "point.json"
    point.write_text(json.dumps({**POINT, "code": "CLI-1"}), "utf-8")
    orders = tmp_path / "orders.json"
    orders.write_text(json.dumps(ORDERS), "utf-8")
    assert "CLI-1" in run("supply", "point", "add", str(point))
    assert "CLI-1" in run("supply", "point", "list")
    shown = run("supply", "point", "schedule", "CLI-1", str(orders))
    assert "combine (拼货) is the bottleneck" in shown and "2026-12-03 13:00" in shown
    assert "2026-12-03 11:00" in run("supply", "point", "show", "CLI-1")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**POINT, "code": "CLI-2", "latitude": 99}), "utf-8")
    assert "bad.json: latitude" in run("supply", "point", "add", str(bad), code=2)
