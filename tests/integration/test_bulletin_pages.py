"""The bulletin pages and the drill-down API on a real database (SQLite and PostgreSQL) and a
real event lake, through FastAPI's test client: the page shows what the API answers, a drill
outside the reader's reach is refused as missing, and every export is the table on screen.

The lake holds a few parcels (hours after 2026-11-11 00:00 UTC = 08:00 China time):

=====  =======  ===========================  ========  =========
parcel carrier  origin → destination         accepted  delivered
=====  =======  ===========================  ========  =========
Z1     ZTO      成都 510104 → 绵阳 510703     1         30
Z2     ZTO      成都 → 绵阳                   2         60
Z3     ZTO      成都 → 西安 610113            3         50
Z4     ZTO      绵阳 → 成都                   4         20
Z5     ZTO      成都 → 绵阳                   20        44
Z6     ZTO      成都 → 绵阳                   30        100 (the latest event: 2026-11-15)
S1     SF       成都 → 北京 110105            2         40
S2     SF       成都 → 北京                   5         never
S3     SF       西安 → 北京                   3         30
=====  =======  ===========================  ========  =========
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from peakguard.app import accounts
from peakguard.app.events import ingest_events
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from tests.integration.test_authentication import Site, cheap_passwords, make_site
from tests.unit.analytics.conftest import CHENGDU, MIANYANG, XIAN, events, trail

__all__ = ["cheap_passwords"]

BEIJING = "110105"
DAY = "2026-11-11"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The pages do not depend on the engine: SQLite only (the workflows run on both
    engines in their own tests)."""
    return sqlite_url


def lake_rows() -> list[dict[str, Any]]:
    def parcel(
        waybill: str,
        carrier: str,
        origin: str,
        destination: str,
        accepted: float,
        delivered: float | None,
    ) -> list[dict[str, Any]]:
        prefix = carrier + "-" + origin[:4]
        common = {"carrier": carrier, "origin": origin, "destination": destination}
        if delivered is None:  # the trail stops at the hub
            stops = [(f"{prefix}-O", accepted, accepted + 1), (f"{prefix}-HUB", accepted + 3, None)]
            return trail(waybill, stops, **common)
        stops = [
            (f"{prefix}-O", accepted, accepted + 1),
            (f"{prefix}-HUB", accepted + 3, accepted + 4),
            (f"{carrier}-{destination[:4]}-S", accepted + 8, None),
        ]
        return trail(waybill, stops, delivered=delivered, **common)

    return [
        *parcel("Z1", "ZTO", CHENGDU, MIANYANG, 1, 30),
        *parcel("Z2", "ZTO", CHENGDU, MIANYANG, 2, 60),
        *parcel("Z3", "ZTO", CHENGDU, XIAN, 3, 50),
        *parcel("Z4", "ZTO", MIANYANG, CHENGDU, 4, 20),
        *parcel("Z5", "ZTO", CHENGDU, MIANYANG, 20, 44),
        *parcel("Z6", "ZTO", CHENGDU, MIANYANG, 30, 100),
        *parcel("S1", "SF", CHENGDU, BEIJING, 2, 40),
        *parcel("S2", "SF", CHENGDU, BEIJING, 5, None),
        *parcel("S3", "SF", XIAN, BEIJING, 3, 30),
    ]


@pytest.fixture
def site(database_url: str, tmp_path: Path, cheap_passwords: None) -> Iterator[Site]:
    """The shell's site (in English) with a ZTO network planner and the lake above."""
    for made in make_site(database_url, tmp_path, language="en"):
        made.passwords["zto.planner"] = "Pw-zto-planner-" + "x" * 12
        accounts.create_user(
            made.store,
            LOCAL_ADMINISTRATOR,
            username="zto.planner",
            organisation="zto",
            roles=["network_planner"],
            display_name="赵敏",
            password=made.passwords["zto.planner"],
        )
        ingest_events(
            made.store, made.lake, events(lake_rows()), actor=LOCAL_ADMINISTRATOR, source="tests"
        )
        yield made


def log_in(site: Site, username: str) -> None:
    site.client.cookies.clear()
    page = site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username]},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text


class Tables(HTMLParser):
    """The cells of each ``<section data-table>`` as shown, and the links of its cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: dict[str, list[str]] = {}
        self.cards: dict[str, str] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and found.get("data-table"):
            self._table = found["data-table"]
            self.tables[self._table] = []
            self.links[self._table] = []
        elif tag == "div" and found.get("data-metric") and found.get("data-value"):
            self.cards[str(found["data-metric"])] = str(found["data-value"])
        elif self._table and tag == "tr":
            self._row = []
        elif self._table and tag in ("td", "th"):
            self._cell = []
        elif self._table and tag == "a" and self._cell is not None and found.get("href"):
            self.links[self._table].append(str(found["href"]))

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "section":
            self._table = None


def parse(html: str) -> Tables:
    parser = Tables()
    parser.feed(html)
    return parser


def as_exported(shown: str) -> str | float:
    """A cell as the CSV holds it: a number (rounded as shown, without its thousands
    separator or per-cent sign), empty for —, else the text."""
    if shown == "—":
        return ""
    return _number(shown.replace(",", "").removesuffix(" %"))


def _number(text: str) -> str | float:
    try:
        return float(text)
    except ValueError:
        return text


def export_csv(site: Site, path: str, params: dict[str, str], table: str) -> list[list[str]]:
    response = site.client.get(path, params={**params, "export": "csv", "table": table})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))


def assert_exports_are_the_screen(site: Site, path: str, params: dict[str, str]) -> Tables:
    """Every table's CSV is its rows as shown; its Excel workbook holds the same rows."""
    page = site.client.get(path, params=params)
    assert page.status_code == 200, page.text
    shown = parse(page.text)
    assert shown.tables, "the page has tables"
    for key, rows in shown.tables.items():
        if len(rows) < 2:  # an empty table shows a sentence, and offers no export
            continue
        exported = export_csv(site, path, params, key)
        assert exported[0] == rows[0], key
        screen = [[as_exported(cell) for cell in row] for row in rows[1:]]
        assert [[_number(cell) for cell in row] for row in exported[1:]] == screen, key
        workbook = site.client.get(path, params={**params, "export": "xlsx", "table": key})
        sheet = load_workbook(io.BytesIO(workbook.content)).active
        assert sheet is not None
        cells = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
        assert len(cells) == len(rows) and cells[0] == rows[0], key
    return shown


def headline(document: dict[str, Any], carrier: str = "all") -> dict[str, float | None]:
    return {
        row["metric"]: row["current"] for row in document["headlines"] if row["carrier"] == carrier
    }


def test_the_bulletin_page_shows_the_apis_figures(site: Site) -> None:
    """The national view (the system's administrator) of 2026-11-11: the cards carry the API's
    unrounded headline figures; the carrier table shows its 72-hour rates, rounded as shown."""
    log_in(site, "admin.one")
    api = site.client.get("/bulletins/daily", params={"day": DAY})
    assert api.status_code == 200, api.text
    figures = headline(api.json())
    page = site.client.get("/app/bulletins", params={"kind": "daily", "day": DAY})
    assert page.status_code == 200, page.text
    shown = parse(page.text)
    assert shown.cards, "the page shows its headline cards"
    for key, value in shown.cards.items():
        assert float(value) == pytest.approx(figures[key]), key
    assert figures["accepted"] == 7 and shown.cards["accepted"] == "7"  # Z1–Z4, S1–S3
    carriers = export_csv(site, "/app/bulletins", {"kind": "daily", "day": DAY}, "carriers")
    column = carriers[0].index("72-hour delivery rate")
    by_carrier = {row[1]: row[column] for row in carriers[1:]}
    for code in ("ZTO", "SF"):
        rate = headline(api.json(), code)["rate_72h"]
        assert rate is not None
        assert float(by_carrier[code]) == pytest.approx(round(rate * 100, 1))
    assert '"rates"' not in page.text or 'data-chart="rates"' in page.text
    assert "/app/static/vendor/echarts.min.js" in page.text


def test_every_table_exports_what_is_on_screen(site: Site) -> None:
    """The bulletin page's and a drill-down's tables: CSV cell for cell, Excel row for row."""
    log_in(site, "admin.one")
    shown = assert_exports_are_the_screen(site, "/app/bulletins", {"kind": "daily", "day": DAY})
    assert {"figures", "carriers", "provinces", "cities"} <= set(shown.tables)
    drill = assert_exports_are_the_screen(
        site,
        "/app/bulletins/regions/510100",
        {"kind": "daily", "day": DAY, "min_pair_parcels": "1"},
    )
    assert {"figures", "carriers", "backlog", "dwell", "handovers", "pairs"} <= set(drill.tables)


def test_rows_link_to_the_drill_down_which_shows_the_apis_figures(site: Site) -> None:
    """The carrier and region rows link to their drill-downs for the same period; ZTO's
    drill-down shows the API's drill-down figures, which are the bulletin's ZTO row."""
    log_in(site, "admin.one")
    page = parse(site.client.get("/app/bulletins", params={"kind": "daily", "day": DAY}).text)
    zto = "/app/bulletins/carriers/ZTO?kind=daily&day=2026-11-11"
    assert zto in page.links["carriers"]
    assert "/app/bulletins/regions/510100?kind=daily&day=2026-11-11" in page.links["cities"]
    assert "/app/bulletins/regions/510000?kind=daily&day=2026-11-11" in page.links["provinces"]
    drill_page = site.client.get(zto)
    assert drill_page.status_code == 200, drill_page.text
    api = site.client.get("/bulletins/daily/carriers/ZTO", params={"day": DAY}).json()
    bulletin = site.client.get("/bulletins/daily", params={"day": DAY}).json()
    assert headline(api["bulletin"]) == pytest.approx(headline(bulletin, "ZTO"))
    for key, value in parse(drill_page.text).cards.items():
        assert float(value) == pytest.approx(headline(bulletin, "ZTO")[key]), key


def test_a_region_drill_down_adds_up_to_its_ranking_row(site: Site) -> None:
    """Chengdu's 72-hour rate and base in the API's drill-down are its city ranking row;
    its worst pairs list 成都→绵阳 with Z1 on time and Z2 late against 48 hours."""
    log_in(site, "admin.one")
    bulletin = site.client.get("/bulletins/daily", params={"day": DAY}).json()
    row = next(
        r
        for r in bulletin["rankings"]
        if r["subject"] == "origin_city" and r["metric"] == "rate_72h" and r["key"] == "510100"
    )
    drill = site.client.get(
        "/bulletins/daily/regions/510100", params={"day": DAY, "min_pair_parcels": 1}
    )
    assert drill.status_code == 200, drill.text
    body = drill.json()
    assert body["focus"] == {"kind": "region", "code": "510100", "level": "city", "name": "成都市"}
    figures = headline(body["bulletin"])
    assert figures["rate_72h"] == pytest.approx(row["value"])
    assert figures["due_72h"] == row["base"]
    pairs = {(p["origin"], p["destination"]): p for p in body["od_pairs"]}
    chengdu_mianyang = pairs[("510100", "510700")]
    assert (chengdu_mianyang["due"], chengdu_mianyang["on_time"]) == (2, 1)
    assert chengdu_mianyang["mean_journey_hours"] == pytest.approx((29 + 58) / 2)
    rates = [p["on_time_rate"] for p in body["od_pairs"]]
    assert rates == sorted(rates)


def test_a_zto_user_cannot_drill_into_sf(site: Site) -> None:
    """ZTO's planner sees only ZTO in its bulletin; SF's drill-down, on the page and the API,
    answers as a carrier that does not exist does (404, the same sentence)."""
    log_in(site, "zto.planner")
    page = parse(site.client.get("/app/bulletins", params={"kind": "daily", "day": DAY}).text)
    assert [row[1] for row in page.tables["carriers"][1:]] == ["ZTO"]
    refused = site.client.get("/app/bulletins/carriers/SF", params={"kind": "daily", "day": DAY})
    missing = site.client.get("/app/bulletins/carriers/YTO", params={"kind": "daily", "day": DAY})
    assert refused.status_code == missing.status_code == 404
    assert refused.headers["content-type"].startswith("text/html")
    lead = re.compile(r'<p class="lead">([^<]*)</p>')
    refused_text, missing_text = lead.search(refused.text), lead.search(missing.text)
    assert refused_text and missing_text
    assert refused_text.group(1).replace("SF", "?") == missing_text.group(1).replace("YTO", "?")
    api = site.client.get("/bulletins/daily/carriers/SF", params={"day": DAY})
    assert api.status_code == 404
    export = site.client.get(
        "/app/bulletins/carriers/SF",
        params={"kind": "daily", "day": DAY, "export": "csv", "table": "figures"},
    )
    assert export.status_code == 404


def test_a_regulator_drills_into_its_territory_only(site: Site) -> None:
    """Chengdu's office sees parcels from or to Chengdu: 西安's parcels to Chengdu are none,
    so 西安 (610100) is not found; 成都 is."""
    log_in(site, "cd.analyst")
    assert site.client.get("/app/bulletins/regions/510100", params={"day": DAY}).status_code == 200
    assert site.client.get("/app/bulletins/regions/610100", params={"day": DAY}).status_code == 404
    api = site.client.get("/bulletins/daily/regions/610100", params={"day": DAY})
    assert api.status_code == 404


def test_the_page_opens_on_the_latest_day_in_reach(site: Site) -> None:
    """Without a query: the daily bulletin of the latest China day with events (Z6's delivery
    on 2026-11-15); the weekly and monthly tabs default to that day's week and month."""
    log_in(site, "admin.one")
    page = site.client.get("/app/bulletins")
    assert page.status_code == 200, page.text
    assert 'data-testid="latest-day">2026-11-15<' in page.text
    assert "<strong>2026-11-15</strong>" in page.text
    weekly = site.client.get("/app/bulletins", params={"kind": "weekly"})
    assert "<strong>2026-W46</strong>" in weekly.text
    api = site.client.get("/bulletins/weekly", params={"week": "2026-W46"}).json()
    for key, value in parse(weekly.text).cards.items():
        assert float(value) == pytest.approx(headline(api)[key]), key
    monthly = site.client.get("/app/bulletins", params={"kind": "monthly"})
    assert monthly.status_code == 200 and "<strong>2026-11</strong>" in monthly.text


def test_a_wrong_period_is_said_beside_its_field(site: Site) -> None:
    """A day that cannot be read, and a day without events, are said under the day field."""
    log_in(site, "admin.one")
    wrong = site.client.get("/app/bulletins", params={"kind": "daily", "day": "2026-13-01"})
    assert wrong.status_code == 422
    error = re.search(r'<p class="field-error" id="day-error"[^>]*>([^<]+)</p>', wrong.text)
    assert error and "2026-11-11" in error.group(1)  # the form expected
    empty = site.client.get("/app/bulletins", params={"kind": "daily", "day": "2025-01-01"})
    assert empty.status_code == 422
    error = re.search(r'<p class="field-error" id="day-error"[^>]*>([^<]+)</p>', empty.text)
    assert error and "2026-11-15" in error.group(1)  # the days there are


def test_the_menu_offers_bulletins_to_readers_only(site: Site) -> None:
    """The analyst's menu has the bulletins; ZTO's data reporter (no bulletin.read) has no
    entry and is refused the page."""
    log_in(site, "cd.analyst")
    assert 'href="/app/bulletins"' in site.client.get("/app/home").text
    log_in(site, "zto.reporter")
    assert 'href="/app/bulletins"' not in site.client.get("/app/home").text
    assert site.client.get("/app/bulletins").status_code == 403


def test_drill_options_are_checked_and_located(site: Site) -> None:
    """A district's code, a minimum of zero and an unknown pair level are refused, located."""
    log_in(site, "admin.one")
    for path, params, location in [
        ("/bulletins/daily/regions/510104", {"day": DAY}, "region"),
        ("/bulletins/daily/carriers/ZTO", {"day": DAY, "min_pair_parcels": 0}, "min_pair_parcels"),
        ("/bulletins/daily/carriers/ZTO", {"day": DAY, "pair_level": "town"}, "pair_level"),
        ("/bulletins/weekly/carriers/ZTO", {"week": "2026-W60"}, "week"),
    ]:
        response = site.client.get(path, params=params)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"]["problems"][0]["location"] == location
    monthly = site.client.get(
        "/bulletins/monthly/carriers/ZTO", params={"month": "2026-11", "pair_level": "province"}
    )
    assert monthly.status_code == 200
    assert monthly.json()["options"]["pair_level"] == "province"
