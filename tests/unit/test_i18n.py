"""Every user-facing sentence has a Chinese translation that keeps its placeholders."""

from __future__ import annotations

import importlib.util
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from peakguard.cases.model import Side
from peakguard.cases.rectification import ORDER_TRANSITIONS, OrderState, OrderStep, transition
from peakguard.errors import IllegalTransitionError
from peakguard.i18n import BILINGUAL, _, bilingual, catalogue, render

ROOT = Path(__file__).resolve().parents[2]


def _extract() -> set[str]:
    spec = importlib.util.spec_from_file_location(
        "update_catalogues", ROOT / "scripts" / "update_catalogues.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {str(message.id) for message in module.extract() if message.id}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.fixture(scope="module")
def source_messages() -> set[str]:
    return _extract()


def test_every_message_is_translated(source_messages: set[str]) -> None:
    """No sentence in the code lacks a zh_CN translation (run scripts/update_catalogues.py)."""
    chinese = catalogue("zh_CN")
    missing = sorted(source_messages - set(chinese))
    assert not missing, f"untranslated: {missing[:10]}"


def test_translations_keep_placeholders(source_messages: set[str]) -> None:
    """A translation uses exactly the placeholders of its source sentence."""
    chinese = catalogue("zh_CN")
    wrong = [
        msgid
        for msgid in source_messages
        if msgid in chinese and _fields(msgid) != _fields(chinese[msgid]) and msgid != BILINGUAL
    ]
    assert not wrong


def test_catalogue_has_no_stale_entries(source_messages: set[str]) -> None:
    """The shipped catalogue matches the code: nothing translated that the code no longer says."""
    path = ROOT / "src/peakguard/locale/zh_CN/LC_MESSAGES/peakguard.po"
    with path.open("rb") as handle:
        shipped = {str(m.id) for m in read_po(handle) if m.id}
    assert shipped == source_messages


def test_render_fills_parameters_in_both_languages() -> None:
    """Parameters are filled in; English falls back to the source sentence."""
    message = _("unknown region code {code}", code="510199")
    assert render(message, "en") == "unknown region code 510199"
    assert render(message, "zh_CN") == "未知的行政区划代码 510199"


def test_data_kept_in_both_languages_renders_in_the_reader_s() -> None:
    """A hold category from the rules file (zh and en columns) in an alert's sentence."""
    category = bilingual("管制刀具", "controlled knives")
    message = _("suspected {category}", category=category)
    assert render(category, "zh_CN") == "管制刀具"
    assert render(category, "en") == "controlled knives"
    assert render(message, "en") == "suspected controlled knives"


def test_a_list_of_messages_is_joined_as_the_language_lists() -> None:
    """An order's allowed steps, each in words: 、 between them in Chinese, commas in English."""
    with pytest.raises(IllegalTransitionError) as refused:
        transition(ORDER_TRANSITIONS, OrderState.reported, OrderStep.respond, Side.carrier)
    message = refused.value.message
    english = render(message, "en")
    assert english == (
        "A record in state reported, awaiting the re-check cannot take the step carrier's "
        "report; it can take: re-check passed, re-check failed."
    )
    chinese = render(message, "zh_CN")
    passed, failed = render(_("re-check passed"), "zh_CN"), render(_("re-check failed"), "zh_CN")
    assert f"{passed}、{failed}" in chinese
    assert "recheck" not in chinese and "reported" not in chinese and "respond" not in chinese
