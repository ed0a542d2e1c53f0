"""The event lake stores every distinct event exactly once, however batches are re-sent."""

from __future__ import annotations

import re
import tempfile
import threading
from pathlib import Path

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.domain.scans import EVENT_KEY
from peakguard.formats.scan_event_document import read_events
from peakguard.store.event_lake import (
    STAGING_DIRECTORY,
    batch_log,
    event_glob,
    event_paths,
    ingest,
    read_stored_events,
)
from tests.unit.ingest.conftest import EXAMPLE, event_rows, write_csv


def _distinct_keys(table: pa.Table) -> int:
    return table.group_by(list(EVENT_KEY)).aggregate([]).num_rows


def _stored(lake: Path) -> pa.Table:
    return read_stored_events(lake)


def test_same_file_twice_is_stored_once(tmp_path: Path, small_batch: Path) -> None:
    """The second ingest of a file finds every event already stored and writes nothing."""
    lake = tmp_path / "lake"
    batch = read_events(small_batch)
    first = ingest(lake, batch, source="events.csv")
    assert (first.received, first.stored, first.already_stored) == (30, 30, 0)
    assert first.partitions == 4  # 2 days × 2 carriers
    second = ingest(lake, batch, source="events.csv")
    assert (second.stored, second.already_stored, second.partitions) == (0, 30, 0)
    assert _stored(lake).num_rows == 30
    assert [entry["stored"] for entry in batch_log(lake)] == [30, 0]


def test_duplicates_inside_a_batch(tmp_path: Path, small_batch: Path) -> None:
    """A batch that repeats events stores each once and says how many it dropped; the same
    moment written with another offset is the same event."""
    lake = tmp_path / "lake"
    batch = read_events(small_batch)
    report = ingest(lake, pa.concat_tables([batch, batch, batch.slice(0, 5)]))
    assert (report.received, report.duplicates_in_batch, report.stored) == (65, 35, 30)
    same_moment = write_csv(
        tmp_path / "again.csv",
        [event_rows(1)[0].replace("2026-11-11T00:10:00+08:00", "2026-11-10T16:10:00Z")],
    )
    assert ingest(lake, read_events(same_moment)).already_stored == 1


def test_a_repeated_key_keeps_its_first_row(tmp_path: Path, small_batch: Path) -> None:
    """Repeats that differ outside the key (a re-sent scan with a reason filled in) store the
    first as sent, in a batch in any order."""
    lake = tmp_path / "lake"
    batch = read_events(small_batch)
    resent = batch.slice(3, 2).set_column(
        batch.schema.get_field_index("reason"), "reason", pa.array(["re-sent", "re-sent"])
    )
    shuffled = batch.take(pa.array([*range(29, -1, -1)]))
    report = ingest(lake, pa.concat_tables([shuffled, resent]))
    assert (report.duplicates_in_batch, report.stored) == (2, 30)
    stored = _stored(lake)
    assert "re-sent" not in stored.column("reason").to_pylist()
    expected = {tuple(row[name] for name in EVENT_KEY) for row in batch.to_pylist()}
    assert {tuple(row[name] for name in EVENT_KEY) for row in stored.to_pylist()} == expected


def test_overlapping_batches(tmp_path: Path) -> None:
    """Two batches sharing half their events store the union exactly once."""
    lake = tmp_path / "lake"
    rows = event_rows(40)
    first = read_events(write_csv(tmp_path / "a.csv", rows[:80]))
    second = read_events(write_csv(tmp_path / "b.csv", rows[40:]))
    ingest(lake, first)
    report = ingest(lake, second)
    assert (report.already_stored, report.stored) == (40, 40)
    stored = _stored(lake)
    assert stored.num_rows == _distinct_keys(stored) == 120


def test_layout_and_duckdb_reads_in_place(tmp_path: Path) -> None:
    """Files sit under day=/carrier= by China day; DuckDB reads the glob with the day column.
    The SF event at 16:00 UTC on 10 November belongs to 11 November in China."""
    lake = tmp_path / "lake"
    ingest(lake, read_events(EXAMPLE))
    names = {path.relative_to(lake).parts[:3] for path in event_paths(lake)}
    assert names == {
        ("events", "day=2026-11-11", "carrier=SF"),
        ("events", "day=2026-11-11", "carrier=ZTO"),
        ("events", "day=2026-11-12", "carrier=ZTO"),
    }
    counts = duckdb.sql(
        f"select day::varchar, carrier, count(*) from read_parquet('{event_glob(lake)}', "
        "hive_partitioning = true) group by all order by all"
    ).fetchall()
    assert counts == [("2026-11-11", "SF", 2), ("2026-11-11", "ZTO", 5), ("2026-11-12", "ZTO", 9)]
    stored = _stored(lake)
    assert stored.column("day").type == pa.date32()
    assert stored.column("time").type == pa.timestamp("us", tz="UTC")


def test_staging_leftovers_are_ignored_and_removed(tmp_path: Path, small_batch: Path) -> None:
    """A half-written file from a dead ingest is never read and is removed by the next one."""
    lake = tmp_path / "lake"
    staging = lake / STAGING_DIRECTORY
    staging.mkdir(parents=True)
    (staging / "dead-0.parquet.tmp").write_bytes(b"PAR1 half")
    assert _stored(lake).num_rows == 0
    ingest(lake, read_events(small_batch))
    assert not list(staging.iterdir())
    assert _stored(lake).num_rows == 30


def test_concurrent_ingests_take_turns(tmp_path: Path) -> None:
    """Four threads ingesting overlapping batches into one lake leave one copy of each."""
    lake = tmp_path / "lake"
    rows = event_rows(60)
    batches = [
        read_events(write_csv(tmp_path / f"{n}.csv", rows[n * 30 : n * 30 + 90])) for n in range(4)
    ]
    threads = [threading.Thread(target=ingest, args=(lake, batch)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = _stored(lake)
    assert stored.num_rows == _distinct_keys(stored) == 180
    assert sum(entry["stored"] for entry in batch_log(lake)) == 180


def test_an_empty_batch_writes_nothing(tmp_path: Path) -> None:
    """An empty table is a no-op with a zero report."""
    lake = tmp_path / "lake"
    report = ingest(lake, read_events(EXAMPLE).slice(0, 0))
    assert (report.received, report.stored, report.partitions) == (0, 0, 0)
    assert event_paths(lake) == []


_POOL = read_events(EXAMPLE)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(0, _POOL.num_rows - 1), min_size=0, max_size=12),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.integers(0, 5), max_size=4),
)
def test_any_split_and_retry_stores_exactly_the_distinct_events(
    pieces: list[list[int]], retries: list[int]
) -> None:
    """Any sub-batches of the events (with repeats), sent in any order and some sent again,
    store exactly the distinct events that were sent."""
    with tempfile.TemporaryDirectory() as folder:
        lake = Path(folder)
        sends = pieces + [pieces[index % len(pieces)] for index in retries]
        for rows in sends:
            ingest(lake, _POOL.take(pa.array(rows, pa.int64())))
        sent = sorted({row for rows in pieces for row in rows})
        stored = _stored(lake)
        assert stored.num_rows == _distinct_keys(stored) == len(sent)
        expected = _POOL.take(pa.array(sent, pa.int64()))
        assert sorted(stored.drop_columns(["day"]).to_pylist(), key=str) == sorted(
            expected.to_pylist(), key=str
        )


def test_the_reference_query_runs(tmp_path: Path) -> None:
    """The DuckDB query in scan-events.md runs on a lake with the example in it."""
    lake = tmp_path / "lake"
    ingest(lake, read_events(EXAMPLE))
    text = (EXAMPLE.parents[1] / "reference" / "scan-events.md").read_text("utf-8")
    block = re.search(r"```sql\n(.*?)```", text, re.S)
    assert block is not None
    rows = duckdb.sql(block.group(1).replace("<lake>", str(lake))).fetchall()
    assert sum(count for _day, _carrier, count in rows) == 16
