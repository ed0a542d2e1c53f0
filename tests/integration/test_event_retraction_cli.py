"""``peakguard events retract``: the events of a file, or a batch, withdrawn by an audited
retraction; mistakes exit 2, an unknown batch 3 (issue #13)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peakguard.cli import app
from peakguard.store.event_lake import batch_log, read_stored_events
from tests.unit.ingest.conftest import EXAMPLE


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PEAKGUARD_EVENT_LAKE", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, ["--lang", "en", *args], catch_exceptions=False)

    return invoke


def test_retract_the_events_of_a_file_then_a_batch(run: Callable[..., Any], tmp_path: Path) -> None:
    """Two events of the example retracted by file (the rows as sent), then the whole batch."""
    lake = tmp_path / "lake"
    assert run("events", "ingest", str(EXAMPLE), "--lake", str(lake)).exit_code == 0
    two = tmp_path / "two.csv"
    two.write_text("\n".join(EXAMPLE.read_text("utf-8").splitlines()[:3]) + "\n", "utf-8")
    result = run("events", "retract", str(two), "--reason", "wrong node", "--lake", str(lake))
    assert result.exit_code == 0, result.output
    assert "Retracted" in result.output and "2" in result.output
    assert read_stored_events(lake).num_rows == 14
    batch = str(batch_log(lake)[0]["batch"])
    whole = run("events", "retract", "--batch", batch, "--reason", "bad feed", "--lake", str(lake))
    assert whole.exit_code == 0, whole.output
    assert read_stored_events(lake).num_rows == 0
    assert read_stored_events(lake, include_retracted=True).num_rows == 16


def test_mistakes_and_an_unknown_batch(run: Callable[..., Any], tmp_path: Path) -> None:
    """No reason or nothing named: exit 2, located; a batch with nothing stored: exit 3."""
    lake = tmp_path / "lake"
    run("events", "ingest", str(EXAMPLE), "--lake", str(lake))
    missing_reason = run("events", "retract", str(EXAMPLE), "--lake", str(lake))
    assert missing_reason.exit_code == 2 and "reason" in missing_reason.output
    nothing = run("events", "retract", "--reason", "x", "--lake", str(lake))
    assert nothing.exit_code == 2 and "batch" in nothing.output
    unknown = run(
        "events",
        "retract",
        "--batch",
        "20000101T000000000000Z-00000000",
        "--reason",
        "x",
        "--lake",
        str(lake),
    )
    assert unknown.exit_code == 3
    assert read_stored_events(lake).num_rows == 16
