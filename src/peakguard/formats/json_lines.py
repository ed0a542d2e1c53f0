"""One line of a JSON-lines file, read with the guards of every JSON reader: no ``NaN`` or
``Infinity``, no number too long to convert or too large to store, no field given twice —
each refused as a message for the caller to locate (the scan-event reader names the line)."""

from __future__ import annotations

import json
import math
from typing import Any

from peakguard.formats.limits import INT64_MAX, INT64_MIN, InputLimits
from peakguard.i18n import Message, _


class _RefusedValueError(Exception):
    def __init__(self, message: Message) -> None:
        super().__init__(message.msgid)
        self.message = message


def json_line(text: str, limits: InputLimits, *, torn: bool = False) -> tuple[Any, Message | None]:
    """One line of JSON lines: the value, or why not (never an exception). ``NaN``,
    ``Infinity``, ``1e309``, numbers of more than ``limits.max_number_characters`` digits and a
    field given twice are refused; ``torn`` says the line is the file's last, with no newline
    after it: a line broken there was cut short."""

    def refuse_constant(name: str) -> Any:
        raise _RefusedValueError(_("{value} is not a number: write a finite number", value=name))

    def read_int(digits: str) -> int:
        if len(digits) > limits.max_number_characters:
            raise _RefusedValueError(_too_many_digits(len(digits), limits))
        return int(digits)

    def read_float(digits: str) -> float:
        if len(digits) > limits.max_number_characters:
            raise _RefusedValueError(_too_many_digits(len(digits), limits))
        value = float(digits)
        if not math.isfinite(value):
            raise _RefusedValueError(_("{value} is not a finite number", value=digits))
        return value

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for key, value in pairs:
            if key in record:
                raise _RefusedValueError(_("the field {name} is given twice", name=key))
            record[key] = value
        return record

    try:
        value = json.loads(
            text,
            parse_constant=refuse_constant,
            parse_int=read_int,
            parse_float=read_float,
            object_pairs_hook=unique,
        )
    except _RefusedValueError as refused:
        return None, refused.message
    except json.JSONDecodeError as error:
        if torn:
            return None, _(
                "the last line is cut short (the file ends inside it): {detail}", detail=error.msg
            )
        return None, _("not valid JSON: {detail}", detail=error.msg)
    except RecursionError:
        return None, _("nested deeper than {limit}", limit=limits.max_depth)
    return value, None


def json_cell(value: object) -> str | Message | None:
    """One field of a JSON record as the text of a table's cell (as JSON writes a boolean or a
    number), or why it cannot be one."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            return _("is too large a number")
        return str(value)
    if isinstance(value, float):
        return str(value) if math.isfinite(value) else _("must be a finite number")
    return _("must be text, a number, true or false")  # a list or an object


def _too_many_digits(length: int, limits: InputLimits) -> Message:
    return _(
        "a number of {length} characters; at most {limit} are read",
        length=f"{length:,}",
        limit=limits.max_number_characters,
    )
