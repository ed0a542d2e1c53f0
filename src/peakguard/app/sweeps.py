"""Every timer of the desk, run together: what a server process does every
``PEAKGUARD_COMPLAINT_SWEEP_SECONDS`` (and ``peakguard … sweep`` by hand).

In order: the cases' reminders and breaches (:mod:`.case_sweep`), the complaint reminders
delivered to the duty as alerts and the duty's alert escalation (:mod:`.alerts`), the daily
reports' deadline flags (:mod:`.daily_rollup`), the incidents' blockage clocks
(:mod:`.incidents`), the rectification orders' reminders and escalation
(:mod:`.rectification`), the stop-sort holds' violations found in the lake
(:mod:`.hold_scans`), the supply orders' quotation and confirmation clocks
(:mod:`.supply_orders`). Each sweep takes its own lock and records each firing once, however many
processes sweep and however long none did (it catches up); one failing sweep does not stop
the others, and the failure is logged and retried at the next period.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from peakguard.app.alerts import alert_case_reminders, sweep_alerts
from peakguard.app.case_sweep import sweep_cases
from peakguard.app.context import event_lake
from peakguard.app.daily_rollup import forecast_in_force, sweep_reports
from peakguard.app.hold_scans import sweep_holds
from peakguard.app.incidents import sweep_incidents
from peakguard.app.rectification import sweep_orders
from peakguard.app.supply_orders import sweep_supply_orders
from peakguard.cases.daily_reports import DailyReportSettings
from peakguard.config import Settings
from peakguard.store.database import Store

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepsReport:
    """What one round recorded, by sweep (counts of reminders, alerts, escalations, flags,
    breaches), and the sweeps that failed."""

    counts: dict[str, int] = field(default_factory=dict)
    failed: tuple[str, ...] = ()

    @property
    def recorded(self) -> int:
        return sum(self.counts.values())


def run_sweeps(store: Store, settings: Settings, *, now: datetime | None = None) -> SweepsReport:
    """Run every sweep once at ``now`` (default: the present)."""
    moment = now or datetime.now(UTC)
    report_settings = (
        DailyReportSettings.from_toml(settings.daily_report_settings)
        if settings.daily_report_settings is not None
        else DailyReportSettings()
    )

    def cases() -> int:
        done = sweep_cases(store, now=moment)
        return done.reminders + done.breaches

    def reminders() -> int:
        return alert_case_reminders(store, now=moment)

    def alerts() -> int:
        return sweep_alerts(store, now=moment).escalations

    def reports() -> int:
        done = sweep_reports(
            store,
            now=moment,
            settings=report_settings,
            lake=event_lake(settings),
            forecasts=forecast_in_force(store, settings.home),
        )
        return sum(done.flags.values())

    def incidents() -> int:
        done = sweep_incidents(store, now=moment)
        return done.breaches + done.alerts

    sweeps: dict[str, Callable[[], int]] = {
        "cases": cases,
        "case_reminders": reminders,
        "alerts": alerts,
        "daily_reports": reports,
        "incidents": incidents,
        "rectification_orders": lambda: sweep_orders(store, settings, moment),
        "holds": lambda: sweep_holds(store, settings, moment),
        "supply_orders": lambda: sweep_supply_orders(store, now=moment),
    }
    counts: dict[str, int] = {}
    failed: list[str] = []
    for name, sweep in sweeps.items():
        try:
            counts[name] = sweep()
        except Exception:  # one failing sweep must not stop the others; retried next period
            LOG.exception("the %s sweep failed", name)
            failed.append(name)
    return SweepsReport(counts, tuple(failed))
