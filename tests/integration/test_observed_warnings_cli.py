"""``peakguard warnings`` (SQLite): evaluate from the lake, list, acknowledge, the observed
state and the projection, each saying that the thresholds are local policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from peakguard.app import accounts
from peakguard.app.context import open_store
from peakguard.app.networks import parse_network_document, save_network
from peakguard.app.observed_warnings import read_warnings
from peakguard.cli import app as cli_app
from peakguard.config import Settings
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from peakguard.store.event_lake import ingest
from tests.integration.test_observed_warnings import (
    SC_POST,
    ZTO_SC,
    arrivals,
    events,
    watched_document,
)
from tests.integration.test_observed_warnings_projection import busy

AT = "2026-11-11T20:00+08:00"


def test_the_warnings_commands(
    tmp_path: Path, tiny: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """evaluate raises 1 (then 0), list shows it yellow on Deyang, ack acknowledges it (then
    exit 4, a conflict), observed shows Deyang at 8 from the lake, project gives 24 h."""
    home, url, lake = tmp_path / "home", f"sqlite:///{tmp_path / 'p.db'}", tmp_path / "lake"
    monkeypatch.setenv("PEAKGUARD_HOME", str(home))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", url)
    store = open_store(Settings(database_url=url, home=home))
    for organisation in (SC_POST, ZTO_SC):
        accounts.create_organisation(store, LOCAL_ADMINISTRATOR, organisation)
    network = parse_network_document(busy(watched_document(tiny)))
    save_network(store, network, actor=LOCAL_ADMINISTRATOR, source="test")
    ingest(lake, events(arrivals(8, 10)))
    runner = CliRunner()

    def run(*arguments: str, code: int = 0) -> Result:
        result = runner.invoke(
            cli_app, ["--lang", "en", "warnings", *arguments], env={"COLUMNS": "240"}
        )
        assert result.exit_code == code, result.output
        return result

    observed_only = ("evaluate", "tiny", "--at", AT, "--projection-hours", "0", "--lake", str(lake))
    first = run(*observed_only)
    assert "Raised 1" in first.output and "local policy" in first.output
    assert "Raised 0" in run(*observed_only).output
    listed = run("list", "--state", "open")
    assert "DY-HUB" in listed.output and "level III (yellow)" in listed.output
    (warning,), _total = read_warnings(store, actor=LOCAL_ADMINISTRATOR)
    assert "acknowledged" in run("ack", str(warning.id)).output
    run("ack", str(warning.id), code=4)
    seen = run("observed", "tiny", "--at", AT, "--lake", str(lake))
    assert "DY-HUB" in seen.output and "lake" in seen.output
    made = run("project", "tiny", "--at", AT, "--hours", "24", "--lake", str(lake))
    assert "Projection of tiny for 24 h" in made.output
    store.engine.dispose()
