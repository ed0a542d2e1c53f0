"""The "three 100 %" (三个100%) from the scan-event lake, and the watch list for inspection.

:func:`compliance` gives the real-name, inspection and X-ray shares of the accepts per outlet,
carrier, territory or day, with where the X-ray happened (at the outlet or at a hub);
:func:`watchlist` the outlets below the thresholds or sliding, each with its evidence
(:mod:`peakguard.cases.security_watch`). Both need ``security.read`` and show only what the
reader reaches: a regulator its territory (the accepts' origin region), a carrier its own
brand. Nothing is stored: each view is computed on request, at ``now`` when given (the demo
records a past season), else up to the lake's latest day.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from peakguard.analytics.security import CHECK_COUNTS
from peakguard.app.access import reach, require
from peakguard.app.security_lake import Counts, as_outlet_days, lapse_samples, outlet_days
from peakguard.app.supervision import latest_lake_day
from peakguard.cases.security_watch import (
    DEFAULT_WATCH,
    OutletKey,
    SecurityWatchSettings,
    WatchEntry,
    watch_list,
    windows,
)
from peakguard.config import Settings
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.identity.model import Permission, Principal
from peakguard.identity.territory import Reach

MAX_DAYS = 92
"""The longest range of days one request adds up (a season's quarter)."""
DEFAULT_DAYS = 7


class GroupBy(StrEnum):
    """What the compliance figures are added up by."""

    outlet = "outlet"
    carrier = "carrier"
    region = "region"
    day = "day"


@dataclass(frozen=True)
class Figures:
    """One group's accepts and checked accepts (``None`` for the dimensions not grouped by);
    ``region`` is the region code's prefix at the level asked (the county's six digits for
    an outlet)."""

    carrier: str | None
    outlet_id: str | None
    region: str | None
    day: date | None
    counts: Counts

    @property
    def accepts(self) -> int:
        return self.counts["accepts"]

    def count(self, name: str) -> int:
        return self.counts[name]

    def share(self, name: str) -> float | None:
        return self.counts[name] / self.accepts if self.accepts else None


@dataclass(frozen=True)
class ComplianceReport:
    day_from: date | None
    day_to: date | None
    carrier: str | None
    region: str
    by: GroupBy
    level: int
    """The region digits grouped by (2 province, 4 city, 6 county)."""
    rows: list[Figures]
    total: Figures
    notes: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class WatchReport:
    day: date | None
    carrier: str | None
    region: str
    settings: SecurityWatchSettings
    judged: int
    """Outlets with accepts in the last window (within reach and the filters)."""
    entries: list[WatchEntry]
    notes: list[Message] = field(default_factory=list)


def _empty_counts() -> Counts:
    return dict.fromkeys(("accepts", *CHECK_COUNTS), 0)


def parse_group(text: str | None, where: str = "by") -> GroupBy:
    value = (text or GroupBy.outlet.value).strip().lower()
    try:
        return GroupBy(value)
    except ValueError:
        message = _(
            "{value} is not a grouping; use one of {choices}",
            value=value[:40],
            choices=", ".join(item.value for item in GroupBy),
        )
        raise InvalidInputError(message, [Problem(where, message)]) from None


def parse_level(text: str | int | None, region: str, where: str = "level") -> int:
    """The region digits to group by: 2, 4 or 6; default one level below ``region``."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return {0: 2, 2: 4}.get(len(region), 6)
    value = str(text).strip()
    if value not in ("2", "4", "6"):
        message = _("{value} is not a level; use 2 (province), 4 (city) or 6 (county)", value=value)
        raise InvalidInputError(message, [Problem(where, message)])
    return int(value)


def _scope(actor: Principal, carrier: str | None, region: str) -> tuple[bool, str | None, str]:
    """(anything to see, the brand, the region prefix): the request narrowed to the reach."""
    scope: Reach = reach(actor)
    if scope.nothing:
        return False, None, region
    if scope.everything:
        return True, carrier, region
    chosen = carrier
    if scope.carrier is not None:
        if carrier is not None and carrier != scope.carrier:
            return False, carrier, region
        chosen = scope.carrier
    if region.startswith(scope.prefix):
        return True, chosen, region
    if scope.prefix.startswith(region):
        return True, chosen, scope.prefix
    return False, chosen, region


def _today(now: datetime | None) -> date:
    return (now or datetime.now(UTC)).astimezone(CHINA_STANDARD_TIME).date()


def _range(
    lake: Path, day_from: date | None, day_to: date | None, now: datetime | None
) -> tuple[date, date] | None:
    last = day_to or latest_lake_day(lake)
    if last is None:
        return None
    if now is not None:
        last = min(last, _today(now))
    first = day_from or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        message = _("the first day is after the last; swap them")
        raise InvalidInputError(message, [Problem("day_from", message)])
    if (last - first).days + 1 > MAX_DAYS:
        message = _("at most {days} days at once; narrow the range", days=MAX_DAYS)
        raise InvalidInputError(message, [Problem("day_from", message)])
    return first, last


def _group_key(
    outlet: OutletKey, day: date, by: GroupBy, level: int
) -> tuple[str | None, str | None, str | None, date | None]:
    if by is GroupBy.outlet:
        return outlet.carrier, outlet.outlet_id, outlet.region, None
    if by is GroupBy.carrier:
        return outlet.carrier, None, None, None
    if by is GroupBy.region:
        return None, None, outlet.region[:level], None
    return None, None, None, day


def compliance(
    lake: Path,
    *,
    actor: Principal,
    day_from: date | None = None,
    day_to: date | None = None,
    carrier: str | None = None,
    region: str = "",
    by: GroupBy = GroupBy.outlet,
    level: int | None = None,
    settings: SecurityWatchSettings = DEFAULT_WATCH,
    now: datetime | None = None,
) -> ComplianceReport:
    """The shares of the accepts from ``day_from`` to ``day_to`` (China days; default the 7
    days to the lake's latest, never past ``now``) within the reader's reach, ``carrier`` and
    ``region`` (a 2-, 4- or 6-digit prefix), added up by ``by`` (a region at ``level``
    digits)."""
    require(actor, Permission.security_read)
    digits = level if level is not None else parse_level(None, region)
    span = _range(lake, day_from, day_to, now)
    visible, brand, prefix = _scope(actor, carrier, region)
    notes: list[Message] = []
    grouped: dict[tuple[str | None, str | None, str | None, date | None], Counts] = {}
    total = _empty_counts()
    if span is None:
        notes.append(_("There are no scan events yet: the figures need acceptance scans."))
    elif visible:
        found = outlet_days(
            lake,
            span[0],
            span[1],
            carrier=brand,
            prefix=prefix,
            hub_days=settings.hub_days,
            cutoff=now,
        )
        scope = reach(actor)
        for outlet, days in found.items():
            if not scope.covers(outlet.carrier, outlet.region):
                continue
            for day, counts in days:
                key = _group_key(outlet, day, by, digits)
                into = grouped.setdefault(key, _empty_counts())
                for name, value in counts.items():
                    into[name] += value
                    total[name] += value
    rows = [Figures(*key, counts=counts) for key, counts in grouped.items()]
    rows.sort(key=lambda row: _order(row, by))
    first, last = span if span is not None else (None, None)
    return ComplianceReport(
        first, last, brand, prefix, by, digits, rows, Figures(None, None, None, None, total), notes
    )


def _order(row: Figures, by: GroupBy) -> tuple[float, str, str, str]:
    """Worst all-three share first for outlets, carriers and regions; days in order."""
    if by is GroupBy.day:
        return (0.0, (row.day or date.min).isoformat(), "", "")
    share = row.share("all_three")
    return (
        1.0 if share is None else share,
        row.carrier or "",
        row.region or "",
        row.outlet_id or "",
    )


def watchlist(
    lake: Path,
    *,
    actor: Principal,
    day: date | None = None,
    carrier: str | None = None,
    region: str = "",
    settings: SecurityWatchSettings = DEFAULT_WATCH,
    now: datetime | None = None,
) -> WatchReport:
    """The outlets within reach listed for inspection, judged on the window ending ``day``
    (default the lake's latest day, never past ``now``), each with its evidence."""
    require(actor, Permission.security_read)
    until = day or latest_lake_day(lake)
    if until is not None and now is not None:
        until = min(until, _today(now))
    visible, brand, prefix = _scope(actor, carrier, region)
    if until is None:
        note = _("There are no scan events yet: the figures need acceptance scans.")
        return WatchReport(None, brand, prefix, settings, 0, [], [note])
    earlier, recent, last = windows(until, settings)
    if not visible:
        return WatchReport(until, brand, prefix, settings, 0, [])
    found = outlet_days(
        lake, earlier, last, carrier=brand, prefix=prefix, hub_days=settings.hub_days, cutoff=now
    )
    scope = reach(actor)
    figures = {
        outlet: as_outlet_days(days)
        for outlet, days in found.items()
        if scope.covers(outlet.carrier, outlet.region)
    }
    judged = sum(1 for days in figures.values() if any(item.day >= recent for item in days))
    entries = watch_list(figures, until, settings)
    samples = lapse_samples(
        lake,
        [entry.outlet for entry in entries],
        recent,
        last,
        hub_days=settings.hub_days,
        per_check=settings.sample_waybills,
        cutoff=now,
    )
    entries = [replace(entry, samples=samples.get(entry.outlet, {})) for entry in entries]
    return WatchReport(until, brand, prefix, settings, judged, entries)


def deployment_watch_settings(
    settings: Settings, chosen: Path | None = None
) -> SecurityWatchSettings:
    """The ``[security]`` section of ``chosen``, else of the deployment's security settings
    file when it names one (``PEAKGUARD_SECURITY_SETTINGS``), else the defaults."""
    path = chosen if chosen is not None else settings.security_settings
    if path is None:
        return DEFAULT_WATCH
    return SecurityWatchSettings.from_toml(Path(path))
