"""``peakguard daily`` on SQLite, acting as the local administrator: the example file
submitted twice (the second time as corrections, version 2), listed, shown, rolled up to a
CSV file, swept; a file with bad cells refused with their places and nothing kept."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from peakguard.app import accounts
from peakguard.app.context import open_store
from peakguard.app.daily_reports import list_reports, read_scope
from peakguard.cli import app as cli_app
from peakguard.config import Settings
from peakguard.identity.model import LOCAL_ADMINISTRATOR, Organisation, OrganisationKind
from peakguard.store.database import Store

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "daily-report.csv"
Run = Callable[..., Result]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Run, Store]]:
    """The CLI over a fresh SQLite database, in English; ZTO's Sichuan company exists."""
    home = tmp_path / "home"
    url = f"sqlite:///{tmp_path / 'peakguard.db'}"
    monkeypatch.setenv("PEAKGUARD_HOME", str(home))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", url)
    store = open_store(Settings(database_url=url, home=home))
    accounts.create_organisation(
        store,
        LOCAL_ADMINISTRATOR,
        Organisation(
            "zto-sc", "中通四川", OrganisationKind.carrier, carrier="ZTO", region="510000"
        ),
    )
    runner = CliRunner()

    def run(*arguments: str, code: int = 0) -> Result:
        result = runner.invoke(
            cli_app, ["--lang", "en", *arguments], catch_exceptions=False, env={"COLUMNS": "240"}
        )
        assert result.exit_code == code, result.output
        return result

    yield run, store
    store.engine.dispose()


def test_the_example_file_is_submitted_corrected_rolled_up_and_swept(
    site: tuple[Run, Store], tmp_path: Path
) -> None:
    """Two reports kept, then version 2 of each; the roll-up's total sums both cities
    (2 + 0 picked up, 3200 + 800 backlog, one closed outlet)."""
    run, store = site
    first = run("daily", "submit", str(EXAMPLE))
    assert "510100" in first.output and "510700" in first.output
    run("daily", "submit", str(EXAMPLE), "--reason", "recount")
    page = list_reports(store, LOCAL_ADMINISTRATOR, read_scope(LOCAL_ADMINISTRATOR))
    assert sorted((r.key.region, r.version) for r in page.reports) == [
        ("510100", 2),
        ("510700", 2),
    ]
    listed = run("daily", "list")
    assert "2026-11-11" in listed.output
    shown = run("daily", "show", str(page.reports[0].id))
    assert "recount" in shown.output
    target = tmp_path / "rollup.csv"
    run("daily", "rollup", "--day", "2026-11-11", "--region", "510000", "--output", str(target))
    rows = list(csv.reader(target.read_text(encoding="utf-8").splitlines()))
    total = next(row for row in rows if row and row[0] == "total")
    assert total[2:] == ["2", "2", "1", "4000", "64", "17", "1"]
    swept = run("daily", "sweep")
    assert "Daily reports swept" in swept.output


def test_a_file_with_bad_cells_is_refused_whole(site: tuple[Run, Store], tmp_path: Path) -> None:
    """An unknown item and a backlog that is not a number: both located, exit 2, nothing kept."""
    run, store = site
    bad = tmp_path / "bad.csv"
    text = EXAMPLE.read_text(encoding="utf-8")
    bad.write_text(
        text.replace("staff,,46", "staf,,46").replace("backlog,,800", "backlog,,lots"),
        encoding="utf-8",
    )
    refused = run("daily", "submit", str(bad), code=2)
    assert "bad.csv row 6, column item" in refused.output
    assert "bad.csv row 11, column value" in refused.output
    page = list_reports(store, LOCAL_ADMINISTRATOR, read_scope(LOCAL_ADMINISTRATOR))
    assert page.total == 0


def test_a_workbook_reads_as_its_csv_and_a_report_lacking_a_line_is_refused(
    site: tuple[Run, Store], tmp_path: Path
) -> None:
    """The example as an Excel workbook keeps the same two reports; without Mianyang's staff
    line (and with Chengdu's picked_up twice) it is refused at those rows."""
    from openpyxl import Workbook  # noqa: PLC0415

    run, store = site
    rows = list(csv.reader(EXAMPLE.read_text(encoding="utf-8").splitlines()))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append([int(cell) if cell.isdigit() and len(cell) < 6 else cell for cell in row])
    good = tmp_path / "daily.xlsx"
    workbook.save(good)
    run("daily", "submit", str(good))
    page = list_reports(store, LOCAL_ADMINISTRATOR, read_scope(LOCAL_ADMINISTRATOR))
    assert sorted(r.key.region for r in page.reports) == ["510100", "510700"]
    sheet.delete_rows(13)  # Mianyang's staff line (the sheet's row 13)
    sheet.append(rows[1])  # Chengdu's picked_up again, as row 14
    bad = tmp_path / "bad.xlsx"
    workbook.save(bad)
    refused = run("daily", "submit", str(bad), code=2)
    assert "row 9, column item" in refused.output  # Mianyang's first line: lacks staff
    assert "row 14, column item" in refused.output  # picked_up given twice
