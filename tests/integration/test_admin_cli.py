"""``peakguard admin`` and ``peakguard audit`` as an administrator runs them, checked through
the API a user then logs in to (one database and one audit key for both)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from peakguard.api.app import create_app
from peakguard.app import accounts
from peakguard.app.audit import record
from peakguard.app.context import open_store
from peakguard.cli import app as cli_app
from peakguard.config import Settings
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from peakguard.store.database import Store

CHENGDU = (
    "organisation",
    "add",
    "spb-cd",
    "--name",
    "成都市邮政管理局",
    "--kind",
    "regulator",
    "--level",
    "city",
    "--region",
    "510100",
)
ZTO = ("organisation", "add", "zto", "--name", "中通快递", "--kind", "carrier", "--carrier", "ZTO")


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The command does not depend on the engine: SQLite only (the workflows run on both
    engines in their own tests)."""
    return sqlite_url


@dataclass
class Deployment:
    runner: CliRunner
    client: TestClient
    store: Store

    def cli(self, *arguments: str, stdin: str | None = None) -> Any:
        return self.runner.invoke(
            cli_app,
            ["--lang", "en", *arguments],
            input=stdin,
            catch_exceptions=False,
            env={"COLUMNS": "200"},
        )

    def admin(self, *arguments: str, stdin: str | None = None) -> Any:
        result = self.cli("admin", *arguments, stdin=stdin)
        assert result.exit_code == 0, result.output
        return result

    def login(self, username: str, password: str) -> int:
        self.client.cookies.clear()
        response = self.client.post(
            "/auth/login", json={"username": username, "password": password}
        )
        return response.status_code


@pytest.fixture
def deployment(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployment]:
    """The CLI and the API server over one database, with the same home (audit key)."""
    home = tmp_path / "home"
    monkeypatch.setenv("PEAKGUARD_HOME", str(home))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", database_url)
    settings = Settings(database_url=database_url, home=home, language="en", cookie_secure=False)
    store = open_store(settings)
    with TestClient(create_app(settings, store)) as client:
        yield Deployment(CliRunner(), client, store)
    store.engine.dispose()


def secret_after(output: str, label: str) -> str:
    """The line after the one holding ``label``: where a password or a token is printed."""
    lines = output.splitlines()
    found = [index for index, line in enumerate(lines) if label in line]
    assert len(found) == 1, output
    return lines[found[0] + 1].strip()


def test_organisation_and_user_are_created_and_the_password_logs_in(
    deployment: Deployment,
) -> None:
    """A city office and its duty officer: the generated password is printed once and logs in
    through the API as that user, of that office, with that role."""
    deployment.admin(*CHENGDU)
    listed = deployment.admin("organisation", "list").output
    assert "spb-cd" in listed
    assert "510100" in listed
    made = deployment.admin(
        "user", "add", "cd.duty", "--organisation", "spb-cd", "--role", "duty_officer"
    )
    password = secret_after(made.output, "Password of cd.duty")
    assert len(password) >= 12
    assert made.output.count(password) == 1
    users = deployment.admin("user", "list", "--organisation", "spb-cd").output
    assert "cd.duty" in users
    assert "duty_officer" in users
    assert password not in users
    assert deployment.login("cd.duty", password) == 200
    me = deployment.client.get("/auth/me").json()
    assert (me["organisation"], me["region"], me["roles"]) == ("spb-cd", "510100", ["duty_officer"])


def test_mistakes_are_located_and_nothing_is_stored(deployment: Deployment) -> None:
    """A district code for a city office, and a carrier's role for a regulator's user: exit 2,
    each problem at the option that caused it, no traceback, nothing stored."""
    district = [*CHENGDU[:-1], "510104"]
    refused = deployment.cli("admin", *district)
    assert refused.exit_code == 2
    assert "--region" in refused.output
    assert "510104" in refused.output
    assert "Traceback" not in refused.output
    assert accounts.list_organisations(deployment.store, LOCAL_ADMINISTRATOR) == []
    deployment.admin(*CHENGDU)
    wrong_kind = deployment.cli(
        "admin", "user", "add", "cd.plan", "--organisation", "spb-cd", "--role", "network_planner"
    )
    assert wrong_kind.exit_code == 2
    assert "--role network_planner" in wrong_kind.output
    assert "not of a regulator" in wrong_kind.output
    assert "Traceback" not in wrong_kind.output
    assert accounts.list_users(deployment.store, LOCAL_ADMINISTRATOR) == []


def test_reset_disable_and_enable(deployment: Deployment) -> None:
    """A password read from stdin is never printed; a reset prints a new one that replaces
    it; a disabled user cannot log in until enabled again."""
    deployment.admin(*CHENGDU)
    chosen = "correct horse battery staple"
    made = deployment.admin(
        "user",
        "add",
        "cd.duty",
        "--organisation",
        "spb-cd",
        "--role",
        "duty_officer",
        "--password-stdin",
        stdin=chosen + "\n",
    )
    assert chosen not in made.output
    assert deployment.login("cd.duty", chosen) == 200
    reset = deployment.admin("user", "reset-password", "cd.duty")
    fresh = secret_after(reset.output, "New password of cd.duty")
    assert deployment.client.get("/auth/me").status_code == 401
    assert deployment.login("cd.duty", chosen) == 401
    assert deployment.login("cd.duty", fresh) == 200
    deployment.admin("user", "disable", "cd.duty")
    assert deployment.login("cd.duty", fresh) == 401
    deployment.admin("user", "enable", "cd.duty")
    assert deployment.login("cd.duty", fresh) == 200
    missing = deployment.cli("admin", "user", "disable", "nobody")
    assert missing.exit_code == 3
    assert "there is no user nobody" in missing.output


def test_token_issue_and_revoke(deployment: Deployment) -> None:
    """A carrier's token works at the API until revoked, then is refused; a permission its
    kind may not hold is refused at --permission and no token is made."""
    deployment.admin(*ZTO)
    forbidden = deployment.cli(
        "admin", "token", "issue", "--organisation", "zto", "--name", "feed",
        "--permission", "admin.manage",
    )  # fmt: skip
    assert forbidden.exit_code == 2
    assert "--permission" in forbidden.output
    assert accounts.list_tokens(deployment.store, LOCAL_ADMINISTRATOR) == []
    issued = deployment.admin(
        "token", "issue", "--organisation", "zto", "--name", "ZTO scan feed",
        "--permission", "events.write", "--days", "30",
    )  # fmt: skip
    text = secret_after(issued.output, "The token, shown this once")
    assert text.startswith("pgt_")
    bearer = {"Authorization": f"Bearer {text}"}
    me = deployment.client.get("/auth/me", headers=bearer)
    assert me.status_code == 200
    assert (me.json()["organisation"], me.json()["permissions"]) == ("zto", ["events.write"])
    (token,) = accounts.list_tokens(deployment.store, LOCAL_ADMINISTRATOR)
    listed = deployment.admin("token", "list").output
    assert "ZTO scan feed" in listed
    assert text not in listed
    deployment.admin("token", "revoke", str(token.id))
    assert deployment.client.get("/auth/me", headers=bearer).status_code == 401


def test_audit_verify_finds_a_tampered_entry(deployment: Deployment) -> None:
    """The trail of the administration verifies (exit 0); after one row is altered in the
    database, verify exits 9 and names that entry and no other."""
    deployment.admin(*CHENGDU)
    deployment.admin(*ZTO)
    deployment.admin("user", "add", "cd.duty", "--organisation", "spb-cd", "--role", "inspector")
    intact = deployment.cli("audit", "verify")
    assert intact.exit_code == 0, intact.output
    assert "intact: 3 entries" in intact.output
    listed = deployment.cli("audit", "list", "--record", "cd.duty")
    assert listed.exit_code == 0
    assert "user.create" in listed.output
    assert "organisation.create" not in listed.output
    with deployment.store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_entries SET record_id = 'spb' WHERE sequence = 2"))
    broken = deployment.cli("audit", "verify")
    assert broken.exit_code == 9
    assert "entry 2: was altered after it was written" in broken.output
    assert "entry 1:" not in broken.output
    assert "entry 3:" not in broken.output


def test_audit_list_filters_and_refuses_a_bad_moment(deployment: Deployment) -> None:
    """--since takes a day (China time) or a moment with its zone; anything else is located."""
    deployment.admin(*CHENGDU)
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")
    assert "organisation.create" in deployment.cli("audit", "list", "--since", today).output
    later = deployment.cli("audit", "list", "--since", f"{tomorrow}T00:00+08:00")
    assert "organisation.create" not in later.output
    refused = deployment.cli("audit", "list", "--since", "yesterday")
    assert refused.exit_code == 2
    assert "--since" in refused.output


def test_audit_prune_keeps_the_chain_verifiable(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries older than the retention are removed; the pruning is an entry and the shortened
    trail still verifies."""
    old = datetime.now(UTC) - timedelta(days=100)
    for day in range(2):
        record(deployment.store, LOCAL_ADMINISTRATOR, "login", "user", "x", at=old + timedelta(day))
    deployment.admin(*CHENGDU)
    monkeypatch.setenv("PEAKGUARD_AUDIT_RETENTION_DAYS", "30")
    pruned = deployment.cli("audit", "prune")
    assert pruned.exit_code == 0, pruned.output
    assert "Removed 2 audit entries older than 30 days" in pruned.output
    verified = deployment.cli("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "intact: 2 entries (3 to 4)" in verified.output
