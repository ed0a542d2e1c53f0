"""Text that users type or send: normalised once, and refused when it hides what it says.

One scan spelled five ways (a non-breaking space, a Cyrillic О, a zero-width space, U+2010 for
a hyphen) must not become five records, and a NUL or a line separator must not reach a
database, a log line or a terminal. Every reader passes identifiers and names through here:
NFKC folds the compatibility forms (full-width digits, non-breaking spaces) to their plain
spelling; what NFKC keeps and a reader cannot see — control and format characters, private-use
and unassigned code points, line and paragraph separators — is refused, as is a word that mixes
Latin with Cyrillic or Greek letters (the confusables of an identifier).
"""

from __future__ import annotations

import unicodedata

_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
"""Control, format, private-use, surrogate, unassigned; line and paragraph separators."""

_CATEGORY_NAMES = {"Cc": "control character", "Cs": "surrogate", "Co": "private use"}

_CONFUSABLE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "COPTIC"})
"""Alphabets whose letters look alike: two of them in one text is a disguise, not a name."""


def normalise(value: str) -> str:
    """The NFKC form with surrounding white space removed: full-width ``ＺＴＯ`` is ``ZTO``."""
    return unicodedata.normalize("NFKC", value).strip()


def hidden_character(value: str, *, allow_tab: bool = False) -> str | None:
    """The first character a reader cannot see, as ``U+200B ZERO WIDTH SPACE``; None if none."""
    for character in value:
        if character == "\t" and allow_tab:
            continue
        if unicodedata.category(character) in _HIDDEN_CATEGORIES:
            return describe(character)
    return None


def mixed_scripts(value: str) -> tuple[str, str] | None:
    """Two confusable alphabets found in ``value`` (e.g. ``("LATIN", "CYRILLIC")``), or None.

    Chinese with Latin letters (``ZTO成都``) is ordinary and passes."""
    seen: list[str] = []
    for character in value:
        if not character.isalpha() or (character.isascii() and "LATIN" in seen):
            continue
        script = unicodedata.name(character, "").split(" ", 1)[0]
        if script in _CONFUSABLE_SCRIPTS and script not in seen:
            seen.append(script)
            if len(seen) == 2:
                return seen[0], seen[1]
    return None


def describe(character: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: a character named so that a user can find it."""
    fallback = _CATEGORY_NAMES.get(unicodedata.category(character), "unnamed character")
    return f"U+{ord(character):04X} {unicodedata.name(character, fallback)}"
