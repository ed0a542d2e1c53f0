"""The demo season's operations desk, scripted: what the carriers report and when, the road cut
and its reports, the warning that activates a level III plan and its end.

Pure: from the simulated season (the figures each carrier company's outlets, stations and hubs
would count, :func:`season_figures`) and the seed, :func:`desk_season` writes the script of the
season's desk — every daily report with the moment it is sent (most before the 10:00 deadline,
a few late), one sent with a typo (an extra zero in ``picked_up``: implausible against the
previous days) and its correction, the road-cut incident on the scenario's closed hub with its
first report well inside 24 hours, a follow-up, the reroute and the final report, and the
emergency response: proposed from the first morning the reported hub backlogs call for level
III of the peak-backlog plan, activated, its actions checked off, terminated once the hubs
drained. The application records it (:mod:`peakguard.app.demo_desk`).

The staff and vehicles figures are illustrative (one person per
:data:`PARCELS_PER_STAFF` parcels picked up or delivered, one vehicle per
:data:`PARCELS_PER_VEHICLE`): the simulator does not model people.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np

from peakguard.cases.daily_reports import (
    DEFAULT_SETTINGS,
    DailyReportSettings,
    HubBacklog,
    ReportContent,
    ReportKey,
    city_of,
    report_deadline,
)
from peakguard.cases.emergency_plans import Plans, propose, severity
from peakguard.domain.network import Network, NodeKind
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.i18n import Message, _, render
from peakguard.simulate.run_state import SimulationRun
from peakguard.simulate.scenario import Scenario

PARCELS_PER_STAFF = 300
"""Illustrative: parcels picked up or delivered per person on duty in a day."""
PARCELS_PER_VEHICLE = 2500
"""Illustrative: parcels picked up or delivered per vehicle on duty in a day."""
LATE_REPORTS = 3
"""How many reports the script sends after their deadline."""
TYPO_FACTOR = 10
"""The implausible report's ``picked_up``: an extra zero typed."""
RESPONSE_LEVEL = "III"
"""The level the script waits for before proposing the plan."""
RESPONSE_KIND = "backlog"


@dataclass(frozen=True)
class CityDay:
    """One carrier's figures for one city and day, as its company would report them."""

    key: ReportKey
    picked_up: int
    delivered: int
    hub_backlogs: tuple[tuple[str, int], ...]

    @property
    def backlog(self) -> int:
        return sum(parcels for _hub, parcels in self.hub_backlogs)

    def content(self, *, typo: bool = False) -> ReportContent:
        handled = self.picked_up + self.delivered
        return ReportContent(
            picked_up=self.picked_up * (TYPO_FACTOR if typo else 1),
            delivered=self.delivered,
            backlog=self.backlog,
            staff=max(1, math.ceil(handled / PARCELS_PER_STAFF)),
            vehicles=max(1, math.ceil(handled / PARCELS_PER_VEHICLE)),
            hub_backlogs=tuple(HubBacklog(hub, parcels) for hub, parcels in self.hub_backlogs),
        )


@dataclass(frozen=True)
class Sending:
    """One message a carrier company sends the desk: its reports of ``day`` (all cities at once
    by file, or one city through the API), or a correction with its reason."""

    at: datetime
    carrier: str
    day: date
    channel: str
    reports: tuple[CityDay, ...]
    typo: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class IncidentScript:
    """The road cut on the scenario's closed hub: when it blocked the network, when it ended,
    and when the company reports, the reroute is planned and the incident closed."""

    carrier: str
    region: str
    hub: str
    hub_name: str
    reason: str
    blocked_at: datetime
    ends_at: datetime
    first_report_at: datetime
    reroute_at: datetime
    follow_up_at: datetime
    final_at: datetime
    parcels_held: int
    """At the hub when the first report is written."""
    parcels_held_later: int
    """At the hub at the follow-up."""


@dataclass(frozen=True)
class ResponseScript:
    """The level III response: proposed from the warning of ``trigger_hub`` on ``proposed_at``
    (the reported backlogs of ``observed_day``), activated, its actions checked off, and
    terminated once the hubs drained (the figures of ``drained_day``)."""

    observed_day: date
    trigger_hub: str
    facts: Mapping[str, float]
    level: str
    plan: str
    proposed_at: datetime
    activated_at: datetime
    checks: tuple[tuple[datetime, str, str], ...]
    """(when, action, the responsible role)."""
    drained_day: date
    full_hubs_drained: int
    hubs_watched: int
    terminated_at: datetime


@dataclass(frozen=True)
class DeskSeason:
    """The script of the season's desk (see the module's docstring)."""

    days: tuple[date, ...]
    figures: Mapping[ReportKey, CityDay]
    sendings: tuple[Sending, ...]
    late: Mapping[ReportKey, datetime]
    """The reports sent after their deadline, and when."""
    implausible: ReportKey
    corrected_at: datetime
    incident: IncidentScript | None
    response: ResponseScript | None
    mornings: tuple[datetime, ...] = field(default=())
    """When the desk evaluates the warnings (after each day's deadline)."""
    busy_morning: datetime | None = None
    """The morning the duty acknowledges its alerts late (the first the hubs call for a
    response: the alerts escalate before anyone answers)."""


def _china(moment: datetime) -> datetime:
    return moment.replace(tzinfo=CHINA_STANDARD_TIME)


def season_days(scenario: Scenario) -> tuple[date, ...]:
    """The days the carriers report: the warm-up days and the scenario's days (the drain days
    have no pickups to report)."""
    first = scenario.start.date()
    count = scenario.warm_up_days + scenario.days
    return tuple(first + timedelta(days=offset) for offset in range(count))


def season_figures(
    network: Network,
    scenario: Scenario,
    run: SimulationRun,
    carriers: Sequence[str],
    province: str,
    days: Sequence[date] | None = None,
) -> dict[ReportKey, CityDay]:
    """Each carrier's figures per city of ``province`` (``51``) and day (default: the reported
    days): parcels accepted at its outlets, delivered at its stations, and its hubs' backlogs
    at the day's end, from the simulated run."""
    chosen = set(carriers)
    figures: dict[ReportKey, CityDay] = {}
    first = scenario.start.date()
    for day in season_days(scenario) if days is None else days:
        start = (day - first).days * 24
        totals: dict[tuple[str, str], list[float]] = {}
        hubs: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for index, node in enumerate(network.nodes):
            if node.carrier not in chosen or not node.region.startswith(province):
                continue
            place = (node.carrier, city_of(node.region))
            sums = totals.setdefault(place, [0.0, 0.0])
            if node.kind is NodeKind.outlet:
                sums[0] += float(np.sum(run.arrived[index, start : start + 24]))
            elif node.kind is NodeKind.station:
                sums[1] += float(np.sum(run.processed[index, start : start + 24]))
            elif node.kind is NodeKind.hub:
                held = max(0, round(float(run.backlog[index, start + 23])))
                hubs.setdefault(place, []).append((node.id, held))
        for (carrier, city), (picked, delivered) in totals.items():
            key = ReportKey(carrier, city, day)
            figures[key] = CityDay(
                key, round(picked), round(delivered), tuple(sorted(hubs.get((carrier, city), [])))
            )
    return figures


def _moment(day: date, minutes_after_midnight: int) -> datetime:
    return datetime.combine(day, time(), tzinfo=CHINA_STANDARD_TIME) + timedelta(
        minutes=minutes_after_midnight
    )


def _response(
    figures: Mapping[ReportKey, CityDay],
    days: Sequence[date],
    storage: Mapping[str, float],
    plans: Plans,
    after: timedelta,
    last: Mapping[str, int],
    last_day: date,
) -> ResponseScript | None:
    """The first morning the reported hubs call for level III or worse, and when they drained."""
    for day in days:
        held = {
            hub: parcels
            for k, c in figures.items()
            if k.day == day
            for hub, parcels in c.hub_backlogs
        }
        facts = response_facts(held, storage)
        if not facts:
            continue
        proposal = propose(plans, RESPONSE_KIND, facts)
        if proposal is None or severity(proposal.level) > severity(RESPONSE_LEVEL):
            continue
        trigger = max(held, key=lambda hub: (held[hub] / storage[hub], hub))
        morning = _moment(day + timedelta(days=1), 0) + after
        actions = proposal.plan.level(proposal.level).actions
        activated = morning + timedelta(minutes=35)
        checks = tuple(
            (activated + timedelta(minutes=20 + 95 * number), action.key, action.role)
            for number, action in enumerate(actions)
        )
        full = sum(1 for hub, parcels in last.items() if parcels >= storage[hub])
        terminated = max(_moment(last_day + timedelta(days=1), 11 * 60), checks[-1][0])
        return ResponseScript(
            observed_day=day,
            trigger_hub=trigger,
            facts=facts,
            level=proposal.level,
            plan=proposal.plan.key,
            proposed_at=morning + timedelta(minutes=5),
            activated_at=activated,
            checks=checks,
            drained_day=last_day,
            full_hubs_drained=full,
            hubs_watched=len(last),
            terminated_at=terminated + timedelta(minutes=1),
        )
    return None


def response_facts(held: Mapping[str, int], storage: Mapping[str, float]) -> dict[str, float]:
    """The facts a backlog warning gives the plans, from the hubs' reported backlogs: the worst
    hub's level (1 red … 4 blue, by the default thresholds' shares 100/90/80/70 %), its
    backlog ÷ storage, and the share of the watched hubs full."""
    ratios = {hub: parcels / storage[hub] for hub, parcels in held.items() if storage.get(hub)}
    if not ratios:
        return {}
    worst = max(ratios.values())
    level = next((n for n, share in enumerate((1.0, 0.9, 0.8, 0.7), 1) if worst >= share), 0)
    if not level:
        return {}
    full = sum(1 for ratio in ratios.values() if ratio >= 1.0)
    return {
        "warning_level": float(level),
        "backlog_ratio": round(worst, 4),
        "overflowing_hub_share": round(full / len(ratios), 4),
    }


def desk_season(
    network: Network,
    scenario: Scenario,
    figures: Mapping[ReportKey, CityDay],
    *,
    seed: int,
    plans: Plans,
    api_carriers: Sequence[str] = ("SF",),
    drained: Mapping[str, int] | None = None,
    settings: DailyReportSettings = DEFAULT_SETTINGS,
) -> DeskSeason:
    """The script of the season's desk from its figures (see the module's docstring);
    ``drained``: the hubs' backlogs at the end of the season (default: its last reported
    day's)."""
    random = np.random.default_rng([seed, 16])
    days = tuple(sorted({key.day for key in figures}))
    carriers = sorted({key.carrier for key in figures})
    by_day: dict[tuple[str, date], list[CityDay]] = {}
    for key in sorted(figures):
        by_day.setdefault((key.carrier, key.day), []).append(figures[key])
    storage = {node.id: float(node.storage_capacity) for node in network.nodes}
    closure = scenario.closures[0] if scenario.closures else None
    closed_day = closure.start.date() if closure is not None else None
    candidates = [
        key
        for key in sorted(figures)
        if key.carrier in api_carriers and key.day not in (days[0], closed_day)
    ]
    late_keys = (
        [candidates[int(i)] for i in random.choice(len(candidates), LATE_REPORTS, replace=False)]
        if len(candidates) >= LATE_REPORTS
        else []
    )
    late = {
        key: report_deadline(key.day, settings) + timedelta(minutes=int(minutes))
        for key, minutes in zip(sorted(late_keys), (35, 105, 290), strict=False)
    }
    jump_days = [day for day in days[settings.jump_min_days :] if day != closed_day]
    typo_carrier = next((c for c in carriers if c not in api_carriers), carriers[0])
    typo_day = jump_days[len(jump_days) // 2] if jump_days else days[-1]
    typo_city = max(
        (c for c in by_day.get((typo_carrier, typo_day), []) if c.key not in late),
        key=lambda c: (c.picked_up, c.key),
    )
    sendings = _sendings(by_day, api_carriers, late, (typo_carrier, typo_day), random, settings)
    corrected_at = report_deadline(typo_day, settings) + timedelta(hours=5, minutes=20)
    sendings.append(
        Sending(
            corrected_at,
            typo_carrier,
            typo_day,
            "api",
            (typo_city,),
            reason="picked_up had an extra zero typed (录入错误，多录一个0)",
        )
    )
    after = timedelta(hours=settings.deadline_hour, minutes=settings.deadline_minute + 30)
    last_held = drained or {
        hub: parcels
        for k, c in figures.items()
        if k.day == days[-1]
        for hub, parcels in c.hub_backlogs
    }
    response = _response(
        figures, days, storage, plans, after, last_held, days[-1] + timedelta(days=1)
    )
    return DeskSeason(
        days=days,
        figures=figures,
        sendings=tuple(sorted(sendings, key=lambda s: (s.at, s.carrier, s.reports[0].key))),
        late=late,
        implausible=typo_city.key,
        corrected_at=corrected_at,
        incident=_incident(network, scenario, figures),
        response=response,
        mornings=tuple(_moment(day + timedelta(days=1), 0) + after for day in days),
        busy_morning=None if response is None else response.proposed_at - timedelta(minutes=5),
    )


def _sendings(
    by_day: Mapping[tuple[str, date], Sequence[CityDay]],
    api_carriers: Sequence[str],
    late: Mapping[ReportKey, datetime],
    typo: tuple[str, date],
    random: np.random.Generator,
    settings: DailyReportSettings,
) -> list[Sending]:
    """Each company's reports of each day, by file or through the API, all cities at once 15
    minutes to 2 hours before the deadline but the late ones, each sent after it."""
    sendings: list[Sending] = []
    for (carrier, day), reports in sorted(by_day.items()):
        deadline = report_deadline(day, settings)
        if carrier in api_carriers:
            on_time = tuple(report for report in reports if report.key not in late)
            early = int(random.integers(20, 150))
            sendings.append(
                Sending(deadline - timedelta(minutes=early), carrier, day, "api", on_time)
            )
            for report in reports:
                if report.key in late:
                    sendings.append(Sending(late[report.key], carrier, day, "api", (report,)))
        else:
            at = deadline - timedelta(minutes=int(random.integers(15, 120)))
            typo_file = (carrier, day) == typo
            sendings.append(Sending(at, carrier, day, "file", tuple(reports), typo=typo_file))
    return sendings


def _incident(
    network: Network, scenario: Scenario, figures: Mapping[ReportKey, CityDay]
) -> IncidentScript | None:
    """The scenario's first closure of a hub of a reporting carrier, as a road cut."""
    carriers = {key.carrier for key in figures}
    nodes = {node.id: node for node in network.nodes}
    for closure in scenario.closures:
        hub = nodes.get(closure.node)
        if hub is None or hub.kind is not NodeKind.hub or hub.carrier not in carriers:
            continue
        blocked, ends = _china(closure.start), _china(closure.end)
        day_figures = figures.get(ReportKey(hub.carrier, city_of(hub.region), blocked.date()))
        held = dict(day_figures.hub_backlogs) if day_figures is not None else {}
        before = figures.get(
            ReportKey(hub.carrier, city_of(hub.region), blocked.date() - timedelta(days=1))
        )
        earlier = dict(before.hub_backlogs) if before is not None else {}
        return IncidentScript(
            carrier=hub.carrier,
            region=hub.region,
            hub=hub.id,
            hub_name=hub.name,
            reason=closure.reason or "road cut",
            blocked_at=blocked,
            ends_at=ends,
            first_report_at=blocked + timedelta(hours=3, minutes=40),
            reroute_at=blocked + timedelta(hours=4, minutes=25),
            follow_up_at=blocked + timedelta(hours=14),
            final_at=ends + timedelta(hours=9, minutes=30),
            parcels_held=earlier.get(hub.id, 0),
            parcels_held_later=held.get(hub.id, 0),
        )
    return None


@dataclass(frozen=True)
class DemoDesk:
    """What the demo's desk recorded (read back from the database)."""

    reports: int
    versions: int
    flags: Mapping[str, int]
    late: tuple[str, ...]
    """``carrier city day`` of each report flagged late."""
    implausible: tuple[tuple[str, Message], ...]
    """``(carrier city day, reason)`` of each report flagged implausible."""
    incident: str | None
    clock: str | None
    """The blockage clock's outcome (met: the first report came within 24 h)."""
    backups: int
    warnings: int
    activation: str | None
    """``plan level state (actions checked/ordered)``."""
    alerts: int
    acknowledged: int
    escalated: int
    rostered: tuple[str, ...]
    left_out: tuple[str, ...] = ()
    already_recorded: bool = False

    def figures(self) -> list[tuple[Message, str]]:
        """The summary as labelled figures, for the demo's printed output."""
        names = {
            "missing": _("missing"),
            "late": _("late"),
            "forecast": _("outside the forecast"),
            "scans": _("against the scans"),
            "parts": _("parts not adding up"),
            "jump": _("jump against the previous days"),
        }
        flags = ", ".join(
            f"{render(names[kind]) if kind in names else kind} {count}"
            for kind, count in sorted(self.flags.items())
        )
        rows: list[tuple[Message, str]] = [
            (_("Offices with a duty roster"), ", ".join(self.rostered)),
            (_("Daily reports (versions)"), f"{self.reports:,} ({self.versions:,})"),
            (_("Flags raised at the deadlines"), flags or "0"),
            (_("Reports flagged late"), "; ".join(self.late) or "0"),
        ]
        for where, reason in self.implausible:
            rows.append((_("Report flagged implausible"), f"{where}: {render(reason)}"))
        if self.incident is not None:
            rows.append(
                (
                    _("Road-cut incident (24 h report clock; reroute backups)"),
                    f"{self.incident} ({self.clock}; {self.backups})",
                )
            )
        rows.append((_("Warnings raised from the reported backlogs"), f"{self.warnings:,}"))
        if self.activation is not None:
            rows.append((_("Emergency plan activated by a warning"), self.activation))
        rows.append(
            (
                _("Duty alerts (acknowledged, escalation steps)"),
                f"{self.alerts:,} ({self.acknowledged:,}, {self.escalated:,})",
            )
        )
        if self.left_out:
            rows.append((_("Left out of the desk"), ", ".join(self.left_out)))
        if self.already_recorded:
            rows.append((_("Desk recorded by an earlier run of the demo"), f"{self.reports:,}"))
        return rows
