"""Who is calling, and may they: every route declares its permission here.

A route takes its principal as a parameter ``actor: Annotated[Principal, requires(P)]``
(or ``open_to_all()`` for the few routes anyone may call: health, login). The declaration is
what the access-matrix test reads from the route table, so a route without one fails the
suite. Credentials: an API token (``Authorization: Bearer pgt_…``) or the session cookie a
login sets; a cookie-authenticated request that changes anything must echo the session's CSRF
token in ``X-CSRF-Token``. Both schemes are declared in the OpenAPI document.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from peakguard.app.access import require
from peakguard.app.authentication import (
    Login,
    PrincipalCache,
    SecurityPolicy,
    record_denial,
    session_principal,
    token_principal,
)
from peakguard.errors import ForbiddenError, UnauthenticatedError
from peakguard.i18n import _
from peakguard.identity.credentials import digest, same_secret
from peakguard.identity.model import ANONYMOUS, Channel, Permission, Principal
from peakguard.store.database import Store

SESSION_COOKIE = "peakguard_session"
CSRF_COOKIE = "peakguard_csrf"
"""The session's CSRF token, HttpOnly too: the server reads it to write it into each page's
forms (after checking it against the session's), no script needs it."""
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="apiToken",
    description="An API token for a machine client: Authorization: Bearer pgt_…",
)
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="session",
    description="The browser session a login sets (HttpOnly, SameSite=Strict); a request "
    "that changes anything must also send the session's CSRF token in X-CSRF-Token.",
)


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_principal(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None,
    cookie: str | None,
) -> Principal:
    """The caller, once per request (kept on ``request.state``)."""
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    store: Store = request.app.state.store
    address = client_address(request)
    cache: PrincipalCache = request.app.state.principals
    if bearer is not None:
        key = "token " + digest(bearer.credentials)
        principal = cache.get(key) or token_principal(store, bearer.credentials, address=address)
        cache.put(key, principal)
        principal = replace(principal, address=address)
    elif cookie:
        policy: SecurityPolicy = request.app.state.security
        key = "session " + digest(cookie)
        principal = cache.get(key) or session_principal(
            store, cookie, policy=policy, address=address
        )
        cache.put(key, principal)
        principal = replace(principal, address=address)
        if request.method not in SAFE_METHODS:
            # A page's form carries it in a field (web.pages.access reads it into the state).
            sent = request.headers.get(CSRF_HEADER) or str(getattr(request.state, "form_csrf", ""))
            if not principal.session_csrf or not same_secret(digest(sent), principal.session_csrf):
                raise ForbiddenError(
                    _(
                        "The request has no valid CSRF token: send the one the login gave "
                        "in the X-CSRF-Token header (or reload the page)."
                    )
                )
    else:
        principal = ANONYMOUS
    request.state.principal = principal
    return principal


class Requirement:
    """A route's declared permission (``None``: anyone, signed in or not; a caller whose
    session has ended is then anonymous). ``resolve=False`` does not even read the
    credentials (the login route: a stale cookie must not stand in the way of a new one)."""

    def __init__(self, permission: Permission | None, *, resolve: bool = True) -> None:
        self.permission = permission
        self.resolve = resolve

    def __call__(
        self,
        request: Request,
        bearer: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),  # noqa: B008
        cookie: str | None = Depends(cookie_scheme),
    ) -> Principal:
        if not self.resolve:
            return ANONYMOUS
        if self.permission is None:
            try:
                return current_principal(request, bearer, cookie)
            except UnauthenticatedError:
                return ANONYMOUS
        principal = current_principal(request, bearer, cookie)
        try:
            require(principal, self.permission)
        except ForbiddenError:
            record_denial(
                request.app.state.store,
                principal,
                self.permission.value,
                f"{request.method} {request.url.path}",
            )
            raise
        return principal


def requires(permission: Permission) -> Any:
    """``Depends`` on a principal holding ``permission``: 401 without credentials, 403 else."""
    return Depends(Requirement(permission))


def open_to_all() -> Any:
    """``Depends`` on the caller, whoever it is (anonymous included)."""
    return Depends(Requirement(None))


def credentials_unread() -> Any:
    """``Depends`` on nothing: the route is open to all and reads no credentials (login)."""
    return Depends(Requirement(None, resolve=False))


def set_session_cookies(
    response: Response, made: Login, *, policy: SecurityPolicy, secure: bool
) -> None:
    """The cookies a login sets: the session (HttpOnly, SameSite=Strict) and its CSRF token
    (HttpOnly as well: pages get it written into their forms by the server)."""
    for name, value in ((SESSION_COOKIE, made.cookie), (CSRF_COOKIE, made.csrf)):
        response.set_cookie(
            name,
            value,
            max_age=int(policy.absolute.total_seconds()),
            httponly=True,
            secure=secure,
            samesite="strict",
            path="/",
        )


def clear_session_cookies(response: Response) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/")


def signed_in(principal: Principal) -> Principal:
    """Refuse an anonymous caller (for routes about oneself: /auth/me, logout)."""
    if principal.channel is Channel.anonymous:
        raise UnauthenticatedError(_("Log in first."))
    return principal
