"""Supervising staggered shipping and unauthorised stops (错峰发货监督, 不得擅自停收或停投):
read-only views a postal administration's desk (or a carrier's own planner) opens on the
scan-event lake.

- :func:`quota_deviations`: each origin's pickups per day (accepted parcels in the lake) against
  the quota of the staggered pickup plan in force there — for an origin, the latest finished
  plan of the network whose quotas name it — with a tolerance; over quota pushes into the
  network volume the plan holds back, under quota may be fewer orders or pickup stopping.
- :func:`unauthorised_stops`: outlets that stopped accepting and stations that stopped
  delivering on a day (:mod:`peakguard.cases.stops`), excused only by an approved closure
  (the closures declared in the scenarios the deployment ran).

Both need ``report.read`` and show only what the reader reaches: a regulator the nodes of its
territory, a carrier its own brand's. Nothing is stored: each view is computed on request.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
from sqlalchemy import select

from peakguard.analytics import Engine, KpiSettings
from peakguard.analytics.supervision import carrier_days, node_day_counts
from peakguard.app.access import reach, require
from peakguard.app.jobs import STAGGER, job_folder
from peakguard.cases.controlled import code_prefix
from peakguard.cases.stops import (
    ApprovedClosure,
    DeviationKind,
    NodeDay,
    QuotaDeviation,
    QuotaTolerance,
    Stop,
    StopPolicy,
    SupervisedNode,
    judge_node,
    judge_quota,
    stop_reason,
)
from peakguard.domain.network import NodeKind
from peakguard.domain.scans import CHINA_STANDARD_TIME, SCAN_EVENT_SCHEMA
from peakguard.errors import InvalidInputError, NotFoundError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.identity.territory import Reach
from peakguard.store.controlled_areas import declared_closures
from peakguard.store.daily_reports import closed_outlets
from peakguard.store.database import Store, transaction
from peakguard.store.event_files import BATCH, LAKE_KEY, event_paths, retracted_keys
from peakguard.store.incidents import incident_closures
from peakguard.store.tables import JobRow, NetworkRow, NodeRow

__all__ = [
    "PlanInForce",
    "QuotaReport",
    "StopReport",
    "latest_lake_day",
    "parse_day",
    "parse_region",
    "quota_deviations",
    "quota_document",
    "stops_document",
    "supervised_networks",
    "unauthorised_stops",
]

PLANS_LOOKED_AT = 20
"""The latest finished plans of a network searched for each origin's plan in force."""
MAX_PLAN_DAYS = 92
"""Days of a plan compared at most (a season); a longer plan is compared on its last ones."""
BATCH_OF_FILE = r"part-([^/\\]+)\.parquet$"
OPEN_ENDED = datetime(9999, 1, 1, tzinfo=UTC)
"""The end of an incident's closure with no expected end and no final report yet."""
NO_RELEASE_FEED = _(
    "The platforms' actual order releases are not recorded: a releases file names no platform "
    "and only the plan's agreed releases (the released column) are known, so releases against "
    "the agreed schedule cannot be compared. That needs a feed of actual releases per "
    "platform, origin and day."
)


# -- reading the request ------------------------------------------------------------------------


def parse_day(text: str | None, where: str = "day") -> date | None:
    """A China-time day written YYYY-MM-DD (None when not given), located at ``where``."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        message = _("{value} is not a day; write it as 2026-11-11", value=text[:40])
        raise InvalidInputError(message, [Problem(where, message)]) from None


def parse_region(text: str | None, where: str = "region") -> str:
    """A region filter: a province's 2 digits, a city's 4 or a county's 6 (510000 and 510100
    read as 51 and 5101); empty for every region."""
    code = (text or "").strip()
    if not code:
        return ""
    if not code.isdigit() or len(code) not in (2, 4, 6):
        message = _("{value} is not a region code; give 2, 4 or 6 digits", value=code[:40])
        raise InvalidInputError(message, [Problem(where, message)])
    return code_prefix(code)


# -- the nodes and the lake ---------------------------------------------------------------------


def _nodes(
    store: Store, scope: Reach, *, network: str | None = None, region: str = ""
) -> list[SupervisedNode]:
    """The outlets and stations of the stored networks (or ``network``) within ``scope`` and
    ``region``; a node id in several networks is taken from the first by name."""
    with transaction(store.sessions) as session:
        query = (
            select(NetworkRow.name, NodeRow)
            .join(NodeRow, NodeRow.network_id == NetworkRow.id)
            .where(NodeRow.kind.in_((NodeKind.outlet.value, NodeKind.station.value)))
            .order_by(NetworkRow.name, NodeRow.position)
        )
        if network is not None:
            query = query.where(NetworkRow.name == network)
        rows = session.execute(query).all()
    found: dict[tuple[str, str], SupervisedNode] = {}
    for name, row in rows:
        if not scope.covers(row.carrier, row.region) or not row.region.startswith(region):
            continue
        found.setdefault(
            (row.carrier, row.id),
            SupervisedNode(
                row.id, NodeKind(row.kind), row.carrier, row.region, row.daily_volume, name
            ),
        )
    return list(found.values())


def supervised_networks(store: Store, *, actor: Principal) -> list[str]:
    """The stored networks with an outlet or a station within ``actor``'s reach, by name."""
    require(actor, Permission.report_read)
    return sorted({node.network for node in _nodes(store, reach(actor))})


def latest_lake_day(lake: Path) -> date | None:
    """The newest China day the lake holds a partition of (from the folder names only)."""
    days = {path.parent.parent.name.removeprefix("day=") for path in event_paths(lake)}
    found = [date.fromisoformat(day) for day in days if len(day) == 10]
    return max(found, default=None)


def _network_stored(store: Store, name: str) -> bool:
    with transaction(store.sessions) as session:
        return session.scalar(select(NetworkRow.id).where(NetworkRow.name == name)) is not None


def _lake_engine(lake: Path, days: list[date], carrier: str | None) -> Engine | None:
    """DuckDB over the events of ``days`` only (of ``carrier``'s partitions when given),
    without the retracted ones; None when those days have no file."""
    files = event_paths(lake, days=days)
    if carrier is not None:
        files = [path for path in files if path.parent.name == f"carrier={carrier}"]
    if not files:
        return None
    backend = ibis.duckdb.connect()
    backend.raw_sql("SET enable_progress_bar = false")
    retracted = retracted_keys(lake)
    table: ir.Table = backend.read_parquet(
        [str(path) for path in files], table_name="scan_events", filename=retracted.num_rows > 0
    )
    if retracted.num_rows:
        known = backend.create_table("retracted_events", retracted, temp=True)
        table = table.mutate(_batch=table.filename.re_extract(BATCH_OF_FILE, 1))
        keys = [table[name] == known[name] for name in LAKE_KEY]
        table = table.anti_join(known, [*keys, table["_batch"] == known[BATCH]])
    return Engine(backend, table.select(*SCAN_EVENT_SCHEMA.names))


@dataclass(frozen=True)
class _Counts:
    days: dict[tuple[str, str], list[NodeDay]] = field(default_factory=dict)
    """Per (carrier, node): its days' counts."""
    observed: dict[str, set[date]] = field(default_factory=dict)
    """Per carrier: the days it sent any scan."""


def _count(lake: Path, days: list[date], carrier: str | None) -> _Counts:
    engine = _lake_engine(lake, days, carrier)
    if engine is None:
        return _Counts()
    wanted = set(days)
    per_node: dict[tuple[str, str], list[NodeDay]] = defaultdict(list)
    table = engine.compute(node_day_counts(engine.events, KpiSettings()))
    for row in table.to_pylist():
        if row["day"] in wanted:
            per_node[(row["carrier"], row["node_id"])].append(
                NodeDay(row["day"], row["accepted"], row["delivered"], row["arrived"])
            )
    observed: dict[str, set[date]] = defaultdict(set)
    for row in engine.compute(carrier_days(engine.events, KpiSettings())).to_pylist():
        if row["day"] in wanted:
            observed[row["carrier"]].add(row["day"])
    return _Counts(dict(per_node), dict(observed))


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


def quota_deviations(
    store: Store,
    lake: Path,
    home: Path,
    *,
    actor: Principal,
    network: str,
    day: date | None = None,
    tolerance: QuotaTolerance | None = None,
) -> QuotaReport:
    """Each origin's pickups per day against its plan in force (only ``day`` when given), for
    the origins within ``actor``'s reach; a network of which nothing is within reach is not
    found. Days without any scan event of the origin's carrier are not compared (they have
    not been reported yet)."""
    require(actor, Permission.report_read)
    tolerance = tolerance or QuotaTolerance()
    scope = reach(actor)
    nodes = _nodes(store, scope, network=network)
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
    counts = _count(lake, days, scope.carrier)
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
            rows.append(
                (
                    judge_quota(
                        origin,
                        carrier,
                        current,
                        quota=quota.quota,
                        released=quota.released,
                        picked_up=picked.get(current, 0),
                        tolerance=tolerance,
                    ),
                    plan,
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


# -- unauthorised stops -------------------------------------------------------------------------


@dataclass(frozen=True)
class StopReport:
    day: date
    region: str
    network: str | None
    judged: int
    """Outlets and stations within reach whose carrier sent scans that day."""
    stops: list[Stop]
    silent_carriers: list[str]
    """Carriers within reach without a single scan that day: their nodes are not judged."""
    policy: StopPolicy
    notes: list[Message]

    @property
    def flagged(self) -> list[Stop]:
        return [stop for stop in self.stops if stop.flagged]


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_STANDARD_TIME)


def approved_closures(store: Store) -> list[ApprovedClosure]:
    """The closures declared in the scenarios the deployment ran (a road cut, a static
    control), each of its node in its network, and those of the incidents recorded: each
    affected node over the incident's period (a blockage without nodes: its region)."""
    with transaction(store.sessions) as session:
        declared = declared_closures(session)
        incidents = incident_closures(session)
    closures = []
    for item in declared:
        start, end = _moment(item.start), _moment(item.end)
        if start is None or end is None or end <= start:
            continue
        source = f"{item.network}/{item.scenario}: {item.node} ({item.reason})"
        closures.append(ApprovedClosure(start, end, source, node=item.node, network=item.network))
    for incident, regions in incidents:
        end = incident.period_end or incident.closed_at or OPEN_ENDED
        source = f"{incident.reference} ({incident.incident_type})"
        if end <= incident.period_start:
            continue
        for node in incident.nodes:
            closures.append(
                ApprovedClosure(
                    incident.period_start, end, source, node=node, network=incident.network
                )
            )
        if not regions and incident.blocked:
            closures.append(
                ApprovedClosure(incident.period_start, end, source, region=incident.region)
            )
    return closures


def _reported_closed(store: Store, day: date) -> dict[tuple[str, str], dict[date, str]]:
    """Per (carrier, outlet): the carriers' daily reports naming it closed on ``day``."""
    found: dict[tuple[str, str], dict[date, str]] = {}
    for item in closed_outlets(store, day):
        found[(item.carrier, item.node)] = {day: f"#{item.report_id} {item.reason}".strip()}
    return found


def unauthorised_stops(
    store: Store,
    lake: Path,
    *,
    actor: Principal,
    day: date,
    region: str = "",
    network: str | None = None,
    policy: StopPolicy | None = None,
) -> StopReport:
    """The outlets and stations within ``actor``'s reach (and ``region``, ``network``) that
    stopped on ``day``: flagged unless an approved closure covers them. Each node is judged
    on ``day`` against the days before it (``2 × history_days`` of them are read)."""
    require(actor, Permission.report_read)
    policy = policy or StopPolicy()
    scope = reach(actor)
    if network is not None and not _network_stored(store, network):
        raise NotFoundError(_("no network named {name} is stored", name=network[:64]))
    nodes = _nodes(store, scope, network=network, region=region)
    days = [day - timedelta(days=n) for n in range(2 * policy.history_days, -1, -1)]
    counts = _count(lake, days, scope.carrier) if nodes else _Counts()
    closures = approved_closures(store)
    reported = _reported_closed(store, day)
    stops: list[Stop] = []
    judged = 0
    for node in nodes:
        observed = counts.observed.get(node.carrier, set())
        closed = reported.get((node.carrier, node.id)) if node.kind is NodeKind.outlet else None
        if day not in observed and closed is None:
            continue
        judged += 1
        found = judge_node(
            node,
            counts.days.get((node.carrier, node.id), []),
            observed=observed,
            closures=closures,
            reported_closed=closed,
            policy=policy,
        )
        stops.extend(stop for stop in found if stop.day == day)
    silent = sorted(
        {node.carrier for node in nodes}
        - {carrier for carrier, seen in counts.observed.items() if day in seen}
    )
    notes: list[Message] = []
    if silent:
        notes.append(
            _(
                "No scan events of {carriers} on {day}: their nodes are not judged.",
                carriers=", ".join(silent),
                day=day.isoformat(),
            )
        )
    stops.sort(
        key=lambda stop: (not stop.flagged, stop.node.region, stop.node.carrier, stop.node.id)
    )
    return StopReport(day, region, network, judged, stops, silent, policy, notes)


# -- JSON documents (the API's answers and the command's --json) -------------------------------


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


def stops_document(
    report: StopReport, *, language: str | None = None, every: bool = True
) -> dict[str, Any]:
    """The report as JSON-ready data: the stops (flagged only unless ``every``)."""
    stops = report.stops if every else report.flagged
    return {
        "day": report.day.isoformat(),
        "region": report.region,
        "network": report.network,
        "judged": report.judged,
        "flagged": len(report.flagged),
        "silent_carriers": report.silent_carriers,
        "policy": {
            "stop_share": report.policy.stop_share,
            "minimum_normal": report.policy.minimum_normal,
            "history_days": report.policy.history_days,
            "minimum_history_days": report.policy.minimum_history_days,
        },
        "stops": [
            {
                "node": stop.node.id,
                "network": stop.node.network,
                "kind": stop.kind.value,
                "node_kind": stop.node.kind.value,
                "carrier": stop.node.carrier,
                "region": stop.node.region,
                "count": stop.count,
                "normal": round(stop.normal, 1),
                "normal_source": stop.normal_source.value,
                "share": None if stop.share is None else round(stop.share, 4),
                "arrived": stop.arrived,
                "reported_closed": stop.reported_closed,
                "authorised_by": stop.authorised_by,
                "flagged": stop.flagged,
                "reason": render(stop_reason(stop), language),
            }
            for stop in stops
        ],
        "notes": [render(note, language) for note in report.notes],
    }
