"""``--settings FILE``: a command's algorithm parameters from a settings file, options on the
command line winning over it, every mistake of the file located, and the parameters used
echoed in the outputs they shaped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from peakguard.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def invoke(*arguments: str) -> Any:
    return CliRunner().invoke(
        app, ["--lang", "en", *arguments], catch_exceptions=False, env={"COLUMNS": "240"}
    )


def stagger(out: Path, *extra: str) -> Any:
    return invoke(
        "plan",
        "stagger",
        "--network",
        str(EXAMPLES / "chengdu-mianyang.yaml"),
        "--scenario",
        str(EXAMPLES / "double11-small.yaml"),
        "--out",
        str(out),
        "--no-check",
        *extra,
    )


def test_stagger_takes_its_section_and_the_options_win(tmp_path: Path) -> None:
    """[stagger] sets the margins; --storage-margin overrides the file; plan.json echoes both."""
    settings = tmp_path / "settings.toml"
    settings.write_text(
        "[stagger]\nsorting_margin = 0.9\nstorage_margin = 0.8\n\n[kpi]\nstop_hours = 36\n",
        encoding="utf-8",
    )
    result = stagger(tmp_path / "a", "--settings", str(settings))
    assert result.exit_code == 0, result.output
    echoed = json.loads((tmp_path / "a" / "plan.json").read_text(encoding="utf-8"))["settings"]
    assert echoed["stagger"]["sorting_margin"] == 0.9
    assert echoed["stagger"]["storage_margin"] == 0.8
    result = stagger(tmp_path / "b", "--settings", str(settings), "--storage-margin", "0.7")
    assert result.exit_code == 0, result.output
    echoed = json.loads((tmp_path / "b" / "plan.json").read_text(encoding="utf-8"))["settings"]
    assert (echoed["stagger"]["sorting_margin"], echoed["stagger"]["storage_margin"]) == (0.9, 0.7)


def test_a_bad_settings_file_is_located_and_nothing_is_written(tmp_path: Path) -> None:
    """Two mistakes in two keys are both listed, with the file and the key; exit 2."""
    settings = tmp_path / "knobs.toml"
    settings.write_text("[stagger]\nstorage_margin = 1.5\nstorage_hours = 8\n", encoding="utf-8")
    out = tmp_path / "plan"
    result = stagger(out, "--settings", str(settings))
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "knobs.toml: [stagger].storage_margin" in text
    assert "knobs.toml: [stagger].storage_hours" in text
    assert not out.exists()


def test_simulate_takes_the_warning_thresholds(tmp_path: Path) -> None:
    """[warnings] replaces the scenario's thresholds: lower ones raise more warnings."""
    settings = tmp_path / "settings.toml"
    settings.write_text(
        "[warnings.blue]\nstorage_utilisation = 0.05\noverflow_within_hours = 72\n",
        encoding="utf-8",
    )
    runs = {}
    for label, extra in (("plain", ()), ("low", ("--settings", str(settings)))):
        result = invoke(
            "simulate",
            "--network",
            str(EXAMPLES / "chengdu-mianyang.yaml"),
            "--scenario",
            str(EXAMPLES / "double11-small.yaml"),
            "--out",
            str(tmp_path / label),
            *extra,
        )
        assert result.exit_code == 0, result.output
        runs[label] = json.loads((tmp_path / label / "summary.json").read_text(encoding="utf-8"))
    assert runs["low"]["settings"]["warnings"]["blue"]["storage_utilisation"] == 0.05
    assert runs["plain"]["settings"]["warnings"]["orange"]["storage_utilisation"] == 0.85
    plain = runs["plain"]["summary"]["warnings_by_level"].get("blue", 0)
    low = runs["low"]["summary"]["warnings_by_level"].get("blue", 0)
    assert low > plain
    assert runs["low"]["summary"]["delivered"] == runs["plain"]["summary"]["delivered"]
