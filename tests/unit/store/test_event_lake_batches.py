"""The batch log after a crash: a torn last line is tolerated, reported and cut off, and a
batch whose files were stored but whose line was never written is counted from its files, so
the log's counts add up to the events stored (issue #13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peakguard.formats.scan_event_document import read_events
from peakguard.store import event_lake
from peakguard.store.event_batches import BATCH_LOG, batch_log, read_batch_log
from peakguard.store.event_lake import ingest, read_stored_events
from tests.unit.ingest.conftest import event_rows, write_csv


class KilledError(Exception):
    """Stands for the process dying at the patched step."""


def stored_in_log(lake: Path) -> int:
    return sum(int(entry["stored"]) for entry in batch_log(lake))


def test_a_torn_last_line_is_skipped_reported_and_cut_off(
    tmp_path: Path, small_batch: Path
) -> None:
    """A crash mid-append leaves half a line: the reader returns the whole lines and names the
    torn one; the next ingest cuts it off and appends after a clean line end."""
    lake = tmp_path / "lake"
    ingest(lake, read_events(small_batch), source="a.csv")
    with (lake / BATCH_LOG).open("a", encoding="utf-8") as handle:
        handle.write('{"time": "2026-11-11T08:0')
    found = read_batch_log(lake)
    assert ([entry["source"] for entry in found.entries], found.damaged) == (["a.csv"], [2])
    more = write_csv(tmp_path / "b.csv", event_rows(12)[30:])
    ingest(lake, read_events(more), source="b.csv")
    lines = (lake / BATCH_LOG).read_text("utf-8").splitlines()
    assert [json.loads(line)["source"] for line in lines] == ["a.csv", "b.csv"]
    assert read_batch_log(lake).damaged == []
    assert stored_in_log(lake) == read_stored_events(lake).num_rows == 36


def test_a_damaged_line_inside_the_log_does_not_stop_the_reader(tmp_path: Path) -> None:
    """A line that is not JSON in the middle (an older version appended after a torn line) is
    skipped and reported; the batches it hid are counted from their files."""
    lake = tmp_path / "lake"
    first = ingest(lake, read_events(write_csv(tmp_path / "a.csv", event_rows(4))), source="a")
    text = (lake / BATCH_LOG).read_text("utf-8")
    (lake / BATCH_LOG).write_text('{"time": "2026' + text + "\n\x00\x00\n", "utf-8")
    found = read_batch_log(lake)
    assert found.damaged == [1, 3] and found.recovered == [first.batch]
    assert stored_in_log(lake) == 12


def test_a_crash_between_the_data_and_the_log(
    tmp_path: Path, small_batch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch's files are in place but its line was never written: the reader counts it from
    its files (with its source and time from their metadata), and the next ingest writes the
    missing line, so the log's total is the events stored."""
    lake = tmp_path / "lake"

    def killed(*_args: object) -> None:
        raise KilledError

    monkeypatch.setattr(event_lake, "log_batch", killed)
    with pytest.raises(KilledError):
        ingest(lake, read_events(small_batch), source="feed.csv")
    monkeypatch.undo()
    found = read_batch_log(lake)
    [entry] = found.entries
    assert (entry["stored"], entry["partitions"], entry["source"]) == (30, 4, "feed.csv")
    assert entry["recovered"] is True and found.recovered == [entry["batch"]]
    assert entry["time"].startswith("20")
    again = ingest(lake, read_events(small_batch), source="feed.csv")
    assert (again.stored, again.already_stored) == (0, 30)
    assert read_batch_log(lake).recovered == []  # the line is written now
    assert len((lake / BATCH_LOG).read_text("utf-8").splitlines()) == 2
    assert stored_in_log(lake) == read_stored_events(lake).num_rows == 30


def test_a_crash_between_two_partitions(
    tmp_path: Path, small_batch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KilledError after the first of four partition files: the log counts what that file holds;
    the batch sent again stores the rest, and the log adds up to the events stored."""
    lake = tmp_path / "lake"
    placed: list[Path] = []
    real_place = event_lake.place

    def place_once(staged: Path, target: Path) -> None:
        if placed:
            raise KilledError
        real_place(staged, target)
        placed.append(target)

    monkeypatch.setattr(event_lake, "place", place_once)
    with pytest.raises(KilledError):
        ingest(lake, read_events(small_batch))
    monkeypatch.undo()
    assert stored_in_log(lake) == read_stored_events(lake).num_rows > 0
    ingest(lake, read_events(small_batch))
    assert stored_in_log(lake) == read_stored_events(lake).num_rows == 30
