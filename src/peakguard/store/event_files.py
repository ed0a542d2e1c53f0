"""The event lake's files: where they are, the key that identifies a stored event, and the
durable-write helpers (stage, flush, rename, flush the folder) every writer of the lake uses.

A stored event is identified by :data:`LAKE_KEY` and by the batch that stored it (the batch id is
in its file's name, ``part-<batch>.parquet``): an event retracted and then sent again is the same
key in two batches, the first retracted, the second live.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from peakguard.domain.scans import EVENT_KEY, SCAN_EVENT_SCHEMA

EVENTS_DIRECTORY = "events"
STAGING_DIRECTORY = ".staging"
RETRACTIONS_DIRECTORY = "retractions"
LOCK_FILE = ".lock"

LAKE_KEY: tuple[str, ...] = ("carrier", *(name for name in EVENT_KEY if name != "carrier"))
"""The key the lake stores an event once under: the carrier, then the natural key (waybill,
event, node, moment). The carrier is part of it so that an event sent under one carrier can
never make another carrier's event with the same waybill, event, node and moment be dropped as
"already stored"."""

BATCH = "batch"
"""The column naming the batch that stored an event (from its file's name)."""

_PART = re.compile(r"part-(?P<batch>[^/\\]+)\.parquet$")

KEY_SCHEMA = pa.schema([SCAN_EVENT_SCHEMA.field(name) for name in LAKE_KEY])
STORED_KEY_SCHEMA = KEY_SCHEMA.append(pa.field(BATCH, pa.string(), nullable=False))


def events_directory(lake: Path) -> Path:
    """``<lake>/events``: the hive-partitioned root of the event files."""
    return lake / EVENTS_DIRECTORY


def retractions_directory(lake: Path) -> Path:
    """``<lake>/retractions``: one Parquet file per retraction (the keys it retracted)."""
    return lake / RETRACTIONS_DIRECTORY


def event_paths(lake: Path, *, days: Iterable[date] | None = None) -> list[Path]:
    """The finished event files, sorted; only those of ``days`` when given."""
    root = events_directory(lake)
    if days is None:
        return sorted(root.glob("day=*/carrier=*/*.parquet"))
    found: list[Path] = []
    for day in sorted(set(days)):
        found.extend(sorted((root / f"day={day.isoformat()}").glob("carrier=*/*.parquet")))
    return found


def partition_files(lake: Path, days: pa.Array, carriers: pa.Array) -> list[Path]:
    """The stored files of the (day, carrier) partitions named pairwise by ``days`` and
    ``carriers`` (the only files that can hold an event of that day and carrier)."""
    # The distinct pairs found by Arrow: a batch of millions of events names a few dozen.
    distinct = pa.table({"day": days, "carrier": carriers}).group_by(["day", "carrier"])
    pairs = distinct.aggregate([]).to_pylist()
    root = events_directory(lake)
    files: list[Path] = []
    for day, carrier in sorted((pair["day"], pair["carrier"]) for pair in pairs):
        folder = root / f"day={day.isoformat()}" / f"carrier={carrier}"
        files.extend(sorted(folder.glob("*.parquet")))
    return files


def batch_of(path: Path | str) -> str:
    """The batch id in an event file's name (``part-<batch>.parquet``); the name itself for a
    file not written by ingest."""
    found = _PART.search(str(path))
    return found.group("batch") if found else Path(path).stem


def stored_keys(files: Iterable[Path]) -> pa.Table:
    """The key and the batch of every event in ``files`` (:data:`STORED_KEY_SCHEMA`)."""
    tables = []
    for path in files:
        keys = pq.read_table(path, columns=list(LAKE_KEY)).cast(KEY_SCHEMA)
        tables.append(keys.append_column(BATCH, pa.array([batch_of(path)] * keys.num_rows)))
    if not tables:
        return STORED_KEY_SCHEMA.empty_table()
    return pa.concat_tables(tables).cast(STORED_KEY_SCHEMA)


def retraction_paths(lake: Path) -> list[Path]:
    """The finished retraction files, oldest first (their names start with the time)."""
    return sorted(retractions_directory(lake).glob("*.parquet"))


def retracted_keys(lake: Path) -> pa.Table:
    """The key and the batch of every retracted event (:data:`STORED_KEY_SCHEMA`)."""
    tables = [
        pq.read_table(path, columns=list(STORED_KEY_SCHEMA.names)).cast(STORED_KEY_SCHEMA)
        for path in retraction_paths(lake)
    ]
    if not tables:
        return STORED_KEY_SCHEMA.empty_table()
    return pa.concat_tables(tables)


def without_retracted(stored: pa.Table, retracted: pa.Table) -> pa.Table:
    """The rows of ``stored`` (with the key and ``batch`` columns) no retraction names."""
    if stored.num_rows == 0 or retracted.num_rows == 0:
        return stored
    columns = [*LAKE_KEY, BATCH]
    return stored.join(
        retracted.select(columns).cast(stored.select(columns).schema),
        keys=columns,
        join_type="left anti",
        use_threads=False,
    )


def place(staged: Path, target: Path) -> None:
    """Flush ``staged`` to disk, then rename it to ``target`` (an atomic step) and flush the
    folders whose listing changed, so the name survives a power cut."""
    fsync_file(staged)
    created = make_directories(target.parent)
    os.replace(staged, target)
    for directory in [target.parent, *created]:
        fsync_directory(directory)


def make_directories(directory: Path) -> list[Path]:
    """Create ``directory`` and its missing parents; returns the parents whose listing changed
    (to be flushed so the new names survive a power cut)."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    directory.mkdir(parents=True, exist_ok=True)
    return [path.parent for path in missing]


def fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def clear_staging(lake: Path) -> None:
    """Leftovers of a write that died: never read, removed under the lock."""
    staging = lake / STAGING_DIRECTORY
    if staging.exists():
        for leftover in staging.glob("*.tmp"):
            leftover.unlink(missing_ok=True)


@contextmanager
def locked(lake: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``<lake>/.lock``: one writer at a time (processes or
    threads); the kernel releases it when a holder dies."""
    lake.mkdir(parents=True, exist_ok=True)
    with (lake / LOCK_FILE).open("a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
