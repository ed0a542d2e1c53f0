"""Drawing a page: the Jinja environment, the reader's language, the menu and the CSRF token.

Every page is ``templates/<name>.html`` extending ``base.html``, rendered by
:func:`render_page` with the page's own values plus what every page needs: the language and its
switch, the signed-in user and organisation, the menu this user may follow, and the session's
CSRF token for the forms. Sentences go through :mod:`peakguard.i18n`: ``_()`` in templates,
:class:`~peakguard.i18n.Message` values rendered with the ``t`` filter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from peakguard import __version__, i18n
from peakguard.api.security import CSRF_COOKIE
from peakguard.identity.credentials import digest, same_secret
from peakguard.identity.model import Channel, Principal, kind_label
from peakguard.web.page_kit import translating_environment
from peakguard.web.pages.navigation import NavItem, menu

LANGUAGE_COOKIE = "peakguard_lang"
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
"""Each language named in itself (the switch shows the other one)."""


def page_language(request: Request) -> str:
    """``?lang=`` first, then the visitor's choice (a cookie), then the deployment's default
    (Chinese unless set otherwise)."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate:
            try:
                return i18n.normalise_language(candidate)
            except ValueError:
                continue
    default: str = request.app.state.settings.language
    return default


def csrf_token(request: Request, principal: Principal) -> str:
    """The session's CSRF token for this page's forms ("" when the session has none)."""
    sent = request.cookies.get(CSRF_COOKIE, "")
    if sent and principal.session_csrf and same_secret(digest(sent), principal.session_csrf):
        return sent
    return ""


def json_script(value: object) -> Markup:
    """``value`` as JSON safe inside ``<script type="application/json">``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def export_link(here: str, table: str, kind: str) -> str:
    """The page's own address asking for one of its tables as a file."""
    path, _sep, query = here.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k not in ("export", "table")]
    return path + "?" + urlencode([*kept, ("export", kind), ("table", table)])


@cache
def environment(language: str) -> jinja2.Environment:
    """A Jinja environment whose ``_`` translates into ``language`` (one per language)."""
    env = translating_environment("web/pages/templates", language)
    env.filters["t"] = lambda message: i18n.render(message, language)
    env.filters["json_script"] = json_script
    env.globals["export_link"] = export_link
    return env


def render_page(
    request: Request,
    principal: Principal,
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    title: str = "",
) -> HTMLResponse:
    """The page ``template`` for ``principal``, in the visitor's language."""
    language = page_language(request)
    navigation: list[NavItem] = request.app.state.page_navigation
    other = "en" if language == "zh_CN" else "zh_CN"
    signed_in = principal.channel is not Channel.anonymous
    context: dict[str, Any] = {
        "language": language,
        "html_lang": "zh-CN" if language == "zh_CN" else "en",
        "other_language": other,
        "other_language_name": LANGUAGE_NAMES[other],
        "principal": principal,
        "signed_in": signed_in,
        "organisation_kind": i18n.render(kind_label(principal.organisation.kind), language),
        "menu": menu(navigation, principal) if signed_in else [],
        "csrf_token": csrf_token(request, principal),
        "current_path": request.url.path,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "title": title,
        "version": __version__,
        "uses_charts": False,
        **(values or {}),
    }
    body = environment(language).get_template(template).render(context)
    # A page holds the reader's data: never kept by the browser or a proxy (the back button
    # after logging out asks the server again, which sends the visitor to log in).
    headers = {"Content-Language": context["html_lang"], "Cache-Control": "no-store"}
    return HTMLResponse(body, status_code=status, headers=headers)
