"""Who is calling: logins and lock-out, sessions and their ends, API tokens, CSRF, the audit
trail and its hash chain, and secrets kept out of logs and error messages; on each engine.

The deployment here locks a user out after 3 wrong passwords for 5 minutes and ends a session
after 10 idle minutes or 1 hour; times are moved with the ``now=`` parameters of
:mod:`peakguard.app.authentication` where waiting would be needed.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa
import uvicorn
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from peakguard.api.app import create_app
from peakguard.api.security import CSRF_HEADER, SESSION_COOKIE
from peakguard.app import accounts
from peakguard.app.audit import prune_audit, record, verify_audit
from peakguard.app.authentication import (
    SecurityPolicy,
    login,
    session_principal,
    token_principal,
)
from peakguard.app.context import open_store
from peakguard.config import Settings
from peakguard.errors import UnauthenticatedError
from peakguard.i18n import render
from peakguard.identity import credentials
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Organisation,
    OrganisationKind,
    RegulatorLevel,
)
from peakguard.store.access_tables import AuditEntryRow, AuditHeadRow
from peakguard.store.database import Store, transaction
from tests.integration.test_access_matrix import network_document
from tests.integration.test_events_api import example_records

T0 = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
ADDRESS = "testclient"
"""The client address FastAPI's test client reports."""


@dataclass
class Site:
    """A deployment with an administrator, a ZTO data reporter and a Chengdu analyst."""

    client: TestClient
    store: Store
    settings: Settings
    policy: SecurityPolicy
    lake: Path
    passwords: dict[str, str] = field(repr=False)

    def log_in(self, username: str, password: str | None = None) -> Session:
        response = self.client.post(
            "/auth/login",
            json={"username": username, "password": password or self.passwords[username]},
        )
        assert response.status_code == 200, response.text
        cookie = response.cookies[SESSION_COOKIE]
        self.client.cookies.clear()
        return Session(self, cookie, response.json()["csrf_token"])

    def issue(self, admin: Session, permissions: list[str], organisation: str = "zto") -> Any:
        issued = admin.post(
            "/admin/tokens",
            json={"organisation": organisation, "name": "uploader", "permissions": permissions},
        )
        assert issued.status_code == 201, issued.text
        return issued.json()

    def with_token(self, method: str, path: str, token: str, **options: Any) -> httpx.Response:
        self.client.cookies.clear()
        headers = {"Authorization": f"Bearer {token}", **options.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **options)


@dataclass
class Session:
    """A browser session: its cookie, sent by hand (the client keeps none), and CSRF token."""

    site: Site
    cookie: str
    csrf: str

    def request(self, method: str, path: str, *, csrf: bool = True, **options: Any) -> Any:
        headers = {"Cookie": f"{SESSION_COOKIE}={self.cookie}", **options.pop("headers", {})}
        if csrf and method != "GET":
            headers[CSRF_HEADER] = self.csrf
        self.site.client.cookies.clear()
        try:
            return self.site.client.request(method, path, headers=headers, **options)
        finally:
            self.site.client.cookies.clear()

    def get(self, path: str, **options: Any) -> Any:
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any) -> Any:
        return self.request("POST", path, **options)


def _password() -> str:
    return "Pw-" + secrets.token_urlsafe(15)


@pytest.fixture
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its lowest cost: these tests log in often (the deployment's cost has its own
    test below)."""
    monkeypatch.setattr(
        credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def make_site(database_url: str, home: Path, **overrides: Any) -> Iterator[Site]:
    options: dict[str, Any] = {
        "language": "en",
        "event_lake": home / "lake",
        "cookie_secure": False,
        "login_max_failures": 3,
        "login_lockout_minutes": 5,
        "session_idle_minutes": 10,
        "session_absolute_hours": 1,
        # Credentials are looked up on every request: several tests change tokens and sessions
        # behind the server's back, in SQL (the cache has its own tests).
        "auth_cache_seconds": 0,
    }
    settings = Settings(database_url=database_url, home=home, **(options | overrides))
    store = open_store(settings)
    for organisation in [
        Organisation(code="ops", name="operations", kind=OrganisationKind.system),
        Organisation(code="zto", name="中通快递", kind=OrganisationKind.carrier, carrier="ZTO"),
        Organisation(
            code="sc-cd",
            name="成都市邮政管理局",
            kind=OrganisationKind.regulator,
            level=RegulatorLevel.city,
            region="510100",
        ),
    ]:
        accounts.create_organisation(store, LOCAL_ADMINISTRATOR, organisation)
    passwords = {}
    for username, organisation, role, display in [
        ("admin.one", "ops", "administrator", "王建国"),
        ("zto.reporter", "zto", "data_reporter", "李秀英"),
        ("cd.analyst", "sc-cd", "analyst", "张伟"),
    ]:
        passwords[username] = _password()
        accounts.create_user(
            store,
            LOCAL_ADMINISTRATOR,
            username=username,
            organisation=organisation,
            roles=[role],
            display_name=display,
            password=passwords[username],
        )
    with TestClient(create_app(settings, store)) as client:
        yield Site(client, store, settings, SecurityPolicy.of(settings), home / "lake", passwords)
    store.engine.dispose()


@pytest.fixture
def site(database_url: str, tmp_path: Path, cheap_passwords: None) -> Iterator[Site]:
    yield from make_site(database_url, tmp_path)


def _refusal(error: pytest.ExceptionInfo[UnauthenticatedError]) -> str:
    return render(error.value.message, "en")


def _trail(store: Store, after: int = 0) -> list[AuditEntryRow]:
    with transaction(store.sessions) as session:
        return list(
            session.scalars(
                sa.select(AuditEntryRow)
                .where(AuditEntryRow.sequence > after)
                .order_by(AuditEntryRow.sequence)
            )
        )


def _newest(store: Store) -> int:
    with transaction(store.sessions) as session:
        head = session.get(AuditHeadRow, 1)
        assert head is not None
        return head.last_sequence


# -- lock-out -----------------------------------------------------------------------------------


def test_wrong_passwords_lock_a_user_out_until_the_lock_ends(site: Site) -> None:
    """Three wrong passwords in a row lock the user out: even the right password is refused
    until the five minutes are over, then it works; the locked refusal does not tell whether
    the password was right."""
    right = site.passwords["cd.analyst"]
    for second in range(3):
        with pytest.raises(UnauthenticatedError):
            login(
                site.store,
                "cd.analyst",
                "not-the-password",
                policy=site.policy,
                now=T0 + timedelta(seconds=second),
            )
    refusals = []
    for password in (right, "not-the-password"):
        with pytest.raises(UnauthenticatedError) as refused:
            login(
                site.store,
                "cd.analyst",
                password,
                policy=site.policy,
                now=T0 + timedelta(minutes=4, seconds=59),
            )
        refusals.append(_refusal(refused))
    assert refusals[0] == refusals[1]
    assert "locked" in refusals[0]
    made = login(
        site.store,
        "cd.analyst",
        right,
        policy=site.policy,
        now=T0 + timedelta(minutes=5, seconds=3),
    )
    assert made.principal.name == "cd.analyst"


def test_only_wrong_passwords_in_a_row_count(site: Site) -> None:
    """Two wrong passwords, a right one, two wrong again: no lock-out (the right one resets
    the count)."""
    right = site.passwords["cd.analyst"]
    moments = iter(T0 + timedelta(seconds=s) for s in range(10))
    for password in ["wrong-1", "wrong-2", right, "wrong-3", "wrong-4", right]:
        if password == right:
            login(site.store, "cd.analyst", right, policy=site.policy, now=next(moments))
        else:
            with pytest.raises(UnauthenticatedError):
                login(site.store, "cd.analyst", password, policy=site.policy, now=next(moments))


def test_a_locked_out_user_over_http_and_the_administrators_reset(site: Site) -> None:
    """Over HTTP: after three wrong passwords the right one gets 401; an administrator's
    password reset unlocks the user with the new password at once."""
    for _attempt in range(3):
        wrong = site.client.post(
            "/auth/login", json={"username": "cd.analyst", "password": "nope-nope-nope"}
        )
        assert wrong.status_code == 401
    locked = site.client.post(
        "/auth/login", json={"username": "cd.analyst", "password": site.passwords["cd.analyst"]}
    )
    assert locked.status_code == 401
    assert locked.json()["error"]["code"] == "unauthenticated"
    admin = site.log_in("admin.one")
    reset = admin.post("/admin/users/cd.analyst/password", json={})
    assert reset.status_code == 200, reset.text
    site.log_in("cd.analyst", reset.json()["password"])


def test_unknown_user_and_wrong_password_answer_alike(site: Site) -> None:
    """A user name that does not exist and a wrong password get the same 401 and message."""
    unknown = site.client.post(
        "/auth/login", json={"username": "no.such.user", "password": "whatever-it-is"}
    )
    wrong = site.client.post(
        "/auth/login", json={"username": "cd.analyst", "password": "whatever-it-is"}
    )
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_every_login_attempt_of_a_known_user_is_in_the_trail(site: Site) -> None:
    """Wrong, wrong, wrong (locked out), a try while locked, and the success after the lock:
    five entries with their outcomes, each naming the user and the address it came from."""
    before = _newest(site.store)
    right = site.passwords["cd.analyst"]
    attempts = [("w", 0), ("w", 1), ("w", 2), (right, 60), (right, 400)]
    for password, second in attempts:
        with contextlib.suppress(UnauthenticatedError):
            login(
                site.store,
                "cd.analyst",
                password,
                policy=site.policy,
                address="10.0.0.7",
                now=T0 + timedelta(seconds=second),
            )
    entries = _trail(site.store, before)
    assert [(e.action, e.outcome) for e in entries] == [
        ("login", "failed"),
        ("login", "failed"),
        ("login", "locked_out"),
        ("login", "locked"),
        ("login", "ok"),
    ]
    assert {(e.actor, e.address) for e in entries} == {("cd.analyst@sc-cd", "10.0.0.7")}


# -- sessions -----------------------------------------------------------------------------------


def test_a_session_ends_after_its_idle_time(site: Site) -> None:
    """A request within 10 minutes keeps the session alive; 10 minutes without one end it."""
    made = login(site.store, "cd.analyst", site.passwords["cd.analyst"], policy=site.policy, now=T0)
    seen = T0
    for step in (timedelta(minutes=9, seconds=59), timedelta(minutes=9, seconds=30)):
        seen += step
        principal = session_principal(site.store, made.cookie, policy=site.policy, now=seen)
        assert principal.name == "cd.analyst"
    with pytest.raises(UnauthenticatedError):
        session_principal(
            site.store, made.cookie, policy=site.policy, now=seen + timedelta(minutes=10)
        )


def test_a_session_ends_at_its_absolute_limit_however_active(site: Site) -> None:
    """A request every 5 minutes keeps the session alive only until one hour after login."""
    made = login(site.store, "cd.analyst", site.passwords["cd.analyst"], policy=site.policy, now=T0)
    for minutes in range(5, 60, 5):
        session_principal(
            site.store, made.cookie, policy=site.policy, now=T0 + timedelta(minutes=minutes)
        )
    session_principal(
        site.store, made.cookie, policy=site.policy, now=T0 + timedelta(minutes=59, seconds=59)
    )
    with pytest.raises(UnauthenticatedError):
        session_principal(site.store, made.cookie, policy=site.policy, now=T0 + timedelta(hours=1))


def test_logout_ends_the_session(site: Site) -> None:
    """After POST /auth/logout the old cookie is refused (401) on every route, and the
    response clears the cookie."""
    session = site.log_in("cd.analyst")
    assert session.get("/auth/me").status_code == 200
    assert session.get("/networks").status_code == 200
    out = session.post("/auth/logout")
    assert out.status_code == 204
    assert (
        f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]
        or "Max-Age=0" in out.headers["set-cookie"]
    )
    assert session.get("/auth/me").status_code == 401
    after = session.get("/networks")
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "unauthenticated"


def test_disabling_a_user_ends_its_sessions(site: Site) -> None:
    """A disabled user's open session is refused at once and it cannot log in (the same
    answer as a wrong password); enabled again, it logs in anew but the old session stays
    ended. A password reset ends sessions too."""
    admin = site.log_in("admin.one")
    session = site.log_in("zto.reporter")
    assert admin.post("/admin/users/zto.reporter/disable").status_code == 204
    assert session.get("/networks").status_code == 401
    refused = site.client.post(
        "/auth/login", json={"username": "zto.reporter", "password": site.passwords["zto.reporter"]}
    )
    wrong = site.client.post(
        "/auth/login", json={"username": "zto.reporter", "password": "x-wrong-x-wrong"}
    )
    assert refused.status_code == 401 and refused.json() == wrong.json()
    assert admin.post("/admin/users/zto.reporter/enable").status_code == 204
    assert session.get("/networks").status_code == 401
    again = site.log_in("zto.reporter")
    assert again.get("/networks").status_code == 200
    assert admin.post("/admin/users/zto.reporter/password", json={}).status_code == 200
    assert again.get("/networks").status_code == 401


def test_the_session_cookie_is_httponly_strict_and_secure(
    database_url: str, tmp_path: Path, cheap_passwords: None
) -> None:
    """With the deployment's default settings the cookie is HttpOnly, SameSite=Strict and
    Secure (sent over HTTPS only)."""
    for site in make_site(database_url, tmp_path, cookie_secure=True):
        response = site.client.post(
            "/auth/login", json={"username": "cd.analyst", "password": site.passwords["cd.analyst"]}
        )
        cookie = response.headers["set-cookie"].lower()
        assert cookie.startswith(f"{SESSION_COOKIE}=")
        assert {"httponly", "secure", "samesite=strict", "path=/"} <= {
            part.strip() for part in cookie.split(";")
        }


# -- API tokens ---------------------------------------------------------------------------------


def test_expired_and_revoked_tokens_are_refused(site: Site) -> None:
    """A token works until it expires or is revoked; then, like a forged or unknown one, it
    gets 401 with the same message."""
    admin = site.log_in("admin.one")
    issued = site.issue(admin, ["network.read"])
    text = issued["token"]
    assert site.with_token("GET", "/networks", text).status_code == 200
    expires = datetime.fromisoformat(issued["expires_at"])
    assert token_principal(site.store, text, now=expires - timedelta(seconds=1)).name
    with pytest.raises(UnauthenticatedError):
        token_principal(site.store, text, now=expires)
    with site.store.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE api_tokens SET expires_at = :past WHERE id = :id"),
            {"past": datetime.now(UTC) - timedelta(minutes=1), "id": issued["id"]},
        )
    expired = site.with_token("GET", "/networks", text)
    revocable = site.issue(admin, ["network.read"])
    assert site.with_token("GET", "/networks", revocable["token"]).status_code == 200
    assert admin.post(f"/admin/tokens/{revocable['id']}/revoke").status_code == 204
    revoked = site.with_token("GET", "/networks", revocable["token"])
    valid = site.issue(admin, ["network.read"])["token"]
    assert site.with_token("GET", "/networks", valid).status_code == 200
    forged = site.with_token(
        "GET", "/networks", valid[:-4] + ("AAAA" if valid[-4:] != "AAAA" else "BBBB")
    )
    unknown = site.with_token("GET", "/networks", "pgt_0123456789abcdef_" + "x" * 43)
    garbage = site.with_token("GET", "/networks", "not-a-token")
    for refused in (expired, revoked, forged, unknown, garbage):
        assert refused.status_code == 401
        assert refused.json() == expired.json()
        assert refused.headers["www-authenticate"].startswith("Bearer")


def test_a_tokens_permissions_bound_it(site: Site) -> None:
    """A ZTO token holding network.read only reads networks but may not send events (403,
    nothing stored) nor read bulletins; a token cannot be given what its organisation's kind
    may not hold."""
    admin = site.log_in("admin.one")
    text = site.issue(admin, ["network.read"])["token"]
    assert site.with_token("GET", "/networks", text).status_code == 200
    records = [r for r in example_records() if r["carrier"] == "ZTO"]
    sent = site.with_token("POST", "/events/bulk", text, json={"events": records})
    assert sent.status_code == 403
    assert sent.json()["error"]["code"] == "forbidden"
    assert "events.write" in sent.json()["error"]["message"]
    assert not list(site.lake.rglob("*.parquet"))
    bulletin = site.with_token("GET", "/bulletins/daily", text, params={"day": "2026-11-11"})
    assert bulletin.status_code == 403
    for organisation, permission in [("zto", "admin.manage"), ("sc-cd", "events.write")]:
        refused = admin.post(
            "/admin/tokens",
            json={"organisation": organisation, "name": "x", "permissions": [permission]},
        )
        assert refused.status_code == 422, refused.text


# -- CSRF ---------------------------------------------------------------------------------------


def test_a_cookie_request_that_changes_anything_needs_the_csrf_token(site: Site) -> None:
    """A cookie-authenticated POST without X-CSRF-Token, or with another session's, is 403
    and stores nothing: no network, no event, no user, no logout; with it, it works."""
    admin = site.log_in("admin.one")
    other = site.log_in("cd.analyst")
    reporter = site.log_in("zto.reporter")
    document = network_document("csrf-test", ["ZTO"])
    user = {"username": "csrf.user", "organisation": "sc-cd", "roles": ["inspector"]}
    events = {"events": [r for r in example_records() if r["carrier"] == "ZTO"]}
    attempts = [
        (admin, "/networks", {"json": document}),
        (admin, "/admin/users", {"json": user}),
        (reporter, "/events/bulk", {"json": events}),
        (reporter, "/auth/logout", {}),
    ]
    for session, path, options in attempts:
        for headers in ({}, {CSRF_HEADER: other.csrf}, {CSRF_HEADER: ""}):
            refused = session.post(path, csrf=False, headers=headers, **options)
            assert refused.status_code == 403, (path, headers, refused.text)
            assert refused.json()["error"]["code"] == "forbidden"
    assert admin.get("/networks/csrf-test").status_code == 404
    assert "csrf.user" not in {u["username"] for u in admin.get("/admin/users").json()}
    assert not list(site.lake.rglob("*.parquet"))
    assert reporter.get("/auth/me").status_code == 200
    assert admin.post("/networks", json=document).status_code == 201
    assert reporter.post("/events/bulk", json=events).status_code == 200


# -- the audit trail ----------------------------------------------------------------------------


def _busy_trail(site: Site) -> None:
    """A trail of some twenty entries: logins, an import, events, administration."""
    admin = site.log_in("admin.one")
    admin.post("/networks", json=network_document("audited", ["ZTO"]))
    site.log_in("zto.reporter").post(
        "/events/bulk", json={"events": [r for r in example_records() if r["carrier"] == "ZTO"]}
    )
    for name in ("a.one", "a.two", "a.three"):
        admin.post(
            "/admin/users",
            json={"username": name, "organisation": "zto", "roles": ["security_officer"]},
        )
    site.client.post("/auth/login", json={"username": "cd.analyst", "password": "wrong-wrong!"})
    assert verify_audit(site.store).intact
    assert verify_audit(site.store).entries >= 8


def _sql(site: Site, statement: str, **values: Any) -> None:
    with site.store.engine.begin() as connection:
        connection.execute(sa.text(statement), values)


def test_an_altered_entry_is_detected(site: Site) -> None:
    """Changing one entry's detail in the database breaks the chain at that entry, as
    GET /audit/verify reports."""
    _busy_trail(site)
    middle = _newest(site.store) // 2
    _sql(
        site, "UPDATE audit_entries SET detail = :d WHERE sequence = :s", d='{"nodes":1}', s=middle
    )
    found = verify_audit(site.store)
    assert not found.intact
    assert [b.sequence for b in found.breaks] == [middle]
    assert "altered" in render(found.breaks[0].message, "en")
    report = site.log_in("admin.one").get("/audit/verify").json()
    assert report["intact"] is False and report["breaks"][0]["sequence"] == middle


def test_an_altered_actor_is_detected(site: Site) -> None:
    """Putting another name on an entry is caught too."""
    _busy_trail(site)
    _sql(site, "UPDATE audit_entries SET actor = 'someone@else' WHERE sequence = 2")
    assert [b.sequence for b in verify_audit(site.store).breaks] == [2]


def test_removing_the_newest_entry_is_detected(site: Site) -> None:
    """Deleting the newest entry leaves the head pointing past the trail's end."""
    _busy_trail(site)
    newest = _newest(site.store)
    _sql(site, "DELETE FROM audit_entries WHERE sequence = :s", s=newest)
    found = verify_audit(site.store)
    assert not found.intact
    assert "newest entries are missing" in render(found.breaks[-1].message, "en")


def test_deleting_a_middle_entry_is_detected(site: Site) -> None:
    """Deleting an entry in the middle is reported as the missing sequence number."""
    _busy_trail(site)
    middle = _newest(site.store) // 2
    _sql(site, "DELETE FROM audit_entries WHERE sequence = :s", s=middle)
    found = verify_audit(site.store)
    assert [b.sequence for b in found.breaks] == [middle]
    assert f"entries {middle} to {middle} are missing" in render(found.breaks[0].message, "en")


def test_removing_the_newest_entries_and_rewinding_the_head_is_detected(site: Site) -> None:
    """Whoever can write the database deletes the two newest entries and sets the head to the
    entry left newest: the trail still does not verify (the witness outside the database names
    the missing entries)."""
    _busy_trail(site)
    newest = _newest(site.store)
    kept = _trail(site.store, newest - 3)[0]
    _sql(site, "DELETE FROM audit_entries WHERE sequence > :s", s=kept.sequence)
    _sql(
        site,
        "UPDATE audit_head SET last_sequence = :s, last_hash = :h",
        s=kept.sequence,
        h=kept.entry_hash,
    )
    found = verify_audit(site.store)
    assert not found.intact
    assert [b.sequence for b in found.breaks] == [newest - 1, newest]


def test_pruning_keeps_the_chain_verifiable(site: Site) -> None:
    """Three years on, the entries older than the retention period are removed and the rest
    still verify from the new anchor (the pruning itself is an entry); an alteration after
    pruning is still caught."""
    _busy_trail(site)
    old = _newest(site.store)
    later = datetime.now(UTC) + timedelta(days=1200)
    for day in range(3):
        record(
            site.store,
            LOCAL_ADMINISTRATOR,
            "network.import",
            "network",
            f"later-{day}",
            at=later + timedelta(days=day),
        )
    removed = prune_audit(
        site.store, LOCAL_ADMINISTRATOR, retention_days=1096, now=later + timedelta(days=10)
    )
    assert removed == old
    found = verify_audit(site.store)
    assert found.intact, [render(b.message, "en") for b in found.breaks]
    assert (found.first, found.entries) == (old + 1, 3 + 1)
    assert [e.record_id for e in _trail(site.store)] == ["later-0", "later-1", "later-2", "trail"]
    _sql(site, "UPDATE audit_entries SET record_id = 'x' WHERE sequence = :s", s=old + 2)
    assert [b.sequence for b in verify_audit(site.store).breaks] == [old + 2]


def test_every_write_leaves_exactly_one_entry_with_its_actor_and_address(site: Site) -> None:
    """Each write — a login (right or wrong), a network import, events sent by a session and
    by a token, every administration step, a refused request, a logout — adds exactly one
    entry naming ``user@organisation`` (or ``token:id@organisation``), the action, the record
    and the client's address; a read adds none."""
    admin = site.log_in("admin.one")
    token = site.issue(admin, ["network.read", "events.write"])
    reporter = site.log_in("zto.reporter")
    analyst = site.log_in("cd.analyst")
    zto_events = [r for r in example_records() if r["carrier"] == "ZTO"]
    token_actor = f"token:{token['id']}@zto"
    login = {"username": "cd.analyst", "password": site.passwords["cd.analyst"]}
    steps: list[tuple[Any, tuple[str, str, str, str] | None]] = [
        (
            lambda: site.client.post("/auth/login", json=login),
            ("cd.analyst@sc-cd", "login", "cd.analyst", "ok"),
        ),
        (
            lambda: site.client.post("/auth/login", json=login | {"password": "wrong-wrong-1"}),
            ("cd.analyst@sc-cd", "login", "cd.analyst", "failed"),
        ),
        (
            lambda: admin.post("/networks", json=network_document("audited", ["ZTO"])),
            ("admin.one@ops", "network.import", "audited", "ok"),
        ),
        (
            lambda: reporter.post("/events/bulk", json={"events": zto_events[:5]}),
            ("zto.reporter@zto", "events.ingest", None, "ok"),
        ),
        (
            lambda: site.with_token(
                "POST", "/events/bulk", token["token"], json={"events": zto_events[5:]}
            ),
            (token_actor, "events.ingest", None, "ok"),
        ),
        (
            lambda: admin.post(
                "/admin/organisations", json={"code": "jd", "name": "京东", "kind": "platform"}
            ),
            ("admin.one@ops", "organisation.create", "jd", "ok"),
        ),
        (
            lambda: admin.post(
                "/admin/users",
                json={"username": "jd.ops", "organisation": "jd", "roles": ["platform_operator"]},
            ),
            ("admin.one@ops", "user.create", "jd.ops", "ok"),
        ),
        (
            lambda: admin.post("/admin/users/jd.ops/password", json={}),
            ("admin.one@ops", "user.reset_password", "jd.ops", "ok"),
        ),
        (
            lambda: admin.post("/admin/users/jd.ops/disable"),
            ("admin.one@ops", "user.disable", "jd.ops", "ok"),
        ),
        (
            lambda: admin.post("/admin/users/jd.ops/enable"),
            ("admin.one@ops", "user.enable", "jd.ops", "ok"),
        ),
        (
            lambda: admin.post(
                "/admin/tokens",
                json={"organisation": "jd", "name": "feed", "permissions": ["notice.read"]},
            ),
            ("admin.one@ops", "token.issue", None, "ok"),
        ),
        (
            lambda: admin.post(f"/admin/tokens/{token['id']}/revoke"),
            ("admin.one@ops", "token.revoke", str(token["id"]), "ok"),
        ),
        (
            lambda: analyst.get("/admin/users"),
            ("cd.analyst@sc-cd", "admin.manage", "GET /admin/users", "denied"),
        ),
        (lambda: analyst.post("/auth/logout"), ("cd.analyst@sc-cd", "logout", "cd.analyst", "ok")),
        (lambda: admin.get("/networks/audited/nodes"), None),
        (lambda: admin.get("/audit"), None),
    ]
    for step, expected in steps:
        before = _newest(site.store)
        response = step()
        assert response.status_code < 500, response.text
        entries = _trail(site.store, before)
        if expected is None:
            assert entries == [], response.request.url
            continue
        assert len(entries) == 1, (expected, [(e.action, e.actor) for e in entries])
        entry = entries[0]
        actor, action, record_id, outcome = expected
        assert (entry.actor, entry.action, entry.outcome) == (actor, action, outcome)
        assert record_id is None or entry.record_id == record_id
        assert entry.address == ADDRESS
        assert entry.organisation == actor.rsplit("@", 1)[1]
    assert verify_audit(site.store).intact


# -- secrets ------------------------------------------------------------------------------------

LOGGERS = [
    "",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "uvicorn.asgi",
    "fastapi",
    "starlette",
    "peakguard",
    "alembic",
    "asyncio",
    "sqlalchemy.pool",
    "sqlalchemy.orm",
]
CLIENT_LOGGERS = ("httpx", "httpcore")
"""The test's own HTTP client logs what it receives (a Set-Cookie header too): not the
service's logs."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Exchange:
    """What a client sent and got over a real server, and which secrets exist."""

    responses: list[httpx.Response] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict, repr=False)
    issued_by: dict[str, int] = field(default_factory=dict)
    """The secret's name → the index of the response that hands it out."""


def _served(site: Site) -> Iterator[str]:
    """The site's app over a real uvicorn server on loopback (its logs propagate to caplog)."""
    port = _free_port()
    config = uvicorn.Config(
        site.client.app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        log_level="debug",
        access_log=True,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def _a_session_of_secrets(site: Site, base: str) -> Exchange:
    """Logins right and wrong, token use, an administrator's password reset, weak and
    over-long passwords, a user created with a personal name."""
    seen = Exchange()
    passwords = site.passwords
    seen.secrets |= {f"password:{name}": text for name, text in passwords.items()}
    wrong = "Wr0ng-" + secrets.token_urlsafe(12)
    weak = "a" * 16
    long = "L" + secrets.token_urlsafe(1100)[:1100]
    seen.secrets |= {"wrong": wrong, "weak": weak, "long": long, "person": "赵敏"}
    with httpx.Client(base_url=base) as client:

        def send(method: str, path: str, *, issues: tuple[str, ...] = (), **options: Any) -> Any:
            client.cookies.clear()
            response = client.request(method, path, **options)
            client.cookies.clear()
            for name in issues:
                seen.issued_by[name] = len(seen.responses)
            seen.responses.append(response)
            return response

        def log_in(name: str, password: str) -> dict[str, str]:
            response = send(
                "POST",
                "/auth/login",
                json={"username": name, "password": password},
                issues=(f"cookie:{name}", f"csrf:{name}"),
            )
            assert response.status_code == 200, response.text
            seen.secrets[f"cookie:{name}"] = response.cookies[SESSION_COOKIE]
            seen.secrets[f"csrf:{name}"] = response.json()["csrf_token"]
            return {
                "Cookie": f"{SESSION_COOKIE}={seen.secrets[f'cookie:{name}']}",
                CSRF_HEADER: seen.secrets[f"csrf:{name}"],
            }

        send("POST", "/auth/login", json={"username": "cd.analyst", "password": wrong})
        send("POST", "/auth/login", json={"username": "no.such.user", "password": wrong})
        send("POST", "/auth/login", json={"username": wrong, "password": wrong})
        send("POST", "/auth/login", json={"username": "cd.analyst", "password": long})
        send("POST", "/auth/login", json={"username": "cd.analyst", "password": 12345678901234})
        admin = log_in("admin.one", passwords["admin.one"])
        analyst = log_in("cd.analyst", passwords["cd.analyst"])
        send("GET", "/networks", headers=analyst)
        send("GET", "/admin/users", headers=analyst)
        send("POST", "/admin/users/zto.reporter/password", headers=admin, json={"password": weak})
        send(
            "POST",
            "/admin/users",
            headers=admin,
            json={
                "username": "zm.user",
                "organisation": "zto",
                "roles": ["security_officer"],
                "display_name": "赵敏",
                "password": weak,
            },
        )
        made = send(
            "POST",
            "/admin/users",
            headers=admin,
            issues=("created", "person"),
            json={
                "username": "zm.user",
                "organisation": "zto",
                "roles": ["security_officer"],
                "display_name": "赵敏",
            },
        )
        seen.secrets["created"] = made.json()["password"]
        reset = send(
            "POST", "/admin/users/zto.reporter/password", headers=admin, json={}, issues=("reset",)
        )
        seen.secrets["reset"] = reset.json()["password"]
        send(
            "POST",
            "/auth/login",
            json={"username": "zto.reporter", "password": passwords["zto.reporter"]},
        )
        log_in("zto.reporter", seen.secrets["reset"])
        issued = send(
            "POST",
            "/admin/tokens",
            headers=admin,
            issues=("token",),
            json={"organisation": "zto", "name": "uploader", "permissions": ["network.read"]},
        )
        seen.secrets["token"] = token = issued.json()["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        send("GET", "/networks", headers=bearer)
        send("POST", "/events/bulk", headers=bearer, json={"events": example_records()[:2]})
        send("POST", f"/admin/tokens/{issued.json()['id']}/revoke", headers=admin)
        send("GET", "/networks", headers=bearer)
        send("GET", "/networks", headers={"Authorization": f"Bearer {token[:-3]}xyz"})
        send("POST", "/networks", headers={"Cookie": admin["Cookie"]}, json={})
        send("POST", "/auth/logout", headers=analyst)
        send("GET", "/auth/me", headers=analyst)
    return seen


def _leaks(texts: list[str], secret_values: dict[str, str]) -> list[str]:
    return [
        f"{name} in {text[:160]!r}"
        for text in texts
        for name, value in secret_values.items()
        if value in text
    ]


def test_no_secret_reaches_a_log_or_an_error_message(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    """Over a real server with every logger at DEBUG (uvicorn's access log included), no
    password, token, session cookie, CSRF token or personal name appears in any log record,
    nor in any response but the one that hands it out."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    for base in _served(site):
        seen = _a_session_of_secrets(site, base)
    service = [r for r in caplog.records if not r.name.startswith(CLIENT_LOGGERS)]
    logs = [record.getMessage() for record in service] + [r.exc_text or "" for r in service]
    assert any("POST /auth/login" in line for line in logs), "the access log was captured"
    bodies = [
        response.text
        for index, response in enumerate(seen.responses)
        if index not in seen.issued_by.values()
    ]
    errors = [r for r in seen.responses if r.status_code >= 400]
    assert len(errors) >= 10
    assert _leaks(logs, seen.secrets) == []
    assert _leaks(bodies, seen.secrets) == []
    for index in set(seen.issued_by.values()):
        own = {name for name, at in seen.issued_by.items() if at == index}
        others = {k: v for k, v in seen.secrets.items() if k not in own}
        assert _leaks([seen.responses[index].text], others) == [], own


def test_sql_logging_reveals_no_session_secret(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    """With SQLAlchemy's statement and row logging on (DEBUG) a login and a request print no
    CSRF token, session cookie or password."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    session = site.log_in("cd.analyst")
    session.get("/auth/me")
    logs = [record.getMessage() for record in caplog.records]
    assert any("INSERT INTO sessions" in line for line in logs), "SQL was logged"
    secret_values = {
        "csrf": session.csrf,
        "cookie": session.cookie,
        "password": site.passwords["cd.analyst"],
    }
    assert _leaks(logs, secret_values) == []


def test_passwords_are_stored_with_argon2id_at_the_recommended_cost(
    database_url: str, tmp_path: Path
) -> None:
    """With the deployment's hasher, a password is kept as Argon2id (RFC 9106's second
    recommended set: 64 MiB, 3 passes, 4 lanes), never in the clear."""
    store = open_store(Settings(database_url=database_url, home=tmp_path, language="en"))
    accounts.create_organisation(
        store, LOCAL_ADMINISTRATOR, Organisation(code="pub", name="p", kind=OrganisationKind.public)
    )
    password = _password()
    accounts.create_user(
        store,
        LOCAL_ADMINISTRATOR,
        username="reader",
        organisation="pub",
        roles=["public_reader"],
        password=password,
    )
    with store.engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT password_hash FROM users WHERE username = 'reader'")
        ).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert password not in stored
    store.engine.dispose()


def test_the_audit_key_is_not_in_a_stores_repr(site: Site) -> None:
    """The audit chain's key appears in no representation of the objects that hold it."""
    key = site.store.audit_key.decode()
    assert len(key) >= 32
    assert key not in repr(site.settings)
    assert key not in repr(site.store)
