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
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
import yaml

from peakguard.app import accounts
from peakguard.app.networks import list_networks
from peakguard.identity.model import LOCAL_ADMINISTRATOR, OrganisationKind
from tests.browser import (
    ADMINISTRATOR,
    DESKTOP,
    PHONE,
    SIZES,
    WAIT_MS,
    Site,
    Size,
    Visit,
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
<div style="position:absolute; top:200px; width:300px; overflow-x:auto"><table><tr>
<th id="squeezed" style="width:1px">揽收件数</th>
<td style="white-space:nowrap">a cell far wider than the box: the table scrolls</td>
</tr></table></div>
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
        assert "squeezed" in layout and "#squeezed" in layout, layout
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


def import_through_the_page(
    visit: Visit, site: Site, screens: Path, folder: Path, name: str, *, shots: str = ""
) -> None:
    """From the networks page, a file with a lane to an unknown node comes back with the
    mistake located (field and node) beside the file field and nothing stored; the corrected
    file lands on the new network's page, its map drawn."""
    page = visit.page
    visit.watch.allowed_statuses.add(422)
    page.goto(f"{site.origin}/app/networks")
    check_page(visit, screens, f"{shots}networks")
    with page.expect_navigation():
        page.click("[data-testid=import-network]")
    assert path_of(page) == "/app/networks/import"
    page.set_input_files("#file", network_file(folder, name, unknown_destination=True))
    with page.expect_navigation():
        page.click("[data-testid=import]")
    shot = check_page(visit, screens, f"{shots}import-refused")
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
    page.set_input_files("#file", network_file(folder, name))
    with page.expect_navigation():
        page.click("[data-testid=import]")
    assert path_of(page) == f"/app/networks/{name}"
    shot = check_page(visit, screens, f"{shots}imported")
    assert page.locator("[data-testid=imported]").is_visible(), shot
    assert name in page.locator(".lead code").inner_text(), shot
    assert page.locator("[data-chart=hubs][data-drawn=true] canvas").count() == 1, shot


@pytest.mark.parametrize("size", SIZES, ids=lambda size: size.name)
def test_import_a_network_with_a_mistake_then_a_right_one(
    site: Site, browser: Browser, screens: Path, size: Size, tmp_path: Path
) -> None:
    """ZTO's planner imports a network from the page: a mistake located beside the file
    field, then the corrected file on its own page (:func:`import_through_the_page`)."""
    if "/app/networks/import" not in site.page_routes():
        pytest.skip("the network pages are not served yet")
    username = "zto.planner"
    with visiting(browser, site.origin, size) as visit:
        log_in(visit.page, site.origin, username, site.password(username))
        import_through_the_page(visit, site, screens, tmp_path, f"browser-import-{size.name}")


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


PROGRESS_RECORDER = """
window.peakguardProgress = [];
document.addEventListener("DOMContentLoaded", () => {
  const bar = document.querySelector("[data-role=bar]");
  if (!bar) { return; }
  const note = () => window.peakguardProgress.push(Number(bar.getAttribute("aria-valuenow")));
  note();
  new MutationObserver(note).observe(bar, { attributes: true, attributeFilter: ["aria-valuenow"] });
});
"""
"""Every value the progress bar takes on a page, from the one the server drew (a reload
starts a new record)."""
SIMULATED_DAYS = "3"
"""Three days on the demo network: a few seconds of a job, long enough to catch it running."""


def progress_seen(page: Page) -> list[float]:
    seen: list[float] = page.evaluate("window.peakguardProgress || []")
    return seen


def simulate_through_the_page(
    visit: Visit,
    site: Site,
    screens: Path,
    network: str,
    name: str,
    *,
    days: str = SIMULATED_DAYS,
    shots: str = "",
    also: Visit | None = None,
) -> None:
    """Start a simulation of ``network`` from the page; its bar rises (never back); a reload
    in the middle of the run shows it where it was, and it goes on to 100 % and the result,
    whose season report is drawn in the page. The page must have ``PROGRESS_RECORDER``.
    ``also``: the same user in another window, checked on the running job and the result."""
    page = visit.page
    page.goto(f"{site.origin}/app/simulations/new")
    check_page(visit, screens, f"{shots}simulation-new")
    page.select_option("#network", network)
    page.fill("#name", name)
    page.fill("#first_day", "2026-11-10")
    page.fill("#days", days)
    page.fill("#multiplier", "2")
    with page.expect_navigation():
        page.click("[data-testid=start-simulation]")
    refused = page.locator("main").inner_text()[:400]
    assert re.fullmatch(r"/app/jobs/[^/]+", path_of(page)), (path_of(page), refused)
    job = path_of(page)
    page.wait_for_function(
        "() => window.peakguardProgress.some((value) => value > 0 && value < 100)",
        timeout=60_000,
    )
    shot = check_page(visit, screens, f"{shots}simulation-running")
    assert page.locator("[data-testid=job] .progress").is_visible(), shot
    before = progress_seen(page)
    if also is not None:
        also.page.goto(f"{site.origin}{job}")
        check_page(also, screens, f"{shots}simulation-running")

    page.reload()
    assert path_of(page) == job
    after_reload = progress_seen(page)
    assert after_reload and after_reload[0] >= max(before), (before, after_reload)
    page.wait_for_selector("[data-testid=job][data-status=succeeded]", timeout=90_000)
    after = progress_seen(page)
    assert before == sorted(before) and after == sorted(after), (before, after)
    assert after[-1] == 100, after
    # How many steps the bar shows between depends on how fast the host simulates against
    # the page's one-second poll (a one-day run can finish inside one poll); that progress
    # rises through every simulated day is test_jobs' (unit) claim, free of timing.

    with page.expect_navigation():
        page.click("[data-testid=result-link]")
    assert path_of(page) == f"{job}/result"
    shot = check_page(visit, screens, f"{shots}simulation-result")
    assert page.locator("[data-testid=figures] .card").count() >= 3, shot
    report = page.frame_locator("iframe.season-report")
    report.locator("h1").first.wait_for(timeout=WAIT_MS)
    assert name in report.locator("body").inner_text(), shot
    visit.watch.assert_clean("after the season report")
    if also is not None:
        also.page.goto(f"{site.origin}{job}/result")
        also.page.frame_locator("iframe.season-report").locator("h1").first.wait_for()
        check_page(also, screens, f"{shots}simulation-result")


def test_start_a_simulation_and_watch_its_progress_to_the_report(
    site: Site, browser: Browser, screens: Path
) -> None:
    """The national regulator's analyst simulates the demo network from the page and watches
    it to the report (:func:`simulate_through_the_page`), at the desk, while the job and the
    result are checked on the phone too; the provincial regulator may not: the network has
    gateway hubs outside Sichuan."""
    if "/app/simulations/new" not in site.page_routes():
        pytest.skip("the simulation pages are not served yet")
    username = "spb.analyst"
    with (
        visiting(browser, site.origin, DESKTOP) as visit,
        visiting(browser, site.origin, PHONE) as phone,
    ):
        visit.page.add_init_script(PROGRESS_RECORDER)
        log_in(visit.page, site.origin, username, site.password(username))
        log_in(phone.page, site.origin, username, site.password(username))
        network = site.world.demo_network
        simulate_through_the_page(visit, site, screens, network, "browser", also=phone)


@pytest.fixture(scope="module")
def postgres_site(
    tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str
) -> Iterator[Site]:
    """The same world behind a live server on a fresh PostgreSQL database."""
    chromium_or_skip()
    server = postgres_server_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"browser_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        with served_world(url, tmp_path_factory.mktemp("postgres-home")) as served:
            yield served
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def log_out(visit: Visit) -> None:
    with visit.page.expect_navigation():
        visit.page.click("[data-testid=logout]")
    assert path_of(visit.page) == "/app/login"


@pytest.mark.postgres
def test_the_main_flow_on_postgresql(
    postgres_site: Site, browser: Browser, screens: Path, tmp_path: Path
) -> None:
    """On PostgreSQL: ZTO's planner lands on its page and imports a network (the mistake
    located first); the national analyst simulates the demo network and follows the job to
    its report; each logs out."""
    site = postgres_site
    needed = {"/app/networks/import", "/app/simulations/new"}
    if not needed <= site.page_routes():
        pytest.skip("the network and simulation pages are not served yet")
    with visiting(browser, site.origin, DESKTOP) as visit:
        visit.page.add_init_script(PROGRESS_RECORDER)
        log_in(visit.page, site.origin, "zto.planner", site.password("zto.planner"))
        assert path_of(visit.page) == expected_landing(site, "zto.planner")
        check_page(visit, screens, "postgresql-landing-zto.planner")
        import_through_the_page(
            visit, site, screens, tmp_path, "browser-import-postgresql", shots="postgresql-"
        )
        log_out(visit)
        log_in(visit.page, site.origin, "spb.analyst", site.password("spb.analyst"))
        simulate_through_the_page(
            visit,
            site,
            screens,
            site.world.demo_network,
            "browser-postgresql",
            days="1",
            shots="postgresql-",
        )
        log_out(visit)


CRAWLERS = ["spb.analyst", "zto.planner", "platform.operator", "public.reader", ADMINISTRATOR]
"""Users whose menus together hold every page of the menu."""


@pytest.mark.parametrize("size", SIZES, ids=lambda size: size.name)
def test_every_page_of_the_menus_fits_the_window(
    site: Site, browser: Browser, screens: Path, size: Size
) -> None:
    """Each page the menus offer (beyond the landing pages, checked above), opened from the
    menu by a user who has it, passes the page checks at both sizes."""
    seen = {"/app/home", *LANDINGS.values()}
    for username in CRAWLERS:
        with visiting(browser, site.origin, size) as visit:
            page = visit.page
            log_in(page, site.origin, username, site.password(username))
            paths = page.eval_on_selector_all(
                "nav.menu a", "(links) => links.map((a) => a.getAttribute('href'))"
            )
            for path in paths:
                if path in seen:
                    continue
                seen.add(path)
                page.goto(f"{site.origin}{path}")
                assert path_of(page).split("?")[0] == path, (username, path, path_of(page))
                check_page(visit, screens, f"menu{path.replace('/', '-')}")
    assert len(seen) > len(LANDINGS) + 1, "no page beyond the landing pages was opened"


COMPLAINT_DESK = "cd.complaints"
"""Chengdu's complaint handler, made by the case walk below (the demo has none)."""


@pytest.mark.parametrize("size", SIZES, ids=lambda size: size.name)
def test_record_an_appeal_and_walk_its_case_page(
    site: Site, browser: Browser, screens: Path, size: Size
) -> None:
    """Chengdu's complaint desk records an appeal from the list's button (a mistake first,
    shown beside its field), lands on the case page — the complainant masked, every clock with
    its rule and basis — shows the complainant in clear, and checks admissibility from the
    step's form; every page passes the page checks."""
    if "/app/cases/{reference}" not in site.page_routes():
        pytest.skip("the case pages are not served yet")
    if COMPLAINT_DESK not in site.world.passwords:
        _user, site.world.passwords[COMPLAINT_DESK] = accounts.create_user(
            site.world.store, LOCAL_ADMINISTRATOR, username=COMPLAINT_DESK,
            organisation="spb-cd", roles=["complaint_handler"], display_name="成都申诉受理",
        )  # fmt: skip
    name, phone = "欧阳娜娜", "13912345678"
    with visiting(browser, site.origin, size) as visit:
        page = visit.page
        visit.watch.allowed_statuses.add(422)
        log_in(page, site.origin, COMPLAINT_DESK, site.password(COMPLAINT_DESK))
        page.goto(f"{site.origin}/app/cases")
        check_page(visit, screens, "cases")
        with page.expect_navigation():
            page.click("[data-testid=record-appeal]")
        assert path_of(page).startswith("/app/cases/new"), path_of(page)
        page.fill("#region", "999999")
        page.select_option("#carrier", "ZTO")
        page.select_option("#category", "delay")
        page.fill("#complainant_name", name)
        page.fill("#complainant_phone", phone)
        with page.expect_navigation():
            page.click("[data-testid=record-case]")
        shot = check_page(visit, screens, "case-new-refused")
        for field in ("region", "summary"):
            assert page.locator(f"#{field}-error").is_visible(), (field, shot)
            assert page.locator(f"#{field}").get_attribute("aria-invalid") == "true", shot
        assert page.input_value("#complainant_name") == name, shot  # the form is kept

        page.fill("#region", "510107")
        page.fill("#summary", "快件超时五天未送达，企业七日未答复")
        with page.expect_navigation():
            page.click("[data-testid=record-case]")
        said = page.locator(".field-error").all_inner_texts()
        assert re.fullmatch(r"/app/cases/SS\d{4}-\d{6}", path_of(page)), said
        shot = check_page(visit, screens, "case")
        assert name not in page.content() and phone not in page.content(), shot
        rules = [row[0] for row in table_on_screen(page, "clocks")[1:]]
        assert any("appeal.register" in rule for rule in rules), (rules, shot)

        with page.expect_navigation():
            page.click("[data-testid=reveal]")
        shot = check_page(visit, screens, "case-revealed")
        assert page.locator("[data-testid=revealed]").is_visible(), shot
        assert name in page.content() and phone in page.content(), shot

        page.goto(f"{site.origin}{path_of(page).removesuffix('/personal')}")
        with page.expect_navigation():
            page.click("[data-testid=step-review]")
        shot = check_page(visit, screens, "case-reviewed")
        assert page.locator("[data-testid=step-done]").is_visible(), shot
        assert page.get_attribute("[data-testid=case-state]", "data-state") == "admissibility"
        assert name not in page.content(), shot
