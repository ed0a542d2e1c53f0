"""The event lake: scan events as Parquet files, partitioned by China day and carrier, read in
place by DuckDB, pyarrow or Spark.

Layout (``docs/reference/scan-events.md``)::

    <lake>/events/day=2026-11-11/carrier=ZTO/part-<batch>.parquet   the events (read these)
    <lake>/.staging/<batch>-<n>.parquet.tmp                          files being written
    <lake>/.lock                                                     held while a batch is stored
    <lake>/batches.jsonl                                             one line per stored batch
    <lake>/retractions/<id>.parquet                                  retracted events' keys

``day`` is the calendar day of the event's time in China Standard Time; ``carrier`` is also a
column inside each file. Readers use :func:`event_glob` with DuckDB's ``hive_partitioning`` (or
:func:`event_dataset`), which see only finished ``*.parquet`` files — every stored event,
the retracted ones too; :func:`read_stored_events` and the KPI engine leave those out
(:mod:`peakguard.store.event_retraction`). The batch log is an index the files can rebuild
(:mod:`peakguard.store.event_batches`).

:func:`ingest` stores a validated batch exactly once: duplicates inside the batch are dropped on
the lake's key (:data:`~peakguard.store.event_files.LAKE_KEY`: the carrier and the natural key),
events already stored in the partitions the batch touches are dropped by an anti-join, and each
partition's new rows are written to a staging file, flushed to disk, then renamed into place.
A batch that dies anywhere can simply be sent again: what was stored is found by the
anti-join, staging leftovers are never read and are removed by the next ingest. Concurrent
ingests into one lake take turns on ``.lock``. After the event files, the batch's new events are
merged into the lake's partial aggregates (``<lake>/partials``,
:mod:`peakguard.store.event_partials`), which a bulletin reads instead of every event.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from peakguard.domain.scans import SCAN_EVENT_SCHEMA, china_days
from peakguard.store.event_batches import (
    BATCH_LOG,
    SOURCE_METADATA,
    TIME_METADATA,
    batch_log,
    log_batch,
    read_batch_log,
    repair_batch_log,
)
from peakguard.store.event_files import (
    BATCH,
    EVENTS_DIRECTORY,
    LAKE_KEY,
    LOCK_FILE,
    STAGING_DIRECTORY,
    batch_of,
    clear_staging,
    event_paths,
    events_directory,
    locked,
    partition_files,
    place,
    retracted_keys,
    stored_keys,
    without_retracted,
)
from peakguard.store.event_partials import update_partials

__all__ = [
    "BATCH_LOG",
    "CRASH_AFTER_PARTITIONS",
    "EVENTS_DIRECTORY",
    "LAKE_KEY",
    "LOCK_FILE",
    "STAGING_DIRECTORY",
    "IngestReport",
    "batch_log",
    "event_dataset",
    "event_glob",
    "event_paths",
    "events_directory",
    "ingest",
    "quarantine_directory",
    "read_batch_log",
    "read_quarantine",
    "read_stored_events",
    "stored_acceptances",
]

QUARANTINE_DIRECTORY = "quarantine"

CRASH_AFTER_PARTITIONS = "PEAKGUARD_INGEST_CRASH_AFTER_PARTITIONS"
"""Test hook: with ``N`` set, the ingest kills its own process (SIGKILL) right after writing
its ``N``-th partition file, so the crash tests are deterministic."""

_ROW = "__row"
_FILENAME = "__filename"


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did with a batch."""

    batch: str
    """The batch id, also in the part-file names and in ``batches.jsonl``."""
    received: int
    """Events in the batch."""
    duplicates_in_batch: int
    """Events dropped because an earlier event of the batch had the same natural key."""
    already_stored: int
    """Events dropped because the lake already held them (a re-sent or overlapping batch)."""
    stored: int
    """Events written: ``received - duplicates_in_batch - already_stored``."""
    partitions: int
    """Partition files written (one per day and carrier with new events)."""
    quarantined: int = 0
    """Events held in the quarantine (``<lake>/quarantine/<batch>.parquet``, each with its
    reason), not stored among the events: no figure reads them."""
    network_checked: bool = True
    """Whether carriers and nodes were checked (False when no network is registered)."""


def event_glob(lake: Path) -> str:
    """``<lake>/events/**/*.parquet``, for DuckDB:
    ``read_parquet('<glob>', hive_partitioning = true)`` adds a ``day`` column (DATE)."""
    return str(events_directory(lake) / "**" / "*.parquet")


def event_dataset(lake: Path) -> ds.Dataset:
    """A pyarrow dataset over the lake: the stored columns plus ``day`` (date32) from the path."""
    return ds.dataset(
        [str(path) for path in event_paths(lake)],
        schema=SCAN_EVENT_SCHEMA.append(pa.field("day", pa.date32())),
        format="parquet",
        partitioning=ds.partitioning(pa.schema([("day", pa.date32())]), flavor="hive"),
        partition_base_dir=str(events_directory(lake)),
    )


def read_stored_events(
    lake: Path, columns: Sequence[str] | None = None, *, include_retracted: bool = False
) -> pa.Table:
    """Every stored event (for tests and small lakes; the KPI engine queries in place), without
    the retracted ones unless ``include_retracted``."""
    wanted = list(columns) if columns else None
    if not event_paths(lake):
        empty = SCAN_EVENT_SCHEMA.append(pa.field("day", pa.date32())).empty_table()
        return empty.select(wanted) if wanted else empty
    dataset = event_dataset(lake)
    retracted = retracted_keys(lake)
    if include_retracted or retracted.num_rows == 0:
        return dataset.to_table(columns=wanted)
    every = wanted or dataset.schema.names
    needed = [*every, *(name for name in LAKE_KEY if name not in every)]
    table = dataset.to_table(columns=[*needed, _FILENAME])
    batches = [batch_of(name) for name in table.column(_FILENAME).to_pylist()]
    table = table.drop_columns([_FILENAME]).append_column(BATCH, pa.array(batches, pa.string()))
    return without_retracted(table, retracted).select(every)


def ingest(
    lake: Path, table: pa.Table, *, source: str = "", held: pa.Table | None = None
) -> IngestReport:
    """Store a validated batch of scan events exactly once (see the module's docstring).

    ``table`` has :data:`~peakguard.domain.scans.SCAN_EVENT_SCHEMA`, as the readers in
    :mod:`peakguard.formats.scan_event_document` return it. ``source`` (a file name, ``api``)
    goes into the batch log. ``held``: the batch's events refused by the checks against the
    network, with their reasons, written to the quarantine under the batch's id.
    """
    batch = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]
    table = _conform(table)
    received = table.num_rows
    unique = _first_of_each_key(table)
    with locked(lake):
        clear_staging(lake)
        repair_batch_log(lake)
        days = china_days(unique.column("time")) if unique.num_rows else pa.array([], pa.date32())
        new = _not_stored(lake, unique, days)
        moment = datetime.now(UTC).isoformat(timespec="seconds")
        written = _write_partitions(
            lake, new, batch, {SOURCE_METADATA: source, TIME_METADATA: moment}
        )
        if held is not None and held.num_rows:
            _write_quarantine(lake, held, batch, {SOURCE_METADATA: source, TIME_METADATA: moment})
        update_partials(lake, new.drop_columns(["day"]), batch)
        report = IngestReport(
            batch=batch,
            received=received,
            duplicates_in_batch=received - unique.num_rows,
            already_stored=unique.num_rows - new.num_rows,
            stored=new.num_rows,
            partitions=written,
            quarantined=0 if held is None else held.num_rows,
        )
        log_batch(lake, {"time": moment, "source": source, **asdict(report)})
    return report


def _conform(table: pa.Table) -> pa.Table:
    if table.schema.equals(SCAN_EVENT_SCHEMA):
        return table
    return table.select(list(SCAN_EVENT_SCHEMA.names)).cast(SCAN_EVENT_SCHEMA)


def _first_of_each_key(table: pa.Table) -> pa.Table:
    """The batch without repeats of the natural key; the first of each is kept, in order.

    By sorting, not hashing: a stable sort puts each key's rows together in their order, so
    the first of a run of equal keys is its first row. On the demo's 3.7 M events this takes
    0.27 GB and 1.1 s of CPU where Arrow's hash aggregation took 1.1–1.2 GB and 2.5–3.4 s."""
    if table.num_rows < 2:
        return table
    keys = table.select(list(LAKE_KEY))
    order = pc.sort_indices(keys, sort_keys=[(name, "ascending") for name in LAKE_KEY])
    repeats = np.ones(table.num_rows - 1, dtype=bool)
    for name in LAKE_KEY:
        column = keys.column(name).take(order).combine_chunks()
        before, after = column.slice(0, len(column) - 1), column.slice(1)
        equal = pc.fill_null(pc.equal(before, after), False)
        both_missing = pc.and_(pc.is_null(before), pc.is_null(after))
        repeats &= pc.or_(equal, both_missing).to_numpy(zero_copy_only=False)
    rows = np.sort(order.to_numpy()[np.r_[True, ~repeats]])
    if len(rows) == table.num_rows:
        return table
    return table.take(pa.array(rows))


def _not_stored(lake: Path, unique: pa.Table, days: pa.Array) -> pa.Table:
    """The events of ``unique`` the lake does not hold yet (with their ``day`` column).

    The key includes the carrier and the time, and the day is a function of the time, so only
    the partitions of the batch's days and carriers can hold a copy."""
    with_day = unique.append_column("day", days)
    if unique.num_rows == 0:
        return with_day
    files = partition_files(lake, days, unique.column("carrier"))
    if not files:
        return with_day
    stored = without_retracted(stored_keys(files), retracted_keys(lake))
    if stored.num_rows == 0:
        return with_day
    keys = unique.select(list(LAKE_KEY)).append_column(
        _ROW, pa.array(np.arange(unique.num_rows, dtype=np.int64))
    )
    remaining = keys.join(
        stored.select(list(LAKE_KEY)).cast(keys.select(list(LAKE_KEY)).schema),
        keys=list(LAKE_KEY),
        join_type="left anti",
        use_threads=True,
    )
    rows = np.sort(remaining.column(_ROW).to_numpy())
    if len(rows) == unique.num_rows:
        return with_day
    return with_day.take(pa.array(rows))


def _write_partitions(lake: Path, new: pa.Table, batch: str, metadata: dict[bytes, str]) -> int:
    """One file per (day, carrier): staged, flushed, renamed into place, each with the batch's
    source and time in its metadata (so a batch whose log line a crash lost can be counted
    and described from its files). Returns the count."""
    if new.num_rows == 0:
        return 0
    # The order, not a sorted copy of the batch: each partition is taken from it in turn.
    order = pc.sort_indices(
        new, sort_keys=[("day", "ascending"), ("carrier", "ascending"), ("time", "ascending")]
    )
    day_numbers = new.column("day").take(order).cast(pa.int32()).to_numpy()
    carriers = pc.dictionary_encode(new.column("carrier").take(order)).combine_chunks()
    carrier_codes = carriers.indices.to_numpy()
    change = np.flatnonzero((np.diff(day_numbers) != 0) | (np.diff(carrier_codes) != 0)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [new.num_rows]])
    crash_after = _crash_after()
    staging = lake / STAGING_DIRECTORY
    staging.mkdir(parents=True, exist_ok=True)
    events = events_directory(lake)
    for number, (start, end) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        part = new.take(order.slice(start, end - start))
        day = part.column("day")[0].as_py()
        carrier = part.column("carrier")[0].as_py()
        target_dir = events / f"day={day.isoformat()}" / f"carrier={carrier}"
        temporary = staging / f"{batch}-{number}.parquet.tmp"
        described = part.drop_columns(["day"]).replace_schema_metadata(metadata)
        pq.write_table(described, temporary, compression="zstd")
        place(temporary, target_dir / f"part-{batch}.parquet")
        if crash_after is not None and number + 1 >= crash_after:
            os.kill(os.getpid(), signal.SIGKILL)
    return len(starts)


def quarantine_directory(lake: Path) -> Path:
    """``<lake>/quarantine``: events held with their reasons, outside ``events/`` (no KPI,
    bulletin or lake reader looks there)."""
    return lake / QUARANTINE_DIRECTORY


def read_quarantine(lake: Path) -> pa.Table | None:
    """Every held event with its ``batch`` and why (``refused_row``, ``refused_field``,
    ``refused_reason``, ``refused_message``); None when none is held."""
    paths = sorted(quarantine_directory(lake).glob("*.parquet"))
    if not paths:
        return None
    return pa.concat_tables(pq.read_table(path) for path in paths)


def _write_quarantine(lake: Path, held: pa.Table, batch: str, metadata: dict[bytes, str]) -> None:
    """``held`` as ``<lake>/quarantine/<batch>.parquet``, staged and renamed like an event
    file; ``events/`` is made too, so that a lake is never read from its root."""
    events_directory(lake).mkdir(parents=True, exist_ok=True)
    staging = lake / STAGING_DIRECTORY
    staging.mkdir(parents=True, exist_ok=True)
    temporary = staging / f"{batch}-quarantine.parquet.tmp"
    stamped = held.append_column(BATCH, pa.array([batch] * held.num_rows, pa.string()))
    pq.write_table(stamped.replace_schema_metadata(metadata), temporary, compression="zstd")
    place(temporary, quarantine_directory(lake) / f"{batch}.parquet")


def stored_acceptances(lake: Path, events: pa.Table) -> pa.Table:
    """``carrier, waybill, accepted_at``: the earliest ``accept`` the lake holds (not
    retracted) for each parcel of ``events``. Read from the partitions of the batch's carriers
    on the days from the batch's first China day to the day after its last (the acceptance
    of an event's parcel is on the event's day or before; one stored for a later day than
    that is not looked at); one read per batch, whatever its size."""
    empty = pa.table(
        {
            "carrier": pa.array([], pa.string()),
            "waybill": pa.array([], pa.string()),
            "accepted_at": pa.array([], pa.timestamp("us", tz="UTC")),
        }
    )
    if events.num_rows == 0:
        return empty
    # The span and the carriers by Arrow: a batch's millions of events as Python objects took
    # ~10 s (the demo's 3.7 M).
    extremes = pc.min_max(china_days(events.column("time")))
    first, last = extremes["min"].as_py(), extremes["max"].as_py() + timedelta(days=1)
    span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    carriers = sorted(pc.unique(events.column("carrier")).to_pylist())
    pairs = [(day, carrier) for day in span for carrier in carriers]
    files = partition_files(
        lake, pa.array([d for d, _c in pairs], pa.date32()), pa.array([c for _d, c in pairs])
    )
    if not files:
        return empty
    stored = without_retracted(stored_keys(files), retracted_keys(lake))
    accepts = stored.filter(
        pc.and_(
            pc.equal(stored.column("event"), "accept"),
            pc.is_in(stored.column("waybill"), value_set=events.column("waybill").unique()),
        )
    )
    found = accepts.group_by(["carrier", "waybill"]).aggregate([("time", "min")])
    return found.rename_columns(["carrier", "waybill", "accepted_at"]).cast(empty.schema)


def _crash_after() -> int | None:
    value = os.environ.get(CRASH_AFTER_PARTITIONS, "").strip()
    return int(value) if value.isdigit() else None
