"""What a waybill may carry (快递暂行条例 art. 22): the sender's and recipient's name, address
and phone, nothing else of a person.

A carrier's waybill record is checked field by field, whatever the field is called: a value
holding a resident ID number (18 characters, a real birth date in digits 7–14), a unified
social credit code (its GB 32100 check character right), the words of an ID document (身份证,
护照, 通行证 …) or a date of birth (a word for it, or a full date in a field that is not a time)
is a finding (the waybill number's own field excepted from the two numbers: a carrier's
numbering may run to 18 digits); so is a field whose very name is an ID, a birth date, an
ethnicity or a sex, when it holds anything. A finding names the row and the field and what
was found — never the value.

Must hold (tests/unit/cases/test_waybill_check.py): a clean waybill gives no finding; an ID
number in a remark, a credit code in an address, ``出生1990年1月2日`` in a name, an ``id_number``
column are each found at their row and field; a waybill number or a weight is not mistaken
for an ID.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final

from stdnum.cn import uscc

from peakguard.i18n import Message, _


class WaybillFindingKind(StrEnum):
    id_number = "id_number"
    credit_code = "credit_code"
    id_document = "id_document"
    birth_date = "birth_date"
    forbidden_field = "forbidden_field"


def finding_label(kind: WaybillFindingKind | str) -> Message:
    labels = {
        WaybillFindingKind.id_number: _("holds what looks like a resident ID number"),
        WaybillFindingKind.credit_code: _("holds a unified social credit code"),
        WaybillFindingKind.id_document: _("names an ID document (身份证, 护照, 通行证 …)"),
        WaybillFindingKind.birth_date: _("holds a date of birth"),
        WaybillFindingKind.forbidden_field: _(
            "is a field a waybill must not carry (an ID, a birth date, an ethnicity or a sex)"
        ),
    }
    return labels[WaybillFindingKind(kind)]


@dataclass(frozen=True)
class WaybillFinding:
    row: int
    field: str
    kind: WaybillFindingKind


_RESIDENT: Final = re.compile(
    r"(?<![0-9A-Za-z])([0-9]{6})([0-9]{8})([0-9]{3}[0-9Xx])(?![0-9A-Za-z])"
)
_CREDIT: Final = re.compile(r"(?<![0-9A-Za-z])([0-9]{8}[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Za-z])")
_DOCUMENT: Final = re.compile(
    r"身份证|证件号|证件类型|护照|通行证|居留证|居住证|军官证|"
    r"\bid\s*card\b|\bpassport\b|\bid\s*(?:no|number)\b",
    re.IGNORECASE,
)
_BIRTH_WORD: Final = re.compile(r"出生|生日|\bbirth|\bd\.?o\.?b\b", re.IGNORECASE)
_DATE: Final = re.compile(
    r"(?<![0-9])(19[0-9]{2}|20[0-9]{2})\s*(?:[-/.年])\s*([01]?[0-9])\s*(?:[-/.月])\s*"
    r"([0-3]?[0-9])(?![0-9])"
)
_TIME_FIELD: Final = re.compile(r"time|date|时间|日期|_at$|^at$", re.IGNORECASE)
_NUMBER_FIELD: Final = re.compile(r"waybill|tracking|运单|单号", re.IGNORECASE)
"""The waybill's own number: 18 digits there are the carrier's numbering, not an ID."""
_FORBIDDEN_FIELD: Final = re.compile(
    r"身份证|证件|护照|出生|生日|民族|性别|"
    r"(?:^|_)id_?(?:number|no|card|type)(?:$|_)|passport|birth|dob|ethnic|gender|(?:^|_)sex(?:$|_)",
    re.IGNORECASE,
)


def check_waybill(row: int, fields: Mapping[str, Any]) -> list[WaybillFinding]:
    """The findings of one waybill record (its fields by name)."""
    found: list[WaybillFinding] = []
    for name, value in fields.items():
        text = _text(value)
        if text is None:
            continue
        kinds = _kinds(name, text)
        found.extend(WaybillFinding(row, name, kind) for kind in kinds)
    return found


def check_waybills(rows: Iterable[tuple[int, Mapping[str, Any]]]) -> list[WaybillFinding]:
    """The findings of many records, each with its row number, in order."""
    return [finding for number, fields in rows for finding in check_waybill(number, fields)]


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _kinds(name: str, text: str) -> list[WaybillFindingKind]:
    kinds: list[WaybillFindingKind] = []
    if _FORBIDDEN_FIELD.search(name):
        kinds.append(WaybillFindingKind.forbidden_field)
    numbered = _NUMBER_FIELD.search(name) is not None
    if not numbered and any(_plausible_birth(m.group(2)) for m in _RESIDENT.finditer(text)):
        kinds.append(WaybillFindingKind.id_number)
    if not numbered and any(_credit_code(m.group(1)) for m in _CREDIT.finditer(text)):
        kinds.append(WaybillFindingKind.credit_code)
    if _DOCUMENT.search(text):
        kinds.append(WaybillFindingKind.id_document)
    if _BIRTH_WORD.search(text) or (not _TIME_FIELD.search(name) and _has_date(text)):
        kinds.append(WaybillFindingKind.birth_date)
    return kinds


def _plausible_birth(digits: str) -> bool:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2030


def _credit_code(code: str) -> bool:
    return code[:2].isdigit() and uscc.is_valid(code) and not code.isdigit()


def _has_date(text: str) -> bool:
    for match in _DATE.finditer(text):
        try:
            date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
        return True
    return False
