"""The supply-guarantee pages of areas B, D and E in a real headless Chromium (Debian's, with the
CJK fonts), in Chinese: a consolidation point's page with its schedule, a coverage plan of
Henan, the public's notices page, a parcel's tracking page for a parcel bound for a controlled
city (anonymous, and as its carrier), and the publishers' page.

Each page must pass :func:`tests.browser.check_page` at 1366×768 (no console error, nothing
from another host, no overflow or overlap, Chinese drawn with a Chinese font), show its Chinese
headings, and show none of: a sentence in English whose Chinese translation the catalogue has,
a raw code (``put_away``, ``station_segment``, ``last_node``), ``None``. One browser session;
the screenshots go to a temporary folder (``PEAKGUARD_SCREENSHOTS`` keeps them).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from peakguard.api.app import create_app
from peakguard.api.routers.consolidation import PointIn, ScheduleIn
from peakguard.app import accounts
from peakguard.app.consolidation import PointDraft, register_point, schedule_orders
from peakguard.app.context import open_store
from peakguard.app.coverage import plan_area_coverage
from peakguard.app.events import parse_event_records
from peakguard.app.incidents import IncidentDraft, open_incident
from peakguard.app.networks import save_network
from peakguard.app.notices import publish_control_notice, publish_tip
from peakguard.config import Settings
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import Organisation, OrganisationKind
from peakguard.notices.tips import ConsumerTip
from peakguard.store.event_lake import ingest
from peakguard.supply.consolidation_schedule import GoodsArrival, PointOrder
from tests.browser import (
    DESKTOP,
    cheap_password_hashing,
    check_page,
    chromium,
    chromium_or_skip,
    log_in,
    serve,
    visiting,
)
from tests.integration.test_consolidation_surfaces import ORDERS, POINT
from tests.integration.test_notices import delivered, events
from tests.unit.optimize.test_coverage_networks import henan_network

CATALOGUE = Path(__file__).resolve().parents[2] / "src/peakguard/locale/zh_CN/LC_MESSAGES"
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
"""A snake_case word (``put_away``, ``station_segment``, ``out_for_delivery``) shown as is."""
USERS = {
    "zto.supply": ("zto", "supply_coordinator"),
    "ems.supply": ("ems", "supply_coordinator"),
}


@cache
def translated_sentences() -> frozenset[str]:
    """The catalogue's English msgids (without placeholders) that have a Chinese translation."""
    with (CATALOGUE / "peakguard.po").open("rb") as file:
        catalogue = read_po(file, locale="zh_CN")
    return frozenset(
        str(message.id)
        for message in catalogue
        if isinstance(message.id, str)
        and message.id
        and message.string
        and message.string != message.id
        and "{" not in message.id
        and re.search(r"[A-Za-z]{3}", message.id)
    )


def wording_problems(text: str) -> list[str]:
    """What a Chinese reader should not see in ``text`` (a page's visible main text)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    problems = [f"untranslated: {line!r}" for line in lines if line in translated_sentences()]
    problems += [f"raw code: {code!r}" for code in RAW_CODE.findall(text)]
    if re.search(r"\bNone\b", text):
        problems.append("'None' shown")
    return problems


def seed(store: Any, lake: Path, now: datetime) -> dict[str, str]:
    """Organisations and users; the hand-worked point and its schedule; a Henan plan; Mianyang
    under control since yesterday for four more days, its notice and a Sichuan tip; a lake of
    parcels delivered in Mianyang this week and one on its way there."""
    for code, name, carrier in (("zto", "中通快递", "ZTO"), ("ems", "中国邮政", "EMS")):
        accounts.create_organisation(
            store, ADMIN, Organisation(code=code, name=name, kind=OrganisationKind.carrier,
                                       carrier=carrier),
        )  # fmt: skip
    passwords = {}
    for username, (organisation, role) in USERS.items():
        passwords[username] = f"Pw-{len(username)}-q7Rm2xLw9Zt4-browser"
        accounts.create_user(
            store, ADMIN, username=username, organisation=organisation, roles=[role],
            display_name=username, password=passwords[username],
        )  # fmt: skip
    body = PointIn.model_validate(POINT)
    draft = PointDraft(
        code=body.code, name=body.name, carrier=body.carrier, region=body.region,
        latitude=body.latitude, longitude=body.longitude, resources=body.resources.core(),
        rates=body.rates.core(),
    )  # fmt: skip
    register_point(store, ADMIN, draft)
    orders = ScheduleIn.model_validate(ORDERS)
    schedule_orders(
        store, ADMIN, body.code,
        [PointOrder(o.reference, tuple(GoodsArrival(a.source, a.sets, a.at) for a in o.arrivals),
                    o.needed_by) for o in orders.orders],
        start=orders.start, days=orders.days, staffing=orders.staffing,
    )  # fmt: skip
    save_network(store, henan_network(), actor=ADMIN, source="test")
    plan = plan_area_coverage(
        store, ADMIN, "henan", "410000", datetime(2022, 5, 1), datetime(2022, 5, 8),
        carrier="EMS",
    )  # fmt: skip
    start, end = now - timedelta(days=1), now + timedelta(days=4)
    control = IncidentDraft(
        "epidemic_control", "ZTO", "510700", start, "Mianyang under static control",
        period_end=end, blocked=True,
    )  # fmt: skip
    open_incident(store, control, actor=ADMIN, now=start)
    publish_control_notice(store, ADMIN, "510700", now=now)
    tip = ConsumerTip(
        "510000", start, end, "旺季寄递提示", "Peak-season tip", "请提前寄递。", "Send early."
    )
    publish_tip(store, ADMIN, tip, now=now)
    week = now - timedelta(days=3)
    records = [
        *delivered("ZT-D1", week, 36),
        *delivered("ZT-D2", week, 40),
        *delivered("ZT-D3", week, 50),
        *events("ZT-IN1", "510703", ("accept", "ZTO-CD-O1", now - timedelta(hours=20))),
    ]
    ingest(lake, parse_event_records(records))
    return passwords | {"plan": str(plan.id)}


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kept = os.environ.get("PEAKGUARD_SCREENSHOTS")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        return Path(kept)
    return tmp_path_factory.mktemp("supply-screens")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The seeded deployment, in Chinese, behind a live server."""
    chromium_or_skip()
    home = tmp_path_factory.mktemp("supply-pages")
    settings = Settings(
        database_url=f"sqlite:///{home / 'peakguard.db'}", home=home, event_lake=home / "lake",
        language="zh_CN", cookie_secure=False, auth_cache_seconds=0,
    )  # fmt: skip
    with cheap_password_hashing():
        store = open_store(settings)
        try:
            known = seed(store, home / "lake", datetime.now(UTC))
            with serve(create_app(settings, store)) as origin:
                yield origin, known
        finally:
            store.engine.dispose()


def publish_a_tip(page: Any, territory: str) -> None:
    """Fill the publishers' tip form as a person would, and send it."""
    page.fill("input[name=territory]", territory)
    page.fill("input[name=valid_from]", "2026-01-01T00:00+08:00")
    page.fill("input[name=valid_until]", "2099-01-01T00:00+08:00")
    page.fill("input[name=title_zh]", "中通旺季提示")
    page.fill("input[name=title_en]", "ZTO peak tip")
    page.fill("textarea[name=text_zh]", "请提前寄递。")
    page.fill("textarea[name=text_en]", "Send early.")
    with page.expect_navigation():
        page.click("form[action='/app/notices/manage/tips'] button[type=submit]")


def _main_text(browser_page: Any) -> str:
    return str(browser_page.inner_text("main"))


def test_the_supply_pages_read_in_chinese(
    served: tuple[str, dict[str, str]], screens: Path
) -> None:
    """Point, coverage plan, notices, tracking (anonymous and the carrier's) and the
    publishers' page (a tip refused, then published, through its form): each passes the page
    checks, shows its Chinese headings and nothing untranslated, raw or 'None'."""
    origin, known = served
    problems: list[str] = []
    with chromium() as browser, visiting(browser, origin, DESKTOP) as visit:
        page = visit.page

        def look(path: str, name: str, *expected: str) -> str:
            page.goto(origin + path)
            check_page(visit, screens, name)
            text = _main_text(page)
            problems.extend(f"{path}: {p}" for p in wording_problems(text))
            problems.extend(f"{path}: no {e!r}" for e in expected if e not in text)
            return text

        look("/app/notices", "notices", "面向公众的公告", "查询快件", "旺季寄递提示", "绵阳市")
        tracked = look(
            "/app/tracking?waybill=ZT-IN1", "tracking", "最新扫描", "收寄", "预计到达时间",
            "【管控公告】", "绵阳市（510700）实行静态管控",
        )  # fmt: skip
        held = (datetime.now(UTC) + timedelta(days=4)).astimezone(CHINA_STANDARD_TIME)
        if f"{held.year}年{held.month}月{held.day}日" not in tracked:
            problems.append("the tracking's arrival is not the control's end")
        log_in(page, origin, "zto.supply", known["zto.supply"])
        look(
            "/app/supply/points/CD-HJ-1", "point", "资源配置", "七项作业", "各订单的发运时间",
            "能力计划", "拼货是瓶颈", "入库",
        )  # fmt: skip
        look("/app/tracking?waybill=ZT-IN1", "tracking-carrier", "ZTO-CD-O1", "收寄")
        look("/app/notices/manage", "manage", "发布消费提示", "发布管控区域公告", "您发布的公告")
        visit.watch.allowed_statuses.add(422)  # the refused form's answer
        publish_a_tip(page, "５１００００")
        check_page(visit, screens, "manage-refused")
        refused = _main_text(page)
        if "地区（GB/T 2260 代码）" not in refused or "territory" in refused:
            problems.append(f"the refusal does not name the field by its label: {refused[:300]}")
        publish_a_tip(page, "510000")
        look("/app/notices/manage", "manage-published", "中通旺季提示", "四川省（510000）")
        visit.context.clear_cookies()
        log_in(page, origin, "ems.supply", known["ems.supply"])
        look(
            f"/app/coverage/{known['plan']}", "coverage", "河南省", "邯郸邮件处理中心",
            "分拣深度", "分区划分",
        )  # fmt: skip
    assert not problems, "\n".join(problems)
