"""The translation layer: every user-facing sentence is a :class:`Message`.

Core code builds messages with :func:`_` (a lazy gettext call that Babel's extractor finds);
the edges (CLI, API, reports) render them in the user's language with :func:`render`.
Catalogues are gettext ``.po`` files under ``peakguard/locale`` for ``zh_CN`` and ``en``;
they are read with Babel at first use, so no compile step is needed.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Final

from babel.messages.pofile import read_po
from pydantic_core import PydanticCustomError

SUPPORTED_LANGUAGES: Final = ("zh_CN", "en")
DEFAULT_LANGUAGE: Final = "zh_CN"
DOMAIN: Final = "peakguard"

_current_language: contextvars.ContextVar[str] = contextvars.ContextVar(
    "peakguard_language", default=DEFAULT_LANGUAGE
)


@dataclass(frozen=True)
class Message:
    """A translatable sentence with named parameters, rendered at the edge."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, language: str | None = None) -> str:
        return render(self, language)

    def __str__(self) -> str:
        return render(self)


def _(msgid: str, /, **params: Any) -> Message:
    """Mark ``msgid`` for translation; ``{name}`` placeholders are filled from ``params``."""
    return Message(msgid, params)


BILINGUAL = "{en}"
"""The msgid of :func:`bilingual`: the one entry whose translation (``{zh}``) uses another
placeholder than its source."""


def bilingual(zh: str, en: str) -> Message:
    """Text that data keeps in both languages (a rules file's ``zh`` and ``en`` columns) as a
    message that can be stored like any other: the Chinese catalogue renders the msgid
    ``{en}`` as ``{zh}``, every other language shows ``en``."""
    return _("{en}", zh=zh, en=en)


def normalise_language(language: str) -> str:
    """Map user spellings (``zh``, ``zh-CN``, ``en_US``) to a supported catalogue name."""
    cleaned = language.replace("-", "_").strip()
    lowered = cleaned.lower()
    if lowered.startswith("zh"):
        return "zh_CN"
    if lowered.startswith("en"):
        return "en"
    raise ValueError(language)


def set_language(language: str) -> contextvars.Token[str]:
    return _current_language.set(normalise_language(language))


def current_language() -> str:
    return _current_language.get()


@cache
def catalogue(language: str) -> dict[str, str]:
    """msgid → translation for one language; untranslated entries are left out."""
    path = resources.files("peakguard").joinpath(f"locale/{language}/LC_MESSAGES/{DOMAIN}.po")
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=language)
    table: dict[str, str] = {}
    for entry in parsed:
        usable = isinstance(entry.id, str) and isinstance(entry.string, str)
        if usable and entry.id and entry.string and not entry.fuzzy:
            table[str(entry.id)] = str(entry.string)
    return table


def gettext(msgid: str, language: str | None = None) -> str:
    """Translate a plain msgid (used by templates); falls back to the msgid itself."""
    return catalogue(language or current_language()).get(msgid, msgid)


def render(message: Message | str, language: str | None = None) -> str:
    """Render a message in ``language`` (default: the current language)."""
    if isinstance(message, str):
        return message
    template = gettext(message.msgid, language)
    params = {key: _rendered(value, language) for key, value in message.params.items()}
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        # A broken translation must never hide the message: fall back to the source text.
        return message.msgid.format(**params)


def _rendered(value: Any, language: str | None) -> Any:
    """A parameter as the sentence shows it: a message rendered, a list or tuple of messages
    rendered and joined as the language lists things (、 in Chinese, commas in English)."""
    if isinstance(value, Message):
        return render(value, language)
    if isinstance(value, list | tuple) and value and all(isinstance(v, Message) for v in value):
        separator = "、" if normalise_language(language or current_language()) == "zh_CN" else ", "
        return separator.join(render(item, language) for item in value)
    return value


def invalid(message: Message) -> Exception:
    """An error for a pydantic validator that carries a translatable message.

    ``raise invalid(_("end must be after start"))`` inside a validator; the loaders turn it back
    into the message (see ``formats/validation_messages.py``).
    """
    return PydanticCustomError("peakguard", "{msgid}", {"msgid": message.msgid, **message.params})
