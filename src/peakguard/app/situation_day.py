"""The day a landing page's figures are of, and its figures against the day before's, from
the scan-event lake within the reader's reach (what :mod:`peakguard.app.situation` gives the
command centre and the network desk).

Only the partitions of the few days concerned are read, and a comparison is kept in this
process until the lake changes (its batch log or its retractions), so a page viewed again
reads nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from peakguard.analytics import Engine, KpiSettings, handovers, information_loss, parcel_facts
from peakguard.analytics.parcels import china_day, seconds
from peakguard.app.access import require
from peakguard.app.bulletins import bulletin_scope
from peakguard.app.kept import kept, lake_signature
from peakguard.bulletin.assemble import scoped
from peakguard.bulletin.model import BulletinScope
from peakguard.domain.scans import CHINA_STANDARD_TIME, SCAN_EVENT_SCHEMA, EventType
from peakguard.identity.model import Permission, Principal
from peakguard.store.event_files import (
    BATCH,
    LAKE_KEY,
    event_paths,
    events_directory,
    retracted_keys,
)

DELIVERY_LIMIT_HOURS = 72
"""The limit of the day's on-time figure (72小时妥投)."""
LOOK_BACK_DAYS = 7
"""Partition days searched first for the latest event within reach (then the whole lake)."""
BATCH_OF_FILE = r"part-([^/\\]+)\.parquet$"
"""The batch id in an event file's name (as :func:`peakguard.store.event_files.batch_of`)."""

_days_kept: OrderedDict[tuple[Any, ...], ChosenDay] = OrderedDict()


# -- the events of a few days -------------------------------------------------------------------


def _partition_days(lake: Path) -> list[date]:
    """The days the lake has partitions for, newest first (from the folder names only)."""
    root = events_directory(lake)
    days = []
    for entry in root.glob("day=*") if root.is_dir() else []:
        try:
            days.append(date.fromisoformat(entry.name.removeprefix("day=")))
        except ValueError:
            continue
    return sorted(days, reverse=True)


def _days_engine(lake: Path, days: list[date], scope: BulletinScope) -> Engine | None:
    """A DuckDB engine over the events of ``days`` only (their partitions' files), without
    the retracted ones, scoped to ``scope``; None when those days have no file. Reading a
    few days' files, not the lake's glob, keeps a landing page's figures quick."""
    files = event_paths(lake, days=days)
    if scope.carrier is not None:
        files = [path for path in files if path.parent.name == f"carrier={scope.carrier}"]
    if not files:
        return None
    backend = ibis.duckdb.connect()
    backend.raw_sql("SET enable_progress_bar = false")
    retracted = retracted_keys(lake)
    table = backend.read_parquet(
        [str(path) for path in files], table_name="scan_events", filename=retracted.num_rows > 0
    )
    if retracted.num_rows:
        known = backend.create_table("retracted_events", retracted, temp=True)
        table = table.mutate(_batch=table.filename.re_extract(BATCH_OF_FILE, 1))
        keys = [table[name] == known[name] for name in LAKE_KEY]
        table = table.anti_join(known, [*keys, table["_batch"] == known[BATCH]])
    return scoped(Engine(backend, table.select(*SCAN_EVENT_SCHEMA.names)), scope)


def _between(events: ir.Table, first: datetime, last: datetime) -> ir.Table:
    """The events from ``first`` (inclusive) to ``last`` (inclusive)."""
    return events.filter(
        (events.time >= ibis.literal(first.astimezone(UTC)))
        & (events.time <= ibis.literal(last.astimezone(UTC)))
    )


# -- the day ------------------------------------------------------------------------------------


class DayReason(StrEnum):
    """Why the figures are of the day they are of."""

    asked = "asked"
    today = "today"
    latest = "latest"
    """No event of today within reach: the latest day that has one."""
    no_events = "no_events"
    """The lake holds no event within reach at all."""


@dataclass(frozen=True)
class ChosenDay:
    day: date | None
    reason: DayReason
    latest_event: datetime | None
    """The latest event within reach (UTC) on the day chosen (None: none that day)."""
    today: date


def china_now() -> datetime:
    return datetime.now(CHINA_STANDARD_TIME)


def day_start(day: date) -> datetime:
    """00:00 China time of ``day``, as an aware moment."""
    return datetime.combine(day, time(0), tzinfo=CHINA_STANDARD_TIME)


def _latest_by_day(lake: Path, days: list[date], scope: BulletinScope) -> dict[date, datetime]:
    """The latest event within ``scope`` on each of ``days`` that has one."""
    engine = _days_engine(lake, days, scope)
    if engine is None:
        return {}
    events = engine.events.mutate(day=china_day(engine.events.time))
    table = engine.compute(events.group_by("day").aggregate(latest=events.time.max()))
    return {row["day"]: row["latest"].astimezone(UTC) for row in table.to_pylist() if row["latest"]}


def choose_day(
    lake: Path, *, actor: Principal, asked: date | None = None, today: date | None = None
) -> ChosenDay:
    """The day the figures are of, and why: ``asked``; else ``today`` (China time) when the
    lake has events of today within ``actor``'s reach; else the latest day that has."""
    require(actor, Permission.bulletin_read)
    today = today or china_now().date()
    scope = bulletin_scope(actor)
    key = ("day", lake_signature(lake), scope, asked, today)
    found: ChosenDay = kept(
        _days_kept, key, KEPT_FIGURES, lambda: _choose(lake, scope, asked, today)
    )
    return found


def _choose(lake: Path, scope: BulletinScope, asked: date | None, today: date) -> ChosenDay:
    days = _partition_days(lake)
    if asked is not None:
        latest = _latest_by_day(lake, [asked], scope) if asked in days else {}
        return ChosenDay(asked, DayReason.asked, latest.get(asked), today)
    if today in days:
        latest = _latest_by_day(lake, [today], scope)
        if today in latest:
            return ChosenDay(today, DayReason.today, latest[today], today)
    for start in range(0, len(days), LOOK_BACK_DAYS):  # newest days first, a week at a time
        latest = _latest_by_day(lake, days[start : start + LOOK_BACK_DAYS], scope)
        if latest:
            day = max(latest)
            return ChosenDay(day, DayReason.latest, latest[day], today)
    return ChosenDay(None, DayReason.no_events, None, today)


# -- the day's figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DayFigures:
    """One day's figures up to ``cutoff``, for the parcels within reach.

    ``accepted``: parcels accepted that day; ``delivered``: parcels delivered that day
    (whenever accepted); ``due_72h``: parcels whose 72 hours from acceptance ran out that day
    by the cutoff, ``delivered_72h`` of them delivered within the 72 hours, ``rate_72h`` the
    share (None when none was due); ``information_loss_rate``: of the day's accepted parcels,
    the share whose trail stopped or with a late or missing handover by the cutoff (the
    bulletin's definition, :func:`peakguard.analytics.information_loss`)."""

    day: date
    cutoff: datetime
    accepted: int
    delivered: int
    due_72h: int
    delivered_72h: int
    rate_72h: float | None
    information_loss_rate: float | None


@dataclass(frozen=True)
class DayComparison:
    current: DayFigures
    previous: DayFigures
    """The day before: up to the same time of day when the chosen day is today, else whole."""
    so_far: bool
    """The chosen day is today, measured up to its latest event within reach."""


def _day_figures(
    engine: Engine, day: date, cutoff: datetime, settings: KpiSettings, lanes: pa.Table | None
) -> DayFigures:
    start = day_start(day)
    limit = timedelta(hours=DELIVERY_LIMIT_HOURS)
    measured = replace(
        settings, cutoff=cutoff, delivery_limits_hours=(float(DELIVERY_LIMIT_HOURS),)
    )
    events = engine.events
    # The day's own events: its accepted parcels (all their scans so far are of that day when
    # the cutoff is within it) and its deliveries.
    parcels = parcel_facts(_between(events, start, cutoff), measured)
    on_day = parcels.acceptance_day == ibis.literal(day)
    delivered_at = seconds(parcels.delivered_at)
    first, last = int(start.timestamp()), int(cutoff.timestamp())
    counts = engine.compute(
        parcels.aggregate(
            accepted=parcels.waybill.count(where=on_day),
            delivered=parcels.waybill.count(where=(delivered_at >= first) & (delivered_at <= last)),
        )
    ).to_pylist()[0]
    loss = engine.compute(
        information_loss(
            parcels.filter(on_day),
            handovers(_between(events, start, cutoff), measured, lanes),
            by=(),
        )
    ).to_pylist()
    # The parcels whose 72 hours ran out that day: accepted 72 hours before, with their
    # delivery (accepts and deliveries only: the rest of their trail does not count).
    kinds = events.event.isin([EventType.accept.value, EventType.deliver.value])
    due_parcels = parcel_facts(_between(events.filter(kinds), start - limit, cutoff), measured)
    limit_at = seconds(due_parcels.accepted_at) + int(limit.total_seconds())
    due = (limit_at >= first) & (limit_at <= last)
    due_counts = engine.compute(
        due_parcels.aggregate(
            due=due_parcels.waybill.count(where=due),
            delivered_72h=due_parcels.waybill.count(where=due & due_parcels.within_72h),
        )
    ).to_pylist()[0]
    due_count = int(due_counts["due"] or 0)
    on_time = int(due_counts["delivered_72h"] or 0)
    return DayFigures(
        day=day,
        cutoff=cutoff,
        accepted=int(counts["accepted"] or 0),
        delivered=int(counts["delivered"] or 0),
        due_72h=due_count,
        delivered_72h=on_time,
        rate_72h=on_time / due_count if due_count else None,
        information_loss_rate=loss[0]["information_loss_rate"] if loss else None,
    )


_figures_kept: OrderedDict[tuple[Any, ...], DayComparison] = OrderedDict()
KEPT_FIGURES = 64
"""Comparisons this process keeps, by the lake's signature: a view after no new event is
answered without measuring again."""


def compare_days(
    lake: Path,
    chosen: ChosenDay,
    *,
    actor: Principal,
    settings: KpiSettings | None = None,
    lanes: pa.Table | None = None,
) -> DayComparison | None:
    """The chosen day's figures against the day before's. Today is measured so far (up to
    its latest event within reach) against yesterday up to the same time of day; another day
    whole against the whole day before. None when there is no day to measure."""
    require(actor, Permission.bulletin_read)
    if chosen.day is None:
        return None
    scope = bulletin_scope(actor)
    settings = settings or KpiSettings()
    so_far = chosen.day == chosen.today and chosen.latest_event is not None
    if so_far and chosen.latest_event is not None:
        cutoff = chosen.latest_event.astimezone(CHINA_STANDARD_TIME)
    else:
        cutoff = day_start(chosen.day + timedelta(days=1)) - timedelta(microseconds=1)
    lanes_key = None if lanes is None else hash(tuple(map(tuple, lanes.to_pydict().values())))
    key = (lake_signature(lake), scope, chosen.day, cutoff, settings, lanes_key)
    day = chosen.day
    found: DayComparison = kept(
        _figures_kept,
        key,
        KEPT_FIGURES,
        lambda: _compare(lake, day, cutoff, scope, settings, lanes, so_far=so_far),
    )
    return found


def _compare(
    lake: Path,
    day: date,
    cutoff: datetime,
    scope: BulletinScope,
    settings: KpiSettings,
    lanes: pa.Table | None,
    *,
    so_far: bool,
) -> DayComparison:
    before = day - timedelta(days=1)
    days = [day - timedelta(days=back) for back in range(DELIVERY_LIMIT_HOURS // 24 + 2)]
    engine = _days_engine(lake, days, scope)
    if engine is None:
        empty = DayFigures(day, cutoff, 0, 0, 0, 0, None, None)
        previous = replace(empty, day=before, cutoff=cutoff - timedelta(days=1))
        return DayComparison(empty, previous, so_far)
    return DayComparison(
        current=_day_figures(engine, day, cutoff, settings, lanes),
        previous=_day_figures(engine, before, cutoff - timedelta(days=1), settings, lanes),
        so_far=so_far,
    )
