"""The one guarded entry for tables: every bad CSV or workbook is a located error, and no file
makes the reader do work out of proportion to its size."""

from __future__ import annotations

import gzip
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from peakguard.errors import InvalidInputError
from peakguard.formats.limits import InputLimits
from peakguard.formats.table_intake import read_csv, read_table


def _refusal(
    path: Path, *, limits: InputLimits | None = None, sheet: str | None = None
) -> list[str]:
    with pytest.raises(InvalidInputError) as caught:
        read_table(path, sheet, limits=limits or InputLimits())
    return [problem.render("en") for problem in caught.value.problems]


def test_rows_carry_their_real_line(tmp_path: Path) -> None:
    """Blank lines and a newline inside a quoted cell are counted: each row names the line it
    starts on, as a text editor shows it."""
    path = tmp_path / "nodes.csv"
    path.write_text('id,name\n\nA,"two\nlines"\n\n\nB,plain\n', "utf-8")
    table = read_csv(path)
    assert [number for number, _cells in table.rows] == [3, 7]
    assert table.records()[1] == (7, {"id": "B", "name": "plain"})
    assert table.place(7, "name") == "nodes.csv row 7, column name"


def test_a_duplicated_header_is_refused(tmp_path: Path) -> None:
    """A column named twice is refused (the last copy was silently used)."""
    path = tmp_path / "events.csv"
    path.write_text("a,b,time,c,d,e,time\n1,2,3,4,5,6,7\n", "utf-8")
    assert _refusal(path) == ['events.csv: line 1: column "time" appears twice (columns 3 and 7)']


def test_extra_cells_are_refused_and_located(tmp_path: Path) -> None:
    """A row with more cells than the header is refused at its line (the extra cells were cut
    off); empty trailing cells and short rows are harmless."""
    path = tmp_path / "lanes.csv"
    path.write_text("id,origin\nL1,A,\nL2,B,oops\nL3\n", "utf-8")
    table = read_csv(path)
    assert [number for number, _cells in table.rows] == [2, 4]
    assert table.rows[1] == (4, ("L3", ""))
    assert [problem.render("en") for problem in table.problems] == [
        "lanes.csv row 3: has 3 cells but the header names 2 columns: nothing is cut off "
        "silently (quote a value that holds a comma)"
    ]
    exact = read_csv(path, exact=True)
    assert [problem.location for problem in exact.problems] == [
        "lanes.csv row 2",
        "lanes.csv row 3",
        "lanes.csv row 4",
    ]


def test_a_long_cell_is_a_located_error(tmp_path: Path) -> None:
    """A 131,073-character cell (a traceback before) is refused at its line, at the limit set."""
    path = tmp_path / "releases.csv"
    path.write_text("origin,carrier\nA,B\nC," + "x" * 131_073 + "\n", "utf-8")
    assert _refusal(path) == [
        "releases.csv: line 3: a cell is longer than 100,000 characters "
        "(setting PEAKGUARD_MAX_CELL_CHARACTERS)"
    ]
    assert len(read_table(path, limits=InputLimits(max_scalar_characters=200_000)).rows) == 2


def test_bytes_that_are_not_text_are_located(tmp_path: Path) -> None:
    """A byte that is not UTF-8 and a NUL are refused with their line; a BOM is read."""
    path = tmp_path / "history.csv"
    path.write_bytes(b"day,volume\n2026-11-11,1\n2026-11-12,\xe9\n")
    assert _refusal(path) == [
        "history.csv: line 3: the file is not UTF-8 text (byte 0xE9 at character 12): "
        "save it as UTF-8 and retry"
    ]
    path.write_bytes(b"day,volume\n2026-11-11,1\x00\n")
    assert _refusal(path)[0].startswith("history.csv: line 2: contains a NUL byte")
    path.write_bytes("\ufeffday,volume\n2026-11-11,1\n".encode())
    assert read_csv(path).header == ("day", "volume")


def test_size_rows_and_columns_are_bounded(tmp_path: Path) -> None:
    """The file's size is checked before reading; rows and columns past the limits refused."""
    path = tmp_path / "events.csv"
    path.write_text("a,b\n" + "1,2\n" * 30, "utf-8")
    assert _refusal(path, limits=InputLimits(max_file_bytes=100))[0].startswith(
        "events.csv: the file is 0.0 MB; at most 0 MB are read"
    )
    assert _refusal(path, limits=InputLimits(max_rows=10)) == [
        "events.csv: line 12: the table has more than 10 rows (setting PEAKGUARD_MAX_TABLE_ROWS)"
    ]
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{n}" for n in range(300)) + "\n", "utf-8")
    assert _refusal(wide) == ["wide.csv: line 1: the header has 300 columns; at most 256 are read"]


def test_a_gzip_bomb_is_refused_by_its_unpacked_size(tmp_path: Path) -> None:
    """A small .csv.gz that unpacks past the file limit stops there."""
    path = tmp_path / "events.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * 100_000))
    problems = _refusal(path, limits=InputLimits(max_file_bytes=50_000))
    assert problems[0].startswith("events.csv.gz: line 1: unpacked, the file is more than")


def _workbook(path: Path, far: bool = False) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "nodes"
    sheet.append(["id", "capacity"])
    sheet.append(["A", 1])
    sheet["A7"] = "B"
    sheet["B7"] = "lots"
    if far:
        sheet["XFD1048576"] = 1
    workbook.save(path)
    return path


def test_one_far_cell_is_refused_at_once_and_located(tmp_path: Path) -> None:
    """A workbook with one value in XFD1048576 (299 s of CPU before) is refused in well under
    a second, the value named by sheet, row and column, as an extra CSV cell is."""
    path = _workbook(tmp_path / "network.xlsx", far=True)
    assert path.stat().st_size < 10_000
    started = time.process_time()
    with pytest.raises(InvalidInputError) as refused:
        read_table(path, "nodes")
    assert time.process_time() - started < 1.5  # loose: the machine is shared
    assert [problem.location for problem in refused.value.problems] == [
        'network.xlsx: sheet "nodes", row 1048576, column XFD'
    ]


def test_a_sheet_keeps_its_own_row_numbers_and_name(tmp_path: Path) -> None:
    """Rows keep the sheet's numbers past blank rows; the place names the sheet outside
    brackets (a console ate ``[nodes]``)."""
    table = read_table(_workbook(tmp_path / "network.xlsx"), "nodes")
    assert table.header == ("id", "capacity")
    assert table.rows == [(2, ("A", 1)), (7, ("B", "lots"))]
    assert table.place(7, "capacity") == 'network.xlsx: sheet "nodes", row 7, column capacity'


def test_a_workbook_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    """A workbook whose parts unpack far beyond their packed size is refused from the zip's
    directory, before openpyxl reads a byte of XML."""
    path = _workbook(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (64 * 1024 * 1024))
    problems = _refusal(path)
    assert problems[0].startswith("bomb.xlsx: the part xl/media/padding.bin unpacks to")
    assert _refusal(path, limits=InputLimits(max_unpacked_bytes=1024 * 1024))[0].startswith(
        "bomb.xlsx: unpacked, the workbook is 64 MB; at most 1 MB are read"
    )


def test_a_workbook_header_named_twice_and_broken_files(tmp_path: Path) -> None:
    """A sheet's duplicated header names the sheet; a file that is not a workbook is refused."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "lanes"
    sheet.append(["id", "origin", "id"])
    path = tmp_path / "network.xlsx"
    workbook.save(path)
    assert _refusal(path, sheet="lanes") == [
        'network.xlsx: sheet "lanes", row 1: column "id" appears twice (columns 1 and 3)'
    ]
    path.write_bytes(b"PK\x03\x04 not really")
    assert _refusal(path) == [
        "network.xlsx: not an Excel .xlsx workbook: save it as .xlsx and retry"
    ]
    assert _refusal(tmp_path / "nowhere.csv")[0].endswith("nowhere.csv: no such file")
