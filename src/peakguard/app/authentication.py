"""Who is calling: logins and browser sessions, API tokens, lock-out after wrong passwords.

A session is a random cookie value; only its SHA-256 is stored, with the CSRF token that every
state-changing request of that session must echo. It ends after ``idle`` without a request, or
``absolute`` after the login, or at logout. A user is locked out for ``lockout`` after
``max_failures`` wrong passwords in a row. Every login, failure, lock-out and logout is
recorded in the audit trail (never the password; an unknown user name is not recorded either,
since people type their password into that field by mistake).
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from peakguard.app.audit import record, record_in
from peakguard.config import Settings
from peakguard.errors import UnauthenticatedError
from peakguard.i18n import _
from peakguard.identity.credentials import (
    digest,
    hash_password,
    needs_rehash,
    new_session_secret,
    same_secret,
    split_token,
    verify_password,
    waste_verification,
)
from peakguard.identity.model import Channel, Permission, Principal
from peakguard.store import accounts as rows
from peakguard.store.access_tables import (
    ApiTokenRow,
    OrganisationRow,
    RolePermissionRow,
    SessionRow,
    UserRoleRow,
    UserRow,
)
from peakguard.store.database import Store, transaction

SEEN_EVERY = timedelta(seconds=60)
"""How stale a session's last-seen time may get before a request writes it again."""

_changes = itertools.count(1)
_generation = 0


def credentials_changed() -> None:
    """A password, a user's state, a token or a session changed in this process: every
    principal kept by :class:`PrincipalCache` is looked up again."""
    global _generation  # noqa: PLW0603 - one counter per process is the point
    _generation = next(_changes)


class PrincipalCache:
    """Principals already looked up, by credential digest, for ``seconds``: most requests
    then make no credential query. A change made in this process (logout, revocation, reset,
    disabling) takes effect at once; one made by another process within ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._kept: dict[str, tuple[float, int, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Principal | None:
        if self.seconds <= 0:
            return None
        with self._lock:
            found = self._kept.get(key)
        if found is None:
            return None
        kept_at, generation, principal = found
        if generation != _generation or time.monotonic() - kept_at >= self.seconds:
            return None
        if principal.valid_until is not None and principal.valid_until <= datetime.now(UTC):
            return None
        return principal

    def put(self, key: str, principal: Principal) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._kept) > 10_000:  # a bound, not a policy: old entries go first
                self._kept.clear()
            self._kept[key] = (time.monotonic(), _generation, principal)


@dataclass(frozen=True)
class SecurityPolicy:
    idle: timedelta
    absolute: timedelta
    max_failures: int
    lockout: timedelta

    @classmethod
    def of(cls, settings: Settings) -> SecurityPolicy:
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_absolute_hours),
            max_failures=settings.login_max_failures,
            lockout=timedelta(minutes=settings.login_lockout_minutes),
        )


@dataclass(frozen=True)
class Login:
    """A new session: ``cookie`` goes into the session cookie, ``csrf`` into every form and
    every state-changing request's ``X-CSRF-Token`` header."""

    cookie: str = field(repr=False)
    csrf: str = field(repr=False)
    principal: Principal
    expires_at: datetime


def _user_permissions(
    session: Session, user_id: int
) -> tuple[tuple[str, ...], frozenset[Permission]]:
    found = session.execute(
        select(UserRoleRow.role, RolePermissionRow.permission)
        .outerjoin(RolePermissionRow, RolePermissionRow.role == UserRoleRow.role)
        .where(UserRoleRow.user_id == user_id)
    ).all()
    roles = tuple(sorted({role for role, _permission in found}))
    return roles, frozenset(Permission(p) for _role, p in found if p is not None)


def _principal(
    session: Session,
    user: UserRow,
    organisation: OrganisationRow,
    channel: Channel,
    address: str | None,
) -> Principal:
    roles, permissions = _user_permissions(session, user.id)
    return Principal(
        name=user.username,
        organisation=rows.organisation_of(organisation),
        permissions=permissions,
        channel=channel,
        roles=roles,
        user_id=user.id,
        address=address,
    )


def _refused(policy: SecurityPolicy) -> UnauthenticatedError:
    """One answer for an unknown name, a wrong password, a locked or a disabled user: which
    of them it was would tell a guesser which user names exist."""
    return UnauthenticatedError(
        _(
            "Wrong user name or password. After {count} wrong passwords in a row a user is "
            "locked for {minutes} minutes; your administrator can unlock it by resetting the "
            "password.",
            count=policy.max_failures,
            minutes=int(policy.lockout.total_seconds() // 60),
        )
    )


def login(
    store: Store,
    username: str,
    password: str,
    *,
    policy: SecurityPolicy,
    address: str | None = None,
    now: datetime | None = None,
) -> Login:
    """Check the password and open a session; wrong passwords count towards a lock-out."""
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        user = rows.user_row(session, username)
        organisation = session.get(OrganisationRow, user.organisation_id) if user else None
        if user is None or organisation is None:
            waste_verification(password)
            raise _refused(policy)
        actor = Principal(
            user.username,
            rows.organisation_of(organisation),
            frozenset(),
            Channel.session,
            address=address,
        )
        locked_until = user.locked_until
        if locked_until is not None and locked_until > moment:
            waste_verification(password)
            outcome = "locked"
        elif not verify_password(user.password_hash, password):
            user.failed_logins += 1
            outcome = "failed"
            if user.failed_logins >= policy.max_failures:
                user.locked_until = moment + policy.lockout
                user.failed_logins = 0
                outcome = "locked_out"
        elif user.disabled or organisation.disabled:
            outcome = "disabled"
        else:
            outcome = "ok"
        if outcome != "ok":
            record_in(session, store, actor, "login", "user", username, outcome=outcome, at=moment)
    if outcome != "ok":
        raise _refused(policy)
    return _open_session(store, username, password, policy=policy, address=address, now=moment)


def _open_session(
    store: Store,
    username: str,
    password: str,
    *,
    policy: SecurityPolicy,
    address: str | None,
    now: datetime,
) -> Login:
    with transaction(store.sessions) as session:
        user = rows.user_row(session, username)
        assert user is not None
        organisation = session.get(OrganisationRow, user.organisation_id)
        assert organisation is not None
        user.failed_logins = 0
        user.locked_until = None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        cookie = new_session_secret()
        csrf = new_session_secret()
        expires = now + policy.absolute
        session.add(
            SessionRow(
                id_hash=digest(cookie),
                user_id=user.id,
                csrf_token=digest(csrf),
                address=address,
                created_at=now,
                last_seen_at=now,
                expires_at=expires,
                ended_at=None,
            )
        )
        principal = _principal(session, user, organisation, Channel.session, address)
        record_in(session, store, principal, "login", "user", username, at=now)
    return Login(cookie, csrf, replace(principal, session_csrf=digest(csrf)), expires)


def session_principal(
    store: Store,
    cookie: str,
    *,
    policy: SecurityPolicy,
    address: str | None = None,
    now: datetime | None = None,
) -> Principal:
    """The user of a live session, or 401 (expired, ended, unknown, user disabled)."""
    moment = now or datetime.now(UTC)
    expired = UnauthenticatedError(_("Your session has ended; log in again."))
    with transaction(store.sessions) as session:
        found = session.execute(
            select(SessionRow, UserRow, OrganisationRow)
            .join(UserRow, UserRow.id == SessionRow.user_id)
            .join(OrganisationRow, OrganisationRow.id == UserRow.organisation_id)
            .where(SessionRow.id_hash == digest(cookie))
        ).first()
        if found is None:
            raise expired
        row, user, organisation = found
        if (
            row.ended_at is not None
            or row.expires_at <= moment
            or row.last_seen_at + policy.idle <= moment
            or user.disabled
            or organisation.disabled
        ):
            if row.ended_at is None:
                row.ended_at = moment
            raise expired
        if moment - row.last_seen_at >= SEEN_EVERY:
            row.last_seen_at = moment
        principal = _principal(session, user, organisation, Channel.session, address)
        ends = min(row.expires_at, row.last_seen_at + policy.idle)
        return replace(principal, session_csrf=row.csrf_token, valid_until=ends)


def end_session(store: Store, cookie: str, actor: Principal, now: datetime | None = None) -> None:
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        row = rows.session_row(session, digest(cookie))
        if row is not None and row.ended_at is None:
            row.ended_at = moment
            record_in(session, store, actor, "logout", "user", actor.name, at=moment)
    credentials_changed()


def token_principal(
    store: Store, text: str, *, address: str | None = None, now: datetime | None = None
) -> Principal:
    """The machine client holding API token ``text``, or 401 (unknown, expired, revoked)."""
    moment = now or datetime.now(UTC)
    refused = UnauthenticatedError(
        _("The API token is not valid: it is unknown, expired or revoked. Ask for a new one.")
    )
    parts = split_token(text)
    if parts is None:
        raise refused
    lookup, secret = parts
    with transaction(store.sessions) as session:
        found = session.execute(
            select(ApiTokenRow, OrganisationRow)
            .join(OrganisationRow, OrganisationRow.id == ApiTokenRow.organisation_id)
            .where(ApiTokenRow.lookup == lookup)
        ).first()
        if found is None:
            raise refused
        token, organisation = found
        if (
            not same_secret(token.secret_hash, digest(secret))
            or token.revoked_at is not None
            or token.expires_at <= moment
            or organisation.disabled
        ):
            raise refused
        return Principal(
            name=f"token:{token.id}",
            organisation=rows.organisation_of(organisation),
            permissions=frozenset(Permission(p) for p in token.permissions.split()),
            channel=Channel.token,
            roles=(),
            token_id=token.id,
            address=address,
            valid_until=token.expires_at,
        )


class DenialLedger:
    """How often each caller was refused the same thing lately, so that a caller hammering a
    forbidden route cannot turn the audit trail into a write flood (each entry is a locked,
    chained insert). Within ``window_seconds`` the 1st, 2nd, 4th, 8th… refusal of one
    (caller, action, target) is recorded, each with the count so far: the trail still shows
    the scale of an attempt to within a factor of two, with log₂(n) entries for n refusals."""

    def __init__(self, window_seconds: float = 60.0, keys: int = 10_000) -> None:
        self.window_seconds = window_seconds
        self.keys = keys
        self._seen: dict[tuple[str, str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def count(self, key: tuple[str, str, str], now: float) -> int | None:
        """This refusal's number in its window if it is to be recorded, else None."""
        with self._lock:
            started, count = self._seen.get(key, (now, 0))
            if now - started >= self.window_seconds:
                started, count = now, 0
            if len(self._seen) >= self.keys and key not in self._seen:
                self._seen.clear()  # a bound on memory, not a policy
            count += 1
            self._seen[key] = (started, count)
        return count if count & (count - 1) == 0 else None


DENIALS = DenialLedger()
"""This process's ledger of refusals (one per server process; the trail is shared)."""


def record_denial(
    store: Store,
    actor: Principal,
    action: str,
    target: str,
    *,
    ledger: DenialLedger = DENIALS,
) -> None:
    """A refused request, for the trail (an IT security review looks for these first);
    repeats of one refusal are thinned as :class:`DenialLedger` says."""
    caller = f"{actor.channel}:{actor.user_id or actor.token_id or actor.name}"
    count = ledger.count((caller, action, target), time.monotonic())
    if count is not None:
        detail = {"refusals_in_window": count} if count > 1 else None
        record(store, actor, action, "request", target, outcome="denied", detail=detail)
