"""Unauthorised stops of pickup or delivery (不得擅自停收或停投): outlets that stopped accepting
and stations that stopped delivering on a day (:mod:`peakguard.cases.stops`), flagged unless an
approved closure covers them — a closure declared in a scenario the deployment ran, or an
incident's — and the outlets the carriers' daily reports name as closed. Also what the
supervision desk reads beside it: the outlets and stations within reach, their counts per day
from the scan-event lake, the filters of a request. Pickups against the plan's quotas are in
:mod:`peakguard.app.supervision_quotas`.

Needs ``report.read`` and shows only what the reader reaches: a regulator the nodes of its
territory, a carrier its own brand's. Nothing is stored: each view is computed on request.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
from sqlalchemy import select

from peakguard.analytics import Engine, KpiSettings
from peakguard.analytics.supervision import node_day_counts, up_to_time_of_day
from peakguard.app.access import reach, require
from peakguard.app.kept import kept, lake_signature
from peakguard.cases.controlled import code_prefix
from peakguard.cases.stops import (
    EXCUSING_INCIDENTS,
    ApprovedClosure,
    NodeDay,
    Stop,
    StopPolicy,
    SupervisedNode,
    judge_node,
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
from peakguard.store.tables import NetworkRow, NodeRow

BATCH_OF_FILE = r"part-([^/\\]+)\.parquet$"
OPEN_ENDED = datetime(9999, 1, 1, tzinfo=UTC)
"""The end of an incident's closure with no expected end and no final report yet."""


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


def supervised_nodes(
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
    return sorted({node.network for node in supervised_nodes(store, reach(actor))})


def latest_lake_day(lake: Path) -> date | None:
    """The newest China day the lake holds a partition of (from the folder names only)."""
    days = {path.parent.parent.name.removeprefix("day=") for path in event_paths(lake)}
    found = [date.fromisoformat(day) for day in days if len(day) == 10]
    return max(found, default=None)


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


_counts_kept: OrderedDict[tuple[Any, ...], NodeCounts] = OrderedDict()
KEPT_COUNTS = 32
"""Counts of a lake's days kept in this process (by the lake's signature, the days, the
carrier and the clock time)."""


@dataclass(frozen=True)
class NodeCounts:
    days: dict[tuple[str, str], list[NodeDay]] = field(default_factory=dict)
    """Per (carrier, node): its days' counts."""
    observed: dict[str, set[date]] = field(default_factory=dict)
    """Per carrier: the days it sent any scan."""


def lake_counts(
    lake: Path, days: list[date], carrier: str | None, so_far: int | None = None
) -> NodeCounts:
    """The counts of ``days``; with ``so_far`` (seconds after China midnight) each day's up to
    that clock time only. Kept in this process until the lake changes."""
    key = (lake_signature(lake), tuple(days), carrier, so_far)
    found: NodeCounts = kept(
        _counts_kept, key, KEPT_COUNTS, lambda: _measure(lake, days, carrier, so_far)
    )
    return found


def _measure(lake: Path, days: list[date], carrier: str | None, so_far: int | None) -> NodeCounts:
    engine = _lake_engine(lake, days, carrier)
    if engine is None:
        return NodeCounts()
    events = engine.events if so_far is None else up_to_time_of_day(engine.events, so_far)
    wanted = set(days)
    per_node: dict[tuple[str, str], list[NodeDay]] = defaultdict(list)
    # A carrier's day is observed when any of its parcels was accepted, arrived or delivered
    # anywhere that day: one pass, no second query over the events.
    observed: dict[str, set[date]] = defaultdict(set)
    table = engine.compute(node_day_counts(events, KpiSettings()))
    for row in table.to_pylist():
        if row["day"] in wanted:
            per_node[(row["carrier"], row["node_id"])].append(
                NodeDay(row["day"], row["accepted"], row["delivered"], row["arrived"])
            )
            observed[row["carrier"]].add(row["day"])
    return NodeCounts(dict(per_node), dict(observed))


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
    control), each of its node in its network, and those of the incidents recorded whose cause
    is outside the carrier's hands (:data:`~peakguard.cases.stops.EXCUSING_INCIDENTS`): each
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
        if incident.incident_type not in EXCUSING_INCIDENTS:
            continue
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


def _so_far(day: date, now: datetime | None) -> int | None:
    """Seconds after China midnight when ``day`` is the day running at ``now``, else None."""
    moment = (now or datetime.now(UTC)).astimezone(CHINA_STANDARD_TIME)
    if moment.date() != day:
        return None
    return moment.hour * 3600 + moment.minute * 60  # to the minute: a count kept a minute


def unauthorised_stops(
    store: Store,
    lake: Path,
    *,
    actor: Principal,
    day: date,
    region: str = "",
    network: str | None = None,
    policy: StopPolicy | None = None,
    now: datetime | None = None,
) -> StopReport:
    """The outlets and stations within ``actor``'s reach (and ``region``, ``network``) that
    stopped on ``day``: flagged unless an approved closure covers them. Each node is judged
    on ``day`` against the days before it (``2 × history_days`` of them are read); on the day
    still running at ``now`` (default: the clock), every day up to the same China time."""
    require(actor, Permission.report_read)
    policy = policy or StopPolicy()
    scope = reach(actor)
    nodes = supervised_nodes(store, scope, network=network)
    if network is not None and not nodes:  # unknown, or nothing of it within reach: alike
        raise NotFoundError(_("no network named {name} is stored", name=network[:64]))
    nodes = [node for node in nodes if node.region.startswith(region)]
    days = [day - timedelta(days=n) for n in range(2 * policy.history_days, -1, -1)]
    so_far = _so_far(day, now)
    counts = lake_counts(lake, days, scope.carrier, so_far) if nodes else NodeCounts()
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
    if so_far is not None:
        clock = f"{so_far // 3600:02d}:{so_far // 60 % 60:02d}"
        notes.append(
            _(
                "{day} is not over: each day is counted up to {clock}, China time.",
                day=day.isoformat(),
                clock=clock,
            )
        )
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
