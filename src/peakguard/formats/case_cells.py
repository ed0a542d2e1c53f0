"""The cells of a case file (:mod:`peakguard.formats.case_file`) read one at a time: labels
turned into codes (投诉 → ``complaint``, 12305网站 → ``web_12305``, 延误 → ``delay``, 中通快递 →
``ZTO``), moments and days in the forms Chinese exports write them, codes that Excel read as
numbers. A reader returns the value or raises :class:`RefusedCellError` with the sentence to
show beside the cell; docs/reference/case-files.md lists every accepted spelling.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from peakguard.cases.model import CaseKind, Category, Intake
from peakguard.domain.carriers import KNOWN_CARRIERS
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.domain.text import normalise
from peakguard.formats.limits import InputLimits
from peakguard.i18n import Message, _

EXCEL_DIGITS = 15
"""Excel keeps a number to 15 significant digits: a longer code typed as a number lost some."""
REFERENCE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
"""A source reference as the 12305 system and carriers number cases (stored in 64 characters)."""

KIND_NAMES: Mapping[str, CaseKind] = {"投诉": CaseKind.complaint, "申诉": CaseKind.appeal}
CHANNEL_NAMES: Mapping[str, Intake] = {
    **dict.fromkeys(("12305电话", "12305热线", "电话", "热线"), Intake.phone_12305),
    **dict.fromkeys(("12305网站", "网站", "网上申诉", "互联网", "微信"), Intake.web_12305),
    **dict.fromkeys(("信件", "来信", "书面"), Intake.letter),
    **dict.fromkeys(("企业客服电话", "客服电话", "客服热线", "企业热线"), Intake.carrier_hotline),
    **dict.fromkeys(("企业APP", "APP", "客户端", "小程序"), Intake.carrier_app),
    **dict.fromkeys(("电子邮件", "电子邮箱", "e-mail"), Intake.email),
    **dict.fromkeys(("来访", "现场"), Intake.visit),
    "导入": Intake.import_file,
}
CATEGORY_NAMES: Mapping[str, Category] = {
    **dict.fromkeys(("延误", "延误投递", "时限延误"), Category.delay),
    **dict.fromkeys(("丢失", "丢失短少", "遗失"), Category.loss),
    **dict.fromkeys(("损毁", "破损"), Category.damage),
    **dict.fromkeys(("短少", "内件短少"), Category.shortage),
    **dict.fromkeys(("未经同意投柜", "投放快递柜", "投柜"), Category.locker_without_consent),
    **dict.fromkeys(("未经同意投放驿站", "投放驿站"), Category.station_without_consent),
    **dict.fromkeys(("虚假签收",), Category.false_delivery_scan),
    **dict.fromkeys(("服务态度", "态度"), Category.attitude),
    **dict.fromkeys(("违规收费", "收费"), Category.charges),
    **dict.fromkeys(("收寄服务", "揽收"), Category.pickup_service),
    **dict.fromkeys(("投递服务", "派送"), Category.delivery_service),
    **dict.fromkeys(("其他", "其它"), Category.other),
}
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "紧急"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", "普通"})
_CARRIER_SUFFIX = re.compile(r"(快递|速运|速递|物流|快运)$")
_DAY = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_DAY_ONLY = re.compile(rf"^{_DAY}$")
_MOMENT = re.compile(
    rf"^{_DAY}(?:\s+|T)(\d{{1,2}}):(\d{{2}})(?::(\d{{2}})(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def spelling_key(text: str) -> str:
    """How spellings are compared: NFKC (full-width ＺＴＯ is ZTO), no white space, any case."""
    return re.sub(r"\s+", "", normalise(text)).casefold()


class RefusedCellError(Exception):
    """A cell that cannot be read; ``message`` says why, to be shown beside the cell."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.msgid)
        self.message = message


def text_cell(value: Any) -> str | None:
    """A cell as text, stripped; None when empty. Excel's numbers and dates as written."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def required_text(text: str | None) -> str:
    """``text``, refused when the cell was empty."""
    if text is None:
        raise RefusedCellError(_("is empty; every case needs it"))
    return text


def code_cell(value: Any) -> str | None:
    """A code (waybill, phone, reference) as text; Excel may have read it as a number."""
    if isinstance(value, bool):
        raise RefusedCellError(_("{value!r} is not a code", value=value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if len(str(abs(value))) > EXCEL_DIGITS:
            raise RefusedCellError(
                _(
                    "Excel keeps a number to {digits} digits, so this one may have lost its "
                    "last: format the column as text and type it again",
                    digits=EXCEL_DIGITS,
                )
            )
        return str(value)
    if isinstance(value, float):
        raise RefusedCellError(_("{value} is a number with a fraction, not a code", value=value))
    return text_cell(value)


def reference_cell(value: Any) -> str:
    """The case's number in the export it comes from (申诉编号), needed to import it once."""
    text = required_text(code_cell(value))
    if not REFERENCE_PATTERN.fullmatch(text):
        raise RefusedCellError(
            _(
                "{value!r} is not a case number: 1 to 64 letters, digits and . _ / -, "
                "starting with a letter or digit",
                value=text[:80],
            )
        )
    return text


def named_cell(
    value: Any, names: Mapping[str, Any], kind: type[Any], *, required: bool = False
) -> Any:
    """A label (中文 or English) or code of ``kind``; None for an empty optional cell."""
    text = text_cell(value)
    if text is None:
        if required:
            raise RefusedCellError(_("is empty; every case needs it"))
        return None
    key = spelling_key(text)
    for spelling, member in names.items():
        if spelling_key(spelling) == key:
            return member
    for member in kind:
        if member.value.casefold() == key:
            return member
    raise RefusedCellError(
        _(
            "{value!r} is not one of: {choices}",
            value=text[:80],
            choices=", ".join(_choices(names, kind)),
        )
    )


def _choices(names: Mapping[str, Any], kind: type[Any]) -> list[str]:
    """Each value once, by its first Chinese label and its code: ``延误 (delay)``."""
    first: dict[Any, str] = {}
    for spelling, member in names.items():
        first.setdefault(member, spelling)
    return [f"{first[m]} ({m.value})" if m in first else m.value for m in kind]


def _carrier_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for carrier in KNOWN_CARRIERS:
        spellings = {carrier.code, carrier.name, carrier.name_en or "", *carrier.name.split("/")}
        spellings.add(_CARRIER_SUFFIX.sub("", carrier.name))
        for spelling in spellings:
            if spelling:
                names[spelling_key(spelling)] = carrier.code
    for spelling in ("邮政", "中国邮政速递物流", "邮政EMS", "J&T"):
        names[spelling_key(spelling)] = "EMS" if spelling != "J&T" else "JT"
    return names


_CARRIERS = _carrier_names()


def carrier_cell(value: Any) -> str:
    """A carrier's code from its code, Chinese or English name or short name (中通 → ZTO); an
    unknown code of letters and digits is kept, upper-case, an unknown name is refused."""
    text = required_text(text_cell(value))
    code = _CARRIERS.get(spelling_key(text))
    if code is not None:
        return code
    if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", text):
        return text.upper()
    raise RefusedCellError(
        _(
            "{value!r} is not a carrier peakguard knows; give its code (such as ZTO) or one "
            "of: {names}",
            value=text[:80],
            names=", ".join(carrier.name for carrier in KNOWN_CARRIERS),
        )
    )


def region_cell(value: Any) -> str:
    """A six-digit region code (whether GB/T 2260 knows it is the case's own check)."""
    text = required_text(code_cell(value))
    if not re.fullmatch(r"\d{6}", text):
        raise RefusedCellError(
            _("{value!r} is not a six-digit GB/T 2260 region code", value=text[:80])
        )
    return text


def flag_cell(value: Any) -> bool:
    """Yes or no (是/否, true/false, 1/0, 紧急/普通); empty is no."""
    if isinstance(value, bool):
        return value
    text = text_cell(value)
    if text is None:
        return False
    key = spelling_key(text)
    if key in TRUE_WORDS or key in FALSE_WORDS:
        return key in TRUE_WORDS
    raise RefusedCellError(_("{value!r} is not yes (是) or no (否)", value=text[:80]))


def moment_cell(value: Any, limits: InputLimits, latest: datetime | None) -> datetime:
    """An aware moment from ``2026-10-02 14:30``, ``2026/10/2 14:30:05``, ``2026年10月2日
    14:30``, an ISO moment with its offset, or an Excel date-time; China time unless an offset
    is written. Refused outside ``limits``' years or later than ``latest``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date) or value is None or isinstance(value, int | float | bool):
        text = text_cell(value) if not isinstance(value, bool) else str(value)
        if text is None:
            raise RefusedCellError(_("is empty; every case needs it"))
        raise RefusedCellError(_moment_message(text))
    else:
        moment = _parsed_moment(normalise(str(value)))
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=CHINA_STANDARD_TIME)
    if not limits.earliest_time <= moment or moment.year > limits.latest_year:
        raise RefusedCellError(
            _(
                "{moment} is outside {first} to {last}",
                moment=moment.isoformat(),
                first=limits.earliest_time.date(),
                last=f"{limits.latest_year}-12-31",
            )
        )
    if latest is not None and moment > latest:
        raise RefusedCellError(
            _(
                "{moment} is in the future: a case is recorded once received",
                moment=moment.isoformat(),
            )
        )
    return moment


def _parsed_moment(text: str) -> datetime:
    if not text:
        raise RefusedCellError(_("is empty; every case needs it"))
    found = _MOMENT.fullmatch(text)
    if found is None:
        raise RefusedCellError(_moment_message(text))
    year, month, day, hour, minute, second, offset = found.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        if offset:
            moment = datetime.fromisoformat(moment.isoformat() + _offset(offset))
    except ValueError:
        raise RefusedCellError(_("{value!r} is not a real moment", value=text[:80])) from None
    return moment


def _offset(offset: str) -> str:
    if offset == "Z":
        return "+00:00"
    return offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"


def _moment_message(text: str) -> Message:
    return _(
        "{value!r} is not a moment written YYYY-MM-DD HH:MM (China time unless an offset "
        "such as +08:00 follows)",
        value=text[:80],
    )


def day_cell(value: Any, limits: InputLimits) -> date | None:
    """A day from ``2026-09-28``, ``2026/9/28``, ``2026年9月28日`` or an Excel date; None when
    empty."""
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = text_cell(value)
        if text is None:
            return None
        text = normalise(text)
        found = _DAY_ONLY.fullmatch(text)
        if found is None:
            raise RefusedCellError(_("{value!r} is not a day written YYYY-MM-DD", value=text[:80]))
        try:
            day = date(*(int(part) for part in found.groups()))
        except ValueError:
            raise RefusedCellError(_("{value!r} is not a real day", value=text[:80])) from None
    first, last = limits.earliest_time.date(), date(limits.latest_year, 12, 31)
    if not first <= day <= last:
        raise RefusedCellError(
            _("{day} is outside {first} to {last}", day=day.isoformat(), first=first, last=last)
        )
    return day
