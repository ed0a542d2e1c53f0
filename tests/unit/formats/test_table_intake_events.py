"""Scan events through the guarded intake: one scan is one spelling, times lie in a sane
window, and every malformed file, line or record is a located mistake, never a traceback."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peakguard.errors import InvalidInputError
from peakguard.formats.limits import InputLimits
from peakguard.formats.scan_event_document import (
    parse_event_lines,
    parse_events,
    read_event_files,
    read_events,
)
from tests.unit.ingest.conftest import HEADER, event_rows, write_csv

NOW = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)
ROW = "{waybill},ZTO,sort,,{node},{time},,510104,510703,,,,"


def _row(waybill: str = "ZT1", node: str = "H1", time: str = "2026-11-11T08:00:00+08:00") -> str:
    return ROW.format(waybill=waybill, node=node, time=time)


def _problems(path: Path, **kwargs: object) -> list[str]:
    with pytest.raises(InvalidInputError) as caught:
        read_event_files([path], now=NOW, **kwargs)  # type: ignore[arg-type]
    return [problem.render("en") for problem in caught.value.problems]


def test_one_scan_is_one_spelling(tmp_path: Path) -> None:
    """Full-width digits and a non-breaking space fold to the plain spelling (one event, not
    two); a Cyrillic О, a zero-width space and U+2010 are refused, naming the character."""
    path = write_csv(
        tmp_path / "events.csv",
        [_row("ZT123"), _row("ＺＴ１２３"), _row("\u00a0ZT123\u00a0")],
    )
    table = read_events(path, now=NOW)
    assert set(table.column("waybill").to_pylist()) == {"ZT123"}
    write_csv(
        path,
        [_row("ZT123", node="H\u041e1"), _row("ZT\u200b123"), _row("ZT\u2010123"), _row("ZT 1")],
    )
    assert _problems(path) == [
        "events.csv row 2, column node_id: 'HО1' is not an identifier: U+041E CYRILLIC "
        "CAPITAL LETTER O is not allowed (letters A-Z, digits and the signs - _ . : > only)",
        "events.csv row 3, column waybill: 'ZT\\u200b123' is not an identifier: U+200B ZERO "
        "WIDTH SPACE is not allowed (letters A-Z, digits and the signs - _ . : > only)",
        "events.csv row 4, column waybill: 'ZT‐123' is not an identifier: U+2010 HYPHEN is "
        "not allowed (letters A-Z, digits and the signs - _ . : > only)",
        "events.csv row 5, column waybill: 'ZT 1' is not an identifier: U+0020 SPACE is not "
        "allowed (letters A-Z, digits and the signs - _ . : > only)",
    ]


def test_control_characters_and_nul_are_refused() -> None:
    """A NUL or a control character sent in JSON never reaches the store."""
    record = json.loads(_json_line())
    bad = [dict(record, waybill="ZT\u00001"), dict(record, carrier="ZT\x07O")]
    with pytest.raises(InvalidInputError) as caught:
        parse_events(bad, now=NOW)
    assert [problem.render("en") for problem in caught.value.problems] == [
        "events[0].waybill: 'ZT\\x001' is not an identifier: U+0000 control character is not "
        "allowed (letters A-Z, digits and the signs - _ . : > only)",
        "events[1].carrier: 'ZT\\x07O' is not a carrier code: U+0007 control character is not "
        "allowed; letters, digits, - and _ only, e.g. ZTO",
    ]


def test_times_outside_the_window_are_located(tmp_path: Path) -> None:
    """Year 0 and 10000 (a traceback before), 1999 and 2099 (2099 was accepted) are located
    mistakes; a time a few hours ahead of now (a scanner's clock) passes."""
    path = write_csv(
        tmp_path / "events.csv",
        [
            _row("ZT1", time="0000-01-01T00:00:00Z"),
            _row("ZT2", time="10000-01-01T00:00:00Z"),
            _row("ZT3", time="1999-12-31T23:00:00Z"),
            _row("ZT4", time="2099-01-01T00:00:00+08:00"),
            _row("ZT5", time="2026-11-12T20:00:00Z"),
        ],
    )
    problems = _problems(path)
    assert problems[0] == (
        "events.csv row 2, column time: '0000-01-01T00:00:00Z' is before 2000-01-01: "
        "no scan event is that old"
    )
    assert problems[1].startswith("events.csv row 3, column time: '10000-01-01T00:00:00Z' is not")
    assert problems[2].startswith("events.csv row 4, column time: '1999-12-31T23:00:00Z' is before")
    assert problems[3] == (
        "events.csv row 5, column time: '2099-01-01T00:00:00+08:00' is after "
        "2026-11-13T12:00+00:00: a scan event cannot be dated ahead of now"
    )
    assert len(problems) == 4


def test_parquet_schema_and_typed_times_are_checked(tmp_path: Path) -> None:
    """A Parquet file naming a column twice, one with more rows than allowed (from its
    metadata), and typed times out of the window are refused and located."""
    table = read_events(write_csv(tmp_path / "events.csv", event_rows(10)), now=NOW)
    twice = pa.Table.from_arrays([table.column(0), table.column(0)], names=["waybill", "waybill"])
    pq.write_table(twice, tmp_path / "twice.parquet")
    assert _problems(tmp_path / "twice.parquet") == [
        "twice.parquet, column waybill: appears more than once"
    ]
    pq.write_table(table, tmp_path / "events.parquet")
    assert _problems(tmp_path / "events.parquet", limits=InputLimits(max_rows=10)) == [
        "events.parquet: 30 rows of 13 columns; at most 10 rows are read"
    ]
    times = table.column("time").to_pylist()
    times[3] = datetime(2099, 1, 1, tzinfo=UTC)
    late = table.set_column(5, "time", pa.array(times, pa.timestamp("us", tz="UTC")))
    pq.write_table(late, tmp_path / "late.parquet")
    assert _problems(tmp_path / "late.parquet")[0].startswith(
        "late.parquet row 4, column time: is after 2026-11-13T12:00+00:00"
    )
    milliseconds = [1_794_000_000_000] * table.num_rows
    milliseconds[2] = 2**62  # some 146 million years on: overflows microseconds
    far = table.set_column(5, "time", pa.array(milliseconds, pa.timestamp("ms", tz="UTC")))
    pq.write_table(far, tmp_path / "far.parquet")
    assert "far.parquet, column time: holds times beyond the year 9999" in _problems(
        tmp_path / "far.parquet"
    )


def test_an_events_file_with_a_column_twice(tmp_path: Path) -> None:
    """A column named twice is refused (a traceback before)."""
    path = tmp_path / "events.csv"
    path.write_text(HEADER + ",time\n" + event_rows(1)[0] + ",x\n", "utf-8")
    assert _problems(path) == ['events.csv: line 1: column "time" appears twice (columns 6 and 14)']


def test_csv_rows_keep_their_line_past_quoted_newlines(tmp_path: Path) -> None:
    """A quoted cell spanning two lines and blank lines do not shift the rows after them."""
    rows = [_row("ZT1").replace(",,510104", ',"two\nlines",510104'), "", _row("ZT2", time="x")]
    path = write_csv(tmp_path / "events.csv", rows)
    assert _problems(path) == [
        "events.csv row 2, column next_node_id: 'two\\nlines' is not an identifier: U+000A "
        "control character is not allowed (letters A-Z, digits and the signs - _ . : > only)",
        "events.csv row 5, column time: 'x' is not a time: use ISO 8601 with a time zone, "
        "e.g. 2026-11-11T08:00:00+08:00",
    ]


def _json_line(**fields: object) -> str:
    record = {
        "waybill": "ZT1",
        "carrier": "ZTO",
        "event": "sort",
        "node_id": "H1",
        "time": "2026-11-11T08:00:00+08:00",
        "origin_region": "510104",
        "destination_region": "510703",
        **fields,
    }
    return json.dumps(record, ensure_ascii=False)


def _line_problems(text: str) -> list[str]:
    with pytest.raises(InvalidInputError) as caught:
        parse_event_lines(text.encode(), now=NOW)
    return [problem.render("en") for problem in caught.value.problems]


def test_json_lines_are_located_by_their_real_line() -> None:
    """U+2028 inside a value does not split a line (the error named a line that did not
    exist); ``{}``, NaN, Infinity, a 5,000-digit number, a field given twice and a torn last
    line are each a located mistake (``{}`` was "received 0")."""
    good = _json_line()
    text = "\n".join(
        [
            _json_line(product="gift\u2028wrap"),
            "{}",
            good.replace('"H1"', "NaN"),
            good.replace('"510104"', "Infinity"),
            good.replace('"510104"', "9" * 5000),
            good[:-1] + ', "waybill": "ZT2"}',
            good[:20],
        ]
    )
    assert _line_problems(text) == [
        "request line 1, field product: 'gift\\u2028wrap' holds U+2028 LINE SEPARATOR: remove it",
        "request line 2: has none of the fields of a scan event: waybill, carrier, event, "
        "node_id, time, origin_region, destination_region",
        "request line 3: NaN is not a number: write a finite number",
        "request line 4: Infinity is not a number: write a finite number",
        "request line 5: a number of 5,000 characters; at most 40 are read",
        "request line 6: the field waybill is given twice",
        "request line 7: the last line is cut short (the file ends inside it): Unterminated "
        "string starting at",
    ]
    assert (
        parse_event_lines(f"{good}\n{good.replace('ZT1', 'ZT2')}".encode(), now=NOW).num_rows == 2
    )


def test_empty_records_in_a_request_are_located() -> None:
    """``{"events": [{}]}`` (a 500 before) is a located 422."""
    with pytest.raises(InvalidInputError) as caught:
        parse_events([{}], now=NOW)
    assert [problem.location for problem in caught.value.problems] == ["events[0]"]
    with pytest.raises(InvalidInputError) as caught:
        parse_events([json.loads(_json_line(waybill=10**30))], now=NOW)
    assert caught.value.problems[0].render("en") == "events[0].waybill: is too large a number"
