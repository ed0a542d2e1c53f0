"""The page kit every report page is built with: language check, names, enumerations."""

from __future__ import annotations

import pytest

from peakguard.errors import InvalidInputError
from peakguard.web.page_kit import html_lang, join_list, page_language, template_environment


def test_page_language_normalises_and_rejects_unknown_languages() -> None:
    """Both supported languages pass; another is an input error that names the field."""
    assert page_language("zh_CN") == "zh_CN"
    assert page_language("en") == "en"
    with pytest.raises(InvalidInputError) as raised:
        page_language("fr")
    assert [problem.location for problem in raised.value.problems] == ["language"]


def test_html_lang_and_enumerations_follow_the_language() -> None:
    """Chinese pages say zh-CN and enumerate with 、; English ones say en and use commas."""
    assert html_lang("zh_CN") == "zh-CN"
    assert html_lang("en") == "en"
    assert join_list(["甲", "乙"], "zh_CN") == "甲、乙"
    assert join_list(["a", "b"], "en") == "a, b"


def test_template_environment_is_one_per_language() -> None:
    """The environment is built once per language and kept."""
    assert template_environment("en") is template_environment("en")
    assert template_environment("en") is not template_environment("zh_CN")
