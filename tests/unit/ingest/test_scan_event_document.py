"""Reading scan events: every form, every rule, every bad row located."""

from __future__ import annotations

import gzip
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peakguard.domain.scans import SCAN_EVENT_SCHEMA
from peakguard.errors import InvalidInputError
from peakguard.formats.scan_event_document import (
    MAX_LISTED_PROBLEMS,
    parse_event_lines,
    parse_events,
    read_event_files,
    read_events,
)
from tests.unit.ingest.conftest import EXAMPLE, HEADER, event_rows, write_csv


def _problems(path: Path | list[Path]) -> list[str]:
    with pytest.raises(InvalidInputError) as caught:
        read_event_files(path if isinstance(path, list) else [path])
    return [problem.render("en") for problem in caught.value.problems]


def test_the_documented_example_reads() -> None:
    """docs/examples/scan-events.csv (used in the reference) is valid, times in UTC."""
    table = read_events(EXAMPLE)
    assert table.schema.equals(SCAN_EVENT_SCHEMA)
    assert table.num_rows == 16
    first = table.slice(0, 1).to_pylist()[0]
    assert first["time"] == datetime(2026, 11, 11, 0, 5, tzinfo=UTC)
    assert (first["real_name_verified"], first["reason"], first["product"]) == (
        True,
        None,
        "standard",
    )
    assert table.column("reason").to_pylist()[13] == "damage"


def test_csv_gz_parquet_and_json_lines_read_the_same(tmp_path: Path, small_batch: Path) -> None:
    """The same events as CSV, gzipped CSV, Parquet and JSON lines give the same table."""
    expected = read_events(small_batch)
    gz = tmp_path / "events.csv.gz"
    gz.write_bytes(gzip.compress(small_batch.read_bytes()))
    parquet = tmp_path / "events.parquet"
    pq.write_table(expected, parquet)
    lines = tmp_path / "events.jsonl"
    records = expected.to_pylist()
    for record in records:
        record["time"] = record["time"].isoformat()
    lines.write_text("\n".join(json.dumps(record) for record in records) + "\n\n", "utf-8")
    for path in (gz, parquet, lines):
        assert read_events(path).equals(expected), path.name


def test_every_bad_csv_row_is_located(tmp_path: Path) -> None:
    """Each broken rule is reported at its spreadsheet row (header = row 1) and column,
    blank lines keep the numbering, and an unknown column is named once."""
    good = event_rows(1)
    rows = [
        good[0],
        "ZT1,ZTO,depart,,O1,2026-11-11T08:00:00,,510104,51070,standard,,,",
        "",
        "ZT2,Z T O,teleport,damage,O1,2026-02-30T08:00:00+08:00,,510104,510703,,,,",
        "ZT3,ZTO,exception,,O1,2026-11-11T08:00:00+08:00,,510104,510703,,,,",
        "ZT4,ZTO,exception,melted,,2026-11-11T08:00:00+08:00,,510104,510703,,,,",
        "ZT5,ZTO,accept,,O1,2026-11-11T08:00:00+08:00,,510104,510703,,true,maybe,",
        "ZT6,ZTO,sort,,O1,2026-11-11T08:00:00+08:00,,510104,510703,,true,,",
        "ZT7,ZTO,sort,,O1,2026-11-11T08:00:00+08:00,,510104",
    ]
    path = tmp_path / "events.csv"
    lines = [f"{HEADER},colour", *(f"{row},red" if row else row for row in rows)]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    problems = _problems(path)
    assert problems[0] == "events.csv: unknown columns: colour"
    assert "events.csv row 3, column time: needs a time zone, e.g. 2026-11-11T08:00:00+08:00" in (
        problems
    )
    expected = [
        "events.csv row 3, column next_node_id: is required on depart events",
        "events.csv row 3, column destination_region: '51070' is not a six-digit",
        "events.csv row 5, column carrier: 'Z T O' is not a carrier code",
        "events.csv row 5, column event: 'teleport' is not one of accept",
        "events.csv row 5, column time: '2026-02-30T08:00:00+08:00' is not a time",
        "events.csv row 6, column reason: is required on exception events",
        "events.csv row 7, column reason: 'melted' is not one of damage",
        "events.csv row 7, column node_id: is required",
        "events.csv row 8, column inspected: must be true or false, not 'maybe'",
        "events.csv row 8, column x_rayed: is required on accept events",
        "events.csv row 9, column real_name_verified: only accept events carry the security",
        "events.csv row 10: wrong number of cells",
    ]
    for start in expected:
        assert any(problem.startswith(start) for problem in problems), start
    # Every row from 3 on is wrong, and no good row is blamed.
    assert not any(problem.startswith("events.csv row 2") for problem in problems)
    assert len(problems) == len(expected) + 2


def test_missing_columns_are_reported_once(tmp_path: Path) -> None:
    """A required column left out, or a flag column that accept rows need, is one problem."""
    path = tmp_path / "events.csv"
    path.write_text(
        "waybill,carrier,event,node_id,time,origin_region\n"
        "ZT1,ZTO,accept,O1,2026-11-11T08:00:00+08:00,510104\n",
        "utf-8",
    )
    assert _problems(path) == ["events.csv: missing columns: destination_region"]
    path.write_text(
        "waybill,carrier,event,node_id,time,origin_region,destination_region\n"
        + "ZT1,ZTO,accept,O1,2026-11-11T08:00:00+08:00,510104,510703\n" * 3,
        "utf-8",
    )
    assert _problems(path) == [
        f"events.csv: missing column {flag}: 3 accept events need it"
        for flag in ("real_name_verified", "inspected", "x_rayed")
    ]


def test_problems_are_capped_but_counted(tmp_path: Path) -> None:
    """Thousands of bad rows: the first ones are listed, the rest counted in the last problem
    and in the error's message."""
    rows = [f"ZT{n},ZTO,sort,,O1,2026-11-11T08:00:00,,510104,510703,,,," for n in range(5000)]
    path = write_csv(tmp_path / "events.csv", rows)
    with pytest.raises(InvalidInputError) as caught:
        read_events(path)
    problems = caught.value.problems
    assert len(problems) == MAX_LISTED_PROBLEMS + 1
    assert problems[0].location == "events.csv row 2, column time"
    assert problems[-1].render("en") == f"…: and {5000 - MAX_LISTED_PROBLEMS:,} more problems"
    assert caught.value.render("en") == "The scan events have mistakes: 5,000 in all."
    assert caught.value.total == 5000  # what the CLI's closing line counts, not the 201 listed


def test_several_files_are_checked_together(tmp_path: Path, small_batch: Path) -> None:
    """Mistakes in two files are reported in one error; good files are concatenated."""
    bad = write_csv(tmp_path / "bad.csv", ["ZT1,ZTO,sort,,O1,yesterday,,510104,510703,,,,"])
    missing = tmp_path / "nowhere.csv"
    problems = _problems([small_batch, bad, missing])
    assert problems[0].startswith("bad.csv row 2, column time: 'yesterday' is not a time")
    assert problems[1].endswith("nowhere.csv: no such file")
    twice = read_event_files([small_batch, small_batch])
    assert twice.num_rows == 60


def test_unreadable_files_are_explained(tmp_path: Path) -> None:
    """Wrong suffix, bytes that are not UTF-8, a broken Parquet file, bad JSON lines."""
    text = tmp_path / "events.txt"
    text.write_text("x", "utf-8")
    assert _problems(text) == [
        "events.txt: use a .csv, .csv.gz, .parquet or .jsonl file of scan events"
    ]
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "\n" + event_rows(1)[0].replace("O1", "Ö1")).encode("latin-1"))
    assert _problems(latin) == [
        "latin.csv: line 2: the file is not UTF-8 text (byte 0xD6 at character 25): "
        "save it as UTF-8 and retry"
    ]
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    assert _problems(broken) == ["broken.parquet: not a Parquet file"]
    lines = tmp_path / "events.jsonl"
    lines.write_text('{"waybill": "ZT1"\n\n[1, 2]\n', "utf-8")
    problems = _problems(lines)
    assert problems[0].startswith("events.jsonl line 1: not valid JSON")
    assert problems[1] == "events.jsonl line 3: must be an object of field names"


def test_parquet_typed_columns(tmp_path: Path, small_batch: Path) -> None:
    """Parquet with real timestamps and booleans reads; naive timestamps are refused once;
    bad rows are numbered from 1."""
    table = read_events(small_batch)
    naive = table.set_column(5, "time", table.column("time").cast(pa.timestamp("us")))
    pq.write_table(naive, tmp_path / "naive.parquet")
    assert _problems(tmp_path / "naive.parquet") == [
        "naive.parquet, column time: the times have no time zone: store them as timestamps "
        "with a time zone (UTC)"
    ]
    regions = table.column("origin_region").to_pylist()
    regions[4] = "5101"
    broken = table.set_column(7, "origin_region", pa.array(regions))
    pq.write_table(broken, tmp_path / "regions.parquet")
    assert _problems(tmp_path / "regions.parquet")[0].startswith(
        "regions.parquet row 5, column origin_region: '5101' is not a six-digit"
    )


def test_parse_events_locates_request_fields() -> None:
    """API records: located as events[i].field; booleans and numbers accepted; unknown
    fields named once."""
    good = {
        "waybill": "ZT1",
        "carrier": "zto",
        "event": "accept",
        "node_id": "O1",
        "time": "2026-11-11T08:00:00Z",
        "origin_region": 510104,
        "destination_region": "510703",
        "real_name_verified": True,
        "inspected": True,
        "x_rayed": False,
    }
    table = parse_events([good])
    assert table.column("carrier").to_pylist() == ["ZTO"]
    assert table.column("origin_region").to_pylist() == ["510104"]
    bad = dict(good, time="2026-11-11 08:00", colour="red", node_id=["O1"])
    with pytest.raises(InvalidInputError) as caught:
        parse_events([good, bad, "x"])
    problems = [problem.render("en") for problem in caught.value.problems]
    assert problems == [
        "events: unknown columns: colour",
        "events[1].node_id: must be text, a number, true or false",
        "events[1].node_id: is required",
        "events[1].time: needs a time zone, e.g. 2026-11-11T08:00:00+08:00",
        "events[2]: must be an object of field names",
    ]
    with pytest.raises(InvalidInputError):
        parse_events({"events": []})


def test_parse_event_lines_counts_lines() -> None:
    """JSON lines in a request are located by their line number."""
    line = json.dumps(
        {
            "waybill": "ZT1",
            "carrier": "ZTO",
            "event": "sort",
            "node_id": "H1",
            "time": "2026-11-11T08:00:00+08:00",
            "origin_region": "510104",
            "destination_region": "510703",
        }
    )
    assert parse_event_lines(f"{line}\n".encode()).num_rows == 1
    bad = line.replace("sort", "sorted").replace("510703", "910703")
    with pytest.raises(InvalidInputError) as caught:
        parse_event_lines(f"{line}\n\n{bad}\n".encode())
    assert [problem.render("en") for problem in caught.value.problems] == [
        "request line 3, field event: 'sorted' is not one of accept, sort, depart, arrive, "
        "out_for_delivery, deliver, exception, return",
        "request line 3, field destination_region: '910703' is not a six-digit GB/T 2260 "
        "region code such as 510100",
    ]


def test_times_in_other_forms(tmp_path: Path) -> None:
    """Z, +0800, +08, minutes only, nanoseconds and a space separator all read; the instant is
    kept, not the wall clock."""
    forms = [
        "2026-11-11T00:00:00Z",
        "2026-11-11T08:00:00+0800",
        "2026-11-11T08:00:00+08",
        "2026-11-11 08:00+08:00",
        "2026-11-11T08:00:00.000000001+08:00",
        "2026-11-10T19:00:00-05:00",
    ]
    rows = [f"ZT{n},ZTO,sort,,H1,{form},,510104,510703,,,," for n, form in enumerate(forms)]
    table = read_events(write_csv(tmp_path / "events.csv", rows))
    assert set(table.column("time").to_pylist()) == {datetime(2026, 11, 11, tzinfo=UTC)}


def test_a_million_rows_validate_quickly(tmp_path: Path) -> None:
    """Validation is vectorised: 300,000 rows read and check in well under the time a
    per-row loop would need (a loose bound, the machine is shared)."""

    path = write_csv(tmp_path / "events.csv", event_rows(100_000))
    started = time.perf_counter()
    table = read_events(path)
    assert table.num_rows == 300_000
    assert time.perf_counter() - started < 10


REFERENCE = EXAMPLE.parents[1] / "reference" / "scan-events.md"


def test_the_reference_page_matches_the_code() -> None:
    """scan-events.md lists exactly the stored columns, its CSV block is the head of the
    example file, and its JSON line reads."""
    text = REFERENCE.read_text("utf-8")
    columns = re.findall(r"^\| `(\w+)` \| (?:text|time with offset|true/false) \|", text, re.M)
    assert tuple(columns) == tuple(SCAN_EVENT_SCHEMA.names)
    block = re.search(r"```csv\n(.*?)```", text, re.S)
    assert block is not None
    assert EXAMPLE.read_text("utf-8").startswith(block.group(1))
    line = re.search(r"```json\n(\{\"waybill.*?)\n```", text, re.S)
    assert line is not None
    assert parse_event_lines(line.group(1).encode()).num_rows == 1
