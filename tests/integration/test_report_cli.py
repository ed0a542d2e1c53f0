"""``peakguard report daily|weekly|monthly`` on a real event lake: the files written, the week
compared with the week before, bad arguments and empty periods refused with exit code 2 and a
message (never a traceback), and the page rendered by headless Chromium in both languages."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from peakguard.cli import app
from peakguard.store.event_lake import ingest
from tests.unit.analytics.conftest import CHENGDU, XIAN, events, trail
from tests.unit.bulletin.conftest import two_day_rows

CHROMIUM = Path(os.environ.get("PEAKGUARD_CHROMIUM", "/usr/bin/chromium"))
runner = CliRunner()


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """The two-day log of tests/unit/bulletin/conftest.py, stored in a lake."""
    folder = tmp_path / "lake"
    ingest(folder, events(two_day_rows()))
    return folder


def run(*arguments: str) -> Any:
    return runner.invoke(app, list(arguments))


def test_daily_writes_html_excel_and_json(lake: Path, tmp_path: Path) -> None:
    """The daily bulletin of 11-12 against 11-11: A's 72-hour rate 75 %, +25 points, first."""
    out = tmp_path / "out"
    result = run("--lang", "en", "report", "daily", "--day", "2026-11-12", "--lake", str(lake),
                 "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.iterdir()) == [
        "bulletin.html",
        "bulletin.json",
        "bulletin.xlsx",
    ]
    document = json.loads((out / "bulletin.json").read_text(encoding="utf-8"))
    [a] = [
        row
        for row in document["headlines"]
        if row["carrier"] == "A" and row["metric"] == "rate_72h"
    ]
    assert (a["current"], a["previous"]) == (0.75, 0.5)
    assert a["change"] == pytest.approx(25.0)
    page = (out / "bulletin.html").read_text(encoding="utf-8")
    assert "Daily service-quality bulletin · 2026-11-12" in page
    assert "Bulletin for 2026-11-12 written" in result.output


def test_weekly_compares_with_the_week_before(tmp_path: Path) -> None:
    """Week 46 (Nov 9–15): one of two within 72 h = 50 %; week 47 (Nov 16–22): two of two =
    100 % → +50 points (the cutoff, the latest event at hour 300, is past all their 72
    hours); --day inside week 47 gives the same bulletin as --week 2026-W47."""
    common: dict[str, Any] = {"carrier": "A", "origin": CHENGDU, "destination": XIAN}
    rows = [
        *trail("W1", [("OA", 0, 1), ("SA", 5, None)], delivered=20, **common),  # 11-11
        *trail("W2", [("OA", 2, 3), ("SA", 7, None)], delivered=90, **common),  # late
        *trail("W3", [("OA", 150, 151), ("SA", 155, None)], delivered=170, **common),  # 11-17
        *trail("W4", [("OA", 152, 153), ("SA", 157, None)], delivered=180, **common),
        *trail("W5", [("OA", 300, None)], **common),  # 11-23 (week 48): moves the cutoff on
    ]
    lake = tmp_path / "lake"
    ingest(lake, events(rows))
    outputs = []
    for choice in (["--week", "2026-W47"], ["--day", "2026-11-19"]):
        out = tmp_path / choice[1]
        result = run("report", "weekly", *choice, "--lake", str(lake), "--out", str(out))
        assert result.exit_code == 0, result.output
        document = json.loads((out / "bulletin.json").read_text(encoding="utf-8"))
        outputs.append(document)
    for document in outputs:
        assert (document["period"], document["previous_period"]) == ("2026-W47", "2026-W46")
        [a] = [
            row
            for row in document["headlines"]
            if row["carrier"] == "A" and row["metric"] == "rate_72h"
        ]
        assert (a["current"], a["previous"]) == (1.0, 0.5)
        assert a["change"] == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["daily", "--day", "2026-13-45"], "is not a day; write it as 2026-11-11"),
        (["weekly", "--week", "2026-W99"], "is not an ISO week"),
        (["weekly"], "Give either --week"),
        (["weekly", "--week", "2026-W46", "--day", "2026-11-11"], "Give either --week"),
        (["monthly", "--month", "November"], "is not a month; write it as 2026-11"),
        (["daily", "--day", "2026-11-20"], "no scan events for 2026-11-20"),
        (["monthly", "--month", "2026-10"], "2026-11-11 – 2026-11-15"),
    ],
)
def test_bad_arguments_and_empty_periods_exit_2_with_a_message(
    lake: Path, tmp_path: Path, arguments: list[str], expected: str
) -> None:
    """A wrong period, a period without events: exit 2 and a sentence saying what to do."""
    result = run("--lang", "en", "report", *arguments, "--lake", str(lake), "--out",
                 str(tmp_path / "out"))  # fmt: skip
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_missing_lake_exits_2(tmp_path: Path) -> None:
    """A lake folder that does not exist is named in the message."""
    result = run("--lang", "en", "report", "daily", "--day", "2026-11-12", "--lake",
                 str(tmp_path / "nowhere"))  # fmt: skip
    assert result.exit_code == 2
    assert "There is no event lake" in result.output


@pytest.mark.parametrize(("language", "heading"), [("en", "Rankings"), ("zh_CN", "排名")])
def test_the_page_renders_in_headless_chromium(
    lake: Path, tmp_path: Path, language: str, heading: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chromium builds the page: the headline table has one row per metric and A's 72-hour
    rate reads 75.0 %; the headings are in the page's language. The command's database is a
    fresh home's (the user's own, after a demo, holds complaint records: two metrics more)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PEAKGUARD_DATABASE_URL", raising=False)
    out = tmp_path / language
    result = run("--lang", language, "report", "daily", "--day", "2026-11-12", "--lake",
                 str(lake), "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    completed = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            (out / "bulletin.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    dom = completed.stdout
    assert f"<h2>{heading}</h2>" in dom
    assert dom.count('<tr data-metric="') == 16  # no complaint records: 16 metrics
    start = dom.index('<tr data-metric="rate_72h">')
    row = dom[start : dom.index("</tr>", start)]
    assert 'data-carrier="A" data-value="0.75"' in row
    assert "75.0%" in row
    assert 'data-ranking="carrier:rate_72h"' in dom
