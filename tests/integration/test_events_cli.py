"""``peakguard events ingest``: the report, bad files refused whole, and the kill tests —
an ingest killed mid-batch (SIGKILL, at a chosen partition or at a random moment) and run
again leaves exactly one copy of every event, and the batch log's counts add up to it."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peakguard.cli import app
from peakguard.domain.scans import EVENT_KEY
from peakguard.formats.scan_event_document import read_events
from peakguard.store.event_lake import (
    CRASH_AFTER_PARTITIONS,
    STAGING_DIRECTORY,
    batch_log,
    event_paths,
    read_stored_events,
)
from tests.unit.ingest.conftest import EXAMPLE, HEADER

CARRIERS = ("ZTO", "SF", "YTO", "JD")


def season_file(path: Path, *, parcels: int, days: int) -> Path:
    """A batch spread over ``days`` China days and four carriers (days × 4 partitions), with
    every 50th event repeated inside the file: accept and deliver events per parcel."""
    lines = [HEADER]
    for number in range(parcels):
        carrier = CARRIERS[number % len(CARRIERS)]
        day = 1 + (number // len(CARRIERS)) % days
        moment = f"2026-11-{day:02d}T{number % 24:02d}:{number % 60:02d}:00+08:00"
        waybill = f"{carrier}{number:09d}"
        lines.append(
            f"{waybill},{carrier},accept,,O{number % 7},{moment},,510104,510703,,true,true,true"
        )
        lines.append(f"{waybill},{carrier},deliver,,S{number % 5},{moment},,510104,510703,,,,")
        if number % 25 == 0:
            lines.append(lines[-1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def distinct_keys(path: Path) -> int:
    return read_events(path).group_by(list(EVENT_KEY)).aggregate([]).num_rows


def assert_exactly_once(lake: Path, source: Path) -> None:
    stored = read_stored_events(lake, columns=list(EVENT_KEY))
    distinct = stored.group_by(list(EVENT_KEY)).aggregate([]).num_rows
    assert stored.num_rows == distinct == distinct_keys(source)
    assert not list((lake / STAGING_DIRECTORY).glob("*.tmp"))  # cleared by the last run


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PEAKGUARD_EVENT_LAKE", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, ["--lang", "en", *args], catch_exceptions=False)

    return invoke


def subprocess_ingest(
    source: Path, lake: Path, home: Path, *, crash_after: int | None = None
) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "PEAKGUARD_HOME": str(home)}
    environment.pop(CRASH_AFTER_PARTITIONS, None)
    if crash_after is not None:
        environment[CRASH_AFTER_PARTITIONS] = str(crash_after)
    command = [sys.executable, "-m", "peakguard.cli", "--lang", "en", "events", "ingest"]
    return subprocess.Popen(
        [*command, str(source), "--lake", str(lake)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_ingest_prints_the_report_and_uses_the_home_lake(
    run: Callable[..., Any], tmp_path: Path
) -> None:
    """Without --lake the events go to <home>/lake; a second run stores nothing new."""
    first = run("events", "ingest", str(EXAMPLE))
    assert first.exit_code == 0, first.output
    assert "Stored" in first.output and "16" in first.output
    lake = tmp_path / "home" / "lake"
    assert read_stored_events(lake).num_rows == 16
    second = run("events", "ingest", str(EXAMPLE), str(EXAMPLE))
    assert second.exit_code == 0
    assert "Already in the lake (dropped)" in second.output
    assert read_stored_events(lake).num_rows == 16


def test_a_bad_file_stores_nothing(run: Callable[..., Any], tmp_path: Path) -> None:
    """One bad row in the second file: exit code 2, every problem printed, nothing stored."""
    bad = tmp_path / "bad.csv"
    rows = EXAMPLE.read_text("utf-8").splitlines()
    rows[3] = rows[3].replace("+08:00", "")
    rows[5] = rows[5].replace(",depart,", ",departs,")
    bad.write_text("\n".join(rows) + "\n", "utf-8")
    lake = tmp_path / "lake"
    result = run("events", "ingest", str(EXAMPLE), str(bad), "--lake", str(lake))
    assert result.exit_code == 2
    assert "bad.csv row 4, column time" in result.output
    assert "bad.csv row 6, column event" in result.output
    assert event_paths(lake) == []


@pytest.mark.parametrize("crash_after", [1, 7])
def test_killed_after_a_partition_then_rerun(tmp_path: Path, crash_after: int) -> None:
    """The writer kills itself (SIGKILL) after N partition files; the re-run completes the
    batch and every event is stored exactly once."""
    source = season_file(tmp_path / "season.csv", parcels=2_000, days=5)
    lake = tmp_path / "lake"
    crashed = subprocess_ingest(source, lake, tmp_path / "home", crash_after=crash_after)
    crashed.communicate(timeout=120)
    assert crashed.returncode == -9
    assert len(event_paths(lake)) == crash_after
    stored_so_far = read_stored_events(lake).num_rows
    assert sum(entry["stored"] for entry in batch_log(lake)) == stored_so_far  # from the files
    again = subprocess_ingest(source, lake, tmp_path / "home")
    output, errors = again.communicate(timeout=120)
    assert again.returncode == 0, errors.decode()
    assert "Already in the lake (dropped)" in output.decode()
    assert len(event_paths(lake)) == 5 * len(CARRIERS)
    assert_exactly_once(lake, source)
    assert sum(entry["stored"] for entry in batch_log(lake)) == read_stored_events(lake).num_rows


def wait_for_new_files(process: subprocess.Popen[bytes], lake: Path, before: int) -> bool:
    """Poll until the process has renamed a partition file into place (True) or ended."""
    while process.poll() is None:
        if lake.exists() and len(event_paths(lake)) > before:
            return True
        time.sleep(0.005)
    return False


def test_killed_at_a_random_moment_then_rerun(tmp_path: Path) -> None:
    """The parent sends SIGKILL at a random moment while a larger batch is being written, twice
    in a row, then lets a run finish: every event is stored exactly once. Rounds repeat on a
    fresh lake until a kill has landed mid-batch; the seed is in any failure message."""
    source = season_file(tmp_path / "season.csv", parcels=60_000, days=30)
    home = tmp_path / "home"
    partitions = 30 * len(CARRIERS)
    timing = subprocess_ingest(source, tmp_path / "timing-lake", home)
    assert wait_for_new_files(timing, tmp_path / "timing-lake", 0)
    first_file = time.perf_counter()
    # the time the partition files take (ingest then merges the batch's partials, after them)
    wait_for_new_files(timing, tmp_path / "timing-lake", partitions - 1)
    writing = time.perf_counter() - first_file
    timing.communicate(timeout=300)
    seed = random.randrange(2**32)
    chooser = random.Random(seed)
    after_kills: list[int] = []
    for round_number in range(4):
        lake = tmp_path / f"lake-{round_number}"
        for _kill in range(2):
            before = len(event_paths(lake)) if lake.exists() else 0
            victim = subprocess_ingest(source, lake, home)
            if wait_for_new_files(victim, lake, before):
                time.sleep(chooser.uniform(0, 0.6 * writing))
            victim.kill()
            victim.communicate(timeout=120)
            after_kills.append(len(event_paths(lake)))
        finisher = subprocess_ingest(source, lake, home)
        _output, errors = finisher.communicate(timeout=300)
        assert finisher.returncode == 0, (seed, errors.decode())
        assert len(event_paths(lake)) == partitions
        assert_exactly_once(lake, source)
        if any(0 < count < partitions for count in after_kills):
            return
    pytest.fail(f"no kill landed mid-batch (seed {seed}, files after each kill {after_kills})")


def test_two_processes_ingesting_at_once(tmp_path: Path) -> None:
    """Two commands ingesting overlapping files into one lake at the same time take turns on
    the lock: together they store the union, once."""
    first = season_file(tmp_path / "first.csv", parcels=6_000, days=3)
    both = season_file(tmp_path / "both.csv", parcels=9_000, days=3)
    lake = tmp_path / "lake"
    runs = [subprocess_ingest(path, lake, tmp_path / "home") for path in (first, both)]
    for process in runs:
        _output, errors = process.communicate(timeout=300)
        assert process.returncode == 0, errors.decode()
    assert_exactly_once(lake, both)
