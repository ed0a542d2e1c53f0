"""The ID checks of the real-name register against published examples, each check character
also computed by hand here (GB 11643's MOD 11-2, GB 32100's MOD 31) so the test does not only
trust the library."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric, uscc

from peakguard.cases.real_name import (
    IdProblem,
    IdType,
    check_id,
    mask_id,
    masked_tail,
    normalise,
    sender_kind,
)

GB11643_EXAMPLES = ("11010519491231002X", "440524188001010014")
"""GB 11643-1999's worked examples (Beijing Chaoyang, born 1949-12-31, check X; Guangdong,
born 1880-01-01, check 4)."""
GB32100_EXAMPLE = "91350100M000100Y43"
"""GB 32100-2015's sample code (an enterprise registered in Fuzhou, check character 3)."""
CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""GB 32100's 31 characters (no I, O, Z, S, V)."""


def gb11643_check(first17: str) -> str:
    """The check character by the standard's formula: weights 2^(17-i) mod 11,
    (12 - sum mod 11) mod 11, 10 written X."""
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def gb32100_check(first17: str) -> str:
    """The check character by the standard's formula: weights 3^i mod 31, 31 - sum mod 31."""
    weights = [3**i % 31 for i in range(17)]
    total = sum(CODE_CHARACTERS.index(c) * w for c, w in zip(first17, weights, strict=True))
    return CODE_CHARACTERS[(31 - total % 31) % 31]


def test_the_hand_formulas_give_the_published_check_characters() -> None:
    """The standards' own examples end in what the formulas compute by hand."""
    assert gb11643_check("11010519491231002") == "X"
    assert gb11643_check("44052418800101001") == "4"
    assert gb32100_check("91350100M000100Y4") == "3"
    assert [3**i % 31 for i in range(6)] == [1, 3, 9, 27, 19, 26]


@pytest.mark.parametrize("number", GB11643_EXAMPLES)
def test_published_resident_ids_are_valid(number: str) -> None:
    """GB 11643's examples pass, with their birth dates read from digits 7-14."""
    found = check_id(IdType.resident_id, number)
    assert found.valid
    assert ric.calc_check_digit(number) == gb11643_check(number[:17]) == number[-1]
    assert found.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def test_the_published_credit_code_is_valid() -> None:
    """GB 32100's sample passes, and the library agrees with the hand formula."""
    assert check_id(IdType.credit_code, GB32100_EXAMPLE).valid
    assert uscc.calc_check_digit(GB32100_EXAMPLE) == gb32100_check(GB32100_EXAMPLE[:17]) == "3"
    assert sender_kind(IdType.credit_code).value == "organisation"


@pytest.mark.parametrize("wrong", ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
def test_every_other_check_character_of_a_resident_id_fails(wrong: str) -> None:
    """The example with any digit in place of its X fails its check character."""
    assert (
        check_id(IdType.resident_id, "11010519491231002" + wrong).problem is IdProblem.check_digit
    )


def test_every_other_check_character_of_a_credit_code_fails() -> None:
    """The sample with any of the 30 other characters last fails its check."""
    for wrong in CODE_CHARACTERS.replace("3", ""):
        found = check_id(IdType.credit_code, "91350100M000100Y4" + wrong)
        assert found.problem is IdProblem.check_digit, wrong


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("11010519491231002", IdProblem.length),
        ("11010519491231002XX", IdProblem.length),
        ("110105194912310", IdProblem.length),  # a first-generation 15-digit number
        ("1101051949123100AX", IdProblem.characters),
        ("110105194902300020", IdProblem.birth_date),  # 30 February
        ("110105194913010020", IdProblem.birth_date),  # month 13
    ],
)
def test_resident_ids_of_wrong_length_characters_or_birth_date_fail(
    number: str, problem: IdProblem
) -> None:
    """Each refusal says which rule the number breaks."""
    assert check_id(IdType.resident_id, number).problem is problem


def test_an_impossible_date_is_refused_even_with_a_right_check_character() -> None:
    """1949-02-30 with the check character the formula gives still fails on its date."""
    first17 = "11010519490230002"
    number = first17 + gb11643_check(first17)
    assert check_id(IdType.resident_id, number).problem is IdProblem.birth_date


def test_a_birth_date_after_today_is_impossible() -> None:
    """A card born tomorrow does not exist."""
    first17 = "11010520300101002"
    number = first17 + gb11643_check(first17)
    assert check_id(IdType.resident_id, number).valid
    assert check_id(IdType.resident_id, number, today=date(2026, 12, 3)).problem is (
        IdProblem.birth_date
    )


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("91350100M000100Y4", IdProblem.length),
        ("91350100M000100Y4I", IdProblem.characters),  # I is not one of the 31 characters
        ("9135010OM000100Y43", IdProblem.characters),  # a letter O among the first 8
    ],
)
def test_credit_codes_of_wrong_length_or_characters_fail(number: str, problem: IdProblem) -> None:
    """A code of 17 characters, or with a letter GB 32100 does not use, fails."""
    assert check_id(IdType.credit_code, number).problem is problem


def test_other_documents_are_checked_for_their_form() -> None:
    """Permits and passports have no check digit: their shapes are checked."""
    assert check_id(IdType.hk_macao_permit, "H12345678").valid
    assert check_id(IdType.hk_macao_permit, "X12345678").problem is IdProblem.characters
    assert check_id(IdType.taiwan_permit, "12345678").valid
    assert check_id(IdType.passport, "E1234567").valid
    assert check_id(IdType.passport, "E1").problem is IdProblem.length
    assert check_id(IdType.foreign_permanent_resident, "USA123456789012").valid


def test_new_permanent_residence_cards_carry_the_resident_check_character() -> None:
    """The 2023 card (18 characters from 9) is checked as GB 11643."""
    first17 = "93310019800101001"
    assert check_id(IdType.foreign_permanent_resident, first17 + gb11643_check(first17)).valid
    wrong = "0" if gb11643_check(first17) != "0" else "1"
    assert check_id(IdType.foreign_permanent_resident, first17 + wrong).problem is (
        IdProblem.check_digit
    )


def test_numbers_are_normalised_before_checking_and_hashing() -> None:
    """Spaces, hyphens, a small x and full-width digits give the stored form."""
    assert normalise(" 110105 19491231-002x ") == "11010519491231002X"
    assert normalise("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"
    assert check_id(IdType.resident_id, "110105 19491231 002x").valid


def test_a_mask_shows_the_last_four_characters_only() -> None:
    """The brief's example, and short numbers all stars."""
    assert mask_id("11010519491231002x") == "**************002X"
    assert mask_id("91350100M000100Y43") == "**************0Y43"
    assert mask_id("E12") == "***"
    assert masked_tail("002X", 18) == "**************002X"
