"""Rectification orders over the pages, the API and the CLI, on SQLite (the engines are tested
in test_rectification.py): Chengdu's inspector issues an order on the spot through the form
(a missing rule shown beside its field), ZTO's security officer answers it with a photo, the
re-check fails and the penalty page refuses a fine outside the legal range; the list puts an
overdue order first and marks it; the API and the CLI issue, list, show and export alike."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from peakguard.app import accounts
from peakguard.app.rectification import OrderDraft, get_order, issue_order
from peakguard.cli import app as cli_app
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from tests.conftest import administrator_headers
from tests.integration.test_authentication import Site, make_site

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = {
    "carrier": "ZTO", "region": "510104", "place": "中通锦江营业部",
    "facts": "收寄未验视, 无验视标识", "requirement": "落实收寄验视制度", "deadline": "10d",
}  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The site's Chengdu office and ZTO, with Chengdu's inspector and ZTO's security officer."""
    home = tmp_path_factory.mktemp("orders")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            for username, organisation, role in (
                ("cd.inspector", "sc-cd", "inspector"),
                ("zto.security", "zto", "security_officer"),
            ):
                made.passwords[username] = f"Pw-{len(username)}-q7Rm2xLw9Zt4-orders"
                accounts.create_user(
                    made.store, ADMIN, username=username, organisation=organisation,
                    roles=[role], display_name=username, password=made.passwords[username],
                )  # fmt: skip
            yield made


def log_in(site: Site, username: str) -> str:
    """Log in; the CSRF token of the orders page."""
    site.client.cookies.clear()
    answer = site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username]},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', site.client.get("/app/orders").text)
    assert found
    return found.group(1)


def test_an_order_through_the_pages_to_a_penalty_refused_outside_its_range(site: Site) -> None:
    """The form without a rule: 422 beside it, nothing issued; with the rule: the order page
    shows its clock's rule, basis and source. ZTO's officer sees the report form (not the
    re-check), answers with a photo; a stale form is 409. The inspector's failed re-check opens
    the penalty case; 50,000 yuan is refused naming 100,000–500,000; 150,000 is proposed."""
    token = log_in(site, "cd.inspector")
    refused = site.client.post("/app/orders/new", data={**FORM, "csrf_token": token})
    assert refused.status_code == 422 and "cite at least one rule breached" in refused.text
    issued = site.client.post(
        "/app/orders/new",
        data={**FORM, "rules": "acceptance_inspection", "csrf_token": token},
        follow_redirects=False,
    )
    assert issued.status_code == 303, issued.text
    path = issued.headers["location"]
    page = site.client.get(path)
    assert 'data-state="issued"' in page.text
    assert "rectification.deadline" in page.text and "快递暂行条例 第三十一条" in page.text
    assert 'data-testid="form-respond"' not in page.text
    token = log_in(site, "zto.security")
    page = site.client.get(path)
    assert 'data-testid="form-respond"' in page.text and "form-recheck_pass" not in page.text
    answered = site.client.post(
        f"{path}/steps",
        data={"csrf_token": token, "version": "1", "step": "respond", "text": "已配置验视专员"},
        files={"files": ("photo.png", PNG, "image/png")},
        follow_redirects=False,
    )
    assert answered.status_code == 303, answered.text
    stale = site.client.post(
        f"{path}/steps",
        data={"csrf_token": token, "version": "1", "step": "respond", "text": "again"},
    )
    assert stale.status_code == 409 and 'data-testid="order-message"' in stale.text
    token = log_in(site, "cd.inspector")
    failed = site.client.post(
        f"{path}/steps",
        data={"csrf_token": token, "version": "2", "step": "recheck_fail", "text": "仍未验视"},
        follow_redirects=False,
    )
    assert failed.status_code == 303, failed.text
    penalty = re.search(r'href="(/app/penalties/CF\d{4}-\d{6})"', site.client.get(path).text)
    assert penalty is not None
    case = site.client.get(penalty.group(1))
    assert "100,000 – 500,000" in case.text
    low = site.client.post(
        f"{penalty.group(1)}/steps",
        data={"csrf_token": token, "version": "1", "step": "propose", "company_fine": "50000"},
    )
    assert low.status_code == 422 and "100000" in low.text and "500000" in low.text
    proposed = site.client.post(
        f"{penalty.group(1)}/steps",
        data={"csrf_token": token, "version": "1", "step": "propose", "company_fine": "150000"},
        follow_redirects=False,
    )
    assert proposed.status_code == 303, proposed.text
    held = get_order(site.store, path.rsplit("/", 1)[1], actor=ADMIN)
    assert [step.step for step in held.steps] == [
        "issue", "respond", "recheck_fail", "penalty.open", "penalty.propose",
    ]  # fmt: skip


def test_the_list_puts_the_overdue_order_first_and_marks_it(site: Site) -> None:
    """An order issued 20 days ago with 10 days is overdue: first in the list, marked; the
    analyst (security.read, no order.issue) sees the list without the issue button."""
    now = datetime.now(UTC)
    old = issue_order(
        site.store,
        OrderDraft(
            carrier="ZTO",
            region="510104",
            place="中通青羊网点",
            facts="X光机未开",
            rule_keys=("x_ray",),
            requirement="开机过检",
            deadline="10d",
        ),
        actor=ADMIN,
        now=now - timedelta(days=20),
    )
    token = log_in(site, "cd.inspector")
    assert token
    listed = site.client.get("/app/orders").text
    assert listed.index(old.reference) < listed.index("中通锦江营业部")
    assert "overdue" in listed or "逾期" in listed or "超期" in listed
    log_in(site, "cd.analyst")
    assert 'data-testid="issue-order"' not in site.client.get("/app/orders").text


def test_the_api_and_the_cli_issue_list_show_and_export(
    site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    """POST /orders on the spot (201, its clock), a stale respond (409), the rules and the CSV
    export; the CLI issues, lists, shows, answers and lists the rules."""
    site.client.cookies.clear()
    headers = administrator_headers(site.store)
    body = {
        "carrier": "ZTO", "region": "510104", "place": "中通武侯网点", "facts": "实名未登记",
        "rules": ["real_name"], "requirement": "逐件实名",
        "deadline": {"basis": "working_days", "days": 5},
    }  # fmt: skip
    made = site.client.post("/orders", json=body, headers=headers)
    assert made.status_code == 201, made.text
    order = made.json()
    assert (order["clock"]["basis"], order["clock"]["limit"]) == ("working_days", 5)
    assert "快递暂行条例 第二十二条" in order["clock"]["source"]
    stale = site.client.post(
        f"/orders/{order['reference']}/respond",
        json={"expected_version": 9, "text": "done"},
        headers=headers,
    )
    assert stale.status_code == 409
    rules = site.client.get("/orders/rules", headers=headers).json()
    assert {rule["key"] for rule in rules} >= {"real_name", "abnormal_operation"}
    csv = site.client.get("/orders/export?format=csv", headers=headers)
    assert csv.status_code == 200 and order["reference"] in csv.text
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", site.settings.database_url)
    runner = CliRunner()

    def run(*arguments: str, code: int = 0) -> str:
        result = runner.invoke(cli_app, ["--lang", "en", *arguments], env={"COLUMNS": "240"})
        assert result.exit_code == code, result.output
        return result.output

    shown = run(
        "order", "issue", "--requirement", "补贴验视标识", "--deadline", "2099-01-01",
        "--carrier", "ZTO", "--region", "510104", "--place", "中通金牛网点",
        "--facts", "无验视标识", "--rule", "acceptance_inspection", code=2,
    )  # fmt: skip
    assert "at most 366 days" in shown
    shown = run(
        "order", "issue", "--requirement", "补贴验视标识", "--deadline", "7d",
        "--carrier", "ZTO", "--region", "510104", "--place", "中通金牛网点",
        "--facts", "无验视标识", "--rule", "acceptance_inspection",
    )  # fmt: skip
    reference = re.search(r"ZG\d{4}-\d{6}", shown)
    assert reference is not None
    assert reference.group(0) in run("order", "list")
    assert "rectification.deadline" in run("order", "show", reference.group(0))
    answered = run("order", "respond", reference.group(0), "--text", "已补", "--version", "1")
    assert "已补" in answered
    assert "第八十五条" in run("order", "rules")
    assert run("order", "recheck", reference.group(0), "--version", "1", "--text", "x",
               "--passed", code=4)  # fmt: skip
