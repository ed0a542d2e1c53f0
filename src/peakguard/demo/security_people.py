"""Synthetic senders for the demo's real-name register: names, phones, resident ID numbers and
unified social credit codes that pass their check digits but belong to no one.

Everything here is made up and labelled so (:data:`SYNTHETIC`). A resident ID number
(居民身份证号码, GB 11643-1999) is a six-digit region code, the birth date (eight digits), a
three-digit serial and a check digit (ISO 7064 MOD 11-2: 0–9 or X). A unified social credit code
(统一社会信用代码, GB 32100-2015) is a registration department and an organisation type, a six-digit
region code, a nine-character organisation code (GB 11714, its last character a check digit)
and a check character over an alphabet of 31. The check digits are computed here, not drawn, so
every number is well formed; :func:`broken` changes only the last character, so the number fails
exactly its checksum. A person's birth place and year are drawn where python-stdnum knows the
county in that year (a county created or renamed later is no birth place a check accepts).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from stdnum.cn import ric

SYNTHETIC = "synthetic (peakguard demo): made up, belongs to no one"
"""The label every demo sender carries."""

ID_WEIGHTS = tuple(pow(2, 17 - position, 11) for position in range(17))
"""GB 11643-1999: the weight of each of the first 17 digits (2^(17-i) mod 11)."""
ID_CHECK = "10X98765432"
"""The check digit for each remainder of the weighted sum modulo 11."""
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""GB 32100-2015: the 31 characters of a credit code (no I, O, S, V, Z)."""
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
"""GB 11714-1997: the weights of an organisation code's first eight characters."""

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
    "彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建红文辉力斌宇浩凯鹏飞雪琳晨欣怡然婷思佳"
)
PHONE_PREFIXES = ("138", "139", "150", "151", "158", "177", "180", "186", "188", "199")


def id_check_digit(first17: str) -> str:
    """The check digit of a resident ID number's first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def resident_id(region: str, birth: date, serial: int) -> str:
    """A well-formed resident ID number: ``region`` (six digits), ``birth``, ``serial`` (the
    last digit odd for a man, even for a woman) and its check digit."""
    first17 = f"{region}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_check_digit(first17)


def organisation_code_check(first8: str) -> str:
    """The check character of a nine-character organisation code (GB 11714)."""
    total = sum(
        CREDIT_ALPHABET.index(c) * w for c, w in zip(first8, ORGANISATION_CODE_WEIGHTS, strict=True)
    )
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def credit_check_character(first17: str) -> str:
    """The check character of a credit code's first 17 characters (GB 32100)."""
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code(region: str, serial: int) -> str:
    """A well-formed credit code of an enterprise (``91``) registered in ``region``: its
    organisation code from ``serial`` (eight digits and their check) and its check character."""
    first8 = f"{serial % 100_000_000:08d}"
    first17 = f"91{region}{first8}{organisation_code_check(first8)}"
    return first17 + credit_check_character(first17)


def broken(number: str, *, credit_code: bool = False) -> str:
    """``number`` (a resident ID number, or a credit code) with its last character changed: it
    fails its checksum and nothing else."""
    alphabet = CREDIT_ALPHABET if credit_code else ID_CHECK
    return number[:-1] + alphabet[(alphabet.index(number[-1]) + 1) % len(alphabet)]


@functools.lru_cache(maxsize=4096)
def _birth_place(region: str, year: int) -> bool:
    """Whether python-stdnum knows ``region`` as a county in ``year`` (a county created or
    renamed later is no birth place a check accepts); each pair looked up once."""
    return ric.is_valid(resident_id(region, date(year, 1, 1), 1))


@dataclass(frozen=True)
class Sender:
    """One synthetic sender: a person (``resident_id``) or an organisation (``credit_code``)."""

    name: str
    id_kind: str
    number: str
    phone: str


class SenderMaker:
    """Draws synthetic senders from one seeded generator, never the same number twice."""

    def __init__(self, seed: int, regions: tuple[str, ...]) -> None:
        known = tuple(r for r in regions if _birth_place(r, 2000))
        if not known:
            raise ValueError("SenderMaker needs at least one known region code")
        self.random = np.random.default_rng(seed)
        self.regions = known
        self.used: set[str] = set()

    def _name(self) -> str:
        surname = SURNAMES[int(self.random.integers(len(SURNAMES)))]
        given = "".join(
            GIVEN[int(self.random.integers(len(GIVEN)))]
            for _ in range(int(self.random.integers(1, 3)))
        )
        return surname + given

    def _phone(self) -> str:
        prefix = PHONE_PREFIXES[int(self.random.integers(len(PHONE_PREFIXES)))]
        return f"{prefix}{int(self.random.integers(100_000_000)):08d}"

    def person(self, *, ending_x: bool = False) -> Sender:
        """A person born 1960–2004 in one of the regions (``ending_x``: an ID whose check
        digit is X, the case a careless search lower-cases)."""
        while True:
            region = self.regions[int(self.random.integers(len(self.regions)))]
            birth = date(1960, 1, 1) + timedelta(days=int(self.random.integers(45 * 365)))
            number = resident_id(region, birth, int(self.random.integers(1, 1000)))
            if number in self.used or (ending_x and not number.endswith("X")):
                continue
            if not _birth_place(region, birth.year):
                continue
            self.used.add(number)
            return Sender(self._name(), "resident_id", number, self._phone())

    def organisation(self, name: str) -> Sender:
        """An enterprise of ``name`` registered in one of the regions."""
        while True:
            region = self.regions[int(self.random.integers(len(self.regions)))]
            number = credit_code(region, int(self.random.integers(10_000_000, 100_000_000)))
            if number not in self.used:
                self.used.add(number)
                return Sender(name, "credit_code", number, self._phone())
