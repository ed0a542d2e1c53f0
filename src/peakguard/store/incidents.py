"""Incidents in the database: opening, reports appended in order, the blockage clock, and the
sweep's once-only breach.

Every function works inside the caller's session (its transaction). A change of an incident is
one conditional ``UPDATE`` naming the version the caller read (StaleRecordError for the second
of two writers). A breach is one ``UPDATE … WHERE breached_at IS NULL`` (under the sweep's
lock, :func:`peakguard.store.case_clocks.sweep_lock`): however many sweeps run, once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from peakguard.errors import NotFoundError, StaleRecordError
from peakguard.i18n import _
from peakguard.store.access_tables import OrganisationRow
from peakguard.store.case_clocks import dialect_insert
from peakguard.store.incident_tables import (
    IncidentClockRow,
    IncidentCounterRow,
    IncidentReportRow,
    IncidentRow,
)
from peakguard.store.tables import NetworkRow, NodeRow
from peakguard.store.versioned import update_if_unchanged

UPDATABLE = frozenset({"state", "announcement", "reroute", "closed_at", "blocked", "blocked_at"})


@dataclass(frozen=True)
class NewIncident:
    incident_type: str
    state: str
    carrier: str
    region: str
    reporting_organisation_id: int | None
    reporting_organisation: str
    network: str | None
    nodes: tuple[str, ...]
    period_start: datetime
    period_end: datetime | None
    blocked: bool
    blocked_at: datetime | None
    description: str
    opened_by: str


@dataclass(frozen=True)
class IncidentRecord:
    id: int
    reference: str
    incident_type: str
    state: str
    carrier: str
    region: str
    reporting_organisation_id: int | None
    reporting_organisation: str
    network: str | None
    nodes: tuple[str, ...]
    period_start: datetime
    period_end: datetime | None
    blocked: bool
    blocked_at: datetime | None
    description: str
    announcement: dict[str, Any] | None
    reroute: dict[str, Any] | None
    version: int
    opened_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class ReportRecord:
    seq: int
    kind: str
    author: str
    organisation: str
    at: datetime
    text: str
    figures: dict[str, int]
    corrects: int | None


@dataclass(frozen=True)
class IncidentClockRecord:
    id: int
    incident_id: int
    rule_key: str
    basis: str
    limit_value: int
    source: str
    started_at: datetime
    due_at: datetime
    outcome: str
    stopped_at: datetime | None
    breached_at: datetime | None


def _loads(text: str | None) -> dict[str, Any] | None:
    return None if text is None else dict(json.loads(text))


def _record(row: IncidentRow) -> IncidentRecord:
    return IncidentRecord(
        id=row.id,
        reference=row.reference,
        incident_type=row.incident_type,
        state=row.state,
        carrier=row.carrier,
        region=row.region,
        reporting_organisation_id=row.reporting_organisation_id,
        reporting_organisation=row.reporting_organisation,
        network=row.network,
        nodes=tuple(json.loads(row.nodes)),
        period_start=row.period_start,
        period_end=row.period_end,
        blocked=row.blocked,
        blocked_at=row.blocked_at,
        description=row.description,
        announcement=_loads(row.announcement),
        reroute=_loads(row.reroute),
        version=row.version,
        opened_by=row.opened_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
    )


def _clock(row: IncidentClockRow) -> IncidentClockRecord:
    return IncidentClockRecord(
        id=row.id,
        incident_id=row.incident_id,
        rule_key=row.rule_key,
        basis=row.basis,
        limit_value=row.limit_value,
        source=row.source,
        started_at=row.started_at,
        due_at=row.due_at,
        outcome=row.outcome,
        stopped_at=row.stopped_at,
        breached_at=row.breached_at,
    )


def next_reference(session: Session, year: int) -> str:
    """``SJ2026-000001`` for the year's first incident: one atomic upsert of the counter."""
    statement = (
        dialect_insert(session, IncidentCounterRow)
        .values(year=year, last=1)
        .on_conflict_do_update(index_elements=["year"], set_={"last": IncidentCounterRow.last + 1})
        .returning(IncidentCounterRow.last)
    )
    number = session.execute(statement).scalar_one()
    return f"SJ{year:04d}-{number:06d}"


def insert_incident(
    session: Session, incident: NewIncident, reference: str, *, now: datetime
) -> IncidentRecord:
    row = IncidentRow(
        reference=reference,
        incident_type=incident.incident_type,
        state=incident.state,
        carrier=incident.carrier,
        region=incident.region,
        reporting_organisation_id=incident.reporting_organisation_id,
        reporting_organisation=incident.reporting_organisation,
        network=incident.network,
        nodes=json.dumps(list(incident.nodes), ensure_ascii=False),
        period_start=incident.period_start,
        period_end=incident.period_end,
        blocked=incident.blocked,
        blocked_at=incident.blocked_at,
        description=incident.description,
        version=1,
        opened_by=incident.opened_by,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return _record(row)


def load_incident(session: Session, reference: str) -> IncidentRecord | None:
    row = session.scalars(
        select(IncidentRow)
        .where(IncidentRow.reference == reference)
        .execution_options(populate_existing=True)
    ).first()
    return None if row is None else _record(row)


def load_incident_by_id(session: Session, incident_id: int) -> IncidentRecord | None:
    row = session.get(IncidentRow, incident_id, populate_existing=True)
    return None if row is None else _record(row)


def update_incident(
    session: Session,
    incident_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
    *,
    now: datetime,
) -> int:
    """Apply ``changes`` if the incident is still at ``expected_version``; the new version.
    StaleRecordError, having written nothing, when someone changed it since."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"an incident's {sorted(unknown)} cannot be changed")
    values = {
        key: json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value
        for key, value in changes.items()
    }
    version = update_if_unchanged(
        session, IncidentRow, incident_id, expected_version, values, now=now
    )
    if version is not None:
        return version
    current = session.execute(
        select(IncidentRow.reference, IncidentRow.version).where(IncidentRow.id == incident_id)
    ).one_or_none()
    if current is None:
        raise NotFoundError(_("No incident has the id {id}.", id=incident_id))
    raise stale(current.reference, expected_version, current.version)


def stale(reference: str, expected: int, current: int) -> StaleRecordError:
    """The refusal of a change decided on version ``expected`` of an incident now at
    ``current``."""
    return StaleRecordError(
        _(
            "Someone else changed incident {reference} after you read it (you read version "
            "{expected}, it is now at {current}); nothing of your change was saved. Reload "
            "the incident and redo your change if it still applies.",
            reference=reference,
            expected=expected,
            current=current,
        )
    )


def add_report(
    session: Session,
    incident_id: int,
    *,
    kind: str,
    author: str,
    organisation: str,
    at: datetime,
    text: str,
    figures: Mapping[str, int],
    corrects: int | None = None,
) -> int:
    """Append a report; its number (1 for the first). ``UNIQUE(incident_id, seq)``."""
    last = session.scalar(
        select(func.coalesce(func.max(IncidentReportRow.seq), 0)).where(
            IncidentReportRow.incident_id == incident_id
        )
    )
    seq = int(last or 0) + 1
    session.add(
        IncidentReportRow(
            incident_id=incident_id,
            seq=seq,
            kind=kind,
            author=author,
            organisation=organisation,
            at=at,
            text=text,
            figures=json.dumps(dict(figures), sort_keys=True),
            corrects=corrects,
        )
    )
    session.flush()
    return seq


def incident_reports(session: Session, incident_id: int) -> list[ReportRecord]:
    rows = session.scalars(
        select(IncidentReportRow)
        .where(IncidentReportRow.incident_id == incident_id)
        .order_by(IncidentReportRow.seq)
    )
    return [
        ReportRecord(
            seq=row.seq,
            kind=row.kind,
            author=row.author,
            organisation=row.organisation,
            at=row.at,
            text=row.text,
            figures={str(k): int(v) for k, v in json.loads(row.figures).items()},
            corrects=row.corrects,
        )
        for row in rows
    ]


def start_incident_clock(
    session: Session,
    incident_id: int,
    *,
    rule_key: str,
    basis: str,
    limit_value: int,
    source: str,
    started_at: datetime,
    due_at: datetime,
) -> int:
    row = IncidentClockRow(
        incident_id=incident_id,
        rule_key=rule_key,
        basis=basis,
        limit_value=limit_value,
        source=source,
        started_at=started_at,
        due_at=due_at,
        outcome="running",
    )
    session.add(row)
    session.flush()
    return row.id


def incident_clock(session: Session, incident_id: int) -> IncidentClockRecord | None:
    row = session.scalars(
        select(IncidentClockRow)
        .where(IncidentClockRow.incident_id == incident_id)
        .execution_options(populate_existing=True)
    ).first()
    return None if row is None else _clock(row)


def stop_incident_clock(session: Session, clock_id: int, *, at: datetime) -> str | None:
    """Stop a clock not stopped yet: met when ``at`` is at or before its deadline, breached
    after it; the outcome, or None when it had stopped already."""
    row = session.get(IncidentClockRow, clock_id, populate_existing=True)
    if row is None or row.stopped_at is not None:
        return None
    outcome = "met" if at <= row.due_at else "breached"
    statement = (
        update(IncidentClockRow)
        .where(IncidentClockRow.id == clock_id, IncidentClockRow.stopped_at.is_(None))
        .values(outcome=outcome, stopped_at=at)
        .execution_options(synchronize_session=False)
    )
    changed = session.execute(statement).rowcount == 1  # type: ignore[attr-defined]
    return outcome if changed else None


def overdue_clocks(session: Session, *, now: datetime) -> list[IncidentClockRecord]:
    """Running clocks past their deadline (a report at the deadline itself is in time)."""
    rows = session.scalars(
        select(IncidentClockRow)
        .where(
            IncidentClockRow.outcome == "running",
            IncidentClockRow.breached_at.is_(None),
            IncidentClockRow.due_at < now,
        )
        .order_by(IncidentClockRow.id)
    )
    return [_clock(row) for row in rows]


def mark_incident_breached_once(session: Session, clock_id: int, at: datetime) -> bool:
    """Record the breach of a running clock past its deadline: True only for the call that
    recorded it (a conditional update; a concurrent one finds it set)."""
    statement = (
        update(IncidentClockRow)
        .where(
            IncidentClockRow.id == clock_id,
            IncidentClockRow.breached_at.is_(None),
            IncidentClockRow.outcome == "running",
            IncidentClockRow.due_at < at,
        )
        .values(breached_at=at, outcome="breached")
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined, no-any-return]


def query_incidents(
    session: Session,
    *,
    region_prefix: str = "",
    carrier: str | None = None,
    state: str | None = None,
    limit: int = 200,
) -> list[IncidentRecord]:
    """Incidents inside the reach, open ones first, newest first."""
    statement = select(IncidentRow).where(IncidentRow.region.startswith(region_prefix))
    if carrier is not None:
        statement = statement.where(IncidentRow.carrier == carrier)
    if state is not None:
        statement = statement.where(IncidentRow.state == state)
    closed_last = (IncidentRow.state == "closed").asc()
    statement = statement.order_by(closed_last, IncidentRow.period_start.desc(), IncidentRow.id)
    return [_record(row) for row in session.scalars(statement.limit(limit))]


def clocks_of(session: Session, incident_ids: Sequence[int]) -> dict[int, IncidentClockRecord]:
    if not incident_ids:
        return {}
    rows = session.scalars(
        select(IncidentClockRow).where(IncidentClockRow.incident_id.in_(list(incident_ids)))
    )
    return {row.incident_id: _clock(row) for row in rows}


def network_nodes(session: Session, network: str) -> dict[str, tuple[str, str, str, str]] | None:
    """The stored network's nodes: id → (kind, region, carrier, name); None when there is no
    such network."""
    network_id = session.scalar(select(NetworkRow.id).where(NetworkRow.name == network))
    if network_id is None:
        return None
    rows = session.execute(
        select(NodeRow.id, NodeRow.kind, NodeRow.region, NodeRow.carrier, NodeRow.name).where(
            NodeRow.network_id == network_id
        )
    )
    return {row.id: (str(row.kind), row.region, row.carrier, row.name) for row in rows}


def regulator_offices(session: Session) -> list[tuple[int, str | None, str | None]]:
    """Every enabled regulator office as (id, level, region)."""
    rows = session.execute(
        select(OrganisationRow.id, OrganisationRow.level, OrganisationRow.region).where(
            OrganisationRow.kind == "regulator", OrganisationRow.disabled.is_(False)
        )
    )
    return [(row.id, row.level, row.region) for row in rows]


def incident_closures(session: Session) -> list[tuple[IncidentRecord, dict[str, str]]]:
    """Incidents that close nodes or block the network, with the region of each affected node
    (node id → region) where their network is stored."""
    rows = session.scalars(
        select(IncidentRow).where((IncidentRow.nodes != "[]") | IncidentRow.blocked.is_(True))
    )
    found = []
    for row in rows:
        incident = _record(row)
        nodes = network_nodes(session, incident.network) if incident.network else None
        regions = {
            node: nodes[node][1] for node in incident.nodes if nodes is not None and node in nodes
        }
        found.append((incident, regions))
    return found
