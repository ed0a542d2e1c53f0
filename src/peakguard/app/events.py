"""Scan events into the event lake (docs/reference/scan-events.md): every row checked before
anything is stored, each event stored exactly once however often it is sent, and withdrawn
only by an audited retraction (never deleted)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import acero

from peakguard.app.access import reach, require
from peakguard.app.audit import record
from peakguard.app.hold_scans import check_ingested
from peakguard.config import Settings
from peakguard.domain.text import hidden_character, normalise
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.scan_event_document import parse_event_lines, parse_events, read_event_files
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.identity.territory import Reach
from peakguard.store.database import Store, transaction
from peakguard.store.event_files import KEY_SCHEMA
from peakguard.store.event_lake import IngestReport, ingest, stored_acceptances
from peakguard.store.event_network import RegisteredPlaces, registered_places
from peakguard.store.event_retraction import Retraction, retract

SOURCE_LENGTH = 500
"""Characters of the batch's source (file names) kept in the lake's batch log."""
REASON_LENGTH = 500
"""Characters a retraction's reason may have."""
BATCH_PATTERN = r"[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}"
"""A batch id as ingest makes it: the UTC time to the microsecond, then 8 hex digits."""


def read_event_file_table(
    files: Sequence[Path], *, limits: InputLimits = DEFAULT_LIMITS
) -> pa.Table:
    """The events of scan-event files (.csv, .csv.gz, .parquet, .jsonl), all files checked
    and every bad row located before anything is returned."""
    return read_event_files(list(files), limits=limits)


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


def _inside(events: pa.Table, scope: Reach) -> pa.Array:
    """Which events (rows with ``carrier`` and the regions) lie within ``scope``."""
    if scope.everything:
        return pa.array([True] * events.num_rows)
    carriers = events.column("carrier")
    if scope.carrier is not None:
        inside = pc.equal(carriers, scope.carrier)
    else:
        inside = pa.array([not scope.nothing] * events.num_rows)
    if scope.prefix:
        in_province = pc.or_(
            pc.starts_with(events.column("origin_region"), scope.prefix),
            pc.starts_with(events.column("destination_region"), scope.prefix),
        )
        inside = pc.and_(inside, in_province)
    return pc.fill_null(inside, False)


def _outside_reach(
    events: pa.Table, scope: Reach, who: str, locate: Callable[[int, str], str]
) -> tuple[int, list[Problem]]:
    """How many events lie outside ``scope`` (another brand; for a provincial company, a
    parcel neither from nor to its province), and the first of them located."""
    if scope.everything or not events.num_rows:
        return 0, []
    carriers = events.column("carrier")
    wrong = pc.invert(_inside(events, scope))
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


@dataclass(frozen=True)
class EventChecks:
    """How ingest checks a batch against the registered networks and the clock
    (``PEAKGUARD_INGEST_FUTURE_HOURS``, ``PEAKGUARD_INGEST_QUARANTINE``)."""

    future_hours: float = 1.0
    """An event later than now plus this many hours is refused: a scanner's clock is wrong."""
    quarantine: bool = False
    """False: a batch with a refused event stores nothing (each located). True: the refused
    events are held in the lake's quarantine with their reasons and the rest stored."""

    @classmethod
    def of(cls, settings: Settings) -> EventChecks:
        return cls(settings.ingest_future_hours, settings.ingest_quarantine)


@dataclass(frozen=True)
class Finding:
    """One reason an event does not fit: its row (0-based in the batch), the field, a code
    (``unknown_carrier``, ``unknown_node``, ``future_time``, ``before_acceptance``) and what
    to tell the sender."""

    row: int
    field: str
    reason: str
    message: Message


def event_findings(
    events: pa.Table,
    places: RegisteredPlaces,
    acceptances: pa.Table,
    *,
    now: datetime,
    future_hours: float,
) -> list[Finding]:
    """Every event of ``events`` that does not fit, in row order: a carrier or a node in no
    registered network (checked only when some network is registered), a time more than
    ``future_hours`` past ``now``, or a time before its parcel's acceptance (the earliest
    ``accept`` of the carrier's waybill in the batch or in ``acceptances``, those stored)."""
    found: list[Finding] = []
    if events.num_rows == 0:
        return found
    carriers, nodes = events.column("carrier"), events.column("node_id")
    if places.any_network:
        known = pa.array(sorted(places.carriers), pa.string())
        for row in _rows(pc.invert(pc.is_in(carriers, value_set=known))):
            value = carriers[row].as_py()
            message = _("{carrier} is the carrier of no registered network", carrier=value)
            found.append(Finding(row, "carrier", "unknown_carrier", message))
        known = pa.array(sorted(places.nodes), pa.string())
        for row in _rows(pc.invert(pc.is_in(nodes, value_set=known))):
            message = _("{node} is a node of no registered network", node=nodes[row].as_py())
            found.append(Finding(row, "node_id", "unknown_node", message))
    times = events.column("time")
    latest = now.astimezone(UTC) + timedelta(hours=future_hours)
    for row in _rows(pc.greater(times, pa.scalar(latest, times.type))):
        message = _(
            "{time} is later than now ({now}) plus {hours} hours: the scanner's clock is wrong",
            time=times[row].as_py().isoformat(),
            now=now.astimezone(UTC).isoformat(timespec="seconds"),
            hours=f"{future_hours:g}",
        )
        found.append(Finding(row, "time", "future_time", message))
    for row, accepted in _before_acceptance(events, acceptances):
        message = _(
            "{time} is before the parcel's acceptance at {accepted}",
            time=times[row].as_py().isoformat(),
            accepted=accepted.isoformat(),
        )
        found.append(Finding(row, "time", "before_acceptance", message))
    found.sort(key=lambda item: item.row)
    return found


def _rows(mask: pa.Array | pa.ChunkedArray) -> list[int]:
    rows: list[int] = pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()
    return rows


CHECK_SLICE_ROWS = 1 << 20
"""Events joined to their parcels' acceptances at a time (each slice's join holds its own)."""


def _before_acceptance(events: pa.Table, stored: pa.Table) -> list[tuple[int, datetime]]:
    """(row, acceptance) of each non-accept event earlier than its parcel's acceptance.

    The events are joined to their parcels' acceptances a slice at a time, each join filtered
    as it streams, so only the early rows are kept, not every event with its acceptance and
    key (the demo's 3.7 M events: 0.15 GB at most instead of 0.31 GB)."""
    keyed = events.select(["carrier", "waybill", "time"])
    accepts = keyed.filter(pc.equal(events.column("event"), "accept"))
    batch = accepts.group_by(["carrier", "waybill"]).aggregate([("time", "min")])
    batch = batch.rename_columns(["carrier", "waybill", "accepted_at"]).cast(stored.schema)
    both = pa.concat_tables([batch, stored]).group_by(["carrier", "waybill"])
    first = both.aggregate([("accepted_at", "min")]).rename_columns(
        ["carrier", "waybill", "accepted_at"]
    )
    if first.num_rows == 0:
        return []
    rows = pa.array(np.arange(events.num_rows, dtype=np.int64))
    keyed = keyed.append_column("event", events.column("event")).append_column("row", rows)
    hits = pa.concat_tables(
        _early(keyed.slice(start, CHECK_SLICE_ROWS), first)
        for start in range(0, events.num_rows, CHECK_SLICE_ROWS)
    ).sort_by("row")
    return list(
        zip(
            hits.column("row").to_pylist(),
            hits.column("accepted_at").to_pylist(),
            strict=True,
        )
    )


def _early(events: pa.Table, first: pa.Table) -> pa.Table:
    """``row, accepted_at`` of the non-accept ``events`` (``carrier, waybill, time, event,
    row``) earlier than their parcel's acceptance in ``first``."""
    key = ["carrier", "waybill"]
    joined = acero.Declaration(
        "hashjoin",
        acero.HashJoinNodeOptions(
            "inner",
            left_keys=key,
            right_keys=key,
            left_output=["row", "event", "time"],
            right_output=["accepted_at"],
        ),
        inputs=[
            acero.Declaration("table_source", acero.TableSourceNodeOptions(events)),
            acero.Declaration("table_source", acero.TableSourceNodeOptions(first)),
        ],
    )
    early = (pc.field("event") != "accept") & (pc.field("time") < pc.field("accepted_at"))
    kept = acero.ProjectNodeOptions(
        [pc.field("row"), pc.field("accepted_at")], ["row", "accepted_at"]
    )
    plan = acero.Declaration.from_sequence(
        [
            joined,
            acero.Declaration("filter", acero.FilterNodeOptions(early)),
            acero.Declaration("project", kept),
        ]
    )
    return plan.to_table(use_threads=True)


def held_events(events: pa.Table, findings: Sequence[Finding]) -> pa.Table:
    """The events with a finding, each once, with ``refused_row`` (1-based in the batch),
    ``refused_field``, ``refused_reason`` and ``refused_message`` (English), several findings
    of one event joined by ``; ``."""
    by_row: dict[int, list[Finding]] = {}
    for item in findings:
        by_row.setdefault(item.row, []).append(item)
    rows = sorted(by_row)
    held = events.take(pa.array(rows, pa.int64()))
    columns = {
        "refused_row": pa.array([row + 1 for row in rows], pa.int64()),
        "refused_field": pa.array(["; ".join(f.field for f in by_row[row]) for row in rows]),
        "refused_reason": pa.array(["; ".join(f.reason for f in by_row[row]) for row in rows]),
        "refused_message": pa.array(
            ["; ".join(render(f.message, "en") for f in by_row[row]) for row in rows]
        ),
    }
    for name, column in columns.items():
        held = held.append_column(name, column)
    return held


def check_events(
    store: Store,
    lake: Path,
    events: pa.Table,
    *,
    now: datetime | None = None,
    future_hours: float = EventChecks.future_hours,
) -> tuple[list[Finding], bool]:
    """The findings of ``events`` against the registered networks (looked up once for the
    batch), the clock and the acceptances, and whether any network is registered."""
    with transaction(store.sessions) as session:
        places = registered_places(
            session,
            events.column("carrier").unique().to_pylist(),
            events.column("node_id").unique().to_pylist(),
        )
    moment = now if now is not None else datetime.now(UTC)
    found = event_findings(
        events,
        places,
        stored_acceptances(lake, events),
        now=moment,
        future_hours=future_hours,
    )
    return found, places.any_network


def ingest_events(
    store: Store,
    lake: Path,
    events: pa.Table,
    *,
    actor: Principal,
    source: str,
    locate: Callable[[int, str], str] = json_location,
    checks: EventChecks | None = None,
    now: datetime | None = None,
) -> IngestReport:
    """Store each event of ``events`` once (a retried upload stores nothing new), and record
    the batch in the audit trail. A carrier sends only its own brand's events (a provincial
    company only its province's parcels): one event outside refuses the whole batch, each
    located (``locate`` names the field of a row index). Each event is checked against the
    registered networks, the clock (``now``) and its parcel's acceptance (``checks``); one
    that does not fit refuses the batch, located, or with ``checks.quarantine`` is held in
    the lake's quarantine with its reason while the rest is stored."""
    require(actor, Permission.events_write)
    checks = checks or EventChecks()
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
    findings, network_checked = check_events(
        store, lake, events, now=now, future_hours=checks.future_hours
    )
    held = None
    if findings and not checks.quarantine:
        raise _not_fitting(findings, events.num_rows, locate)
    if findings:
        held = held_events(events, findings)
        refused = {item.row for item in findings}
        events = events.filter(pa.array([row not in refused for row in range(events.num_rows)]))
    report = ingest(lake, events, source=source[:SOURCE_LENGTH], held=held)
    report = replace(report, network_checked=network_checked)
    check_ingested(store, events)  # stop-sort holds: one look-up per batch; never raises
    record(
        store,
        actor,
        "events.ingest",
        "event_batch",
        report.batch,
        detail={
            "received": report.received,
            "stored": report.stored,
            "quarantined": report.quarantined,
            "source": source[:200],
        },
    )
    return report


def _not_fitting(
    findings: Sequence[Finding], total: int, locate: Callable[[int, str], str]
) -> InvalidInputError:
    events = len({item.row for item in findings})
    return InvalidInputError(
        _(
            "{count} of the {total} events do not fit the registered networks or the clock; "
            "nothing was stored.",
            count=events,
            total=total,
        ),
        [Problem(locate(item.row, item.field), item.message) for item in findings[:200]],
        total=len(findings),
    )


def retraction_location(index: int, field: str) -> str:
    return f"keys[{index}].{field}"


def retraction_keys(
    records: Sequence[Mapping[str, Any]],
    *,
    locate: Callable[[int, str], str] = retraction_location,
) -> pa.Table:
    """The keys of events to retract (``carrier``, ``waybill``, ``event``, ``node_id`` and an
    aware ``time``), spelled as ingest stores them: NFKC, the carrier upper case, the event
    lower case, the time in UTC. A hidden character is refused, located."""
    columns: dict[str, list[Any]] = {name: [] for name in KEY_SCHEMA.names}
    problems: list[Problem] = []
    for index, item in enumerate(records):
        for name in ("carrier", "waybill", "event", "node_id"):
            value = normalise(str(item[name]))
            hidden = hidden_character(value)
            if hidden is not None:
                problems.append(Problem(locate(index, name), _invisible(hidden)))
            if name == "carrier":
                value = value.upper()
            elif name == "event":
                value = value.lower()
            columns[name].append(value)
        moment: datetime = item["time"]
        if moment.tzinfo is None:
            problems.append(Problem(locate(index, "time"), _("needs a time zone")))
            moment = moment.replace(tzinfo=UTC)
        columns["time"].append(moment.astimezone(UTC))
    if problems:
        raise InvalidInputError(_("The events to retract have mistakes."), problems)
    return pa.table(columns, schema=KEY_SCHEMA)


def retract_events(
    store: Store,
    lake: Path,
    *,
    actor: Principal,
    reason: str,
    batch: str | None = None,
    keys: pa.Table | None = None,
    locate: Callable[[int, str], str] = retraction_location,
) -> Retraction:
    """Withdraw stored events — those of ``batch``, those with the given ``keys``, or those of
    ``batch`` with the keys — by a retraction recorded in the lake and in the audit trail; the
    events themselves are never deleted. A carrier retracts only events it may send (its brand,
    a provincial company its province's parcels): a key of another brand is refused, located;
    a key matching no stored event it may retract refuses the whole retraction. Retracting
    again what is already retracted changes nothing (``retracted`` 0)."""
    require(actor, Permission.events_write)
    text = normalise(reason)
    problems = _reason_problems(text)
    if batch is not None and not re.fullmatch(BATCH_PATTERN, batch):
        problems.append(
            Problem("batch", _("is not a batch id such as 20261111T083000123456Z-1a2b3c4d"))
        )
    if batch is None and keys is None:
        problems.append(Problem("batch", _("name a batch, the events to retract, or both")))
    if keys is not None and keys.num_rows == 0:
        problems.append(Problem("keys", _("is empty: name at least one event to retract")))
    if problems:
        raise InvalidInputError(_("The retraction has mistakes."), problems)
    scope = reach(actor)
    if keys is not None:
        _refuse_other_brands(store, actor, keys, scope, locate)
    within = None if scope.everything else (lambda rows: _inside(rows, scope))
    done = retract(lake, actor=actor.label(), reason=text, batch=batch, keys=keys, within=within)
    if done.missing:
        raise InvalidInputError(
            _(
                "{count} of the events to retract are not stored events that {who} may "
                "retract; nothing was retracted.",
                count=len(done.missing),
                who=actor.label(),
            ),
            [
                Problem(locate(index, "waybill"), _("matches no stored event"))
                for index in done.missing[:200]
            ],
        )
    if done.found == 0:
        raise NotFoundError(
            _(
                "Batch {batch} has no stored event that {who} may retract.",
                batch=batch or "",
                who=actor.label(),
            )
        )
    record(
        store,
        actor,
        "events.retract",
        "event_retraction",
        done.id if done.retracted else f"{batch or ''}",
        detail={
            "retracted": done.retracted,
            "already_retracted": len(done.already_retracted),
            "batch": batch,
            "batches": done.batches[:20],
            "reason": text[:200],
        },
    )
    return done


def _invisible(described: str) -> Message:
    """``described``: the character as :func:`~peakguard.domain.text.hidden_character` names it."""
    return _("contains {character}, which cannot be seen", character=described)


def _reason_problems(reason: str) -> list[Problem]:
    if not reason:
        return [Problem("reason", _("is required: say why the events are withdrawn"))]
    if len(reason) > REASON_LENGTH:
        return [Problem("reason", _("has more than {count} characters", count=REASON_LENGTH))]
    hidden = hidden_character(reason, allow_tab=True)
    if hidden is not None:
        return [Problem("reason", _invisible(hidden))]
    return []


def _refuse_other_brands(
    store: Store,
    actor: Principal,
    keys: pa.Table,
    scope: Reach,
    locate: Callable[[int, str], str],
) -> None:
    """Refuse (403, audited) keys of a brand ``actor`` may not retract."""
    if scope.everything:
        return
    carriers = keys.column("carrier")
    if scope.carrier is None:
        wrong = list(range(keys.num_rows))
    else:
        wrong = pc.indices_nonzero(pc.not_equal(carriers, scope.carrier)).to_pylist()
    if not wrong:
        return
    record(store, actor, "events.retract", "event_retraction", "", outcome="denied")
    raise ForbiddenError(
        _(
            "{count} of the events to retract are outside what {who} may retract; nothing "
            "was retracted.",
            count=len(wrong),
            who=actor.label(),
        ),
        [
            Problem(
                locate(index, "carrier"),
                _(
                    "is {found}; {who} may retract only {carrier} events",
                    found=carriers[index].as_py(),
                    who=actor.label(),
                    carrier=scope.carrier or "-",
                ),
            )
            for index in wrong[:20]
        ],
    )
