"""The service-quality bulletin (日监控、周分析、月通报) of a day, an ISO week or a month, measured
from the event lake by the KPI engine (docs/reference/bulletins.md)."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from openpyxl import load_workbook

from peakguard.analytics import KpiSettings
from peakguard.app.access import reach, require
from peakguard.app.kept import kept, lake_signature
from peakguard.bulletin.assemble import assemble_bulletin, bulletin_as_of
from peakguard.bulletin.model import Bulletin, BulletinOptions, BulletinScope
from peakguard.bulletin.periods import (
    Period,
    day_period,
    parse_day,
    parse_month,
    parse_week,
    week_period,
)
from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.bulletin_output import bulletin_document, write_bulletin_files
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.store.case_rates import any_appeal, appeal_table
from peakguard.store.database import Store, transaction


def daily_period(day: str, *, option_prefix: str = "--") -> Period:
    """The China-time day ``day`` (``2026-11-11``)."""
    return day_period(parse_day(day, f"{option_prefix}day"))


def weekly_period(
    week: str | None = None, day: str | None = None, *, option_prefix: str = "--"
) -> Period:
    """The ISO week ``week`` (``2026-W46``), or the one holding ``day``; exactly one given."""
    if (week is None) == (day is None):
        message = _("Give either --week (2026-W46) or --day (a day inside the week).")
        raise InvalidInputError(
            message, [Problem(f"{option_prefix}week/{option_prefix}day", message)]
        )
    if week is not None:
        return parse_week(week, f"{option_prefix}week")
    assert day is not None
    return week_period(parse_day(day, f"{option_prefix}day"))


def monthly_period(month: str, *, option_prefix: str = "--") -> Period:
    """The calendar month ``month`` (``2026-11``)."""
    return parse_month(month, f"{option_prefix}month")


def parse_moment(text: str, where: str = "as_of") -> datetime:
    """``2026-11-15T00:00+08:00`` as an aware moment, or a located error saying the form."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        message = _(
            "{value} is not a moment with its time zone; write it as 2026-11-15T00:00+08:00.",
            value=text,
        )
        raise InvalidInputError(message, [Problem(where, message)])
    return moment


def lane_table(network: Network) -> pa.Table:
    """The network's lanes as the handover check reads them."""
    return pa.table(
        {
            "node_id": [lane.origin for lane in network.lanes],
            "next_node_id": [lane.destination for lane in network.lanes],
            "transit_hours": [float(lane.transit_hours) for lane in network.lanes],
        }
    )


def bulletin_scope(actor: Principal) -> BulletinScope:
    """The parcels ``actor``'s bulletin counts: a regulator's territory (from or to it), a
    carrier's brand, everything for the national office and the system."""
    scope = reach(actor)
    if scope.everything:
        return BulletinScope()
    if scope.nothing:
        return BulletinScope(carrier="", region_prefix="-")
    return BulletinScope(carrier=scope.carrier, region_prefix=scope.prefix)


def measure_bulletin(
    source: Path | pa.Table,
    period: Period,
    *,
    actor: Principal,
    settings: KpiSettings | None = None,
    lanes: pa.Table | None = None,
    complaints: pa.Table | None = None,
    options: BulletinOptions | None = None,
    source_name: str = "--lake",
    store: Store | None = None,
    now: datetime | None = None,
) -> Bulletin:
    """The bulletin of ``period`` from ``source`` (an event lake folder or an Arrow table);
    refused with the days the source has when the period has no events, located at
    ``source_name`` (the option or field that named the source). It counts the parcels
    ``actor`` may see (:func:`bulletin_scope`). Given the ``store``, its complaint rates
    count the appeals recorded there (unless ``complaints`` are given). It is measured as of
    ``settings.cutoff``, or the period's end plus the maturity window, or ``now`` (default:
    the clock, to the minute) if earlier."""
    require(actor, Permission.bulletin_read)
    scope = bulletin_scope(actor)
    moment = this_minute(now)
    as_of = bulletin_as_of(period, settings or KpiSettings(), moment)
    if complaints is None and store is not None:
        complaints = recorded_appeals(store, period, scope)

    def assemble() -> Bulletin:
        return assemble_bulletin(
            source,
            period,
            settings=settings,
            complaints=complaints,
            lanes=lanes,
            options=options,
            source_name=source_name,
            scope=scope,
            now=moment,
        )

    if not isinstance(source, Path):
        return assemble()
    lanes_key = None if lanes is None else table_digest(lanes)
    complaints_key = None if complaints is None else table_digest(complaints)
    key = (
        lake_signature(source),
        period,
        as_of,
        scope,
        settings,
        options,
        lanes_key,
        complaints_key,
        source_name,
    )
    return kept(_bulletins_kept, key, KEPT_BULLETINS, assemble)


def this_minute(now: datetime | None = None) -> datetime:
    """``now`` (default: the clock) to the minute, UTC: a provisional bulletin's as-of, so
    that one viewed twice in a minute is measured once."""
    moment = now if now is not None else datetime.now(UTC)
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def past_days(days: list[date], now: datetime | None = None) -> list[date]:
    """``days`` without those after today in China time (an event dated ahead is a wrong
    clock: a page never opens on it)."""
    today = (this_minute(now) + timedelta(hours=8)).date()
    return [day for day in days if day <= today]


def recorded_appeals(store: Store, period: Period, scope: BulletinScope) -> pa.Table | None:
    """The appeals (申诉) recorded for ``period`` inside ``scope``, as the complaint metrics
    count them; ``None`` when the deployment has recorded no appeal at all (the bulletin then
    leaves the complaint metrics out rather than show a rate of zero)."""
    with transaction(store.sessions) as session:
        if not any_appeal(session):
            return None
        return appeal_table(
            session,
            period.first_day,
            period.last_day,
            carrier=scope.carrier,
            region_prefix=scope.region_prefix,
        )


KEPT_BULLETINS = 32
"""Bulletins of a lake this process keeps (by the lake's signature, the period, the reader's
scope and the options): the page viewed again, or by another reader of the same reach, is
answered without measuring again; any new event or retraction measures afresh."""
_bulletins_kept: OrderedDict[tuple[Any, ...], Bulletin] = OrderedDict()


def table_digest(table: pa.Table) -> str:
    """A digest of ``table``'s content (to key what was computed from it)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def lake_has_events(lake: Path) -> bool:
    """Whether any scan event has been stored in ``lake``."""
    return lake.is_dir() and any(lake.rglob("*.parquet"))


def bulletin_records(bulletin: Bulletin, *, language: str | None = None) -> dict[str, Any]:
    """The bulletin as JSON (what ``bulletin.json`` holds), with its measurement moments:
    ``as_of`` (the ``cutoff``), ``previous_as_of`` and ``final`` (the maturity window after
    the period had run out by the as-of; else the figures are provisional)."""
    return with_as_of(bulletin_document(bulletin, language), bulletin)


def with_as_of(document: dict[str, Any], bulletin: Bulletin) -> dict[str, Any]:
    """``document`` (the bulletin's JSON) with ``as_of``, ``previous_as_of`` and ``final``."""
    previous = bulletin.previous_cutoff or bulletin.cutoff
    document["as_of"] = bulletin.cutoff.isoformat()
    document["previous_as_of"] = previous.isoformat()
    document["final"] = bulletin.final
    return document


def write_bulletin_data_files(
    bulletin: Bulletin, folder: Path, *, language: str | None = None
) -> list[Path]:
    """``bulletin.xlsx`` and ``bulletin.json`` in ``folder`` (the page is the web's), each
    stating the measurement moments (``as_of``, ``previous_as_of``, ``final``)."""
    workbook_path, json_path = write_bulletin_files(bulletin, folder, language=language)
    document = json.loads(json_path.read_text(encoding="utf-8"))
    json_path.write_text(
        json.dumps(with_as_of(document, bulletin), ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    workbook = load_workbook(workbook_path)
    summary = workbook["bulletin"]
    for name, value in with_as_of({}, bulletin).items():
        summary.append([name, value])
    workbook.save(workbook_path)
    return [workbook_path, json_path]
