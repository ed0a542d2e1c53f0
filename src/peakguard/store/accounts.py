"""Organisations, users, roles, API tokens and sessions: rows to and from the identity model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from peakguard.identity.model import Organisation, OrganisationKind, Permission, RegulatorLevel
from peakguard.store.access_tables import (
    ApiTokenRow,
    OrganisationRow,
    RolePermissionRow,
    RoleRow,
    SessionRow,
    UserRoleRow,
    UserRow,
)


@dataclass(frozen=True)
class RoleDefinition:
    name: str
    organisation_kind: OrganisationKind
    title: str
    title_en: str
    permissions: frozenset[Permission]


def organisation_of(row: OrganisationRow) -> Organisation:
    return Organisation(
        id=row.id,
        code=row.code,
        name=row.name,
        kind=OrganisationKind(row.kind),
        level=RegulatorLevel(row.level) if row.level else None,
        region=row.region,
        carrier=row.carrier,
    )


def add_organisation(session: Session, organisation: Organisation, now: datetime) -> Organisation:
    row = OrganisationRow(
        code=organisation.code,
        name=organisation.name,
        kind=organisation.kind.value,
        level=organisation.level.value if organisation.level else None,
        region=organisation.region,
        carrier=organisation.carrier,
        disabled=False,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return organisation_of(row)


def organisation_row(session: Session, code: str) -> OrganisationRow | None:
    return session.scalars(select(OrganisationRow).where(OrganisationRow.code == code)).first()


def organisation_rows(session: Session) -> Sequence[OrganisationRow]:
    return session.scalars(select(OrganisationRow).order_by(OrganisationRow.code)).all()


def role_definitions(session: Session) -> dict[str, RoleDefinition]:
    granted: dict[str, set[Permission]] = {}
    for role, permission in session.execute(
        select(RolePermissionRow.role, RolePermissionRow.permission)
    ):
        granted.setdefault(role, set()).add(Permission(permission))
    return {
        row.name: RoleDefinition(
            row.name,
            OrganisationKind(row.organisation_kind),
            row.title,
            row.title_en,
            frozenset(granted.get(row.name, set())),
        )
        for row in session.scalars(
            select(RoleRow).order_by(RoleRow.organisation_kind, RoleRow.name)
        )
    }


def user_row(session: Session, username: str) -> UserRow | None:
    return session.scalars(select(UserRow).where(UserRow.username == username)).first()


def user_rows(session: Session, organisation_id: int | None = None) -> Sequence[UserRow]:
    query = select(UserRow).order_by(UserRow.username)
    if organisation_id is not None:
        query = query.where(UserRow.organisation_id == organisation_id)
    return session.scalars(query).all()


def user_roles(session: Session, user_id: int) -> tuple[str, ...]:
    return tuple(
        session.scalars(
            select(UserRoleRow.role)
            .where(UserRoleRow.user_id == user_id)
            .order_by(UserRoleRow.role)
        )
    )


def set_user_roles(session: Session, user_id: int, roles: Sequence[str]) -> None:
    session.execute(delete(UserRoleRow).where(UserRoleRow.user_id == user_id))
    session.add_all(UserRoleRow(user_id=user_id, role=role) for role in sorted(set(roles)))


def end_user_sessions(session: Session, user_id: int, now: datetime) -> None:
    session.execute(
        update(SessionRow)
        .where(SessionRow.user_id == user_id, SessionRow.ended_at.is_(None))
        .values(ended_at=now)
    )


def token_row(session: Session, lookup: str) -> ApiTokenRow | None:
    return session.scalars(select(ApiTokenRow).where(ApiTokenRow.lookup == lookup)).first()


def token_rows(session: Session, organisation_id: int | None = None) -> Sequence[ApiTokenRow]:
    query = select(ApiTokenRow).order_by(ApiTokenRow.id)
    if organisation_id is not None:
        query = query.where(ApiTokenRow.organisation_id == organisation_id)
    return session.scalars(query).all()


def session_row(session: Session, id_hash: str) -> SessionRow | None:
    return session.get(SessionRow, id_hash)
