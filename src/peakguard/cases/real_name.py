"""The real-name register's rules (实名收寄): the sender's ID checked, normalised and masked.

A sender registers with an ID of an accepted type: an individual's resident identity card
(居民身份证, GB 11643: 17 digits and an ISO 7064 MOD 11-2 check character, the birth date in
digits 7–14), a passport, a permit for residents of Hong Kong and Macao
(港澳居民来往内地通行证) or of Taiwan (台湾居民来往大陆通行证), a residence permit of those
residents (港澳台居民居住证, built as the resident card), a foreigner's permanent residence
card (外国人永久居留身份证: 15 characters before 2023, 18 with the resident card's check
character since); an organisation its unified
social credit code (统一社会信用代码, GB 32100: 17 characters and a MOD 31 check character).

The two check characters are computed by ``python-stdnum`` (``stdnum.cn.ric``,
``stdnum.cn.uscc``; docs/decisions/0014-id-checks-with-python-stdnum.md); the other types have
no published check digit and are checked for their form only.

Must hold (tests/unit/cases/test_real_name.py): the published valid examples pass, a changed
check character, a wrong length or an impossible birth date fail with that reason; a number is
compared after NFKC, upper-case and without spaces; a mask shows the last four characters only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError
from stdnum.iso7064 import mod_11_2

from peakguard.i18n import Message, _

SHOWN_CHARACTERS: Final = 4
"""A masked number shows its last four characters: ``**************002X``."""


class IdType(StrEnum):
    """The kinds of ID a sender registers with."""

    resident_id = "resident_id"
    """居民身份证 (GB 11643)."""
    passport = "passport"
    """护照."""
    hk_macao_permit = "hk_macao_permit"
    """港澳居民来往内地通行证."""
    taiwan_permit = "taiwan_permit"
    """台湾居民来往大陆通行证."""
    residence_permit = "residence_permit"
    """港澳台居民居住证 (numbered as the resident card, from 81/82/83)."""
    foreign_permanent_resident = "foreign_permanent_resident"
    """外国人永久居留身份证."""
    military_id = "military_id"
    """军官证、士兵证 and other IDs the rules accept."""
    credit_code = "credit_code"
    """统一社会信用代码 (an organisation, GB 32100)."""


ORGANISATION_TYPES: Final = frozenset({IdType.credit_code})


class SenderKind(StrEnum):
    individual = "individual"
    organisation = "organisation"


class IdProblem(StrEnum):
    """Why a number is not a valid ID of its type."""

    characters = "characters"
    length = "length"
    check_digit = "check_digit"
    birth_date = "birth_date"
    region = "region"


def type_label(kind: IdType | str) -> Message:
    labels = {
        IdType.resident_id: _("resident identity card (居民身份证)"),
        IdType.passport: _("passport"),
        IdType.hk_macao_permit: _(
            "permit for Hong Kong and Macao residents (港澳居民来往内地通行证)"
        ),
        IdType.taiwan_permit: _("permit for Taiwan residents (台湾居民来往大陆通行证)"),
        IdType.residence_permit: _("residence permit for Hong Kong, Macao and Taiwan residents"),
        IdType.foreign_permanent_resident: _("foreigner's permanent residence card"),
        IdType.military_id: _("military ID"),
        IdType.credit_code: _("unified social credit code (统一社会信用代码)"),
    }
    return labels.get(IdType(kind), _("ID"))


def problem_label(problem: IdProblem | str) -> Message:
    labels = {
        IdProblem.characters: _("holds characters an ID of this type never has"),
        IdProblem.length: _("has the wrong number of characters for this type"),
        IdProblem.check_digit: _("its check character does not match (mistyped or invented)"),
        IdProblem.birth_date: _("its birth date is impossible"),
        IdProblem.region: _("its first digits name no region"),
    }
    return labels.get(IdProblem(problem), _("is not valid"))


def sender_kind(kind: IdType) -> SenderKind:
    return SenderKind.organisation if kind in ORGANISATION_TYPES else SenderKind.individual


def normalise(number: str) -> str:
    """``number`` as compared and stored: NFKC (full-width digits), upper case, no white space
    or hyphen (``110105 19491231 002x`` → ``11010519491231002X``)."""
    folded = unicodedata.normalize("NFKC", number).upper()
    return re.sub(r"[\s\-]+", "", folded)


def mask_id(number: str) -> str:
    """A star for each character but the last four: ``**************002X``; a number of four
    characters or fewer is all stars."""
    text = normalise(number)
    if len(text) <= SHOWN_CHARACTERS:
        return "*" * len(text)
    return "*" * (len(text) - SHOWN_CHARACTERS) + text[-SHOWN_CHARACTERS:]


def masked_tail(tail: str, length: int) -> str:
    """The mask of a number known only by its last four characters and its length."""
    return "*" * max(length - len(tail), 0) + tail


@dataclass(frozen=True)
class IdCheck:
    """The outcome of checking a number: ``problem`` None when valid."""

    number: str
    """Normalised."""
    id_type: IdType
    problem: IdProblem | None
    birth_date: date | None = None

    @property
    def valid(self) -> bool:
        return self.problem is None


_FORMS: Final[dict[IdType, re.Pattern[str]]] = {
    IdType.passport: re.compile(r"[A-Z0-9]{5,17}"),
    IdType.hk_macao_permit: re.compile(r"[HM][0-9]{8}([0-9]{2})?"),
    IdType.taiwan_permit: re.compile(r"[0-9]{8}([0-9]{2})?"),
    IdType.military_id: re.compile(r"[A-Z0-9\u4e00-\u9fff]{4,20}"),
}
_LENGTHS: Final[dict[IdType, tuple[int, ...]]] = {
    IdType.passport: tuple(range(5, 18)),
    IdType.hk_macao_permit: (9, 11),
    IdType.taiwan_permit: (8, 10),
    IdType.military_id: tuple(range(4, 21)),
}


def check_id(id_type: IdType, number: str, *, today: date | None = None) -> IdCheck:
    """Check ``number`` as an ID of ``id_type`` (see the module's docstring); a birth date
    after ``today`` is impossible too."""
    text = normalise(number)
    if id_type in (IdType.resident_id, IdType.residence_permit):
        found = _resident(id_type, text)
        if found.birth_date is not None and today is not None and found.birth_date > today:
            return IdCheck(text, id_type, IdProblem.birth_date)
        return found
    if id_type is IdType.credit_code:
        return IdCheck(text, id_type, _stdnum_problem(uscc.validate, text))
    if id_type is IdType.foreign_permanent_resident:
        return _permanent_resident(text)
    if len(text) not in _LENGTHS[id_type]:
        return IdCheck(text, id_type, IdProblem.length)
    form = _FORMS[id_type]
    return IdCheck(text, id_type, None if form.fullmatch(text) else IdProblem.characters)


def _resident(id_type: IdType, text: str) -> IdCheck:
    if len(text) != 18:
        return IdCheck(text, id_type, IdProblem.length)
    if not re.fullmatch(r"[0-9]{17}[0-9X]", text):
        return IdCheck(text, id_type, IdProblem.characters)
    born = _birth_date(text[6:14])
    if born is None:
        return IdCheck(text, id_type, IdProblem.birth_date)
    if id_type is IdType.residence_permit:
        # 港澳台居民居住证: 810000 / 820000 / 830000 and the resident card's check character
        if text[:2] not in ("81", "82", "83"):
            return IdCheck(text, id_type, IdProblem.region)
        return IdCheck(text, id_type, _mod_11_2_problem(text), born)
    # ric.validate also looks the first six digits up in its table of counties and the years
    # each existed, and refuses GB 11643's own example 440524188001010014 (born 1880, before
    # its table starts): the region is not part of the standard's check, so only the check
    # character is taken from the library.
    problem = None if ric.calc_check_digit(text) == text[-1] else IdProblem.check_digit
    return IdCheck(text, id_type, problem, born)


def _permanent_resident(text: str) -> IdCheck:
    kind = IdType.foreign_permanent_resident
    if len(text) == 15:
        ok = re.fullmatch(r"[A-Z]{3}[0-9]{12}", text)
        return IdCheck(text, kind, None if ok else IdProblem.characters)
    if len(text) != 18:
        return IdCheck(text, kind, IdProblem.length)
    if not re.fullmatch(r"9[0-9]{16}[0-9X]", text):
        return IdCheck(text, kind, IdProblem.characters)
    born = _birth_date(text[6:14])
    if born is None:
        return IdCheck(text, kind, IdProblem.birth_date)
    return IdCheck(text, kind, _mod_11_2_problem(text), born)


def _birth_date(digits: str) -> date | None:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    return born if born.year >= 1880 else None


def _mod_11_2_problem(text: str) -> IdProblem | None:
    """ISO 7064 MOD 11-2 over 18 characters, as GB 11643 (``stdnum.iso7064.mod_11_2``)."""
    return None if mod_11_2.is_valid(text) else IdProblem.check_digit


def _stdnum_problem(validate: object, text: str) -> IdProblem | None:
    assert callable(validate)
    try:
        validate(text)
    except InvalidLength:
        return IdProblem.length
    except InvalidChecksum:
        return IdProblem.check_digit
    except InvalidComponent:
        return IdProblem.characters
    except ValidationError:
        return IdProblem.characters
    return None
