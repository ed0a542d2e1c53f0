"""Keeping the event lake's partial aggregates (:mod:`peakguard.analytics.partials`) current.

Called by :func:`peakguard.store.event_lake.ingest` under the lake's lock after a batch's event
files are in place: the batch's new events are turned into rows, merged with the stored rows
of the buckets they touch (:data:`~peakguard.analytics.partials_lake.BUCKETS`), and each
touched bucket's files are written afresh (staged, flushed, renamed); the manifest is replaced
last. When the partials do not reflect the lake as it was before the batch (a lake made before
partials existed, a batch killed between its event files and its partials, a retraction since
the last ingest), they are rebuilt from every live event instead — the same rows by the merge's
construction, at the cost of one pass over the lake.
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
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from peakguard.analytics.engines import duckdb_engine
from peakguard.analytics.partials import (
    ACCEPT_BASE,
    DEPARTURE_BASE,
    KINDS_SORT,
    accept_rows,
    complete_accepts,
    complete_departures,
    departure_rows,
    merge_parcels,
    merge_stays,
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


def _bucket(table: ir.Table) -> ir.StringValue:
    """A parcel's bucket: the first hexadecimal digit of the MD5 of its carrier, U+001F and
    its waybill (MD5: the same digit on any engine and in any version)."""
    return (table.carrier + "\x1f" + table.waybill).hexdigest("md5").substr(0, 1)


def update_partials(lake: Path, new: pa.Table, batch: str) -> None:
    """Merge the batch's newly stored events (``new``, the contract's columns) into the
    partials, or rebuild them when they do not reflect the lake without this batch. Call
    under the lake's lock, after the batch's event files are in place."""
    manifest = read_manifest(lake)
    before = lake_batches(lake) - {batch}
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
    backend = ibis.duckdb.connect()
    backend.raw_sql("SET enable_progress_bar = false")
    events = backend.create_table("batch_events", new.select(list(SCAN_EVENT_SCHEMA.names)))
    _merge(lake, backend, events, manifest, batch, [batch])


def rebuild_partials(lake: Path, *, groups: int = 4) -> None:
    """Every partial file made afresh from the lake's live (not retracted) events, the buckets
    in ``groups`` passes over the lake (fewer passes, more memory). The manifest names the
    lake's batches only after the last pass: a rebuild cut short is rebuilt again."""
    manifest = Manifest(
        files={kind: {} for kind in KINDS},
        nodes=None,
        batches=frozenset(),
        retractions=lake_retractions(lake),
        latest_event=None,
        days=(),
    )
    batches = sorted(lake_batches(lake))
    if not batches:
        _write_manifest(lake, manifest)
        return
    engine = duckdb_engine(lake)
    events = engine.events
    tag = f"rebuild-{uuid4().hex[:8]}"
    size = -(-len(BUCKETS) // max(1, min(groups, len(BUCKETS))))
    chunks = [BUCKETS[start : start + size] for start in range(0, len(BUCKETS), size)]
    for number, chunk in enumerate(chunks):
        last = number == len(chunks) - 1
        part = events.filter(_bucket(events).isin(list(chunk)))
        manifest = _merge(lake, engine.backend, part, manifest, tag, batches if last else [])


def _merge(
    lake: Path,
    backend: Any,
    events: ir.Table,
    manifest: Manifest,
    tag: str,
    batches: Iterable[str],
) -> Manifest:
    """Merge ``events`` into the stored rows of the buckets they touch, all touched buckets in
    one query per kind of row; write each bucket's files, then the manifest (returned)."""
    bucketed = _store(backend, events.mutate(bucket=_bucket(events)))
    touched = sorted(backend.to_pyarrow(bucketed.select("bucket").distinct()).column(0).to_pylist())
    these = bucketed.drop("bucket")
    root = partials_directory(lake)
    old = {kind: _old(backend, root, kind, manifest.files[kind], touched) for kind in KINDS}
    parcels = _store(backend, merge_parcels(_union(old["parcels"], parcel_rows(these))))
    stays = _store(backend, merge_stays(_union(old["stays"], stay_rows(these))))
    departures = _union(_base(old["departures"], DEPARTURE_BASE), departure_rows(these))
    accepts = _union(_base(old["accepts"], ACCEPT_BASE), accept_rows(these))
    rows = {
        "parcels": parcels,
        "stays": stays,
        "departures": complete_departures(departures, stays, parcels),
        "accepts": complete_accepts(accepts, parcels),
    }
    files = {kind: dict(manifest.files[kind]) for kind in KINDS}
    for kind, expression in rows.items():
        stored = _store(backend, expression)
        table = backend.to_pyarrow(
            stored.mutate(bucket=_bucket(stored)).order_by(["bucket", *KINDS_SORT[kind]])
        )
        for bucket, part in _split(table, "bucket"):
            file_name = f"{bucket}-{tag}.parquet"
            _write(lake, part, root / kind / file_name)
            files[kind][bucket] = file_name
    owners = node_owners(stay_rows(events))
    if manifest.nodes is not None:
        stored = backend.read_parquet(str(root / manifest.nodes)).cast(owners.schema())
        owners = ibis.union(owners, stored, distinct=False)
        owners = owners.group_by("node_id").aggregate(carrier=owners.carrier.min())
    nodes_name = f"nodes-{tag}-{uuid4().hex[:8]}.parquet"
    _write(lake, backend.to_pyarrow(owners.order_by("node_id")), root / nodes_name)
    summary = backend.to_pyarrow(
        events.aggregate(latest=events.time.max().cast("timestamp('UTC', 6)"))
    )
    latest = summary.column("latest")[0].as_py()
    if manifest.latest_event is not None and (latest is None or manifest.latest_event > latest):
        latest = manifest.latest_event
    days = backend.to_pyarrow(
        events.select(day=(events.time + ibis.interval(hours=8)).date()).distinct()
    )
    found: set[date] = set(days.column("day").to_pylist()) | set(manifest.days)
    merged = Manifest(
        files=files,
        nodes=nodes_name,
        batches=manifest.batches | frozenset(batches),
        retractions=manifest.retractions,
        latest_event=latest,
        days=tuple(sorted(found)),
    )
    _write_manifest(lake, merged)
    _remove_unlisted(lake)
    return merged


def _split(table: pa.Table, column: str) -> list[tuple[str, pa.Table]]:
    """``table`` (sorted on ``column``) cut into its runs of one value, without the column."""
    values = table.column(column).to_numpy(zero_copy_only=False)
    data = table.drop_columns([column])
    if len(values) == 0:
        return []
    starts = [0, *(np.flatnonzero(values[1:] != values[:-1]) + 1).tolist()]
    ends = [*starts[1:], len(values)]
    return [
        (str(values[start]), data.slice(start, end - start))
        for start, end in zip(starts, ends, strict=True)
    ]


def _old(
    backend: Any, root: Path, kind: str, files: dict[str, str], buckets: list[str]
) -> ir.Table | None:
    """The stored rows of one kind in the touched buckets (None when there are none)."""
    paths = [str(root / kind / files[bucket]) for bucket in buckets if bucket in files]
    return backend.read_parquet(paths) if paths else None


def _base(table: ir.Table | None, columns: tuple[str, ...]) -> ir.Table | None:
    return None if table is None else table.select(*columns)


def _union(old: ir.Table | None, new: ir.Table) -> ir.Table:
    if old is None:
        return new
    return ibis.union(old.select(*new.columns).cast(new.schema()), new, distinct=False)


def _store(backend: Any, expression: ir.Table) -> ir.Table:
    """The expression's rows as a temporary table, read by the later steps of the bucket."""
    name = f"partial_{uuid4().hex}"
    backend.raw_sql(f'CREATE TEMP TABLE "{name}" AS {backend.compile(expression)}')
    return backend.table(name)


def _write(lake: Path, table: pa.Table, target: Path) -> None:
    """``table`` at ``target``, staged and flushed first (the lake's durable write)."""
    staging = lake / STAGING_DIRECTORY
    staging.mkdir(parents=True, exist_ok=True)
    temporary = staging / f"partial-{uuid4().hex}.parquet.tmp"
    pq.write_table(table, temporary, compression="zstd", row_group_size=256 * 1024)
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
    for path in root.glob("nodes-*.parquet"):
        if path.name != manifest.nodes:
            path.unlink(missing_ok=True)
