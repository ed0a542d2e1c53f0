"""Fuzzing the table readers: valid files, mutated the ways careless and hostile senders do,
must give a result or a located InvalidInputError — never another exception, never a location
naming a line the file does not have, and never more than a moment's work."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peakguard.errors import InvalidInputError
from peakguard.formats.history_document import read_history
from peakguard.formats.limits import InputLimits
from peakguard.formats.loading import save_network
from peakguard.formats.network_document import parse_network
from peakguard.formats.release_document import read_releases
from peakguard.formats.scan_event_document import parse_event_lines, read_events
from peakguard.formats.tables import read_csv_folder
from tests.conftest import tiny_document
from tests.unit.ingest.conftest import HEADER, event_rows

NOW = datetime(2026, 11, 12, 12, tzinfo=UTC)
LIMITS = InputLimits(max_scalar_characters=2_000, max_number_characters=40)
"""Small enough that a long cell is cheap to make."""
SECONDS_PER_EXAMPLE = 5.0
"""Loose (the machine is shared); each valid file reads in milliseconds."""
FUZZ = settings(
    max_examples=int(os.environ.get("PEAKGUARD_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

RELEASES = (
    "origin,carrier,release_day,latest_day,parcels\n"
    "O1,ZTO,2026-11-11,2026-11-13,1200\n"
    "O2,ZTO,2026-11-11,2026-11-12,800\n"
    "O1,SF,2026-11-12,2026-11-14,300\n"
)
HISTORY = "day,carrier,region,volume\n" + "".join(
    f"2026-11-0{day},ZTO,510100,{1000 + day}\n" for day in range(1, 6)
)
EVENTS = "\n".join([HEADER, *event_rows(3)]) + "\n"

CELLS = [
    "",
    "9" * 5000,
    "1e309",
    "1e30",
    "-1",
    "NaN",
    "inf",
    "0000-01-01",
    "10000-01-01T00:00:00Z",
    "2026-02-30",
    "2099-01-01T00:00:00+08:00",
    '"',
    'a"b',
    "x" * 2_500,
    "[/x]",
    "../etc",
]
INVISIBLE = ["\u200b", "\u00a0", "\u2028", "\u041e", "\u2010", "\x07", "\ufeff", "１"]


@st.composite
def mutated(draw: st.DrawFn, text: str) -> bytes:
    """``text`` with one to three mutations a sender makes by accident or on purpose."""
    for _round in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        row = draw(st.integers(0, max(len(lines) - 2, 0)))
        cells = lines[row].split(",")
        column = draw(st.integers(0, len(cells) - 1))
        kind = draw(
            st.sampled_from(
                [
                    "duplicate header",
                    "extra cells",
                    "fewer cells",
                    "blank lines",
                    "replace cell",
                    "invisible",
                    "quoted newline",
                    "crlf",
                ]
            )
        )
        if kind == "duplicate header":
            header = lines[0].split(",")
            header.insert(draw(st.integers(0, len(header))), draw(st.sampled_from(header)))
            lines[0] = ",".join(header)
        elif kind == "extra cells":
            lines[row] += "," * draw(st.integers(1, 3)) + draw(st.sampled_from(["", "x", "1"]))
        elif kind == "fewer cells":
            lines[row] = ",".join(cells[: max(column, 1)])
        elif kind == "blank lines":
            lines[row:row] = [""] * draw(st.integers(1, 4))
        elif kind == "replace cell":
            cells[column] = draw(st.sampled_from(CELLS))
            lines[row] = ",".join(cells)
        elif kind == "invisible":
            cell = cells[column]
            at = draw(st.integers(0, len(cell)))
            cells[column] = cell[:at] + draw(st.sampled_from(INVISIBLE)) + cell[at:]
            lines[row] = ",".join(cells)
        elif kind == "quoted newline":
            cells[column] = '"' + cells[column].replace('"', '""') + '\nmore"'
            lines[row] = ",".join(cells)
        else:
            lines[row] += "\r"
        text = "\n".join(lines)
    data = text.encode()
    damage = draw(st.sampled_from(["none", "none", "nul", "latin", "cut"]))
    at = draw(st.integers(0, len(data)))
    if damage == "nul":
        data = data[:at] + b"\x00" + data[at:]
    elif damage == "latin":
        data = data[:at] + b"\xe9" + data[at:]
    elif damage == "cut":
        data = data[:at]
    return data


_NUMBERED = re.compile(r"\b(?:row|line) (\d+)")


def _read_or_located(files: dict[str, bytes], read: Callable[[], Any]) -> None:
    """A result, or an InvalidInputError each of whose numbered locations is a real line of
    the file it names (``files``: name → content)."""
    started = time.perf_counter()
    refused: InvalidInputError | None = None
    try:
        read()
    except InvalidInputError as error:
        refused = error
    assert time.perf_counter() - started < SECONDS_PER_EXAMPLE
    if refused is None:
        return
    assert refused.problems, "an error with no problem listed"
    for problem in refused.problems:
        problem.render("en")  # every message renders
        named = [name for name in files if problem.location.startswith(name)]
        data = files[named[0]] if named else next(iter(files.values()))
        # a line ends at CR LF, LF or a lone CR, as in the csv module and in editors
        lines = len(re.findall(rb"\r\n|\r|\n", data)) + 1
        for number in _NUMBERED.findall(problem.location):
            assert 1 <= int(number) <= lines, (problem.location, lines)


@pytest.fixture(scope="module")
def network_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny_network as a CSV folder: the valid file the network cases mutate."""
    folder = tmp_path_factory.mktemp("network")
    save_network(parse_network(tiny_document()), folder)
    return folder


@FUZZ
@given(data=st.data())
def test_network_tables_fuzzed(network_folder: Path, data: st.DataObject) -> None:
    """nodes.csv or lanes.csv mutated: the network reads or every mistake is located."""
    table = data.draw(st.sampled_from(["nodes.csv", "lanes.csv"]))
    original = (network_folder / table).read_text("utf-8-sig")
    mutation = data.draw(mutated(original))
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "tiny"
        shutil.copytree(network_folder, folder)
        (folder / table).write_bytes(mutation)
        files = {path.name: path.read_bytes() for path in folder.glob("*.csv")}
        _read_or_located(files, lambda: read_csv_folder(folder, limits=LIMITS))


@FUZZ
@given(data=st.data())
def test_releases_fuzzed(tmp_path: Path, data: st.DataObject) -> None:
    """A releases file mutated: it reads or every mistake is located."""
    mutation = data.draw(mutated(RELEASES))
    path = tmp_path / "releases.csv"
    path.write_bytes(mutation)
    _read_or_located({path.name: mutation}, lambda: read_releases(path, limits=LIMITS))


@FUZZ
@given(data=st.data())
def test_history_fuzzed(tmp_path: Path, data: st.DataObject) -> None:
    """A history file mutated: it reads or every mistake is located."""
    mutation = data.draw(mutated(HISTORY))
    path = tmp_path / "history.csv"
    path.write_bytes(mutation)
    _read_or_located({path.name: mutation}, lambda: read_history(path, limits=LIMITS))


@FUZZ
@given(data=st.data())
def test_scan_events_fuzzed(tmp_path: Path, data: st.DataObject) -> None:
    """A scan-event CSV mutated: it reads or every mistake is located."""
    mutation = data.draw(mutated(EVENTS))
    path = tmp_path / "events.csv"
    path.write_bytes(mutation)
    _read_or_located({path.name: mutation}, lambda: read_events(path, limits=LIMITS, now=NOW))


_JSON_LINES = "\n".join(
    f'{{"waybill": "ZT{number}", "carrier": "ZTO", "event": "sort", "node_id": "H1", '
    '"time": "2026-11-11T08:00:00+08:00", "origin_region": "510104", '
    '"destination_region": "510703"}'
    for number in range(4)
)


@FUZZ
@given(data=st.data())
def test_scan_event_lines_fuzzed(data: st.DataObject) -> None:
    """JSON lines mutated (the same edits, which break JSON in every way): each line's
    mistake is located at a line the body has."""
    mutation = data.draw(mutated(_JSON_LINES))
    _read_or_located(
        {"request": mutation}, lambda: parse_event_lines(mutation, limits=LIMITS, now=NOW)
    )
