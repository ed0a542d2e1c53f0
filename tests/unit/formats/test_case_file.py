"""Case files (12305 and carrier exports): every bad cell located by row and heading, every row
checked, UTF-8 (with or without BOM), GB18030 and Excel read alike, labels turned into codes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from peakguard.cases.model import CaseKind, Category, Intake
from peakguard.domain.carriers import KNOWN_CARRIERS
from peakguard.errors import InvalidInputError
from peakguard.formats.case_cells import CATEGORY_NAMES, CHANNEL_NAMES, moment_cell
from peakguard.formats.case_file import CASE_COLUMNS, CaseFile, read_case_file, refuse_case_file
from peakguard.formats.limits import DEFAULT_LIMITS
from peakguard.formats.structured import MAX_LISTED

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "cases-12305.csv"
HEADER = "申诉编号,类型,受理时间,快递企业,地区代码,申诉渠道,问题类型,申诉内容,申诉人,联系电话"
CHINA = timezone(timedelta(hours=8))


def _located(case_file: CaseFile) -> list[str]:
    return [problem.render("en") for _row, problem in case_file.problems]


@pytest.fixture
def three_bad_rows() -> str:
    """three_bad_rows: a 12305 export of five appeals in which rows 3, 4 and 6 (lines of the
    file) each have different mistakes, and rows 2 and 5 are clean."""
    return "\n".join(
        [
            HEADER,
            "A1,申诉,2026-10-02 09:15,中通快递,510104,12305电话,延误,未投递,张三,13800000001",
            "A2,申述,2026-10-02 10:40,顺丰速运,510107,12305网站,损毁,破损,李四,13800000002",
            "A3,申诉,2026-10-32 16:05,某某快递,5101,传真,延误,未投递,王五,13800000003",
            "A4,申诉,2026-10-05 08:30,JD,510108,信件,丢失,丢件,赵六,13800000004",
            "A5,申诉,2026-10-06,极兔,510112,电话,迟到,,孙七,13800000005",
        ]
    )


def test_the_documented_example_reads_as_the_reference_says() -> None:
    """docs/examples/cases-12305.csv (shown in docs/reference/case-files.md) reads to its five
    appeals, with the codes the reference's tables give, China time, and 处理状态 left out."""
    case_file = read_case_file(EXAMPLE)
    assert case_file.problems == ()
    assert case_file.ignored_columns == ("处理状态",)
    assert [row.carrier for row in case_file.rows] == ["ZTO", "SF", "YUNDA", "JD", "JT"]
    first = case_file.rows[0]
    assert first.kind is CaseKind.appeal
    assert first.channel is Intake.phone_12305
    assert first.category is Category.delay
    assert first.received_at == datetime(2026, 10, 2, 1, 15, tzinfo=UTC)  # 09:15 China time
    assert first.dispute_on == date(2026, 9, 26)
    assert case_file.rows[2].received_at == datetime(2026, 10, 3, 8, 5, tzinfo=UTC)  # 2026/10/3
    assert case_file.rows[2].category is Category.locker_without_consent
    assert "13800000001" not in repr(first) and "张三" not in repr(first)


def test_every_bad_cell_of_every_row_is_located(three_bad_rows: str, tmp_path: Path) -> None:
    """Each mistake is reported at its line and its heading as the file writes it, with the
    column's name beside it; the clean rows are read and the bad ones left out."""
    path = tmp_path / "cases.csv"
    path.write_text(three_bad_rows, encoding="utf-8")
    case_file = read_case_file(path)
    assert [row.source_reference for row in case_file.rows] == ["A1", "A4"]
    places = [problem.location for _row, problem in case_file.problems]
    assert places == [
        "cases.csv row 3, column 类型 (kind)",
        "cases.csv row 4, column 受理时间 (received_at)",
        "cases.csv row 4, column 快递企业 (carrier)",
        "cases.csv row 4, column 地区代码 (region)",
        "cases.csv row 4, column 申诉渠道 (channel)",
        "cases.csv row 6, column 受理时间 (received_at)",
        "cases.csv row 6, column 问题类型 (category)",
        "cases.csv row 6, column 申诉内容 (summary)",
    ]
    messages = _located(case_file)
    assert "'申述' is not one of: 投诉 (complaint), 申诉 (appeal)" in messages[0]
    assert "not a real moment" in messages[1]
    assert "is not a moment written YYYY-MM-DD HH:MM" in messages[5]  # a day without its time


def test_refusal_lists_every_problem_in_file_order(three_bad_rows: str, tmp_path: Path) -> None:
    """The error raised for the file carries all eight problems, in row order."""
    path = tmp_path / "cases.csv"
    path.write_text(three_bad_rows, encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        refuse_case_file(read_case_file(path))
    assert caught.value.total == 8
    rows = [problem.location.split(",")[0] for problem in caught.value.problems]
    assert rows == sorted(rows)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_encodings_of_chinese_excel_read_alike(encoding: str, tmp_path: Path) -> None:
    """The example saved as UTF-8, UTF-8 with a byte-order mark (Excel's "CSV UTF-8"), and
    GB18030 or GBK (Excel's plain "CSV" on a Chinese Windows) gives the same cases."""
    path = tmp_path / "cases.csv"
    path.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode(encoding))
    assert read_case_file(path).rows == read_case_file(EXAMPLE).rows


def test_bytes_of_an_upload_read_as_the_file(tmp_path: Path) -> None:
    """An upload's bytes, named with the client's folder, read as the file and are located by
    the file's own name."""
    data = EXAMPLE.read_text(encoding="utf-8").encode("gb18030")
    uploaded = read_case_file(data, "C:\\Users\\desk\\导出\\申诉.csv")
    assert uploaded.name == "申诉.csv"
    assert uploaded.rows == read_case_file(EXAMPLE).rows


def test_text_in_neither_encoding_is_refused_at_its_line() -> None:
    """A byte that is neither UTF-8 nor GB18030 refuses the file at the line it is on."""
    data = (HEADER + "\nA1,申诉\n").encode("utf-8") + b"A2,\xff\xff\n"
    with pytest.raises(InvalidInputError) as caught:
        read_case_file(data, "cases.csv")
    assert caught.value.problems[0].location == "cases.csv: line 3"
    assert "neither UTF-8 nor GB18030" in caught.value.problems[0].render("en")


def test_duplicate_case_numbers_are_flagged_at_the_second() -> None:
    """The same 申诉编号 of the same channel twice: the later row names the earlier one."""
    row = "A1,申诉,2026-10-02 09:15,ZTO,510104,12305电话,延误,未投递,张三,13800000001"
    data = "\n".join([HEADER, row, row.replace("A1", "A2"), row]).encode()
    case_file = read_case_file(data, "cases.csv")
    assert [r.source_reference for r in case_file.rows] == ["A1", "A2"]
    assert _located(case_file) == [
        "cases.csv row 4, column 申诉编号 (source_reference): A1 is also in row 2: each case once"
    ]


def test_missing_and_doubled_columns_refuse_the_file() -> None:
    """Without a required column nothing can be read: the file is refused, naming it; two
    headings of one column (投诉编号 and 申诉编号) are refused too."""
    data = "申诉编号,投诉编号,类型\nA1,B1,申诉\n".encode()
    with pytest.raises(InvalidInputError) as caught:
        read_case_file(data, "cases.csv")
    messages = [problem.render("en") for problem in caught.value.problems]
    assert messages[0].startswith("cases.csv, column 投诉编号: names the column source_reference")
    assert "received_at (受理时间)" in messages[1] and "summary (申诉内容)" in messages[1]


def test_english_headings_codes_and_full_width_spellings(tmp_path: Path) -> None:
    """English column names and codes, full-width letters (ＺＴＯ), any case and a time with an
    offset read as the Chinese ones do."""
    data = (
        "source_reference,kind,received_at,carrier,region,channel,category,summary,emergency\n"
        "C9,Complaint,2026-10-02T01:15:00Z,ＺＴＯ,510104,carrier_hotline,DELAY,late,是\n"
    ).encode()
    (row,) = read_case_file(data, "carrier.csv").rows
    assert (row.kind, row.carrier, row.channel, row.category) == (
        CaseKind.complaint,
        "ZTO",
        Intake.carrier_hotline,
        Category.delay,
    )
    assert row.received_at == datetime(2026, 10, 2, 9, 15, tzinfo=CHINA)
    assert row.emergency is True


def test_a_row_with_extra_cells_is_located_and_left_out() -> None:
    """A row with a cell past the header (an unquoted comma) is reported at its line by the
    table intake and is not among the cases."""
    good = "A1,申诉,2026-10-02 09:15,ZTO,510104,12305电话,延误,未投递,张三,13800000001"
    bad = "A2,申诉,2026-10-02 09:15,ZTO,510104,12305电话,延误,未投递,又丢了,张三,13800000001"
    case_file = read_case_file("\n".join([HEADER, good, bad]).encode(), "cases.csv")
    assert [row.row for row in case_file.rows] == [2]
    assert [problem.location for _n, problem in case_file.problems] == ["cases.csv row 3"]


def test_a_case_received_after_now_is_refused() -> None:
    """A case cannot be received in the future (beyond the clocks' drift allowance)."""
    row = "A1,申诉,2026-10-02 09:15,ZTO,510104,12305电话,延误,未投递,张三,13800000001"
    data = "\n".join([HEADER, row]).encode()
    now = datetime(2026, 10, 1, tzinfo=UTC)
    messages = _located(read_case_file(data, "cases.csv", now=now))
    assert messages == [
        "cases.csv row 2, column 受理时间 (received_at): 2026-10-02T09:15:00+08:00 is in the "
        "future: a case is recorded once received"
    ]


def test_more_than_a_hundred_problems_are_counted_all_and_listed_first(tmp_path: Path) -> None:
    """150 bad rows: the error lists the first 100 (rows 2 to 101) and counts all 150."""
    rows = [f"A{n},申诉,yesterday,ZTO,510104,12305电话,延误,x,张三,13800000001" for n in range(150)]
    case_file = read_case_file("\n".join([HEADER, *rows]).encode(), "cases.csv")
    with pytest.raises(InvalidInputError) as caught:
        refuse_case_file(case_file)
    assert caught.value.total == 150
    assert len(caught.value.problems) == MAX_LISTED == 100
    assert caught.value.problems[-1].location.startswith("cases.csv row 101,")


def _workbook(path: Path, rows: list[list[object]], sheet: str = "cases") -> None:
    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    worksheet.append([*HEADER.split(","), "运单号", "争议日期"])
    for row in rows:
        worksheet.append(row)
    workbook.save(path)


def test_excel_dates_and_numbers_read_as_codes_and_moments(tmp_path: Path) -> None:
    """In a workbook, a date-time cell is a China-time moment, a region, phone or waybill typed
    as a number is its code, and a waybill of 16 digits typed as a number (Excel kept 15) is
    refused at its sheet, row and heading."""
    path = tmp_path / "cases.xlsx"
    moment = datetime(2026, 10, 2, 9, 15)
    common: list[object] = ["申诉", moment, "中通", 510104, "12305电话", "延误", "未投递", "张三"]
    _workbook(
        path,
        [
            ["A1", *common, 13800000001, 75312345678901, datetime(2026, 9, 26)],
            ["A2", *common, 13800000002, 7531234567890123, None],
        ],
    )
    case_file = read_case_file(path)
    (row,) = case_file.rows
    assert row.received_at == datetime(2026, 10, 2, 1, 15, tzinfo=UTC)
    assert (row.region, row.phone, row.waybill) == ("510104", "13800000001", "75312345678901")
    assert row.dispute_on == date(2026, 9, 26)
    assert [problem.location for _n, problem in case_file.problems] == [
        'cases.xlsx: sheet "cases", row 3, column 运单号 (waybill)'
    ]


def test_a_workbook_without_a_cases_sheet_reads_its_first(tmp_path: Path) -> None:
    """An export whose only sheet is called 申诉导出 is read from that sheet."""
    path = tmp_path / "export.xlsx"
    common: list[object] = ["申诉", "2026-10-02 09:15", "ZTO", "510104", "信件", "丢失", "x"]
    _workbook(path, [["A1", *common, "张三", "13800000001"]], sheet="申诉导出")
    case_file = read_case_file(path)
    assert [row.channel for row in case_file.rows] == [Intake.letter]
    place = 'export.xlsx: sheet "申诉导出", row 2, column 联系电话 (phone)'
    assert case_file.place(2, "phone") == place


def test_other_file_types_are_refused() -> None:
    """An old .xls workbook (or any other type) is refused with what to do."""
    with pytest.raises(InvalidInputError) as caught:
        read_case_file(b"\xd0\xcf\x11\xe0", "cases.xls")
    assert "save it as .xlsx" in caught.value.problems[0].render("en")


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 2),
        max_value=datetime(2099, 12, 30),
        timezones=st.just(UTC),
    )
)
def test_a_moment_reads_back_as_written_in_every_form(moment: datetime) -> None:
    """Any minute written in China time (ISO, slashes, 年月日) or with its UTC offset reads as
    the same instant."""
    moment = moment.replace(second=0, microsecond=0)
    china = moment.astimezone(CHINA)
    forms = [
        china.strftime("%Y-%m-%d %H:%M"),
        f"{china.year}/{china.month}/{china.day} {china.hour}:{china.minute:02d}",
        f"{china.year}年{china.month}月{china.day}日 {china.hour:02d}:{china.minute:02d}",
        moment.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
    ]
    assert all(moment_cell(form, DEFAULT_LIMITS, None) == moment for form in forms)


def test_the_reference_shows_the_example_and_every_spelling_read() -> None:
    """docs/reference/case-files.md embeds the example file as it is, and lists every heading,
    channel and category spelling the reader accepts (so the page cannot drift from it)."""
    page = (EXAMPLE.parents[1] / "reference" / "case-files.md").read_text(encoding="utf-8")
    block = page.split("```csv\n", 1)[1].split("```", 1)[0]
    assert block == EXAMPLE.read_text(encoding="utf-8")
    spellings = [alias for column in CASE_COLUMNS for alias in column.aliases]
    spellings += [*CHANNEL_NAMES, *CATEGORY_NAMES, *(c.name for c in KNOWN_CARRIERS)]
    assert [spelling for spelling in spellings if spelling not in page] == []
