"""Driving the web application in a real headless Chromium (Debian's ``chromium``).

What the browser tests share: a seeded world (the demo's organisations and users, an
administrator, a two-brand network around Chengdu and a simulated Double 11 in the scan-event
lake), the real app served by uvicorn on a loopback port, Playwright on Debian's Chromium (never
a downloaded one), and the checks every page must pass: nothing requested from another host, no
console or script errors, no horizontal overflow, no cut-off text, no overlapping controls or
headings at 1366×768 and on a 390-px phone, Chinese drawn with a Chinese font, every chart drawn.
"""

from __future__ import annotations

import contextlib
import copy
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
import yaml
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from peakguard.api.app import create_app
from peakguard.app import accounts
from peakguard.app.context import open_store
from peakguard.app.demo_accounts import demo_accounts
from peakguard.app.events import ingest_events
from peakguard.app.networks import parse_network_document, save_network
from peakguard.app.simulation import read_scenario_file, simulate_scenario
from peakguard.config import Settings
from peakguard.demo.sichuan import build_sichuan_network
from peakguard.domain.network import Network
from peakguard.formats.simulation_output import events_table
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR, Organisation, OrganisationKind
from peakguard.store.database import Store

with contextlib.suppress(ImportError):  # the dev extra; the tests skip without it
    from playwright.sync_api import Browser, BrowserContext, Page, Request, sync_playwright

CHROMIUM = Path(os.environ.get("PEAKGUARD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
NETWORK_FILE = EXAMPLES / "chengdu-mianyang.yaml"
SCENARIO_FILE = EXAMPLES / "double11-small.yaml"
NETWORK = "chengdu-mianyang"
EVENT_SAMPLE = 0.02
"""Share of the simulated parcels written as scan events (~100,000 events, a second)."""
ADMINISTRATOR = "ops.admin"
WAIT_MS = 20_000
"""The longest a page, a chart or a click may take on a loaded two-core machine."""


@dataclass(frozen=True)
class Size:
    """A window the pages must fit: a laptop, and a phone held upright."""

    name: str
    width: int
    height: int
    phone: bool = False


DESKTOP = Size("desktop", 1366, 768)
PHONE = Size("phone", 390, 844, phone=True)
SIZES = (DESKTOP, PHONE)


def chromium_or_skip() -> Path:
    """Debian's chromium and Playwright, or a skip that says how to get them."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium "
            "fonts-noto-cjk), or point PEAKGUARD_CHROMIUM at a Chromium binary"
        )
    if "sync_playwright" not in globals():
        pytest.skip("Playwright is missing: install the dev extra (pip install -e '.[dev]')")
    return CHROMIUM


# --- the world the pages show -----------------------------------------------------------------


@dataclass
class World:
    """A deployment with users of every kind, a network and a season's scan events."""

    settings: Settings
    store: Store
    passwords: dict[str, str] = field(repr=False)
    kinds: dict[str, OrganisationKind]
    """Each user's kind of organisation."""
    network: Network
    events: int
    demo_network: str
    """The demo's Sichuan network (1,113 nodes of seven brands): a simulation on it runs for
    seconds, long enough to watch its progress."""


def two_brand_document() -> dict[str, Any]:
    """The Chengdu–Mianyang example with an SF copy of every node and lane beside ZTO's, so
    a bulletin ranks two carriers and a regulator sees both brands."""
    document: dict[str, Any] = yaml.safe_load(NETWORK_FILE.read_text(encoding="utf-8"))
    document["carriers"].append({"code": "SF", "name": "顺丰速运", "name_en": "SF Express"})
    for node in list(document["nodes"]):
        twin = copy.deepcopy(node)
        twin["id"] = "SF-" + node["id"].removeprefix("ZTO-")
        twin["name"] = node["name"].replace("中通", "顺丰")
        twin["carrier"] = "SF"
        document["nodes"].append(twin)
    for lane in list(document["lanes"]):
        twin = copy.deepcopy(lane)
        twin["id"] = "SF-" + lane["id"]
        twin["origin"] = "SF-" + lane["origin"].removeprefix("ZTO-")
        twin["destination"] = "SF-" + lane["destination"].removeprefix("ZTO-")
        document["lanes"].append(twin)
    return document


@contextlib.contextmanager
def cheap_password_hashing() -> Iterator[None]:
    """Argon2 at its lowest cost while the world is made and used (every test logs in)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        yield


def seed_world(database_url: str, home: Path) -> World:
    """The demo's organisations and users (regulators at three levels, ZTO and SF, a
    platform, the public), an administrator, the two-brand network and the scan events of
    its simulated Double 11 week, and the demo's Sichuan network, all made through the
    application layer."""
    settings = Settings(
        database_url=database_url,
        home=home,
        event_lake=home / "lake",
        language="zh_CN",
        cookie_secure=False,
        auth_cache_seconds=0,
    )
    store = open_store(settings)
    admin = LOCAL_ADMINISTRATOR
    logins = demo_accounts(store, admin)
    passwords = {login.username: login.password for login in logins}
    organisations = {o.code: o for o in accounts.list_organisations(store, admin)}
    kinds = {login.username: organisations[login.organisation].kind for login in logins}
    accounts.create_organisation(
        store, admin, Organisation(code="ops", name="运维中心", kind=OrganisationKind.system)
    )
    _user, passwords[ADMINISTRATOR] = accounts.create_user(
        store,
        admin,
        username=ADMINISTRATOR,
        organisation="ops",
        roles=["administrator"],
        display_name="系统管理员",
    )
    kinds[ADMINISTRATOR] = OrganisationKind.system
    network = parse_network_document(two_brand_document(), NETWORK)
    save_network(store, network, actor=admin, source=str(NETWORK_FILE))
    scenario = read_scenario_file(SCENARIO_FILE, network)
    outcome = simulate_scenario(network, scenario, actor=admin, events_sample=EVENT_SAMPLE)
    assert outcome.events is not None
    events = events_table(outcome.result, outcome.events)
    report = ingest_events(
        store, settings.resolved_event_lake(), events, actor=admin, source="browser tests"
    )
    demo = build_sichuan_network()
    save_network(store, demo, actor=admin, source="peakguard demo")
    return World(settings, store, passwords, kinds, network, report.stored, demo.name)


# --- the server and the browser ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """``app`` over a real uvicorn server on a free loopback port (lifespan included: the job
    runner starts with it); yields its origin."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="browser-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start in 30 s"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@dataclass
class Site:
    """The seeded world behind a live server."""

    world: World
    origin: str
    app: FastAPI

    def page_routes(self) -> set[str]:
        """The paths of the pages served now (routes with their ``{parameters}``)."""
        return {
            str(context.path)
            for context in iter_route_contexts(self.app.routes)
            if str(context.path).startswith("/app") and "GET" in (context.methods or ())
        }

    def password(self, username: str) -> str:
        return self.world.passwords[username]


@contextlib.contextmanager
def served_world(database_url: str, home: Path) -> Iterator[Site]:
    """The seeded world behind a live server."""
    with cheap_password_hashing():
        world = seed_world(database_url, home)
        try:
            app = create_app(world.settings, world.store)
            with serve(app) as origin:
                yield Site(world, origin, app)
        finally:
            world.store.engine.dispose()


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium under Playwright, headless, with nothing of its own on the network."""
    executable = chromium_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# --- what every page must pass ----------------------------------------------------------------


@dataclass
class Watch:
    """Everything a browser context asked for and complained about."""

    origin: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)
    """Statuses a test expects of a page (a refused login answers 401): the browser logs
    them as console errors."""

    def attach(self, context: BrowserContext) -> None:
        context.on("request", lambda request: self.requests.append(request.url))
        # Recorded above, then stopped here: a test never reaches another host.
        context.route(lambda url: not self.own(url), lambda route: route.abort())
        context.on("requestfailed", self._failed)
        context.on("page", self.attach_page)

    def attach_page(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        text = str(message.text)
        if any(f"status of {status} " in text for status in self.allowed_statuses):
            return
        self.console_errors.append(f"{text} ({message.location.get('url', '')})")

    def _failed(self, request: Request) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" in failure and self.own(request.url):
            return  # a download, or a navigation that replaced a page
        self.failed.append(f"{request.url}: {failure}")

    def own(self, url: str) -> bool:
        """Whether ``url`` is this site's (or data:, blob:, about:, which stay in the page)."""
        parts, site = urlsplit(url), urlsplit(self.origin)
        if parts.scheme in ("data", "blob", "about"):
            return True
        return (parts.scheme, parts.netloc) == (site.scheme, site.netloc)

    def foreign(self) -> list[str]:
        """The URLs asked for that are not this site's."""
        return [url for url in self.requests if not self.own(url)]

    def problems(self) -> list[str]:
        return (
            [f"asked another host: {url}" for url in self.foreign()]
            + [f"console error: {text}" for text in self.console_errors]
            + [f"script error: {text}" for text in self.page_errors]
            + [f"request failed: {text}" for text in self.failed]
        )

    def assert_clean(self, where: str = "") -> None:
        problems = self.problems()
        assert not problems, f"{where}: " + "\n".join(problems)


@dataclass
class Visit:
    """One browser context (a visitor at one window size) and its page."""

    context: BrowserContext
    page: Page
    watch: Watch
    size: Size

    def close(self) -> None:
        self.context.close()


def open_visit(browser: Browser, origin: str, size: Size) -> Visit:
    """A fresh visitor (no cookies) with a window of ``size``."""
    options: dict[str, Any] = {
        "viewport": {"width": size.width, "height": size.height},
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "accept_downloads": True,
    }
    if size.phone:
        options |= {"device_scale_factor": 2, "is_mobile": True, "has_touch": True}
    context = browser.new_context(**options)
    context.set_default_timeout(WAIT_MS)
    watch = Watch(origin)
    watch.attach(context)
    page = context.new_page()
    watch.attach_page(page)
    return Visit(context, page, watch, size)


@contextlib.contextmanager
def visiting(browser: Browser, origin: str, size: Size) -> Iterator[Visit]:
    visit = open_visit(browser, origin, size)
    try:
        yield visit
    finally:
        visit.close()


def log_in(page: Page, origin: str, username: str, password: str) -> None:
    """Through the login form, as a person would; waits for the page it lands on."""
    page.goto(f"{origin}/app/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("[data-testid=login]")
    page.wait_for_load_state("load")


def path_of(page: Page) -> str:
    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


LAYOUT_SCRIPT = r"""
() => {
  const problems = [];
  const root = document.documentElement;
  const width = window.innerWidth;
  if (root.scrollWidth > width + 1) {
    problems.push(`the page is ${root.scrollWidth}px wide in a ${width}px window`);
  }
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
    const classes = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    const id = el.id ? '#' + el.id : '';
    const said = text.replace(/\s+/g, ' ').slice(0, 40);
    return `<${el.tagName.toLowerCase()}${id}${classes}> "${said}"`;
  };
  const shown = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) {
      return false;
    }
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const clips = (style) => style.overflowX !== 'visible' || style.overflowY !== 'visible';
  const scrolls = (style) => ['auto', 'scroll'].includes(style.overflowX) ||
    ['auto', 'scroll'].includes(style.overflowY);
  // The part of a box its clipping ancestors let through (null: none of it).
  const visiblePart = (el, box) => {
    let [left, top, right, bottom] = [box.left, box.top, box.right, box.bottom];
    for (let up = el.parentElement; up && up !== document.documentElement; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (!clips(style)) { continue; }
      const frame = up.getBoundingClientRect();
      left = Math.max(left, frame.left); top = Math.max(top, frame.top);
      right = Math.min(right, frame.right); bottom = Math.min(bottom, frame.bottom);
      if (right - left < 1 || bottom - top < 1) { return null; }
    }
    return { left, top, right, bottom };
  };
  // Text cut off: by its own box, or by an ancestor that hides overflow without scrolling.
  for (const el of document.body.querySelectorAll('*')) {
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!text || !shown(el)) { continue; }
    const style = getComputedStyle(el);
    const ellipsis = style.textOverflow === 'ellipsis';
    if (['hidden', 'clip'].includes(style.overflowX) && !ellipsis &&
        el.scrollWidth > el.clientWidth + 1) {
      problems.push(`cut off (${el.scrollWidth}px of text in ${el.clientWidth}px): ${name(el)}`);
      continue;
    }
    if (['hidden', 'clip'].includes(style.overflowY) && el.scrollHeight > el.clientHeight + 2) {
      problems.push(`cut off below (${el.scrollHeight}px in ${el.clientHeight}px): ${name(el)}`);
      continue;
    }
    const box = el.getBoundingClientRect();
    let scrollable = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const upStyle = getComputedStyle(up);
      if (scrolls(upStyle)) { scrollable = true; break; }
      if (!clips(upStyle) || upStyle.textOverflow === 'ellipsis') { continue; }
      const frame = up.getBoundingClientRect();
      if (box.left < frame.left - 1 || box.right > frame.right + 1 ||
          box.top < frame.top - 1 || box.bottom > frame.bottom + 1) {
        problems.push(`cut off by ${name(up)}: ${name(el)}`);
        break;
      }
    }
    if (!scrollable && (box.right > width + 1 || box.left < -1)) {
      const span = `${Math.round(box.left)}–${Math.round(box.right)}px`;
      problems.push(`off the window (${span}): ${name(el)}`);
    }
  }
  // Table cells squeezed to a character or two a line while their table scrolls anyway
  // (a column that could have been given room: "揽收件数" read downwards).
  for (const cell of document.body.querySelectorAll('th, td')) {
    const text = cell.innerText.trim();
    if ([...text].length < 4 || !shown(cell)) { continue; }
    const em = parseFloat(getComputedStyle(cell).fontSize);
    const range = document.createRange();
    range.selectNodeContents(cell);
    const boxes = [...range.getClientRects()].filter((box) => box.width > 0 && box.height > 0);
    const lines = new Set(boxes.map((box) => Math.round(box.top))).size;
    const widest = Math.max(0, ...boxes.map((box) => box.width));
    if (lines >= 3 && widest < 2.6 * em) {
      problems.push(`squeezed to ${Math.round(widest)}px a line: ${name(cell)}`);
    }
  }
  // Controls and headings that overlap: each line box of an inline element on its own.
  const selector = 'a, button, input:not([type=hidden]), select, textarea, h1, h2, h3, h4, h5, h6';
  const pieces = [];
  for (const el of document.body.querySelectorAll(selector)) {
    if (!shown(el)) { continue; }
    for (const rect of el.getClientRects()) {
      if (rect.width < 1 || rect.height < 1) { continue; }
      const part = visiblePart(el, rect);
      if (part) { pieces.push({ el, part }); }
    }
  }
  const reported = new Set();
  for (let i = 0; i < pieces.length; i++) {
    for (let j = i + 1; j < pieces.length; j++) {
      const a = pieces[i], b = pieces[j];
      if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) { continue; }
      const across = Math.min(a.part.right, b.part.right) - Math.max(a.part.left, b.part.left);
      const down = Math.min(a.part.bottom, b.part.bottom) - Math.max(a.part.top, b.part.top);
      if (across > 1 && down > 1) {
        const area = `${Math.round(across)}×${Math.round(down)}px`;
        const line = `overlap (${area}): ${name(a.el)} and ${name(b.el)}`;
        if (!reported.has(line)) { reported.add(line); problems.push(line); }
      }
    }
  }
  return problems;
}
"""

CJK_PROBE_SCRIPT = r"""
() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!/[\u4e00-\u9fff]/.test(node.textContent) || !parent) { continue; }
    const box = parent.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) { continue; }
    parent.setAttribute('data-cjk-probe', '');
    return { text: node.textContent.trim().slice(0, 30),
             stack: getComputedStyle(parent).fontFamily };
  }
  return null;
}
"""


def layout_problems(page: Page) -> list[str]:
    """Overflow, cut-off text and overlapping controls or headings, as the page is drawn."""
    found: list[str] = page.evaluate(LAYOUT_SCRIPT)
    return found


def cjk_fonts(page: Page) -> tuple[str, list[str], list[str]]:
    """The first Chinese text on the page, the font stack it asks for, and the fonts the
    browser drew it with (Chromium's own account, through the DevTools protocol)."""
    probe = page.evaluate(CJK_PROBE_SCRIPT)
    assert probe, "no Chinese text is shown on the page"
    stack = [name.strip().strip("\"'") for name in probe["stack"].split(",")]
    session = page.context.new_cdp_session(page)
    try:
        session.send("DOM.enable")
        session.send("CSS.enable")
        root = session.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = session.send("DOM.querySelector", {"nodeId": root, "selector": "[data-cjk-probe]"})
        fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    finally:
        session.detach()
        page.evaluate(
            "document.querySelector('[data-cjk-probe]').removeAttribute('data-cjk-probe')"
        )
    return probe["text"], stack, [font["familyName"] for font in fonts if font["glyphCount"]]


def chart_problems(page: Page) -> list[str]:
    """Every chart the page declares, drawn on a canvas (waits for maps to load)."""
    charts = page.locator("[data-chart]")
    if charts.count() == 0:
        return []
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')]"
        ".every((e) => e.hasAttribute('data-drawn'))",
        timeout=WAIT_MS,
    )
    states: list[dict[str, Any]] = page.evaluate(
        "() => [...document.querySelectorAll('[data-chart]')].map((e) => ({"
        "key: e.dataset.chart, drawn: e.dataset.drawn, canvas: !!e.querySelector('canvas')}))"
    )
    return [
        f"chart {state['key']} not drawn (data-drawn={state['drawn']}, canvas={state['canvas']})"
        for state in states
        if state["drawn"] != "true" or not state["canvas"]
    ]


def check_page(visit: Visit, shots: Path, name: str, *, language: str = "zh-CN") -> Path:
    """Every check a page must pass, after a full-page screenshot ``<name>-<size>.png`` in
    ``shots``; the failure message names the screenshot."""
    page = visit.page
    page.wait_for_load_state("load")
    problems = chart_problems(page)
    shot = shots / f"{name}-{visit.size.name}.png"
    page.screenshot(path=str(shot), full_page=True)
    problems += visit.watch.problems()
    problems += layout_problems(page)
    lang = page.evaluate("document.documentElement.lang")
    if lang != language:
        problems.append(f'<html lang="{lang}">, expected "{language}"')
    if language == "zh-CN":
        text, stack, drawn = cjk_fonts(page)
        if not any(font in stack for font in drawn):
            problems.append(f'"{text}" drawn with {drawn}, none of the page\'s fonts {stack}')
    assert not problems, f"{path_of(page)} at {visit.size.name} (screenshot {shot}):\n" + "\n".join(
        problems
    )
    return shot
