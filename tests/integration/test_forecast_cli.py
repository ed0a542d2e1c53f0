"""``peakguard forecast`` / ``peakguard capacity`` and their API on generated histories."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from peakguard.api.app import create_app
from peakguard.api.routers import forecasts
from peakguard.app.context import open_store
from peakguard.app.networks import save_network
from peakguard.cli import main_options
from peakguard.cli.forecasts import capacity_command, forecast_command
from peakguard.config import Settings
from peakguard.forecast.synthetic import SyntheticSpec, synthetic_volumes
from peakguard.formats.loading import load_network
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from tests.conftest import administrator_headers

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
NETWORK = EXAMPLES / "chengdu-mianyang.yaml"
FIRST = date(2024, 6, 1)
LAST = date(2025, 10, 31)
HORIZON = 30
NODES = (
    ("ZTO-CD-HUB", "510100", 40_000.0),
    ("ZTO-MY-HUB", "510700", 9_000.0),
    ("ZTO-CD-O1", "510104", 8_000.0),
    ("ZTO-MY-O1", "510703", 3_000.0),
)
"""Two hubs and two outlets of the example network, in Chengdu and Mianyang (Sichuan)."""


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The command does not depend on the engine: SQLite only (the workflows run on both
    engines in their own tests)."""
    return sqlite_url


def history_rows() -> list[dict[str, Any]]:
    count = (LAST - FIRST).days + 1
    rows = []
    for seed, (node, region, base) in enumerate(NODES):
        volumes = synthetic_volumes(SyntheticSpec(base_volume=base), FIRST, count, seed=seed)
        rows += [
            {
                "day": (FIRST + timedelta(days=k)).isoformat(),
                "carrier": "ZTO",
                "region": region,
                "node": node,
                "volume": round(float(volumes[k])),
            }
            for k in range(count)
        ]
    return rows


def cli() -> typer.Typer:
    """The two commands as peakguard.cli will register them, under its global options."""
    application = typer.Typer()
    application.callback()(main_options)
    application.command("forecast")(forecast_command)
    application.command("capacity")(capacity_command)
    return application


def invoke(*arguments: str) -> Any:
    return CliRunner().invoke(
        cli(), ["--lang", "en", *arguments], catch_exceptions=False, env={"COLUMNS": "240"}
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def forecast_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """forecast_dir: `peakguard forecast` on an Excel history (real date cells) of 4 nodes."""
    folder = tmp_path_factory.mktemp("forecast")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "history"
    sheet.append(["day", "carrier", "region", "node", "volume"])
    for row in history_rows():
        sheet.append(
            [date.fromisoformat(row["day"]), "ZTO", int(row["region"]), row["node"], row["volume"]]
        )
    workbook.save(folder / "history.xlsx")
    result = invoke(
        "forecast",
        "--history",
        str(folder / "history.xlsx"),
        "--out",
        str(folder / "out"),
        "--horizon-days",
        str(HORIZON),
    )
    assert result.exit_code == 0, result.output
    return folder / "out"


def test_every_series_has_the_horizon_and_ordered_intervals(forecast_dir: Path) -> None:
    """Each series gives the 30 days after the history's last day once each, with
    lower_95 ≤ lower_80 ≤ point ≤ upper_80 ≤ upper_95, and series.csv names its model."""
    rows = read_csv(forecast_dir / "forecasts.csv")
    days: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for row in rows:
        key = (row["level"], row["carrier"], row["region"], row["node"])
        days[key].append(row["day"])
        values = [
            int(row[name]) for name in ("lower_95", "lower_80", "point", "upper_80", "upper_95")
        ]
        assert values == sorted(values), row
    expected = [(LAST + timedelta(days=k)).isoformat() for k in range(1, HORIZON + 1)]
    assert all(sorted(found) == expected for found in days.values())
    # 4 nodes, 2 cities, the province and the nation (one carrier: no "all" series)
    assert len(days) == 4 + 2 + 1 + 1
    models = {
        (row["level"], row["carrier"], row["region"], row["node"]): row["model"]
        for row in read_csv(forecast_dir / "series.csv")
    }
    assert set(models) == set(days) and all(models.values())
    summary = json.loads((forecast_dir / "forecast.json").read_text(encoding="utf-8"))
    assert summary["horizon_days"] == HORIZON and summary["origin"] == LAST.isoformat()
    workbook = load_workbook(forecast_dir / "forecasts.xlsx", read_only=True)
    assert len(list(workbook["forecasts"].iter_rows(values_only=True))) == len(rows) + 1
    assert {"points", "series", "fallbacks", "columns"} <= set(workbook.sheetnames)
    workbook.close()


def test_nodes_add_up_to_cities_province_and_nation(forecast_dir: Path) -> None:
    """Per day, each city's point is the sum of its nodes' points, and the province's and the
    nation's are the sum of all four nodes — exactly, in whole parcels."""
    point: dict[tuple[str, str, str], int] = {}
    for row in read_csv(forecast_dir / "forecasts.csv"):
        point[(row["level"], row["node"] or row["region"], row["day"])] = int(row["point"])
    for k in range(1, HORIZON + 1):
        day = (LAST + timedelta(days=k)).isoformat()
        nodes = {node: point[("node", node, day)] for node, _region, _base in NODES}
        assert point[("city", "510100", day)] == nodes["ZTO-CD-HUB"] + nodes["ZTO-CD-O1"]
        assert point[("city", "510700", day)] == nodes["ZTO-MY-HUB"] + nodes["ZTO-MY-O1"]
        assert point[("province", "510000", day)] == sum(nodes.values())
        assert point[("national", "000000", day)] == sum(nodes.values())


def test_a_bad_history_is_refused_with_every_row_located(tmp_path: Path) -> None:
    """A bad date, a negative volume, an empty volume and a repeated day are each reported
    by row and column; a missing column is reported by file; nothing is written."""
    history = tmp_path / "history.csv"
    history.write_text(
        "day,carrier,region,node,volume\n"
        "2025-10-01,ZTO,510100,ZTO-CD-HUB,40000\n"  # row 2
        "2025-02-30,ZTO,510100,ZTO-CD-HUB,41000\n"  # row 3: no such day
        "2025-10-02,ZTO,510100,ZTO-CD-HUB,-5\n"  # row 4: negative
        "2025-10-03,ZTO,510100,ZTO-CD-HUB,\n"  # row 5: no volume
        "2025-10-01,ZTO,510100,ZTO-CD-HUB,39000\n",  # row 6: 1 October again
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = invoke("forecast", "--history", str(history), "--out", str(out))
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    for place in (
        "history.csv row 3, column day",
        "history.csv row 4, column volume",
        "history.csv row 5, column volume",
        "history.csv row 6, column day",
    ):
        assert place in text
    assert "history.csv row 2" in text  # the repeat names the row it repeats
    assert not out.exists()
    history.write_text(
        "day,carrier,region,node\n2025-10-01,ZTO,510100,ZTO-CD-HUB\n", encoding="utf-8"
    )
    result = invoke("forecast", "--history", str(history), "--out", str(out))
    assert result.exit_code == 2
    assert "missing columns: volume" in " ".join(result.output.split())
    assert not out.exists()


def expected_gaps(volumes: dict[str, list[float]]) -> set[tuple[str, str]]:
    """(node, resource) short on some day, by hand from docs/explanation/forecasting.md's
    formulas and the default productivity figures, against chengdu-mianyang.yaml."""
    # node: (kind, [(hours, rate)] shifts, staff, vehicles, floor m², parcels per person-hour)
    nodes = {
        "ZTO-CD-HUB": ("hub", [(10, 2500), (10, 3000)], 120, 40, 12000.0, 400.0),
        "ZTO-MY-HUB": ("hub", [(24, 600)], 30, 8, 3000.0, 120.0),
        "ZTO-CD-O1": ("outlet", [(12, 1500)], 12, 3, 400.0, 40.0),
        "ZTO-MY-O1": ("outlet", [(12, 600)], 6, 2, 200.0, 40.0),
    }
    load = {"hub": 8000.0, "outlet": 1500.0}
    trips = {"hub": 2.0, "outlet": 4.0}
    short = set()
    for node, series in volumes.items():
        kind, shifts, staff, vehicles, floor, productivity = nodes[node]
        capacity = sum(hours * rate for hours, rate in shifts)
        held = 0.0
        for volume in series:
            people = sum(
                math.ceil(volume * (hours * rate / capacity) / (productivity * hours) - 1e-9)
                for hours, rate in shifts
            )
            departures = math.ceil(volume / load[kind] - 1e-9)
            held = max(0.0, held + volume - capacity)
            if people > staff:
                short.add((node, "staff"))
            if math.ceil(departures / trips[kind] - 1e-9) > vehicles:
                short.add((node, "vehicles"))
            if held / 1000 * 40 > floor * 0.5 + 1e-9:
                short.add((node, "floor_area_m2"))
            if volume > capacity + 1e-9:
                short.add((node, "sorting_capacity"))
    return short


def node_upper_80(forecast_dir: Path) -> dict[str, list[float]]:
    volumes: dict[str, list[float]] = defaultdict(list)
    for row in sorted(read_csv(forecast_dir / "forecasts.csv"), key=lambda row: row["day"]):
        if row["level"] == "node":
            volumes[row["node"]].append(float(row["upper_80"]))
    return dict(volumes)


def test_capacity_names_the_nodes_short_of_each_reserve(forecast_dir: Path, tmp_path: Path) -> None:
    """Sized to the 80 % upper bound of the forecast file, the gap report lists exactly the
    (node, resource) pairs the formulas find short: the hubs' floor area and sorting capacity
    for the Double 11 backlog, the outlets' staff and vehicles."""
    out = tmp_path / "capacity"
    result = invoke(
        "capacity",
        "--network",
        str(NETWORK),
        "--forecast",
        str(forecast_dir / "forecasts.xlsx"),
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    gaps = read_csv(out / "gaps.csv")
    found = {(row["node"], row["resource"]) for row in gaps}
    expected = expected_gaps(node_upper_80(forecast_dir))
    assert found == expected
    assert {("ZTO-CD-HUB", "floor_area_m2"), ("ZTO-MY-HUB", "sorting_capacity")} <= found
    assert {("ZTO-CD-O1", "staff"), ("ZTO-CD-O1", "vehicles")} <= found
    requirements = read_csv(out / "requirements.csv")
    assert len(requirements) == len(NODES) * HORIZON
    for row in gaps:
        assert row["decide_by"] <= row["in_place_by"] < row["first_short_day"]
    assert (out / "capacity.xlsx").exists() and (out / "capacity.json").exists()


def test_announced_plans_for_a_city_raise_only_its_nodes(tmp_path: Path) -> None:
    """A 3× plan announced for Mianyang on 11 November raises the Mianyang nodes' forecast of
    that day to 3× their normal day and leaves Chengdu's alone; the totals are then the sums
    of the nodes (bottom_up), as forecast.json says."""
    history = tmp_path / "history.csv"
    rows = history_rows()
    with history.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    runs = {}
    for name, announced in (
        ("plain", None),
        ("announced", "day,multiple,region\n2025-11-11,3,510700\n"),
    ):
        arguments = ["forecast", "--history", str(history), "--out", str(tmp_path / name)]
        arguments += ["--horizon-days", "15", "--reconciliation", "bottom_up"]
        if announced:
            (tmp_path / "announced.csv").write_text(announced, encoding="utf-8")
            arguments += ["--announced", str(tmp_path / "announced.csv")]
        assert invoke(*arguments).exit_code == 0
        runs[name] = {
            (row["node"], row["day"]): int(row["point"])
            for row in read_csv(tmp_path / name / "forecasts.csv")
            if row["level"] == "node"
        }
    assert (
        runs["announced"][("ZTO-CD-HUB", "2025-11-11")]
        == runs["plain"][("ZTO-CD-HUB", "2025-11-11")]
    )
    assert (
        runs["announced"][("ZTO-MY-HUB", "2025-11-11")]
        != runs["plain"][("ZTO-MY-HUB", "2025-11-11")]
    )
    assert (
        runs["announced"][("ZTO-MY-HUB", "2025-11-10")]
        == runs["plain"][("ZTO-MY-HUB", "2025-11-10")]
    )


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, home=tmp_path, language="en")
    store = open_store(settings)
    save_network(store, actor=ADMIN, network=load_network(NETWORK), source="example")
    application = create_app(settings, store)
    application.include_router(forecasts.router)
    with TestClient(application) as test_client:
        test_client.headers.update(administrator_headers(store))
        yield test_client
    store.engine.dispose()


def test_the_api_forecasts_and_sizes_like_the_cli(client: TestClient, forecast_dir: Path) -> None:
    """POST /forecasts on the same rows gives the CLI's forecasts; POST …/capacity on the
    history (carrier and region left to the network) gives the CLI's gaps; bad rows are a 422
    with every location."""
    rows = history_rows()
    response = client.post("/forecasts", json={"history": rows, "horizon_days": HORIZON})
    assert response.status_code == 200, response.text
    shown = {
        (row["level"], row["region"], row["node"], row["day"]): row["point"]
        for row in response.json()["forecasts"]
    }
    written = {
        (row["level"], row["region"], row["node"], row["day"]): int(row["point"])
        for row in read_csv(forecast_dir / "forecasts.csv")
    }
    assert shown == written
    bare = [{"day": row["day"], "node": row["node"], "volume": row["volume"]} for row in rows]
    response = client.post(
        "/networks/chengdu-mianyang/capacity", json={"history": bare, "horizon_days": HORIZON}
    )
    assert response.status_code == 200, response.text
    found = {(gap["node"], gap["resource"]) for gap in response.json()["gaps"]}
    assert found == expected_gaps(node_upper_80(forecast_dir))
    bad = [{**rows[0], "volume": -1}, {**rows[1], "day": "soon"}, {**rows[2], "node": "ZTO-XX"}]
    response = client.post("/networks/chengdu-mianyang/capacity", json={"history": bad})
    assert response.status_code == 422
    locations = {problem["location"] for problem in response.json()["error"]["problems"]}
    assert {"history[0].volume", "history[1].day", "history[2].node"} <= locations
