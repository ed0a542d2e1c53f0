"""Retractions: stored events withdrawn by a record, never deleted.

A retraction is one Parquet file, ``<lake>/retractions/<id>.parquet``, written like an event
file (staged, flushed, renamed under the lake's lock). Its rows are the retracted events' keys
(:data:`~peakguard.store.event_files.LAKE_KEY`) with the batch that stored each; its file
metadata says who retracted them, when, why and by which selection. The event files are left as
they are: every reader of the lake leaves out the events a retraction names (:func:`live`), and
ingest no longer counts them as stored, so an event sent again after its retraction is stored
again, in its new batch, as the correction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from peakguard.domain.scans import china_days
from peakguard.store.event_files import (
    BATCH,
    KEY_SCHEMA,
    LAKE_KEY,
    STAGING_DIRECTORY,
    STORED_KEY_SCHEMA,
    batch_of,
    clear_staging,
    event_paths,
    locked,
    partition_files,
    place,
    retracted_keys,
    retraction_paths,
    retractions_directory,
    without_retracted,
)

RETRACTION_METADATA = b"peakguard.retraction"
"""The key of a retraction file's metadata: a JSON object (id, time, actor, reason, batch)."""

Within = Callable[[pa.Table], pa.Array]
"""Which stored events (full rows) a caller may retract: a boolean mask over them."""

_ROW = "__row"


@dataclass(frozen=True)
class Retraction:
    """One retraction: its record, and what it found."""

    id: str
    time: str
    """When it was recorded (UTC, ISO 8601)."""
    actor: str
    reason: str
    batch: str | None
    """The batch it named, if it named one."""
    retracted: int
    """Events it retracted (0 when it was refused and nothing was written)."""
    found: int = 0
    """Stored events the selection named that the caller may retract, retracted or not."""
    batches: list[str] = field(default_factory=list)
    """The batches that had stored the retracted events."""
    already_retracted: list[int] = field(default_factory=list)
    """Indices of the keys given whose events an earlier retraction had already withdrawn."""
    missing: list[int] = field(default_factory=list)
    """Indices of the keys given that match no stored event the caller may retract (nothing is
    written when there is one)."""


def live(stored: pa.Table, lake: Path) -> pa.Table:
    """``stored`` (rows with the key and ``batch``) without the events retracted in ``lake``."""
    return without_retracted(stored, retracted_keys(lake))


def retract(
    lake: Path,
    *,
    actor: str,
    reason: str,
    batch: str | None = None,
    keys: pa.Table | None = None,
    within: Within | None = None,
) -> Retraction:
    """Retract the stored events of ``batch`` and/or with the given ``keys`` (a table with the
    :data:`LAKE_KEY` columns), of those ``within`` allows. Nothing is written if a key matches
    no such event (:attr:`Retraction.missing`) or nothing is left to retract."""
    if batch is None and keys is None:
        raise ValueError("a retraction names a batch, keys or both")
    identifier = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]
    record = Retraction(
        id=identifier,
        time=datetime.now(UTC).isoformat(timespec="seconds"),
        actor=actor,
        reason=reason,
        batch=batch,
        retracted=0,
    )
    given = None if keys is None else keys.select(list(LAKE_KEY)).cast(KEY_SCHEMA)
    with locked(lake):
        clear_staging(lake)
        stored = _stored_rows(lake, batch, given)
        if within is not None and stored.num_rows:
            stored = stored.filter(pc.fill_null(within(stored), False))
        current = live(stored, lake)
        missing: list[int] = []
        already: list[int] = []
        if given is not None:
            current, missing, already = _matching(current, stored, given)
            stored = stored.join(
                given.group_by(list(LAKE_KEY)).aggregate([]),
                keys=list(LAKE_KEY),
                join_type="left semi",
            )
        chosen = current.select([*LAKE_KEY, BATCH])
        if missing or chosen.num_rows == 0:
            return replace(
                record, found=stored.num_rows, missing=missing, already_retracted=already
            )
        _write(lake, chosen, record)
    return replace(
        record,
        retracted=chosen.num_rows,
        found=stored.num_rows,
        batches=sorted(set(chosen.column(BATCH).to_pylist())),
        already_retracted=already,
    )


def retractions(lake: Path) -> list[Retraction]:
    """Every retraction recorded in ``lake``, oldest first (read from the files' metadata)."""
    found = []
    for path in retraction_paths(lake):
        metadata = pq.read_metadata(path)
        described = json.loads((metadata.metadata or {}).get(RETRACTION_METADATA, b"{}"))
        found.append(
            Retraction(
                id=str(described.get("id", path.stem)),
                time=str(described.get("time", "")),
                actor=str(described.get("actor", "")),
                reason=str(described.get("reason", "")),
                batch=described.get("batch"),
                retracted=metadata.num_rows,
                batches=list(described.get("batches", [])),
            )
        )
    return found


def _stored_rows(lake: Path, batch: str | None, keys: pa.Table | None) -> pa.Table:
    """The stored events (every column and ``batch``) of ``batch``, or of the partitions the
    keys fall in."""
    if batch is not None:
        files = [path for path in event_paths(lake) if batch_of(path) == batch]
    else:
        assert keys is not None
        files = partition_files(lake, china_days(keys.column("time")), keys.column("carrier"))
    tables = []
    for path in files:
        table = pq.read_table(path)
        tables.append(table.append_column(BATCH, pa.array([batch_of(path)] * table.num_rows)))
    if not tables:
        return STORED_KEY_SCHEMA.empty_table()
    return pa.concat_tables(tables, promote_options="permissive")


def _matching(
    current: pa.Table, stored: pa.Table, keys: pa.Table
) -> tuple[pa.Table, list[int], list[int]]:
    """The live rows with one of ``keys``; the indices of keys matching no stored row, and of
    those matching only retracted rows."""
    key_columns = list(LAKE_KEY)
    numbered = keys.append_column(_ROW, pa.array(np.arange(keys.num_rows, dtype=np.int64)))
    matched = current.join(
        keys.group_by(key_columns).aggregate([]), keys=key_columns, join_type="left semi"
    )
    not_live = numbered.join(
        current.select(key_columns), keys=key_columns, join_type="left anti", use_threads=False
    )
    nowhere = not_live.join(
        stored.select(key_columns), keys=key_columns, join_type="left anti", use_threads=False
    )
    missing = sorted(nowhere.column(_ROW).to_pylist())
    already = sorted(set(not_live.column(_ROW).to_pylist()) - set(missing))
    return matched, missing, already


def _write(lake: Path, chosen: pa.Table, record: Retraction) -> None:
    described = {
        "id": record.id,
        "time": record.time,
        "actor": record.actor,
        "reason": record.reason,
        "batch": record.batch,
        "batches": sorted(set(chosen.column(BATCH).to_pylist())),
    }
    table = chosen.cast(STORED_KEY_SCHEMA).replace_schema_metadata(
        {RETRACTION_METADATA: json.dumps(described, ensure_ascii=False).encode("utf-8")}
    )
    staging = lake / STAGING_DIRECTORY
    staging.mkdir(parents=True, exist_ok=True)
    temporary = staging / f"retraction-{record.id}.parquet.tmp"
    pq.write_table(table, temporary, compression="zstd")
    place(temporary, retractions_directory(lake) / f"{record.id}.parquet")


def retracted_count(lake: Path) -> int:
    """Events withdrawn by the lake's retractions (each counted once)."""
    keys = retracted_keys(lake)
    return keys.group_by([*LAKE_KEY, BATCH]).aggregate([]).num_rows if keys.num_rows else 0
