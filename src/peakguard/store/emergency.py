"""Emergency plans' activations as rows: the activation, its steps and its actions checked off.

Every function works inside the caller's session and transaction, so that a step, its checks
and its audit entry are kept together or not at all. A change is one conditional ``UPDATE``
naming the version the caller read: of two people terminating one activation at once, the
second finds the version moved on and gets :class:`~peakguard.errors.StaleRecordError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peakguard.errors import NotFoundError, StaleRecordError
from peakguard.i18n import _
from peakguard.store.emergency_tables import (
    EmergencyActionCheckRow,
    EmergencyActivationRow,
    EmergencyStepRow,
)
from peakguard.store.versioned import update_if_unchanged

UPDATABLE = frozenset(
    {"level", "state", "note", "termination_reason", "activated_at", "terminated_at"}
)


@dataclass(frozen=True)
class NewActivation:
    """An activation to keep (proposed, activated or drilled)."""

    plan_key: str
    kind: str
    level: str
    proposed_level: str | None
    state: str
    drill: bool
    region: str
    trigger: str | None
    facts: Mapping[str, float]
    reasons: tuple[str, ...]
    note: str | None
    organisation: str
    activated_at: datetime | None = None


@dataclass(frozen=True)
class ActivationRecord:
    id: int
    plan_key: str
    kind: str
    level: str
    proposed_level: str | None
    state: str
    drill: bool
    region: str
    trigger: str | None
    facts: dict[str, float]
    reasons: tuple[str, ...]
    note: str | None
    termination_reason: str | None
    organisation: str
    version: int
    created_at: datetime
    updated_at: datetime
    activated_at: datetime | None
    terminated_at: datetime | None


@dataclass(frozen=True)
class StepRecord:
    seq: int
    step: str
    source_state: str
    target_state: str
    level_before: str
    level_after: str
    actor: str
    organisation: str
    at: datetime
    note: str | None


@dataclass(frozen=True)
class CheckRecord:
    action_key: str
    level: str
    actor: str
    organisation: str
    at: datetime
    note: str | None


def _record(row: EmergencyActivationRow) -> ActivationRecord:
    return ActivationRecord(
        id=row.id,
        plan_key=row.plan_key,
        kind=row.kind,
        level=row.level,
        proposed_level=row.proposed_level,
        state=row.state,
        drill=row.drill,
        region=row.region,
        trigger=row.trigger,
        facts={str(k): float(v) for k, v in json.loads(row.facts).items()},
        reasons=tuple(json.loads(row.reasons)),
        note=row.note,
        termination_reason=row.termination_reason,
        organisation=row.organisation,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        activated_at=row.activated_at,
        terminated_at=row.terminated_at,
    )


def insert_activation(session: Session, new: NewActivation, *, now: datetime) -> ActivationRecord:
    """Keep ``new`` at version 1."""
    row = EmergencyActivationRow(
        plan_key=new.plan_key,
        kind=new.kind,
        level=new.level,
        proposed_level=new.proposed_level,
        state=new.state,
        drill=new.drill,
        region=new.region,
        trigger=new.trigger,
        facts=json.dumps(dict(new.facts), sort_keys=True),
        reasons=json.dumps(list(new.reasons), ensure_ascii=False),
        note=new.note,
        organisation=new.organisation,
        version=1,
        created_at=now,
        updated_at=now,
        activated_at=new.activated_at,
    )
    session.add(row)
    session.flush()
    return _record(row)


def load_activation(session: Session, activation_id: int) -> ActivationRecord | None:
    row = session.get(EmergencyActivationRow, activation_id, populate_existing=True)
    return None if row is None else _record(row)


def update_activation(
    session: Session,
    activation_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
    *,
    now: datetime,
) -> int:
    """Apply ``changes`` if the activation is still at ``expected_version``; the new version.
    StaleRecordError, having written nothing, when someone else changed it since."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"an activation's {sorted(unknown)} cannot be changed")
    version = update_if_unchanged(
        session, EmergencyActivationRow, activation_id, expected_version, changes, now=now
    )
    if version is not None:
        return version
    current = session.scalar(
        select(EmergencyActivationRow.version).where(EmergencyActivationRow.id == activation_id)
    )
    if current is None:
        raise NotFoundError(_("No activation has the id {id}.", id=activation_id))
    raise StaleRecordError(
        _(
            "Someone else changed activation {id} after you read it (you read version "
            "{expected}, it is now at {current}); nothing of your change was saved. Reload "
            "it and redo your change if it still applies.",
            id=activation_id,
            expected=expected_version,
            current=current,
        )
    )


def add_step(
    session: Session,
    activation_id: int,
    *,
    step: str,
    source_state: str,
    target_state: str,
    level_before: str,
    level_after: str,
    actor: str,
    organisation: str,
    at: datetime,
    note: str | None = None,
) -> int:
    """Append a step to the activation's history; its number (1 for the first)."""
    last = session.scalar(
        select(func.coalesce(func.max(EmergencyStepRow.seq), 0)).where(
            EmergencyStepRow.activation_id == activation_id
        )
    )
    seq = int(last or 0) + 1
    session.add(
        EmergencyStepRow(
            activation_id=activation_id,
            seq=seq,
            step=step,
            source_state=source_state,
            target_state=target_state,
            level_before=level_before,
            level_after=level_after,
            actor=actor,
            organisation=organisation,
            at=at,
            note=note,
        )
    )
    session.flush()
    return seq


def activation_steps(session: Session, activation_id: int) -> list[StepRecord]:
    rows = session.scalars(
        select(EmergencyStepRow)
        .where(EmergencyStepRow.activation_id == activation_id)
        .order_by(EmergencyStepRow.seq)
    )
    return [
        StepRecord(
            row.seq,
            row.step,
            row.source_state,
            row.target_state,
            row.level_before,
            row.level_after,
            row.actor,
            row.organisation,
            row.at,
            row.note,
        )
        for row in rows
    ]


def add_check(
    session: Session,
    activation_id: int,
    *,
    action_key: str,
    level: str,
    actor: str,
    organisation: str,
    at: datetime,
    note: str | None,
) -> None:
    """Record an action checked off (the caller has refused one already checked)."""
    session.add(
        EmergencyActionCheckRow(
            activation_id=activation_id,
            action_key=action_key,
            level=level,
            actor=actor,
            organisation=organisation,
            at=at,
            note=note,
        )
    )
    session.flush()


def action_checks(session: Session, activation_id: int) -> dict[str, CheckRecord]:
    """The actions checked off, by key."""
    rows = session.scalars(
        select(EmergencyActionCheckRow)
        .where(EmergencyActionCheckRow.activation_id == activation_id)
        .order_by(EmergencyActionCheckRow.at, EmergencyActionCheckRow.id)
    )
    return {
        row.action_key: CheckRecord(
            row.action_key, row.level, row.actor, row.organisation, row.at, row.note
        )
        for row in rows
    }


def query_activations(
    session: Session,
    *,
    states: tuple[str, ...] = (),
    drill: bool | None = None,
) -> list[ActivationRecord]:
    """Activations, newest first, of ``states`` (all when empty) and ``drill`` (either when
    None); the caller keeps those within its reader's reach."""
    statement = select(EmergencyActivationRow).order_by(
        EmergencyActivationRow.created_at.desc(), EmergencyActivationRow.id.desc()
    )
    if states:
        statement = statement.where(EmergencyActivationRow.state.in_(states))
    if drill is not None:
        statement = statement.where(EmergencyActivationRow.drill.is_(drill))
    return [_record(row) for row in session.scalars(statement)]
