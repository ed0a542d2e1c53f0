"""``peakguard inspect`` on SQLite (the engines are tested in test_inspections.py): a joint
inspection planned, started, answered from a CSV file (a bad cell refused with its row and
column, exit 2), one item answered, completed; shown, listed and exported; an outlet listed and
removed; a commitment letter recorded with its scan and the missing company shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peakguard.app.context import open_store
from peakguard.cases.inspections import national_checklist
from peakguard.cli import app as cli_app
from peakguard.config import Settings
from tests.integration.inspection_fixtures import populate


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """The command line over a fresh SQLite database holding the shared inspection world."""
    url = f"sqlite:///{tmp_path / 'peakguard.db'}"
    store = open_store(Settings(database_url=url, home=tmp_path))
    populate(store)
    store.engine.dispose()
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", url)
    runner = CliRunner()

    def invoke(*arguments: str, code: int = 0) -> str:
        result = runner.invoke(cli_app, ["--lang", "en", *arguments], env={"COLUMNS": "240"})
        assert result.exit_code == code, result.output
        return result.output

    return invoke


def test_a_joint_inspection_through_the_command_line(
    run: Callable[..., str], tmp_path: Path
) -> None:
    """As in the module's docstring."""
    invoke = run
    planned = invoke(
        "inspect", "plan", "--company", "zto-sc", "--at", "2026-11-06T10:00",
        "--inspector", "wang", "--organisation", "sc-post", "--by", "joint",
        "--partner-body", "绵阳市公安局", "--partner-officer", "张警官",
        "--network", "chengdu-mianyang", "--node", "ZTO-MY-HUB",
    )  # fmt: skip
    number = re.search(r"Inspection (\d+)", planned)
    assert number is not None and "regulator with public security" in planned
    ident = number.group(1)
    invoke("inspect", "start", ident, "--version", "1")
    keys = [item.key for item in national_checklist().items]
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "item,answer,note\n"
        + "".join(f"{key},符合,\n" for key in keys[1:-1])
        + f"{keys[-1]},perhaps,\n",
        encoding="utf-8",
    )
    refused = invoke("inspect", "answer", ident, "--version", "2", "--file", str(answers), code=2)
    assert f"answers.csv row {len(keys)}, column answer" in refused
    answers.write_text(
        "item,answer,note\n" + "".join(f"{key},符合,\n" for key in keys[1:]), encoding="utf-8"
    )
    invoke("inspect", "answer", ident, "--version", "2", "--file", str(answers))
    shown = invoke(
        "inspect", "answer", ident, "--version", "3", "--item", keys[0],
        "--answer", "not_compliant", "--note", "未开箱验视",
    )  # fmt: skip
    assert "未开箱验视" in shown and "acceptance_inspection" in shown
    assert "completed" in invoke("inspect", "complete", ident, "--version", "4")
    assert "ZTO-MY-HUB" in invoke("inspect", "list")
    out = tmp_path / "findings.csv"
    invoke("inspect", "export", str(out), "--what", "findings")
    assert "未开箱验视" in out.read_text(encoding="utf-8-sig")
    assert "x_ray.images_kept" in invoke("inspect", "checklist")


def test_lists_and_letters_through_the_command_line(
    run: Callable[..., str], tmp_path: Path
) -> None:
    """As in the module's docstring; a day typed wrong is refused at its option (exit 2)."""
    invoke = run
    invoke("inspect", "abnormal", "add", "--reason", "擅自停业", "--from", "2026-11-32",
           "--network", "chengdu-mianyang", "--node", "ZTO-MY-O1", code=2)  # fmt: skip
    added = invoke("inspect", "abnormal", "add", "--reason", "擅自停业", "--from", "2026-11-12",
                   "--network", "chengdu-mianyang", "--node", "ZTO-MY-O1")  # fmt: skip
    entry = re.search(r"entry (\d+)", added)
    assert entry is not None
    invoke("inspect", "abnormal", "remove", entry.group(1), "--reason", "已恢复", "--version", "1")
    assert "中通涪城网点" not in invoke("inspect", "abnormal", "list")
    assert "中通涪城网点" in invoke("inspect", "abnormal", "list", "--history")
    scan = tmp_path / "letter.pdf"
    scan.write_bytes(b"%PDF-1.4\n" + b"x" * 20)
    invoke("inspect", "commitments", "add", "--company", "zto-sc", "--season", "2026",
           "--signed-on", "2026-10-28", "--signer", "赵总", "--title", "总经理",
           "--regulator", "sc-post", "--letter", str(scan))  # fmt: skip
    listed = invoke("inspect", "commitments", "list", "--season", "2026")
    assert re.search(r"yto-sc.*missing", listed) and re.search(r"zto-sc.*2026-10-28.*赵总", listed)
