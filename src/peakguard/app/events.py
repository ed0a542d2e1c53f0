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
from peakguard.identity.territory import Reach
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


def json_location(index: int, field: str) -> str:
    return f"events[{index}].{field}"


def json_lines_location(index: int, field: str) -> str:
    return f"request line {index + 1}, field {field}"


def _outside_reach(
    events: pa.Table, scope: Reach, who: str, locate: Callable[[int, str], str]
) -> tuple[int, list[Problem]]:
    """How many events lie outside ``scope`` (another brand; for a provincial company, a
    parcel neither from nor to its province), and the first of them located."""
    if scope.everything or not events.num_rows:
        return 0, []
    carriers = events.column("carrier")
    if scope.carrier is not None:
        wrong = pc.not_equal(carriers, scope.carrier)
    else:
        wrong = pa.array([scope.nothing] * events.num_rows)
    if scope.prefix:
        inside = pc.or_(
            pc.starts_with(events.column("origin_region"), scope.prefix),
            pc.starts_with(events.column("destination_region"), scope.prefix),
        )
        wrong = pc.or_(wrong, pc.invert(inside))
    indices = pc.indices_nonzero(pc.fill_null(wrong, True)).to_pylist()
    problems = []
    for index in indices[:20]:
        found = carriers[index].as_py()
        if scope.carrier is not None and found != scope.carrier:
            message = _(
                "is {found}; {who} may send only {carrier} events",
                found=found,
                who=who,
                carrier=scope.carrier,
            )
            problems.append(Problem(locate(index, "carrier"), message))
        else:
            message = _(
                "is {found}: the parcel is neither from nor to the province of {who}",
                found=events.column("origin_region")[index].as_py(),
                who=who,
            )
            problems.append(Problem(locate(index, "origin_region"), message))
    return len(indices), problems


def ingest_events(
    store: Store,
    lake: Path,
    events: pa.Table,
    *,
    actor: Principal,
    source: str,
    locate: Callable[[int, str], str] = json_location,
) -> IngestReport:
    """Store each event of ``events`` once (a retried upload stores nothing new), and record
    the batch in the audit trail. A carrier sends only its own brand's events (a provincial
    company only its province's parcels): one event outside refuses the whole batch, each
    located (``locate`` names the field of a row index)."""
    require(actor, Permission.events_write)
    count, problems = _outside_reach(events, reach(actor), actor.label(), locate)
    if count:
        record(store, actor, "events.ingest", "event_batch", source[:200], outcome="denied")
        raise ForbiddenError(
            _(
                "{count} of the {total} events are outside what {who} may send; "
                "nothing was stored.",
                count=count,
                total=events.num_rows,
                who=actor.label(),
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
