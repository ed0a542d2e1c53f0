"""Complaints and appeals over HTTP, on each engine, by the people who work them: a city
desk's complaint handler (申诉处理员) and a carrier's complaint handler (客服投诉处理员), each
signed in with the roles the database grants.

The desk (built once per engine): the State Post Bureau, Sichuan's provincial office, the
Chengdu and Mianyang city offices, ZTO's and SF's headquarters; a complaint handler in each
office, a carrier complaint handler at each carrier, and readers without the personal-data
permission (an analyst in Chengdu, ZTO's network planner). ``test_case_visibility`` builds on it.
"""

from __future__ import annotations

import csv
import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx2 import Response

from peakguard.api.app import create_app
from peakguard.api.security import CSRF_HEADER, SESSION_COOKIE
from peakguard.app import accounts
from peakguard.app.audit import audit_entries
from peakguard.app.authentication import SecurityPolicy, login
from peakguard.app.case_calendar import clock_rules
from peakguard.app.context import open_store
from peakguard.cases.clocks import describe
from peakguard.config import Settings
from peakguard.i18n import render
from peakguard.identity import credentials
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Organisation,
    OrganisationKind,
    RegulatorLevel,
)
from peakguard.store.database import Store

ADMIN = LOCAL_ADMINISTRATOR
REGULATOR, CARRIER = OrganisationKind.regulator, OrganisationKind.carrier
ORGANISATIONS = [
    Organisation("ops", "peakguard operations", OrganisationKind.system),
    Organisation("spb", "国家邮政局", REGULATOR, RegulatorLevel.national),
    Organisation("sc", "四川省邮政管理局", REGULATOR, RegulatorLevel.provincial, "510000"),
    Organisation("sc-cd", "成都市邮政管理局", REGULATOR, RegulatorLevel.city, "510100"),
    Organisation("sc-my", "绵阳市邮政管理局", REGULATOR, RegulatorLevel.city, "510700"),
    Organisation("zto", "中通快递", CARRIER, carrier="ZTO"),
    Organisation("sf", "顺丰速运", CARRIER, carrier="SF"),
]
USERS = {
    "admin.ops": ("ops", "administrator"),
    "handler.spb": ("spb", "complaint_handler"),
    "handler.sc": ("sc", "complaint_handler"),
    "handler.cd": ("sc-cd", "complaint_handler"),
    "handler.cd2": ("sc-cd", "complaint_handler"),
    "handler.my": ("sc-my", "complaint_handler"),
    "analyst.cd": ("sc-cd", "analyst"),
    "director.spb": ("spb", "director"),
    "service.zto": ("zto", "carrier_complaint_handler"),
    "service.sf": ("sf", "carrier_complaint_handler"),
    "planner.zto": ("zto", "network_planner"),
}
"""username → (organisation, role)."""

NOT_FORWARDED = {"received", "admissibility", "registered"}
"""An appeal's states before the administration forwards it to the carrier."""
PERSON = {"name": "张三丰", "phone": "13812345678", "address": "四川省成都市武侯区科华北路1号"}
"""The complainant: none of it may show anywhere but the personal-data route."""


@dataclass
class Desk:
    """The API over one database, and a signed-in session of each user."""

    client: TestClient
    store: Store
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)

    def send(self, user: str, method: str, path: str, **options: Any) -> Response:
        """One request as ``user``'s session (with its CSRF token); no cookie is kept."""
        cookie, csrf = self.sessions[user]
        headers = {"Cookie": f"{SESSION_COOKIE}={cookie}", CSRF_HEADER: csrf}
        headers |= options.pop("headers", {})
        self.client.cookies.clear()
        return self.client.request(method, path, headers=headers, **options)

    def open(self, user: str, **changes: Any) -> dict[str, Any]:
        """A new case recorded by ``user`` (an appeal in Chengdu about ZTO unless changed)."""
        answer = self.send(user, "POST", "/cases", json=case_body(**changes))
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def step(self, user: str, case: dict[str, Any], action: str, **fields: Any) -> dict[str, Any]:
        """``action`` on ``case`` by ``user`` at the version it holds; the case after it."""
        body = {"action": action, "expected_version": case["version"], **fields}
        answer = self.send(user, "POST", f"/cases/{case['reference']}/steps", json=body)
        assert answer.status_code == 200, (action, answer.text)
        return dict(answer.json())


def case_body(**changes: Any) -> dict[str, Any]:
    """A Chengdu user's appeal about a ZTO parcel late five days (Wed 2026-09-30, the eve of
    National Day)."""
    body: dict[str, Any] = {
        "kind": "appeal",
        "carrier": "ZTO",
        "region": "510104",
        "channel": "phone_12305",
        "category": "delay",
        "summary": "快件超过承诺时限五天未送达，快递公司七日未答复",
        "received_at": "2026-09-30T10:00:00+08:00",
        "waybill": "ZT7700001234",
        "complainant": PERSON,
        "dispute_on": "2026-09-20",
    }
    body.update(changes)
    return body


def _database(kind: str, home: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """As tests/conftest.py's ``database_url``, for a whole module."""
    if kind == "sqlite":
        yield f"sqlite:///{home / 'peakguard.db'}"
        return
    server = str(request.getfixturevalue("postgres_server_url"))
    server = server.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def desk_on(engine: str, request: pytest.FixtureRequest, home: Path) -> Iterator[Desk]:
    """The offices, carriers and users above on a fresh database of ``engine``, each user
    signed in (argon2 at its lowest cost: this is about who may do what, not passwords)."""
    databases = _database(engine, home, request)
    settings = Settings(database_url=next(databases), home=home, language="en")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        store = open_store(settings)
        for organisation in ORGANISATIONS:
            accounts.create_organisation(store, ADMIN, organisation)
        app = create_app(settings, store)
        app.state.run_sweeps = False  # the tests sweep when they mean to
        with TestClient(app) as client:
            made = Desk(client, store)
            policy = SecurityPolicy.of(settings)
            for username, (organisation, role) in USERS.items():
                _, password = accounts.create_user(
                    store, ADMIN, username=username, organisation=organisation, roles=[role]
                )
                session = login(store, username, password, policy=policy)
                made.sessions[username] = (session.cookie, session.csrf)
            yield made
        store.engine.dispose()
    next(databases, None)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def desk(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desk]:
    """desk: the module's docstring's offices, carriers and users, on each engine."""
    with desk_on(request.param, request, tmp_path_factory.mktemp(f"cases-{request.param}")) as made:
        yield made


def personal_leaks(response: Response) -> list[str]:
    """The complainant's data found in ``response`` (its body and its headers)."""
    text = response.text + " ".join(response.headers.values())
    return [value for value in PERSON.values() if value in text]


def clocks(case: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {clock["rule_key"]: clock for clock in case["clocks"]}


def allowed(case: dict[str, Any]) -> list[str]:
    return [move["action"] for move in case["allowed"]]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- a whole appeal ------------------------------------------------------------------------------


def test_an_appeal_walks_every_step_to_closed_by_the_side_whose_step_it_is(desk: Desk) -> None:
    """Chengdu's desk records, reviews, admits and forwards an appeal to ZTO; ZTO replies;
    the desk verifies and mediates; ZTO answers the opinion; the desk answers the user, finds
    the appeal valid (delay), calls back and closes. Each answer offers its reader only the
    steps of its own side, and the history names who took each step."""
    case = desk.open("handler.cd")
    assert case["state"] == "received" and case["version"] >= 1
    assert allowed(case) == ["review", "withdraw"]
    walk = [
        ("handler.cd", "review", {}, "admissibility"),
        ("handler.cd", "admit", {}, "registered"),
        ("handler.cd", "forward", {"carrier_organisation": "zto"}, "forwarded"),
        ("service.zto", "carrier_reply", {"answer": "已联系收件人，今日补发"}, "carrier_replied"),
        ("handler.cd", "verify", {}, "verification"),
        ("handler.cd", "mediate", {"note": "建议企业赔偿运费"}, "mediation"),
        ("service.zto", "mediation_reply", {"answer": "同意赔偿运费"}, "verification"),
        ("handler.cd", "answer", {"answer": "经核实，企业已补发并赔偿运费"}, "answered"),
        (
            "handler.cd",
            "record_finding",
            {"finding_valid": True, "finding_category": "delay"},
            "finding",
        ),
        ("handler.cd", "call_back", {"call_back": "用户表示满意"}, "called_back"),
        ("handler.cd", "close", {}, "closed"),
    ]
    for user, action, fields, state in walk:
        before = case["version"]
        case = desk.step(user, case, action, **fields)
        assert case["state"] == state, action
        assert case["version"] > before, action
        for reader, side in (("handler.cd", "regulator"), ("service.zto", "carrier")):
            seen = desk.send(reader, "GET", f"/cases/{case['reference']}")
            if reader == "service.zto" and state in NOT_FORWARDED:
                assert seen.status_code == 404, (action, seen.text)
                continue
            assert seen.status_code == 200, (action, seen.text)
            assert {move["side"] for move in seen.json()["allowed"]} <= {side}, (action, reader)
    assert allowed(case) == []
    assert case["finding_valid"] is True and case["finding_category"] == "delay"
    assert case["carrier_organisation"] == "zto"
    assert case["closed_at"] is not None and case["retention_until"] is not None
    history = [(step["action"], step["to_state"], step["organisation"]) for step in case["steps"]]
    assert history[0] == ("open", "received", "sc-cd")
    assert history[1:] == [
        (action, state, "zto" if user == "service.zto" else "sc-cd")
        for user, action, _fields, state in walk
    ]
    running = [clock["rule_key"] for clock in case["clocks"] if clock["outcome"] == "running"]
    assert running == []


def test_the_clocks_are_served_with_their_rule_basis_and_national_day_deadline(
    desk: Desk,
) -> None:
    """Received Wed 2026-09-30 10:00: registration within 2 working days skips the National
    Day holiday (Oct 1–7) and ends with Fri Oct 9, so it is due 2026-10-10 00:00 China time
    (16:00 UTC the day before); the answer to the user, 30 calendar days, ends with Fri Oct 30.
    Each clock shows its basis, its source and, in the reader's language, its convention."""
    case = desk.open("handler.cd")
    register, answer = clocks(case)["appeal.register"], clocks(case)["appeal.answer_user"]
    assert moment(register["due_at"]) == datetime(2026, 10, 9, 16, tzinfo=UTC)
    assert (register["limit"], register["basis"]) == (2, "working_days")
    assert moment(answer["due_at"]) == datetime(2026, 10, 30, 16, tzinfo=UTC)
    assert (answer["limit"], answer["basis"]) == (30, "calendar_days")
    assert moment(register["started_at"]) == datetime(2026, 9, 30, 2, tzinfo=UTC)
    assert all(clock["source"] and clock["convention"] for clock in case["clocks"])
    now = datetime.now(UTC)
    assert register["overdue"] is (
        register["outcome"] == "running" and now >= moment(register["due_at"])
    )
    chinese = desk.send("handler.cd", "GET", f"/cases/{case['reference']}", params={"lang": "zh"})
    english = desk.send("handler.cd", "GET", f"/cases/{case['reference']}", params={"lang": "en"})
    assert chinese.status_code == english.status_code == 200
    zh = clocks(chinese.json())["appeal.register"]["convention"]
    en = clocks(english.json())["appeal.register"]["convention"]
    rule = clock_rules()["appeal.register"]
    assert en.startswith("2 working days") and en == render(describe(rule), "en")
    assert zh == render(describe(rule), "zh_CN")
    case = desk.step("handler.cd", case, "review")
    case = desk.step("handler.cd", case, "admit")
    stopped = clocks(case)["appeal.register"]
    met = moment(stopped["stopped_at"]) <= moment(stopped["due_at"])
    assert stopped["outcome"] == ("met" if met else "breached")


# -- refusals -------------------------------------------------------------------------------------


def test_an_illegal_step_is_a_conflict_listing_the_allowed_actions(desk: Desk) -> None:
    """Closing an appeal just received is refused with 409 naming the two steps a received
    appeal can take (review, withdraw); nothing changes."""
    case = desk.open("handler.cd")
    path = f"/cases/{case['reference']}/steps"
    refused = desk.send(
        "handler.cd", "POST", path, json={"action": "close", "expected_version": case["version"]}
    )
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "illegal_transition"
    assert sorted(error["allowed"]) == ["review", "withdraw"]
    assert "review" in error["message"].lower() or "check admissibility" in error["message"]
    after = desk.send("handler.cd", "GET", f"/cases/{case['reference']}").json()
    assert (after["state"], after["version"]) == ("received", case["version"])
    assert [step["action"] for step in after["steps"]] == ["open"]


def test_the_second_of_two_handlers_on_one_version_gets_a_conflict(desk: Desk) -> None:
    """Two handlers of Chengdu's desk read the same version: the first's review goes through,
    the second's withdrawal is refused with 409 and the case holds the first's change only."""
    case = desk.open("handler.cd")
    reference = case["reference"]
    first = desk.send("handler.cd", "GET", f"/cases/{reference}")
    second = desk.send("handler.cd2", "GET", f"/cases/{reference}")
    assert first.headers["etag"] == second.headers["etag"] == f'"{case["version"]}"'
    path = f"/cases/{reference}/steps"
    won = desk.send(
        "handler.cd",
        "POST",
        path,
        json={"action": "review"},
        headers={"If-Match": first.headers["etag"]},
    )
    assert won.status_code == 200, won.text
    lost = desk.send(
        "handler.cd2",
        "POST",
        path,
        json={"action": "withdraw", "note": "用户撤回", "expected_version": case["version"]},
    )
    assert lost.status_code == 409, lost.text
    assert lost.json()["error"]["code"] == "stale_record"
    held = desk.send("handler.cd", "GET", f"/cases/{reference}").json()
    assert held["state"] == "admissibility"
    assert [step["action"] for step in held["steps"]] == ["open", "review"]
    assert held["version"] == won.json()["version"]
    assert held["answer"] is None


def test_a_step_without_a_version_or_its_fields_is_refused_where_it_is_missing(desk: Desk) -> None:
    """No version (neither field nor If-Match): 422 at expected_version; a forward without the
    carrier organisation: 422 at carrier_organisation; neither changes the case."""
    case = desk.open("handler.cd")
    path = f"/cases/{case['reference']}/steps"
    unversioned = desk.send("handler.cd", "POST", path, json={"action": "review"})
    assert unversioned.status_code == 422
    assert unversioned.json()["error"]["problems"][0]["location"] == "expected_version"
    case = desk.step("handler.cd", case, "review")
    case = desk.step("handler.cd", case, "admit")
    bare = desk.send(
        "handler.cd", "POST", path, json={"action": "forward", "expected_version": case["version"]}
    )
    assert bare.status_code == 422, bare.text
    assert [p["location"] for p in bare.json()["error"]["problems"]] == ["carrier_organisation"]
    assert desk.send("handler.cd", "GET", f"/cases/{case['reference']}").json()["state"] == (
        "registered"
    )


def test_a_carrier_may_not_take_the_administrations_step(desk: Desk) -> None:
    """ZTO's complaint handler, who sees the appeal once forwarded to ZTO, may not verify it
    (the administration's step): 403, and the case stays where it was."""
    case = desk.open("handler.cd")
    for action, fields in [
        ("review", {}),
        ("admit", {}),
        ("forward", {"carrier_organisation": "zto"}),
    ]:
        case = desk.step("handler.cd", case, action, **fields)
    refused = desk.send(
        "service.zto",
        "POST",
        f"/cases/{case['reference']}/steps",
        json={"action": "verify", "expected_version": case["version"], "note": "x"},
    )
    assert refused.status_code == 403, refused.text
    assert desk.send("handler.cd", "GET", f"/cases/{case['reference']}").json()["state"] == (
        "forwarded"
    )


# -- personal data ------------------------------------------------------------------------------


def test_the_complainant_is_masked_in_every_answer_but_the_personal_route(desk: Desk) -> None:
    """Opening, reading, listing and stepping answer the complainant masked (张**, 138****5678),
    to the handler too; /personal answers them in clear to the handler and records exactly one
    audit entry, itself free of the data; a reader without case.personal_read gets 403."""
    answer = desk.send("handler.cd", "POST", "/cases", json=case_body())
    assert answer.status_code == 201
    assert answer.headers["location"] == f"/cases/{answer.json()['reference']}"
    case = answer.json()
    reference = case["reference"]
    masked = case["complainant"]
    assert masked["in_clear"] is False
    assert masked["name"].startswith("张") and "*" in masked["name"]
    assert masked["phone"].startswith("138") and masked["phone"].endswith("5678")
    responses = [
        answer,
        desk.send("handler.cd", "GET", f"/cases/{reference}"),
        desk.send("handler.cd", "GET", "/cases", params={"q": reference}),
        desk.send("analyst.cd", "GET", f"/cases/{reference}"),
        desk.send(
            "handler.cd",
            "POST",
            f"/cases/{reference}/steps",
            json={"action": "review", "expected_version": case["version"]},
        ),
    ]
    for response in responses:
        assert response.status_code in (200, 201), response.text
        assert personal_leaks(response) == [], response.request.url
    assert reference in {item["reference"] for item in responses[2].json()["items"]}
    audited = _reads(desk, reference)
    for user in ("analyst.cd", "planner.zto", "director.spb"):
        refused = desk.send(user, "GET", f"/cases/{reference}/personal")
        assert refused.status_code == 403, (user, refused.text)
        assert "case.personal_read" in refused.json()["error"]["message"]
    assert _reads(desk, reference) == audited
    clear = desk.send("handler.cd", "GET", f"/cases/{reference}/personal")
    assert clear.status_code == 200, clear.text
    assert clear.json()["complainant"] == {**PERSON, "in_clear": True}
    entries = _reads(desk, reference)
    assert len(entries) == len(audited) + 1
    assert entries[0].actor == "handler.cd@sc-cd" and entries[0].organisation == "sc-cd"
    assert not any(value in str(entries[0].detail) for value in PERSON.values())


def _reads(desk: Desk, reference: str) -> list[Any]:
    """The audit trail's unmasked reads of ``reference``, newest first."""
    _total, entries = audit_entries(desk.store, ADMIN, record_id=reference, limit=100, offset=0)
    return [entry for entry in entries if entry.action == "case.personal_read"]


def test_the_other_desk_may_not_unmask_a_case_it_cannot_see(desk: Desk) -> None:
    """Mianyang's complaint handler holds case.personal_read, but a Chengdu case is beyond its
    territory: 404, as a case that does not exist, and nothing is audited."""
    case = desk.open("handler.cd")
    hidden = desk.send("handler.my", "GET", f"/cases/{case['reference']}/personal")
    absent = desk.send("handler.my", "GET", "/cases/A-0000-000000/personal")
    assert hidden.status_code == absent.status_code == 404
    assert _reads(desk, case["reference"]) == []


# -- the calendar and the sweep ----------------------------------------------------------------

NOTICE_2027 = """\
year = 2027
source = "国办发明电〔2026〕测试号"
rest_days = ["2027-01-01", { from = "2027-02-06", to = "2027-02-12" }]
working_days = ["2027-02-20"]
"""


def test_an_administrator_loads_a_years_notice_as_toml_or_json(desk: Desk) -> None:
    """A 2027 notice sent as TOML text is a year every reader then lists with its source; the
    same notice as JSON naming a Monday as a make-up working day is refused at that entry and
    changes nothing; a complaint handler may not load a notice (403)."""
    sent = desk.send(
        "admin.ops",
        "POST",
        "/calendar/notices",
        content=NOTICE_2027.encode(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["year"] == 2027 and sent.json()["source"] == "国办发明电〔2026〕测试号"
    years = desk.send("analyst.cd", "GET", "/calendar/years").json()
    sources = {item["year"]: item["source"] for item in years}
    assert sources[2027] == "国办发明电〔2026〕测试号" and "chinesecalendar" in sources[2026]
    wrong = {
        "year": 2027,
        "source": "另一份",
        "rest_days": ["2027-01-01", {"from": "2027-02-06", "to": "2027-02-12"}],
        "working_days": ["2027-02-22"],
    }
    refused = desk.send("admin.ops", "POST", "/calendar/notices", json=wrong)
    assert refused.status_code == 422, refused.text
    located = [problem["location"] for problem in refused.json()["error"]["problems"]]
    assert located == ["body: working_days[0]"]
    again = desk.send("analyst.cd", "GET", "/calendar/years").json()
    assert {item["year"]: item["source"] for item in again}[2027] == "国办发明电〔2026〕测试号"
    handler = desk.send("handler.cd", "POST", "/calendar/notices", json=wrong)
    assert handler.status_code == 403


def test_the_sweep_is_the_operators_to_trigger(desk: Desk) -> None:
    """An administrator's sweep runs and examines clocks; run again at once it records no new
    breach; a complaint handler may not trigger it (403)."""
    desk.open("handler.cd")
    first = desk.send("admin.ops", "POST", "/cases/sweep")
    assert first.status_code == 200, first.text
    assert first.json()["ran"] is True and first.json()["examined"] >= 1
    second = desk.send("admin.ops", "POST", "/cases/sweep").json()
    assert second["breaches"] == 0
    assert desk.send("handler.cd", "POST", "/cases/sweep").status_code == 403


# -- files: imports, evidence -------------------------------------------------------------------

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cases-12305.csv"
TINY_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(40))
"""A file that starts as a PNG does (evidence is judged by its first bytes)."""


def test_an_import_opens_the_files_cases_once(desk: Desk) -> None:
    """The example 12305 export imported over the API opens one case per row, each then
    readable; the same file again opens none and counts every row as already kept."""
    with EXAMPLE.open(encoding="utf-8", newline="") as lines:
        numbers = [row["申诉编号"] for row in csv.DictReader(lines)]
    content = EXAMPLE.read_bytes()
    first = desk.send(
        "handler.cd",
        "POST",
        "/cases/imports",
        files={"file": (EXAMPLE.name, content, "text/csv")},
    )
    assert first.status_code == 200, first.text
    assert first.json()["created"] == len(numbers) == 5
    assert first.json()["skipped_existing"] == 0
    for reference in first.json()["references"]:
        assert desk.send("handler.cd", "GET", f"/cases/{reference}").status_code == 200
    again = desk.send(
        "handler.cd",
        "POST",
        "/cases/imports",
        content=content,
        params={"file_name": EXAMPLE.name},
        headers={"content-type": "text/csv"},
    )
    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["skipped_existing"]) == (0, len(numbers))
    assert again.json()["references"] == []


def test_evidence_comes_back_byte_for_byte_and_text_is_refused(desk: Desk) -> None:
    """An uploaded PNG is read back with the same bytes, its SHA-256, its type and an
    attachment name; a text file is refused at ``file`` and nothing is kept."""
    case = desk.open("handler.cd")
    path = f"/cases/{case['reference']}/evidence"
    kept = desk.send(
        "handler.cd", "POST", path, files={"file": ("破损照片.png", TINY_PNG, "image/png")}
    )
    assert kept.status_code == 201, kept.text
    digest = hashlib.sha256(TINY_PNG).hexdigest()
    assert kept.json()["sha256"] == digest and kept.json()["size"] == len(TINY_PNG)
    read = desk.send("handler.cd", "GET", f"{path}/{digest}")
    assert read.status_code == 200, read.text
    assert read.content == TINY_PNG
    assert read.headers["content-type"] == "image/png"
    assert read.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in read.headers["content-disposition"]
    refused = desk.send(
        "handler.cd", "POST", path, files={"file": ("note.png", b"just some text", "image/png")}
    )
    assert refused.status_code == 422, refused.text
    assert [p["location"] for p in refused.json()["error"]["problems"]] == ["file"]
    shown = desk.send("handler.cd", "GET", f"/cases/{case['reference']}").json()
    assert [item["sha256"] for item in shown["evidence"]] == [digest]
    assert desk.send("analyst.cd", "GET", f"{path}/{digest}").status_code == 403


def test_reminders_are_read_by_their_organisation_not_taken_for_a_reference(desk: Desk) -> None:
    """``/cases/reminders`` lists the caller's reminders (not a case named "reminders"); an
    acknowledgement of a reminder no one has is 404."""
    listed = desk.send("handler.cd", "GET", "/cases/reminders")
    assert listed.status_code == 200, listed.text
    assert isinstance(listed.json(), list)
    missing = desk.send("handler.cd", "POST", "/cases/reminders/999999999/acknowledge")
    assert missing.status_code == 404


def test_the_appeals_bulletin_needs_a_month_and_stored_parcels(desk: Desk) -> None:
    """``GET /bulletins/appeals`` refuses a month that is none (422 at ``month``) and, with no
    scan events stored to divide by, says so at ``lake`` rather than failing."""
    bad = desk.send("analyst.cd", "GET", "/bulletins/appeals", params={"month": "2026-13"})
    assert bad.status_code == 422, bad.text
    assert [p["location"] for p in bad.json()["error"]["problems"]] == ["month"]
    empty = desk.send("analyst.cd", "GET", "/bulletins/appeals", params={"month": "2026-10"})
    assert empty.status_code == 422, empty.text
    assert [p["location"] for p in empty.json()["error"]["problems"]] == ["lake"]
