"""The web application's shell: log in and out, land, switch language, error pages.

On SQLite and PostgreSQL, through FastAPI's test client (the browser tests drive Chromium).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from peakguard.api.security import CSRF_COOKIE, SESSION_COOKIE
from tests.integration.test_authentication import Site, cheap_passwords, make_site

__all__ = ["cheap_passwords"]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The pages do not depend on the engine: SQLite only (the workflows run on both
    engines in their own tests)."""
    return sqlite_url


@pytest.fixture
def site(database_url: str, tmp_path: Path, cheap_passwords: None) -> Iterator[Site]:
    yield from make_site(database_url, tmp_path, language="zh_CN")


def log_in(site: Site, username: str, *, next: str = "") -> str:
    """Log in through the form; returns where the browser is sent."""
    page = site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username], "next": next},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    return page.headers["location"]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def test_an_anonymous_visitor_is_sent_to_log_in_and_back(site: Site) -> None:
    """A page asked for without a session leads to the login form, then back to that page."""
    page = site.client.get("/app/home", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/app/login")
    form = site.client.get(page.headers["location"])
    assert form.status_code == 200
    assert 'name="next" value="/app/home"' in form.text
    assert log_in(site, "cd.analyst", next="/app/home") == "/app/home"
    assert (
        "张伟" in site.client.get("/app/home").text
        or "cd.analyst" in site.client.get("/app/home").text
    )


def test_a_wrong_password_is_said_beside_the_password_field_in_chinese(site: Site) -> None:
    """The form comes back with the user name kept and the refusal under the password."""
    page = site.client.post(
        "/app/login", data={"username": "cd.analyst", "password": "wrong", "next": ""}
    )
    assert page.status_code == 401
    assert 'value="cd.analyst"' in page.text
    error = re.search(r'<p class="field-error" id="password-error"[^>]*>([^<]+)</p>', page.text)
    assert error, page.text
    assert re.search(r"[\u4e00-\u9fff]", error.group(1)), error.group(1)
    assert SESSION_COOKIE not in page.cookies


def test_an_empty_form_names_both_fields(site: Site) -> None:
    page = site.client.post("/app/login", data={"username": " ", "password": ""})
    assert page.status_code == 422
    assert 'id="username-error"' in page.text and 'id="password-error"' in page.text


def test_login_never_sends_a_visitor_to_another_site(site: Site) -> None:
    """``next`` is a page of this site or nothing: no open redirect."""
    for target in ["//evil.example/", "https://evil.example/", "/app//evil.example", "/docs"]:
        landed = log_in(site, "cd.analyst", next=target)
        assert landed.startswith("/app/") and "evil" not in landed, (target, landed)
        site.client.cookies.clear()


def test_logout_needs_the_forms_csrf_token_and_ends_the_session(site: Site) -> None:
    """A forged logout (no token) is refused; the real one ends the session for good."""
    log_in(site, "cd.analyst")
    home = site.client.get("/app/home")
    token = csrf_of(home.text)
    assert token
    forged = site.client.post("/app/logout", data={"csrf_token": "x"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "<html" in forged.text
    cookie = site.client.cookies.get(SESSION_COOKIE)
    out = site.client.post("/app/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/app/login"
    site.client.cookies.clear()
    site.client.cookies.set(SESSION_COOKIE, cookie or "")
    again = site.client.get("/app/home", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/app/login")


def test_the_login_sets_httponly_strict_cookies(site: Site) -> None:
    page = site.client.post(
        "/app/login",
        data={"username": "cd.analyst", "password": site.passwords["cd.analyst"]},
        follow_redirects=False,
    )
    cookies = page.headers.get_list("set-cookie")
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        line = next(c for c in cookies if c.startswith(name + "="))
        assert "HttpOnly" in line and "SameSite=strict" in line, line


def test_pages_speak_chinese_by_default_and_english_a_click_away(site: Site) -> None:
    log_in(site, "cd.analyst")
    chinese = site.client.get("/app/home")
    assert '<html lang="zh-CN">' in chinese.text
    assert chinese.headers["cache-control"] == "no-store", "a page is never kept by the browser"
    assert "退出" in chinese.text
    switched = site.client.get(
        "/app/language", params={"to": "en", "next": "/app/home"}, follow_redirects=False
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/app/home"
    english = site.client.get("/app/home")
    assert '<html lang="en">' in english.text and "Log out" in english.text


def test_the_menu_offers_only_what_the_user_may_open(site: Site) -> None:
    """Every menu entry the page shows opens for this user (none answers 403)."""
    for username in ["cd.analyst", "zto.reporter", "admin.one"]:
        site.client.cookies.clear()
        log_in(site, username)
        home = site.client.get("/app/home").text
        nav = re.search(r'<nav class="menu".*?</nav>', home, re.S)
        assert nav
        for path in re.findall(r'href="(/app/[^"]*)"', nav.group(0)):
            assert site.client.get(path).status_code == 200, (username, path)


def test_an_unknown_page_is_a_page_and_an_unknown_api_route_is_json(site: Site) -> None:
    log_in(site, "cd.analyst")
    page = site.client.get("/app/no-such-page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    api = site.client.get("/no-such-route")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")


def test_the_site_root_opens_the_application(site: Site) -> None:
    root = site.client.get("/", follow_redirects=False)
    assert root.status_code == 303 and root.headers["location"] == "/app/"
    land = site.client.get("/app/", follow_redirects=False)
    assert land.headers["location"] == "/app/login"
