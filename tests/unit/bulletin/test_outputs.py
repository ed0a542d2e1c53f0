"""The bulletin's HTML, Excel and JSON show the same figures, in both languages."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pytest
from openpyxl import load_workbook

from peakguard.analytics import KpiSettings
from peakguard.app.bulletins import measure_bulletin
from peakguard.bulletin import BulletinOptions, day_period
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from peakguard.web.publish import write_bulletin
from tests.unit.analytics.conftest import at
from tests.unit.bulletin.conftest import CURRENT_DAY, CUTOFF_HOURS


class _Cells(HTMLParser):
    """The headline cells: (metric, carrier) → (data-value, shown text)."""

    def __init__(self) -> None:
        super().__init__()
        self.metric = ""
        self.open: tuple[str, str] | None = None
        self.cells: dict[tuple[str, str], list[str]] = {}
        self.table = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "table":
            self.table = values.get("data-table", "")
        if self.table != "headlines":
            return
        if tag == "tr" and "data-metric" in values:
            self.metric = values["data-metric"]
        if tag == "td" and "data-carrier" in values:
            self.open = (self.metric, values["data-carrier"])
            self.cells[self.open] = [values["data-value"], values["data-change"], ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.open = None

    def handle_data(self, data: str) -> None:
        if self.open is not None:
            self.cells[self.open][2] += data


def written(source: pa.Table, folder: Path, language: str, complaints: pa.Table) -> list[Path]:
    bulletin = measure_bulletin(
        source,
        day_period(CURRENT_DAY),
        actor=LOCAL_ADMINISTRATOR,
        settings=KpiSettings(cutoff=at(CUTOFF_HOURS)),
        complaints=complaints,
        options=BulletinOptions(min_pair_parcels=1),
    )
    return write_bulletin(bulletin, folder, language=language)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_excel_and_json_agree_with_the_page(
    two_days: pa.Table, complaints: pa.Table, tmp_path: Path, language: str
) -> None:
    """Every headline cell's value on the page is the JSON's and the workbook's figure."""
    page, workbook_path, json_path = written(two_days, tmp_path, language, complaints)
    assert [path.name for path in (page, workbook_path, json_path)] == [
        "bulletin.html",
        "bulletin.xlsx",
        "bulletin.json",
    ]
    reader = _Cells()
    reader.feed(page.read_text(encoding="utf-8"))
    document = json.loads(json_path.read_text(encoding="utf-8"))
    from_json = {(row["metric"], row["carrier"]): row for row in document["headlines"]}
    sheet = load_workbook(workbook_path)["headlines"]
    header = [cell.value for cell in sheet[1]]
    from_excel = {
        (row["metric"], row["carrier"]): row
        for row in (
            dict(zip(header, cells, strict=True))
            for cells in sheet.iter_rows(min_row=2, values_only=True)
        )
    }
    assert set(reader.cells) == set(from_json) == set(from_excel)
    for key, (value, change, _text) in reader.cells.items():
        for row in (from_json[key], from_excel[key]):
            # the workbook keeps 15 significant digits
            assert (float(value) if value else None) == pytest.approx(row["current"]), key
            assert (float(change) if change else None) == pytest.approx(row["change"]), key
    value, change, text = reader.cells[("rate_72h", "A")]
    assert float(value) == 0.75
    expected = "+25.0 pp" if language == "en" else "+25.0个百分点"
    assert text.replace("\xa0", " ") == ("75.0%" + expected), text
    assert document["period"] == "2026-11-12"
    assert document["previous_period"] == "2026-11-11"
    rankings = [row for row in document["rankings"] if row["subject"] == "carrier"]
    assert [(row["metric"], row["key"], row["rank"]) for row in rankings] == [
        ("rate_72h", "A", 1),
        ("rate_72h", "B", 2),
        ("mean_journey_hours", "A", 1),
        ("mean_journey_hours", "B", 2),
    ]
    notes = load_workbook(workbook_path)["columns"]
    assert notes.max_row > 10
    assert {"headlines", "rankings", "backlog", "dwell", "handovers", "pairs", "metrics"} <= set(
        load_workbook(workbook_path).sheetnames
    )
