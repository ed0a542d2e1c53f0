"""A bulletin's drill-down (下钻): one carrier's or one region's figures, worst nodes and worst
origin–destination pairs in the bulletin's period.

The focus's parcels are a part of the bulletin's: a carrier's are those of its brand; a
region's are those *accepted* in it (their origin), the grouping of the bulletin's region
rankings. Its figures are the bulletin's, assembled by the same code over those parcels only
and as of the bulletin's moment (the period's end plus the maturity window, or now if earlier,
unless stated: :func:`~peakguard.bulletin.assemble.bulletin_as_of`), so
a carrier's figures are the bulletin's row for that carrier and a region's 72-hour rate and
journey time the bulletin's ranking row for that region. The worst nodes are the bulletin's
three lists (backlog, dwell, unmatched handovers) measured on the focus's parcels: a node's
backlog counts the focus's parcels there. The worst pairs are ranked by the on-time rate
against the service standards, among pairs with enough parcels past their limit
(:class:`DrillOptions`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import pyarrow as pa

from peakguard.analytics import Engine, KpiSettings
from peakguard.analytics.od_pairs import PairLevel, pair_figures
from peakguard.bulletin.assemble import (
    CURRENT,
    _Assembler,
    bulletin_as_of,
    day_ranges,
    event_days,
    measured_until,
    open_events,
    region_name,
    scoped,
)
from peakguard.bulletin.model import (
    ALL_CARRIERS,
    Bulletin,
    BulletinOptions,
    BulletinScope,
    EmptyPeriodError,
    Headline,
)
from peakguard.bulletin.periods import Period
from peakguard.errors import InvalidInputError, NotFoundError, Problem
from peakguard.i18n import _


class FocusKind(StrEnum):
    """What a drill-down looks into."""

    carrier = "carrier"
    region = "region"


_REGION = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Focus:
    """One carrier (its code) or one region (a GB/T 2260 code of a province, ``510000``, or of
    a prefecture city, ``510100``)."""

    kind: FocusKind
    code: str

    @property
    def prefix(self) -> str:
        """The leading digits of the region's codes (``51``, ``5101``); empty for a carrier."""
        if self.kind is FocusKind.carrier:
            return ""
        return self.code[:2] if self.code.endswith("0000") else self.code[:4]

    @property
    def level(self) -> str:
        """``carrier``, ``province`` or ``city``."""
        if self.kind is FocusKind.carrier:
            return "carrier"
        return "province" if self.code.endswith("0000") else "city"

    @property
    def name(self) -> str:
        """The region's Chinese name (the carrier's code for a carrier)."""
        return self.code if self.kind is FocusKind.carrier else region_name(self.code)


def carrier_focus(code: str, location: str = "carrier") -> Focus:
    """The focus on the carrier ``code`` (``ZTO``)."""
    code = code.strip()
    if not code:
        message = _("Name the carrier by its code, e.g. ZTO.")
        raise InvalidInputError(message, [Problem(location, message)])
    return Focus(FocusKind.carrier, code)


def region_focus(code: str, location: str = "region") -> Focus:
    """The focus on a province (``510000``) or a prefecture city (``510100``), refused with the
    form expected for anything else (a district's code, a name)."""
    code = code.strip()
    if not _REGION.match(code) or code.startswith("00") or not code.endswith("00"):
        message = _(
            "{value} is not the code of a province or a city; write a six-digit GB/T 2260 "
            "code such as 510000 (Sichuan) or 510100 (Chengdu).",
            value=code,
        )
        raise InvalidInputError(message, [Problem(location, message)])
    return Focus(FocusKind.region, code)


@dataclass(frozen=True)
class DrillOptions:
    """How long the lists are and which pairs count (display policy, not KPI rules)."""

    rows: int = 10
    """Rows in each worst-of list."""
    min_pair_parcels: int = 20
    """A pair enters the worst-pairs list only with at least this many parcels whose service
    standard had run out (the on-time rate's base): a pair of two parcels, one late, would top
    the list at 50 % and say little. The bulletin's own list uses the same default."""
    pair_level: PairLevel = PairLevel.city
    """Pairs of cities (``510100 → 610100``) or of provinces (``510000 → 610000``)."""

    def __post_init__(self) -> None:
        problems = []
        if self.rows < 1:
            problems.append(Problem("rows", _("Give at least one row.")))
        if self.min_pair_parcels < 1:
            problems.append(Problem("min_pair_parcels", _("Give at least one parcel.")))
        if problems:
            raise InvalidInputError(_("The drill-down options have mistakes."), problems)


@dataclass(frozen=True)
class OdPair:
    """One origin–destination pair's figures in the period (:func:`~peakguard.analytics.
    od_pairs.pair_figures`)."""

    origin: str
    origin_name: str
    destination: str
    destination_name: str
    accepted: int
    delivered: int
    due: int
    """Parcels whose service-standard limit had run out by the cutoff: the on-time rate's base."""
    on_time: int
    on_time_rate: float | None
    due_72h: int
    rate_72h: float | None
    mean_journey_hours: float | None
    p50_journey_hours: float | None
    p90_journey_hours: float | None


@dataclass(frozen=True)
class Drill:
    """The focus's part of a bulletin."""

    focus: Focus
    bulletin: Bulletin
    """The bulletin of the focus's parcels: ``headline("all")`` is the focus's figures, the
    other headlines its carriers', the node lists its worst nodes."""
    pairs: tuple[OdPair, ...]
    """The worst pairs, lowest on-time rate first (ties: more parcels, then the codes)."""
    options: DrillOptions

    @property
    def figures(self) -> Headline:
        return self.bulletin.headline(ALL_CARRIERS)


def drill_bulletin(
    source: Path | str | pa.Table,
    period: Period,
    focus: Focus,
    *,
    settings: KpiSettings | None = None,
    lanes: pa.Table | None = None,
    scope: BulletinScope | None = None,
    options: DrillOptions | None = None,
    source_name: str = "--lake",
    now: datetime | None = None,
) -> Drill:
    """The drill-down into ``focus`` of the bulletin of ``period`` over the parcels in
    ``scope``, as of the bulletin's moment (``now``: the clock's time, for the default). A
    focus with no parcels in scope is not found (whether it exists elsewhere or not); one
    with parcels, but none in the period by the as-of, is refused as the bulletin is."""
    settings = settings or KpiSettings()
    options = options or DrillOptions()
    engine = scoped(open_events(source, source_name=source_name), scope)
    focused = _focused(engine, focus)
    if not event_days(focused):
        raise focus_not_found(focus)
    as_of = bulletin_as_of(period, settings, now)
    present = event_days(measured_until(focused, as_of), period.first_day, period.last_day)
    if not present:
        message = _(
            "{focus} has no parcels in {period} among the scan events you may see.",
            focus=focus.code,
            period=period.label,
        )
        where = _(
            "It has events for these China days: {days}.", days=day_ranges(event_days(focused))
        )
        raise EmptyPeriodError(message, [Problem(source_name, where)])
    bulletin_options = BulletinOptions(rows=options.rows, min_pair_parcels=options.min_pair_parcels)
    assembler = _Assembler(focused, period, settings, None, lanes, bulletin_options, as_of=as_of)
    bulletin = assembler.bulletin(present)
    parcels = assembler.parcels.filter(assembler.parcels.period == CURRENT)
    measured = assembler.measured[CURRENT]
    table = assembler.engine.compute(pair_figures(parcels, measured, options.pair_level))
    return Drill(focus, bulletin, worst_pairs(table.to_pylist(), options), options)


def worst_pairs(rows: Iterable[dict[str, object]], options: DrillOptions) -> tuple[OdPair, ...]:
    """The rows of :func:`pair_figures` with a figure and at least ``min_pair_parcels`` past
    their limit, lowest on-time rate first; ties go to the pair with more parcels behind the
    rate, then to the lower codes."""
    pairs = [
        OdPair(
            origin=str(row["origin"]),
            origin_name=region_name(str(row["origin"])),
            destination=str(row["destination"]),
            destination_name=region_name(str(row["destination"])),
            accepted=_int(row["accepted"]),
            delivered=_int(row["delivered"]),
            due=_int(row["due"]),
            on_time=_int(row["due_on_time"]),
            on_time_rate=_float(row["on_time_rate"]),
            due_72h=_int(row.get("due_72h")),
            rate_72h=_float(row.get("rate_72h")),
            mean_journey_hours=_float(row["mean_journey_hours"]),
            p50_journey_hours=_float(row["p50_journey_hours"]),
            p90_journey_hours=_float(row["p90_journey_hours"]),
        )
        for row in rows
        if row["on_time_rate"] is not None and _int(row["due"]) >= options.min_pair_parcels
    ]
    pairs.sort(key=lambda pair: (pair.on_time_rate, -pair.due, pair.origin, pair.destination))
    return tuple(pairs[: options.rows])


def _focused(engine: Engine, focus: Focus) -> Engine:
    """Only the events of the focus's parcels (a parcel's events all carry its carrier and
    origin, so a parcel is in or out whole)."""
    events = engine.events
    if focus.kind is FocusKind.carrier:
        events = events.filter(events.carrier == focus.code)
    else:
        events = events.filter(events.origin_region.startswith(focus.prefix))
    return replace(engine, events=events)


def focus_not_found(focus: Focus) -> NotFoundError:
    """The refusal of a focus with no parcels among those the reader may see: the same
    whether the carrier or region exists elsewhere or not."""
    if focus.kind is FocusKind.carrier:
        message = _(
            "No parcels of the carrier {code} are among the scan events you may see.",
            code=focus.code,
        )
    else:
        message = _(
            "No parcels accepted in {code} are among the scan events you may see.",
            code=focus.code,
        )
    return NotFoundError(message)


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
