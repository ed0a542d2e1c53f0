"""The duty through its three doors, on SQLite (they only call the application layer, whose
engines test_duty_alerts covers): the API (roster conflict, alerts in the reader's language,
acknowledgement), the board page (nobody on duty said loudly; the big acknowledge button),
and ``peakguard duty`` (a roster file, the sweep, ack)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from peakguard.api.app import create_app
from peakguard.api.security import CSRF_HEADER, SESSION_COOKIE
from peakguard.app.alerts import raise_alert
from peakguard.app.authentication import SecurityPolicy, login
from peakguard.cli import app as cli_app
from peakguard.config import Settings
from peakguard.i18n import _
from tests.integration.test_duty_alerts import PASSWORD, Desk, build_desk, cheap_hashing


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Desk, TestClient]]:
    """The Sichuan office on SQLite, served (no background sweeps)."""
    cheap_hashing(monkeypatch)
    url = f"sqlite:///{tmp_path / 'peakguard.db'}"
    built = build_desk(url, tmp_path)
    settings = Settings(database_url=url, home=tmp_path, language="en", cookie_secure=False)
    app = create_app(settings, built.store)
    app.state.run_sweeps = False
    with TestClient(app) as client:
        yield built, client
    built.store.engine.dispose()


def headers(desk: Desk, username: str) -> dict[str, str]:
    """A fresh session of ``username`` as API headers."""
    policy = SecurityPolicy.of(Settings(home=Path("."), language="en"))
    session = login(desk.store, username, PASSWORD, policy=policy)
    return {"Cookie": f"{SESSION_COOKIE}={session.cookie}", CSRF_HEADER: session.csrf}


def now_alert(desk: Desk) -> int:
    """An alert raised a minute ago (no one is rostered now: it goes to the first director)."""
    return raise_alert(
        desk.store,
        organisation_id=desk.office,
        kind="warning.raised",
        subject="warning:3",
        summary=_("backlog at {node} exceeds capacity", node="CD-HUB"),
        raised_at=datetime.now(UTC) - timedelta(minutes=1),
    )


def test_the_api_refuses_a_stale_roster_and_acknowledges_once(
    site: tuple[Desk, TestClient],
) -> None:
    """Two PUTs from version 0: 200 then 409; the alert lists in English and is acknowledged
    once (then 409)."""
    desk, client = site
    chief = headers(desk, "chief")
    day = datetime.now(UTC).date().isoformat()
    body = {"first": day, "last": day, "expected_version": 0, "watches": []}
    body["watches"] = [{"day": day, "shift": "day", "leader": "leader", "officers": ["first"]}]
    assert client.put("/duty/rosters", json=body, headers=chief).status_code == 200
    assert client.put("/duty/rosters", json=body, headers=chief).status_code == 409
    alert_id = now_alert(desk)
    listed = client.get("/duty/alerts", params={"open": True}, headers=chief).json()
    assert [(a["id"], a["summary"]) for a in listed] == [
        (alert_id, "backlog at CD-HUB exceeds capacity")
    ]
    path = f"/duty/alerts/{alert_id}/acknowledge"
    first = client.post(path, json={"note": "called the hub"}, headers=headers(desk, "first"))
    assert first.status_code == 200 and first.json()["acknowledged_by"] == "first"
    assert client.post(path, json={}, headers=chief).status_code == 409


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_board_says_nobody_is_on_duty_and_acknowledges(site: tuple[Desk, TestClient]) -> None:
    """Nobody rostered now: the board says so; the alert with the leader (first director)
    has its acknowledge button, and pressing it empties 'my open alerts'."""
    desk, client = site
    alert_id = now_alert(desk)
    client.post("/app/login", data={"username": "leader", "password": PASSWORD})
    board = client.get("/app/duty")
    assert board.status_code == 200, board.text
    assert 'data-testid="nobody-on-duty"' in board.text
    assert f'data-testid="acknowledge-{alert_id}"' in board.text
    pressed = client.post(
        f"/app/duty/alerts/{alert_id}/acknowledge",
        data={"csrf_token": _csrf(board.text), "note": ""},
        follow_redirects=False,
    )
    assert pressed.status_code == 303
    assert f'data-testid="acknowledge-{alert_id}"' not in client.get("/app/duty").text


def test_the_command_line_sets_a_roster_and_sweeps(
    site: tuple[Desk, TestClient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``duty roster set`` from a YAML file, a bad one located by field; ``duty sweep``
    escalates an alert raised an hour ago; ``duty ack`` stops it."""
    desk, _client = site
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", str(desk.store.engine.url))
    runner = CliRunner()

    def run(*arguments: str, code: int = 0) -> str:
        result = runner.invoke(cli_app, ["--lang", "en", *arguments], env={"COLUMNS": "240"})
        assert result.exit_code == code, result.output
        return result.output

    roster = tmp_path / "roster.yaml"
    roster.write_text(
        "office: sc-post\nfirst: 2026-11-12\nlast: 2026-11-12\nexpected_version: 0\n"
        "watches:\n  - {day: 2026-11-12, shift: day, leader: leader, officers: [first, nobody]}\n",
        encoding="utf-8",
    )
    assert "watches[0].officers[1]" in run("duty", "roster", "set", str(roster), code=2)
    roster.write_text(roster.read_text().replace("nobody", "second"), encoding="utf-8")
    assert "first second" in run("duty", "roster", "set", str(roster))
    alert_id = raise_alert(
        desk.store,
        organisation_id=desk.office,
        kind="report.late",
        subject="report:ZTO",
        summary=_("the daily report of {carrier} is late", carrier="ZTO"),
        raised_at=datetime.now(UTC) - timedelta(hours=1),
    )
    assert re.search(r"Escalations\s*│\s*1", run("duty", "sweep"))
    run("duty", "ack", str(alert_id), "--note", "done")
    assert "local" in run("duty", "alerts", "--office", "sc-post")  # acknowledged by the CLI


def test_the_roster_form_saves_and_refuses_a_stale_copy(site: tuple[Desk, TestClient]) -> None:
    """A director saves the 12th's day shift from the roster page; posting the same form
    (its old version) again is refused with 409 and the saved roster stands."""
    _desk, client = site
    client.post("/app/login", data={"username": "chief", "password": PASSWORD})
    page = client.get("/app/duty/roster", params={"first": "2026-11-12", "last": "2026-11-12"})
    assert page.status_code == 200 and 'data-testid="roster-form"' in page.text
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version is not None
    form = {
        "csrf_token": _csrf(page.text),
        "first": "2026-11-12",
        "last": "2026-11-12",
        "version": version.group(1),
        "lines": "2026-11-12 day leader first second",
    }
    saved = client.post("/app/duty/roster", data=form, follow_redirects=False)
    assert saved.status_code == 303
    stale = client.post("/app/duty/roster", data=form | {"lines": "2026-11-12 day - second"})
    assert stale.status_code == 409
    shown = client.get("/app/duty/roster", params={"first": "2026-11-12", "last": "2026-11-12"})
    assert "2026-11-12 day leader first second" in shown.text
