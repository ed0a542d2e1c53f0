"""A page's table and its CSV and Excel exports hold the same rows, headings and rounding."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from peakguard.web.pages.tables import Column, TableView, table_csv, table_xlsx

VIEW = TableView(
    key="carriers",
    title="Carriers",
    columns=(
        Column("carrier", "承运人"),
        Column("parcels", "Parcels", digits=0),
        Column("on_time", "On time", digits=1, percent=True),
        Column("hours", "Mean hours", digits=2),
        Column("peak", "Peak hour"),
    ),
    rows=(
        {
            "carrier": "中通",
            "parcels": 12345,
            "on_time": 0.95349,
            "hours": 31.456,
            "peak": datetime(2026, 11, 11, 10, 0, tzinfo=UTC),
        },
        {"carrier": "SF", "parcels": 7, "on_time": 1.0, "hours": 7, "peak": None},
    ),
)


def test_the_screen_shows_the_rounding_the_exports_hold() -> None:
    """95.349 % shows as 95.3 %; the export holds 95.3, not 0.95349 or 95.349; 10:00 UTC shows
    and exports as 18:00, China time."""
    shown = [[c.display(row, "en") for c in VIEW.columns] for row in VIEW.rows]
    assert shown == [
        ["中通", "12,345", "95.3 %", "31.46", "2026-11-11 18:00"],
        ["SF", "7", "100.0 %", "7.00", "—"],
    ]
    text = table_csv(VIEW, "en").decode("utf-8")
    assert text.startswith("\ufeff"), "a byte-order mark, so that Excel reads the Chinese"
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [
        ["承运人", "Parcels", "On time", "Mean hours", "Peak hour"],
        ["中通", "12345", "95.3", "31.46", "2026-11-11 18:00"],
        ["SF", "7", "100.0", "7.00", ""],
    ]


def test_the_workbook_holds_numbers_formatted_as_on_screen() -> None:
    sheet = load_workbook(io.BytesIO(table_xlsx(VIEW, "en"))).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["承运人", "Parcels", "On time", "Mean hours", "Peak hour"]
    assert values[1] == ["中通", 12345, 95.3, 31.46, "2026-11-11 18:00"]
    assert values[2][:4] == ["SF", 7, 100.0, 7.0] and values[2][4] is None
    assert sheet["C2"].number_format == "0.0" and sheet["D2"].number_format == "0.00"
    assert sheet["A1"].font.bold
