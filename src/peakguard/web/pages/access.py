"""Who may open a page: the API's :class:`Requirement`, answered the way a browser needs.

An anonymous visitor is sent to the login page (and back afterwards); a signed-in user without
the permission gets the 403 page. A form post (``application/x-www-form-urlencoded`` or
``multipart/form-data``) carries the session's CSRF token in its ``csrf_token`` field, which
counts as the ``X-CSRF-Token`` header would.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials

from peakguard.api.security import (
    SAFE_METHODS,
    Requirement,
    bearer_scheme,
    cookie_scheme,
)
from peakguard.errors import UnauthenticatedError
from peakguard.identity.model import Channel, Permission, Principal

CSRF_FIELD = "csrf_token"
"""The hidden field of every form that changes anything."""


class LoginRequired(Exception):  # noqa: N818 - a signal to redirect, not an error to report
    """An anonymous visitor asked for a page that needs a user: answered by a redirect."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


def login_location(target: str) -> str:
    """The login page, coming back to ``target`` (a path of this site) afterwards."""
    return "/app/login?next=" + quote(target, safe="/")


def page_target(request: Request) -> str:
    """The path and query a visitor asked for (where to return after logging in)."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


class PageRequirement(Requirement):
    """A page's declared permission (``None``: open to all, the login page and notices)."""

    async def __call__(  # type: ignore[override]
        self,
        request: Request,
        bearer: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),  # noqa: B008
        cookie: str | None = Depends(cookie_scheme),
    ) -> Principal:
        if request.method not in SAFE_METHODS:
            form = await request.form()
            sent = form.get(CSRF_FIELD)
            request.state.form_csrf = sent if isinstance(sent, str) else ""
        try:
            principal: Principal = await run_in_threadpool(
                Requirement.__call__, self, request, bearer, cookie
            )
        except UnauthenticatedError:
            if request.method in SAFE_METHODS:
                raise LoginRequired(page_target(request)) from None
            raise
        if self.permission is not None and principal.channel is Channel.anonymous:
            raise LoginRequired(page_target(request))
        return principal


def page_requires(permission: Permission) -> Any:
    """``Depends`` on a signed-in principal holding ``permission`` (login page, else 403)."""
    return Depends(PageRequirement(permission))


def page_open() -> Any:
    """``Depends`` on the visitor, whoever it is (anonymous included)."""
    return Depends(PageRequirement(None))


def page_credentials_unread() -> Any:
    """``Depends`` on nothing: the login form's post (a stale cookie must not stand in the
    way of a new session)."""
    return Depends(PageRequirement(None, resolve=False))


class SignedIn(PageRequirement):
    """Any signed-in user, whatever its permissions (logging out)."""

    async def __call__(  # type: ignore[override]
        self,
        request: Request,
        bearer: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),  # noqa: B008
        cookie: str | None = Depends(cookie_scheme),
    ) -> Principal:
        principal = await super().__call__(request, bearer, cookie)
        if principal.channel is Channel.anonymous:
            raise LoginRequired("/app/")
        return principal


def page_signed_in() -> Any:
    """``Depends`` on a signed-in user (any permissions)."""
    return Depends(SignedIn(None))
