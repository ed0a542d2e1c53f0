"""The deployment's input limits reach the readers the command line calls."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from peakguard.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def _validate(path: Path) -> object:
    return CliRunner().invoke(app, ["--lang", "en", "network", "validate", str(path)])


def test_a_lower_cell_limit_in_the_settings_refuses_what_the_default_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 1,500-character description passes under the default (100,000 characters) and is
    refused, located, under PEAKGUARD_MAX_CELL_CHARACTERS=1000."""
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    document = yaml.safe_load((EXAMPLES / "chengdu-mianyang.yaml").read_text("utf-8"))
    document["description"] = "成都" * 750
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    accepted = _validate(path)
    assert accepted.exit_code == 0, accepted.output  # type: ignore[attr-defined]
    monkeypatch.setenv("PEAKGUARD_MAX_CELL_CHARACTERS", "1000")
    refused = _validate(path)
    assert refused.exit_code == 2, refused.output  # type: ignore[attr-defined]
    output = " ".join(refused.output.split())  # type: ignore[attr-defined]
    assert "long.yaml: line 5" in output and "1500 characters" in output
