"""The web application in a real headless Chromium (Debian's package), through its forms.

One server (the real app over uvicorn, on SQLite) and one browser for the module. Every page a
test opens is checked at 1366×768 and on a 390-px phone by :func:`tests.browser.check_page`:
nothing asked of another host, no console or script error, no horizontal overflow, no cut-off
text, no overlapping controls or headings, Chinese drawn with a Chinese font, every chart drawn;
its screenshot is named in the failure. Skipped, with the reason, without ``/usr/bin/chromium``.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from peakguard.app.networks import list_networks
from peakguard.identity.model import LOCAL_ADMINISTRATOR, OrganisationKind
from tests.browser import (
    ADMINISTRATOR,
    DESKTOP,
    SIZES,
    Site,
    Size,
    chart_problems,
    check_page,
    chromium,
    chromium_or_skip,
    cjk_fonts,
    layout_problems,
    log_in,
    path_of,
    served_world,
    visiting,
)
from tests.conftest import tiny_document

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

LANDINGS = {
    OrganisationKind.regulator: "/app/command",
    OrganisationKind.carrier: "/app/desk",
    OrganisationKind.platform: "/app/platform",
    OrganisationKind.public: "/app/notices",
}
"""Where each kind of organisation works (the start page for the others)."""
ROLES = [
    "cd.duty",  # Chengdu's city regulator
    "sc.director",  # Sichuan's provincial regulator
    "zto.planner",  # ZTO's headquarters
    "platform.operator",
    "public.reader",
    ADMINISTRATOR,
]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go (``PEAKGUARD_SCREENSHOTS`` keeps them for a person to look at)."""
    kept = os.environ.get("PEAKGUARD_SCREENSHOTS")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        return Path(kept)
    return tmp_path_factory.mktemp("screens")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The seeded world behind a live server on SQLite."""
    chromium_or_skip()
    home = tmp_path_factory.mktemp("home")
    with served_world(f"sqlite:///{home / 'peakguard.db'}", home) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def expected_landing(site: Site, username: str) -> str:
    """The page of the user's kind of organisation once it exists, the start page until then
    (and for the kinds that have none)."""
    landing = LANDINGS.get(site.world.kinds[username])
    return landing if landing in site.page_routes() else "/app/home"


@pytest.mark.parametrize("size", SIZES, ids=lambda size: size.name)
@pytest.mark.parametrize("username", ROLES)
def test_every_role_lands_where_it_works(
    site: Site, browser: Browser, screens: Path, username: str, size: Size
) -> None:
    """Logged in through the form, each user lands on its kind of organisation's page, which
    shows the user, its menu, the language switch and the log-out button, in Chinese."""
    with visiting(browser, site.origin, size) as visit:
        page = visit.page
        log_in(page, site.origin, username, site.password(username))
        assert path_of(page) == expected_landing(site, username)
        shot = check_page(visit, screens, f"landing-{username}")
        heading = page.locator("h1").first
        assert heading.is_visible() and CJK.search(heading.inner_text()), shot
        assert page.locator("nav.menu a").count() >= 1, shot
        assert page.locator("[data-testid=logout]").is_visible(), shot
        assert page.locator("[data-testid=language-switch]").inner_text() == "English", shot


BROKEN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
<button id="one" style="position:absolute; left:10px; top:10px; width:120px">One</button>
<button id="two" style="position:absolute; left:60px; top:15px; width:120px">Two</button>
<div id="narrow" style="position:absolute; top:80px; width:60px; overflow:hidden;
  white-space:nowrap">a sentence far too long for its box</div>
<div id="wide" style="position:absolute; top:120px; width:2000px">wide</div>
<img src="https://cdn.example.com/tracker.png" alt="">
<div data-chart="empty" data-drawn="unavailable"></div>
<p style="font-family: 'DejaVu Sans', Arial">旺季服务保障</p>
<script>console.error("broken on purpose"); throw new Error("thrown on purpose");</script>
</body></html>"""


def test_the_checks_find_what_they_look_for(site: Site, browser: Browser) -> None:
    """A page with every fault the checks look for: each is reported (so a clean page is
    clean because it is, not because the checks are blind), and the outside request never
    left the machine."""
    with visiting(browser, site.origin, DESKTOP) as visit:
        page = visit.page
        page.route(
            f"{site.origin}/broken",
            lambda route: route.fulfill(status=200, content_type="text/html", body=BROKEN_PAGE),
        )
        page.goto(f"{site.origin}/broken")
        layout = "\n".join(layout_problems(page))
        assert "overlap" in layout and '"One"' in layout and '"Two"' in layout, layout
        assert "cut off" in layout and "#narrow" in layout, layout
        assert "px wide in a 1366px window" in layout, layout
        assert chart_problems(page) == [
            "chart empty not drawn (data-drawn=unavailable, canvas=False)"
        ]
        text, stack, drawn = cjk_fonts(page)
        assert (text, stack) == ("旺季服务保障", ["DejaVu Sans", "Arial"])
        assert drawn and not set(drawn) & set(stack), drawn  # a fallback the page never named
        watched = "\n".join(visit.watch.problems())
        assert "asked another host: https://cdn.example.com/tracker.png" in watched, watched
        assert "broken on purpose" in watched and "thrown on purpose" in watched, watched
        assert "request failed: https://cdn.example.com/tracker.png" in watched, watched


def assert_refusal_beside_password(page: Page, username: str, shot: Path) -> None:
    """The refused login form: the user name kept, the refusal in Chinese right under the
    password field and tied to it, nothing said of the user name."""
    password, error = page.locator("#password"), page.locator("#password-error")
    assert error.is_visible() and CJK.search(error.inner_text()), shot
    assert password.get_attribute("aria-invalid") == "true", shot
    assert password.get_attribute("aria-describedby") == "password-error", shot
    assert page.locator("#username").input_value() == username, shot
    field, said = password.bounding_box(), error.bounding_box()
    assert field and said, shot
    beside = 0 <= said["y"] - (field["y"] + field["height"]) <= 24
    assert beside and abs(said["x"] - field["x"]) <= 4, (field, said, shot)
    assert page.locator("#username-error").count() == 0, shot


@pytest.mark.parametrize("size", SIZES, ids=lambda size: size.name)
def test_log_in_switch_language_and_log_out(
    site: Site, browser: Browser, screens: Path, size: Size
) -> None:
    """A wrong password is said in Chinese right under the password field; the right one
    lands; English and back are a click each; logging out leads to the login page, and going
    back shows none of the signed-in page (a reload asks to log in)."""
    username = "zto.planner"
    with visiting(browser, site.origin, size) as visit:
        page = visit.page
        visit.watch.allowed_statuses.add(401)
        page.goto(f"{site.origin}/app/login")
        page.fill("#username", username)
        page.fill("#password", "not-the-password")
        with page.expect_navigation():
            page.click("[data-testid=login]")
        shot = check_page(visit, screens, "login-refused")
        assert_refusal_beside_password(page, username, shot)
        page.fill("#password", site.password(username))
        with page.expect_navigation():
            page.click("[data-testid=login]")
        landed = path_of(page)
        assert landed == expected_landing(site, username)
        name = page.locator(".who .user").inner_text()
        assert username in name or "中通" in name

        with page.expect_navigation():
            page.click("[data-testid=language-switch]")
        assert path_of(page) == landed
        shot = check_page(visit, screens, "english", language="en")
        assert page.locator("[data-testid=logout]").inner_text() == "Log out", shot
        assert page.locator("[data-testid=language-switch]").inner_text() == "中文", shot
        with page.expect_navigation():
            page.click("[data-testid=language-switch]")
        assert path_of(page) == landed
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        assert page.locator("[data-testid=logout]").inner_text() == "退出"

        with page.expect_navigation():
            page.click("[data-testid=logout]")
        assert path_of(page) == "/app/login"
        shot = check_page(visit, screens, "logged-out")
        page.go_back()
        page.wait_for_load_state("load")
        shown = page.content()
        assert page.locator("[data-testid=logout]").count() == 0, (path_of(page), shot)
        assert name not in shown, (path_of(page), shot)
        page.reload()
        assert path_of(page).startswith("/app/login"), path_of(page)
        assert page.locator("[data-testid=logout]").count() == 0
        visit.watch.assert_clean("after logging out")


def network_file(folder: Path, name: str, *, unknown_destination: bool = False) -> Path:
    """The tiny ZTO line as a YAML file named for the test; optionally with a lane to a node
    the file does not have (``lanes[2].destination``)."""
    document = tiny_document()
    document["name"] = name
    if unknown_destination:
        document["lanes"][2]["destination"] = "NO-SUCH-HUB"
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path


@pytest.mark.parametrize("size", SIZES, ids=lambda size: size.name)
def test_import_a_network_with_a_mistake_then_a_right_one(
    site: Site, browser: Browser, screens: Path, size: Size, tmp_path: Path
) -> None:
    """From the networks page, a file with a lane to an unknown node comes back with the
    mistake located (field and node) beside the file field and nothing stored; the corrected
    file lands on the new network's page, its map drawn."""
    if "/app/networks/import" not in site.page_routes():
        pytest.skip("the network pages are not served yet")
    username, name = "zto.planner", f"browser-import-{size.name}"
    with visiting(browser, site.origin, size) as visit:
        page = visit.page
        visit.watch.allowed_statuses.add(422)
        log_in(page, site.origin, username, site.password(username))
        page.goto(f"{site.origin}/app/networks")
        check_page(visit, screens, "networks")
        with page.expect_navigation():
            page.click("[data-testid=import-network]")
        assert path_of(page) == "/app/networks/import"
        page.set_input_files("#file", network_file(tmp_path, name, unknown_destination=True))
        with page.expect_navigation():
            page.click("[data-testid=import]")
        shot = check_page(visit, screens, "import-refused")
        field, said = page.locator("#file"), page.locator("#file-error")
        assert said.is_visible() and CJK.search(said.inner_text()), shot
        assert field.get_attribute("aria-invalid") == "true", shot
        listed = page.locator("#file-problems li")
        assert listed.count() == 1, shot
        mistake = listed.first.inner_text()
        assert "lanes[2].destination" in mistake and "NO-SUCH-HUB" in mistake, (mistake, shot)
        field_box, said_box = field.bounding_box(), said.bounding_box()
        assert field_box and said_box, shot
        assert 0 <= said_box["y"] - (field_box["y"] + field_box["height"]) <= 60, shot
        stored = list_networks(site.world.store, actor=LOCAL_ADMINISTRATOR)
        assert name not in {network.name for network in stored}, "the mistaken file was stored"

        page.goto(f"{site.origin}/app/networks/import")
        page.set_input_files("#file", network_file(tmp_path, name))
        with page.expect_navigation():
            page.click("[data-testid=import]")
        assert path_of(page) == f"/app/networks/{name}"
        shot = check_page(visit, screens, "imported")
        assert page.locator("[data-testid=imported]").is_visible(), shot
        assert name in page.locator(".lead code").inner_text(), shot
        assert page.locator("[data-chart=hubs][data-drawn=true] canvas").count() == 1, shot


def table_on_screen(page: Page, key: str) -> list[list[str]]:
    """The table ``key`` as the page shows it: its headings, then one list of cells a row."""
    rows: list[list[str]] = page.evaluate(
        """(key) => {
          const table = document.querySelector(`[data-table="${key}"] table`);
          return [...table.querySelectorAll('tr')].map(
            (tr) => [...tr.children].map((cell) => cell.innerText.trim()));
        }""",
        key,
    )
    return rows


def same_cell(shown: str, exported: str) -> bool:
    """A cell on screen and in the CSV are the same value: text as is, a missing value "—"
    on screen, numbers with their separators and percent sign, times to the minute."""
    if shown == exported or (shown == "—" and exported == ""):
        return True
    if exported and exported.startswith(shown):  # a time shown to the minute
        return len(shown) >= len("2026-11-11 08:00")
    try:
        return float(shown.replace(",", "").removesuffix("%").strip()) == float(exported)
    except ValueError:
        return False


def export_matches_screen(page: Page, key: str, tmp_path: Path) -> int:
    """Click the table's CSV link; the file holds the table's headings and rows, cell by
    cell. Returns the number of rows."""
    shown = table_on_screen(page, key)
    with page.expect_download() as download:
        page.click(f'[data-table="{key}"] a[data-export=csv]')
    path = tmp_path / f"{key}.csv"
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff"), "the CSV has no byte-order mark (Excel would garble it)"
    exported = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert exported[0] == shown[0], (exported[0], shown[0])
    assert len(exported) == len(shown), (len(exported), len(shown))
    for on_screen, in_file in zip(shown[1:], exported[1:], strict=True):
        assert len(on_screen) == len(in_file), (on_screen, in_file)
        assert all(map(same_cell, on_screen, in_file)), (on_screen, in_file)
    return len(shown) - 1


BULLETIN_DAY = "2026-11-11"


@pytest.mark.parametrize("size", SIZES, ids=lambda size: size.name)
def test_open_a_bulletin_and_drill_down_to_a_carriers_worst_nodes_and_pairs(
    site: Site, browser: Browser, screens: Path, size: Size, tmp_path: Path
) -> None:
    """Sichuan's regulator opens the bulletins from the menu, chooses Double 11, sees both
    carriers ranked, follows ZTO to its drill-down (worst nodes, worst O-D pairs, charts
    drawn), and the pairs' CSV export holds exactly the table on screen."""
    if "/app/bulletins/carriers/{code}" not in site.page_routes():
        pytest.skip("the bulletin pages are not served yet")
    username = "sc.director"
    with visiting(browser, site.origin, size) as visit:
        page = visit.page
        log_in(page, site.origin, username, site.password(username))
        with page.expect_navigation():
            page.click('nav.menu a[href="/app/bulletins"]')
        page.fill("#day", BULLETIN_DAY)
        with page.expect_navigation():
            page.click("[data-testid=period-form] button[type=submit]")
        shot = check_page(visit, screens, "bulletin")
        assert BULLETIN_DAY in page.locator("[data-testid=period]").inner_text(), shot
        carriers = table_on_screen(page, "carriers")
        ranked = {row[1] for row in carriers[1:]}
        assert ranked == {"ZTO", "SF"}, (ranked, shot)
        assert page.locator("[data-testid=headline-cards] .card").count() >= 4, shot

        with page.expect_navigation():
            page.click('[data-table="carriers"] a:text-is("ZTO")')
        assert path_of(page).startswith("/app/bulletins/carriers/ZTO?")
        assert f"day={BULLETIN_DAY}" in path_of(page)
        shot = check_page(visit, screens, "bulletin-zto")
        for key in ("backlog", "dwell", "pairs"):
            rows = table_on_screen(page, key)
            assert len(rows) > 1, (key, shot)
        nodes = {row[0] for row in table_on_screen(page, "backlog")[1:]}
        assert nodes and all("ZTO" in node or "中通" in node for node in nodes), (nodes, shot)
        assert not any("SF" in node or "顺丰" in node for node in nodes), (nodes, shot)
        assert page.locator("[data-chart=pairs][data-drawn=true] canvas").count() == 1, shot
        if size is DESKTOP:  # the files are the same whatever the window
            assert export_matches_screen(page, "pairs", tmp_path) >= 1
            assert export_matches_screen(page, "backlog", tmp_path) >= 1
            visit.watch.assert_clean("after the exports")
