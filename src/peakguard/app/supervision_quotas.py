"""Pickups against the quotas of the staggered pickup plan in force (错峰发货监督): each origin's
parcels accepted per day in the scan-event lake against the quota of its plan in force — the
latest finished plan of the network whose quotas name it — with a tolerance. Over quota pushes
into the network volume the plan holds back; under quota may be fewer orders, or pickup
stopping (:mod:`peakguard.app.supervision` finds the stops). Needs ``report.read``; shows only
the origins the reader reaches. Nothing is stored.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from peakguard.app.access import reach, require
from peakguard.app.jobs import STAGGER, job_folder
from peakguard.app.supervision import NodeCounts, lake_counts, supervised_nodes
from peakguard.cases.stops import DeviationKind, QuotaDeviation, QuotaTolerance, judge_quota
from peakguard.domain.network import NodeKind
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import NotFoundError
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.store.database import Store, transaction
from peakguard.store.tables import JobRow

NO_RELEASE_FEED = _(
    "The platforms' actual order releases are not recorded: a releases file names no platform "
    "and only the plan's agreed releases (the released column) are known, so releases against "
    "the agreed schedule cannot be compared. That needs a feed of actual releases per "
    "platform, origin and day."
)


MAX_PLAN_DAYS = 92
"""Days of a plan compared at most (a season); a longer plan is compared on its last ones."""
PLANS_LOOKED_AT = 20
"""The latest finished plans of a network searched for each origin's plan in force."""
# -- pickups against the plan in force ----------------------------------------------------------


@dataclass(frozen=True)
class PlanInForce:
    """A finished staggered pickup plan whose quotas are in force for some origins."""

    job_id: str
    network: str
    scenario: str
    owner: str
    finished_at: datetime | None
    origins: int
    """Origins within reach it is the plan in force of."""


@dataclass(frozen=True)
class QuotaReport:
    network: str
    day: date | None
    plans: list[PlanInForce]
    rows: list[tuple[QuotaDeviation, str]]
    """Each origin-day compared, with the id of its plan's job."""
    tolerance: QuotaTolerance
    compared_days: list[date]
    notes: list[Message]

    @property
    def deviations(self) -> list[tuple[QuotaDeviation, str]]:
        return [(row, plan) for row, plan in self.rows if row.kind is not DeviationKind.within]


@dataclass(frozen=True)
class _Quota:
    quota: float
    released: float


def _finished_plans(store: Store, network: str) -> list[tuple[JobRow, dict[str, Any]]]:
    with transaction(store.sessions) as session:
        rows = session.scalars(
            select(JobRow)
            .where(JobRow.kind == STAGGER, JobRow.status == "succeeded")
            .order_by(JobRow.finished_at.desc(), JobRow.id)
            .limit(50 * PLANS_LOOKED_AT)
        ).all()
        found = []
        for row in rows:
            parameters = json.loads(row.parameters)
            if parameters.get("network") == network:
                session.expunge(row)
                found.append((row, parameters))
            if len(found) >= PLANS_LOOKED_AT:
                break
        return found


def _read_quotas(path: Path) -> dict[tuple[str, str], dict[date, _Quota]]:
    """quotas.csv as {(carrier, origin): {day: quota}}; an unreadable file as nothing."""
    quotas: dict[tuple[str, str], dict[date, _Quota]] = defaultdict(dict)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                key = (str(row["carrier"]), str(row["origin"]))
                quotas[key][date.fromisoformat(row["day"])] = _Quota(
                    float(row["quota"]), float(row["released"])
                )
    except (OSError, KeyError, ValueError):
        return {}
    return dict(quotas)


def _plans_in_force(
    store: Store, home: Path, network: str, within: set[tuple[str, str]]
) -> tuple[list[PlanInForce], dict[tuple[str, str], tuple[str, dict[date, _Quota]]], list[Message]]:
    """Per origin within reach, the quotas of the newest finished plan naming it."""
    chosen: dict[tuple[str, str], tuple[str, dict[date, _Quota]]] = {}
    plans: list[PlanInForce] = []
    notes: list[Message] = []
    for row, parameters in _finished_plans(store, network):
        quotas = _read_quotas(job_folder(home, row.id) / "quotas.csv")
        if not quotas:
            notes.append(_("The quotas of plan {id} are missing; it is skipped.", id=row.id))
            continue
        taken = 0
        for key, per_day in quotas.items():
            if key in within and key not in chosen:
                chosen[key] = (row.id, per_day)
                taken += 1
        if taken:
            scenario = parameters.get("scenario")
            name = str(scenario.get("name", "")) if isinstance(scenario, dict) else ""
            plans.append(
                PlanInForce(row.id, network, name, row.owner_label, row.finished_at, taken)
            )
    return plans, chosen, notes


def _compare(
    chosen: dict[tuple[str, str], tuple[str, dict[date, _Quota]]],
    days: list[date],
    counts: NodeCounts,
    tolerance: QuotaTolerance,
    today: date,
) -> tuple[list[tuple[QuotaDeviation, str]], set[date]]:
    """Each origin-day of ``days`` within its plan's span and with scans of its carrier,
    judged (today, still running, is never under quota); and the days without scans."""
    rows: list[tuple[QuotaDeviation, str]] = []
    skipped: set[date] = set()
    for (carrier, origin), (plan, per_day) in sorted(chosen.items()):
        first, last = min(per_day), max(per_day)
        picked = {item.day: item.accepted for item in counts.days.get((carrier, origin), [])}
        for current in days:
            if not first <= current <= last:
                continue
            if current not in counts.observed.get(carrier, set()):
                skipped.add(current)
                continue
            quota = per_day.get(current, _Quota(0.0, 0.0))
            row = judge_quota(
                origin,
                carrier,
                current,
                quota=quota.quota,
                released=quota.released,
                picked_up=picked.get(current, 0),
                tolerance=tolerance,
            )
            if current == today and row.kind is DeviationKind.under:
                row = replace(row, kind=DeviationKind.within)
            rows.append((row, plan))
    return rows, skipped


def quota_deviations(
    store: Store,
    lake: Path,
    home: Path,
    *,
    actor: Principal,
    network: str,
    day: date | None = None,
    tolerance: QuotaTolerance | None = None,
    now: datetime | None = None,
) -> QuotaReport:
    """Each origin's pickups per day against its plan in force (only ``day`` when given), for
    the origins within ``actor``'s reach; a network of which nothing is within reach is not
    found. Days without any scan event of the origin's carrier are not compared (they have
    not been reported yet); the day running at ``now`` (default: the clock) is not over, so
    only its pickups over quota are deviations."""
    require(actor, Permission.report_read)
    tolerance = tolerance or QuotaTolerance()
    scope = reach(actor)
    nodes = supervised_nodes(store, scope, network=network)
    if not nodes:
        raise NotFoundError(_("no network named {name} is stored", name=network[:64]))
    within = {(node.carrier, node.id) for node in nodes if node.kind is NodeKind.outlet}
    plans, chosen, notes = _plans_in_force(store, home, network, within)
    notes.append(NO_RELEASE_FEED)
    if not plans:
        notes.insert(0, _("No staggered pickup plan of network {name} has finished.", name=network))
        return QuotaReport(network, day, [], [], tolerance, [], notes)
    days = sorted({d for _plan, per_day in chosen.values() for d in per_day})
    days = [day] if day is not None else days[-MAX_PLAN_DAYS:]
    counts = lake_counts(lake, days, scope.carrier)
    today = (now or datetime.now(UTC)).astimezone(CHINA_STANDARD_TIME).date()
    rows, skipped = _compare(chosen, days, counts, tolerance, today)
    if today in {row.day for row, _plan in rows}:
        notes.append(
            _(
                "{day} is not over: only pickups already over their quota are deviations today.",
                day=today.isoformat(),
            )
        )
    if skipped:
        notes.append(
            _(
                "No scan events yet on {days}: those days are not compared.",
                days=", ".join(d.isoformat() for d in sorted(skipped)[:10]),
            )
        )
    compared = sorted({row.day for row, _plan in rows})
    return QuotaReport(network, day, plans, rows, tolerance, compared, notes)


def quota_document(
    report: QuotaReport, *, language: str | None = None, every: bool = False
) -> dict[str, Any]:
    """The report as JSON-ready data: the deviations (every row compared with ``every``)."""
    rows = report.rows if every else report.deviations
    return {
        "network": report.network,
        "day": None if report.day is None else report.day.isoformat(),
        "plans": [
            {
                "job_id": plan.job_id,
                "scenario": plan.scenario,
                "owner": plan.owner,
                "finished_at": None if plan.finished_at is None else plan.finished_at.isoformat(),
                "origins": plan.origins,
            }
            for plan in report.plans
        ],
        "tolerance": {"share": report.tolerance.share, "parcels": report.tolerance.parcels},
        "compared": len(report.rows),
        "compared_days": [d.isoformat() for d in report.compared_days],
        "deviations": [
            {
                "origin": row.origin,
                "carrier": row.carrier,
                "day": row.day.isoformat(),
                "quota": round(row.quota),
                "released": round(row.released),
                "picked_up": row.picked_up,
                "difference": round(row.difference),
                "allowed": round(row.allowed),
                "kind": row.kind.value,
                "plan": plan,
            }
            for row, plan in rows
        ],
        "notes": [render(note, language) for note in report.notes],
    }
