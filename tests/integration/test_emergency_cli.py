"""``peakguard emergency`` on SQLite: a blockage proposed from its facts, activated, an action
checked off, raised, terminated; a drill listed as one; an illegal step and a bad plans file
refused with their exit codes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from peakguard.app.context import open_store
from peakguard.app.emergency import activation_counts, get_activation
from peakguard.cli import app as cli_app
from peakguard.config import Settings
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from peakguard.store.database import Store

Run = Callable[..., Result]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Run, Store]]:
    """The CLI over a fresh SQLite database, in English, and the same database opened by the
    application."""
    home = tmp_path / "home"
    url = f"sqlite:///{tmp_path / 'peakguard.db'}"
    monkeypatch.setenv("PEAKGUARD_HOME", str(home))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", url)
    store = open_store(Settings(database_url=url, home=home))
    runner = CliRunner()

    def run(*arguments: str, code: int = 0) -> Result:
        result = runner.invoke(
            cli_app, ["--lang", "en", *arguments], catch_exceptions=False, env={"COLUMNS": "240"}
        )
        assert result.exit_code == code, result.output
        return result

    yield run, store
    store.engine.dispose()


def test_a_blockage_is_proposed_worked_and_terminated_from_the_command_line(
    site: tuple[Run, Store], tmp_path: Path
) -> None:
    """A 30 h road cut: level III proposed, activated, reroute checked, raised to II,
    terminated; terminating again exits 4; a drill is not counted; a bad plans file exits 2."""
    run, store = site
    proposed = run(
        "emergency",
        "propose",
        "--kind",
        "road_cut",
        "--region",
        "510100",
        "--fact",
        "blocked_hours=30",
        "--trigger",
        "incident:SJ2026-000001",
    )
    assert "network_blockage" in proposed.output and "blocked_hours >= 24" in proposed.output
    run("emergency", "activate", "1")
    run("emergency", "check", "1", "reroute", "--note", "绕行")
    run("emergency", "level", "1", "--to", "II")
    ended = run("emergency", "terminate", "1", "--reason", "道路抢通")
    assert "terminated" in ended.output
    refused = run("emergency", "terminate", "1", "--reason", "again", code=4)
    assert "cannot take the step terminate" in refused.output
    view = get_activation(store, 1, actor=LOCAL_ADMINISTRATOR)
    assert (view.level, view.state) == ("II", "terminated")
    run("emergency", "drill", "--plan", "peak_backlog", "--level", "III", "--region", "510100")
    listed = run("emergency", "list", "--drill")
    assert "peak_backlog" in listed.output and "network_blockage" not in listed.output
    assert activation_counts(store, actor=LOCAL_ADMINISTRATOR)["II"] == 1
    assert sum(activation_counts(store, actor=LOCAL_ADMINISTRATOR).values()) == 1
    bad = tmp_path / "plans.toml"
    bad.write_text('[plans.x]\ntitle_zh = "x"\n', encoding="utf-8")
    wrong = run("emergency", "plans", "--plans", str(bad), code=2)
    assert "plans.x.title_en" in wrong.output
