"""Scan events into the event lake (docs/reference/scan-events.md): every row checked before
anything is stored, each event stored exactly once however often it is sent, and withdrawn
only by an audited retraction (never deleted)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from peakguard.app.access import reach, require
from peakguard.app.audit import record
from peakguard.app.hold_scans import check_ingested
from peakguard.domain.text import hidden_character, normalise
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.scan_event_document import parse_event_lines, parse_events, read_event_files
from peakguard.i18n import Message, _
from peakguard.identity.model import Permission, Principal
from peakguard.identity.territory import Reach
from peakguard.store.database import Store
from peakguard.store.event_files import KEY_SCHEMA
from peakguard.store.event_lake import IngestReport, ingest
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
    check_ingested(store, events)  # stop-sort holds: one look-up per batch; never raises
    record(
        store,
        actor,
        "events.ingest",
        "event_batch",
        report.batch,
        detail={"received": report.received, "stored": report.stored, "source": source[:200]},
    )
    return report


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
