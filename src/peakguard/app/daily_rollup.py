"""The daily reports' deadline sweep and the administration's daily roll-up.

:func:`sweep_reports` judges, at ``now``, every day whose deadline has passed (the last
``catch_up_days`` of them, so a sweep after a restart catches up): missing and late reports,
and the plausibility of each latest version against the forecast in force, the scans in the
lake and the previous days (:mod:`peakguard.cases.daily_reports`). Each flag is a row that can
exist once and each version's checks are kept once, so two workers sweeping together, or one
sweeping twice, raise every flag once (PostgreSQL: one sweep at a time under an advisory lock).

The forecast in force is the city-level 95 % interval of the latest succeeded forecast job's
``forecasts.csv`` (:func:`forecast_in_force`); without one the forecast check says "not
checked: no forecast".

:func:`daily_rollup` is the report a province (or a city) sends up: the day's latest figures
per carrier and per city in its territory, the flags, and the companies that did not report.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from peakguard.app.audit import record_in
from peakguard.app.case_sweep import SWEEPER
from peakguard.app.daily_reports import narrowed
from peakguard.cases.daily_reports import (
    DEFAULT_SETTINGS,
    FIGURES,
    DailyReportSettings,
    Evidence,
    FlagKind,
    ForecastBand,
    ReportKey,
    assess,
    days_due,
    flag_label,
    report_deadline,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.i18n import _, render
from peakguard.identity.model import Principal
from peakguard.store.daily_reports import (
    FlagRecord,
    ReportFilter,
    expected_keys,
    flags_of,
    insert_flag_once,
    latest_reports,
    report_sweep_lock,
    save_checks_once,
    scan_counts,
    submitted_reports,
)
from peakguard.store.database import Store, transaction
from peakguard.store.jobs import latest_finished_job

ForecastBands = Mapping[tuple[str, str, date], ForecastBand]
"""(carrier, city, day) → the forecast's 95 % interval of pickups."""


def read_forecast_bands(path: Path) -> dict[tuple[str, str, date], ForecastBand]:
    """The city-level 95 % intervals of a forecast's ``forecasts.csv``."""
    bands: dict[tuple[str, str, date], ForecastBand] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("level") != "city" or not row.get("carrier"):
                continue
            bands[(row["carrier"], row["region"], date.fromisoformat(row["day"]))] = ForecastBand(
                int(row["lower_95"]), int(row["upper_95"]), int(row["point"])
            )
    return bands


def forecast_in_force(store: Store, home: Path | None) -> ForecastBands | None:
    """The bands of the latest succeeded forecast job of any organisation, read from its
    folder under ``home`` (None: no job, no folder, or no such file)."""
    if home is None:
        return None
    job = latest_finished_job(store, None, "forecast")
    if job is None:
        return None
    path = home.expanduser() / "jobs" / job.id / "forecasts.csv"
    return read_forecast_bands(path) if path.is_file() else None


@dataclass(frozen=True)
class SweepOutcome:
    """What one sweep recorded (``ran`` False: another sweep held the lock)."""

    ran: bool
    days: tuple[date, ...] = ()
    flags: dict[str, int] = field(default_factory=dict)
    """Flags raised by this sweep, by kind."""
    checked: int = 0


def sweep_reports(
    store: Store,
    *,
    now: datetime | None = None,
    settings: DailyReportSettings = DEFAULT_SETTINGS,
    lake: Path | None = None,
    forecasts: ForecastBands | None = None,
    actor: Principal = SWEEPER,
) -> SweepOutcome:
    """Raise every flag due at ``now`` once (see the module's docstring)."""
    moment = now or datetime.now(UTC)
    days = days_due(moment, settings)
    earliest = days[0] - timedelta(days=settings.jump_window_days * 3)
    scans = {day: scan_counts(lake, day) for day in days} if lake is not None else {}
    raised: dict[str, int] = {}
    checked = 0
    with transaction(store.sessions) as session:
        if not report_sweep_lock(session):
            return SweepOutcome(ran=False)
        submitted = submitted_reports(session, ReportFilter(day_from=earliest, day_to=days[-1]))
        expected = expected_keys(session, days)
        evidence = {
            key: Evidence(
                None if forecasts is None else forecasts.get((key.carrier, key.region, key.day)),
                scans[key.day].of(key.carrier, key.region) if key.day in scans else None,
            )
            for key in submitted
            if key.day in days
        }
        verdict = assess(
            expected, submitted, evidence, now=moment, settings=settings, days=set(days)
        )
        for key, checks in verdict.checks.items():
            checked += save_checks_once(session, key, submitted[key].version, checks, moment)
        for flag in verdict.flags:
            if insert_flag_once(session, flag, moment):
                raised[flag.kind.value] = raised.get(flag.kind.value, 0) + 1
                record_in(
                    session,
                    store,
                    actor,
                    "daily_report.flagged",
                    "daily_report_key",
                    f"{flag.key.carrier}/{flag.key.region}/{flag.key.day.isoformat()}",
                    detail={"kind": flag.kind.value, "version": flag.version},
                    at=moment,
                )
    return SweepOutcome(True, tuple(days), raised, checked)


# -- the roll-up --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RollupLine:
    """The totals of one carrier or one city (``name``) over the day's latest versions."""

    name: str
    reports: int
    picked_up: int
    delivered: int
    backlog: int
    staff: int
    vehicles: int
    closed_outlets: int


@dataclass(frozen=True)
class Rollup:
    """The administration's daily report for its territory."""

    day: date
    region: str
    deadline: datetime
    by_carrier: tuple[RollupLine, ...]
    by_city: tuple[RollupLine, ...]
    total: RollupLine
    flags: tuple[FlagRecord, ...]
    missing: tuple[ReportKey, ...]
    """Expected reports not received (yet, before the deadline; flagged after it)."""


def _line(name: str, reports: list[ReportKey], contents: Mapping[ReportKey, object]) -> RollupLine:
    sums = dict.fromkeys(FIGURES, 0)
    closed = 0
    for key in reports:
        content = contents[key]
        for figure in FIGURES:
            sums[figure] += int(getattr(content, figure))
        closed += len(getattr(content, "closed_outlets", ()))
    return RollupLine(name, len(reports), **sums, closed_outlets=closed)


def daily_rollup(
    store: Store,
    actor: Principal,
    day: date,
    region: str | None = None,
    *,
    settings: DailyReportSettings = DEFAULT_SETTINGS,
) -> Rollup:
    """The day's roll-up of ``region`` (default: the actor's whole reach)."""
    chosen = narrowed(actor, region=region, day_from=day, day_to=day)
    with transaction(store.sessions) as session:
        reports = latest_reports(session, chosen)
        flags = flags_of(session, chosen)
        expected = {
            key
            for key in expected_keys(session, [day])
            if key.region.startswith(chosen.region_prefix)
            and (chosen.carrier is None or key.carrier == chosen.carrier)
        }
    contents = {key: record.latest for key, record in reports.items()}
    carriers: dict[str, list[ReportKey]] = {}
    cities: dict[str, list[ReportKey]] = {}
    for key in sorted(contents):
        carriers.setdefault(key.carrier, []).append(key)
        cities.setdefault(key.region, []).append(key)
    return Rollup(
        day,
        region or chosen.region_prefix,
        report_deadline(day, settings),
        tuple(_line(name, keys, contents) for name, keys in sorted(carriers.items())),
        tuple(_line(name, keys, contents) for name, keys in sorted(cities.items())),
        _line("total", sorted(contents), contents),
        tuple(flags),
        tuple(sorted(expected - set(contents))),
    )


def rollup_rows(rollup: Rollup) -> list[list[str | int]]:
    """The roll-up's totals as rows: per carrier, per city, then the territory's total."""
    sections = (
        ("carrier", rollup.by_carrier),
        ("city", rollup.by_city),
        ("total", (rollup.total,)),
    )
    return [
        [
            section,
            line.name,
            line.reports,
            line.picked_up,
            line.delivered,
            line.backlog,
            line.staff,
            line.vehicles,
            line.closed_outlets,
        ]
        for section, lines in sections
        for line in lines
    ]


def rollup_flag_rows(rollup: Rollup, language: str | None = None) -> list[list[str | int]]:
    """The flags of the day, then the expected reports not received and not flagged yet."""
    rows: list[list[str | int]] = [
        [
            flag.key.day.isoformat(),
            flag.key.carrier,
            flag.key.region,
            render(flag_label(flag.kind), language),
            flag.version,
            render(flag.reason, language),
            render(flag.threshold, language),
        ]
        for flag in rollup.flags
    ]
    flagged = {flag.key for flag in rollup.flags if flag.kind == FlagKind.missing.value}
    due = rollup.deadline.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")
    reason = render(_("not received yet (due {deadline})", deadline=due), language)
    missing = render(flag_label(FlagKind.missing), language)
    threshold = render(_("{deadline} China time (local policy)", deadline=due), language)
    rows += [
        [key.day.isoformat(), key.carrier, key.region, missing, 0, reason, threshold]
        for key in rollup.missing
        if key not in flagged
    ]
    return rows
