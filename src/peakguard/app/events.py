"""Scan events into the event lake (docs/reference/scan-events.md): every row checked before
anything is stored, each event stored exactly once however often it is sent."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from peakguard.formats.scan_event_document import parse_event_lines, parse_events, read_event_files
from peakguard.store.event_lake import IngestReport, ingest

SOURCE_LENGTH = 500
"""Characters of the batch's source (file names) kept in the lake's batch log."""


def read_event_file_table(files: Sequence[Path]) -> pa.Table:
    """The events of scan-event files (.csv, .csv.gz, .parquet, .jsonl), all files checked
    and every bad row located before anything is returned."""
    return read_event_files(list(files))


def parse_event_records(records: Sequence[Any], *, source: str = "events") -> pa.Table:
    """The events of JSON objects, mistakes located as ``events[3].time``."""
    return parse_events(list(records), source=source)


def parse_event_json_lines(body: bytes, *, source: str = "request") -> pa.Table:
    """The events of JSON lines, mistakes located as ``request line 4, field time``."""
    return parse_event_lines(body, source=source)


def ingest_events(lake: Path, events: pa.Table, *, source: str) -> IngestReport:
    """Store each event of ``events`` once (a retried upload stores nothing new)."""
    return ingest(lake, events, source=source[:SOURCE_LENGTH])
