"""The recipients' phones of the arrival messages never leave in full without the audited
reveal: every GET route and page of the notices area (read from the application's own routes,
so a new one is covered), called by every kind of user — ZTO's supply coordinator, planner and
data reporter, Chengdu's duty officer, director and analyst, the public, the administrator,
anonymous — shows at most the masked ``138****5678``; neither do the commands' output, the log
records (every logger, DEBUG), the audit trail, nor the database file on disk."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.routing import iter_route_contexts
from sqlalchemy import select
from typer.testing import CliRunner

from peakguard.app import accounts
from peakguard.app.incidents import IncidentDraft, open_incident
from peakguard.app.notice_messages import Recipient, send_arrival_messages
from peakguard.cli import app as cli_app
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import Organisation, OrganisationKind
from peakguard.store.access_tables import AuditEntryRow
from peakguard.store.database import transaction
from tests.integration.test_authentication import Site, make_site
from tests.integration.test_notices import NOW, lake_of

CST = CHINA_STANDARD_TIME
PHONES = ("13812345678", "139 8765 4321", "+86 137 1111 2222")
"""Three spellings the recipients' check accepts; each must be masked whatever its spaces."""
DIGITS = [phone.replace(" ", "").removeprefix("+86") for phone in PHONES]
USERS = {
    "zto.coordinator": ("zto", "supply_coordinator"),
    "zto.planner2": ("zto", "network_planner"),
    "cd.duty2": ("sc-cd", "duty_officer"),
    "cd.director2": ("sc-cd", "director"),
    "public.reader2": ("public", "public_reader"),
}
LOGINS = [*USERS, "zto.reporter", "cd.analyst", "admin.one"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Mianyang controlled 12–17 November, the lake of its parcels, and three arrival messages
    for ZT-IN1 and ZT-IN2 sent by the administrator with the phones above."""
    home = tmp_path_factory.mktemp("notice-phones")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            accounts.create_organisation(
                made.store, ADMIN, Organisation("public", "公众", OrganisationKind.public)
            )
            for username, (organisation, role) in USERS.items():
                made.passwords[username] = f"Pw-{len(username)}-q7Rm2xLw9Zt4-phones"
                accounts.create_user(
                    made.store, ADMIN, username=username, organisation=organisation,
                    roles=[role], display_name=username, password=made.passwords[username],
                )  # fmt: skip
            lake_of(made.lake)
            start = datetime(2026, 11, 12, tzinfo=CST)
            draft = IncidentDraft(
                "epidemic_control", "ZTO", "510700", start, "Mianyang under static control",
                period_end=datetime(2026, 11, 17, tzinfo=CST), blocked=True,
            )  # fmt: skip
            open_incident(made.store, draft, actor=ADMIN, now=start)
            yield made


@pytest.fixture(scope="module")
def sent(site: Site) -> list[str]:
    """The messages sent (logged at DEBUG by every logger while they are); their masked
    phones."""
    recipients = [
        Recipient("ZT-IN1", PHONES[0], "zh"),
        Recipient("ZT-IN2", PHONES[1], "en"),
        Recipient("ZT-IN1", PHONES[2], "en"),
    ]
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign,assignment]
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        report = send_arrival_messages(site.store, ADMIN, site.lake, recipients, now=NOW)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert len(report.sent) == 3, report.skipped
    logged = "\n".join(f"{record.getMessage()} {record.args!r}" for record in records)
    assert not leaks(logged), logged
    return [message.phone for message in report.sent]


def leaks(text: str) -> list[str]:
    """The full phones found in ``text``, in any spelling (spaces, +86, JSON escapes)."""
    squeezed = text.replace(" ", "").replace("\\u0020", "")
    return [digits for digits in DIGITS if digits in squeezed]


def get_paths(site: Site) -> list[str]:
    """Every GET route of the notices area's API and pages, filled in with ZT-IN1."""
    app = site.client.app
    paths = {
        str(context.path)
        for context in iter_route_contexts(app.routes)  # type: ignore[attr-defined]
        if "GET" in (context.methods or ())
        and str(context.path).startswith(("/notices", "/tracking", "/app/notices", "/app/tracking"))
    }
    assert {"/notices/outbox", "/tracking/{waybill}", "/app/notices/manage"} <= paths
    filled = [path.replace("{waybill}", "ZT-IN1") for path in sorted(paths)]
    assert not [path for path in filled if "{" in path], filled
    extra = ["/notices/outbox?waybill=ZT-IN1", "/app/tracking?waybill=ZT-IN1"]
    return [*filled, *extra]


def test_the_masks_are_what_the_public_may_read(sent: list[str]) -> None:
    """The send's answer masks each spelling: first three and last four characters kept."""
    assert sent == ["138****5678", "139******4321", "+86**********2222"]


def test_no_get_route_or_page_shows_a_full_phone_to_anyone(
    site: Site, sent: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Each user (and anonymous) GETs every route and page of the area: 200, 403 or 404,
    never a full phone; the outbox as ZTO shows the masked ones."""
    caplog.set_level(logging.DEBUG)
    found: list[str] = []
    seen_masked = False
    for login in [None, *LOGINS]:
        site.client.cookies.clear()
        session = site.log_in(login) if login is not None else None
        for path in get_paths(site):
            answer = (
                session.get(path, follow_redirects=False)
                if session is not None
                else site.client.get(path, follow_redirects=False)
            )
            assert answer.status_code in (200, 303, 401, 403, 404), (login, path, answer.text)
            found += [f"{login} {path}: {digits}" for digits in leaks(answer.text)]
            seen_masked |= "138****5678" in answer.text
    assert not found, found
    assert seen_masked, "no route showed the outbox at all"
    assert not leaks(caplog.text)


def test_the_commands_logs_audit_and_database_keep_the_phones_hidden(
    site: Site, sent: list[str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``notice send`` and ``notice outbox`` print the masks only; no log record, audit entry
    or byte of the database file holds a full phone."""
    caplog.set_level(logging.DEBUG)
    env = {"PEAKGUARD_DATABASE_URL": site.settings.database_url,
           "PEAKGUARD_HOME": str(site.settings.home), "COLUMNS": "300"}  # fmt: skip
    recipients = tmp_path / "recipients.csv"
    recipients.write_text(f"waybill,phone,language\nZT-IN2,{PHONES[0]},zh\n", "utf-8")
    runner = CliRunner()
    at = ["--lake", str(site.lake), "--at", NOW.isoformat()]
    sent_now = runner.invoke(cli_app, ["notice", "send", str(recipients), *at], env=env)
    assert sent_now.exit_code == 0, sent_now.output
    outbox = runner.invoke(cli_app, ["notice", "outbox"], env=env)
    assert outbox.exit_code == 0, outbox.output
    for output in (sent_now.output, outbox.output):
        assert "138****5678" in output and not leaks(output), output
    assert not leaks(caplog.text)
    with transaction(site.store.sessions) as session:
        entries = session.scalars(select(AuditEntryRow)).all()
        trail = json.dumps([(e.action, e.detail) for e in entries], default=str)
    assert "notice.send" in trail and not leaks(trail)
    database = Path(str(site.settings.database_url).removeprefix("sqlite:///"))
    on_disk = b"".join(
        path.read_bytes() for path in database.parent.glob(database.name + "*") if path.is_file()
    ).decode("latin-1")
    assert not leaks(on_disk)
