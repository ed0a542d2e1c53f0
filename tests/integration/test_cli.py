"""The ``peakguard`` command as a user runs it: exit codes, messages, files written."""

from __future__ import annotations

import copy
import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peakguard.app import accounts
from peakguard.app.context import open_store
from peakguard.app.plan_schedules import get_schedule, list_schedules
from peakguard.cli import app
from peakguard.cli.demo import LABELS
from peakguard.config import Settings
from peakguard.formats.loading import load_network
from peakguard.formats.network_document import parse_network
from peakguard.i18n import render
from peakguard.identity.model import LOCAL_ADMINISTRATOR, Channel, Permission, Principal
from peakguard.store.jobs import latest_finished_job
from tests.conftest import DemoRun
from tests.integration.test_demo_supply_run import assert_demo_supply


def flat(text: str) -> str:
    """Rich wraps long lines to the terminal: compare with whitespace collapsed."""
    return " ".join(text.split())


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the CLI in English against a fresh SQLite file under tmp_path."""
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PEAKGUARD_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str, language: str = "en") -> Any:
        return runner.invoke(app, ["--lang", language, *args], catch_exceptions=False)

    return invoke


@pytest.fixture
def tiny_file(tmp_path: Path, tiny: dict[str, Any]) -> Path:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny, ensure_ascii=False), encoding="utf-8")
    return path


def test_validate_a_good_file(run: Any, tiny_file: Path) -> None:
    """A valid file: exit 0 and a one-line verdict with its size."""
    result = run("network", "validate", str(tiny_file))
    assert result.exit_code == 0
    assert "valid network tiny with 5 nodes and 5 lanes" in flat(result.output)


def test_validate_lists_every_mistake(run: Any, tmp_path: Path, tiny: dict[str, Any]) -> None:
    """A file with three mistakes: exit 2 and all three locations printed."""
    broken = copy.deepcopy(tiny)
    broken["lanes"][1]["transit_hours"] = 0
    broken["nodes"][2]["region"] = "510199"
    broken["nodes"][0]["kind"] = "warehouse"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    result = run("network", "validate", str(path))
    assert result.exit_code == 2
    text = " ".join((result.output + result.stderr).split())
    for expected in (
        "broken.json: lanes[1].transit_hours",
        "must be greater than 0",
        "broken.json: nodes[2].region",
        "unknown region code 510199",
        "broken.json: nodes[0].kind",
        "3 problem(s) found",
    ):
        assert expected in text


def test_import_show_export_round_trip(run: Any, tiny_file: Path, tmp_path: Path) -> None:
    """Import, show and export in each format; every export loads back equal."""
    assert run("network", "import", str(tiny_file)).exit_code == 0
    shown = run("network", "show", "tiny")
    assert shown.exit_code == 0
    assert "Hub sorting capacity (parcels/day)" in flat(shown.output) and "108,000" in shown.output
    original = parse_network(json.loads(tiny_file.read_text(encoding="utf-8")))
    for target in ("out.yaml", "out.json", "out.xlsx", "csv-folder"):
        result = run("network", "export", "tiny", "--out", str(tmp_path / target))
        assert result.exit_code == 0, result.output
        assert load_network(tmp_path / target, name="tiny") == original


def test_second_import_needs_replace(run: Any, tiny_file: Path) -> None:
    """Importing a name again is refused (exit 4) unless --replace is given."""
    assert run("network", "import", str(tiny_file)).exit_code == 0
    again = run("network", "import", str(tiny_file))
    assert again.exit_code == 4
    assert "--replace" in flat(again.stderr)
    assert run("network", "import", str(tiny_file), "--replace").exit_code == 0


def test_failed_import_stores_nothing(run: Any, tmp_path: Path, tiny: dict[str, Any]) -> None:
    """A bad file is refused and the list of networks stays empty."""
    tiny["lanes"][0]["origin"] = "GHOST"
    path = tmp_path / "ghost.yaml"
    path.write_text(json.dumps(tiny), encoding="utf-8")
    assert run("network", "import", str(path)).exit_code == 2
    listed = run("network", "list")
    assert listed.exit_code == 0 and "tiny" not in listed.output


def test_unknown_network_and_language(run: Any) -> None:
    """Clear errors with their own exit codes, no traceback."""
    missing = run("network", "export", "nowhere", "--out", "x.yaml")
    assert missing.exit_code == 3 and "no network named nowhere" in flat(missing.stderr)
    bad_language = run("network", "list", language="fr")
    assert bad_language.exit_code == 6 and "zh_CN" in bad_language.stderr


def test_demo_builds_stores_and_reports(demo_run: DemoRun) -> None:
    """The demo prints the network's size and writes the network and season reports."""
    assert demo_run.exit_code == 0, demo_run.output
    assert "Hubs" in demo_run.output and "203" in flat(demo_run.output)
    assert "ZTO Express" in demo_run.output
    report = demo_run.out / "report.html"
    assert report.exists() and report.stat().st_size > 50_000
    assert "<svg" in report.read_text(encoding="utf-8")


def test_demo_prints_a_line_per_stage(demo_run: DemoRun) -> None:
    """Every stage prints one line — the seconds since the demo began, its number, its name —
    in order, though the run's output is not a terminal (a piped or logged run is not left
    silent for minutes), and the last line says the demo is done."""
    assert demo_run.exit_code == 0, demo_run.output
    stage = re.compile(r"^\[(\d+) s\] (\d+)/(\d+) (.+)$")
    found = [match for line in demo_run.output.splitlines() if (match := stage.match(line))]
    assert [match[4] for match in found] == [render(label, "en") for label in LABELS.values()]
    assert [int(match[2]) for match in found] == list(range(1, len(LABELS) + 1))
    seconds = [int(match[1]) for match in found]
    assert seconds == sorted(seconds)
    done = re.search(r"^\[(\d+) s\] The demo is done\.$", demo_run.output, re.MULTILINE)
    assert done is not None and int(done[1]) >= seconds[-1]


def test_demo_plan_keeps_every_open_hub_inside_capacity(demo_run: DemoRun) -> None:
    """The demo's plan for Double 11 keeps every open hub inside capacity where the unplanned
    peak overflows — as the simulator, not only the program, finds — and its quotas add up to
    the parcels planned."""
    assert demo_run.exit_code == 0, demo_run.output
    out = demo_run.out
    plan = json.loads((out / "plan" / "plan.json").read_text(encoding="utf-8"))
    shortfalls = (out / "plan" / "shortfalls.csv").read_text(encoding="utf-8")
    assert plan["hubs_within_capacity"], shortfalls[:2000]
    simulated = plan["simulated"]
    assert simulated["unplanned"]["hubs_overflowing"] > 0
    assert simulated["planned"]["hubs_overflowing"] == 0
    with (out / "plan" / "quotas.csv").open(encoding="utf-8") as handle:
        picked = sum(float(row["quota"]) for row in csv.DictReader(handle))
    assert picked == pytest.approx(plan["parcels"], rel=1e-4)
    assert (out / "plan.html").stat().st_size > 20_000
    assert (out / "plan" / "reroute" / "reroute.json").exists()


def test_demo_capacity_plan_removes_the_forecast_overflow(demo_run: DemoRun) -> None:
    """The season's capacity plan: the forecast's gap report names hubs, and with its reserves
    the simulated forecast season overflows nowhere; the season that happened (which the 80 %
    bound does not always cover) overflows at a few nodes at most."""
    assert demo_run.exit_code == 0, demo_run.output
    out = demo_run.out
    season = json.loads((out / "capacity" / "season.json").read_text(encoding="utf-8"))
    assert season["hubs_needing_reserves"] > 0
    assert season["hubs_overflowing_without"] > 0
    assert season["nodes_overflowing_with"] == 0
    outcome = season["nodes_overflowing_in_outcome_with_reserves"]
    assert outcome <= 0.02 * season["nodes_overflowing_without"]
    with (out / "capacity" / "gaps.csv").open(encoding="utf-8") as handle:
        hubs = {row["node"] for row in csv.DictReader(handle) if row["kind"] == "hub"}
    assert len(hubs) == season["hubs_needing_reserves"]
    page = (out / "capacity.html").read_text(encoding="utf-8")
    assert all(f'data-node="{hub}"' in page for hub in sorted(hubs)[:5] if len(hubs) <= 40)
    assert 'data-line="forecast"' in page and 'data-point="outcome"' in page


def test_demo_bulletin_rates_every_carrier(demo_run: DemoRun) -> None:
    """The season's scan events (a sample), ingested into a lake and measured into Double 11's
    bulletin: every carrier and the total have a 72-hour rate."""
    assert demo_run.exit_code == 0, demo_run.output
    out = demo_run.out
    bulletin = json.loads((out / "bulletin" / "bulletin.json").read_text(encoding="utf-8"))
    rates = {
        row["carrier"]: row["current"]
        for row in bulletin["headlines"]
        if row["metric"] == "rate_72h"
    }
    assert len(rates) == 8 and all(0 < rate <= 1 for rate in rates.values())
    assert (out / "bulletin" / "bulletin.html").stat().st_size > 20_000


def test_demo_seeds_the_web_application(demo_run: DemoRun) -> None:
    assert demo_run.exit_code == 0, demo_run.output
    assert_demo_seeds_the_web_application(demo_run.output, demo_run.home)


def test_demo_records_ya_an_s_static_control(demo_run: DemoRun) -> None:
    """Ya'an's static control in the demo: every parcel bound for it carries the notice on its
    tracking, one quotation is breached, and the lapsed pass keeps its truck off the shuttles."""
    assert demo_run.exit_code == 0, demo_run.output
    assert_demo_supply(demo_run.output, demo_run.home)


def test_demo_platform_reads_its_own_pickup_schedule(demo_run: DemoRun) -> None:
    """The demo's assurance plan is recorded once, as Sichuan's provincial office's: the demo
    platform's reader finds it, with rows of its own releases only (each picked up in full
    within its window: its quotas add up to what it released) and its own customers' figures;
    the office sees every origin's rows; the plan's folder holds platform_quotas.csv."""
    assert demo_run.exit_code == 0, demo_run.output
    assert (demo_run.out / "plan" / "platform_quotas.csv").stat().st_size > 1_000
    store = open_store(Settings(home=demo_run.home))
    try:
        organisations = {
            organisation.code: organisation
            for organisation in accounts.list_organisations(store, LOCAL_ADMINISTRATOR)
        }
        platform, office = (
            Principal(f"reader-{code}", organisations[code], plan_read, Channel.session)
            for code, plan_read in (
                ("demo-platform", frozenset({Permission.plan_read})),
                ("spb-sc", frozenset({Permission.plan_read})),
            )
        )
        listed = list_schedules(store, platform)
        assert [s.platforms for s in listed] == [("demo-platform",)]
        seen = get_schedule(store, platform, listed[0].job_id, demo_run.home)
        whole = get_schedule(store, office, listed[0].job_id, demo_run.home)
    finally:
        store.engine.dispose()
    assert seen.quotas and {q.platform for q in seen.quotas} == {"demo-platform"}
    released = sum(q.released for q in seen.quotas)
    assert sum(q.quota for q in seen.quotas) == pytest.approx(released, rel=1e-6)
    assert [group["key"] for group in seen.customers_after] == ["demo-platform"]
    assert {q.platform for q in whole.quotas} == {"demo-platform", ""}
    assert {q.origin for q in seen.quotas} < {q.origin for q in whole.quotas}


def assert_demo_seeds_the_web_application(output: str, home: Path) -> None:
    """The demo's events went into the deployment's lake (what the web application and
    ``report`` read), the season is each demo regulator's and carrier's latest simulation,
    and the demo ends with the address to open."""
    assert (home / "lake" / "events").is_dir()
    store = open_store(Settings(home=home))
    try:
        seen = {
            code: latest_finished_job(store, organisation.id, "simulation")
            for organisation in accounts.list_organisations(store, LOCAL_ADMINISTRATOR)
            if (code := organisation.code) in ("spb", "spb-sc", "zto", "sf", "spb-cd")
        }
    finally:
        store.engine.dispose()
    assert seen["spb-cd"] is None, "a city office sees its province's run, not a copy"
    for code in ("spb", "spb-sc", "zto", "sf"):
        job = seen[code]
        assert job is not None and job.result is not None, code
        assert job.result["warning_count"] > 0
        folder = home / "jobs" / job.id
        assert (folder / "season.html").stat().st_size > 20_000
        assert (folder / "node_hours.parquet").is_file()
    assert "http://127.0.0.1:8000/" in flat(output)


def test_chinese_is_the_default_language(run: Any, tiny_file: Path) -> None:
    """Users read Chinese: without --lang en the verdict is in Chinese."""
    result = run("network", "validate", str(tiny_file), language="zh_CN")
    assert result.exit_code == 0
    assert "tiny" in result.output and "valid network" not in flat(result.output)
