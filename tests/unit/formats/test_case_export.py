"""Case lists as CSV and Excel: Excel reads the Chinese, moments are China time, and nothing a
complainant typed can become a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook

from peakguard.formats.case_export import CaseExportRow, case_csv, case_workbook, write_case_list

CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def two_cases() -> list[CaseExportRow]:
    """two_cases: an appeal received at 01:15 UTC (09:15 in China) with its registration due
    at the end of Oct 9, and a closed complaint whose masked complainant name was typed as a
    formula."""
    return [
        CaseExportRow(
            reference="SS2026-000001",
            kind="appeal",
            state="received",
            emergency=False,
            carrier="ZTO",
            region="510104",
            category="delay",
            channel="web_12305",
            received_at=datetime(2026, 10, 2, 1, 15, tzinfo=UTC),
            next_clock="appeal.register",
            next_due_at=datetime(2026, 10, 10, tzinfo=CHINA),
            overdue=True,
            source_reference="SS202610020001",
            complainant_name="张*",
            complainant_phone="138****0001",
        ),
        CaseExportRow(
            reference="TS2026-000007",
            kind="complaint",
            state="closed",
            emergency=True,
            carrier="SF",
            region="510107",
            category="damage",
            channel="carrier_hotline",
            received_at=datetime(2026, 10, 8, 2, 0, tzinfo=UTC),
            finding_valid=True,
            finding_category="damage",
            waybill="SF1234567890123",
            complainant_name='=HYPERLINK("http://x")*****',
            closed_at=datetime(2026, 10, 9, 16, 30, tzinfo=UTC),
        ),
    ]


def test_csv_opens_in_excel_with_china_time(two_cases: list[CaseExportRow]) -> None:
    """The CSV starts with a UTF-8 byte-order mark, has a line per case, and shows 01:15 UTC
    as 09:15 and 16:30 UTC as 00:30 the next day (China is UTC+8)."""
    data = case_csv(two_cases, language="en")
    assert data.startswith(b"\xef\xbb\xbf")
    header, first, second = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    row = dict(zip(header, first, strict=True))
    assert row["received (China time)"] == "2026-10-02 09:15"
    assert row["due (China time)"] == "2026-10-10 00:00"
    assert (row["overdue"], row["complainant (masked)"], row["phone (masked)"]) == (
        "yes",
        "张*",
        "138****0001",
    )
    closed = dict(zip(header, second, strict=True))
    assert closed["closed (China time)"] == "2026-10-10 00:30"
    assert closed["finding"] == "valid" and closed["emergency"] == "yes"


def test_a_formula_typed_by_a_complainant_stays_text(two_cases: list[CaseExportRow]) -> None:
    """A name starting with = is written after an apostrophe in CSV, and as a string (not a
    formula) in the workbook, where it reads back exactly as typed."""
    text = case_csv(two_cases, language="en").decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    sheet = load_workbook(io.BytesIO(case_workbook(two_cases, language="en")))["cases"]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=3, column=header.index("complainant (masked)") + 1)
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x")*****'


def test_workbook_moments_are_date_times_in_china_time(two_cases: list[CaseExportRow]) -> None:
    """In the workbook a moment is a real date-time (sortable), in China time."""
    sheet = load_workbook(io.BytesIO(case_workbook(two_cases, language="en")))["cases"]
    header = [cell.value for cell in sheet[1]]
    received = sheet.cell(row=2, column=header.index("received (China time)") + 1).value
    assert received == datetime(2026, 10, 2, 9, 15)
    assert sheet.max_row == 3


def test_the_suffix_chooses_the_form(two_cases: list[CaseExportRow], tmp_path: Path) -> None:
    """``cases.xlsx`` is a workbook (a zip archive), ``cases.csv`` CSV with its mark."""
    workbook = write_case_list(two_cases, tmp_path / "cases.xlsx", language="en")
    table = write_case_list(two_cases, tmp_path / "cases.csv", language="en")
    assert workbook.read_bytes()[:2] == b"PK"
    assert table.read_bytes()[:3] == b"\xef\xbb\xbf"
