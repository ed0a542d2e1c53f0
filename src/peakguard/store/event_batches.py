"""The lake's batch log, ``<lake>/batches.jsonl``: one JSON line per stored batch.

The event files are the truth and the log is their index. A batch killed after its files were
renamed into place but before its line was appended has no line; a line cut short by a crash is
not JSON. So the reader tolerates both: a line that is not a JSON object is skipped and reported
(:attr:`BatchLog.damaged`), and every batch whose files hold events but which the log does not
name is added, recounted from its files (:attr:`BatchLog.recovered`, ``"recovered": true``).
The counts of events stored are therefore right after any crash. :func:`repair_batch_log`,
run under the lake's lock by each ingest, cuts a torn last line and appends the recovered
batches' lines, so the file itself becomes whole again.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from peakguard.store.event_files import batch_of, event_paths

BATCH_LOG = "batches.jsonl"

SOURCE_METADATA = b"peakguard.source"
TIME_METADATA = b"peakguard.time"
"""Keys of the Parquet file metadata ingest writes into every event file, so a batch whose log
line was lost can still say where it came from and when."""


@dataclass(frozen=True)
class BatchLog:
    """The batches stored in a lake, oldest first, and what the reader had to mend."""

    entries: list[dict[str, Any]]
    damaged: list[int] = field(default_factory=list)
    """Line numbers (from 1) of ``batches.jsonl`` that were not a whole JSON object."""
    recovered: list[str] = field(default_factory=list)
    """Batches found in the event files but missing from the log (a crash between the two)."""


def log_batch(lake: Path, entry: Mapping[str, Any]) -> None:
    """Append ``entry`` as one line, flushed to disk (call under the lake's lock)."""
    with (lake / BATCH_LOG).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(dict(entry), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_batch_log(lake: Path) -> BatchLog:
    """The stored batches (see the module's docstring); never raises for a damaged line."""
    entries: list[dict[str, Any]] = []
    damaged: list[int] = []
    path = lake / BATCH_LOG
    if path.exists():
        for number, line in enumerate(path.read_bytes().split(b"\n"), start=1):
            if not line.strip():
                continue
            entry = _entry(line)
            if entry is None:
                damaged.append(number)
            else:
                entries.append(entry)
    logged = {str(entry.get("batch")) for entry in entries}
    missing = _recount(lake, logged)
    entries.extend(missing)
    return BatchLog(entries, damaged, [str(entry["batch"]) for entry in missing])


def batch_log(lake: Path) -> list[dict[str, Any]]:
    """The stored batches, oldest first, as :func:`read_batch_log` finds them."""
    return read_batch_log(lake).entries


def repair_batch_log(lake: Path) -> BatchLog:
    """Make ``batches.jsonl`` whole (call under the lake's lock): a torn last line is cut off,
    and a line is appended for each batch found only in the event files. Returns what the
    reader found before the repair."""
    found = read_batch_log(lake)
    path = lake / BATCH_LOG
    if path.exists():
        content = path.read_bytes()
        end = content.rfind(b"\n") + 1
        if end < len(content):
            with path.open("r+b") as handle:
                handle.truncate(end)
                handle.flush()
                os.fsync(handle.fileno())
    for entry in found.entries:
        if str(entry["batch"]) in found.recovered:
            log_batch(lake, entry)
    return found


def _entry(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) and "batch" in value else None


def _recount(lake: Path, logged: set[str]) -> list[dict[str, Any]]:
    """An entry for each batch with event files but no line, counted from its files."""
    files: dict[str, list[Path]] = defaultdict(list)
    for path in event_paths(lake):
        batch = batch_of(path)
        if batch not in logged:
            files[batch].append(path)
    recovered = []
    for batch in sorted(files):
        metadata = pq.read_metadata(files[batch][0])
        extra = metadata.metadata or {}
        stored = sum(pq.read_metadata(path).num_rows for path in files[batch])
        recovered.append(
            {
                "time": _text(extra.get(TIME_METADATA)) or _time_of(batch),
                "source": _text(extra.get(SOURCE_METADATA)),
                "batch": batch,
                "received": None,
                "duplicates_in_batch": None,
                "already_stored": None,
                "stored": stored,
                "partitions": len(files[batch]),
                "recovered": True,
            }
        )
    return recovered


def _text(value: bytes | None) -> str:
    return value.decode("utf-8", "replace") if value else ""


def _time_of(batch: str) -> str:
    """The time in a batch id (``20261111T083000123456Z-…``), ISO; empty if it has none."""
    try:
        moment = datetime.strptime(batch.split("-", maxsplit=1)[0], "%Y%m%dT%H%M%S%fZ").replace(
            tzinfo=UTC
        )
    except ValueError:
        return ""
    return moment.replace(tzinfo=UTC).isoformat(timespec="seconds")
