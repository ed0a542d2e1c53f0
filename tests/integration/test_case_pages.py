"""The case pages through the real login form: a city desk records an appeal (each mistake beside
its field), walks it to closed with the carrier's reply taken by the carrier's own user; the list
holds only the cases within each reader's reach and exports exactly the rows shown; the
complainant is never in a page in clear but after an allowed reader's reveal; a stale form is a
conflict that changes nothing; the landing board counts what the list shows.

One world for the module, on SQLite (the pages only call the application layer, whose engines
are tested in test_case_workflow.py); every test opens cases of its own.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from openpyxl import load_workbook

from peakguard.app import accounts
from peakguard.app.case_drafts import CaseDraft, CaseQuery, StepInput
from peakguard.app.cases import get_case, list_cases, open_case, take_step
from peakguard.cases.model import CaseKind, Category, Complainant, Intake
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import Organisation, OrganisationKind, RegulatorLevel
from peakguard.store.database import transaction
from tests.integration.test_authentication import Site, make_site

NAME, PHONE, ADDRESS = "欧阳娜娜", "13912345678", "四川省成都市武侯区科华北路65号"
"""The complainant of every case here: none of it may show in clear but after a reveal."""
PERSON = Complainant(NAME, PHONE, ADDRESS)
USERS = (
    # username, organisation, role
    ("cd.desk", "sc-cd", "complaint_handler"),
    ("my.desk", "sc-my", "complaint_handler"),
    ("zto.service", "zto", "carrier_complaint_handler"),
    ("sf.service", "sf", "carrier_complaint_handler"),
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """world: Chengdu's and Mianyang's complaint desks, ZTO's and SF's service centres, the
    Chengdu analyst (reads cases, may not reveal) and an administrator, on SQLite."""
    home = tmp_path_factory.mktemp("case-pages")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for site in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            for organisation in (
                Organisation(
                    "sc-my", "绵阳市邮政管理局", OrganisationKind.regulator,
                    level=RegulatorLevel.city, region="510700",
                ),
                Organisation("sf", "顺丰速运", OrganisationKind.carrier, carrier="SF"),
            ):  # fmt: skip
                accounts.create_organisation(site.store, ADMIN, organisation)
            for username, code, role in USERS:
                site.passwords[username] = f"Pw-{len(username)}-q7Rm2xLw9Zt4"
                accounts.create_user(
                    site.store, ADMIN, username=username, organisation=code,
                    roles=[role], display_name=username, password=site.passwords[username],
                )  # fmt: skip
            yield site


# -- helpers ---------------------------------------------------------------------------------


def log_in(site: Site, username: str) -> None:
    site.client.cookies.clear()
    answer = site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username]},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="{name}-error"[^>]*>([^<]*)</p>', html)
    return unescape(found.group(1)) if found else ""


def step_form(html: str, action: str) -> str:
    found = re.search(rf'<form[^>]*data-step="{action}"[^>]*>(.*?)</form>', html, re.S)
    assert found, f"no form for the step {action}"
    return found.group(1)


def offered_steps(html: str) -> list[str]:
    return re.findall(r'data-step="([a-z_]+)"', html)


def state_of(html: str) -> str:
    found = re.search(r'data-testid="case-state" data-state="([a-z_]+)"', html)
    assert found
    return found.group(1)


def take(site: Site, reference: str, action: str, **fields: str) -> tuple[int, str]:
    """Open the case page, fill the step's form as a user would, send it; the answer's status
    and the page it leads to."""
    page = site.client.get(f"/app/cases/{reference}")
    assert page.status_code == 200, page.text
    form = step_form(page.text, action)
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version
    data = {"csrf_token": csrf_of(page.text), "action": action, "version": version.group(1)}
    answer = site.client.post(
        f"/app/cases/{reference}/steps", data={**data, **fields}, follow_redirects=False
    )
    if answer.status_code == 303:
        landed = site.client.get(answer.headers["location"])
        return 303, landed.text
    return answer.status_code, answer.text


def table_rows(html: str, key: str) -> list[list[str]]:
    """The table ``key`` of a page as its cells' texts, headings first."""
    block = re.search(
        rf'<section class="table-block" data-table="{key}">(.*?)</section>', html, re.S
    )
    assert block, f"no table {key}"
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", block.group(1), re.S)
    ]


def clock_rows(html: str) -> dict[str, dict[str, str]]:
    """A case page's clocks by their rule key, each cell under its heading."""
    headings, *rows = table_rows(html, "clocks")
    return {
        re.search(r"\(([a-z_.]+)\)$", row[0]).group(1): dict(zip(headings, row, strict=True))  # type: ignore[union-attr]
        for row in rows
    }


def exported_csv(site: Site, path: str, key: str) -> list[list[str]]:
    separator = "&" if "?" in path else "?"
    answer = site.client.get(f"{path}{separator}export=csv&table={key}")
    assert answer.status_code == 200, answer.text
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def shown(cell: str) -> str:
    """A cell as the page shows it, read as the CSV writes it."""
    return "" if cell == "—" else cell


def appeal(region: str = "510107", carrier: str = "ZTO", **changes: object) -> CaseDraft:
    """An appeal received an hour ago about a late parcel."""
    values: dict[str, object] = {
        "kind": CaseKind.appeal,
        "carrier": carrier,
        "region": region,
        "channel": Intake.phone_12305,
        "category": Category.delay,
        "summary": "快件超时未送达，企业七日未答复",
        "received_at": datetime.now(UTC) - timedelta(hours=1),
        "complainant": PERSON,
    }
    return CaseDraft(**(values | changes))  # type: ignore[arg-type]


def references_listed(site: Site, query: str = "") -> list[str]:
    """Every reference the list shows, page after page."""
    found: list[str] = []
    for number in range(1, 100):
        page = site.client.get(f"/app/cases?page={number}{query}")
        assert page.status_code == 200, page.text
        rows = table_rows(page.text, "cases")[1:] if 'data-table="cases"' in page.text else []
        if not rows:
            break
        found += [row[0] for row in rows]
        if 'rel="next"' not in page.text:
            break
    return found


# -- recording and walking an appeal ---------------------------------------------------------


GOOD_APPEAL = {
    "kind": "appeal",
    "carrier": "ZTO",
    "region": "510107",
    "channel": "phone_12305",
    "category": "delay",
    "summary": "快件 ZT7700001234 超时五天未送达，企业七日未答复",
    "received_at": "",
    "waybill": "ZT7700001234",
    "complainant_name": NAME,
    "complainant_phone": PHONE,
    "complainant_address": ADDRESS,
    "dispute_on": "",
}


def test_a_mistaken_appeal_is_shown_beside_its_fields_and_nothing_is_recorded(
    world: Site,
) -> None:
    """A region that is no GB/T 2260 code, an empty summary, a phone of letters and a moment
    that is no moment: each refused beside its own field, the rest kept, nothing stored."""
    log_in(world, "cd.desk")
    form = world.client.get("/app/cases/new")
    assert form.status_code == 200
    before = list_cases(world.store, CaseQuery(limit=1), actor=ADMIN).total
    bad = GOOD_APPEAL | {
        "region": "999999",
        "summary": "  ",
        "complainant_phone": "call me",
        "received_at": "yesterday",
        "csrf_token": csrf_of(form.text),
    }
    answer = world.client.post("/app/cases/new", data=bad, follow_redirects=False)
    assert answer.status_code == 422, answer.text
    for name in ("region", "summary", "complainant_phone", "received_at"):
        assert field_error(answer.text, name), name
    assert not field_error(answer.text, "carrier") and not field_error(answer.text, "waybill")
    assert 'value="ZT7700001234"' in answer.text  # the form is kept
    assert list_cases(world.store, CaseQuery(limit=1), actor=ADMIN).total == before


def test_a_desk_walks_an_appeal_from_its_form_to_closed(world: Site) -> None:
    """The issue's appeal path, each step through its form: received → admissibility →
    registered → forwarded (to ZTO) → carrier replied (by ZTO's service centre) → answered →
    finding (valid: delay) → called back → closed; a step missing what it needs is refused
    beside that field; the history lists every step, the register clock met."""
    log_in(world, "cd.desk")
    form = world.client.get("/app/cases/new?kind=appeal")
    data = GOOD_APPEAL | {
        "received_at": datetime.now(CHINA_STANDARD_TIME).strftime("%Y-%m-%dT%H:%M"),
        "csrf_token": csrf_of(form.text),
    }
    answer = world.client.post("/app/cases/new", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    path = answer.headers["location"]
    reference = path.rsplit("/", 1)[1]
    assert reference.startswith("SS")
    page = world.client.get(path).text
    assert state_of(page) == "received"
    assert set(offered_steps(page)) == {"review", "withdraw"}
    clocks = clock_rows(page)
    assert set(clocks) == {"appeal.register", "appeal.answer_user"}
    register = clocks["appeal.register"]
    assert register["Clock"] == "Register the appeal (appeal.register)"
    assert register["Limit and basis"] == "2 working days"
    assert register["Source"] == "邮政业用户申诉处理办法"
    assert "working days on China's calendar" in register["How it is counted"]

    assert take(world, reference, "review")[0] == 303
    assert take(world, reference, "admit")[0] == 303
    status, page = take(world, reference, "forward", carrier_organisation="sf")
    assert status == 422 and field_error(page, "forward-carrier_organisation")
    assert 'value="sf"' in step_form(page, "forward")  # what was typed is kept
    status, page = take(world, reference, "forward", carrier_organisation="zto")
    assert status == 303 and state_of(page) == "forwarded"
    assert "carrier_reply" not in offered_steps(page)  # the carrier's step, not the desk's

    log_in(world, "zto.service")
    assert reference in references_listed(world)
    status, page = take(world, reference, "carrier_reply", answer="")
    assert status == 422 and field_error(page, "carrier_reply-answer")
    status, page = take(world, reference, "carrier_reply", answer="已联系收件人并补发")
    assert status == 303 and state_of(page) == "carrier_replied"
    assert offered_steps(page) == []  # the administration's turn

    log_in(world, "cd.desk")
    walk = [
        ("answer", {"answer": "经核实，企业已补发并赔偿"}, "answered"),
        ("record_finding", {"finding": "valid", "finding_category": "delay"}, "finding"),
        ("call_back", {"call_back": "用户表示满意"}, "called_back"),
        ("close", {}, "closed"),
    ]
    for action, fields, state in walk:
        status, page = take(world, reference, action, **fields)
        assert (status, state_of(page)) == (303, state), page
    history = [row[1] for row in table_rows(page, "history")[1:]]
    assert history == [
        "opened", "check admissibility", "admit and register", "forward to the carrier",
        "reply (carrier)", "answer", "record the finding", "call back", "close",
    ]  # fmt: skip
    outcomes = {key: clock["Outcome"] for key, clock in clock_rows(page).items()}
    assert outcomes["appeal.register"] == outcomes["appeal.carrier_reply"] == "met"
    assert offered_steps(page) == []
    view = get_case(world.store, reference, actor=ADMIN)
    assert (view.finding_valid, view.finding_category) == (True, "delay")


def test_a_service_centre_records_a_complaint_and_answers_it(world: Site) -> None:
    """ZTO's service centre records a complaint made to it (its own brand the only carrier
    offered, the complainant's phone left out as a letter allows), accepts and answers it,
    and closes it: the 7-day answer clock of 快递暂行条例 art. 28 met."""
    log_in(world, "zto.service")
    form = world.client.get("/app/cases/new")
    assert re.findall(r'<select id="carrier" name="carrier">(.*?)</select>', form.text, re.S) == [
        '<option value="ZTO" selected>ZTO Express</option>'
    ]
    data = GOOD_APPEAL | {
        "kind": "complaint",
        "channel": "carrier_hotline",
        "received_at": datetime.now(CHINA_STANDARD_TIME).strftime("%Y-%m-%dT%H:%M"),
        "complainant_phone": "",
        "csrf_token": csrf_of(form.text),
    }
    answer = world.client.post("/app/cases/new", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    reference = answer.headers["location"].rsplit("/", 1)[1]
    assert reference.startswith("TS")
    page = world.client.get(answer.headers["location"]).text
    clock = clock_rows(page)["complaint.answer"]
    assert (clock["Limit and basis"], clock["Source"]) == (
        "7 calendar days",
        "快递暂行条例 第二十八条",
    )
    assert take(world, reference, "accept")[0] == 303
    status, page = take(world, reference, "answer", answer="已联系派送员，今日送达")
    assert (status, state_of(page)) == (303, "answered")
    status, page = take(world, reference, "close")
    assert (status, state_of(page)) == (303, "closed")
    assert clock_rows(page)["complaint.answer"]["Outcome"] == "met"


# -- reach, exports, personal data -----------------------------------------------------------


def forwarded(site: Site, draft: CaseDraft, to: str | None) -> str:
    """An appeal recorded by the administrator and, with ``to``, forwarded to that carrier
    organisation; its reference."""
    view = open_case(site.store, draft, actor=ADMIN)
    if to is not None:
        for action, given in (
            ("review", StepInput()),
            ("admit", StepInput()),
            ("forward", StepInput(carrier_organisation=to)),
        ):
            view = take_step(
                site.store, view.reference, action, expected_version=view.version,
                given=given, actor=ADMIN,
            )  # fmt: skip
    return view.reference


def in_reach(username: str, kind: str, region: str, carrier: str, forwarded_to: str | None) -> bool:
    """The issue's rule, by hand: a city desk sees its city's cases; a carrier its own brand's
    complaints and the appeals forwarded to it."""
    if username == "cd.desk":
        return region.startswith("5101")
    if username == "my.desk":
        return region.startswith("5107")
    brand = {"zto.service": "ZTO", "sf.service": "SF"}[username]
    return carrier == brand and (kind == "complaint" or forwarded_to is not None)


def test_each_reader_lists_only_the_cases_within_its_reach(world: Site) -> None:
    """Chengdu's and Mianyang's desks see their own city's cases, ZTO's and SF's service
    centres their complaints and the appeals forwarded to them — in the list and on a case's
    own address (another's case is "not found")."""
    seeded = [
        forwarded(world, appeal("510104", "ZTO"), None),
        forwarded(world, appeal("510107", "SF"), "sf"),
        forwarded(world, appeal("510703", "ZTO"), "zto"),
        open_case(
            world.store, appeal("510104", "ZTO", kind=CaseKind.complaint), actor=ADMIN
        ).reference,
        open_case(
            world.store, appeal("510704", "SF", kind=CaseKind.complaint), actor=ADMIN
        ).reference,
    ]
    everything = list_cases(world.store, CaseQuery(limit=10_000), actor=ADMIN).cases
    for username, _organisation, _role in USERS:
        log_in(world, username)
        expected = {
            case.reference
            for case in everything
            if in_reach(username, case.kind, case.region, case.carrier, case.carrier_organisation)
        }
        listed = references_listed(world)
        assert len(listed) == len(set(listed)), username
        assert set(listed) == expected, username
        for reference in seeded:
            page = world.client.get(f"/app/cases/{reference}")
            assert page.status_code == (200 if reference in expected else 404), (
                username,
                reference,
            )


def test_the_exports_hold_the_rows_shown_and_overdue_rows_come_first(world: Site) -> None:
    """An appeal received Monday 2026-11-02 17:00 had to be registered within 2 working days:
    by the end of Wednesday 11-04 (due 11-05 00:00). The list marks it overdue, shows the most
    urgent first, and its CSV and Excel files hold exactly the rows and cells on screen."""
    late = forwarded(world, appeal(received_at=datetime(2026, 11, 2, 9, tzinfo=UTC)), None)
    forwarded(world, appeal(), None)
    log_in(world, "cd.desk")
    page = world.client.get("/app/cases?kind=appeal&state=received")
    rows = table_rows(page.text, "cases")
    row = next(row for row in rows if row[0] == late)
    assert row[6:] == [
        "2026-11-02 17:00", "2026-11-05 00:00", "Register the appeal", "2 working days", "OVERDUE",
    ]  # fmt: skip
    marks = [row[-1] == "OVERDUE" for row in rows[1:]]
    assert marks == sorted(marks, reverse=True)  # every overdue case before any other
    assert re.search(
        rf'<tr class="marked" data-overdue="1"><td><a href="/app/cases/{late}"', page.text
    )

    path = "/app/cases?kind=appeal&state=received"
    on_screen = [[shown(cell) for cell in row] for row in rows]
    assert exported_csv(world, path, "cases") == on_screen
    workbook = world.client.get(f"{path}&export=xlsx&table=cases")
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    cells = [
        ["" if cell is None else str(cell) for cell in line]
        for line in sheet.iter_rows(values_only=True)
    ]
    assert cells == on_screen

    case_page = world.client.get(f"/app/cases/{late}").text
    assert exported_csv(world, f"/app/cases/{late}", "clocks") == [
        [shown(cell) for cell in row] for row in table_rows(case_page, "clocks")
    ]


def _audited_reads(site: Site, reference: str) -> list[str]:
    with transaction(site.store.sessions) as session:
        return list(
            session.scalars(
                sa.text(
                    "SELECT actor FROM audit_entries WHERE action = 'case.personal_read' "
                    "AND record_id = :reference ORDER BY sequence"
                ),
                {"reference": reference},
            )
        )


def _clear(text: str) -> bool:
    return NAME in text or PHONE in text or ADDRESS in text


def test_the_complainant_is_in_clear_only_after_an_allowed_readers_reveal(world: Site) -> None:
    """Nowhere — the list, a search, the case, its exports, the landing board — shows the
    complainant's name, phone or address; the analyst (no case.personal_read) is refused the
    reveal; Chengdu's desk and, once the appeal is forwarded to it, ZTO's service centre see
    them after pressing "show in clear", each read audited, and the next view is masked again."""
    reference = forwarded(world, appeal("510104", "ZTO"), "zto")
    pages = [
        "/app/cases", f"/app/cases?q={reference}", f"/app/cases/{reference}",
        "/app/cases?export=csv&table=cases", f"/app/cases/{reference}?export=csv&table=history",
    ]  # fmt: skip
    for username, board in (("cd.desk", "/app/command"), ("cd.analyst", "/app/command"),
                            ("zto.service", None)):  # fmt: skip
        log_in(world, username)
        for path in pages + ([board] if board else []):
            answer = world.client.get(path)
            assert answer.status_code == 200, (username, path)
            assert not _clear(answer.content.decode("utf-8-sig")), (username, path)
    assert "欧***" in world.client.get(f"/app/cases/{reference}").text  # masked, not missing

    log_in(world, "cd.analyst")
    page = world.client.get(f"/app/cases/{reference}").text
    assert 'data-testid="reveal"' not in page
    refused = world.client.post(
        f"/app/cases/{reference}/personal", data={"csrf_token": csrf_of(page)}
    )
    assert refused.status_code == 403 and not _clear(refused.text)
    assert _audited_reads(world, reference) == []

    for username, actor in (("cd.desk", "cd.desk@sc-cd"), ("zto.service", "zto.service@zto")):
        log_in(world, username)
        page = world.client.get(f"/app/cases/{reference}").text
        assert 'data-testid="reveal"' in page
        revealed = world.client.post(
            f"/app/cases/{reference}/personal", data={"csrf_token": csrf_of(page)}
        )
        assert revealed.status_code == 200
        assert NAME in revealed.text and PHONE in revealed.text and ADDRESS in revealed.text
        assert "recorded in the audit trail" in revealed.text
        assert _audited_reads(world, reference)[-1] == actor
        assert not _clear(world.client.get(f"/app/cases/{reference}").text)
    assert len(_audited_reads(world, reference)) == 2

    log_in(world, "cd.desk")
    no_token = world.client.post(f"/app/cases/{reference}/personal", data={})
    assert no_token.status_code == 403 and not _clear(no_token.text)
    assert len(_audited_reads(world, reference)) == 2


# -- conflicts -------------------------------------------------------------------------------


def test_a_stale_form_says_someone_else_changed_the_case_and_changes_nothing(world: Site) -> None:
    """The desk reads the case at version 1; meanwhile the administrator checks its
    admissibility. The desk's "check admissibility" form (version 1) is refused as a conflict:
    the page shows the case as it now is, keeps the note typed, and the case keeps the one
    step. A step the case cannot take names those it can (from admissibility: admit, reject,
    withdraw)."""
    reference = forwarded(world, appeal(), None)
    log_in(world, "cd.desk")
    page = world.client.get(f"/app/cases/{reference}").text
    form = step_form(page, "review")
    assert 'name="version" value="1"' in form
    take_step(world.store, reference, "review", expected_version=1, actor=ADMIN)
    answer = world.client.post(
        f"/app/cases/{reference}/steps",
        data={
            "csrf_token": csrf_of(page),
            "action": "review",
            "version": "1",
            "note": "已电话核实身份",
        },
    )
    assert answer.status_code == 409
    assert "Someone else changed this case" in answer.text
    assert state_of(answer.text) == "admissibility"
    assert "已电话核实身份" in answer.text
    assert set(offered_steps(answer.text)) == {"admit", "reject", "withdraw"}
    view = get_case(world.store, reference, actor=ADMIN)
    assert (view.state, view.version, len(view.steps)) == ("admissibility", 2, 2)

    illegal = world.client.post(
        f"/app/cases/{reference}/steps",
        data={"csrf_token": csrf_of(page), "action": "close", "version": "2"},
    )
    assert illegal.status_code == 409
    message = re.search(r'data-testid="case-message">\s*<p>([^<]*)</p>', illegal.text)
    assert message
    for step in ("admit and register", "reject", "withdraw"):
        assert step in unescape(message.group(1))
    assert get_case(world.store, reference, actor=ADMIN).version == 2


# -- the landing boards ----------------------------------------------------------------------


def _card(html: str, key: str) -> int:
    found = re.search(
        rf'data-card="{key}"[^>]*>\s*<span class="card-label">[^<]*</span>\s*'
        r'<span class="card-value">([\d,]+)</span>',
        html,
    )
    assert found, key
    return int(found.group(1).replace(",", ""))


def test_the_command_centre_counts_what_the_list_then_shows(world: Site) -> None:
    """Chengdu's command centre counts its overdue cases, those due within 24 hours and its
    open cases by state, each linking to the list that shows exactly that many; ZTO's service
    centre (no network desk of its own) lands on its cases."""
    forwarded(world, appeal(received_at=datetime(2026, 11, 3, 9, tzinfo=UTC)), None)
    log_in(world, "cd.desk")
    board = world.client.get("/app/command").text
    overdue = references_listed(world, "&due=overdue")
    assert _card(board, "overdue") == len(overdue) >= 1
    assert _card(board, "soon") == len(references_listed(world, "&due=24h")) - len(overdue)
    assert _card(board, "open") == len(references_listed(world, "&state=open"))
    block = re.search(r'data-table="open_cases">(.*?)</section>', board, re.S)
    assert block
    counted = re.findall(
        r'<a href="/app/cases\?([^"]+)">[^<]*</a></td><td class="num">([\d,]+)</td>', block.group(1)
    )
    assert counted
    for query, cases in counted:
        assert int(cases) == len(references_listed(world, "&" + unescape(query))), query

    world.client.cookies.clear()
    landing = world.client.post(
        "/app/login",
        data={"username": "zto.service", "password": world.passwords["zto.service"]},
        follow_redirects=False,
    )
    assert landing.headers["location"] == "/app/cases"
    chinese = world.client.get("/app/cases?lang=zh_CN")
    assert chinese.status_code == 200 and 'lang="zh-CN"' in chinese.text
