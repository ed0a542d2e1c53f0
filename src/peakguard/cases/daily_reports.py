"""The rules of daily volume reports (每日业务量统计报送): what a report holds, when it is due, and
the checks that flag it at the deadline.

A carrier company (a brand's company in one province) reports, for each day and each city
(prefecture, a GB/T 2260 code ending ``00``) where it has nodes, the parcels it picked up and
delivered, its backlog in total and hub by hub, its staff and vehicles on duty and the outlets it
closed (with the reason). A report is due by a deadline of local policy (by default 10:00 China
time the next day, :class:`DailyReportSettings`). At the deadline:

- a report not received is **missing**; one whose first version came after it is **late**;
- the latest version is checked for plausibility, each check with its threshold:

  ``forecast``  the parcels picked up lie outside the 95 % interval of the forecast in force for
                the carrier and the city that day (no forecast: "not checked", never a pass);
  ``scans``     the parcels picked up differ from the acceptance scans (``accept``) of the
                carrier in the city that day, or the delivered from the delivery scans
                (``deliver``), by more than the tolerance (no scans: "not checked");
  ``parts``     the hubs' backlogs do not add up to the total backlog (the breakdown: one line
                per hub, summing to the whole);
  ``jump``      the parcels picked up are more than ``jump_factor`` times, or less than one
                ``jump_factor``-th of, the median of the previous reported days (at most
                ``jump_window_days`` of them; fewer than ``jump_min_days``: "not checked").

A check that fails is a flag with its reason (a translatable message with the figures) and the
rule's threshold; a report that passes every check it could make gets no flag.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Self

from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.parameters import FileParameters, parameters_from_document, settings_document

SECTION = "daily_reports"
"""The settings file's section of these knobs."""
MAX_FIGURE = 10**12
"""No figure of one company in one city in one day comes near this: a larger one is a typo."""


@dataclass(frozen=True)
class DailyReportSettings(FileParameters, section=SECTION):
    """The knobs of daily reports; every default is local policy, labelled so."""

    deadline_days_after: int = 1
    """Local policy: the report of day D is due on day D + this many days …"""
    deadline_hour: int = 10
    """… at this hour, China time (10:00 by default) …"""
    deadline_minute: int = 0
    """… and minute."""
    scan_tolerance_share: float = 0.1
    """Local policy: a reported figure may differ from the scans by this share of the scans …"""
    scan_tolerance_parcels: int = 50
    """… or by this many parcels, whichever is larger."""
    parts_tolerance_parcels: int = 0
    """Local policy: how far the hubs' backlogs may sum from the total backlog."""
    jump_factor: float = 3.0
    """Local policy: a jump is more than this many times (or less than one this-th of) the
    median of the previous reported days' pickups."""
    jump_window_days: int = 7
    """How many previous reported days the median is taken over."""
    jump_min_days: int = 3
    """Fewer previous reported days than this: the jump is not checked."""
    catch_up_days: int = 14
    """How many days back a sweep looks for reports whose deadline passed (after a restart)."""

    def __post_init__(self) -> None:
        problems = list(_setting_problems(self))
        if problems:
            raise InvalidInputError(_("The daily report settings have mistakes."), problems)

    @classmethod
    def from_toml(cls, path_or_text: Path | str) -> Self:
        """The ``[daily_reports]`` section of a settings file (defaults where it is absent)."""
        document, name = settings_document(path_or_text)
        table = document.get(SECTION, {})
        return parameters_from_document(cls, table, source=f"{name}: [{SECTION}]")


def _setting_problems(settings: DailyReportSettings) -> Iterable[Problem]:
    if not 0 <= settings.deadline_days_after <= 7:
        yield Problem("deadline_days_after", _("must be between 0 and 7 days"))
    if not 0 <= settings.deadline_hour <= 23:
        yield Problem("deadline_hour", _("must be an hour from 0 to 23"))
    if not 0 <= settings.deadline_minute <= 59:
        yield Problem("deadline_minute", _("must be a minute from 0 to 59"))
    if settings.scan_tolerance_share < 0 or settings.scan_tolerance_parcels < 0:
        yield Problem("scan_tolerance_share", _("tolerances cannot be negative"))
    if settings.parts_tolerance_parcels < 0:
        yield Problem("parts_tolerance_parcels", _("tolerances cannot be negative"))
    if settings.jump_factor <= 1:
        yield Problem("jump_factor", _("must be more than 1"))
    if not 1 <= settings.jump_min_days <= settings.jump_window_days <= 60:
        yield Problem("jump_window_days", _("need 1 ≤ jump_min_days ≤ jump_window_days ≤ 60"))
    if not 1 <= settings.catch_up_days <= 366:
        yield Problem("catch_up_days", _("must be between 1 and 366 days"))


DEFAULT_SETTINGS = DailyReportSettings()


# -- what a report holds ------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class ReportKey:
    """Which report: a carrier brand's report for one city on one day (the company is the
    brand's company in the city's province)."""

    carrier: str
    region: str
    day: date

    @property
    def province(self) -> str:
        return self.region[:2] + "0000"


@dataclass(frozen=True)
class HubBacklog:
    node: str
    parcels: int


@dataclass(frozen=True)
class ClosedOutlet:
    node: str
    reason: str


@dataclass(frozen=True)
class ReportContent:
    """The figures of one report."""

    picked_up: int
    delivered: int
    backlog: int
    staff: int
    vehicles: int
    hub_backlogs: tuple[HubBacklog, ...] = ()
    closed_outlets: tuple[ClosedOutlet, ...] = ()


FIGURES = ("picked_up", "delivered", "backlog", "staff", "vehicles")


def content_problems(content: ReportContent) -> list[tuple[str, Message]]:
    """Every mistake of the figures, by field (``hub_backlogs[1].parcels``); empty if none."""
    problems: list[tuple[str, Message]] = []
    for name in FIGURES:
        problems += _figure_problems(name, getattr(content, name))
    seen: set[str] = set()
    for index, hub in enumerate(content.hub_backlogs):
        problems += _node_problems(f"hub_backlogs[{index}].node", hub.node, seen)
        problems += _figure_problems(f"hub_backlogs[{index}].parcels", hub.parcels)
    closed: set[str] = set()
    for index, outlet in enumerate(content.closed_outlets):
        problems += _node_problems(f"closed_outlets[{index}].node", outlet.node, closed)
        if not outlet.reason.strip():
            problems.append((f"closed_outlets[{index}].reason", _("say why the outlet is closed")))
    return problems


def _figure_problems(where: str, value: int) -> list[tuple[str, Message]]:
    if value < 0:
        return [(where, _("{value} is negative: a count is 0 or more", value=value))]
    if value > MAX_FIGURE:
        return [(where, _("{value} is far too large for one day", value=value))]
    return []


def _node_problems(where: str, node: str, seen: set[str]) -> list[tuple[str, Message]]:
    if not node.strip():
        return [(where, _("name the node (its id in the network)"))]
    if node in seen:
        return [(where, _("{node} is listed twice: one line per node", node=node))]
    seen.add(node)
    return []


def region_problem(region: str) -> Message | None:
    """Why ``region`` is not a city's GB/T 2260 code (``510100``), or None."""
    if len(region) != 6 or not region.isdigit():
        return _("{region} is not a GB/T 2260 code of six digits", region=region)
    if region.endswith("0000") or not region.endswith("00"):
        return _("{region} is not a city's code (a city's ends in 00, e.g. 510100)", region=region)
    return None


def city_of(region: str) -> str:
    """The city (prefecture) a GB/T 2260 code lies in: ``510104`` → ``510100``."""
    return region[:4] + "00"


# -- the deadline -------------------------------------------------------------------------------


def report_deadline(day: date, settings: DailyReportSettings = DEFAULT_SETTINGS) -> datetime:
    """When the report of ``day`` is due (China time)."""
    clock = time(settings.deadline_hour, settings.deadline_minute, tzinfo=CHINA_STANDARD_TIME)
    return datetime.combine(day + timedelta(days=settings.deadline_days_after), clock)


def days_due(now: datetime, settings: DailyReportSettings = DEFAULT_SETTINGS) -> list[date]:
    """The days whose deadline has passed at ``now``, the last ``catch_up_days`` of them."""
    last = now.astimezone(CHINA_STANDARD_TIME).date() - timedelta(days=settings.deadline_days_after)
    if report_deadline(last, settings) > now:
        last -= timedelta(days=1)
    return [last - timedelta(days=back) for back in reversed(range(settings.catch_up_days))]


# -- checks and flags ---------------------------------------------------------------------------


class FlagKind(StrEnum):
    missing = "missing"
    late = "late"
    forecast = "forecast"
    scans = "scans"
    parts = "parts"
    jump = "jump"


IMPLAUSIBLE = (FlagKind.forecast, FlagKind.scans, FlagKind.parts, FlagKind.jump)
FLAG_LABELS: dict[FlagKind, Message] = {
    FlagKind.missing: _("missing"),
    FlagKind.late: _("late"),
    FlagKind.forecast: _("outside the forecast"),
    FlagKind.scans: _("off the scans"),
    FlagKind.parts: _("parts do not add up"),
    FlagKind.jump: _("jump"),
}
"""Each flag in words, for the reader (the code stays in data and APIs)."""


def flag_label(kind: str) -> Message | str:
    """The flag ``kind`` in words; the code itself for a kind this table does not name."""
    try:
        return FLAG_LABELS[FlagKind(kind)]
    except ValueError:
        return kind


class Outcome(StrEnum):
    passed = "passed"
    flagged = "flagged"
    not_checked = "not_checked"


@dataclass(frozen=True)
class Check:
    """One plausibility check of one version: passed, flagged or not checked, and why."""

    kind: FlagKind
    outcome: Outcome
    reason: Message
    threshold: Message


@dataclass(frozen=True)
class Flag:
    """A flag raised on a report at its deadline (``version`` 0: the report is missing)."""

    key: ReportKey
    kind: FlagKind
    reason: Message
    threshold: Message
    version: int = 0


@dataclass(frozen=True)
class ForecastBand:
    """The forecast in force's 95 % interval of pickups for a carrier, a city and a day."""

    lower: int
    upper: int
    point: int | None = None


@dataclass(frozen=True)
class ScanCounts:
    """The scans of a carrier in a city on a day: acceptances (收寄) and deliveries (妥投)."""

    accepted: int
    delivered: int


@dataclass(frozen=True)
class Evidence:
    """What a report is checked against (None / empty: that check cannot be made)."""

    forecast: ForecastBand | None = None
    scans: ScanCounts | None = None


def check_forecast(content: ReportContent, band: ForecastBand | None) -> Check:
    threshold = _("the 95 % interval")
    if band is None:
        return Check(
            FlagKind.forecast, Outcome.not_checked, _("not checked: no forecast"), threshold
        )
    figures = {"value": content.picked_up, "lower": band.lower, "upper": band.upper}
    threshold = _("the 95 % interval [{lower}, {upper}]", lower=band.lower, upper=band.upper)
    if band.lower <= content.picked_up <= band.upper:
        return Check(
            FlagKind.forecast,
            Outcome.passed,
            _(
                "{value} picked up, inside the forecast's 95 % interval [{lower}, {upper}]",
                **figures,
            ),
            threshold,
        )
    return Check(
        FlagKind.forecast,
        Outcome.flagged,
        _(
            "{value} picked up, outside the forecast's 95 % interval [{lower}, {upper}]",
            **figures,
        ),
        threshold,
    )


def scan_tolerance(scans: int, settings: DailyReportSettings) -> int:
    """How far a reported figure may be from ``scans`` (the larger of the share and the
    parcels, the share rounded down)."""
    return max(int(scans * settings.scan_tolerance_share), settings.scan_tolerance_parcels)


def check_scans(
    content: ReportContent, scans: ScanCounts | None, settings: DailyReportSettings
) -> Check:
    threshold = _(
        "±max({share} of the scans, {parcels} parcels)",
        share=f"{settings.scan_tolerance_share:.0%}",
        parcels=settings.scan_tolerance_parcels,
    )
    if scans is None:
        return Check(
            FlagKind.scans, Outcome.not_checked, _("not checked: no scan events"), threshold
        )
    reasons: list[Message] = []
    pairs = (
        (content.picked_up, scans.accepted, _("picked up")),
        (content.delivered, scans.delivered, _("delivered")),
    )
    for reported, scanned, what in pairs:
        tolerance = scan_tolerance(scanned, settings)
        if abs(reported - scanned) > tolerance:
            reasons.append(
                _(
                    "{what}: {reported} reported, {scanned} scanned, {difference} apart "
                    "(tolerance {tolerance})",
                    what=what,
                    reported=reported,
                    scanned=scanned,
                    difference=abs(reported - scanned),
                    tolerance=tolerance,
                )
            )
    if not reasons:
        return Check(
            FlagKind.scans,
            Outcome.passed,
            _(
                "{picked_up} picked up and {delivered} delivered, within the tolerance of "
                "{accepted} acceptance and {scanned} delivery scans",
                picked_up=content.picked_up,
                delivered=content.delivered,
                accepted=scans.accepted,
                scanned=scans.delivered,
            ),
            threshold,
        )
    reason = reasons[0] if len(reasons) == 1 else _("{a}; {b}", a=reasons[0], b=reasons[1])
    return Check(FlagKind.scans, Outcome.flagged, reason, threshold)


def check_parts(content: ReportContent, settings: DailyReportSettings) -> Check:
    parts = sum(hub.parcels for hub in content.hub_backlogs)
    threshold = _("±{parcels} parcels", parcels=settings.parts_tolerance_parcels)
    figures = {"parts": parts, "whole": content.backlog, "count": len(content.hub_backlogs)}
    if abs(parts - content.backlog) <= settings.parts_tolerance_parcels:
        return Check(
            FlagKind.parts,
            Outcome.passed,
            _("the {count} hubs' backlogs add up to {parts}, the total {whole}", **figures),
            threshold,
        )
    return Check(
        FlagKind.parts,
        Outcome.flagged,
        _(
            "the {count} hubs' backlogs add up to {parts}, not to the total backlog {whole}",
            **figures,
        ),
        threshold,
    )


def check_jump(
    content: ReportContent, previous: Sequence[int], settings: DailyReportSettings
) -> Check:
    window = list(previous)[-settings.jump_window_days :]
    threshold = _(
        "×{factor} the median of the previous {days} days",
        factor=f"{settings.jump_factor:g}",
        days=len(window),
    )
    if len(window) < settings.jump_min_days:
        return Check(
            FlagKind.jump,
            Outcome.not_checked,
            _(
                "not checked: {count} previous reported days, {needed} needed",
                count=len(window),
                needed=settings.jump_min_days,
            ),
            threshold,
        )
    median = statistics.median(window)
    figures = {
        "value": content.picked_up,
        "median": f"{median:.0f}" if float(median).is_integer() else f"{median:.1f}",
        "days": len(window),
        "factor": f"{settings.jump_factor:g}",
    }
    high = content.picked_up > settings.jump_factor * median
    low = content.picked_up * settings.jump_factor < median
    if not (high or low):
        return Check(
            FlagKind.jump,
            Outcome.passed,
            _("{value} picked up against a median of {median} over {days} days", **figures),
            threshold,
        )
    message = (
        _("{value} picked up, over {factor} times the median {median} of {days} days", **figures)
        if high
        else _(
            "{value} picked up, under 1/{factor} of the median {median} of {days} days",
            **figures,
        )
    )
    return Check(FlagKind.jump, Outcome.flagged, message, threshold)


def plausibility(
    content: ReportContent,
    evidence: Evidence,
    previous_pickups: Sequence[int] = (),
    settings: DailyReportSettings = DEFAULT_SETTINGS,
) -> tuple[Check, ...]:
    """Every plausibility check of one version, in the order of :data:`IMPLAUSIBLE`
    (``previous_pickups``: those of the previous reported days, oldest first)."""
    return (
        check_forecast(content, evidence.forecast),
        check_scans(content, evidence.scans, settings),
        check_parts(content, settings),
        check_jump(content, previous_pickups, settings),
    )


# -- the deadline's verdict on a set of reports --------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    """What the deadline sees of a report: when its first version came, its latest version's
    number and figures."""

    first_at: datetime
    version: int
    content: ReportContent


def timeliness(
    key: ReportKey,
    submitted: Submitted | None,
    *,
    now: datetime,
    settings: DailyReportSettings = DEFAULT_SETTINGS,
) -> Flag | None:
    """The missing or late flag of a report at ``now`` (None before its deadline, or when the
    report came in time; a version at the deadline itself is in time)."""
    deadline = report_deadline(key.day, settings)
    if now <= deadline:
        return None
    shown = deadline.strftime("%Y-%m-%d %H:%M")
    threshold = _("{deadline} China time (local policy)", deadline=shown)
    if submitted is None:
        return Flag(
            key,
            FlagKind.missing,
            _("no report received by the deadline {deadline}", deadline=shown),
            threshold,
        )
    if submitted.first_at > deadline:
        minutes = int((submitted.first_at - deadline).total_seconds() // 60)
        return Flag(
            key,
            FlagKind.late,
            _(
                "first received {received}, {hours} h {minutes} min after the deadline {deadline}",
                received=submitted.first_at.astimezone(CHINA_STANDARD_TIME).strftime(
                    "%Y-%m-%d %H:%M"
                ),
                hours=minutes // 60,
                minutes=minutes % 60,
                deadline=shown,
            ),
            threshold,
            1,
        )
    return None


@dataclass(frozen=True)
class Assessment:
    """The verdict at the deadline: the flags raised and every check made, by report."""

    flags: tuple[Flag, ...]
    checks: Mapping[ReportKey, tuple[Check, ...]] = field(default_factory=dict)


def previous_pickups(
    key: ReportKey,
    submitted: Mapping[ReportKey, Submitted],
    settings: DailyReportSettings = DEFAULT_SETTINGS,
) -> tuple[int, ...]:
    """The pickups of the carrier's previous reported days in the city (at most
    ``jump_window_days`` of them, oldest first); a missing day is skipped, not counted as 0."""
    earlier = sorted(
        (other.day, report.content.picked_up)
        for other, report in submitted.items()
        if other.carrier == key.carrier and other.region == key.region and other.day < key.day
    )
    return tuple(value for _day, value in earlier[-settings.jump_window_days :])


def assess(
    expected: Iterable[ReportKey],
    submitted: Mapping[ReportKey, Submitted],
    evidence: Mapping[ReportKey, Evidence],
    *,
    now: datetime,
    settings: DailyReportSettings = DEFAULT_SETTINGS,
    days: Collection[date] | None = None,
) -> Assessment:
    """Flag every expected report that is missing at ``now``, every report late, and every
    latest version implausible; reports whose deadline has not passed are left alone. With
    ``days``, only the reports of those days are judged (the others in ``submitted`` serve as
    the previous days of the jump check)."""
    flags: list[Flag] = []
    checks: dict[ReportKey, tuple[Check, ...]] = {}
    for key in sorted(set(expected) | set(submitted)):
        if days is not None and key.day not in days:
            continue
        report = submitted.get(key)
        flag = timeliness(key, report, now=now, settings=settings)
        if flag is not None:
            flags.append(flag)
        if report is None or now <= report_deadline(key.day, settings):
            continue
        made = plausibility(
            report.content,
            evidence.get(key, Evidence()),
            previous_pickups(key, submitted, settings),
            settings,
        )
        checks[key] = made
        flags += [
            Flag(key, check.kind, check.reason, check.threshold, report.version)
            for check in made
            if check.outcome is Outcome.flagged
        ]
    return Assessment(tuple(flags), checks)
