"""The simulation report, read as HTML and opened in a real headless browser.

One small simulation serves every test: the demo network with 7 outlets per carrier, a week
with a Double 11 day at twice the normal volume, and Deyang's ZTO hub closed for 18 hours
(long enough to call for a blockage report). The browser tests are skipped, with the reason,
where ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
import struct

import pytest

from peakguard.demo.sichuan import CITY_NAMES_EN, DemoParameters, build_sichuan_network
from peakguard.domain.network import NodeKind
from peakguard.errors import InvalidInputError
from peakguard.simulate.run import SimulationResult, simulate
from peakguard.simulate.scenario import Scenario
from peakguard.simulate.warning_rules import WarningLevel
from peakguard.simulate.warnings import NETWORK, blockage_reports
from peakguard.web import simulation_sections
from peakguard.web.simulation_charts import LEVEL_COLOURS
from peakguard.web.simulation_report import (
    MAX_CURVES,
    render_simulation_report,
    write_simulation_report,
)
from peakguard.web.simulation_sections import MAX_TIMELINE_ROWS, MAX_WARNING_ROWS
from tests.integration.test_report_browser import CHROMIUM, Element, read_dom, run_chromium

PLACE_NAMES = {**CITY_NAMES_EN, "510000": "Sichuan"}
CLOSED_HUB = "ZTO-510600-HUB"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    """A week's peak on a small demo network (553 nodes): 2× on Double 11, one 18-hour closure.

    Big enough that many hubs reach every level (so the caps on curves, rows and table apply)
    and the network as a whole is warned; small enough to simulate in a few seconds.
    """
    network = build_sichuan_network(DemoParameters(outlets_per_carrier=7))
    scenario = Scenario.model_validate(
        {
            "name": "double11-week",
            "first_day": "2026-11-08",
            "days": 7,
            "drain_days": 2,
            "volume_multipliers": [
                {"first_day": "2026-11-09", "last_day": "2026-11-10", "multiplier": 1.3},
                {"first_day": "2026-11-11", "multiplier": 2.0},
                {"first_day": "2026-11-12", "last_day": "2026-11-14", "multiplier": 1.5},
            ],
            "closures": [
                {
                    "node": CLOSED_HUB,
                    "start": "2026-11-12T00:00",
                    "end": "2026-11-12T18:00",
                    "reason": "typhoon",
                }
            ],
        }
    )
    return simulate(network, scenario)


@pytest.fixture(scope="module")
def english(result: SimulationResult) -> str:
    return render_simulation_report(result, language="en", place_names=PLACE_NAMES)


@pytest.fixture(scope="module")
def chinese(result: SimulationResult) -> str:
    return render_simulation_report(result, language="zh_CN", place_names=PLACE_NAMES)


@pytest.fixture(scope="module")
def elements(english: str) -> list[Element]:
    return read_dom(english)


def in_panel(elements: list[Element], panel: str, tag: str | None = None) -> list[Element]:
    return [
        element
        for element in elements
        if element.context.get("data-panel") == panel and (tag is None or element.tag == tag)
    ]


def warning_rows(elements: list[Element]) -> list[Element]:
    return [
        e
        for e in elements
        if e.tag == "tr" and "data-warning" in e.attrs and e.context.get("data-table") == "warnings"
    ]


def table_cells(elements: list[Element]) -> list[tuple[str, list[str]]]:
    """(node id, the text of each cell) for each row of the warning table."""
    rows: list[tuple[str, list[str]]] = []
    for element in elements:
        if element.tag == "tr" and "data-warning" in element.attrs:
            rows.append((element.attrs["data-node-id"], []))
        elif element.tag == "td" and rows and element.context.get("data-table") == "warnings":
            rows[-1][1].append("".join(element.text).strip())
    return rows


def warned_hubs(result: SimulationResult) -> dict[str, WarningLevel]:
    """The most severe level each hub reached."""
    nodes = result.network.node_index()
    worst: dict[str, WarningLevel] = {}
    for warning in result.warnings:
        node = nodes.get(warning.node_id)
        if node is not None and node.kind is NodeKind.hub:
            worst[node.id] = min(worst.get(node.id, WarningLevel.blue), warning.level)
    return worst


# --- without a browser -------------------------------------------------------------------------


def test_the_scenario_exercises_every_part_of_the_report(result: SimulationResult) -> None:
    """The fixture warns the network, more hubs than are drawn, and drafts one blockage report."""
    assert any(warning.node_id == NETWORK for warning in result.warnings)
    assert len(warned_hubs(result)) > MAX_CURVES
    assert len(result.warnings) > MAX_WARNING_ROWS
    assert [report.node_id for report in result.blockages] == [CLOSED_HUB]


def test_warning_table_lists_the_most_severe_and_says_how_many_are_omitted(
    result: SimulationResult, elements: list[Element]
) -> None:
    """The table is capped; the note gives the omitted count; nothing omitted is more severe."""
    rows = warning_rows(elements)
    assert len(rows) == MAX_WARNING_ROWS
    omitted = len(result.warnings) - MAX_WARNING_ROWS
    note = next(e for e in elements if e.attrs.get("data-omitted") == "warnings")
    assert f"{omitted:,} are omitted" in "".join(note.text)
    least = max(int(row.attrs["data-level"]) for row in rows)
    more_severe = [w for w in result.warnings if w.level < least]
    assert len(more_severe) == len([r for r in rows if int(r.attrs["data-level"]) < least])
    assert rows[0].attrs["data-node-id"] == NETWORK


def test_uncapped_warning_table_has_one_row_per_warning(
    result: SimulationResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the cap lifted, every warning is a row and no omission is claimed."""
    monkeypatch.setattr(simulation_sections, "MAX_WARNING_ROWS", len(result.warnings))
    elements = read_dom(render_simulation_report(result, language="en"))
    assert len(warning_rows(elements)) == len(result.warnings)
    assert not [e for e in elements if e.attrs.get("data-omitted") == "warnings"]


def test_warning_rows_show_the_scenario_times(
    result: SimulationResult, elements: list[Element]
) -> None:
    """Each row's start, end and hours are those of one of its node's warnings."""
    moment = result.scenario.moment
    known = {
        (
            w.node_id,
            moment(w.start_hour).strftime("%Y-%m-%d %H:%M"),
            moment(w.end_hour).strftime("%Y-%m-%d %H:%M") if w.end_hour is not None else None,
        )
        for w in result.warnings
    }
    rows = table_cells(elements)
    assert len(rows) == MAX_WARNING_ROWS
    for node_id, cells in rows:
        start, end = cells[3], cells[4]
        assert (node_id, start, end) in known or (
            end == "still at the end of the run" and (node_id, start, None) in known
        )


def test_each_warned_hub_up_to_the_cap_has_a_curve(
    result: SimulationResult, elements: list[Element]
) -> None:
    """The most severely warned hubs each have a backlog curve with storage line and level strip."""
    worst = warned_hubs(result)
    figures = [e for e in elements if e.tag == "figure" and "data-curve" in e.attrs]
    assert len(figures) == min(MAX_CURVES, len(worst))
    levels = [int(figure.attrs["data-level"]) for figure in figures]
    assert levels == sorted(levels)
    for figure in figures:
        assert int(figure.attrs["data-level"]) == worst[figure.attrs["data-node-id"]]
    # Every hub left out is no more severe than the least severe one drawn.
    drawn = {figure.attrs["data-node-id"] for figure in figures}
    assert all(level >= max(levels) for hub, level in worst.items() if hub not in drawn)
    curves = in_panel(elements, "curve", "svg")
    assert len(curves) == len(figures)
    assert len([e for e in in_panel(elements, "curve", "line") if "data-storage" in e.attrs]) == (
        len(figures)
    )


def test_timeline_has_the_network_row_first(
    result: SimulationResult, elements: list[Element]
) -> None:
    """The first row is the network as a whole, then at most the cap of warned nodes."""
    rows = [e for e in in_panel(elements, "timeline", "g") if "data-row" in e.attrs]
    assert rows[0].attrs["data-node-id"] == NETWORK
    assert "data-network" in rows[0].attrs
    warned = {w.node_id for w in result.warnings} - {NETWORK}
    assert len(rows) == 1 + min(MAX_TIMELINE_ROWS, len(warned))
    network_bars = [
        e
        for e in in_panel(elements, "timeline", "rect")
        if e.attrs.get("data-node-id") == NETWORK and "warning-bar" in e.attrs.get("class", "")
    ]
    assert len(network_bars) == sum(1 for w in result.warnings if w.node_id == NETWORK)


def test_bar_colours_match_their_levels(elements: list[Element]) -> None:
    """Timeline bars and curve strips are red, orange, yellow or blue as their level says."""
    bars = [
        e
        for e in elements
        if e.tag == "rect"
        and "data-level" in e.attrs
        and e.context.get("data-panel") in ("timeline", "curve")
    ]
    assert {int(bar.attrs["data-level"]) for bar in bars} == {1, 2, 3, 4}
    for bar in bars:
        assert bar.attrs["fill"] == LEVEL_COLOURS[WarningLevel(int(bar.attrs["data-level"]))]
    assert LEVEL_COLOURS[WarningLevel.red] == "#d7301f"
    legend = [e for e in elements if e.tag == "li" and e.context.get("data-panel") is None]
    labels = {"".join(e.text).strip() for e in legend if "data-level" in e.attrs}
    assert {"level I (red)", "level II (orange)", "level III (yellow)", "level IV (blue)"} <= labels


def test_map_colours_hubs_by_their_most_severe_level(
    result: SimulationResult, elements: list[Element]
) -> None:
    """Every hub in Sichuan is on the map, coloured by its worst level or grey, the closed one
    marked."""
    worst = warned_hubs(result)
    hubs = [e for e in in_panel(elements, "levels", "circle") if e.attrs.get("data-kind") == "hub"]
    inside = [n for n in result.network.nodes if n.kind is NodeKind.hub and n.region[:2] == "51"]
    assert sorted(hub.attrs["data-node-id"] for hub in hubs) == sorted(n.id for n in inside)
    for hub in hubs:
        level = worst.get(hub.attrs["data-node-id"])
        assert hub.attrs["fill"] == (LEVEL_COLOURS[level] if level else "#c3cad3")
    closed = [e for e in in_panel(elements, "levels") if "data-closed-marker" in e.attrs]
    assert [e.attrs["data-node-id"] for e in closed] == [CLOSED_HUB]


def test_closure_is_shaded_in_every_chart(
    result: SimulationResult, elements: list[Element]
) -> None:
    """The closure's window is shaded on the peak chart, the timeline and the hub's own curve."""
    scenario = result.scenario
    closure = scenario.closures[0]
    start, end = scenario.hour_of(closure.start), scenario.hour_of(closure.end)
    assert (start, end) == (scenario.warm_up_hours + 96, scenario.warm_up_hours + 114)
    shaded = [e for e in elements if e.tag == "rect" and "data-closure" in e.attrs]
    assert {e.context["data-panel"] for e in shaded} == {"peak", "timeline", "curve"}
    for shade in shaded:
        assert shade.attrs["data-node-id"] == CLOSED_HUB
        assert (int(shade.attrs["data-start-hour"]), int(shade.attrs["data-end-hour"])) == (
            start,
            end,
        )
    labels = [e for e in in_panel(elements, "peak", "text") if "closure-label" in e.attrs["class"]]
    assert ["".join(label.text) for label in labels] == ["Deyang · ZTO Express closed: typhoon"]


def test_blockage_draft_appears_for_a_closure_of_twelve_hours_or_more(
    result: SimulationResult, elements: list[Element], english: str
) -> None:
    """The 18-hour closure gives one boxed draft with its window, due time and parcel counts."""
    drafts = [e for e in elements if "data-blockage" in e.attrs]
    assert [draft.attrs["data-node-id"] for draft in drafts] == [CLOSED_HUB]
    report = result.blockages[0]
    assert "2026-11-12 00:00 – 2026-11-12 18:00" in english
    assert "Must reach the postal administration by 2026-11-13 00:00" in english
    assert f"{round(report.parcels_held):,} at the end of the closure" in english
    assert f"{round(report.parcels_refused):,}, summed over the departures" in english


def test_no_blockage_draft_for_a_short_closure(result: SimulationResult) -> None:
    """A six-hour closure calls for no report, and the page says so."""
    closure = result.scenario.closures[0].model_copy(
        update={"end": result.scenario.closures[0].start.replace(hour=6)}
    )
    scenario = result.scenario.model_copy(update={"closures": [closure]})
    reports = blockage_reports(result.run, result.network, scenario)
    assert reports == []
    short = dataclasses.replace(result, scenario=scenario, blockages=reports)
    elements = read_dom(render_simulation_report(short, language="en"))
    assert not [e for e in elements if "data-blockage" in e.attrs]
    assert [e for e in elements if "data-blockage-none" in e.attrs]


def test_thresholds_are_shown_as_local_policy(english: str, elements: list[Element]) -> None:
    """The threshold table gives the scenario's values, and the note says they are not official."""
    rows = [e for e in elements if e.tag == "tr" and e.context.get("data-table") == "thresholds"]
    assert [row.attrs.get("data-level") for row in rows[1:]] == ["1", "2", "3", "4"]
    assert "local policy" in english
    assert "no official backlog thresholds exist" in english
    for value in (">100%<", ">90%<", ">80%<", ">70%<", ">6 h<", ">72 h<"):
        assert value in english


def test_summary_gives_formatted_figures(result: SimulationResult, english: str) -> None:
    """Accepted and delivered parcels, the on-time rate and the warning counts, formatted."""
    summary = result.summary
    paragraph = next(e for e in read_dom(english) if "data-summary" in e.attrs)
    text = "".join(paragraph.text)
    assert f"accepted {round(summary.accepted):,} parcels" in text
    assert f"delivered {round(summary.delivered):,} of them" in text
    assert f"{summary.on_time_rate:.1%}" in text
    red = summary.warnings_by_level["red"]
    assert f"{red:,} at level I (red)" in text


def test_english_page_is_english(english: str) -> None:
    """lang="en", English headings and English city names; Chinese only in node names."""
    assert '<html lang="en">' in english
    for label in ("The peak", "Backlog at warned hubs", "Warnings on a timeline", "Deyang"):
        assert label in english
    headings = [e for e in read_dom(english) if e.tag in ("h1", "h2", "th", "figcaption")]
    assert not [e for e in headings if CJK.search("".join(e.text))]
    assert "Nov 11" in english


def test_chinese_page_sets_the_chinese_language(chinese: str) -> None:
    """lang="zh-CN", Chinese dates and place names, even when English ones are passed."""
    assert '<html lang="zh-CN">' in chinese
    assert "11月11日" in chinese
    assert "德阳" in chinese
    assert ">Deyang<" not in chinese


def test_page_is_self_contained(english: str) -> None:
    """No scripts, external references or CSS imports in the page."""
    page = english.lower()
    for forbidden in ("<script", "<link", "http://", "https://", "@import", "url("):
        assert forbidden not in page


def test_write_returns_the_path(result: SimulationResult, tmp_path: pathlib.Path) -> None:
    """write_simulation_report writes UTF-8 HTML to the path it returns."""
    path = write_simulation_report(result, tmp_path / "report.html", language="zh_CN")
    assert path == tmp_path / "report.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_quiet_run_renders_with_notes_instead_of_charts(result: SimulationResult) -> None:
    """Without warnings or closures the page still renders and says there was nothing to show."""
    quiet = dataclasses.replace(
        result,
        scenario=result.scenario.model_copy(update={"closures": []}),
        warnings=[],
        blockages=[],
    )
    html = render_simulation_report(quiet, language="en")
    elements = read_dom(html)
    assert "No hub reached a warning level." in html
    assert "No warnings were raised." in html
    assert not [e for e in elements if "data-curve" in e.attrs or "data-closure" in e.attrs]
    assert not [e for e in elements if "data-row" in e.attrs]
    hubs = [e for e in in_panel(elements, "levels", "circle") if e.attrs.get("data-kind") == "hub"]
    assert {hub.attrs["data-level"] for hub in hubs} == {"0"}


def test_unknown_language_is_an_input_error(result: SimulationResult) -> None:
    """A language without a catalogue is refused with a message that names it."""
    with pytest.raises(InvalidInputError) as raised:
        render_simulation_report(result, language="fr")
    assert "fr" in raised.value.render("en")


# --- in the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> pathlib.Path:
    """Debian's chromium, or a skip that says how to get it."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def report_file(result: SimulationResult, tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    folder = tmp_path_factory.mktemp("simulation-report")
    return write_simulation_report(
        result, folder / "simulation_report.html", language="en", place_names=PLACE_NAMES
    )


def test_browser_builds_the_same_page(
    chromium: pathlib.Path,
    report_file: pathlib.Path,
    elements: list[Element],
    tmp_path: pathlib.Path,
) -> None:
    """The DOM chromium builds has every chart, curve, row and draft the HTML has."""
    completed = run_chromium(chromium, tmp_path / "profile", "--dump-dom", report_file.as_uri())
    dom = read_dom(completed.stdout)

    def census(found: list[Element]) -> dict[str, int]:
        return {
            "panels": len([e for e in found if e.tag == "svg" and "data-panel" in e.attrs]),
            "curves": len([e for e in found if "data-curve" in e.attrs]),
            "rows": len(warning_rows(found)),
            "bars": len([e for e in found if "warning-bar" in e.attrs.get("class", "")]),
            "closures": len([e for e in found if "data-closure" in e.attrs]),
            "drafts": len([e for e in found if "data-blockage" in e.attrs]),
        }

    assert census(dom) == census(elements)
    assert census(dom)["panels"] == 3 + census(dom)["curves"]
    assert not [e.tag for e in dom if e.tag in ("script", "link", "img", "iframe")]


def test_screenshot_is_a_full_page_image(
    chromium: pathlib.Path, report_file: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    """Chromium renders the report to a 1400×3000 PNG with real content."""
    screenshot = tmp_path / "simulation_report.png"
    run_chromium(
        chromium,
        tmp_path / "profile",
        "--hide-scrollbars",
        f"--screenshot={screenshot}",
        "--window-size=1400,3000",
        report_file.as_uri(),
    )
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1400, 3000)
    assert len(data) > 150_000  # a blank page of that size compresses to a few kilobytes


def test_daily_bars_are_dated_from_the_start_of_the_warm_up(
    result: SimulationResult, elements: list[Element]
) -> None:
    """The tallest accepted bar is the 2× day, 11 November, and the bars begin with the warm-up
    days before the first day (hour 0 is the warm-up's start, not the first day)."""
    bars = [e for e in elements if e.attrs.get("data-series") == "accepted"]
    days = [e.attrs["data-day"] for e in bars]
    warm_up_start = result.scenario.start.date().isoformat()
    assert days[0] == warm_up_start
    assert result.scenario.first_day.isoformat() in days
    tallest = max(bars, key=lambda e: float(e.attrs["height"]))
    assert tallest.attrs["data-day"] == "2026-11-11"
