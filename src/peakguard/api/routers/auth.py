"""Logging in and out (POST /auth/login, /auth/logout) and who one is (GET /auth/me).

A login sets the session cookie (HttpOnly, SameSite=Strict, Secure unless the deployment turns
it off for a loopback test server) and returns the CSRF token that every state-changing
request of that session must send in ``X-CSRF-Token``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response
from pydantic import Field

from peakguard.api.schemas import RequestModel, ResponseModel, StoredMoment, documented
from peakguard.api.security import (
    SESSION_COOKIE,
    clear_session_cookies,
    client_address,
    credentials_unread,
    open_to_all,
    set_session_cookies,
    signed_in,
)
from peakguard.app.authentication import SecurityPolicy, end_session, login
from peakguard.config import Settings
from peakguard.identity.model import Principal

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(RequestModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024, repr=False)]


class PrincipalOut(ResponseModel):
    name: str
    organisation: str
    organisation_name: str
    organisation_kind: str
    level: str | None
    region: str | None
    carrier: str | None
    roles: list[str]
    permissions: list[str]
    channel: str


class LoginOut(PrincipalOut):
    csrf_token: str
    """Send it in X-CSRF-Token with every request that changes anything."""
    expires_at: StoredMoment
    """When the session ends however active it is (it ends sooner when idle)."""


def principal_out(principal: Principal) -> PrincipalOut:
    organisation = principal.organisation
    return PrincipalOut(
        name=principal.name,
        organisation=organisation.code,
        organisation_name=organisation.name,
        organisation_kind=organisation.kind.value,
        level=organisation.level.value if organisation.level else None,
        region=organisation.region,
        carrier=organisation.carrier,
        roles=list(principal.roles),
        permissions=sorted(permission.value for permission in principal.permissions),
        channel=principal.channel.value,
    )


@router.post("/login", response_model=LoginOut, responses=documented(401))
def log_in(
    request: Request,
    response: Response,
    _caller: Annotated[Principal, credentials_unread()],
    body: Annotated[LoginIn, Body()],
) -> LoginOut:
    """Check the password and open a session. Wrong passwords count: after the deployment's
    limit (5) in a row the user is locked out for a while (15 minutes)."""
    policy: SecurityPolicy = request.app.state.security
    settings: Settings = request.app.state.settings
    made = login(
        request.app.state.store,
        body.username,
        body.password,
        policy=policy,
        address=client_address(request),
    )
    set_session_cookies(response, made, policy=policy, secure=settings.cookie_secure)
    out = principal_out(made.principal)
    return LoginOut(**out.model_dump(), csrf_token=made.csrf, expires_at=made.expires_at)


@router.post("/logout", status_code=204, responses=documented(401))
def log_out(
    request: Request, response: Response, caller: Annotated[Principal, open_to_all()]
) -> Response:
    """End this session (the cookie is cleared and no longer accepted)."""
    signed_in(caller)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        end_session(request.app.state.store, cookie, caller)
    clear_session_cookies(response)
    response.status_code = 204
    return response


@router.get("/me", response_model=PrincipalOut, responses=documented(401))
def me(caller: Annotated[Principal, open_to_all()]) -> PrincipalOut:
    """Who the session or token belongs to, with its organisation, roles and permissions."""
    return principal_out(signed_in(caller))
