"""How long each landing page and the bulletin take to show, in a real headless Chromium, on the
demo's data: the first view after logging in, then views again.

Run it from the repository root after ``bash scripts/demo.sh`` (whose home holds the demo's
network, season, lake and users) against a running server over that home::

    PEAKGUARD_HOME=~/.peakguard .venv/bin/peakguard serve --port 8123 --no-access-log &
    .venv/bin/python benchmarks/page_first_view.py --base http://127.0.0.1:8123 \\
        --logins logins.txt --rounds 5

``logins.txt`` holds ``username password`` per line (the table the demo prints). For each
user, each round opens a new browser context (no cache, no cookies), logs in through the form,
and then times, from the navigation's start: the HTML's arrival (``responseStart``), the page
shown (``domContentLoadedEventEnd``), loaded (``loadEventEnd``) and, where the page has charts,
every chart drawn. The baseline is the login page (static HTML, no data) in the same round.
Results: medians over the rounds, and each page's ratio to the baseline.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMING = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  return {html: n.responseStart, shown: n.domContentLoadedEventEnd, loaded: n.loadEventEnd};
}"""


def timed(page: Page, url: str) -> dict[str, float]:
    """Open ``url`` and time it (ms from the navigation's start)."""
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    charts = page.locator("[data-chart]").count()
    if charts:
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-chart]')]"
            ".every(e => e.getAttribute('data-drawn'))",
            timeout=30_000,
        )
    drawn = (time.perf_counter() - started) * 1000
    figures: dict[str, float] = page.evaluate(TIMING)
    figures["drawn"] = drawn if charts else figures["loaded"]
    return figures


def log_in(page: Page, base: str, username: str, password: str) -> str:
    page.goto(f"{base}/app/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("[data-testid=login]")
    return page.url.removeprefix(base)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8123")
    parser.add_argument("--logins", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument(
        "--page",
        action="append",
        default=[],
        help="another page every regulator and carrier opens (e.g. /app/networks/sichuan-demo)",
    )
    options = parser.parse_args()
    logins = [line.split() for line in options.logins.read_text().splitlines() if line.strip()]
    samples: dict[str, list[dict[str, float]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=options.chromium, args=ARGS)
        for _round in range(options.rounds):
            for username, password in logins:
                context = browser.new_context(viewport={"width": 1366, "height": 768})
                page = context.new_page()
                samples.setdefault("login page (baseline)", []).append(
                    timed(page, f"{options.base}/app/login")
                )
                landing = log_in(page, options.base, username, password)
                pages = [landing]
                if username not in ("platform.operator", "public.reader"):
                    pages += ["/app/bulletins", *options.page]
                for path in pages:
                    first = timed(page, options.base + path)
                    again = timed(page, options.base + path)
                    samples.setdefault(f"{username} {path} first", []).append(first)
                    samples.setdefault(f"{username} {path} again", []).append(again)
                context.close()
        browser.close()
    base = statistics.median(s["drawn"] for s in samples["login page (baseline)"])
    print(f"machine: {platform.node()} {platform.machine()}, Python {platform.python_version()}")
    print(f"{'page':<48} {'html':>7} {'shown':>7} {'drawn':>7} {'max':>7} {'÷ base':>7}")
    for name, runs in samples.items():
        html = statistics.median(r["html"] for r in runs)
        shown = statistics.median(r["shown"] for r in runs)
        drawn = statistics.median(r["drawn"] for r in runs)
        worst = max(r["drawn"] for r in runs)
        print(f"{name:<48} {html:7.0f} {shown:7.0f} {drawn:7.0f} {worst:7.0f} {drawn / base:7.1f}")


if __name__ == "__main__":
    main()
