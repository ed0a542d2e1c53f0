"""CSV folders and Excel workbooks: round trips, and bad rows located by file, row and column."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from peakguard.demo.sichuan import DemoParameters, build_sichuan_network
from peakguard.errors import InvalidInputError
from peakguard.formats.loading import load_network, save_network
from peakguard.formats.network_document import parse_network
from peakguard.i18n import render


@pytest.fixture(scope="module")
def small_demo() -> Any:
    """A demo province with few outlets: all the features, quick to write and read."""
    return build_sichuan_network(DemoParameters(outlets_per_carrier=21))


def test_csv_round_trip(small_demo: Any, tmp_path: Path) -> None:
    """Nodes and lanes written as CSV read back as the same network."""
    folder = tmp_path / "sichuan-demo"
    save_network(small_demo, folder)
    assert (folder / "nodes.csv").exists()
    assert (folder / "lanes.csv").exists()
    assert load_network(folder) == small_demo


def test_excel_round_trip(small_demo: Any, tmp_path: Path) -> None:
    """The same through one .xlsx workbook."""
    path = tmp_path / "sichuan-demo.xlsx"
    save_network(small_demo, path)
    assert load_network(path) == small_demo


def _rewrite_csv(path: Path, edit: Any) -> None:
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    edit(rows)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)


def test_broken_csv_reports_every_bad_row(tiny: dict[str, Any], tmp_path: Path) -> None:
    """Bad cells are located as file, row (header = row 1) and column; all are reported."""
    folder = tmp_path / "tiny"
    save_network(parse_network(tiny), folder)

    def break_nodes(rows: list[list[str]]) -> None:
        header = rows[0]
        rows[2][header.index("storage_capacity")] = "-5"
        rows[3][header.index("region")] = "510199"
        rows[4][header.index("shifts")] = "all day long"

    def break_lanes(rows: list[list[str]]) -> None:
        header = rows[0]
        rows[1][header.index("transit_hours")] = "abc"
        rows[0].append("colour")
        for row in rows[1:]:
            row.append("red")

    _rewrite_csv(folder / "nodes.csv", break_nodes)
    _rewrite_csv(folder / "lanes.csv", break_lanes)
    with pytest.raises(InvalidInputError) as caught:
        load_network(folder)
    found = {p.location: render(p.message, "en") for p in caught.value.problems}
    assert found["nodes.csv row 3, column storage_capacity"] == "must be greater than 0"
    assert found["nodes.csv row 4, column region"] == "unknown region code 510199"
    assert "is not of the form" in found["nodes.csv row 5, column shifts"]
    assert found["lanes.csv row 2, column transit_hours"] == "must be a number, not 'abc'"
    assert found["lanes.csv, column colour"].startswith("is not a known column")
    assert len(found) == 5


def test_broken_workbook_is_located_by_sheet(tiny: dict[str, Any], tmp_path: Path) -> None:
    """In a workbook the location names the sheet and the row."""
    path = tmp_path / "tiny.xlsx"
    save_network(parse_network(tiny), path)
    workbook = load_workbook(path)
    sheet = workbook["lanes"]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=3, column=header.index("origin") + 1, value="GHOST")
    sheet.cell(row=4, column=header.index("mode") + 1, value="boat")
    workbook.save(path)
    with pytest.raises(InvalidInputError) as caught:
        load_network(path)
    found = {p.location: render(p.message, "en") for p in caught.value.problems}
    assert found == {
        'tiny.xlsx: sheet "lanes", row 3, column origin': "unknown node GHOST",
        'tiny.xlsx: sheet "lanes", row 4, column mode': (
            "'boat' is not one of 'road', 'air' or 'rail'"
        ),
    }


def test_not_a_workbook(tmp_path: Path) -> None:
    """A file that is not .xlsx inside gets a clear message, not a traceback."""
    path = tmp_path / "fake.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        load_network(path)
    assert "not an Excel .xlsx workbook" in render(caught.value.problems[0].message, "en")
