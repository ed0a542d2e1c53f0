"""Violations of stop-sort holds found in the scan events: at ingest, by the sweep over the
lake's new batches, and in the lake when a hold is placed.

A violation is a movement scan (``hold_rules.toml`` ``[scans] movement``) of a held waybill
after the hold's moment and before its release; an ``exception`` scan (the carrier recording
the stop) is not one. Each is recorded once (a unique row on the hold, the waybill and the
scan's key), audited, and alerts the carrier's company and the regulator office of the hold's
territory (one alert per office, hold and waybill, however many scans follow).

- :func:`check_ingested` runs inside ``ingest_events``: one query for the held waybills of the
  whole batch, then a vectorised filter of the batch; it never raises (a failure is logged and
  the sweep finds the scans later).
- :func:`sweep_holds` reads the lake's batches it has not examined yet (catch-up after any
  downtime), records what it finds and marks the batches examined; two sweeps at once record
  each violation once.
- :func:`scan_lake_for_hold` reads the lake for a hold just placed (scans already stored after
  its moment), after the hold is committed, so that no batch falls between it and the sweep.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from sqlalchemy.orm import Session

from peakguard.app.alerts import raise_alert
from peakguard.app.audit import record_in
from peakguard.app.context import event_lake
from peakguard.app.incidents import regional_office
from peakguard.cases.holds import hold_rules, is_violation, scan_label
from peakguard.config import Settings
from peakguard.domain.scans import SCAN_EVENT_SCHEMA, china_day
from peakguard.i18n import _
from peakguard.identity.model import LOCAL_ADMINISTRATOR, Principal
from peakguard.identity.territory import region_prefix
from peakguard.store import holds as stored
from peakguard.store.database import Store, transaction
from peakguard.store.event_files import (
    BATCH,
    batch_of,
    event_paths,
    retracted_keys,
    without_retracted,
)
from peakguard.store.holds import HeldWaybill, Scan

LOG = logging.getLogger(__name__)

RELEASED_LOOKBACK = timedelta(days=30)
"""A hold released this recently still catches scans made while it held that reach the lake
late; older releases are no longer looked at."""
COLUMNS = ("waybill", "carrier", "event", "node_id", "time")
_DAY = re.compile(r"day=(\d{4}-\d{2}-\d{2})")

HOLD_WATCH = Principal(
    name="holds",
    organisation=LOCAL_ADMINISTRATOR.organisation,
    permissions=LOCAL_ADMINISTRATOR.permissions,
    channel=LOCAL_ADMINISTRATOR.channel,
    roles=("system",),
)
"""Who the audit trail names for violations the system found."""


def violations_in(events: pa.Table, held: Sequence[HeldWaybill]) -> list[tuple[HeldWaybill, Scan]]:
    """The (held waybill, scan) pairs of ``events`` that break a hold."""
    if not held or events.num_rows == 0:
        return []
    movement = hold_rules().movement
    waybills = pa.array(sorted({item.waybill for item in held}), pa.string())
    mask = pc.and_(
        pc.is_in(events.column("waybill"), value_set=waybills),
        pc.is_in(events.column("event"), value_set=pa.array(sorted(movement), pa.string())),
    )
    rows = events.filter(pc.fill_null(mask, False)).select(list(COLUMNS)).to_pylist()
    by_key: dict[tuple[str, str], list[HeldWaybill]] = defaultdict(list)
    for item in held:
        by_key[(item.carrier, item.waybill)].append(item)
    found = []
    for row in rows:
        for item in by_key.get((row["carrier"], row["waybill"]), []):
            scan = Scan(row["carrier"], row["waybill"], row["event"], row["node_id"], row["time"])
            if is_violation(
                scan.event,
                scan.scanned_at,
                held_from=item.held_from,
                released_at=item.released_at,
                movement=movement,
            ):
                found.append((item, scan))
    return found


def record_violations(
    session: Session,
    store: Store,
    pairs: Iterable[tuple[HeldWaybill, Scan]],
    *,
    now: datetime,
    by: str,
) -> int:
    """Keep each violation once, audit it and alert the carrier and the regulator; how many
    were new."""
    created = 0
    for item, scan in pairs:
        violation = stored.insert_violation_once(session, item.hold_id, scan, at=now, by=by)
        if violation is None:
            continue
        created += 1
        record_in(
            session,
            store,
            HOLD_WATCH,
            "hold.violation",
            "hold",
            str(item.hold_id),
            detail={
                "violation": violation,
                "carrier": scan.carrier,
                "event": scan.event,
                "node": scan.node_id,
                "scanned_at": scan.scanned_at.isoformat(),
                "found_by": by,
            },
            at=now,
        )
        _alert(session, item, scan, now)
    return created


def _alert(session: Session, item: HeldWaybill, scan: Scan, now: datetime) -> None:
    offices = [
        carrier_company(session, item.carrier, item.region),
        regional_office(session, item.region),
    ]
    for office in dict.fromkeys(office for office in offices if office is not None):
        raise_alert(
            session,
            organisation_id=office,
            kind="hold.violation",
            subject=f"hold:{item.hold_id}",
            summary=_(
                "Stop-sort hold HOLD-{hold} broken: {carrier} waybill {waybill} was scanned "
                "({event}) at {node} at {scanned_at}, after the hold.",
                hold=item.hold_id,
                carrier=scan.carrier,
                waybill=scan.waybill,
                event=scan_label(scan.event),
                node=scan.node_id,
                scanned_at=scan.scanned_at,
            ),
            raised_at=now,
            dedupe_key=f"hold.violation:{item.hold_id}:{scan.carrier}:{scan.waybill}:{office}",
        )


def carrier_company(session: Session, carrier: str, region: str) -> int | None:
    """The brand's company for ``region``: its provincial company, else its headquarters."""
    best: tuple[int, int] | None = None
    for organisation_id, _code, company_region in stored.carrier_companies(session, carrier):
        prefix = region_prefix(company_region, None) if company_region else ""
        if region.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), organisation_id)
    return None if best is None else best[1]


def check_ingested(store: Store, events: pa.Table, *, now: datetime | None = None) -> int:
    """The ingest hook: record the violations among a batch just stored; never raises."""
    moment = now or datetime.now(UTC)
    try:
        with transaction(store.sessions) as session:
            held = stored.held_waybills(session, released_since=moment - RELEASED_LOOKBACK)
            if not held:
                return 0
            pairs = violations_in(events, held)
            return record_violations(session, store, pairs, now=moment, by="ingest") if pairs else 0
    except Exception:  # ingest must never fail because of the holds; the sweep catches up
        LOG.exception("checking an ingested batch against the stop-sort holds failed")
        return 0


def _file_day(path: Path) -> date | None:
    found = _DAY.search(str(path))
    return date.fromisoformat(found.group(1)) if found else None


def _read(lake: Path, files: Sequence[Path], waybills: Sequence[str]) -> pa.Table:
    """The events of ``files`` for ``waybills`` (the retracted ones left out)."""
    schema = SCAN_EVENT_SCHEMA
    if not files or not waybills:
        return schema.empty_table().select(list(COLUMNS))
    dataset = ds.dataset([str(path) for path in files], schema=schema, format="parquet")
    wanted = ds.field("waybill").isin(pa.array(sorted(set(waybills)), pa.string()))
    table = dataset.to_table(columns=[*COLUMNS, "__filename"], filter=wanted)
    batches = [batch_of(name) for name in table.column("__filename").to_pylist()]
    table = table.drop_columns(["__filename"]).append_column(BATCH, pa.array(batches, pa.string()))
    retracted = retracted_keys(lake)
    if retracted.num_rows:
        table = without_retracted(table, retracted)
    return table.select(list(COLUMNS))


def sweep_holds(store: Store, settings: Settings, now: datetime | None = None) -> int:
    """Record the violations in the lake's batches not examined yet; how many were new."""
    moment = now or datetime.now(UTC)
    lake = event_lake(settings)
    with transaction(store.sessions) as session:
        held = stored.held_waybills(session, released_since=moment - RELEASED_LOOKBACK)
        swept = stored.swept_batches(session)
    files: dict[str, list[Path]] = defaultdict(list)
    for path in event_paths(lake):
        files[batch_of(path)].append(path)
    new = {batch: paths for batch, paths in files.items() if batch not in swept}
    if not new:
        return 0
    earliest = min((china_day(item.held_from) for item in held), default=None)
    wanted = [
        path
        for paths in new.values()
        for path in paths
        if earliest is not None and (_file_day(path) or earliest) >= earliest
    ]
    events = _read(lake, wanted, [item.waybill for item in held])
    pairs = violations_in(events, held)
    with transaction(store.sessions) as session:
        created = record_violations(session, store, pairs, now=moment, by="sweep")
        stored.mark_swept(session, new, at=moment)
    return created


def scan_lake_for_hold(store: Store, lake: Path, hold_id: int, *, now: datetime) -> int:
    """Record the violations of hold ``hold_id`` already in the lake (read after the hold was
    committed); how many were new."""
    with transaction(store.sessions) as session:
        held = [
            item
            for item in stored.held_waybills(session, released_since=now - RELEASED_LOOKBACK)
            if item.hold_id == hold_id
        ]
    if not held:
        return 0
    first = china_day(held[0].held_from)
    days = [path for path in event_paths(lake) if (_file_day(path) or first) >= first]
    pairs = violations_in(_read(lake, days, [item.waybill for item in held]), held)
    if not pairs:
        return 0
    with transaction(store.sessions) as session:
        return record_violations(session, store, pairs, now=now, by="placement")
