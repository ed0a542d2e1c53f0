"""The bulletin's drill-down: from a carrier or a region of a bulletin to its figures, its worst
nodes and its worst origin–destination pairs (docs/reference/bulletins.md), over the parcels
the reader's own bulletin counts."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from peakguard.analytics import KpiSettings
from peakguard.analytics.od_pairs import PairLevel
from peakguard.app.access import require
from peakguard.app.bulletins import bulletin_scope, past_days, this_minute, with_as_of
from peakguard.app.kept import kept, lake_signature
from peakguard.bulletin.assemble import event_days, open_events, scoped
from peakguard.bulletin.drill import (
    Drill,
    DrillOptions,
    Focus,
    FocusKind,
    carrier_focus,
    drill_bulletin,
    focus_not_found,
    region_focus,
)
from peakguard.bulletin.periods import Period
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.bulletin_output import bulletin_document
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal

__all__ = [
    "Drill",
    "DrillOptions",
    "Focus",
    "FocusKind",
    "drill_options",
    "drill_records",
    "event_days_in_reach",
    "focus_not_found",
    "focus_of",
    "measure_drill",
]


def focus_of(kind: FocusKind | str, code: str, location: str | None = None) -> Focus:
    """The focus on a carrier (``carrier``, ``ZTO``) or a region (``region``, ``510100``),
    mistakes located at ``location`` (default: the kind's name)."""
    kind = FocusKind(kind)
    where = location or kind.value
    if kind is FocusKind.carrier:
        return carrier_focus(code, where)
    return region_focus(code, where)


def drill_options(
    rows: int | None = None,
    min_pair_parcels: int | None = None,
    pair_level: str | None = None,
) -> DrillOptions:
    """The options given, the defaults for the rest; an unknown pair level is refused."""
    defaults = DrillOptions()
    level = defaults.pair_level
    if pair_level is not None:
        try:
            level = PairLevel(pair_level)
        except ValueError:
            message = _("{value} is not a pair level; write city or province.", value=pair_level)
            raise InvalidInputError(message, [Problem("pair_level", message)]) from None
    return DrillOptions(
        rows=defaults.rows if rows is None else rows,
        min_pair_parcels=(
            defaults.min_pair_parcels if min_pair_parcels is None else min_pair_parcels
        ),
        pair_level=level,
    )


def measure_drill(
    source: Path | pa.Table,
    period: Period,
    focus: Focus,
    *,
    actor: Principal,
    settings: KpiSettings | None = None,
    lanes: pa.Table | None = None,
    options: DrillOptions | None = None,
    source_name: str = "--lake",
    now: datetime | None = None,
) -> Drill:
    """The drill-down into ``focus`` of ``actor``'s bulletin of ``period``, as of the
    bulletin's moment: a focus with no parcels among those ``actor`` may see is not found,
    exactly as one that does not exist."""
    require(actor, Permission.bulletin_read)
    return drill_bulletin(
        source,
        period,
        focus,
        settings=settings,
        lanes=lanes,
        scope=bulletin_scope(actor),
        options=options,
        source_name=source_name,
        now=this_minute(now),
    )


def event_days_in_reach(
    source: Path | pa.Table, *, actor: Principal, now: datetime | None = None
) -> list[date]:
    """The China days up to today with events of the parcels ``actor``'s bulletin counts,
    oldest first (empty when none): a page opens on the latest, never on a day ahead that a
    wrong clock made."""
    return past_days(_event_days(source, actor), now)


def _event_days(source: Path | pa.Table, actor: Principal) -> list[date]:
    require(actor, Permission.bulletin_read)
    scope = bulletin_scope(actor)
    if not isinstance(source, Path):
        return event_days(scoped(open_events(source), scope))
    if not (source.is_dir() and any(source.rglob("*.parquet"))):
        return []
    lake = source
    key = (lake_signature(lake), scope)
    days: list[date] = kept(
        _days_kept, key, KEPT_DAYS, lambda: event_days(scoped(open_events(lake), scope))
    )
    return list(days)


KEPT_DAYS = 64
"""Readers' lists of days this process keeps, until the lake changes."""
_days_kept: OrderedDict[tuple[Any, ...], list[date]] = OrderedDict()


def drill_records(drill: Drill, *, language: str | None = None) -> dict[str, Any]:
    """The drill-down as JSON: the focus, the options, the focus's bulletin (the shape of
    ``bulletin.json``) and its worst origin–destination pairs."""
    focus = drill.focus
    return {
        "focus": {
            "kind": focus.kind.value,
            "code": focus.code,
            "level": focus.level,
            "name": focus.name,
        },
        "options": {
            "rows": drill.options.rows,
            "min_pair_parcels": drill.options.min_pair_parcels,
            "pair_level": drill.options.pair_level.value,
        },
        "bulletin": with_as_of(bulletin_document(drill.bulletin, language), drill.bulletin),
        "od_pairs": [asdict(pair) for pair in drill.pairs],
    }
