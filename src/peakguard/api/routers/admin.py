"""Administration (``peakguard admin`` over HTTP): organisations, users, roles, API tokens.
Every route needs ``admin.manage``; passwords and tokens are shown once, in the response that
makes them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import Field

from peakguard.api.schemas import RequestModel, ResponseModel, StoredMoment, documented
from peakguard.api.security import requires
from peakguard.app import accounts
from peakguard.config import Settings
from peakguard.formats.limits import INT64_MAX
from peakguard.identity.model import (
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.store.database import Store

router = APIRouter(prefix="/admin", tags=["admin"])
Administrator = Annotated[Principal, requires(Permission.admin_manage)]
TokenId = Annotated[int, Path(ge=1, le=INT64_MAX, description="the token's number")]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


Identifier = Annotated[str, Field(max_length=64)]
"""A user name, an organisation's or a carrier's code, a role or a permission."""
Title = Annotated[str, Field(max_length=200)]
Secret = Annotated[str | None, Field(max_length=1024, repr=False)]
"""A password: left out (``None``) to have one generated."""


class OrganisationIn(RequestModel):
    code: Identifier
    name: Title
    kind: OrganisationKind
    level: RegulatorLevel | None = None
    region: Identifier | None = None
    """A regulator's territory (GB/T 2260), or a carrier's province for a provincial company."""
    carrier: Identifier | None = None


class OrganisationOut(ResponseModel):
    code: str
    name: str
    kind: str
    level: str | None
    region: str | None
    carrier: str | None


def organisation_out(organisation: Organisation) -> OrganisationOut:
    return OrganisationOut(
        code=organisation.code,
        name=organisation.name,
        kind=organisation.kind.value,
        level=organisation.level.value if organisation.level else None,
        region=organisation.region,
        carrier=organisation.carrier,
    )


class RoleOut(ResponseModel):
    name: str
    organisation_kind: str
    title: str
    title_en: str
    permissions: list[str]


class UserIn(RequestModel):
    username: Identifier
    organisation: Identifier
    roles: Annotated[list[Identifier], Field(max_length=64)]
    display_name: Title | None = None
    password: Secret = None
    """Leave out to have one generated (returned once)."""


class UserOut(ResponseModel):
    username: str
    display_name: str
    organisation: str
    roles: list[str]
    disabled: bool
    locked_until: StoredMoment | None
    created_at: StoredMoment


class NewPasswordOut(ResponseModel):
    username: str
    password: str
    """Shown once: hand it to the user, who should change it."""


class CreatedUserOut(UserOut):
    password: str
    """Shown once: hand it to the user, who should change it."""


class PasswordIn(RequestModel):
    password: Secret = None


class TokenIn(RequestModel):
    organisation: Identifier
    name: Title
    permissions: Annotated[list[Identifier], Field(max_length=64)]
    days: Annotated[int, Field(ge=1, le=INT64_MAX)] = 90


class TokenOut(ResponseModel):
    id: int
    name: str
    organisation: str
    permissions: list[str]
    created_by: str
    created_at: StoredMoment
    expires_at: StoredMoment
    revoked_at: StoredMoment | None


class IssuedTokenOut(TokenOut):
    token: str
    """Shown once: only a hash of it is kept."""


def user_out(user: accounts.UserInfo) -> UserOut:
    return UserOut(
        username=user.username,
        display_name=user.display_name,
        organisation=user.organisation,
        roles=list(user.roles),
        disabled=user.disabled,
        locked_until=user.locked_until,
        created_at=user.created_at,
    )


def token_out(token: accounts.TokenInfo) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        organisation=token.organisation,
        permissions=list(token.permissions),
        created_by=token.created_by,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
    )


@router.get("/roles", response_model=list[RoleOut])
def list_roles(request: Request, actor: Administrator) -> list[RoleOut]:
    """The role-to-permission table (docs/reference/roles.md)."""
    return [
        RoleOut(
            name=role.name,
            organisation_kind=role.organisation_kind.value,
            title=role.title,
            title_en=role.title_en,
            permissions=sorted(p.value for p in role.permissions),
        )
        for role in accounts.list_roles(_store(request))
    ]


@router.get("/organisations", response_model=list[OrganisationOut])
def list_organisations(request: Request, actor: Administrator) -> list[OrganisationOut]:
    return [organisation_out(o) for o in accounts.list_organisations(_store(request), actor)]


@router.post(
    "/organisations", response_model=OrganisationOut, status_code=201, responses=documented(409)
)
def create_organisation(
    request: Request, actor: Administrator, body: Annotated[OrganisationIn, Body()]
) -> OrganisationOut:
    """Register a regulator (national, provincial, city), a carrier (headquarters, or a
    provincial company with ``region``), a platform or the public; 409 if the code exists."""
    made = accounts.create_organisation(
        _store(request),
        actor,
        Organisation(
            code=body.code,
            name=body.name,
            kind=body.kind,
            level=body.level,
            region=body.region,
            carrier=body.carrier,
        ),
    )
    return organisation_out(made)


@router.get("/users", response_model=list[UserOut], responses=documented(404))
def list_users(
    request: Request,
    actor: Administrator,
    organisation: Annotated[str | None, Query(description="an organisation's code")] = None,
) -> list[UserOut]:
    return [user_out(u) for u in accounts.list_users(_store(request), actor, organisation)]


@router.post("/users", response_model=CreatedUserOut, status_code=201, responses=documented(409))
def create_user(
    request: Request, actor: Administrator, body: Annotated[UserIn, Body()]
) -> CreatedUserOut:
    """A user with roles of its organisation's kind; its password is returned once."""
    user, password = accounts.create_user(
        _store(request),
        actor,
        username=body.username,
        organisation=body.organisation,
        roles=body.roles,
        display_name=body.display_name,
        password=body.password,
    )
    return CreatedUserOut(**user_out(user).model_dump(), password=password)


@router.post("/users/{username}/password", response_model=NewPasswordOut, responses=documented(404))
def reset_password(
    request: Request,
    username: str,
    actor: Administrator,
    body: Annotated[PasswordIn, Body()],
) -> NewPasswordOut:
    """A new password (generated unless given); unlocks the user and ends its sessions."""
    password = accounts.reset_password(_store(request), actor, username, body.password)
    return NewPasswordOut(username=username, password=password)


@router.post("/users/{username}/disable", status_code=204, responses=documented(404))
def disable_user(request: Request, username: str, actor: Administrator) -> None:
    """The user can no longer log in; its sessions end at once."""
    accounts.set_user_disabled(_store(request), actor, username, True)


@router.post("/users/{username}/enable", status_code=204, responses=documented(404))
def enable_user(request: Request, username: str, actor: Administrator) -> None:
    accounts.set_user_disabled(_store(request), actor, username, False)


@router.get("/tokens", response_model=list[TokenOut], responses=documented(404))
def list_tokens(
    request: Request,
    actor: Administrator,
    organisation: Annotated[str | None, Query(description="an organisation's code")] = None,
) -> list[TokenOut]:
    return [token_out(t) for t in accounts.list_tokens(_store(request), actor, organisation)]


@router.post("/tokens", response_model=IssuedTokenOut, status_code=201)
def issue_token(
    request: Request, actor: Administrator, body: Annotated[TokenIn, Body()]
) -> IssuedTokenOut:
    """An API token for a machine client of an organisation, limited to ``permissions`` and
    ``days``; the token is in this response only."""
    settings: Settings = request.app.state.settings
    issued = accounts.issue_token(
        _store(request),
        actor,
        organisation=body.organisation,
        name=body.name,
        permissions=body.permissions,
        days=body.days,
        max_days=settings.token_max_days,
    )
    return IssuedTokenOut(**token_out(issued.info).model_dump(), token=issued.text)


@router.post("/tokens/{token_id}/revoke", status_code=204, responses=documented(404))
def revoke_token(request: Request, token_id: TokenId, actor: Administrator) -> None:
    """The token is refused from now on."""
    accounts.revoke_token(_store(request), actor, token_id)
