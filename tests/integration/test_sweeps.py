"""The server's round of sweeps: every timer of the desk runs, a failing one stops no other."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from peakguard.api.app import create_app
from peakguard.app import sweeps
from peakguard.app.context import open_store
from peakguard.config import Settings


def _settings(sqlite_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=sqlite_url, home=tmp_path, complaint_sweep_seconds=5)


def test_a_round_runs_every_sweep_and_records_nothing_on_an_empty_desk(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The seven sweeps (cases, reminders to the duty, alerts, daily reports, incidents,
    rectification orders, stop-sort holds) run, none fails, and nothing is due on a desk with
    no work."""
    settings = _settings(sqlite_url, tmp_path)
    store = open_store(settings)
    report = sweeps.run_sweeps(store, settings)
    store.engine.dispose()
    assert report.failed == ()
    assert set(report.counts) == {
        "cases",
        "case_reminders",
        "alerts",
        "daily_reports",
        "incidents",
        "rectification_orders",
        "holds",
        "supply_orders",
    }
    assert report.recorded == 0


def test_a_failing_sweep_is_named_and_the_others_still_run(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An alert sweep that fails (a lost connection, a bug) does not keep the incidents' clocks
    from being swept: the round names it and goes on."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("connection lost")

    monkeypatch.setattr(sweeps, "sweep_alerts", broken)
    settings = _settings(sqlite_url, tmp_path)
    store = open_store(settings)
    report = sweeps.run_sweeps(store, settings)
    store.engine.dispose()
    assert report.failed == ("alerts",)
    assert "incidents" in report.counts and "daily_reports" in report.counts


def test_the_server_sweeps_as_soon_as_it_starts(sqlite_url: str, tmp_path: Path) -> None:
    """A server started after a downtime sweeps at once (catching up), not a period later."""
    settings = _settings(sqlite_url, tmp_path)
    store = open_store(settings)
    app = create_app(settings, store)
    with TestClient(app):
        deadline = time.monotonic() + 20
        while app.state.case_sweeper.sweeps == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert app.state.case_sweeper.sweeps >= 1
    store.engine.dispose()
