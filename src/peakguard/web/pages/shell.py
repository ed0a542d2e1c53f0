"""The pages every user passes through: log in, land where one's role works, switch language,
log out; and the start page that lists what one may open."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from peakguard.api.security import (
    SESSION_COOKIE,
    clear_session_cookies,
    client_address,
    set_session_cookies,
)
from peakguard.app.authentication import SecurityPolicy, end_session, login
from peakguard.config import Settings
from peakguard.errors import UnauthenticatedError
from peakguard.i18n import _, normalise_language, render
from peakguard.identity.model import Channel, Principal
from peakguard.web.pages.access import page_credentials_unread, page_open, page_signed_in
from peakguard.web.pages.navigation import NavItem, menu
from peakguard.web.pages.rendering import LANGUAGE_COOKIE, page_language, render_page

router = APIRouter(prefix="/app", include_in_schema=False)
root_router = APIRouter(include_in_schema=False)

HOME = "/app/home"
NAVIGATION = (NavItem(HOME, _("Start"), None, 0),)
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def safe_target(target: str | None) -> str | None:
    """``target`` when it is a page of this site (never another host: no open redirect)."""
    if not target or not target.startswith("/app/") or target.startswith("/app//"):
        return None
    if "\\" in target or any(ord(character) < 32 for character in target):
        return None
    return target


def landing_path(principal: Principal, navigation: list[NavItem]) -> str:
    """Where a user lands after logging in: the first page of the menu made for its kind of
    organisation (a regulator's command centre, a carrier's network desk, ...), else the
    start page."""
    for item in menu(navigation, principal):
        if item.kinds is not None:
            return item.path
    return HOME


@root_router.get("/")
def site_root(_caller: Annotated[Principal, page_open()]) -> RedirectResponse:
    """The site's address opens the web application."""
    return RedirectResponse("/app/", status_code=303)


@router.get("/", response_class=HTMLResponse)
def land(request: Request, caller: Annotated[Principal, page_open()]) -> Response:
    """Signed in: the page where the user's role works; else the login page."""
    if caller.channel is Channel.anonymous:
        return RedirectResponse("/app/login", status_code=303)
    return RedirectResponse(landing_path(caller, request.app.state.page_navigation), 303)


@router.get("/home", response_class=HTMLResponse)
def home(request: Request, caller: Annotated[Principal, page_open()]) -> Response:
    """The start page: every page this user may open, with what it is for."""
    if caller.channel is Channel.anonymous:
        return RedirectResponse("/app/login?next=/app/home", status_code=303)
    title = render(_("Start"), page_language(request))
    return render_page(request, caller, "home.html", title=title)


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request, caller: Annotated[Principal, page_open()], next: str | None = None
) -> Response:
    """The login form (a signed-in user goes straight on)."""
    if caller.channel is not Channel.anonymous:
        return RedirectResponse(safe_target(next) or "/app/", status_code=303)
    return _login_form(request, caller, next=safe_target(next) or "")


def _login_form(
    request: Request,
    caller: Principal,
    *,
    next: str,
    username: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    language = page_language(request)
    return render_page(
        request,
        caller,
        "login.html",
        {"next": next, "username": username, "errors": errors or {}},
        status=status,
        title=render(_("Log in"), language),
    )


@router.post("/login", response_class=HTMLResponse)
async def log_in(
    request: Request,
    caller: Annotated[Principal, page_credentials_unread()],
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the password, open a session, and go where the user was going (or lands)."""
    language = page_language(request)
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = render(_("Enter your user name."), language)
    if not password:
        errors["password"] = render(_("Enter your password."), language)
    if errors:
        return _login_form(request, caller, next=next, username=username, errors=errors, status=422)
    policy: SecurityPolicy = request.app.state.security
    settings: Settings = request.app.state.settings
    try:
        made = await run_in_threadpool(
            login,
            request.app.state.store,
            username.strip(),
            password,
            policy=policy,
            address=client_address(request),
        )
    except UnauthenticatedError as refused:
        errors["password"] = render(refused.message, language)
        return _login_form(request, caller, next=next, username=username, errors=errors, status=401)
    target = safe_target(next) or landing_path(made.principal, request.app.state.page_navigation)
    response = RedirectResponse(target, status_code=303)
    set_session_cookies(response, made, policy=policy, secure=settings.cookie_secure)
    return response


@router.post("/logout")
def log_out(request: Request, caller: Annotated[Principal, page_signed_in()]) -> Response:
    """End this session and go back to the login page."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        end_session(request.app.state.store, cookie, caller)
    response = RedirectResponse("/app/login", status_code=303)
    clear_session_cookies(response)
    return response


@router.get("/language")
def choose_language(
    request: Request,
    _caller: Annotated[Principal, page_open()],
    to: str = "zh_CN",
    next: str | None = None,
) -> Response:
    """Switch the pages' language (remembered in a cookie) and go back to the page."""
    response = RedirectResponse(safe_target(next) or "/app/", status_code=303)
    language = i18n_choice(to)
    if language:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_SECONDS, samesite="lax", path="/"
        )
    return response


def i18n_choice(language: str) -> str | None:
    try:
        return normalise_language(language)
    except ValueError:
        return None
