"""The supply pages in a real headless Chromium (Debian's ``chromium``, CJK fonts), in Chinese:
the supply task force's overview ``/app/supply`` with its form, an order handed over by the
supplier, the pass registers with their form, and a day's shuttle plan. Each page passes the
checks every page must (tests/browser.py: nothing from another host, no script errors, no
overflow or cut-off text, Chinese drawn with a Chinese font) and shows no English sentence
(an untranslated msgid), no 'None' and no raw code ('handed_over', 'vehicle_pass',
'direct_purchase'…) to its reader. One browser session; screenshots in pytest's tmp folder.
Skipped, with the reason, without Chromium or Playwright."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from peakguard.api.app import create_app
from peakguard.app import accounts
from peakguard.app.supply_orders import get_supply_order, step_supply_order
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import Organisation, OrganisationKind
from tests.browser import Size, check_page, chromium, chromium_or_skip, log_in, open_visit, serve
from tests.conftest import administrator_headers
from tests.integration.test_authentication import Site, make_site
from tests.integration.test_shuttles_surfaces import BODY
from tests.integration.test_supply_orders_surfaces import SHEET

LAPTOP = Size("laptop", 1366, 768)
RAW_CODES = (
    "handed_over", "vehicle_pass", "direct_purchase", "group_buy", "pickup_point", "drafted",
    "supply.quotation", "supply.confirmation", "hand_over", "calendar_days", "None", "vehicle",
    "person", "inner", "trunk",
)  # fmt: skip
ENGLISH = re.compile(r"(?<![\w-])[A-Za-z]{2,}(?:[ ,'’]+[A-Za-z]{2,})+(?![\w-])")
"""Three English words in a row: a sentence left untranslated (codes and names are single
tokens such as BG2026-000001, zto-sc, 川A1, ST-1)."""
PASSWORD = "Pw-9-q7Rm2xLw9Zt4-browser-sc"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """ZTO's Sichuan company (its supply coordinator), the 邮乐 platform; an order handed over,
    a second one sent, passes and a plan with a vehicle lacking its driver's pass."""
    chromium_or_skip()
    home = tmp_path_factory.mktemp("supply-browser")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home, language="zh_CN"):
            for organisation in (
                Organisation(code="zto-sc", name="中通四川", kind=OrganisationKind.carrier,
                             carrier="ZTO", region="510000"),
                Organisation(code="youle", name="邮乐", kind=OrganisationKind.platform),
            ):  # fmt: skip
                accounts.create_organisation(made.store, ADMIN, organisation)
            accounts.create_user(
                made.store, ADMIN, username="zto.sc", organisation="zto-sc",
                roles=["supply_coordinator"], display_name="王保供", password=PASSWORD,
            )  # fmt: skip
            yield made


def seed(site: Site) -> tuple[str, int]:
    """An order taken to handed over (quoted late: its quotation breached), another sent;
    passes of each register; a plan. The handed-over order's reference and the plan's id."""
    headers = administrator_headers(site.store)
    now = datetime.now(UTC)
    references = [
        site.client.post("/supply/orders", json=SHEET, headers=headers).json()["reference"]
        for _ in range(2)
    ]
    handed = references[0]
    moments = [now - timedelta(hours=h) for h in (40, 10, 9, 8, 7, 6)]
    for step, moment in zip(("send", "quote", "confirm", "contract", "allocate", "hand_over"),
                            moments, strict=True):  # fmt: skip
        version = get_supply_order(site.store, ADMIN, handed, now=moment).version
        step_supply_order(site.store, ADMIN, handed, step, expected_version=version, now=moment,
                          amount=1980.0 if step == "quote" else None)  # fmt: skip
    step_supply_order(site.store, ADMIN, references[1], "send", expected_version=1, now=now)
    today, until = now.date(), (now + timedelta(days=10)).date()
    for kind, holder, last in (("vehicle", "川A1", until), ("person", "D-1", until),
                               ("site", "ST-1", until), ("vehicle", "川B1", until),
                               ("person", "D-3", until),
                               ("vehicle", "川A2", today + timedelta(days=1))):  # fmt: skip
        body = {"carrier": "ZTO", "kind": kind, "holder": holder, "region": "510100",
                "valid_from": today.isoformat(), "valid_until": last.isoformat(),
                "issuer": "成都市防控办"}  # fmt: skip
        if kind == "person":
            body["id_number"] = "51010519800101123X"
        assert site.client.post("/supply/passes", json=body, headers=headers).status_code == 201
    plan = site.client.post("/supply/shuttles", json=BODY, headers=headers)
    assert plan.status_code == 201, plan.text
    return handed, int(plan.json()["id"])


def shown_problems(text: str) -> list[str]:
    """What a Chinese reader should not see: English sentences, None, raw codes."""
    text = re.sub(r"\bCSV\s+Excel\b", "", text)  # the export links: names of formats
    problems = [f"English: {found!r}" for found in ENGLISH.findall(text)]
    words = set(re.findall(r"[A-Za-z_.]+", text))
    return problems + [f"raw code: {code!r}" for code in RAW_CODES if code in words]


def test_the_supply_pages_render_in_chinese_in_a_real_browser(site: Site, tmp_path: Path) -> None:
    """/app/supply, an order handed over, /app/supply/passes and a shuttle plan in zh_CN."""
    handed, plan_id = seed(site)
    app = create_app(site.settings, site.store)
    pages = {
        "supply": ("/app/supply", "保供订单"),
        "order": (f"/app/supply/orders/{handed}", "已交接"),
        "passes": ("/app/supply/passes", "车辆通行证"),
        "plan": (f"/app/supply/shuttles/{plan_id}", "盘驳运输计划"),
    }
    found: dict[str, list[str]] = {}
    with serve(app) as origin, chromium() as browser:
        visit = open_visit(browser, origin, LAPTOP)
        try:
            log_in(visit.page, origin, "zto.sc", PASSWORD)
            for name, (path, chinese) in pages.items():
                visit.page.goto(origin + path)
                check_page(visit, tmp_path, name)
                text = visit.page.inner_text("main")
                problems = shown_problems(text)
                if chinese not in text:
                    problems.append(f"{chinese!r} not shown")
                found[name] = problems
        finally:
            visit.close()
    assert all(not problems for problems in found.values()), found
