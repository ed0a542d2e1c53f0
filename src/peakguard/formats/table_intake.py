"""The one guarded entry for tables: CSV files (also gzipped) and the sheets of Excel workbooks.

Every reader of networks, releases, history and scan events gets its rows here, so each check
is written once:

- the file's size is checked before a byte is read (``limits.max_file_bytes``), a gzipped file
  and a workbook's parts once unpacked too (``limits.max_unpacked_bytes``, a compression ratio a
  real workbook never has): a zip bomb is refused before openpyxl parses it;
- text is UTF-8 (a BOM is allowed); a byte that is not, or a NUL, is refused with its line;
- the header names each column once (``events.csv: line 1: column "time" appears twice
  (columns 3 and 7)``) and has at most ``limits.max_columns``;
- a row with more cells than the header is refused and located, never cut; at most
  ``limits.max_rows`` rows and ``limits.max_scalar_characters`` characters a cell;
- every row carries its real number: the line of the file where the row starts (blank lines
  and newlines inside quoted cells counted), or the sheet's own row number;
- a workbook is never read wider than its header nor longer than ``limits.max_rows``, so one
  value in cell XFD1048576 costs nothing.
"""

from __future__ import annotations

import csv
import gc
import gzip
import io
import itertools
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._reader import WorkSheetParser

from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, MEBIBYTE, InputLimits
from peakguard.i18n import Message, _

MAX_COMPRESSION_RATIO = 200
"""A workbook part that unpacks to more than this many times its packed size (and to more than
:data:`RATIO_CHECKED_FROM` bytes) is a zip bomb: real sheets compress some 5 to 30 times."""
RATIO_CHECKED_FROM = 4 * MEBIBYTE
CSV_BATCH_ROWS = 65_536
CSV_BLOCK_BYTES = 4 * MEBIBYTE


@dataclass
class Table:
    """A table's header and its non-blank rows, each with the number a person finds it by."""

    source: str
    """``events.csv``, or ``network.xlsx: sheet "nodes"``."""
    header: tuple[str, ...]
    rows: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    """(row number, cells as wide as the header)."""
    problems: list[Problem] = field(default_factory=list)
    """Rows refused while reading (more cells than the header), in file order."""
    sheet: bool = False

    def place(self, number: int, column: str | None = None) -> str:
        """``events.csv row 7, column time`` or ``network.xlsx: sheet "nodes", row 7, column
        capacity``."""
        where = f"{self.source}, row {number}" if self.sheet else f"{self.source} row {number}"
        return f"{where}, column {column}" if column else where

    def records(self) -> list[tuple[int, dict[str, Any]]]:
        """Each row as a mapping of the header's named columns to its cells."""
        named = [(position, name) for position, name in enumerate(self.header) if name]
        return [
            (number, {name: cells[position] for position, name in named})
            for number, cells in self.rows
        ]


def cannot_read(where: str, message: Message, path: Path | str | None = None) -> InvalidInputError:
    """The error of a file that cannot be read at all, located at ``where``."""
    return InvalidInputError(
        _("cannot read {path}", path=str(path if path is not None else where)),
        [Problem(where, message)],
    )


def check_size(path: Path, limits: InputLimits) -> None:
    """Refuse a missing file, or one longer than ``limits.max_file_bytes``, before reading it."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise cannot_read(str(path), _("no such file")) from None
    except OSError:
        raise cannot_read(path.name, _("cannot read the file"), path) from None
    if size > limits.max_file_bytes:
        raise cannot_read(
            path.name,
            _(
                "the file is {size} MB; at most {limit} MB are read "
                "(setting PEAKGUARD_MAX_FILE_MEGABYTES)",
                size=f"{size / MEBIBYTE:,.1f}",
                limit=f"{limits.max_file_bytes / MEBIBYTE:,.0f}",
            ),
            path,
        )


def read_table(
    path: Path, sheet: str | None = None, *, limits: InputLimits = DEFAULT_LIMITS
) -> Table:
    """A ``.csv`` file, or the sheet ``sheet`` of an ``.xlsx`` workbook (its first sheet when it
    has none of that name)."""
    if path.name.lower().endswith(".xlsx"):
        with open_workbook(path, limits=limits) as workbook:
            names = workbook.sheetnames
            chosen = sheet if sheet in names else (names[0] if names else None)
            if chosen is None:
                raise cannot_read(path.name, _("the workbook has no sheets"), path)
            return read_sheet(workbook, path.name, chosen, limits=limits)
    return read_csv(path, limits=limits)


# --- CSV ---------------------------------------------------------------------------------------


def read_csv(path: Path, *, limits: InputLimits = DEFAULT_LIMITS, exact: bool = False) -> Table:
    """Every row of a UTF-8 CSV file (``.csv`` or ``.csv.gz``). With ``exact``, a row with fewer
    cells than the header is refused too; without, it is padded with empty cells."""
    with CsvFile(path, limits=limits, exact=exact) as opened:
        table = Table(path.name, opened.header)
        for lines, rows in opened.batches():
            table.rows.extend(zip(lines, map(tuple, rows), strict=True))
        table.problems = opened.problems
        return table


class CsvFile:
    """A CSV file read in batches of rows, every guard applied as the rows come.

    The bytes are read in blocks of whole lines: each block is checked for NUL, decoded and
    handed to the csv module as lines, so the guards cost a few C calls a block, not a Python
    call a line (300,000 rows read in about a second)."""

    def __init__(self, path: Path, *, limits: InputLimits = DEFAULT_LIMITS, exact: bool) -> None:
        check_size(path, limits)
        self.path = path
        self.limits = limits
        self.exact = exact
        self.problems: list[Problem] = []
        self.problem_lines: list[int] = []
        """The line of each of ``problems``, to order them among others."""
        self.rows_read = 0
        self._handle = _open_csv(path)
        self._lines_read = 0
        self._unpacked = 0
        csv.field_size_limit(limits.max_scalar_characters)
        self._reader = csv.reader(itertools.chain.from_iterable(self._blocks()))
        self._previous = 0
        try:
            self.header = self._read_header()
        except BaseException:
            self.close()
            raise
        named = [position for position, name in enumerate(self.header) if name]
        self.width = len(self.header) if exact else (named[-1] + 1 if named else 0)

    def _read_header(self) -> tuple[str, ...]:
        header: list[str] = []
        line = 1
        while (record := self._next()) is not None:  # blank lines before the header
            header, line = record
            if any(cell.strip() for cell in header):
                break
        return _checked_header(self.path.name, header, line, self.limits)

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._handle.close()

    def batches(self, size: int = CSV_BATCH_ROWS) -> Iterator[tuple[list[int], list[list[str]]]]:
        """Non-blank rows, ``size`` at a time: the line each starts on, and its cells, as many
        as the header has columns."""
        with _collector_paused():
            yield from self._batches(size)

    def _batches(self, size: int) -> Iterator[tuple[list[int], list[list[str]]]]:
        lines: list[int] = []
        rows: list[list[str]] = []
        width, limit, reader = self.width, self.limits.max_rows, self._reader
        previous = reader.line_num
        try:
            for cells in reader:  # the hot loop: one C call a row, no method calls
                line, previous = previous + 1, reader.line_num
                if not ((cells and cells[0].strip()) or "".join(cells).strip()):
                    continue  # a blank line, or a row of empty cells
                self.rows_read += 1
                if self.rows_read > limit:
                    self._count(line)
                fitted = cells if len(cells) == width else self._fitted(cells, line)
                if fitted is None:
                    continue
                lines.append(line)
                rows.append(fitted)
                if len(rows) >= size:
                    yield lines, rows
                    lines, rows = [], []
        except csv.Error as error:
            raise self._csv_error(error, previous + 1) from None
        if rows:
            yield lines, rows

    def _count(self, line: int) -> None:
        """Refuse a table longer than ``limits.max_rows`` (checked a batch at a time)."""
        if self.rows_read > self.limits.max_rows:
            raise self._error(
                line,
                _(
                    "the table has more than {limit} rows (setting PEAKGUARD_MAX_TABLE_ROWS)",
                    limit=f"{self.limits.max_rows:,}",
                ),
            )

    def _fitted(self, cells: list[str], line: int) -> list[str] | None:
        width = self.width
        if self.exact:
            self.problem_lines.append(line)
            self.problems.append(
                Problem(
                    f"{self.path.name} row {line}",
                    _("wrong number of cells: the header has {count} columns", count=width),
                )
            )
            return None
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            self.problem_lines.append(line)
            self.problems.append(
                Problem(
                    f"{self.path.name} row {line}",
                    _(
                        "has {count} cells but the header names {columns} columns: nothing is "
                        "cut off silently (quote a value that holds a comma)",
                        count=len(cells),
                        columns=width,
                    ),
                )
            )
            return None
        return cells[:width] + [""] * (width - len(cells))

    def _next(self) -> tuple[list[str], int] | None:
        start = self._reader.line_num + 1
        try:
            cells = next(self._reader)
        except StopIteration:
            return None
        except csv.Error as error:
            raise self._csv_error(error, start) from None
        return cells, start

    def _csv_error(self, error: csv.Error, start: int) -> InvalidInputError:
        line = max(self._reader.line_num, start)
        if "field limit" in str(error):
            return self._error(
                line,
                _(
                    "a cell is longer than {limit} characters "
                    "(setting PEAKGUARD_MAX_CELL_CHARACTERS)",
                    limit=f"{self.limits.max_scalar_characters:,}",
                ),
            )
        return self._error(line, _("is not readable CSV: {detail}", detail=str(error)))

    def _blocks(self) -> Iterator[io.StringIO]:
        """The file in blocks of whole lines, each checked and decoded."""
        first = True
        while True:
            try:
                raw = self._handle.read(CSV_BLOCK_BYTES)
                if raw and not raw.endswith(b"\n"):
                    raw += self._handle.readline()
            except (OSError, EOFError, zlib.error):
                raise self._error(
                    self._lines_read + 1, _("the file is damaged or cut short")
                ) from None
            if not raw:
                return
            self._check_block(raw)
            try:
                text = raw.decode("utf-8-sig" if first else "utf-8")
            except UnicodeDecodeError as error:
                raise self._error(
                    self._lines_read + raw.count(b"\n", 0, error.start) + 1,
                    _(
                        "the file is not UTF-8 text (byte {byte} at character {position}): "
                        "save it as UTF-8 and retry",
                        byte=f"0x{raw[error.start]:02X}",
                        position=error.start - raw.rfind(b"\n", 0, error.start),
                    ),
                ) from None
            first = False
            self._lines_read += raw.count(b"\n")
            yield io.StringIO(text, newline="")

    def _check_block(self, raw: bytes) -> None:
        self._unpacked += len(raw)
        if self._unpacked > self.limits.max_file_bytes:
            raise self._error(
                self._lines_read + 1,
                _(
                    "unpacked, the file is more than {limit} MB "
                    "(setting PEAKGUARD_MAX_FILE_MEGABYTES)",
                    limit=f"{self.limits.max_file_bytes / MEBIBYTE:,.0f}",
                ),
            )
        nul = raw.find(b"\x00")
        if nul >= 0:
            raise self._error(
                self._lines_read + raw.count(b"\n", 0, nul) + 1,
                _(
                    "contains a NUL byte: this is not UTF-8 text (UTF-16?); "
                    "save it as UTF-8 and retry"
                ),
            )

    def _error(self, line: int, message: Message) -> InvalidInputError:
        return cannot_read(f"{self.path.name}: line {line}", message, self.path)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while rows are made: it would otherwise walk every row
    read so far again and again (it doubled the time of 300,000 rows). Rows hold only strings,
    so no cycle is missed; the collector resumes as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _open_csv(path: Path) -> gzip.GzipFile | BinaryIO:
    try:
        if path.name.lower().endswith(".gz"):
            return gzip.open(path, "rb")
        return path.open("rb")
    except OSError:
        raise cannot_read(path.name, _("cannot read the file"), path) from None


def _checked_header(
    source: str, cells: list[Any], line: int, limits: InputLimits, *, sheet: bool = False
) -> tuple[str, ...]:
    """The header's names, stripped; refused when it is too wide or names a column twice."""
    where = f"{source}, row {line}" if sheet else f"{source}: line {line}"
    names = tuple("" if cell is None else str(cell).strip() for cell in cells)
    while names and not names[-1] and sheet:
        names = names[:-1]
    if len(names) > limits.max_columns:
        raise cannot_read(
            where,
            _(
                "the header has {count} columns; at most {limit} are read",
                count=len(names),
                limit=limits.max_columns,
            ),
            source,
        )
    first: dict[str, int] = {}
    problems: list[Problem] = []
    for position, name in enumerate(names, start=1):
        if not name:
            continue
        if name in first:
            problems.append(
                Problem(
                    where,
                    _(
                        'column "{column}" appears twice (columns {first} and {second})',
                        column=name,
                        first=first[name],
                        second=position,
                    ),
                )
            )
        else:
            first[name] = position
    if problems:
        raise InvalidInputError(_("cannot read {path}", path=source), problems)
    return names


# --- Excel -------------------------------------------------------------------------------------


@contextmanager
def open_workbook(path: Path, *, limits: InputLimits = DEFAULT_LIMITS) -> Iterator[Workbook]:
    """A workbook opened read-only once its zip has been inspected; closed on leaving."""
    check_size(path, limits)
    _inspect_zip(path, limits)
    with path.open("rb") as handle:  # ours to close, also when openpyxl gives up half-way
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except Exception:  # openpyxl raises anything on a broken file: it is the file's fault
            raise cannot_read(
                path.name, _("not an Excel .xlsx workbook: save it as .xlsx and retry"), path
            ) from None
        try:
            yield workbook
        finally:
            workbook.close()


def _inspect_zip(path: Path, limits: InputLimits) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise cannot_read(
            path.name, _("not an Excel .xlsx workbook: save it as .xlsx and retry"), path
        ) from None
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_unpacked_bytes:
        raise cannot_read(
            path.name,
            _(
                "unpacked, the workbook is {size} MB; at most {limit} MB are read",
                size=f"{unpacked / MEBIBYTE:,.0f}",
                limit=f"{limits.max_unpacked_bytes / MEBIBYTE:,.0f}",
            ),
            path,
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
            raise cannot_read(
                path.name,
                _(
                    "the part {part} unpacks to {ratio} times its size: "
                    "no real workbook does (a zip bomb?)",
                    part=member.filename,
                    ratio=f"{ratio:,.0f}",
                ),
                path,
            )


def read_sheet(
    workbook: Workbook, file_name: str, sheet: str, *, limits: InputLimits = DEFAULT_LIMITS
) -> Table:
    """The non-blank rows of one sheet, never wider than its header nor longer than
    ``limits.max_rows``, each with the sheet's own row number."""
    source = f'{file_name}: sheet "{sheet}"'
    worksheet = workbook[sheet]
    try:
        first = next(
            worksheet.iter_rows(
                min_row=1, max_row=1, max_col=limits.max_columns + 1, values_only=True
            ),
            (),
        )
        header = _checked_header(source, list(first), 1, limits, sheet=True)
        table = Table(source, header, sheet=True)
        if not header:
            return table
        for number, cells in _data_rows(worksheet, source, len(header), file_name):
            if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
                continue
            if number > limits.max_rows + 1:
                raise cannot_read(
                    f"{source}, row {number}",
                    _(
                        "the table has more than {limit} rows (setting PEAKGUARD_MAX_TABLE_ROWS)",
                        limit=f"{limits.max_rows:,}",
                    ),
                    file_name,
                )
            _check_cells(table, number, cells, limits)
            table.rows.append((number, tuple(cells) + (None,) * (len(header) - len(cells))))
    except InvalidInputError:
        raise
    except Exception:  # a damaged sheet: openpyxl's XML parser raises what it meets
        raise cannot_read(
            source, _("the sheet is damaged: save the workbook again"), file_name
        ) from None
    return table


def _data_rows(
    worksheet: Any, source: str, width: int, file_name: str
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(the sheet's row number, the values of its first ``width`` columns) for every row the
    sheet's XML holds after the header, read with openpyxl's own sheet parser (its read-only
    rows pad every row to the sheet's declared width: one value in XFD1048576 made them walk
    16,384 columns of a million rows). A value in a column past the header's last is refused,
    as an extra cell of a CSV row is."""
    with worksheet._get_source() as xml:
        parser = WorkSheetParser(
            xml,
            worksheet._shared_strings,
            data_only=True,
            epoch=worksheet.parent.epoch,
            date_formats=worksheet.parent._date_formats,
            timedelta_formats=worksheet.parent._timedelta_formats,
        )
        for number, cells in parser.parse():
            if number < 2:
                continue
            values: list[Any] = [None] * width
            for cell in cells:
                column, value = cell["column"], cell["value"]
                if column <= width:
                    values[column - 1] = value
                elif value is not None and not (isinstance(value, str) and not value.strip()):
                    raise cannot_read(
                        f"{source}, row {number}, column {get_column_letter(column)}",
                        _(
                            "a value lies past the header's last column ({last}): remove it, "
                            "or name its column in the header",
                            last=get_column_letter(width),
                        ),
                        file_name,
                    )
            yield number, tuple(values)


def _check_cells(table: Table, number: int, cells: tuple[Any, ...], limits: InputLimits) -> None:
    for position, cell in enumerate(cells):
        if isinstance(cell, str) and len(cell) > limits.max_scalar_characters:
            raise cannot_read(
                table.place(number, table.header[position] or None),
                _(
                    "a cell is longer than {limit} characters "
                    "(setting PEAKGUARD_MAX_CELL_CHARACTERS)",
                    limit=f"{limits.max_scalar_characters:,}",
                ),
                table.source,
            )
