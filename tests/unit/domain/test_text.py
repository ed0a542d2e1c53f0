"""The one normalisation of typed text: five spellings of one scan are one, or refused."""

from __future__ import annotations

import pytest

from peakguard.domain.text import describe, hidden_character, mixed_scripts, normalise


def test_full_width_and_non_breaking_spaces_fold_to_plain_text() -> None:
    """Full-width letters and digits and a trailing no-break space are the ASCII identifier."""
    assert normalise("\uff3a\uff34\uff2f-\uff10\uff11\u00a0") == "ZTO-01"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WB\u200b1", "U+200B ZERO WIDTH SPACE"),
        ("WB\x001", "U+0000 control character"),
        ("WB\u20281", "U+2028 LINE SEPARATOR"),
        ("WB\ue0001", "U+E000 private use"),
        ("WB\u202e1", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ],
)
def test_characters_a_reader_cannot_see_are_named(text: str, expected: str) -> None:
    """Each invisible character is reported by code point and name so the user can find it."""
    assert hidden_character(text) == expected


def test_visible_text_and_tabs_when_allowed_pass() -> None:
    """Chinese, punctuation and (where allowed) a tab are ordinary text."""
    assert hidden_character("成都转运中心 (ZTO) — 1号") is None
    assert hidden_character("a\tb", allow_tab=True) is None
    assert hidden_character("a\tb") == "U+0009 control character"


def test_latin_mixed_with_cyrillic_is_a_disguise_but_chinese_with_latin_is_not() -> None:
    """A Cyrillic О inside ZTO is caught; ZTO成都 and pure Cyrillic are not mixed."""
    assert mixed_scripts("ZT\u041e") == ("LATIN", "CYRILLIC")
    assert mixed_scripts("ZTO成都") is None
    assert mixed_scripts("Москва") is None
    assert mixed_scripts("\u03b1lpha") == ("GREEK", "LATIN")


def test_describe_names_a_printable_character() -> None:
    """The hyphen look-alike U+2010 is named as such."""
    assert describe("\u2010") == "U+2010 HYPHEN"
