"""No output of any role without ``realname.reveal`` carries a full ID number or credit code
(issue 17's first "done when"), scanned over the demo's security season.

The season (tests/integration/demo_security_fixtures.py) registers a few hundred synthetic
senders — checksum-valid ID numbers, three failing their check, credit codes, a clerk's own ID —
through the demo's recording function. Then, as every demo login whose role lacks
``realname.reveal`` and as an anonymous caller, every GET route of the application (the API and
the pages under /app, read from the route table, so a new route is scanned without being
listed here) is called with path parameters filled with ids the season made (each order, hold,
inspection, register entry and flag), and every enumerated value of its enumerated query
parameters (``format=csv``/``xlsx`` exports included: an Excel file is unzipped and its XML
read). The POST requests that carry an ID — a search by ID, a batch and a file with a bad row,
an employee list with an invalid ID, a waybill check — are sent too, and the CLI's commands of
the security groups are run. Every body, header, log record (DEBUG and up, from the recording
on) and the database file itself (encrypted at rest) is searched for every full number, its
final X lower-cased as well. Finally the inspector's reveal shows that the scan can find one:
it returns the ID and leaves an audit entry.
"""

from __future__ import annotations

import enum
import io
import logging
import re
import typing
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest
import typer
from argon2 import PasswordHasher
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from peakguard.api.app import create_app
from peakguard.api.security import CSRF_HEADER, SESSION_COOKIE, Requirement
from peakguard.app import accounts, holds, inspections, penalties, real_name, rectification
from peakguard.app.abnormal_outlets import abnormal_outlets
from peakguard.app.audit import audit_entries
from peakguard.app.commitments import commitments
from peakguard.app.real_name_intake import import_register_file
from peakguard.cli import app as cli_app
from peakguard.errors import PeakguardError
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import Permission
from tests.integration.demo_security_fixtures import SecuritySeason, security_season

TOKEN = re.compile(r"[0-9A-Za-z]{18,}")
SECURITY_GROUPS = ("security", "realname", "inspect", "order", "hold")
"""The command groups of issue 17 (their commands are run, found by walking the groups)."""
SKIPPED = ("reveal", "rotate", "prune")
"""Commands not run: the one that shows a number in clear (to the audited permission only),
and the register's upkeep (re-sealing with a new key, removing entries past retention)."""
SECURITY = frozenset(
    p
    for p in Permission
    if p.value.split(".")[0] in {"security", "realname", "inspection", "order", "hold"}
)
"""Commands and options that show a number in clear, to the audited permission only."""


class Collecting(logging.Handler):
    """Keeps every record's message, arguments and traceback as text."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name} {record.getMessage()}"
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.texts.append(text)


@dataclass
class Caller:
    username: str
    cookie: str | None = None
    csrf: str | None = field(default=None, repr=False)

    def headers(self, method: str = "GET") -> dict[str, str]:
        if self.cookie is None:
            return {}
        headers = {"Cookie": f"{SESSION_COOKIE}={self.cookie}"}
        if method != "GET":
            headers[CSRF_HEADER] = str(self.csrf)
        return headers


@dataclass
class Scan:
    season: SecuritySeason
    client: TestClient
    callers: list[Caller]
    revealers: dict[str, str]
    numbers: frozenset[str]
    logs: Collecting
    found: list[str] = field(default_factory=list)
    looked: int = 0

    def look(self, where: str, text: str) -> None:
        """Record every full number in ``text`` (any case) as a leak at ``where``."""
        self.looked += 1
        for run in TOKEN.findall(text):
            upper = run.upper()
            for start in range(len(upper) - 17):
                if upper[start : start + 18] in self.numbers:
                    self.found.append(f"{where}: {upper[start : start + 18][-4:]}")

    def send(self, caller: Caller, method: str, path: str, **options: Any) -> int:
        headers = {**caller.headers(method), **options.pop("headers", {})}
        self.client.cookies.clear()
        response = self.client.request(method, path, headers=headers, **options)
        self.client.cookies.clear()
        where = f"{caller.username} {method} {path} {options.get('params', '')}"
        self.look(where, " ".join(f"{k}: {v}" for k, v in response.headers.items()))
        self.look_bytes(where, response.content)
        return response.status_code

    def look_bytes(self, where: str, content: bytes) -> None:
        """:meth:`look` in a file's bytes (an Excel workbook unzipped)."""
        if content.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(content)) as book:
                for name in book.namelist():
                    self.look(f"{where} {name}", book.read(name).decode("utf-8", "replace"))
        else:
            self.look(where, content.decode("utf-8", "replace"))


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scan]:
    """The season recorded with every log record kept, the application over it, and a session
    of each demo login whose role lacks ``realname.reveal`` (and an anonymous caller)."""
    logs = Collecting()
    root = logging.getLogger()
    level = root.level
    root.addHandler(logs)
    root.setLevel(logging.DEBUG)
    home = tmp_path_factory.mktemp("personal-data-scan")
    with pytest.MonkeyPatch.context() as patch:
        # Argon2 at its cheapest: 15 users are made and logged in (the cost is not under test)
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        patch.setattr(credentials, "_HASHER", cheap)
        season = security_season(home)
        roles = {role.name: role.permissions for role in accounts.list_roles(season.store)}
        application = create_app(season.settings, season.store)
        # the season is in the past: a sweep at today's clock would escalate its open orders
        application.state.run_sweeps = False
        application.state.run_jobs = False
        with TestClient(application) as client:
            callers, revealers = [Caller("anonymous")], {}
            for login in season.logins:
                response = client.post(
                    "/auth/login", json={"username": login.username, "password": login.password}
                )
                assert response.status_code == 200, response.text
                cookie = response.cookies.get(SESSION_COOKIE)
                caller = Caller(login.username, cookie, response.json()["csrf_token"])
                if Permission.realname_reveal in roles[login.role]:
                    revealers[login.username] = login.password
                    continue
                callers.append(caller)
            client.cookies.clear()
            numbers = season.recorded.numbers
            yield Scan(season, client, callers, revealers, numbers, logs)
    root.removeHandler(logs)
    root.setLevel(level)
    season.store.engine.dispose()


# -- what the season made, for the path parameters ---------------------------------------------


def season_ids(season: SecuritySeason) -> dict[str, list[str]]:
    """Ids of what the season recorded, read as the administrator, by kind."""
    store = season.store
    flags = real_name.list_flags(store, ADMIN, limit=500).flags
    entries = sorted({str(f.entry_id) for f in flags if f.entry_id is not None})
    entries += [str(e.id) for e in real_name.search_register(store, ADMIN, limit=3).entries]
    found = inspections.list_inspections(store, ADMIN, limit=100)
    views = [inspections.get_inspection(store, ADMIN, record.id) for record in found]
    evidence = [ref.sha256 for v in views for f in v.findings for ref in f.evidence]
    lines = holds.list_holds(store, ADMIN)
    hold_evidence = [
        ref.sha256 for line in lines for ref in holds.get_hold(store, ADMIN, line.hold.id).evidence
    ]
    letters = [
        str(letter[0].id)
        for company in commitments(store, ADMIN, season="2026")
        for letter in company.letters
    ]
    return {
        "entry_id": entries,
        "flag_id": [str(f.id) for f in flags],
        "inspection_id": [str(record.id) for record in found],
        "finding_id": [str(f.finding.id) for v in views for f in v.findings],
        "sha256": evidence + hold_evidence,
        "hold_id": [str(line.hold.id) for line in lines],
        "order": [line.reference for line in rectification.list_orders(store, actor=ADMIN)],
        "penalty": [view.reference for view in penalties.list_penalties(store, actor=ADMIN)],
        "abnormal": [str(record.id) for record in abnormal_outlets(store, ADMIN)],
        "letter": letters,
        "name": [season.network.name],
        "node_id": list(season.policy.outlets()[:1]),
        "carrier": ["ZTO"],
        "region": ["510100"],
    }


def path_values(path: str, name: str, ids: dict[str, list[str]]) -> list[str]:
    """The values to try for path parameter ``name`` of ``path``."""
    first = path.strip("/").split("/")[0 if not path.startswith("/app/") else 1]
    if name == "reference":
        return ids["penalty"] if first.startswith("penalt") else ids["order"] or ["none"]
    if name == "code":
        return ["ZTO"] if "/carriers/" in path else ["510100"]
    if name == "sha256" and first == "holds":
        return ids["sha256"][-1:]
    if name in {"id", "entry"} and first.startswith("abnormal"):
        return ids["abnormal"]
    if name.endswith("_id") and name.removesuffix("_id") in {"letter", "commitment"}:
        return ids["letter"]
    return ids.get(name) or ["1"]


def query_choices(annotation: Any) -> list[str]:
    """The values of an enumerated query parameter (a Literal or an Enum), else none."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(candidate) is typing.Literal:
            return [str(value) for value in typing.get_args(candidate)]
        if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
            return [str(member.value) for member in candidate]
    return []


@dataclass(frozen=True)
class Request:
    url: str
    query: dict[str, str]
    security: bool
    """The route declares a permission of security supervision (``security.read``,
    ``realname.*``, ``inspection.*``, ``order.*``, ``hold.*``)."""


def declared(dependant: Any) -> list[Permission | None]:
    """The permissions the route's dependency tree declares (API and page requirements)."""
    found: list[Permission | None] = []
    for sub in dependant.dependencies:
        if isinstance(sub.call, Requirement):
            found.append(sub.call.permission)
        found += declared(sub)
    return found


def get_requests(scan: Scan) -> list[Request]:
    """Every GET route, its path parameters filled (each value of its last one); a route of
    security supervision once per value of each enumerated query parameter too (the CSV and
    Excel exports among them)."""
    ids = season_ids(scan.season)
    requests: list[Request] = []
    for context in iter_route_contexts(scan.client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if not isinstance(route, APIRoute) or "GET" not in (context.methods or ()):
            continue
        path = str(context.path)
        dependant = getattr(context, "dependant", None) or route.dependant
        security = any(p in SECURITY for p in declared(dependant))
        names = [param.name for param in dependant.path_params]
        choices = [path_values(path, name, ids) for name in names]
        filled = [path]
        if names:
            firsts = {name: values[0] for name, values in zip(names[:-1], choices, strict=False)}
            filled = [path.format(**firsts, **{names[-1]: value}) for value in choices[-1] or ["1"]]
        queries: list[dict[str, str]] = [{}]
        for param in dependant.query_params if security else ():
            info = getattr(param, "field_info", param)
            default = str(getattr(info, "default", None))
            queries += [
                {param.name: value} for value in query_choices(info.annotation) if value != default
            ]
        requests += [Request(url, query, security) for url in filled for query in queries]
    return requests


# -- the scans ---------------------------------------------------------------------------------


def test_the_season_registers_the_numbers_the_scan_looks_for(scan: Scan) -> None:
    """The season registered hundreds of full numbers — valid IDs, three failing their check,
    one ending in X, credit codes, the clerk's own ID — and the register holds them."""
    numbers = scan.numbers
    assert len(numbers) > 300
    assert any(n.endswith("X") for n in numbers)
    assert sum(1 for n in numbers if n[:2] == "91") >= 4
    assert scan.season.recorded.register_entries > 300
    assert scan.season.recorded.flags


def test_no_get_route_shows_a_full_number_to_a_role_without_reveal(scan: Scan) -> None:
    """Every GET route of security supervision (API and pages), with the season's ids and
    every enumerated query value (CSV and Excel exports among them), as each demo role without
    ``realname.reveal`` (every login that may read the register among them) and an anonymous
    caller; every other GET route as the callers
    that may read the register (a route outside security supervision reaches it only through
    its caller's access: the province's director and the carriers' security officers) and an
    anonymous caller: no body or header holds a full ID number or credit code, in any case."""
    requests = get_requests(scan)
    security = [r for r in requests if r.security]
    assert any(r.url.startswith("/realname/entries/") for r in security)
    assert any(r.url.startswith("/app/realname") for r in security)
    assert any(r.url.startswith("/orders") for r in security)
    assert any(r.query.get("format") == "xlsx" for r in security)
    roles = {role.name: role.permissions for role in accounts.list_roles(scan.season.store)}
    logins = {login.username: login.role for login in scan.season.logins}
    readers = [
        caller
        for caller in scan.callers
        if caller.cookie is None or Permission.realname_read in roles[logins[caller.username]]
    ]
    # every role once (its first demo login), and every login that may read the register
    first = {logins.get(c.username, c.username): c for c in reversed(scan.callers)}
    callers = [*first.values(), *(c for c in readers if c not in first.values())]
    # the demo's 13 logins with the security season's and the supply guarantee's (#18), and
    # the anonymous caller
    assert len(scan.callers) == 18 and len(readers) >= 4 and len(first) == 12
    statuses: set[int] = set()
    for request in requests:
        for caller in callers if request.security else readers:
            statuses.add(scan.send(caller, "GET", request.url, params=request.query))
    assert 200 in statuses, "some of them were read"
    assert scan.found == []


def test_searching_and_bad_input_do_not_echo_a_number(scan: Scan) -> None:
    """A search by a full ID, a batch whose rows have a bad date and type, a register file
    with a bad row, an employee list with an invalid ID and a waybill carrying an ID: each
    answer (found, refused or mistaken) holds no full number, for every caller."""
    number = sorted(n for n in scan.numbers if n.endswith("X"))[0]
    entry = {
        "waybill": "ZTO999000000001",
        "carrier": "ZTO",
        "sender_name": "王某",
        "id_type": "resident_id",
        "id_number": number,
        "outlet": scan.season.policy.outlets()[0],
        "region": "510107",
        "accepted_at": "2026-11-31T10:00:00+08:00",
        "accepted_by": "E01",
    }
    bad_type = {**entry, "id_type": "identity card", "accepted_at": "2026-11-11T10:00:00+08:00"}
    row = ",".join(str(v) for v in {**entry, "accepted_at": "31/11/2026 25:00"}.values())
    register_file = (",".join(entry) + "\n" + row + "\n").encode()
    for caller in scan.callers:
        scan.send(caller, "POST", "/realname/search", json={"id_number": number})
        scan.send(caller, "POST", "/realname/search", json={"id_number": number.lower()})
        scan.send(caller, "POST", "/realname/entries", json={"entries": [entry, bad_type]})
        scan.send(
            caller,
            "POST",
            "/realname/imports",
            params={"file_name": "register.csv"},
            content=register_file,
            headers={"Content-Type": "text/csv"},
        )
        scan.send(
            caller,
            "PUT",
            "/realname/employees",
            json={
                "employees": [
                    {
                        "employee_code": "E9",
                        "id_type": "resident_id",
                        "id_number": number[:-1] + "0",
                    }
                ]
            },
        )
        scan.send(
            caller,
            "POST",
            "/realname/waybill-checks",
            json={"waybills": [{"waybill": "ZTO1", "寄件人证件号码": number, "备注": number}]},
        )
    with pytest.raises(PeakguardError) as refused:
        import_register_file(scan.season.store, ADMIN, register_file, "register.csv")
    scan.look("import_register_file", f"{refused.value} {getattr(refused.value, 'problems', '')}")
    assert scan.found == []


def cli_commands(
    group: click.Command, path: list[str]
) -> Iterator[tuple[list[str], click.Command]]:
    if hasattr(group, "commands"):
        for name, command in group.commands.items():  # type: ignore[attr-defined]
            yield from cli_commands(command, [*path, name])
    else:
        yield path, group


def arguments(
    command: click.Command, path: list[str], ids: dict[str, list[str]], suffix: str
) -> list[str]:
    """The command's required parameters filled from the season (an output file named
    ``export.<suffix>``)."""
    found: list[str] = []
    for param in command.params:
        if not param.required or param.name is None:
            continue
        value = path_values("/" + "/".join(path), param.name, ids)[0]
        if param.name in {"out", "output"}:
            value = f"export.{suffix}"
        found += [param.opts[0], value] if isinstance(param, click.Option) else [value]
    return found


def test_the_security_commands_show_no_full_number(
    scan: Scan, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each command of the security groups but ``reveal`` and the register's upkeep, run as
    the command line's local administrator with its required arguments filled from the season
    (an export written as CSV and as Excel), prints and writes no full number; nor do the
    log records kept since the season was recorded, nor the audit trail, nor the database
    file (the register is encrypted at rest)."""
    season = scan.season
    monkeypatch.setenv("PEAKGUARD_HOME", str(season.settings.home))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", season.settings.database_url or "")
    monkeypatch.setenv("PEAKGUARD_EVENT_LAKE", str(season.lake))
    ids = season_ids(season)
    runner = CliRunner()
    root = typer.main.get_command(cli_app)
    assert hasattr(root, "commands")
    ran = 0
    for group in SECURITY_GROUPS:
        if group not in root.commands:  # type: ignore[attr-defined]
            continue
        for path, command in cli_commands(root.commands[group], [group]):  # type: ignore[attr-defined]
            if any(word in " ".join(path) for word in SKIPPED):
                continue
            exports = any(param.name in {"out", "output"} for param in command.params)
            for suffix in ("csv", "xlsx") if exports else ("csv",):
                folder = tmp_path / f"run{ran}"  # a command may write a file: its own folder
                folder.mkdir()
                monkeypatch.chdir(folder)
                result = runner.invoke(cli_app, [*path, *arguments(command, path, ids, suffix)])
                for written in folder.iterdir():
                    scan.look_bytes(f"peakguard {' '.join(path)} {written}", written.read_bytes())
                scan.look(f"peakguard {' '.join(path)}", result.output)
                ran += 1
    for text in scan.logs.texts:
        scan.look("log", text)
    for entry in every_audit_entry(season):
        scan.look(f"audit {entry.action}", repr(entry))
    database = Path(str(season.settings.database_url).removeprefix("sqlite:///"))
    scan.look("database file", database.read_bytes().decode("latin-1"))
    assert len(scan.logs.texts) > 0
    assert ran >= len([g for g in SECURITY_GROUPS if g in root.commands])  # type: ignore[attr-defined]
    assert scan.found == []


def every_audit_entry(season: SecuritySeason) -> list[Any]:
    entries: list[Any] = []
    while True:
        total, page = audit_entries(season.store, ADMIN, limit=500, offset=len(entries))
        entries += page
        if not page or len(entries) >= total:
            return entries


def test_the_inspector_reveal_shows_the_number_and_is_audited(scan: Scan) -> None:
    """The provincial inspector (``realname.reveal``) reads a flagged entry's ID in clear with
    a reason: the scan finds it, and the audit trail records the read (who, which entry, the
    reason; not the number)."""
    season = scan.season
    username, password = next(iter(sorted(scan.revealers.items())))
    response = scan.client.post("/auth/login", json={"username": username, "password": password})
    inspector = Caller(
        username, response.cookies.get(SESSION_COOKIE), response.json()["csrf_token"]
    )
    scan.client.cookies.clear()
    flagged = next(
        f
        for f in real_name.list_flags(season.store, ADMIN, limit=500).flags
        if f.kind == "invalid_id" and f.entry_id is not None
    )
    before = len(scan.found)
    status = scan.send(
        inspector,
        "POST",
        f"/realname/entries/{flagged.entry_id}/reveal",
        json={"reason": "核查虚假实名线索（演示）"},
    )
    assert status == 200
    assert len(scan.found) == before + 1
    audited = [
        e
        for e in every_audit_entry(season)
        if e.action == "realname.reveal" and e.record_id == str(flagged.entry_id)
    ]
    assert len(audited) == 1 and audited[0].actor.startswith(username)
    scan.found.clear()
    scan.look("audit", repr(audited[0]))
    assert scan.found == []
