"""Keeping the event lake's partial aggregates (:mod:`peakguard.analytics.partials`) current.

Called by :func:`peakguard.store.event_lake.ingest` under the lake's lock after a batch's event
files are in place: the batch's new events are turned into rows, merged with the stored rows
of the buckets they touch (:data:`~peakguard.analytics.partials_lake.BUCKETS`), and each
touched bucket's files are written afresh (staged, flushed, renamed); the manifest is replaced
last; a lake's first batch is merged the same way into empty partials (its events are all
the lake's live events). When the partials do not reflect the lake as it was before the batch
(a lake made before partials existed, a batch killed between its event files and its
partials, a retraction since the last ingest), they are rebuilt from every live event instead
— the same rows by the merge's construction, at the cost of passes over the lake.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from peakguard.analytics.engines import duckdb_engine
from peakguard.analytics.partials import (
    ACCEPT_BASE,
    DEPARTURE_BASE,
    KINDS_SORT,
    NODE_HOUR_COLUMNS,
    accept_rows,
    bucket,
    complete_accepts,
    complete_departures,
    departure_rows,
    merge_node_hours,
    merge_parcels,
    merge_stays,
    node_hour_rows,
    node_owners,
    parcel_rows,
    stay_rows,
)
from peakguard.analytics.partials_lake import (
    BUCKETS,
    KINDS,
    MANIFEST,
    Manifest,
    lake_batches,
    lake_retractions,
    partials_directory,
    read_manifest,
)
from peakguard.domain.scans import SCAN_EVENT_SCHEMA
from peakguard.store.event_files import STAGING_DIRECTORY, place

ROW_GROUP_ROWS = 16 * 1024
"""Rows per Parquet row group of a partial file (each sorted by the moment a bulletin selects
on): small enough that a day's rows of a bucket are whole groups even in a lake of a few
million events, so a daily bulletin decodes its two days' groups and skips the others by
their minimum and maximum."""
MEMORY_LIMIT = "6GB"
"""DuckDB's memory while rebuilding, by default (it spills to the lake's staging folder beyond
it)."""
BATCH_PASS_EVENTS = 1_500_000
"""Events of an ingested batch merged per pass (a pass takes a group of buckets): a merge holds
its events and four kinds of rows at once, ~0.5 KB an event, and an upload runs beside the
server's other work."""

SCAN_SLICE_ROWS = 128 * 1024
"""Rows per record batch of an ingested batch as DuckDB scans it in place (one thread a batch)."""


def update_partials(lake: Path, new: pa.Table, batch: str) -> None:
    """Merge the batch's newly stored events (``new``, the contract's columns) into the
    partials, or rebuild them when they do not reflect the lake without this batch. Call
    under the lake's lock, after the batch's event files are in place."""
    manifest = read_manifest(lake)
    before = lake_batches(lake) - {batch}
    if manifest is None and not before and new.num_rows and not lake_retractions(lake):
        # The batch is the lake's first (no events, no retractions before it): its events are
        # all the lake's live events, so merging them into no partials builds the partials in
        # one pass over the batch in memory, not the rebuild's passes over the lake.
        manifest = _empty_manifest(frozenset())
    if (
        manifest is None
        or manifest.batches != before
        or manifest.retractions != lake_retractions(lake)
    ):
        rebuild_partials(lake)
        return
    if new.num_rows == 0:
        _write_manifest(lake, replace(manifest, batches=manifest.batches | {batch}))
        return
    batch_events = new.select(list(SCAN_EVENT_SCHEMA.names))
    # Each event's bucket, hashed once for all the passes and carried into the merge.
    bucketed = batch_events.append_column("bucket", _buckets_of(batch_events))
    chunks = _chunks(-(-new.num_rows // BATCH_PASS_EVENTS))
    for number, chunk in enumerate(chunks):
        # One connection a pass: DuckDB keeps what a pass's tables took until it is closed.
        # The pass's events are scanned where they lie (registered, not copied into DuckDB),
        # in slices that DuckDB's threads read in parallel.
        backend = _connect(lake, ibis.duckdb.connect())
        part = bucketed if len(chunks) == 1 else _in_buckets(bucketed, chunk)
        backend.con.register("batch_events", _in_slices(part))
        del part  # the connection holds the pass's events, and lets go of them when closed
        last = number == len(chunks) - 1
        events = backend.table("batch_events")
        manifest = _merge(lake, backend, events, manifest, batch, [batch] if last else [])
        backend.disconnect()


def _buckets_of(events: pa.Table) -> pa.Array:
    """[event] its parcel's bucket, hashed once for the batch: the passes split it by this
    column and merge with it."""
    backend = ibis.duckdb.connect()
    backend.con.register("batch_events", _in_slices(events.select(["carrier", "waybill"])))
    table = backend.table("batch_events")
    buckets = backend.to_pyarrow(table.select(bucket=bucket(table))).column(0)
    backend.disconnect()
    return buckets.combine_chunks()


def _in_buckets(events: pa.Table, buckets: tuple[str, ...]) -> pa.Table:
    """The events (with their ``bucket``) of those ``buckets``."""
    return events.filter(pc.is_in(events.column("bucket"), pa.array(buckets)))


def _in_slices(table: pa.Table) -> pa.Table:
    """``table`` cut into record batches of :data:`SCAN_SLICE_ROWS` (no copy): DuckDB reads a
    registered table's batches in parallel, and one batch of millions of rows on one thread."""
    return pa.Table.from_batches(table.to_batches(max_chunksize=SCAN_SLICE_ROWS), table.schema)


def rebuild_partials(lake: Path, *, groups: int = 2, memory_limit: str = MEMORY_LIMIT) -> None:
    """Every partial file made afresh from the lake's live (not retracted) events: the
    buckets in ``groups`` set-based passes over the lake (fewer passes, more memory), DuckDB
    within ``memory_limit`` (``"2GB"``; beyond it, it spills to disk). The manifest names the
    lake's batches only after the last pass: a rebuild cut short is rebuilt again."""
    manifest = _empty_manifest(lake_retractions(lake))
    batches = sorted(lake_batches(lake))
    if not batches:
        _write_manifest(lake, manifest)
        return
    engine = duckdb_engine(lake)
    backend = _connect(lake, engine.backend, memory_limit)
    events = engine.events
    tag = f"rebuild-{uuid4().hex[:8]}"
    chunks = _chunks(groups)
    for number, chunk in enumerate(chunks):
        last = number == len(chunks) - 1
        part = events if len(chunks) == 1 else events.filter(bucket(events).isin(list(chunk)))
        these = _store(backend, part.mutate(bucket=bucket(part)))
        manifest = _merge(lake, backend, these, manifest, tag, batches if last else [])
        backend.raw_sql(f'DROP TABLE IF EXISTS "{these.get_name()}"')


def _chunks(groups: int) -> list[tuple[str, ...]]:
    """The buckets in ``groups`` runs of consecutive buckets (one pass each)."""
    size = -(-len(BUCKETS) // max(1, min(groups, len(BUCKETS))))
    return [tuple(BUCKETS[start : start + size]) for start in range(0, len(BUCKETS), size)]


def _empty_manifest(retractions: frozenset[str]) -> Manifest:
    """The manifest of partials that reflect no batch (yet)."""
    return Manifest(
        files={kind: {} for kind in KINDS},
        nodes=None,
        node_hours=None,
        batches=frozenset(),
        retractions=retractions,
        latest_event=None,
        days=(),
    )


def _connect(lake: Path, backend: Any, memory_limit: str = MEMORY_LIMIT) -> Any:
    """The DuckDB connection set for a merge: bounded memory, spilling into the lake's
    staging folder, no progress bar, rows in any order (each file is sorted when written)."""
    staging = lake / STAGING_DIRECTORY
    staging.mkdir(parents=True, exist_ok=True)
    backend.raw_sql("SET enable_progress_bar = false")
    backend.raw_sql(f"SET memory_limit = '{memory_limit}'")
    backend.raw_sql(f"SET temp_directory = {_quoted(staging / 'duckdb-spill')}")
    backend.raw_sql("SET preserve_insertion_order = false")
    return backend


def _merge(
    lake: Path,
    backend: Any,
    these: ir.Table,
    manifest: Manifest,
    tag: str,
    batches: Iterable[str],
) -> Manifest:
    """Merge ``these`` events (each with its parcel's :func:`bucket`) into the stored rows of
    the buckets they touch, in one set-based query per kind of row over all the touched
    buckets; write each bucket's files, the node tables, then the manifest (returned)."""
    touched = sorted(backend.to_pyarrow(these.select("bucket").distinct()).column(0).to_pylist())
    root = partials_directory(lake)
    old = {kind: _old(backend, root, kind, manifest.files[kind], touched) for kind in KINDS}
    parcels = _store(backend, merge_parcels(_union(old["parcels"], parcel_rows(these))))
    stays = _store(backend, merge_stays(_union(old["stays"], stay_rows(these))))
    departures = _union(_base(old["departures"], DEPARTURE_BASE), departure_rows(these))
    accepts = _union(_base(old["accepts"], ACCEPT_BASE), accept_rows(these))
    rows = {
        "parcels": parcels,
        "stays": stays,
        "departures": _store(backend, complete_departures(departures, stays, parcels)),
        "accepts": _store(backend, complete_accepts(accepts, parcels)),
    }
    files = {kind: dict(manifest.files[kind]) for kind in KINDS}
    for kind, table in rows.items():
        for name in touched:
            ordered = table.filter(table.bucket == name).order_by(list(KINDS_SORT[kind]))
            file_name = f"{name}-{tag}.parquet"
            _copy(lake, backend, ordered, root / kind / file_name)
            files[kind][name] = file_name
    nodes_name = _node_tables(lake, backend, these, old["stays"], stays, manifest, tag)
    summary = backend.to_pyarrow(
        these.aggregate(latest=these.time.max().cast("timestamp('UTC', 6)"))
    )
    latest = summary.column("latest")[0].as_py()
    if manifest.latest_event is not None and (latest is None or manifest.latest_event > latest):
        latest = manifest.latest_event
    days = backend.to_pyarrow(
        these.select(day=(these.time + ibis.interval(hours=8)).date()).distinct()
    )
    found: set[date] = set(days.column("day").to_pylist()) | set(manifest.days)
    merged = Manifest(
        files=files,
        nodes=nodes_name[0],
        node_hours=nodes_name[1],
        batches=manifest.batches | frozenset(batches),
        retractions=manifest.retractions,
        latest_event=latest,
        days=tuple(sorted(found)),
    )
    _write_manifest(lake, merged)
    _remove_unlisted(lake)
    for table in rows.values():
        backend.raw_sql(f'DROP TABLE IF EXISTS "{table.get_name()}"')
    return merged


def _node_tables(
    lake: Path,
    backend: Any,
    events: ir.Table,
    old_stays: ir.Table | None,
    stays: ir.Table,
    manifest: Manifest,
    tag: str,
) -> tuple[str, str]:
    """Each node's carrier and the node-hour counts written afresh (their file names): the
    stored counts less the replaced stays' and plus the merged stays' (exact integer sums)."""
    root = partials_directory(lake)
    owners = node_owners(stay_rows(events))
    if manifest.nodes is not None:
        stored = backend.read_parquet(str(root / manifest.nodes)).cast(owners.schema())
        owners = ibis.union(owners, stored, distinct=False)
        owners = owners.group_by("node_id").aggregate(carrier=owners.carrier.min())
    parts: list[tuple[ir.Table, int]] = [(node_hour_rows(stays), 1)]
    if old_stays is not None:
        parts.append((node_hour_rows(old_stays), -1))
    if manifest.node_hours is not None:
        parts.append((backend.read_parquet(str(root / manifest.node_hours)), 1))
    hours = merge_node_hours(parts)
    suffix = f"{tag}-{uuid4().hex[:8]}.parquet"
    names = (f"nodes-{suffix}", f"node_hours-{suffix}")
    _copy(lake, backend, owners.order_by("node_id"), root / names[0])
    _copy(lake, backend, hours.order_by(["hour", "node_id"]), root / names[1], whole=True)
    return names


def _old(
    backend: Any, root: Path, kind: str, files: dict[str, str], buckets: list[str]
) -> ir.Table | None:
    """The stored rows of one kind in the touched buckets (None when there are none)."""
    paths = [str(root / kind / files[name]) for name in buckets if name in files]
    return backend.read_parquet(paths) if paths else None


def _base(table: ir.Table | None, columns: tuple[str, ...]) -> ir.Table | None:
    return None if table is None else table.select(*columns)


def _union(old: ir.Table | None, new: ir.Table) -> ir.Table:
    if old is None:
        return new
    return ibis.union(old.select(*new.columns).cast(new.schema()), new, distinct=False)


def _store(backend: Any, expression: ir.Table) -> ir.Table:
    """The expression's rows as a temporary table, read by the later steps of the merge."""
    name = f"partial_{uuid4().hex}"
    backend.raw_sql(f'CREATE TEMP TABLE "{name}" AS {backend.compile(expression)}')
    return backend.table(name)


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _copy(
    lake: Path, backend: Any, expression: ir.Table, target: Path, *, whole: bool = False
) -> None:
    """The expression's rows written by DuckDB as a Parquet file at ``target``, staged and
    flushed first (the lake's durable write). ``whole``: the counts (every column but the
    node) as 64-bit integers — DuckDB sums integers into 128-bit ones, which Parquet would
    store as floating point (Ibis drops a cast to the type it believes the sum has)."""
    staging = lake / STAGING_DIRECTORY
    staging.mkdir(parents=True, exist_ok=True)
    temporary = staging / f"partial-{uuid4().hex}.parquet.tmp"
    query = backend.compile(expression)
    if whole:
        columns = ", ".join(
            f'CAST("{name}" AS BIGINT) AS "{name}"' for name in NODE_HOUR_COLUMNS[1:]
        )
        query = f'SELECT "node_id", {columns} FROM ({query})'
    backend.raw_sql(
        f"COPY ({query}) TO {_quoted(temporary)} "
        f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
    )
    place(temporary, target)


def _write_manifest(lake: Path, manifest: Manifest) -> None:
    """The manifest replaced in one atomic rename (readers see the old files or the new)."""
    root = partials_directory(lake)
    root.mkdir(parents=True, exist_ok=True)
    staging = lake / STAGING_DIRECTORY
    staging.mkdir(parents=True, exist_ok=True)
    temporary = staging / f"manifest-{uuid4().hex}.json.tmp"
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(manifest.to_json(), handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    place(temporary, root / MANIFEST)


def _remove_unlisted(lake: Path) -> None:
    """Partial files the manifest no longer names (replaced by this merge or left by one that
    died): removed, under the lake's lock."""
    manifest = read_manifest(lake)
    if manifest is None:
        return
    root = partials_directory(lake)
    for kind in KINDS:
        listed = set(manifest.files[kind].values())
        for path in (root / kind).glob("*.parquet"):
            if path.name not in listed:
                path.unlink(missing_ok=True)
    for path in [*root.glob("nodes-*.parquet"), *root.glob("node_hours-*.parquet")]:
        if path.name not in {manifest.nodes, manifest.node_hours}:
            path.unlink(missing_ok=True)
