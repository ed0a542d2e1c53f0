"""The rules of ``docs/reference/scan-events.md``, column by column.

Each rule is a mask of the rows that break it and the sentence that tells the user why; the
same pass converts the columns of text to their stored types. Everything runs on whole
columns with ``pyarrow.compute`` and numpy, never row by row in Python.
:mod:`peakguard.formats.scan_event_document` reads the files and reports what fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from peakguard.domain.scans import SECURITY_FLAGS, EventType, ExceptionReason
from peakguard.domain.text import describe, normalise
from peakguard.formats.limits import InputLimits
from peakguard.i18n import Message, _

DEFAULT_PRODUCT = "standard"
X_RAY_FLAG = "x_rayed"
"""The one security flag a hub may record too (on its sort or arrive scan)."""

_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"  # date and time of day
_OFFSET = r"([Zz]|[+-]\d{2}(:?\d{2})?)$"
_REGION = r"^[1-8]\d{5}$"
_CARRIER = r"^[A-Za-z0-9_-]{1,32}$"
_IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9_.:>\-]{0,63}$"
"""Waybills and node ids: the network format's identifiers, ASCII once NFKC has folded
full-width forms, so one scan cannot be spelled five ways."""
_IDENTIFIER_SIGNS = "_.:>-"
_HIDDEN = r"[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]"
"""Control, format (zero-width), private-use characters and line separators: never in text."""
MAX_PRODUCT_CHARACTERS = 64
_SHOWN = 40
_TRUE = ("true", "yes", "y", "1", "t", "是")
_FALSE = ("false", "no", "n", "0", "f", "否")
_EXAMPLE_TIME = "2026-11-11T08:00:00+08:00"

BoolArray = npt.NDArray[np.bool_]
Cells = Callable[[str], pa.Array]
"""A column's cells of text by name; all null for a column the file left out."""
Window = tuple[datetime, datetime]
"""The earliest and the latest time a scan event may carry (UTC)."""


@dataclass
class ColumnCheck:
    """The rows of one column that fail one rule, and what to tell the user about each."""

    column: str
    failing: BoolArray
    message: Callable[[str | None], Message]


@dataclass(frozen=True)
class _EventKinds:
    """Rows by their event: known (one of EventType), exception, accept, depart, and those a
    hub records its X-ray screening on (sort, arrive)."""

    known: BoolArray
    exception: BoolArray
    accept: BoolArray
    depart: BoolArray
    hub_screening: BoolArray


def column_rules(
    text: dict[str, pa.Array],
    typed: dict[str, pa.Array],
    count: int,
    keep: BoolArray,
    window: Window,
) -> tuple[list[ColumnCheck], dict[str, pa.Array]]:
    """Every rule of docs/reference/scan-events.md as a mask of failing rows, and the columns
    converted to their stored types.

    The checks come in the order of the columns, and in a fixed order within a column: the
    problems of a cell are listed in that order."""
    empty_column = pa.nulls(count, pa.string())
    checks: list[ColumnCheck] = []
    values: dict[str, pa.Array] = {}

    def cells(name: str) -> pa.Array:
        return text.get(name, empty_column)

    for name in ("waybill", "node_id"):
        values[name], identifier_checks = _identifier(name, cells(name))
        checks += identifier_checks
    values["carrier"], carrier_checks = _carrier(cells)
    checks += carrier_checks
    values["event"], events, event_checks = _event(cells)
    checks += event_checks
    values["reason"], reason_checks = _reason(cells, "reason" in text, events)
    checks += reason_checks
    values["time"], time_checks = _times(text, typed, count, keep, window)
    checks += time_checks
    values["next_node_id"], identifier_checks = _identifier("next_node_id", cells("next_node_id"))
    checks += identifier_checks[1:]  # required only on depart events, below
    checks.append(
        ColumnCheck(
            "next_node_id",
            events.depart & is_null(values["next_node_id"]) & ("next_node_id" in text),
            lambda _value: _("is required on depart events: the node the parcel left for"),
        )
    )
    for name in ("origin_region", "destination_region"):
        values[name] = cells(name)
        checks += _region(name, values[name])
    product = normalised(cells("product"))
    values["product"] = pc.fill_null(product, DEFAULT_PRODUCT)
    checks.append(_plain_text("product", product))
    for name in SECURITY_FLAGS:
        in_file = name in text or name in typed
        values[name], flag_checks = _security_flag(name, cells, typed, count, events, in_file)
        checks += flag_checks
    return checks, values


def _carrier(cells: Cells) -> tuple[pa.Array, list[ColumnCheck]]:
    """Carrier codes, NFKC-folded and upper-cased: required, letters, digits, - and _ only."""
    carrier = normalised(cells("carrier"))

    def message(value: str | None) -> Message:
        character = _first_outside(value, "_-")
        if character is not None and (not character.isascii() or not character.isprintable()):
            return _(
                "{value!r} is not a carrier code: {character} is not allowed; letters, digits, "
                "- and _ only, e.g. ZTO",
                value=_shortened(value),
                character=describe(character),
            )
        return _(
            "{value!r} is not a carrier code: letters, digits, - and _ only, e.g. ZTO",
            value=_shortened(value),
        )

    return pc.utf8_upper(carrier), [
        ColumnCheck("carrier", is_null(carrier), lambda _value: _("is required")),
        ColumnCheck("carrier", _not_matching(carrier, _CARRIER), message),
    ]


def _identifier(name: str, raw: pa.Array) -> tuple[pa.Array, list[ColumnCheck]]:
    """A waybill or node id, NFKC-folded (full-width digits, a non-breaking space): required,
    and then ASCII letters, digits and ``_ . : > -``; a refused cell names the character."""
    value = normalised(raw)

    def message(cell: str | None) -> Message:
        character = _first_outside(cell, _IDENTIFIER_SIGNS)
        if character is not None:
            return _(
                "{value!r} is not an identifier: {character} is not allowed (letters A-Z, "
                "digits and the signs - _ . : > only)",
                value=_shortened(cell),
                character=describe(character),
            )
        return _(
            "{value!r} is not an identifier: it starts with a letter or a digit and has at "
            "most 64 letters, digits and the signs - _ . : >",
            value=_shortened(cell),
        )

    return value, [
        ColumnCheck(name, is_null(value), lambda _value: _("is required")),
        ColumnCheck(name, _not_matching(value, _IDENTIFIER), message),
    ]


def _plain_text(name: str, value: pa.Array) -> ColumnCheck:
    """Free text (a product's name): no hidden characters, and not too long."""
    failing = _matching(value, _HIDDEN) | _mask(
        pc.greater(pc.utf8_length(value), MAX_PRODUCT_CHARACTERS)
    )

    def message(cell: str | None) -> Message:
        text = normalise(cell or "")
        hidden = next((c for c in text if not c.isprintable() and c != " "), None)
        if hidden is not None:
            return _(
                "{value!r} holds {character}: remove it",
                value=_shortened(cell),
                character=describe(hidden),
            )
        return _("must be at most {limit} characters", limit=MAX_PRODUCT_CHARACTERS)

    return ColumnCheck(name, failing, message)


def normalised(array: pa.Array) -> pa.Array:
    """NFKC (``ＺＴＯ１`` is ``ZTO1``, a non-breaking space a space), trimmed again, empty as
    null; a column of plain ASCII is returned as it is, without the work."""
    if pc.all(pc.string_is_ascii(array)).as_py() is not False:
        return array
    folded = pc.ascii_trim_whitespace(pc.utf8_normalize(array, "NFKC"))
    return pc.if_else(pc.equal(pc.binary_length(folded), 0), None, folded)


def _first_outside(value: str | None, signs: str) -> str | None:
    """The first character of the folded ``value`` that is not an ASCII letter, digit or one of
    ``signs`` (computed only for the cells shown to the user)."""
    for character in normalise(value or ""):
        if not (character.isascii() and (character.isalnum() or character in signs)):
            return character
    return None


def _shortened(value: str | None) -> str | None:
    if value is None or len(value) <= _SHOWN:
        return value
    return f"{value[:_SHOWN]}… ({len(value):,} characters)"


def _event(cells: Cells) -> tuple[pa.Array, _EventKinds, list[ColumnCheck]]:
    """Events, lower-cased: required, one of EventType."""
    event = pc.utf8_lower(cells("event"))
    event_choices = ", ".join(item.value for item in EventType)
    known_event = _in(event, [item.value for item in EventType])
    checks = [
        ColumnCheck("event", is_null(event), lambda _value: _("is required")),
        ColumnCheck(
            "event",
            ~is_null(event) & ~known_event,
            lambda value: _(
                "{value!r} is not one of {expected}", value=value, expected=event_choices
            ),
        ),
    ]
    kinds = _EventKinds(
        known=known_event,
        exception=equals(event, EventType.exception.value),
        accept=equals(event, EventType.accept.value),
        depart=equals(event, EventType.depart.value),
        hub_screening=equals(event, EventType.sort.value) | equals(event, EventType.arrive.value),
    )
    return event, kinds, checks


def _reason(cells: Cells, given: bool, events: _EventKinds) -> tuple[pa.Array, list[ColumnCheck]]:
    """Exception reasons, lower-cased: on exception events (when the column is ``given``),
    one of ExceptionReason, and on no other event."""
    reason = pc.utf8_lower(cells("reason"))
    reason_choices = ", ".join(item.value for item in ExceptionReason)
    known_reason = _in(reason, [item.value for item in ExceptionReason])
    return reason, [
        ColumnCheck(
            "reason",
            events.exception & is_null(reason) & given,
            lambda _value: _(
                "is required on exception events: one of {expected}", expected=reason_choices
            ),
        ),
        ColumnCheck(
            "reason",
            events.exception & ~is_null(reason) & ~known_reason,
            lambda value: _(
                "{value!r} is not one of {expected}", value=value, expected=reason_choices
            ),
        ),
        ColumnCheck(
            "reason",
            events.known & ~events.exception & ~is_null(reason),
            lambda _value: _("only exception events have a reason: leave it empty"),
        ),
    ]


def _region(name: str, region: pa.Array) -> list[ColumnCheck]:
    """An origin or destination region: required, a GB/T 2260 code."""
    return [
        ColumnCheck(name, is_null(region), lambda _value: _("is required")),
        ColumnCheck(
            name,
            ~is_null(region) & _not_matching(region, _REGION),
            lambda value: _(
                "{value!r} is not {expected}",
                value=value,
                expected=_("a six-digit GB/T 2260 region code such as 510100"),
            ),
        ),
    ]


def _security_flag(
    name: str,
    cells: Cells,
    typed: dict[str, pa.Array],
    count: int,
    events: _EventKinds,
    in_file: bool,
) -> tuple[pa.Array, list[ColumnCheck]]:
    """A security flag as a boolean: required on accept events (when the column is
    ``in_file``), true or false in words the file may use; ``x_rayed`` also allowed on sort
    and arrive events (X-ray screening at a hub), the others on no other event."""
    if name in typed:
        flag = typed[name]
        unreadable = np.zeros(count, dtype=bool)
    else:
        raw = pc.utf8_lower(cells(name))
        truthy, falsy = _in(raw, list(_TRUE)), _in(raw, list(_FALSE))
        unreadable = ~is_null(raw) & ~truthy & ~falsy
        flag = pc.if_else(
            pa.array(truthy),
            pa.scalar(True),
            pc.if_else(pa.array(falsy), pa.scalar(False), pa.scalar(None, pa.bool_())),
        )
    missing = is_null(flag) & ~unreadable
    return flag, [
        ColumnCheck(
            name,
            events.accept & missing & in_file,
            lambda _value: _("is required on accept events: true or false"),
        ),
        ColumnCheck(
            name,
            unreadable,
            lambda value: _("must be true or false, not {value!r}", value=value),
        ),
        _flag_elsewhere(name, flag, events),
    ]


def _flag_elsewhere(name: str, flag: pa.Array, events: _EventKinds) -> ColumnCheck:
    """A flag on an event that may not carry it: ``x_rayed`` belongs on accept, sort and
    arrive events, the other two on accept events only."""
    if name == X_RAY_FLAG:
        return ColumnCheck(
            name,
            events.known & ~events.accept & ~events.hub_screening & ~is_null(flag),
            lambda _value: _(
                "only accept, sort and arrive events carry x_rayed (screening at the outlet "
                "or at a hub): leave it empty"
            ),
        )
    return ColumnCheck(
        name,
        events.known & ~events.accept & ~is_null(flag),
        lambda _value: _("only accept events carry the security flags: leave it empty"),
    )


def _times(
    text: dict[str, pa.Array],
    typed: dict[str, pa.Array],
    count: int,
    keep: BoolArray,
    window: Window,
) -> tuple[pa.Array, list[ColumnCheck]]:
    """ISO 8601 times with an offset → UTC microseconds; naive times are refused, and times
    outside ``window`` (year 0, 2099, a clock far ahead)."""
    if "time" in typed:
        time = typed["time"]
        required = ColumnCheck("time", is_null(time), lambda _value: _("is required"))
        return time, [required, *_outside(time, window)]
    raw = text.get("time", pa.nulls(count, pa.string()))
    present = ~is_null(raw)
    shaped = _matching(raw, _TIME + _OFFSET)
    odd = present & ~shaped
    naive = odd & _matching(raw, _TIME + "$") if odd.any() else odd
    malformed = odd & ~naive
    usable = shaped & keep
    candidates = raw if (usable == present).all() else pc.if_else(pa.array(usable), raw, None)
    try:  # the common case: every time in a form arrow reads directly
        time, unparsable = pc.cast(candidates, pa.timestamp("us", tz="UTC")), odd & False
    except pa.ArrowInvalid:
        candidates = pc.replace_substring_regex(candidates, r"(\.\d{6})\d+", r"\1")
        candidates = pc.replace_substring_regex(candidates, r"z$", "Z")
        time, unparsable = _cast_times(candidates)
    example = _EXAMPLE_TIME
    checks = [
        ColumnCheck("time", ~present, lambda _value: _("is required")),
        ColumnCheck(
            "time",
            naive,
            lambda _value: _("needs a time zone, e.g. {example}", example=example),
        ),
        ColumnCheck(
            "time",
            malformed | (unparsable & usable),
            lambda value: _(
                "{value!r} is not a time: use ISO 8601 with a time zone, e.g. {example}",
                value=_shortened(value),
                example=example,
            ),
        ),
    ]
    return time, checks + _outside(time, window)


def _outside(time: pa.Array, window: Window) -> list[ColumnCheck]:
    """Times before ``window[0]`` (no scan is that old) or after ``window[1]`` (now and a
    scanner clock's tolerance): a located mistake, never stored."""
    target = pa.timestamp("us", tz="UTC")
    earliest, latest = (pa.scalar(moment, target) for moment in window)
    first = window[0].date().isoformat()
    last = window[1].isoformat(timespec="minutes")

    def too_early(value: str | None) -> Message:
        if value is None:
            return _("is before {first}: no scan event is that old", first=first)
        return _(
            "{value!r} is before {first}: no scan event is that old",
            value=_shortened(value),
            first=first,
        )

    def too_late(value: str | None) -> Message:
        if value is None:
            return _("is after {last}: a scan event cannot be dated ahead of now", last=last)
        return _(
            "{value!r} is after {last}: a scan event cannot be dated ahead of now",
            value=_shortened(value),
            last=last,
        )

    return [
        ColumnCheck("time", _mask(pc.less(time, earliest)), too_early),
        ColumnCheck("time", _mask(pc.greater(time, latest)), too_late),
    ]


def _cast_times(strings: pa.Array) -> tuple[pa.Array, BoolArray]:
    """Cast to UTC timestamps; a string arrow cannot parse (a 30 February) becomes null and is
    marked. Whole blocks are cast at once and only failing blocks are halved."""
    target = pa.timestamp("us", tz="UTC")
    bad = np.zeros(len(strings), dtype=bool)

    def cast(start: int, length: int) -> list[pa.Array]:
        piece = strings.slice(start, length)
        try:
            return [pc.cast(piece, target)]
        except pa.ArrowInvalid:
            if length == 1:
                bad[start] = True
                return [pa.nulls(1, target)]
            half = length // 2
            return cast(start, half) + cast(start + half, length - half)

    parts = cast(0, len(strings)) if len(strings) else [pa.array([], target)]
    return pa.concat_arrays(parts), bad


# --- columns as read --------------------------------------------------------------------------


def event_window(limits: InputLimits, now: datetime | None = None) -> Window:
    """The times a scan event may carry: from ``limits.earliest_time`` to now and a scanner
    clock's tolerance (an event dated 2099 is a wrong clock or a forgery)."""
    moment = now if now is not None else datetime.now(UTC)
    return limits.earliest_time, moment + timedelta(hours=limits.future_tolerance_hours)


def rows_kept(
    text: dict[str, pa.Array],
    typed: dict[str, pa.Array],
    count: int,
    skip: BoolArray | None,
    *,
    drop_blank: bool,
) -> BoolArray:
    """[row] checked and stored: not skipped (reported already), and with ``drop_blank``
    not blank in every column."""
    keep = np.ones(count, dtype=bool) if skip is None else ~skip
    if drop_blank:
        blank = np.ones(count, dtype=bool)
        for array in text.values():
            blank &= is_empty(array)
        for array in typed.values():
            blank &= is_null(array)
        keep &= ~blank
    return keep


def combined(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    return array


def cleaned(array: pa.Array) -> pa.Array:
    """Trimmed text (ASCII spaces and tabs: ten times faster than Unicode trimming); empty
    cells become null."""
    trimmed = pc.ascii_trim_whitespace(array)
    return pc.if_else(pc.equal(pc.binary_length(trimmed), 0), None, trimmed)


def is_empty(array: pa.Array) -> BoolArray:
    return is_null(array)


# --- small vectorised helpers ----------------------------------------------------------------


def _mask(values: pa.Array | pa.ChunkedArray) -> BoolArray:
    filled = pc.fill_null(values, False)
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def is_null(array: pa.Array) -> BoolArray:
    """[row] the cell is null (empty)."""
    return _mask(pc.is_null(array))


def _in(array: pa.Array, choices: Iterable[str]) -> BoolArray:
    return _mask(pc.is_in(array, value_set=pa.array(list(choices), pa.string())))


def equals(array: pa.Array, value: str) -> BoolArray:
    """[row] the cell is ``value`` (never for a null cell)."""
    return _mask(pc.equal(array, value))


def _matching(array: pa.Array, pattern: str) -> BoolArray:
    return _mask(pc.match_substring_regex(array, pattern))


def _not_matching(array: pa.Array, pattern: str) -> BoolArray:
    return ~is_null(array) & ~_matching(array, pattern)
