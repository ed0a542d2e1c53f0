"""Notices to the public at rest: the published notices (tips and controlled-area notices),
the outbox of messages, and the scan events of parcels read from the lake for tracking."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
from sqlalchemy import select
from sqlalchemy.orm import Session

from peakguard.notices.tracking import Parcel, Scan, parcel_of
from peakguard.store.event_files import (
    BATCH,
    batch_of,
    event_paths,
    retracted_keys,
    without_retracted,
)
from peakguard.store.event_lake import event_dataset, read_stored_events
from peakguard.store.notice_tables import OutboxMessageRow, PublicNoticeRow
from peakguard.store.versioned import update_if_unchanged

TRACKING_COLUMNS = (
    "waybill",
    "carrier",
    "event",
    "reason",
    "node_id",
    "time",
    "next_node_id",
    "origin_region",
    "destination_region",
)
_FILENAME = "__filename"


def add_notice(session: Session, row: PublicNoticeRow) -> PublicNoticeRow:
    session.add(row)
    session.flush()
    return row


def notice_row(session: Session, notice_id: int) -> PublicNoticeRow | None:
    return session.get(PublicNoticeRow, notice_id)


def notice_rows(
    session: Session, *, kind: str | None = None, state: str | None = None
) -> list[PublicNoticeRow]:
    """The notices, newest first, of ``kind`` and ``state`` when given."""
    statement = select(PublicNoticeRow).order_by(PublicNoticeRow.id.desc())
    if kind is not None:
        statement = statement.where(PublicNoticeRow.kind == kind)
    if state is not None:
        statement = statement.where(PublicNoticeRow.state == state)
    return list(session.scalars(statement))


def add_outbox_message(session: Session, row: OutboxMessageRow) -> OutboxMessageRow:
    session.add(row)
    session.flush()
    return row


def outbox_rows(
    session: Session, *, carrier: str | None = None, waybill: str | None = None, limit: int = 500
) -> list[OutboxMessageRow]:
    """The outbox, newest first, of one brand and one waybill when given."""
    statement = select(OutboxMessageRow).order_by(OutboxMessageRow.id.desc()).limit(limit)
    if carrier is not None:
        statement = statement.where(OutboxMessageRow.carrier == carrier)
    if waybill is not None:
        statement = statement.where(OutboxMessageRow.waybill == waybill)
    return list(session.scalars(statement))


def outbox_row(session: Session, message_id: int) -> OutboxMessageRow | None:
    return session.get(OutboxMessageRow, message_id)


@dataclass(frozen=True)
class LakeParcels:
    """The parcels of the lake's events read for tracking, by (carrier, waybill)."""

    parcels: dict[tuple[str, str], Parcel]

    def by_waybill(self, waybill: str) -> list[Parcel]:
        return [parcel for (_, number), parcel in self.parcels.items() if number == waybill]


def _events(lake: Path, waybills: Sequence[str] | None, days: Sequence[date] | None) -> pa.Table:
    columns = list(TRACKING_COLUMNS)
    if (waybills is None and days is None) or not event_paths(lake):
        return read_stored_events(lake, columns)
    wanted = ds.scalar(True)
    if waybills is not None:
        wanted = wanted & ds.field("waybill").isin(pa.array(list(waybills), pa.string()))
    if days is not None:
        wanted = wanted & ds.field("day").isin(pa.array(list(days), pa.date32()))
    dataset = event_dataset(lake)
    retracted = retracted_keys(lake)
    if retracted.num_rows == 0:
        return dataset.to_table(columns=columns, filter=wanted)
    table = dataset.to_table(columns=[*columns, _FILENAME], filter=wanted)
    batches = [batch_of(name) for name in table.column(_FILENAME).to_pylist()]
    table = table.drop_columns([_FILENAME]).append_column(BATCH, pa.array(batches, pa.string()))
    return without_retracted(table, retracted).select(columns)


def lake_scans(
    lake: Path, waybills: Iterable[str] | None = None, *, days: Iterable[date] | None = None
) -> pa.Table:
    """The events of ``waybills`` on ``days`` (when given) as a table of
    :data:`TRACKING_COLUMNS`, retracted events left out, in the order the lake holds them."""
    return _events(
        lake,
        None if waybills is None else sorted(set(waybills)),
        None if days is None else sorted(set(days)),
    )


def lake_parcels(
    lake: Path, waybills: Iterable[str] | None = None, *, days: Iterable[date] | None = None
) -> LakeParcels:
    """The parcels whose events the lake holds (only ``waybills``, only the events of
    ``days`` (China Standard Time) when given), retracted events left out, each with its
    scans in time order."""
    table = lake_scans(lake, waybills, days=days)
    scans: dict[tuple[str, str], list[Scan]] = defaultdict(list)
    regions: dict[tuple[str, str], tuple[str, str]] = {}
    for row in table.to_pylist():
        key = (str(row["carrier"]), str(row["waybill"]))
        moment: datetime = row["time"]
        scans[key].append(
            Scan(row["event"], row["node_id"], moment, row["next_node_id"], row["reason"])
        )
        regions.setdefault(key, (row["origin_region"], row["destination_region"]))
    parcels = {
        key: parcel_of(key[1], key[0], regions[key][0], regions[key][1], found)
        for key, found in scans.items()
    }
    return LakeParcels(parcels)


def update_notice(
    session: Session,
    row: PublicNoticeRow,
    expected_version: int,
    values: dict[str, object],
    *,
    now: datetime,
) -> int | None:
    """Change the notice if it is still at ``expected_version`` (the new version, or None)."""
    return update_if_unchanged(session, PublicNoticeRow, row.id, expected_version, values, now=now)
