"""``peakguard simulate`` on the example files, and a malformed scenario refused whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from peakguard.cli import app
from peakguard.errors import InvalidInputError
from peakguard.formats.loading import load_network
from peakguard.formats.scenario_document import parse_scenario
from peakguard.i18n import render

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def network() -> Any:
    return load_network(EXAMPLES / "chengdu-mianyang.yaml")


def run_simulate(scenario: Path, out: Path, *extra: str) -> Any:
    """``peakguard --lang en simulate`` on the example network."""
    return CliRunner().invoke(
        app,
        [
            "--lang",
            "en",
            "simulate",
            "--network",
            str(EXAMPLES / "chengdu-mianyang.yaml"),
            "--scenario",
            str(scenario),
            "--out",
            str(out),
            *extra,
        ],
        catch_exceptions=False,
    )


def test_simulate_writes_every_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example week runs; node-hours cover every node and hour; the closure of the
    Mianyang hub drafts a blockage report due 24 h after it starts; events are written."""
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path / "home"))
    out = tmp_path / "out"
    result = run_simulate(EXAMPLES / "double11-small.yaml", out, "--events-sample", "0.02")
    assert result.exit_code == 0, result.output
    table = pq.read_table(out / "node_hours.parquet")
    assert table.num_rows == 8 * (2 + 5 + 2) * 24  # warm-up, demand and drain days
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    [blockage] = summary["blockage_reports"]
    assert blockage["node_id"] == "ZTO-MY-HUB" and blockage["hours"] == 24
    assert blockage["due"] == "2026-11-12T06:00:00"
    assert "Local policy" in summary["warning_thresholds_note"]
    warnings = json.loads((out / "warnings.json").read_text(encoding="utf-8"))
    assert {w["level"] for w in warnings} <= {"I", "II", "III", "IV"}
    events = pq.read_table(out / "scan_events.parquet")
    assert set(events.column("event").to_pylist()) >= {"accept", "deliver"}


def test_a_malformed_scenario_reports_every_mistake(network: Any) -> None:
    """Unknown node and lane, an inverted window, a bad multiplier, a bad policy: all reported,
    each at its location, and nothing runs."""
    raw = yaml.safe_load((EXAMPLES / "double11-small.yaml").read_text(encoding="utf-8"))
    raw["closures"][0]["node"] = "NO-SUCH-HUB"
    raw["lane_changes"][0]["lane"] = "NO-LANE"
    raw["capacity_changes"][0]["end"] = "2026-11-01"
    raw["volume_multipliers"][1]["multiplier"] = -2
    raw["storage_policy"] = "explode"
    with pytest.raises(InvalidInputError) as caught:
        parse_scenario(raw, network, source="s.yaml")
    found = {p.location: render(p.message, "en") for p in caught.value.problems}
    assert found == {
        "s.yaml: volume_multipliers[1].multiplier": "must be at least 0",
        "s.yaml: capacity_changes[0]": "end must be after start",
        "s.yaml: storage_policy": "'explode' is not one of 'block' or 'overflow'",
        "s.yaml: closures[0].node": "unknown node NO-SUCH-HUB",
        "s.yaml: lane_changes[0].lane": "unknown lane NO-LANE",
    }


def test_the_cli_refuses_a_bad_scenario_without_running(tmp_path: Path) -> None:
    """Exit 2, the locations printed, no output folder written."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nfirst_day: 2026-11-09\ndays: 0\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_simulate(bad, out)
    assert result.exit_code == 2
    assert "bad.yaml: days" in " ".join(result.stderr.split())
    assert not out.exists()


def test_a_deployment_cap_on_a_runs_size_reaches_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PEAKGUARD_MAX_NODE_DAYS=50 refuses the example week (8 nodes × 9 days = 72 node-days)
    with exit 2, naming the size and the setting to raise — nothing is written."""
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PEAKGUARD_MAX_NODE_DAYS", "50")
    out = tmp_path / "out"
    result = run_simulate(EXAMPLES / "double11-small.yaml", out)
    assert result.exit_code == 2, result.output
    assert "72" in result.output and "PEAKGUARD_MAX_NODE_DAYS" in result.output
    assert not (out / "node_hours.parquet").exists()
