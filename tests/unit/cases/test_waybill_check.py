"""The waybill check (快递暂行条例 art. 22): only name, address and phone of a person."""

from __future__ import annotations

from peakguard.cases.waybill_check import WaybillFindingKind as K
from peakguard.cases.waybill_check import check_waybill, check_waybills

CLEAN = {
    "waybill": "731234567890123456",  # 18 digits of a carrier's numbering, field excepted
    "sender_name": "张三",
    "sender_phone": "13812345678",
    "sender_address": "四川省成都市武侯区人民南路四段12号",
    "recipient_name": "李四",
    "recipient_phone": "021-12345678",
    "recipient_address": "上海市浦东新区世纪大道100号2001室",
    "weight_kg": 1.25,
    "accepted_at": "2026-11-11 09:30",
    "remark": "易碎, 轻放",
}


def test_a_clean_waybill_gives_no_finding() -> None:
    """Names, addresses, phones, a weight, a time and a long waybill number are fine."""
    assert check_waybill(2, CLEAN) == []


def test_each_kind_is_found_at_its_row_and_field() -> None:
    """An ID in a remark, a credit code in an address, a birth date in a name, an ID column."""
    rows = [
        (2, CLEAN),
        (3, {**CLEAN, "remark": "寄件人 11010519491231002X"}),
        (4, {**CLEAN, "sender_address": "福州市 91350100M000100Y43 公司"}),
        (5, {**CLEAN, "sender_name": "王五 出生1990年1月2日"}),
        (6, {**CLEAN, "sender_id_number": "E12345678"}),
        (7, {**CLEAN, "remark": "护照 E12345678"}),
        (8, {**CLEAN, "recipient_name": "赵六 1990-01-02"}),
    ]
    found = {(f.row, f.field, f.kind) for f in check_waybills(rows)}
    assert found == {
        (3, "remark", K.id_number),
        (4, "sender_address", K.credit_code),
        (5, "sender_name", K.birth_date),
        (6, "sender_id_number", K.forbidden_field),
        (7, "remark", K.id_document),
        (8, "recipient_name", K.birth_date),
    }


def test_an_eighteen_digit_number_without_a_real_date_is_not_an_id() -> None:
    """A tracking reference in a remark whose digits 7-14 are no date is left alone."""
    assert check_waybill(2, {"remark": "ref 123456999999991234"}) == []


def test_an_empty_forbidden_column_is_not_a_finding() -> None:
    """A template's empty 身份证 column carries nothing."""
    assert check_waybill(2, {**CLEAN, "身份证号": ""}) == []
    assert [f.kind for f in check_waybill(2, {**CLEAN, "身份证号": "x"})] == [K.forbidden_field]
