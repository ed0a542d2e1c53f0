"""Administration: organisations, users and their roles, passwords, API tokens.

Every operation here needs ``admin.manage`` and is recorded in the audit trail (never with a
password or a token's text, which are returned once to the caller and stored only hashed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peakguard.app.access import require
from peakguard.app.audit import record_in
from peakguard.app.authentication import credentials_changed
from peakguard.errors import ConflictError, InvalidInputError, NotFoundError, Problem
from peakguard.i18n import _
from peakguard.identity.checks import organisation_problems, permission_problems, username_problems
from peakguard.identity.credentials import (
    check_password_strength,
    generate_password,
    hash_password,
    new_token,
)
from peakguard.identity.model import (
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    kind_label,
)
from peakguard.store import accounts as rows
from peakguard.store.access_tables import ApiTokenRow, UserRow
from peakguard.store.database import Store, transaction


@dataclass(frozen=True)
class UserInfo:
    username: str
    display_name: str
    organisation: str
    roles: tuple[str, ...]
    disabled: bool
    locked_until: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    organisation: str
    permissions: tuple[str, ...]
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class IssuedToken:
    info: TokenInfo
    text: str = field(repr=False)
    """The token itself: shown once, never stored."""


def _no_organisation(code: str) -> Problem:
    return Problem("organisation", _("no organisation has the code {code}", code=code))


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise InvalidInputError(_("the request has mistakes"), problems)


def create_organisation(store: Store, actor: Principal, organisation: Organisation) -> Organisation:
    require(actor, Permission.admin_manage)
    _refuse(organisation_problems(organisation))
    with transaction(store.sessions) as session:
        if rows.organisation_row(session, organisation.code) is not None:
            raise ConflictError(
                _("an organisation with the code {code} exists", code=organisation.code)
            )
        made = rows.add_organisation(session, organisation, datetime.now(UTC))
        record_in(
            session,
            store,
            actor,
            "organisation.create",
            "organisation",
            made.code,
            detail={"kind": made.kind.value, "region": made.region, "carrier": made.carrier},
        )
    return made


def list_organisations(store: Store, actor: Principal) -> list[Organisation]:
    require(actor, Permission.admin_manage)
    with transaction(store.sessions) as session:
        return [rows.organisation_of(row) for row in rows.organisation_rows(session)]


def list_roles(store: Store) -> list[rows.RoleDefinition]:
    """The role-to-permission table (public knowledge: it is documented)."""
    with transaction(store.sessions) as session:
        return list(rows.role_definitions(session).values())


def _user_info(session: Session, row: UserRow, organisation: str) -> UserInfo:
    from_session = rows.user_roles(session, row.id)
    return UserInfo(
        row.username,
        row.display_name,
        organisation,
        from_session,
        row.disabled,
        row.locked_until,
        row.created_at,
    )


def create_user(
    store: Store,
    actor: Principal,
    *,
    username: str,
    organisation: str,
    roles: Sequence[str],
    display_name: str | None = None,
    password: str | None = None,
) -> tuple[UserInfo, str]:
    """A user of ``organisation`` with ``roles``; returns it and its password (generated when
    none is given: hand it over once, the user should change it)."""
    require(actor, Permission.admin_manage)
    problems = username_problems(username)
    chosen = password if password is not None else generate_password()
    try:
        check_password_strength(chosen, username)
    except InvalidInputError as error:
        problems += error.problems
    with transaction(store.sessions) as session:
        owner = rows.organisation_row(session, organisation)
        if owner is None:
            problems.append(
                Problem("organisation", _("no organisation has the code {code}", code=organisation))
            )
        else:
            problems += _role_problems(
                rows.role_definitions(session), roles, OrganisationKind(owner.kind)
            )
        _refuse(problems)
        assert owner is not None
        if rows.user_row(session, username) is not None:
            raise ConflictError(_("the user name {name} is taken", name=username))
        now = datetime.now(UTC)
        user = UserRow(
            username=username,
            display_name=display_name or username,
            organisation_id=owner.id,
            password_hash=hash_password(chosen),
            disabled=False,
            failed_logins=0,
            locked_until=None,
            password_changed_at=now,
            created_at=now,
        )
        session.add(user)
        try:
            session.flush()
        except IntegrityError:
            raise ConflictError(_("the user name {name} is taken", name=username)) from None
        rows.set_user_roles(session, user.id, roles)
        session.flush()
        record_in(
            session,
            store,
            actor,
            "user.create",
            "user",
            username,
            detail={"organisation": owner.code, "roles": sorted(set(roles))},
        )
        return _user_info(session, user, owner.code), chosen


def _role_problems(
    known: dict[str, rows.RoleDefinition], roles: Sequence[str], kind: OrganisationKind
) -> list[Problem]:
    if not roles:
        return [Problem("roles", _("give at least one role"))]
    problems: list[Problem] = []
    for index, role in enumerate(roles):
        definition = known.get(role)
        if definition is None:
            problems.append(
                Problem(
                    f"roles[{index}]",
                    _("{role} is not a role; see peakguard admin roles", role=role),
                )
            )
        elif definition.organisation_kind is not kind:
            problems.append(
                Problem(
                    f"roles[{index}]",
                    _(
                        "{role} is a role of a {expected}, not of a {kind}",
                        role=role,
                        expected=kind_label(definition.organisation_kind),
                        kind=kind_label(kind),
                    ),
                )
            )
    return problems


def _user(session: Session, username: str) -> UserRow:
    row = rows.user_row(session, username)
    if row is None:
        raise NotFoundError(_("there is no user {name}", name=username))
    return row


def _organisation_codes(
    session: Session, organisation: str | None
) -> tuple[dict[int, str], int | None]:
    """Every organisation's code by id, and the id of ``organisation`` (``None`` for all;
    an unknown code is not found)."""
    codes = {row.id: row.code for row in rows.organisation_rows(session)}
    if organisation is None:
        return codes, None
    owner = rows.organisation_row(session, organisation)
    if owner is None:
        raise NotFoundError(_("no organisation has the code {code}", code=organisation))
    return codes, owner.id


def list_users(store: Store, actor: Principal, organisation: str | None = None) -> list[UserInfo]:
    require(actor, Permission.admin_manage)
    with transaction(store.sessions) as session:
        codes, owner = _organisation_codes(session, organisation)
        return [
            _user_info(session, row, codes[row.organisation_id])
            for row in rows.user_rows(session, owner)
        ]


def reset_password(
    store: Store, actor: Principal, username: str, password: str | None = None
) -> str:
    """A new password for ``username`` (generated when none is given); unlocks the user and
    ends its sessions."""
    require(actor, Permission.admin_manage)
    chosen = password if password is not None else generate_password()
    check_password_strength(chosen, username)
    with transaction(store.sessions) as session:
        user = _user(session, username)
        now = datetime.now(UTC)
        user.password_hash = hash_password(chosen)
        user.password_changed_at = now
        user.failed_logins = 0
        user.locked_until = None
        rows.end_user_sessions(session, user.id, now)
        record_in(session, store, actor, "user.reset_password", "user", username)
    credentials_changed()
    return chosen


def set_user_disabled(store: Store, actor: Principal, username: str, disabled: bool) -> None:
    """Disable (ending its sessions) or enable ``username``."""
    require(actor, Permission.admin_manage)
    with transaction(store.sessions) as session:
        user = _user(session, username)
        user.disabled = disabled
        if disabled:
            rows.end_user_sessions(session, user.id, datetime.now(UTC))
        action = "user.disable" if disabled else "user.enable"
        record_in(session, store, actor, action, "user", username)
    credentials_changed()


def _token_info(row: ApiTokenRow, organisation: str) -> TokenInfo:
    return TokenInfo(
        row.id,
        row.name,
        organisation,
        tuple(row.permissions.split()),
        row.created_by,
        row.created_at,
        row.expires_at,
        row.revoked_at,
    )


def issue_token(
    store: Store,
    actor: Principal,
    *,
    organisation: str,
    name: str,
    permissions: Sequence[str],
    days: int,
    max_days: int,
) -> IssuedToken:
    """An API token for a machine client of ``organisation``, limited to ``permissions`` (each
    one a role of that kind of organisation may hold) and to ``days``."""
    require(actor, Permission.admin_manage)
    problems = permission_problems(permissions)
    if not permissions:
        problems.append(Problem("permissions", _("give at least one permission")))
    if not 1 <= days <= max_days:
        problems.append(Problem("days", _("give 1 to {most} days", most=max_days)))
    if not name.strip() or len(name) > 200:
        problems.append(Problem("name", _("give a name of 1–200 characters")))
    with transaction(store.sessions) as session:
        owner = rows.organisation_row(session, organisation)
        if owner is None:
            problems.append(
                Problem("organisation", _("no organisation has the code {code}", code=organisation))
            )
        else:
            problems += _grantable_problems(session, owner.kind, permissions)
        _refuse(problems)
        assert owner is not None
        made = new_token()
        now = datetime.now(UTC)
        row = ApiTokenRow(
            lookup=made.lookup,
            secret_hash=made.secret_hash,
            name=name,
            organisation_id=owner.id,
            permissions=" ".join(sorted(set(permissions))),
            created_by=actor.label(),
            created_at=now,
            expires_at=now + timedelta(days=days),
            revoked_at=None,
        )
        session.add(row)
        session.flush()
        record_in(
            session,
            store,
            actor,
            "token.issue",
            "token",
            str(row.id),
            detail={"organisation": owner.code, "permissions": row.permissions, "days": days},
        )
        return IssuedToken(_token_info(row, owner.code), made.text)


def _grantable_problems(session: Session, kind: str, permissions: Sequence[str]) -> list[Problem]:
    grantable: set[str] = set()
    for definition in rows.role_definitions(session).values():
        if definition.organisation_kind.value == kind:
            grantable |= {permission.value for permission in definition.permissions}
    return [
        Problem(
            "permissions",
            _(
                "a {kind} may not hold {permission}",
                kind=kind_label(OrganisationKind(kind)),
                permission=permission,
            ),
        )
        for permission in permissions
        if permission in {p.value for p in Permission} and permission not in grantable
    ]


def list_tokens(store: Store, actor: Principal, organisation: str | None = None) -> list[TokenInfo]:
    require(actor, Permission.admin_manage)
    with transaction(store.sessions) as session:
        codes, owner = _organisation_codes(session, organisation)
        return [
            _token_info(row, codes[row.organisation_id]) for row in rows.token_rows(session, owner)
        ]


def revoke_token(store: Store, actor: Principal, token_id: int) -> None:
    require(actor, Permission.admin_manage)
    with transaction(store.sessions) as session:
        row = session.get(ApiTokenRow, token_id)
        if row is None:
            raise NotFoundError(_("there is no API token {id}", id=token_id))
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
        record_in(session, store, actor, "token.revoke", "token", str(token_id))
    credentials_changed()
