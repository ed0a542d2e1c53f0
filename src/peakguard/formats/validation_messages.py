"""Pydantic's validation errors, re-worded through the translation layer."""

from __future__ import annotations

from typing import Any

from pydantic_core import ErrorDetails

from peakguard.i18n import Message, _

Path = tuple[str | int, ...]


def message_for(error: ErrorDetails) -> Message:
    """A translatable sentence for one pydantic error (its location is handled apart)."""
    kind = error["type"]
    context: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "peakguard":
        params = {key: value for key, value in context.items() if key != "msgid"}
        return Message(str(context["msgid"]), params)
    if kind == "missing":
        return _("is required")
    if kind == "extra_forbidden":
        return _("is not a known field: check its spelling against the format reference")
    for describe in (_limit_message, _type_message, _form_message):
        message = describe(kind, error, context)
        if message is not None:
            return message
    return _("is not valid: {detail}", detail=error["msg"])


def _limit_message(kind: str, error: ErrorDetails, context: dict[str, Any]) -> Message | None:
    """A value or a length outside its bounds."""
    if kind == "greater_than":
        return _("must be greater than {limit}", limit=_number(context.get("gt")))
    if kind == "greater_than_equal":
        return _("must be at least {limit}", limit=_number(context.get("ge")))
    if kind == "less_than":
        return _("must be less than {limit}", limit=_number(context.get("lt")))
    if kind == "less_than_equal":
        return _("must be at most {limit}", limit=_number(context.get("le")))
    if kind == "string_too_short":
        return _("must not be empty")
    if kind == "string_too_long":
        return _("must be at most {limit} characters", limit=context.get("max_length"))
    if kind == "too_short":
        return _("must have at least {limit} entries", limit=context.get("min_length"))
    return None


def _type_message(kind: str, error: ErrorDetails, context: dict[str, Any]) -> Message | None:
    """A value of the wrong type."""
    if kind == "int_parsing_size":
        return _("{value!r} is too large a number", value=_shown(error))
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("must be a whole number, not {value!r}", value=_shown(error))
    if kind in {"float_parsing", "float_type", "finite_number"}:
        return _("must be a number, not {value!r}", value=_shown(error))
    if kind in {"bool_parsing", "bool_type"}:
        return _("must be true or false, not {value!r}", value=_shown(error))
    if kind == "string_type":
        return _("must be text")
    if kind == "list_type":
        return _("must be a list")
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return _("must be a mapping of field names to values")
    return None


def _form_message(kind: str, error: ErrorDetails, context: dict[str, Any]) -> Message | None:
    """Text not of the expected form, or not one of the allowed values."""
    if kind == "string_pattern_mismatch":
        expected = _pattern_meaning(str(context.get("pattern", "")))
        if expected is not None:
            return _("{value!r} is not {expected}", value=_shown(error), expected=expected)
        return _(
            "{value!r} does not have the expected form {pattern}",
            value=_shown(error),
            pattern=context.get("pattern"),
        )
    if kind == "enum":
        return _(
            "{value!r} is not one of {expected}",
            value=_shown(error),
            expected=context.get("expected"),
        )
    return None


SHOWN_CHARACTERS = 40
"""A refused value is quoted up to this many characters: a 5,000-digit number or a 100,000
character cell is shown by its start and its length, not in full."""


def _shown(error: ErrorDetails) -> object:
    value = error.get("input")
    if isinstance(value, int) and value.bit_length() > 4 * SHOWN_CHARACTERS:
        # str() of an int is refused past 4,300 digits; the length is what matters here.
        return f"a number of about {round(value.bit_length() * 0.30103):,} digits"
    if isinstance(value, str) and len(value) > SHOWN_CHARACTERS:
        return f"{value[:SHOWN_CHARACTERS]}… ({len(value):,} characters)"
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return type(value).__name__


def _number(value: object) -> object:
    """``0.0`` → ``0``: limits read as the user wrote them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _pattern_meaning(pattern: str) -> Message | None:
    """Say in words what the model's regular expressions ask for."""
    if pattern.startswith("^([01][0-9]|2[0-3])"):
        return _("a time of day written HH:MM, from 00:00 to 23:59")
    if pattern.startswith("^[1-8][0-9]{5}"):
        return _("a six-digit GB/T 2260 region code such as 510100")
    if pattern.startswith("^[A-Za-z0-9]"):
        return _("an identifier of letters, digits and the signs - _ . : > (no spaces)")
    return None
