"""The register's files: Chinese headings, an Excel sheet, every bad cell located, and no
refusal that repeats an ID number."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook

from peakguard.cases.real_name import IdType
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.formats.real_name_file import parse_register, read_register_table

ID = "11010519491231002X"
HEADINGS = [
    "运单号",
    "快递企业",
    "寄件人姓名",
    "证件类型",
    "证件号码",
    "收寄网点",
    "行政区划代码",
    "收寄时间",
    "工号",
]
LATEST = datetime(2026, 11, 12, tzinfo=CHINA_STANDARD_TIME)


def workbook(*rows: list[object]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "register"
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_excel_register_is_read_with_chinese_headings() -> None:
    """A sheet's row: the carrier by its Chinese name, the ID type by its name, the time as an
    Excel date-time in China time."""
    data = workbook(
        [
            "ZT1",
            "中通",
            "张三",
            "居民身份证",
            ID,
            "ZTO-CD-01",
            "510107",
            datetime(2026, 11, 11, 9),
            "E1",
        ]
    )
    name, table = read_register_table(data, "register.xlsx")
    parsed = parse_register(table, name, latest=LATEST)
    assert parsed.problems == ()
    (row,) = parsed.rows
    assert (row.carrier, row.id_type, row.id_number, row.row) == ("ZTO", IdType.resident_id, ID, 2)
    assert row.accepted_at == datetime(2026, 11, 11, 9, tzinfo=CHINA_STANDARD_TIME)


def test_an_id_excel_turned_into_a_number_is_refused_without_repeating_it() -> None:
    """110105194912310021 typed into a number cell has lost its last digits: refused at its
    row and column, the message naming Excel's 15 digits, not the number."""
    data = workbook(
        [
            "ZT1",
            "中通",
            "张三",
            "身份证",
            110105194912310021,
            "ZTO-CD-01",
            510107,
            "2026-11-11 09:00",
            "E1",
        ],
        ["ZT2", "中通", "", "驾照", ID, "ZTO-CD-01", "5101", "2026-11-11 09:00", "E1"],
    )
    name, table = read_register_table(data, "register.xlsx")
    parsed = parse_register(table, name, latest=LATEST)
    places = [problem.location for problem in parsed.problems]
    assert places == [
        'register.xlsx: sheet "register", row 2, column id_number',
        'register.xlsx: sheet "register", row 3, column sender_name',
        'register.xlsx: sheet "register", row 3, column id_type',
        'register.xlsx: sheet "register", row 3, column region',
    ]
    shown = repr([(p.location, p.message.msgid, p.message.params) for p in parsed.problems])
    assert "110105194912310" not in shown and ID not in shown
    assert parsed.problems[0].message.params == {"digits": 15}


def test_an_id_in_the_wrong_column_is_never_repeated() -> None:
    """Columns shifted by one: the ID lands in the time and carrier columns; the refusals
    name the places and say what is expected, without the ID."""
    spaced = "110105 19491231 002X"
    data = workbook(["ZT1", spaced, "张三", "身份证", ID, "ZTO-CD-01", "510107", ID, "E1"])
    name, table = read_register_table(data, "register.xlsx")
    parsed = parse_register(table, name, latest=LATEST)
    assert [p.location.rsplit(" ", 1)[1] for p in parsed.problems] == ["carrier", "accepted_at"]
    shown = repr([(p.message.msgid, p.message.params) for p in parsed.problems])
    assert "19491231" not in shown
