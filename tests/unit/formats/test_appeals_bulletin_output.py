"""The appeals bulletin's workbook, JSON and page hold the bulletin's numbers, in both languages."""

from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from peakguard.bulletin.appeals import AppealsBulletin, appeals_bulletin
from peakguard.bulletin.periods import month_period
from peakguard.errors import InvalidInputError
from peakguard.formats.appeals_bulletin_output import (
    CARRIER_COLUMNS,
    CATEGORY_COLUMNS,
    render_appeals_bulletin,
    write_appeals_bulletin_files,
)

NAMES = {
    "zh_CN": {"ZTO": "中通快递", "SF": "顺丰速运", "EMS": "中国邮政/EMS"},
    "en": {"ZTO": "ZTO Express", "SF": "SF Express", "EMS": "China Post / EMS"},
}


@pytest.fixture(scope="module")
def bulletin() -> AppealsBulletin:
    """Three carriers in November 2026: ZTO 3 valid of 4 over 2 M parcels (1.5), SF 1 valid over
    4 M (0.25), EMS 1 valid appeal and no volume; October had ZTO 1 valid over 1 M."""
    nov, oct_ = date(2026, 11, 5), date(2026, 10, 5)
    cases = [
        {"carrier": "ZTO", "received": nov, "valid": True, "category": "delay"},
        {"carrier": "ZTO", "received": nov, "valid": True, "category": "loss"},
        {"carrier": "ZTO", "received": nov, "valid": True, "category": "loss"},
        {"carrier": "ZTO", "received": nov, "valid": False, "category": "attitude"},
        {"carrier": "SF", "received": nov, "valid": True, "category": "damage"},
        {"carrier": "EMS", "received": nov, "valid": True, "category": "delay"},
        {"carrier": "ZTO", "received": oct_, "valid": True, "category": "delay"},
    ]
    volume = [
        {"carrier": "ZTO", "period": "2026-11", "parcels": 2_000_000},
        {"carrier": "SF", "period": "2026-11", "parcels": 4_000_000},
        {"carrier": "ZTO", "period": "2026-10", "parcels": 1_000_000},
    ]
    return appeals_bulletin(cases, volume, period=month_period(2026, 11))


def _same(cell: Any, value: float | None) -> bool:
    """A workbook number is the figure to Excel's precision (openpyxl writes 16 digits)."""
    if value is None:
        return cell is None
    return bool(cell == pytest.approx(value, rel=1e-14, abs=1e-300))


def _sheet(path: Path, name: str) -> list[dict[str, Any]]:
    # Closed here: a read-only workbook keeps its file open, and the garbage collector's
    # ResourceWarning would fail whichever test runs when it comes (with two workers, another).
    workbook = load_workbook(path, read_only=True)
    try:
        rows = list(workbook[name].iter_rows(values_only=True))
    finally:
        workbook.close()
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_workbook_cells_are_the_bulletins_numbers(
    bulletin: AppealsBulletin, tmp_path: Path, language: str
) -> None:
    """Each carrier's row (and the national one) holds the bulletin's counts, unrounded rates,
    change and ranks; the categories' sheet its breakdown; the summary its period."""
    workbook, document, _page = write_appeals_bulletin_files(bulletin, tmp_path, language=language)
    carriers = {row["carrier"]: row for row in _sheet(workbook, "carriers")}
    assert list(carriers) == [row.carrier for row in bulletin.carriers] + ["all"]
    assert set(_sheet(workbook, "carriers")[0]) == set(CARRIER_COLUMNS)
    for line in bulletin.carriers:
        row = carriers[line.carrier]
        assert row["rank"] == line.rank
        assert row["name"] == NAMES[language][line.carrier]
        assert (row["parcels"], row["appeals"], row["valid_appeals"]) == (
            line.current.parcels,
            line.current.appeals,
            line.current.valid_appeals,
        )
        assert _same(row["valid_per_million"], line.current.valid_per_million)
        assert _same(row["appeals_per_million"], line.current.appeals_per_million)
        assert _same(row["change"], line.change)
        assert row["previous_rank"] == line.previous_rank
    assert carriers["ZTO"]["valid_per_million"] == pytest.approx(1.5)
    assert carriers["ZTO"]["change"] == pytest.approx(0.5)
    assert carriers["EMS"]["valid_per_million"] is None
    national = carriers["all"]
    assert (national["parcels"], national["appeals"], national["valid_appeals"]) == (
        6_000_000,
        6,
        5,
    )
    assert _same(national["valid_per_million"], bulletin.national.valid_per_million)
    categories = {row["category"]: row for row in _sheet(workbook, "categories")}
    assert set(_sheet(workbook, "categories")[0]) == set(CATEGORY_COLUMNS)
    for line in bulletin.categories:
        row = categories[line.category]
        assert (row["appeals"], row["valid_appeals"]) == (line.appeals, line.valid_appeals)
        assert _same(row["valid_per_million"], line.valid_per_million)
        assert _same(row["valid_share"], line.valid_share)
    summary = {row["item"]: row["value"] for row in _sheet(workbook, "bulletin")}
    assert summary["period"] == "2026-11"
    assert summary["previous_period"] == "2026-10"
    assert summary["valid_appeals"] == 5
    assert summary["carriers_above_national"] == 1  # ZTO's 1.5 is above 5 / 6 M
    data = json.loads(document.read_text(encoding="utf-8"))
    assert [row["carrier"] for row in data["carriers"]] == list(carriers)
    assert (
        data["carriers"][0]["valid_per_million"] == bulletin.carriers[0].current.valid_per_million
    )


class _Rows(HTMLParser):
    """The page's carrier rows: code → (shown texts, data-values)."""

    def __init__(self) -> None:
        super().__init__()
        self.table = ""
        self.carrier: str | None = None
        self.rows: dict[str, tuple[list[str], list[str]]] = {}
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = values.get("lang", "")
        if tag == "table":
            self.table = values.get("data-table", "")
        if self.table == "carriers" and tag == "tr" and "data-carrier" in values:
            self.carrier = values["data-carrier"]
            self.rows[self.carrier] = ([], [])
        if self.carrier is not None and tag == "td":
            self.rows[self.carrier][1].append(values.get("data-value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self.carrier = None

    def handle_data(self, data: str) -> None:
        if self.carrier is not None and data.strip():
            self.rows[self.carrier][0].append(data.strip())


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_page_lists_every_carrier_in_its_language(bulletin: AppealsBulletin, language: str) -> None:
    """Every carrier has a row, named in the page's language, with its rank and its valid rate
    printed to 2 decimals; the unrounded rate is in the cell's data-value."""
    page = _Rows()
    page.feed(render_appeals_bulletin(bulletin, language=language))
    assert page.lang == ("zh-CN" if language == "zh_CN" else "en")
    assert list(page.rows) == [row.carrier for row in bulletin.carriers] + ["all"]
    for line in bulletin.carriers:
        texts, values = page.rows[line.carrier]
        assert NAMES[language][line.carrier] in texts
        assert texts[0] == (str(line.rank) if line.rank else "–")
        rate = line.current.valid_per_million
        assert (repr(rate) if rate is not None else "") in values
        assert (f"{rate:.2f}" if rate is not None else "–") in texts
    assert "1.50" in page.rows["ZTO"][0]
    assert "0.25" in page.rows["SF"][0]


def test_page_refuses_an_unknown_language(bulletin: AppealsBulletin) -> None:
    """A language the catalogues do not have is refused with the field named."""
    with pytest.raises(InvalidInputError) as refused:
        render_appeals_bulletin(bulletin, language="fr")
    assert [problem.location for problem in refused.value.problems] == ["language"]
