"""Scan events into the event lake (docs/reference/scan-events.md): every row checked before
anything is stored, each event stored exactly once however often it is sent."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from peakguard.app.access import reach, require
from peakguard.app.audit import record
from peakguard.errors import ForbiddenError, Problem
from peakguard.formats.scan_event_document import parse_event_lines, parse_events, read_event_files
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store
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


def json_location(index: int) -> str:
    return f"events[{index}].carrier"


def json_lines_location(index: int) -> str:
    return f"request line {index + 1}, field carrier"


def ingest_events(
    store: Store,
    lake: Path,
    events: pa.Table,
    *,
    actor: Principal,
    source: str,
    locate: Callable[[int], str] = json_location,
) -> IngestReport:
    """Store each event of ``events`` once (a retried upload stores nothing new), and record
    the batch in the audit trail. A carrier sends only its own brand's events: one event of
    another carrier's code refuses the whole batch (``locate`` names where, by row index)."""
    require(actor, Permission.events_write)
    carrier = reach(actor).carrier
    if carrier is not None and events.num_rows:
        foreign = pc.indices_nonzero(pc.not_equal(events.column("carrier"), carrier))
        if len(foreign):
            problems = [
                Problem(
                    locate(int(index.as_py())),
                    _(
                        "is {found}; {who} may send only {carrier} events",
                        found=events.column("carrier")[index.as_py()].as_py(),
                        who=actor.label(),
                        carrier=carrier,
                    ),
                )
                for index in foreign[:20]
            ]
            record(store, actor, "events.ingest", "event_batch", source[:200], outcome="denied")
            raise ForbiddenError(
                _(
                    "{count} of the {total} events are another carrier's; nothing was stored.",
                    count=len(foreign),
                    total=events.num_rows,
                ),
                problems,
            )
    report = ingest(lake, events, source=source[:SOURCE_LENGTH])
    record(
        store,
        actor,
        "events.ingest",
        "event_batch",
        report.batch,
        detail={"received": report.received, "stored": report.stored, "source": source[:200]},
    )
    return report
