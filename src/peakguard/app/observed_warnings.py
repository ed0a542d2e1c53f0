"""Warnings from observation (监测预警): the nodes' observed state, the evaluation that raises,
supersedes and clears warnings, and the desk's reads and acknowledgement.

The observed state of a node is its backlog at the watched moment — from the scan-event lake
(:mod:`peakguard.analytics.observed_nodes`), or, for a node the lake has no scan of, from its
carrier's daily report — and its throughput over the window before it, against its capacity in
the stored network (sorting per hour, storage). Each node is graded from that and, when a
projection is asked for, from the simulator started at that state (:mod:`.projection`); the
rule of a warning's life is :func:`peakguard.cases.watch.decide`. Thresholds are the
simulator's (:class:`~peakguard.simulate.warning_rules.WarningThresholds`), **local policy**.

Access: ``warning.read`` reads (a regulator its territory's nodes, a carrier its brand's);
``duty.keep`` acknowledges; ``simulation.run`` evaluates, on the whole network or a carrier's
whole brand in it (as a simulation: the projection runs the simulator over it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peakguard.analytics.engines import EventSource, duckdb_engine
from peakguard.analytics.observed_nodes import node_state
from peakguard.analytics.settings import KpiSettings
from peakguard.app.access import reach, require
from peakguard.app.alerts import raise_alert
from peakguard.app.audit import record_in
from peakguard.app.networks import planning_network
from peakguard.cases.watch import (
    Clear,
    Finding,
    MarkBack,
    MarkGone,
    OpenWarning,
    Raise,
    ReasonKind,
    Supersede,
    WarningSource,
    WatchState,
    check_acknowledge,
    decide,
    grade_observed,
    grade_projected,
    most_severe,
    reason,
)
from peakguard.domain.network import Network, Node
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, NotFoundError, Problem, StaleRecordError
from peakguard.i18n import Message, _
from peakguard.identity.model import OrganisationKind, Permission, Principal, RegulatorLevel
from peakguard.identity.territory import Reach, region_prefix, visible_network
from peakguard.simulate.warning_rules import WarningLevel, WarningThresholds, level_label
from peakguard.store.accounts import organisation_rows
from peakguard.store.daily_reports import hub_backlogs
from peakguard.store.database import Store, transaction
from peakguard.store.networks import NetworkRepository
from peakguard.store.observed_warnings import (
    NewWarning,
    WarningFilter,
    WarningRecord,
    acknowledge_warning,
    end_warning,
    get_warning,
    insert_warning,
    list_warnings,
    mark_gone,
    open_warnings,
    watch_lock,
)

LOCAL_POLICY = _(
    "The warning thresholds are local policy (no official backlog thresholds exist): set by "
    "each postal administration or carrier."
)


BACKLOG_SOURCES = ("lake", "daily_report", "none")


def lake_figures(
    events: EventSource, at: datetime, window_hours: int
) -> tuple[dict[str, float], dict[str, tuple[int, int]]]:
    """Each node's backlog at ``at`` and its (in, out) over the window before, from the scan
    events (a lake folder or an Arrow table); nodes with no scan are absent."""
    engine = duckdb_engine(events)
    table = engine.compute(
        node_state(engine.events, KpiSettings(cutoff=at), window_hours=window_hours)
    )
    backlog: dict[str, float] = {}
    throughput: dict[str, tuple[int, int]] = {}
    for row in table.to_pylist():
        backlog[row["node_id"]] = float(row["backlog"])
        throughput[row["node_id"]] = (int(row["arrived"]), int(row["departed"]))
    return backlog, throughput


def observed_backlogs(
    store: Store,
    network: Network,
    at: datetime,
    events: EventSource | None,
    window_hours: int,
) -> tuple[dict[str, tuple[float, str]], dict[str, tuple[int, int]]]:
    """node → (backlog, source) and node → (in, out): the lake's figure where the lake has the
    node, else the carrier's daily report of the day (its hubs' backlog), else none."""
    backlogs: dict[str, tuple[float, str]] = {}
    throughput: dict[str, tuple[int, int]] = {}
    if events is not None:
        lake, throughput = lake_figures(events, at, window_hours)
        backlogs = {node: (value, "lake") for node, value in lake.items()}
    reported = reported_backlogs(store, at)
    ids = {node.id for node in network.nodes}
    for node_id, value in reported.items():
        if node_id in ids and node_id not in backlogs:
            backlogs[node_id] = (float(value), "daily_report")
    return backlogs, throughput


def reported_backlogs(store: Store, at: datetime) -> dict[str, int]:
    """The hubs' backlogs their carriers reported for the China-time day before ``at``'s (the
    latest end-of-day figure known at ``at``; a day's report is due after the day ends),
    latest versions (:func:`peakguard.store.daily_reports.hub_backlogs`)."""
    day = (at.astimezone(CHINA_STANDARD_TIME) - timedelta(days=1)).date()
    return hub_backlogs(store, day)


@dataclass(frozen=True)
class NodeObservation:
    """One node at the watched moment: its backlog and where that figure came from, its
    throughput over the window, its capacity, and the level its backlog alone gives."""

    node_id: str
    node_name: str
    kind: str
    carrier: str
    region: str
    backlog: float | None
    backlog_source: str
    """``lake`` (the scan events), ``daily_report`` (the carrier's report) or ``none``."""
    arrived: int
    departed: int
    sorting_capacity_per_hour: float
    """The node's sorting capacity in the watched hour (its shifts, China time)."""
    storage_capacity: float
    level: int | None

    @property
    def utilisation(self) -> float | None:
        if self.backlog is None or self.storage_capacity <= 0:
            return None
        return self.backlog / self.storage_capacity


@dataclass(frozen=True)
class ObservedState:
    network_name: str
    at: datetime
    window_hours: int
    nodes: list[NodeObservation]
    thresholds: WarningThresholds
    policy: Message = field(default=LOCAL_POLICY)


FIRST_YEAR, LAST_YEAR = 2000, 2100


def check_moment(at: datetime, where: str = "at") -> datetime:
    """``at`` if it is aware and within 2000–2100 (the years a scenario may cover), else a
    located :class:`InvalidInputError`."""
    if at.utcoffset() is None or not FIRST_YEAR + 1 <= at.year <= LAST_YEAR - 1:
        message = _(
            "Give a moment with its time zone between {first} and {last}, for example "
            "2026-11-11T20:00+08:00.",
            first=FIRST_YEAR + 1,
            last=LAST_YEAR - 1,
        )
        raise InvalidInputError(message, [Problem(where, message)])
    return at


def watched_network(store: Store, network_name: str, actor: Principal) -> Network:
    """The part of the stored network ``actor`` may read warnings of (``warning.read``)."""
    require(actor, Permission.warning_read)
    with transaction(store.sessions) as session:
        network = NetworkRepository(session).load(network_name)
    visible = visible_network(network, reach(actor))
    if visible is None:
        raise NotFoundError(_("no network named {name} is stored", name=network_name))
    return visible


def observe(
    network: Network,
    backlogs: Mapping[str, tuple[float, str]],
    throughput: Mapping[str, tuple[int, int]],
    *,
    network_name: str,
    at: datetime,
    window_hours: int,
    thresholds: WarningThresholds,
) -> ObservedState:
    """The observed state of ``network``'s nodes from their backlogs (value, source) and
    throughput (in, out) — a pure assembly, graded with ``thresholds``."""
    china_hour = (at.astimezone(UTC).hour + 8) % 24
    nodes = []
    for node in network.nodes:
        backlog, source = backlogs.get(node.id, (None, "none"))
        finding = (
            grade_observed(node.id, backlog, node.storage_capacity, thresholds)
            if backlog is not None
            else None
        )
        arrived, departed = throughput.get(node.id, (0, 0))
        nodes.append(
            NodeObservation(
                node_id=node.id,
                node_name=node.name,
                kind=node.kind.value,
                carrier=node.carrier,
                region=node.region,
                backlog=backlog,
                backlog_source=source,
                arrived=arrived,
                departed=departed,
                sorting_capacity_per_hour=float(node.sorting_capacity_by_hour()[china_hour]),
                storage_capacity=float(node.storage_capacity),
                level=None if finding is None else int(finding.level),
            )
        )
    return ObservedState(network_name, at, window_hours, nodes, thresholds)


def observed_state(
    store: Store,
    network_name: str,
    *,
    actor: Principal,
    at: datetime,
    events: EventSource | None,
    window_hours: int = 24,
    thresholds: WarningThresholds | None = None,
) -> ObservedState:
    """The observed state of the nodes of ``network_name`` that ``actor`` may see, at ``at``."""
    network = watched_network(store, network_name, actor)
    check_moment(at)
    return _observe(store, network, network_name, at, events, window_hours, thresholds)


def _observe(
    store: Store,
    network: Network,
    network_name: str,
    at: datetime,
    events: EventSource | None,
    window_hours: int,
    thresholds: WarningThresholds | None,
) -> ObservedState:
    backlogs, throughput = observed_backlogs(store, network, at, events, window_hours)
    return observe(
        network,
        backlogs,
        throughput,
        network_name=network_name,
        at=at,
        window_hours=window_hours,
        thresholds=thresholds or WarningThresholds(),
    )


@dataclass(frozen=True)
class Evaluation:
    """What one evaluation did: ids raised, superseded, cleared; False ``ran`` when another
    evaluation held the lock (it does the work)."""

    ran: bool
    raised: list[int] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)
    alerts: int = 0
    state: ObservedState | None = None


def evaluate_warnings(
    store: Store,
    *,
    actor: Principal,
    now: datetime,
    network_name: str,
    events: EventSource | None,
    thresholds: WarningThresholds | None = None,
    projected: Mapping[str, npt.NDArray[np.float64]] | None = None,
    window_hours: int = 24,
) -> Evaluation:
    """Grade every node of the network ``actor`` evaluates (the whole network, or a carrier's
    whole brand in it) at ``now`` from its observed backlog and, given ``projected`` (node →
    backlog per hour from ``now``, see :func:`.projection.project_from_observation`), from
    the projection; then raise, supersede, clear and count the hold as
    :func:`~peakguard.cases.watch.decide` says, alerting the duty of the node's regulator and
    carrier on every raise. Idempotent: run again at the same moment, it changes nothing."""
    network = planning_network(
        store, network_name, actor=actor, permission=Permission.simulation_run
    )
    rules = thresholds or WarningThresholds()
    check_moment(now, "now")
    state = _observe(store, network, network_name, now, events, window_hours, rules)
    findings = _findings(network, state, projected or {}, rules)
    try:
        with transaction(store.sessions) as session:
            if not watch_lock(session):
                return Evaluation(ran=False, state=state)
            outcome = _apply(session, store, actor, network, state, findings, now, rules.hold_hours)
    except IntegrityError:  # a concurrent evaluation opened the same node's warning first
        return Evaluation(ran=False, state=state)
    return outcome


def _findings(
    network: Network,
    state: ObservedState,
    projected: Mapping[str, npt.NDArray[np.float64]],
    rules: WarningThresholds,
) -> dict[str, Finding]:
    found: dict[str, Finding] = {}
    for node, seen in zip(network.nodes, state.nodes, strict=True):
        extra = {"sorting_capacity_per_hour": seen.sorting_capacity_per_hour}
        observed = (
            grade_observed(node.id, seen.backlog, node.storage_capacity, rules, extra)
            if seen.backlog is not None
            else None
        )
        series = projected.get(node.id)
        ahead = (
            grade_projected(node.id, series, node.storage_capacity, rules)
            if series is not None
            else None
        )
        best = most_severe(observed, ahead)
        if best is not None:
            found[node.id] = best
    return found


def _apply(
    session: Session,
    store: Store,
    actor: Principal,
    network: Network,
    state: ObservedState,
    findings: Mapping[str, Finding],
    now: datetime,
    hold_hours: int,
) -> Evaluation:
    opened = open_warnings(session, state.network_name)
    sources = {seen.node_id: seen.backlog_source for seen in state.nodes}
    offices = _offices(session)
    raised: list[int] = []
    superseded: list[int] = []
    cleared: list[int] = []
    alerts = 0
    for node in network.nodes:
        record = opened.get(node.id)
        current = None if record is None else _open(record)
        for action in decide(current, findings.get(node.id), now=now, hold_hours=hold_hours):
            if isinstance(action, Raise):
                new = _new(state.network_name, node, action, sources.get(node.id, "none"))
                warning_id = insert_warning(session, new, at=now)
                raised.append(warning_id)
                _audit(session, store, actor, "warning.raised", warning_id, new.level, now)
                alerts += _alert(session, offices, node, warning_id, action.finding, now)
            elif isinstance(action, Supersede):
                end_warning(session, action.warning_id, WatchState.superseded.value, at=now)
                superseded.append(action.warning_id)
                level = int(action.by_level)
                _audit(session, store, actor, "warning.superseded", action.warning_id, level, now)
            elif isinstance(action, Clear):
                end_warning(session, action.warning_id, WatchState.cleared.value, at=now)
                cleared.append(action.warning_id)
                level = record.level if record is not None else 0
                _audit(session, store, actor, "warning.cleared", action.warning_id, level, now)
            elif isinstance(action, MarkGone):
                mark_gone(session, action.warning_id, action.since)
            elif isinstance(action, MarkBack):
                mark_gone(session, action.warning_id, None)
    return Evaluation(True, raised, superseded, cleared, alerts, state)


def _open(record: WarningRecord) -> OpenWarning:
    return OpenWarning(
        record.id,
        record.node_id,
        WarningLevel(record.level),
        WatchState(record.state),
        record.gone_since,
    )


def _new(network_name: str, node: Node, action: Raise, backlog_source: str) -> NewWarning:
    finding = action.finding
    return NewWarning(
        network_name=network_name,
        node_id=node.id,
        node_name=node.name,
        carrier=node.carrier,
        region=node.region,
        level=int(finding.level),
        source=finding.source.value,
        reason_kind=finding.kind.value,
        figures=dict(finding.figures),
        backlog_source=backlog_source if backlog_source in BACKLOG_SOURCES else "none",
        supersedes_id=action.supersedes,
    )


def _audit(
    session: Session,
    store: Store,
    actor: Principal,
    action: str,
    warning_id: int,
    level: int,
    now: datetime,
) -> None:
    record_in(
        session, store, actor, action, "warning", str(warning_id), detail={"level": level}, at=now
    )


@dataclass(frozen=True)
class DutyOffice:
    id: int
    kind: str
    region: str | None
    carrier: str | None
    level: str | None


def _offices(session: Session) -> list[DutyOffice]:
    return [
        DutyOffice(row.id, row.kind, row.region, row.carrier, row.level)
        for row in organisation_rows(session)
        if not row.disabled
    ]


def alerted_offices(offices: Sequence[DutyOffice], node: Node) -> list[int]:
    """The duty a warning on ``node`` goes to: the regulator nearest the node (its city's
    office, else its province's, else the national office) and the carrier's company nearest
    it (its provincial company, else its headquarters)."""
    chosen: list[int] = []
    regulators = [
        (len(_territory(office)), office.id)
        for office in offices
        if office.kind == OrganisationKind.regulator.value
        and node.region.startswith(_territory(office))
    ]
    if regulators:
        chosen.append(max(regulators)[1])
    companies = [
        (len(office.region or ""), office.id)
        for office in offices
        if office.kind == OrganisationKind.carrier.value
        and office.carrier == node.carrier
        and (office.region is None or node.region.startswith(office.region[:2]))
    ]
    if companies:
        chosen.append(max(companies)[1])
    return chosen


def _territory(office: DutyOffice) -> str:
    level = RegulatorLevel(office.level) if office.level else None
    if office.region is None or level is RegulatorLevel.national:
        return ""
    return region_prefix(office.region, level)


def _alert(
    session: Session,
    offices: Sequence[DutyOffice],
    node: Node,
    warning_id: int,
    finding: Finding,
    now: datetime,
) -> int:
    summary = _(
        "{level} warning on {node} ({source}): {reason}",
        level=level_label(finding.level),
        node=node.name,
        source=source_label(finding.source.value),
        reason=reason(finding.level, finding.kind, finding.figures),
    )
    sent = 0
    for office in alerted_offices(offices, node):
        raise_alert(
            session,
            organisation_id=office,
            kind="warning.raised",
            subject=f"warning:{warning_id}",
            summary=summary,
            raised_at=now,
            dedupe_key=f"warning.raised:{warning_id}:{office}",
        )
        sent += 1
    return sent


def source_label(source: str) -> Message:
    return _("observed") if source == WarningSource.observed.value else _("projected")


def warning_reason(record: WarningRecord) -> Message:
    """Why ``record`` was raised, in the reader's language."""
    return reason(WarningLevel(record.level), ReasonKind(record.reason_kind), record.figures)


def warning_filter(actor: Principal, **chosen: object) -> WarningFilter:
    """The warnings ``actor`` may read (``warning.read``), narrowed by ``chosen``."""
    require(actor, Permission.warning_read)
    scope: Reach = reach(actor)
    base: dict[str, object] = {"everything": scope.everything}
    if scope.nothing:
        base = {"everything": False, "region_prefix": "\x00"}
    elif not scope.everything:
        base |= {"region_prefix": scope.prefix, "carrier": scope.carrier}
    return WarningFilter(**(base | chosen))  # type: ignore[arg-type]


def read_warnings(
    store: Store, *, actor: Principal, limit: int = 100, offset: int = 0, **chosen: object
) -> tuple[list[WarningRecord], int]:
    """The warnings ``actor`` may read, open first, then the most severe, then the latest."""
    wanted = warning_filter(actor, **chosen)
    with transaction(store.sessions) as session:
        return list_warnings(session, wanted, limit=limit, offset=offset)


def read_warning(store: Store, warning_id: int, *, actor: Principal) -> WarningRecord:
    """One warning, "not found" outside ``actor``'s reach."""
    require(actor, Permission.warning_read)
    with transaction(store.sessions) as session:
        record = get_warning(session, warning_id)
    if record is None or not reach(actor).covers(record.carrier, record.region):
        raise NotFoundError(_("No warning {id} is within your reach.", id=warning_id))
    return record


def acknowledge(
    store: Store,
    warning_id: int,
    *,
    actor: Principal,
    at: datetime | None = None,
    version: int | None = None,
) -> WarningRecord:
    """The duty acknowledges a raised warning (``duty.keep``), once; audited."""
    require(actor, Permission.duty_keep)
    record = read_warning(store, warning_id, actor=actor)
    check_acknowledge(WatchState(record.state))
    moment = at or datetime.now(UTC)
    with transaction(store.sessions) as session:
        if not acknowledge_warning(
            session, warning_id, version=version, by=actor.label(), at=moment
        ):
            raise StaleRecordError(
                _("Warning {id} changed since it was read: read it again.", id=warning_id)
            )
        record_in(
            session, store, actor, "warning.acknowledged", "warning", str(warning_id), at=moment
        )
    return read_warning(store, warning_id, actor=actor)
