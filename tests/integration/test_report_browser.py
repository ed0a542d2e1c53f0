"""The network report, opened in a real headless browser (Debian's ``chromium``).

The browser tests read the DOM the browser built (``--dump-dom``) and take a screenshot; they
are skipped, with the reason, where ``/usr/bin/chromium`` is missing (CI installs it). The fast
tests at the end check the HTML string itself, without a browser.
"""

from __future__ import annotations

import math
import os
import pathlib
import struct
import subprocess
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from peakguard.demo.sichuan import CITY_NAMES_EN, build_sichuan_network
from peakguard.domain.network import Carrier, Lane, Network, Node, NodeKind, Shift, TransportMode
from peakguard.errors import InvalidInputError
from peakguard.web.network_maps import MIN_HUB_RADIUS
from peakguard.web.report import render_network_report, write_network_report

CHROMIUM = pathlib.Path(os.environ.get("PEAKGUARD_CHROMIUM", "/usr/bin/chromium"))
BROWSER_TIMEOUT_SECONDS = 120
PLACE_NAMES = {**CITY_NAMES_EN, "510000": "Sichuan"}
CHENGDU, DAZHOU, PANZHIHUA = "510100", "511700", "510400"
GATEWAY_REGIONS = {"500100", "610100", "420100", "440100", "310100", "330100", "110100", "530100"}
VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


# --- a small DOM reader ------------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    context: dict[str, str]
    """``data-panel`` and ``data-table`` of the element or its nearest ancestor that has one."""
    text: list[str] = field(default_factory=list)


class _DomReader(HTMLParser):
    """Every element in document order, with its attributes, context and own text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        context = dict(self._open[-1].context) if self._open else {}
        context.update({k: v for k, v in values.items() if k in ("data-panel", "data-table")})
        element = Element(tag, values, context)
        self.elements.append(element)
        if tag not in VOID_ELEMENTS:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self._open.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1].text.append(data)


def read_dom(html: str) -> list[Element]:
    reader = _DomReader()
    reader.feed(html)
    reader.close()
    return reader.elements


def province_hubs(elements: list[Element]) -> list[Element]:
    return [
        element
        for element in elements
        if element.tag == "circle"
        and element.attrs.get("data-kind") == "hub"
        and element.context.get("data-panel") == "province"
    ]


def hub_rows(elements: list[Element]) -> list[Element]:
    return [
        element
        for element in elements
        if element.tag == "tr"
        and "data-node-id" in element.attrs
        and element.context.get("data-table") == "hubs"
    ]


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sichuan() -> Network:
    """The demo network: 147 hubs in Sichuan, 56 gateway hubs outside it, ~900 other nodes."""
    return build_sichuan_network()


@pytest.fixture(scope="module")
def chromium() -> pathlib.Path:
    """Debian's chromium, or a skip that says how to get it."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def report_file(sichuan: Network, tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """The demo network's English report, written once for all browser tests."""
    folder = tmp_path_factory.mktemp("report")
    return write_network_report(
        sichuan, folder / "network_report.html", language="en", place_names=PLACE_NAMES
    )


def run_chromium(
    chromium: pathlib.Path, profile: pathlib.Path, *arguments: str
) -> subprocess.CompletedProcess[str]:
    command = [
        str(chromium),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_SECONDS, check=False
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed


@pytest.fixture(scope="module")
def browser_dom(
    chromium: pathlib.Path, report_file: pathlib.Path, tmp_path_factory: pytest.TempPathFactory
) -> list[Element]:
    """The DOM chromium built from the report file."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    completed = run_chromium(chromium, profile, "--dump-dom", report_file.as_uri())
    return read_dom(completed.stdout)


# --- in the browser ----------------------------------------------------------------------------


def test_province_map_has_one_circle_per_hub_in_the_province(
    sichuan: Network, browser_dom: list[Element]
) -> None:
    """Every hub in Sichuan (region 51xxxx) is one circle of the province map, and no other."""
    expected = sorted(
        node.id
        for node in sichuan.nodes
        if node.kind is NodeKind.hub and node.region.startswith("51")
    )
    drawn = sorted(element.attrs["data-node-id"] for element in province_hubs(browser_dom))
    assert len(expected) == 147
    assert drawn == expected


def test_hub_positions_follow_their_coordinates(
    sichuan: Network, browser_dom: list[Element]
) -> None:
    """Chengdu lies west of Dazhou and north of Panzhihua, for every carrier."""
    circles = {element.attrs["data-node-id"]: element for element in province_hubs(browser_dom)}

    def position(carrier: str, region: str) -> tuple[float, float]:
        circle = circles[f"{carrier}-{region}-HUB"]
        return float(circle.attrs["cx"]), float(circle.attrs["cy"])

    for carrier in sichuan.carriers:
        chengdu = position(carrier.code, CHENGDU)
        assert chengdu[0] < position(carrier.code, DAZHOU)[0]
        assert chengdu[1] < position(carrier.code, PANZHIHUA)[1]


def test_projection_is_equirectangular_scaled_by_the_mean_latitude(
    sichuan: Network, browser_dom: list[Element]
) -> None:
    """x is linear in longitude, y in latitude, and x/y scales differ by cos(mean latitude)."""
    nodes = sichuan.node_index()
    points = [
        (nodes[c.attrs["data-node-id"]], float(c.attrs["cx"]), float(c.attrs["cy"]))
        for c in province_hubs(browser_dom)
    ]
    west = min(points, key=lambda point: point[0].longitude)
    east = max(points, key=lambda point: point[0].longitude)
    south = min(points, key=lambda point: point[0].latitude)
    north = max(points, key=lambda point: point[0].latitude)
    x_scale = (east[1] - west[1]) / (east[0].longitude - west[0].longitude)
    y_scale = (north[2] - south[2]) / (north[0].latitude - south[0].latitude)
    assert x_scale > 0
    assert y_scale < 0
    for node, cx, cy in points:
        assert cx == pytest.approx(
            west[1] + x_scale * (node.longitude - west[0].longitude), abs=0.3
        )
        assert cy == pytest.approx(
            south[2] + y_scale * (node.latitude - south[0].latitude), abs=0.3
        )
    inside = [node.latitude for node in sichuan.nodes if node.region.startswith("51")]
    mean_latitude = sum(inside) / len(inside)
    assert x_scale / -y_scale == pytest.approx(math.cos(math.radians(mean_latitude)), rel=2e-3)


def test_hub_circles_fit_the_map_and_their_area_follows_capacity(
    browser_dom: list[Element],
) -> None:
    """Circles lie inside the viewBox; above the minimum size, r² is proportional to capacity."""
    svg = next(e for e in browser_dom if e.attrs.get("data-panel") == "province")
    _, _, width, height = (float(value) for value in svg.attrs["viewbox"].split())
    ratios = []
    for circle in province_hubs(browser_dom):
        cx, cy, r = (float(circle.attrs[name]) for name in ("cx", "cy", "r"))
        assert r <= cx <= width - r
        assert r <= cy <= height - r
        if r > MIN_HUB_RADIUS + 0.5:
            ratios.append(r * r / int(circle.attrs["data-capacity"]))
    assert len(ratios) > 20
    assert max(ratios) / min(ratios) == pytest.approx(1, abs=0.01)


def test_national_map_shows_the_main_hub_city_and_the_gateways(
    browser_dom: list[Element],
) -> None:
    """Chengdu is the main hub city; each gateway city has a labelled marker and lanes to it."""
    markers = [
        e
        for e in browser_dom
        if e.tag == "circle"
        and e.context.get("data-panel") == "national"
        and "data-role" in e.attrs
    ]
    roles = {marker.attrs["data-region"]: marker.attrs["data-role"] for marker in markers}
    assert roles[CHENGDU] == "main"
    assert {region for region, role in roles.items() if role == "gateway"} == GATEWAY_REGIONS
    labels = {
        "".join(e.text).strip()
        for e in browser_dom
        if e.tag == "text" and e.context.get("data-panel") == "national"
    }
    assert {"Chengdu", "Beijing", "Guangzhou", "Kunming"} <= labels
    destinations = {
        e.attrs["data-destination"]
        for e in browser_dom
        if e.tag == "path" and e.context.get("data-panel") == "national"
    }
    assert destinations == GATEWAY_REGIONS


def test_hub_table_has_one_row_per_hub(sichuan: Network, browser_dom: list[Element]) -> None:
    """The capacities table lists every hub of the network once, inside the province first."""
    rows = [row.attrs["data-node-id"] for row in hub_rows(browser_dom)]
    hubs = [node for node in sichuan.nodes if node.kind is NodeKind.hub]
    assert len(rows) == len(hubs) == 203
    assert set(rows) == {hub.id for hub in hubs}
    assert rows[0] == "ZTO-510100-HUB"
    assert rows[-1].endswith("-GW")


def test_page_loads_nothing_from_outside(browser_dom: list[Element]) -> None:
    """No scripts, stylesheets, images or frames: the page is self-contained."""
    assert not [e.tag for e in browser_dom if e.tag in ("script", "link", "img", "iframe")]
    for element in browser_dom:
        for name in ("src", "href"):
            assert not element.attrs.get(name, "").startswith(("http:", "https:", "//"))


def test_screenshot_is_a_full_page_image(
    chromium: pathlib.Path, report_file: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    """Chromium renders the report to a 1400×2000 PNG with real content."""
    screenshot = tmp_path / "network_report.png"
    run_chromium(
        chromium,
        tmp_path / "profile",
        "--hide-scrollbars",
        f"--screenshot={screenshot}",
        "--window-size=1400,2000",
        report_file.as_uri(),
    )
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 2000)
    assert len(data) > 100_000  # a blank page of that size compresses to a few kilobytes


# --- without a browser -------------------------------------------------------------------------


@pytest.fixture
def tiny_network() -> Network:
    """Two hubs in Hubei (one loaded above the display threshold), one in Beijing, one outlet.

    Small enough to check by hand; the names carry markup to check that it is escaped, and no
    English place names are given, so the Chinese region names must appear.
    """

    def node(
        node_id: str, kind: NodeKind, region: str, where: tuple[float, float], volume: int
    ) -> Node:
        return Node(
            id=node_id,
            name=f"<b>{node_id}</b>",
            kind=kind,
            region=region,
            carrier="SF",
            shifts=[Shift(name="day", start_hour=8, end_hour=18, sorting_capacity_per_hour=1000)],
            storage_capacity=5000,
            staff=20,
            vehicles=4,
            floor_area_m2=1200.0,
            automated_sorter=kind is NodeKind.hub,
            longitude=where[0],
            latitude=where[1],
            daily_volume=volume,
        )

    def lane(origin: str, destination: str) -> Lane:
        return Lane(
            id=f"{origin}>{destination}",
            origin=origin,
            destination=destination,
            mode=TransportMode.road,
            transit_hours=10,
            departure_times=["20:00"],
            capacity_per_departure=3000,
        )

    return Network(
        name="tiny",
        carriers=[Carrier(code="SF", name="顺丰速运", name_en="SF Express")],
        nodes=[
            node("WUHAN", NodeKind.hub, "420100", (114.3, 30.6), 7000),
            node("YICHANG", NodeKind.hub, "420500", (111.3, 30.7), 5000),
            node("BEIJING", NodeKind.hub, "110100", (116.4, 39.9), 2000),
            node("OUTLET", NodeKind.outlet, "420102", (114.3, 30.58), 800),
        ],
        lanes=[lane("OUTLET", "WUHAN"), lane("YICHANG", "WUHAN"), lane("WUHAN", "BEIJING")],
    )


def test_english_report_is_in_english(sichuan: Network) -> None:
    """lang="en", English labels and the English city names given."""
    html = render_network_report(sichuan, language="en", place_names=PLACE_NAMES)
    assert '<html lang="en">' in html
    for label in ("Hub capacities", "Summary", "Load ratio", "Chengdu", "Sichuan", "SF Express"):
        assert label in html


def test_chinese_report_sets_the_chinese_language(sichuan: Network) -> None:
    """lang="zh-CN", Chinese place and carrier names even when English ones are passed."""
    html = render_network_report(sichuan, language="zh-CN", place_names=PLACE_NAMES)
    assert '<html lang="zh-CN">' in html
    assert "成都" in html
    assert "顺丰速运" in html
    assert ">Chengdu<" not in html


def test_report_works_for_any_network(tiny_network: Network) -> None:
    """A network without English names falls back to region names and escapes its own text."""
    html = render_network_report(tiny_network, language="en")
    elements = read_dom(html)
    assert [e.attrs["data-node-id"] for e in province_hubs(elements)] == ["WUHAN", "YICHANG"]
    assert {"武汉", "宜昌", "北京"} <= {
        "".join(e.text).strip() for e in elements if e.tag == "text"
    }
    assert "&lt;b&gt;WUHAN&lt;/b&gt;" in html
    assert "<b>WUHAN" not in html
    rows = hub_rows(elements)
    assert [row.attrs["data-node-id"] for row in rows] == ["WUHAN", "YICHANG", "BEIJING"]
    high = [e for e in elements if e.attrs.get("data-load") == "high"]
    assert len(high) == 1  # WUHAN: 7,000 of 10,000 parcels a day; YICHANG is at 50 %
    assert "10,000" in html


def test_one_node_network_renders_without_a_national_map(tiny_network: Network) -> None:
    """A single node still gives a valid page; the national panel gives way to a note."""
    network = tiny_network.model_copy(update={"nodes": tiny_network.nodes[:1], "lanes": []})
    html = render_network_report(network, language="en")
    assert 'data-panel="national"' not in html
    assert "The network has no hubs outside the province." in html
    assert len(province_hubs(read_dom(html))) == 1


def test_report_is_self_contained(sichuan: Network) -> None:
    """No scripts, external references or CSS imports in the page."""
    html = render_network_report(sichuan, language="en").lower()
    for forbidden in ("<script", "<link", "http://", "https://", "@import", "url("):
        assert forbidden not in html


def test_demo_report_renders_in_well_under_a_second(sichuan: Network) -> None:
    """Once the template is compiled, the demo network's report takes well under a second."""
    render_network_report(sichuan, language="zh_CN")
    # This thread's CPU, not the wall clock: the suite's other worker shares the cores.
    started = time.thread_time()
    render_network_report(sichuan, language="zh_CN")
    assert time.thread_time() - started < 1.0


def test_unknown_language_is_an_input_error(tiny_network: Network) -> None:
    """A language without a catalogue is refused with a message that names it."""
    with pytest.raises(InvalidInputError) as raised:
        render_network_report(tiny_network, language="fr")
    assert "fr" in raised.value.render("en")
