"""The network, release and history readers through the guarded table intake: real row
numbers, refused extra cells and duplicate headers, and quantities and days within sense."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from peakguard.errors import InvalidInputError
from peakguard.formats.history_document import read_history, read_rows
from peakguard.formats.loading import save_network
from peakguard.formats.network_document import parse_network
from peakguard.formats.release_document import parse_releases, read_releases
from peakguard.formats.tables import read_csv_folder, read_workbook

RELEASES = "origin,carrier,release_day,latest_day,parcels\n"


def _problems(call: Any, *args: Any, **kwargs: Any) -> list[str]:
    with pytest.raises(InvalidInputError) as caught:
        call(*args, **kwargs)
    return [problem.render("en") for problem in caught.value.problems]


def _insert_blank_lines(path: Path, after: int, count: int) -> None:
    lines = path.read_text("utf-8-sig").splitlines(keepends=True)
    path.write_text("".join(lines[:after] + ["\n"] * count + lines[after:]), "utf-8")


def test_network_csv_rows_keep_their_line_past_blank_lines(
    tiny: dict[str, Any], tmp_path: Path
) -> None:
    """A bad cell after three blank lines is reported at the line it is on (it was reported
    three rows too early)."""
    folder = tmp_path / "tiny"
    save_network(parse_network(tiny), folder)
    path = folder / "lanes.csv"
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    rows[2][rows[0].index("mode")] = "boat"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    _insert_blank_lines(path, after=2, count=3)
    assert _problems(read_csv_folder, folder) == [
        "lanes.csv row 6, column mode: 'boat' is not one of 'road', 'air' or 'rail'"
    ]


def test_network_csv_extra_cells_and_duplicate_headers(
    tiny: dict[str, Any], tmp_path: Path
) -> None:
    """A row with a cell past the header and a header naming a column twice are refused, with
    their file and line, instead of being cut or overwritten."""
    folder = tmp_path / "tiny"
    save_network(parse_network(tiny), folder)
    lanes = folder / "lanes.csv"
    lines = lanes.read_text("utf-8-sig").splitlines()
    lines[1] += ",surplus"
    lanes.write_text("\n".join(lines) + "\n", "utf-8")
    nodes = folder / "nodes.csv"
    lines = nodes.read_text("utf-8-sig").splitlines()
    lines[0] = lines[0].replace("staff", "name")
    nodes.write_text("\n".join(lines) + "\n", "utf-8")
    problems = _problems(read_csv_folder, folder)
    assert 'nodes.csv: line 1: column "name" appears twice (columns 2 and 8)' in problems
    assert any(problem.startswith("lanes.csv row 2: has 9 cells") for problem in problems)


def test_workbook_rows_keep_the_sheet_number(tiny: dict[str, Any], tmp_path: Path) -> None:
    """Blank rows in a sheet keep the numbering: sheet row 7 is reported as row 7 (it was row 4),
    with the sheet's name outside brackets a console would eat."""
    path = tmp_path / "network.xlsx"
    save_network(parse_network(tiny), path)
    workbook = load_workbook(path)
    sheet = workbook["lanes"]
    header = [cell.value for cell in sheet[1]]
    sheet.insert_rows(3, amount=3)
    sheet.cell(row=7, column=header.index("mode") + 1, value="boat")
    workbook.save(path)
    assert _problems(read_workbook, path) == [
        'network.xlsx: sheet "lanes", row 7, column mode: '
        "'boat' is not one of 'road', 'air' or 'rail'"
    ]


def test_absurd_releases_are_refused(tmp_path: Path) -> None:
    """1e30 parcels, a fractional parcel and days in year 9999 or 1900 are located mistakes
    (1e30 was accepted); a sane file reads."""
    path = tmp_path / "releases.csv"
    path.write_text(
        RELEASES
        + "O1,ZTO,2026-11-11,2026-11-12,1e30\n"
        + "O1,ZTO,2026-11-11,2026-11-12,12.5\n"
        + "\n"
        + "O1,ZTO,9999-11-11,1900-01-01,10\n"
        + "O1,ZTO,2026-11-11,2026-11-12,"
        + "9" * 5000
        + "\n"
        + "O1,ZTO,2026-11-11,2026-11-12,120,extra\n",
        "utf-8",
    )
    assert _problems(read_releases, path) == [
        "releases.csv row 2, column parcels: must be a whole number, not '1e30'",
        "releases.csv row 3, column parcels: must be a whole number, not '12.5'",
        "releases.csv row 5, column release_day: 9999-11-11 is outside 2000-01-01 to 2100-12-31",
        "releases.csv row 5, column latest_day: 1900-01-01 is outside 2000-01-01 to 2100-12-31",
        "releases.csv row 6, column parcels: '9999999999999999999999999999999999999999… "
        "(5,000 characters)' is too large a number",
        "releases.csv row 7: has 6 cells but the header names 5 columns: nothing is cut off "
        "silently (quote a value that holds a comma)",
    ]
    path.write_text(RELEASES + "O1,ZTO,2026-11-11,2026-11-12,120.0\n", "utf-8")
    releases, places = read_releases(path)
    assert (releases[0].parcels, places) == (120, ["releases.csv row 2"])
    body = [
        {
            "origin": "O1",
            "carrier": "ZTO",
            "release_day": "2026-11-11",
            "latest_day": "2026-11-12",
            "parcels": float("inf"),
        }
    ]
    assert _problems(parse_releases, body) == [
        "releases[0].parcels: must be a number, not inf",
    ]


def test_history_days_and_volumes_within_sense(tmp_path: Path) -> None:
    """A history day in year 0001 or a volume of 1e30 is a located mistake."""
    path = tmp_path / "history.csv"
    path.write_text(
        "day,carrier,region,volume\n"
        "2026-11-10,ZTO,510100,100\n"
        "0001-11-11,ZTO,510100,100\n"
        "2026-11-11,ZTO,510100,1e30\n",
        "utf-8",
    )
    assert _problems(read_history, path) == [
        "history.csv row 3, column day: 0001-11-11 is outside 2000-01-01 to 2100-12-31",
        "history.csv row 4, column volume: must be at most 10000000000",
    ]


def test_releases_workbook_rows_keep_the_sheet_number(tmp_path: Path) -> None:
    """A releases sheet with blank rows: the bad cell is named by its sheet and its own row."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "releases"
    sheet.append(RELEASES.strip().split(","))
    sheet.append(["O1", "ZTO", "2026-11-11", "2026-11-12", 10])
    for cell, value in zip("ABCDE", ["O1", "ZTO", "2026-11-11", "2026-11-12", -4], strict=True):
        sheet[f"{cell}7"] = value
    path = tmp_path / "releases.xlsx"
    workbook.save(path)
    assert _problems(read_releases, path) == [
        'releases.xlsx: sheet "releases", row 7, column parcels: must be at least 0'
    ]


def test_history_needs_a_csv_or_workbook(tmp_path: Path) -> None:
    """Anything but .csv or .xlsx is refused by name; a missing file says so."""
    assert _problems(read_rows, tmp_path / "history.txt", "history") == [
        f"{tmp_path / 'history.txt'}: no such file"
    ]
    (tmp_path / "history.txt").write_text("x", "utf-8")
    assert _problems(read_rows, tmp_path / "history.txt", "history") == [
        "history.txt: use a .csv or .xlsx file"
    ]
