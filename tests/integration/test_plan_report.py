"""The plan report, read as HTML and opened in a real headless browser.

One real plan serves every test: the Chengdu–Mianyang example network through its Double 11
week (``docs/examples``), its outlets' pickups as releases with two days' grace, planned by
HiGHS and checked by the simulator with the overflow storage policy (about a second in all).
Mianyang's hub overflows with or without the plan, so every section has something to show.
The browser tests are skipped, with the reason, where ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re
from collections import defaultdict
from datetime import date, datetime
from typing import Any

import pytest

from peakguard.demo.sichuan import CITY_NAMES_EN
from peakguard.domain.network import NodeKind
from peakguard.errors import InvalidInputError
from peakguard.formats.loading import load_network
from peakguard.formats.scenario_document import load_scenario
from peakguard.optimize.comparison import PlanComparison, compare_by_simulation
from peakguard.optimize.problem import compile_problem
from peakguard.optimize.releases import releases_from_scenario
from peakguard.optimize.reroute import reroute_closure
from peakguard.optimize.reroute_parameters import ClosureRequest
from peakguard.optimize.shortfall_reserves import Reserve, reserves_for_shortfalls
from peakguard.optimize.stagger import PickupPlan, Shortfall, plan_pickups
from peakguard.simulate.plan import StoragePolicy
from peakguard.web import plan_sections
from peakguard.web.plan_report import render_plan_report, write_plan_report
from tests.integration.test_report_browser import CHROMIUM, Element, read_dom, run_chromium

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "docs" / "examples"
TWO_ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}[ ,;:'’]+[A-Za-z]{2,}")
"""An English phrase: what must not be left in the Chinese page's interface."""


@dataclasses.dataclass(frozen=True)
class Checked:
    plan: PickupPlan
    comparison: PlanComparison
    reserves: list[Reserve]


@pytest.fixture(scope="module")
def checked() -> Checked:
    """The example week planned and simulated without and with the plan."""
    network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
    scenario = load_scenario(EXAMPLES / "double11-small.yaml", network)
    scenario = scenario.model_copy(update={"storage_policy": StoragePolicy.overflow})
    problem = compile_problem(network, scenario)
    releases = releases_from_scenario(network, scenario, window_days=2)
    plan = plan_pickups(problem, releases)
    comparison = compare_by_simulation(problem, plan)
    return Checked(plan, comparison, reserves_for_shortfalls(plan))


def render(checked: Checked, language: str) -> str:
    return render_plan_report(
        checked.plan,
        checked.comparison,
        language=language,
        reserves=checked.reserves,
        place_names=CITY_NAMES_EN,
    )


@pytest.fixture(scope="module")
def english(checked: Checked) -> str:
    return render(checked, "en")


@pytest.fixture(scope="module")
def chinese(checked: Checked) -> str:
    return render(checked, "zh_CN")


@pytest.fixture(scope="module")
def elements(english: str) -> list[Element]:
    return read_dom(english)


def text_of(element: Element) -> str:
    return "".join(element.text).strip()


def rows_of(elements: list[Element], table: str) -> list[Element]:
    return [e for e in elements if e.tag == "tr" and e.context.get("data-table") == table]


def cells(elements: list[Element], table: str) -> list[list[str]]:
    """The text of each cell of each body row of ``table`` (data-table)."""
    rows: list[list[str]] = []
    for element in elements:
        if element.context.get("data-table") != table:
            continue
        if element.tag == "tr" and "data-node-id" in element.attrs:
            rows.append([])
        elif element.tag == "td" and rows:
            rows[-1].append(text_of(element))
    return rows


def interface_texts(html: str) -> set[str]:
    """Every piece of text a reader sees: element text, tooltips and aria labels."""
    texts = set()
    for element in read_dom(html):
        if element.tag in ("style", "script"):
            continue
        for piece in element.text:
            if piece.strip():
                texts.add(piece.strip())
        if element.attrs.get("aria-label"):
            texts.add(element.attrs["aria-label"])
    return texts


def quota_sums(
    plan: PickupPlan,
) -> tuple[dict[tuple[str, date], float], dict[tuple[str, date], float]]:
    """(carrier, day) → parcels the quotas let the carrier pick up, and parcels released."""
    quotas: dict[tuple[str, date], float] = defaultdict(float)
    released: dict[tuple[str, date], float] = defaultdict(float)
    for quota in plan.quotas:
        quotas[(quota.carrier, quota.day)] += quota.quota
        released[(quota.carrier, quota.day)] += quota.released
    return quotas, released


# --- without a browser -------------------------------------------------------------------------


def test_the_example_exercises_every_part_of_the_report(checked: Checked) -> None:
    """A hub overflows unplanned, the plan falls short somewhere and reserves are proposed."""
    assert any(hub.overflow_hours_before > 0 for hub in checked.comparison.hubs)
    assert any(hub.peak_storage_after <= 1 for hub in checked.comparison.hubs)
    assert checked.plan.shortfalls and not checked.plan.within_capacity
    assert checked.reserves
    assert checked.plan.delayed_parcels > 0


def test_hubs_are_ordered_fullest_first(checked: Checked, elements: list[Element]) -> None:
    """The chart's hubs run from the fullest (unplanned or planned) down."""
    order = [e.attrs["data-node-id"] for e in elements if "data-hub" in e.attrs]
    peaks = {
        h.node: max(h.peak_storage_before, h.peak_storage_after) for h in checked.comparison.hubs
    }
    assert [peaks[node] for node in order] == sorted(peaks.values(), reverse=True)


def test_hubs_over_capacity_are_marked(checked: Checked, elements: list[Element]) -> None:
    """A bar over 100 % is flagged and has a red excess part; a hub with one is flagged too."""
    bars = [e for e in elements if "data-bar" in e.attrs]
    for bar in bars:
        assert ("data-over" in bar.attrs) == (float(bar.attrs["data-utilisation"]) > 1 + 1e-6)
    over = {
        h.node
        for h in checked.comparison.hubs
        if max(h.peak_storage_before, h.peak_storage_after) > 1
    }
    flagged = {
        e.attrs["data-node-id"]
        for e in elements
        if "data-hub" in e.attrs and "data-over" in e.attrs
    }
    assert flagged == over and over
    excess = [e for e in elements if e.tag == "rect" and "data-excess" in e.attrs]
    assert len(excess) == len([bar for bar in bars if "data-over" in bar.attrs])


def test_overflow_table_lists_the_hubs_that_overflow_unplanned(
    checked: Checked, elements: list[Element]
) -> None:
    """One row per hub with overflow hours unplanned, its hours before and after."""
    expected = {
        h.node: (h.overflow_hours_before, h.overflow_hours_after)
        for h in checked.comparison.hubs
        if h.overflow_hours_before > 0
    }
    rows = [e for e in rows_of(elements, "overflow") if "data-node-id" in e.attrs]
    assert [row.attrs["data-node-id"] for row in rows] == list(expected)
    for row, values in zip(rows, cells(elements, "overflow"), strict=True):
        before, after = expected[row.attrs["data-node-id"]]
        assert (values[4], values[5]) == (str(before), str(after))


def test_simulator_cards_give_both_runs(checked: Checked, elements: list[Element]) -> None:
    """Each simulator card shows the unplanned figure, then the planned one."""
    before, after = checked.comparison.unplanned, checked.comparison.planned
    cards = {e.attrs["data-key"]: e for e in elements if e.attrs.get("data-key")}
    assert list(cards) == [
        "hubs-overflowing",
        "hub-overflow-hours",
        "peak-hub-storage",
        "on-time",
        "delivery-hours",
        "release-to-delivery-hours",
        "late-from-release",
        *(f"new-overflow-{item.node}" for item in checked.comparison.new_overflow_nodes),
    ]
    spans = [e for e in elements if e.tag == "span" and e.attrs.get("class") in ("before", "after")]
    shown = [text_of(span) for span in spans]
    customers = checked.comparison.customers_before.total, checked.comparison.customers_after.total
    assert shown[10:12] == [f"{side.release_to_delivery_hours:.1f}" for side in customers]
    assert shown[12:14] == [f"{side.late_from_release:,.0f}" for side in customers]
    assert shown[:2] == [f"{before.hubs_overflowing:,}", f"{after.hubs_overflowing:,}"]
    assert shown[2:4] == [f"{before.hub_overflow_hours:,}", f"{after.hub_overflow_hours:,}"]
    assert shown[6:8] == [f"{before.on_time_rate:.1%}", f"{after.on_time_rate:.1%}"]
    assert cards["on-time"].attrs["data-change"] == "better"


def test_shortfalls_are_listed_largest_first_with_the_rest_counted(
    checked: Checked, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Capped at two, the table keeps the two largest excesses and says how many are left out;
    a closed hub's shortfall is named as such."""
    closed = Shortfall(
        node="ZTO-MY-HUB",
        kind="closed",
        start=datetime(2026, 11, 11, 8),
        hours=10,
        capacity=0.0,
        limit=0.0,
        load=2500.0,
        excess=2500.0,
        unavoidable=True,
    )
    plan = dataclasses.replace(checked.plan, shortfalls=[*checked.plan.shortfalls, closed])
    monkeypatch.setattr(plan_sections, "MAX_SHORTFALL_ROWS", 2)
    elements = read_dom(render_plan_report(plan, checked.comparison, language="en"))
    rows = [e for e in rows_of(elements, "shortfalls") if "data-node-id" in e.attrs]
    excess = sorted((item.excess for item in plan.shortfalls), reverse=True)
    assert [float(row.attrs["data-excess"]) for row in rows] == pytest.approx(excess[:2])
    assert rows[0].attrs["data-kind"] == "closed"
    assert cells(elements, "shortfalls")[0][2] == "closed"
    note = next(e for e in elements if e.attrs.get("data-omitted") == "shortfalls")
    assert text_of(note) == (
        f"The 2 largest of {len(excess)} shortfalls are listed; {len(excess) - 2} are omitted."
    )


def test_reserves_say_what_to_add_where_and_when(checked: Checked, elements: list[Element]) -> None:
    """One row per reserve with its node, the step added and its window."""
    rows = [e for e in rows_of(elements, "reserves") if "data-node-id" in e.attrs]
    assert len(rows) == len(checked.reserves)
    expected = {
        (r.node, r.extra_sorting_per_hour, r.extra_storage, r.start.strftime("%Y-%m-%d %H:%M"))
        for r in checked.reserves
    }
    found = {
        (
            row.attrs["data-node-id"],
            int(row.attrs["data-sorting"]),
            int(row.attrs["data-storage"]),
            values[3],
        )
        for row, values in zip(rows, cells(elements, "reserves"), strict=True)
    }
    assert found == expected


def test_origins_are_listed_by_delay(checked: Checked, elements: list[Element]) -> None:
    """The origin table runs from the most parcel-days of delay down, and adds up to the plan's."""
    rows = cells(elements, "origins")
    days = [int(values[4].replace(",", "")) for values in rows]
    assert days == sorted(days, reverse=True)
    assert sum(days) == pytest.approx(checked.plan.delay_parcel_days, abs=len(days))


def test_without_a_simulation_the_program_s_peaks_are_drawn(checked: Checked) -> None:
    """With no comparison, the hub chart falls back to the plan's own loads, and says so."""
    html = render_plan_report(checked.plan, None, language="en")
    elements = read_dom(html)
    hubs = {load.node: load for load in checked.plan.node_loads if load.kind is NodeKind.hub}
    bars = [e for e in elements if "data-bar" in e.attrs]
    assert len(bars) == 2 * len(hubs)
    for bar in bars:
        load = hubs[bar.attrs["data-node-id"]]
        value = (
            load.peak_storage_before
            if bar.attrs["data-series"] == "unplanned"
            else load.peak_storage_after
        )
        assert float(bar.attrs["data-utilisation"]) == pytest.approx(value, abs=1e-6)
    assert "The plan was not simulated" in html
    assert not [e for e in elements if "data-key" in e.attrs]


def test_chinese_page_has_no_english_interface(english: str, chinese: str) -> None:
    """lang="zh-CN", and no English phrase of the English page, or any other, is left in it."""
    assert '<html lang="zh-CN">' in chinese
    assert "11月11日" in chinese and "绵阳" in chinese
    zh, en = interface_texts(chinese), interface_texts(english)
    english_phrases = {text for text in en if TWO_ENGLISH_WORDS.search(text)}
    assert english_phrases, "the English page should have English sentences"
    assert sorted(zh & english_phrases) == []
    assert sorted(text for text in zh if TWO_ENGLISH_WORDS.search(text)) == []


def test_english_page_is_english(english: str) -> None:
    """lang="en", English headings and place names; Chinese only in node names and captions."""
    assert '<html lang="en">' in english
    assert "Hub load before and after" in english and "Mianyang · ZTO Express" in english
    cjk = re.compile(r"[\u4e00-\u9fff]")
    headings = [e for e in read_dom(english) if e.tag in ("h1", "h2", "h3", "th", "figcaption")]
    assert not [text_of(e) for e in headings if cjk.search(text_of(e))]


def test_page_is_self_contained(english: str, chinese: str) -> None:
    """No scripts, external references or CSS imports in either page."""
    for page in (english.lower(), chinese.lower()):
        for forbidden in ("<script", "<link", "http://", "https://", "@import", "url("):
            assert forbidden not in page


def test_everything_is_escaped(checked: Checked) -> None:
    """A scenario name with markup in it is shown as text, not read as markup."""
    plan = dataclasses.replace(checked.plan, scenario="<b>双11</b> & co")
    html = render_plan_report(plan, checked.comparison, language="en")
    assert "<b>" not in html
    assert "&lt;b&gt;双11&lt;/b&gt; &amp; co" in html


def test_write_returns_the_path(checked: Checked, tmp_path: pathlib.Path) -> None:
    """write_plan_report writes UTF-8 HTML to the path it returns."""
    path = write_plan_report(
        checked.plan, checked.comparison, tmp_path / "plan.html", language="zh_CN"
    )
    assert path == tmp_path / "plan.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_unknown_language_is_an_input_error(checked: Checked) -> None:
    """A language without a catalogue is refused with a message that names it."""
    with pytest.raises(InvalidInputError) as raised:
        render_plan_report(checked.plan, checked.comparison, language="fr")
    assert "fr" in raised.value.render("en")


# --- in the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> pathlib.Path:
    """Debian's chromium, or a skip that says how to get it."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def report_files(
    english: str, chinese: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, pathlib.Path]:
    folder = tmp_path_factory.mktemp("plan-report")
    files = {"en": folder / "plan_en.html", "zh_CN": folder / "plan_zh_CN.html"}
    files["en"].write_text(english, encoding="utf-8")
    files["zh_CN"].write_text(chinese, encoding="utf-8")
    return files


@pytest.fixture(scope="module")
def browser_doms(
    chromium: pathlib.Path,
    report_files: dict[str, pathlib.Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, list[Element]]:
    """The DOM chromium built from each language's page."""
    doms = {}
    for language, path in report_files.items():
        profile = tmp_path_factory.mktemp(f"chromium-{language}")
        completed = run_chromium(chromium, profile, "--dump-dom", path.as_uri())
        doms[language] = read_dom(completed.stdout)
    return doms


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_one_bar_pair_per_hub(
    checked: Checked, browser_doms: dict[str, list[Element]], language: str
) -> None:
    """Every hub has one group with an unplanned and a planned bar, and no hub is drawn twice."""
    dom = browser_doms[language]
    groups = [e for e in dom if "data-hub" in e.attrs]
    assert sorted(e.attrs["data-node-id"] for e in groups) == sorted(
        hub.node for hub in checked.comparison.hubs
    )
    bars = [e for e in dom if "data-bar" in e.attrs]
    pairs: dict[str, list[str]] = defaultdict(list)
    for bar in bars:
        pairs[bar.attrs["data-node-id"]].append(bar.attrs["data-series"])
    assert all(series == ["unplanned", "planned"] for series in pairs.values())
    assert len(pairs) == len(groups)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_bar_lengths_are_proportional_to_utilisation(
    checked: Checked, browser_doms: dict[str, list[Element]], language: str
) -> None:
    """Each bar's width is its hub's simulated peak utilisation times one scale, from one
    baseline, and the 100 % and margin lines sit where that scale puts them."""
    dom = browser_doms[language]
    svg = next(e for e in dom if e.tag == "svg" and e.attrs.get("data-panel") == "hubs")
    scale, left = float(svg.attrs["data-pixels-per-unit"]), float(svg.attrs["data-left"])
    hubs = {hub.node: hub for hub in checked.comparison.hubs}
    bars = [e for e in dom if "data-bar" in e.attrs]
    for bar in bars:
        hub = hubs[bar.attrs["data-node-id"]]
        expected = (
            hub.peak_storage_before
            if bar.attrs["data-series"] == "unplanned"
            else hub.peak_storage_after
        )
        assert float(bar.attrs["data-utilisation"]) == pytest.approx(expected, abs=1e-6)
        assert float(bar.attrs["x"]) == pytest.approx(left)
        assert float(bar.attrs["width"]) == pytest.approx(expected * scale, abs=0.02)
    rules = {e.attrs["data-rule"]: float(e.attrs["x1"]) for e in dom if "data-rule" in e.attrs}
    margin = checked.plan.parameters.storage_margin
    assert rules["full"] == pytest.approx(left + scale, abs=0.02)
    assert rules["margin"] == pytest.approx(left + margin * scale, abs=0.02)
    # The overflowing hub's bar reaches past the 100 % line.
    assert max(float(bar.attrs["width"]) for bar in bars) > scale


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_carrier_day_table_adds_up_to_the_quotas(
    checked: Checked, browser_doms: dict[str, list[Element]], language: str
) -> None:
    """Each carrier-day row is the sum of the quotas (and releases) of that carrier and day, in
    its data and its cells; the totals and the chart's bars agree with it."""
    dom = browser_doms[language]
    quotas, released = quota_sums(checked.plan)
    rows: dict[tuple[str, date], tuple[float, float, list[str]]] = {}
    current: list[str] | None = None
    for element in dom:
        if element.context.get("data-table") != "carrier-days":
            continue
        if element.tag == "table":
            carrier = element.attrs["data-carrier"]
        elif element.tag == "tr" and "data-day" in element.attrs:
            current = []
            key = (carrier, date.fromisoformat(element.attrs["data-day"]))
            rows[key] = (
                float(element.attrs["data-picked-up"]),
                float(element.attrs["data-released"]),
                current,
            )
        elif element.tag == "tr":
            current = None
        elif element.tag == "td" and current is not None and "data-cell" in element.attrs:
            current.append(text_of(element))
    assert set(rows) == set(quotas)
    for key, (picked, out, shown) in rows.items():
        assert picked == pytest.approx(quotas[key], abs=1e-3)
        assert out == pytest.approx(released[key], abs=1e-3)
        assert shown == [f"{round(released[key]):,}", f"{round(quotas[key]):,}"]
        assert checked.plan.daily_pickups[key[0]][key[1]] == pytest.approx(quotas[key], abs=1e-3)
    totals = [
        e
        for e in dom
        if e.tag == "td"
        and e.context.get("data-table") == "carrier-days"
        and "data-cell" in e.attrs
    ]
    total_picked = sum(quota.quota for quota in checked.plan.quotas)
    assert f"{round(total_picked):,}" in [text_of(e) for e in totals[-2:]]
    bars = {
        (e.attrs["data-series"], e.attrs["data-day"]): float(e.attrs["data-value"])
        for e in dom
        if e.context.get("data-panel") == "pickups" and e.tag == "rect"
    }
    for (carrier, day), amount in quotas.items():
        assert bars[("picked-up", day.isoformat())] == pytest.approx(amount, abs=1e-3)
        assert bars[("released", day.isoformat())] == pytest.approx(
            released[(carrier, day)], abs=1e-3
        )


def external_requests(
    chromium: pathlib.Path, page: pathlib.Path, folder: pathlib.Path
) -> list[str]:
    """URLs the page itself asked for while chromium loaded it, from chromium's network log
    (chromium's own background requests are not the page's and are left out)."""
    log = folder / "net-log.json"
    run_chromium(chromium, folder / "profile", f"--log-net-log={log}", "--dump-dom", page.as_uri())
    text = log.read_text(encoding="utf-8").rstrip()
    try:
        events: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError:  # a log cut short at exit lacks its closing brackets
        events = json.loads(text.rstrip(",") + "]}")
    urls = []
    for event in events["events"]:
        params = event.get("params", {})
        if str(params.get("network_isolation_key", "")).startswith("file://") and "url" in params:
            urls.append(str(params["url"]))
    return [url for url in urls if not url.startswith("file:")]


def test_browser_requests_nothing_from_outside(
    chromium: pathlib.Path, report_files: dict[str, pathlib.Path], tmp_path: pathlib.Path
) -> None:
    """Chromium's network log shows no request from either page; a page with one external image
    shows that request (so the check can see one)."""
    control = tmp_path / "control.html"
    control.write_text('<html><body><img src="http://127.0.0.1:9/x.png"></body></html>')
    (tmp_path / "control").mkdir()
    assert set(external_requests(chromium, control, tmp_path / "control")) == {
        "http://127.0.0.1:9/x.png"
    }
    for language, path in report_files.items():
        folder = tmp_path / language
        folder.mkdir()
        assert external_requests(chromium, path, folder) == []


def test_the_reroute_is_shown_with_its_backups(checked: Checked) -> None:
    """With the example's reroute, the page lists each backup with its share of the closed
    hub's parcels, and the shares shown add up to what the backups took."""
    network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
    scenario = load_scenario(EXAMPLES / "double11-small.yaml", network)
    closure = ClosureRequest.from_closure(scenario.closures[0])
    reroute = reroute_closure(compile_problem(network, scenario), closure)
    html = render_plan_report(checked.plan, checked.comparison, language="en", reroute=reroute)
    elements = read_dom(html)
    rows = cells(elements, "backups")
    assert [row[1] for row in rows] == [backup.hub for backup in reroute.backups]
    shown = sum(float(row[2].rstrip("%")) for row in rows) / 100
    assert shown == pytest.approx(reroute.absorbed_parcels / reroute.parcels, abs=0.01)
    assert "ZTO-MY-HUB" in html or "绵阳" in html
