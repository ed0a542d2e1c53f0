"""The one guarded entry for YAML and JSON: every document a user or a client sends is read here.

A parser left to itself turns hostile or careless input into tracebacks or exhaustion: JSON
nested 100,000 deep overflows the stack, a 5,000-digit number trips Python's conversion limit,
a 5 KB YAML file of nested aliases expands to gigabytes, ``.inf`` and ``1e309`` become numbers
that no column can hold, and a mapping that gives a key twice silently keeps its last copy.
:func:`parse_json` and :func:`parse_yaml` refuse all of these with an
:class:`~peakguard.errors.InvalidInputError` whose problems say where (``network.yaml: line 3,
column 7``, or the value's path, ``network.json: lanes[12].capacity``), and never raise
anything else. Work is bounded before it is done: the size before parsing, YAML's depth and
alias expansion on the parser's events before any object is built.

:func:`check_values` walks an already parsed object (a TOML table, a request body) with the same
rules: depth, finite floats, 64-bit integers, strings of bounded length without NUL.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, INT64_MAX, INT64_MIN, InputLimits
from peakguard.i18n import Message, _

MAX_LISTED = 100
"""Problems listed in one error; the rest are counted."""

_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_MERGE_TAG = "tag:yaml.org,2002:merge"
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)

_RESOLVER = yaml.resolver.Resolver()


class _Refused:
    """A value a JSON hook would not build; :func:`check_values` reports it at its path."""

    __slots__ = ("message",)

    def __init__(self, message: Message) -> None:
        self.message = message


class _DuplicatedKeys(dict[Any, Any]):
    """A JSON object that gave a key more than once; reported at the object's path."""

    duplicates: list[str]


# Reading a file ---------------------------------------------------------------------------------


def read_bytes(path: Path, *, limits: InputLimits = DEFAULT_LIMITS) -> bytes:
    """The bytes of ``path``, refused by its size before a byte is read."""
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise _error(path.name, [Problem(path.name, _too_large(size, limits))])
        with path.open("rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)
    except FileNotFoundError:
        raise _error(str(path), [Problem(str(path), _("no such file"))]) from None
    except IsADirectoryError:
        raise _error(str(path), [Problem(str(path), _("is a folder, not a file"))]) from None
    except OSError as error:
        detail = error.strerror or type(error).__name__
        problem = Problem(str(path), _("cannot be read: {detail}", detail=detail))
        raise _error(str(path), [problem]) from None
    if len(data) > limits.max_file_bytes:  # grew while being read
        raise _error(path.name, [Problem(path.name, _too_large(len(data), limits))])
    return data


def load_document(path: Path, *, limits: InputLimits = DEFAULT_LIMITS) -> object:
    """A ``.json`` file by :func:`parse_json`, anything else by :func:`parse_yaml`."""
    data = read_bytes(path, limits=limits)
    if path.suffix.lower() == ".json":
        return parse_json(data, path.name, limits=limits)
    return parse_yaml(data, path.name, limits=limits)


# JSON -------------------------------------------------------------------------------------------


def parse_json(text: str | bytes, source: str, *, limits: InputLimits = DEFAULT_LIMITS) -> object:
    """A JSON document, or :class:`InvalidInputError` saying what is wrong and where."""
    decoded = _decoded(text, source, limits)

    def refuse_constant(name: str) -> _Refused:
        return _Refused(_("{value} is not a number: write a finite number", value=name))

    def read_int(digits: str) -> object:
        if len(digits) > limits.max_number_characters:
            return _too_long_number(len(digits), limits)
        return int(digits)

    def read_float(digits: str) -> object:
        if len(digits) > limits.max_number_characters:
            return _too_long_number(len(digits), limits)
        return float(digits)

    try:
        value = json.loads(
            decoded,
            parse_constant=refuse_constant,
            parse_int=read_int,
            parse_float=read_float,
            object_pairs_hook=_json_object,
        )
    except json.JSONDecodeError as error:
        where = f"{source}: line {error.lineno}, column {error.colno}"
        detail = _("JSON syntax error: {detail}", detail=error.msg)
        raise _error(source, [Problem(where, detail)]) from None
    except RecursionError:
        raise _error(source, [_json_too_deep(decoded, source, limits)]) from None
    check_values(value, source, limits=limits)
    return value


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    duplicates: list[str] = []
    for key, value in pairs:
        if key in result and key not in duplicates:
            duplicates.append(key)
        result[key] = value
    if not duplicates:
        return result
    marked = _DuplicatedKeys(result)
    marked.duplicates = duplicates
    return marked


def _json_too_deep(text: str, source: str, limits: InputLimits) -> Problem:
    """Where the nesting first goes past the limit (only looked for once parsing failed)."""
    depth = 0
    for token in _JSON_TOKENS.finditer(text):
        if token.group() in "[{":
            depth += 1
            if depth > limits.max_depth:
                line = text.count("\n", 0, token.start()) + 1
                column = token.start() - text.rfind("\n", 0, token.start())
                return Problem(f"{source}: line {line}, column {column}", _too_deep(limits))
        elif token.group() in "]}":
            depth -= 1
    return Problem(source, _too_deep(limits))


# YAML -------------------------------------------------------------------------------------------


class _Refusal(yaml.constructor.ConstructorError):
    """A value the guarded loader will not build, with the sentence to tell the user."""

    def __init__(self, message: Message, mark: yaml.Mark | None) -> None:
        super().__init__(None, None, message.msgid, mark)
        self.message = message


class _GuardedLoader(
    yaml.composer.Composer, yaml.constructor.SafeConstructor, yaml.resolver.Resolver
):
    """The safe loader fed by checked events (:func:`_checked_events`): it composes as the
    parser goes, so the checks refuse a document before its nodes are all built, and one
    parse does for both. It refuses a key given twice and locates a value it cannot build."""

    def __init__(self, events: Iterator[yaml.Event]) -> None:
        self._events = events
        self._current: yaml.Event | None = None
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def peek_event(self) -> yaml.Event | None:
        if self._current is None:
            self._current = next(self._events, None)
        return self._current

    def check_event(self, *choices: type[yaml.Event]) -> bool:
        current = self.peek_event()
        return current is not None and (not choices or isinstance(current, choices))

    def get_event(self) -> yaml.Event | None:
        current = self.peek_event()
        self._current = None
        return current

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                repeated = key in seen
                seen.add(key)
            except TypeError:
                continue  # an unhashable key: the safe constructor refuses it itself
            if repeated:
                message = _duplicate_key(_shortened(str(key), 60))
                raise _Refusal(message, key_node.start_mark)
        result: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return result

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError) as error:
            shown = _shortened(str(node.value), 60) if isinstance(node, yaml.ScalarNode) else ""
            message = _(
                "{value} cannot be read as {tag}: {detail}",
                value=repr(shown),
                tag=str(node.tag).rpartition(":")[2],
                detail=str(error),
            )
            raise _Refusal(message, node.start_mark) from None


def parse_yaml(text: str | bytes, source: str, *, limits: InputLimits = DEFAULT_LIMITS) -> object:
    """A YAML document, or :class:`InvalidInputError` saying what is wrong and where.

    The parser's events are checked as they come, with every alias counted at its expanded
    size, so a document that would nest too deep or expand past ``limits.max_nodes`` is
    refused before any object is built."""
    decoded = _decoded(text, source, limits)
    try:
        value = _GuardedLoader(_checked_events(decoded, source, limits)).get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{source}: line {mark.line + 1}, column {mark.column + 1}" if mark else source
        detail = (
            error.message
            if isinstance(error, _Refusal)
            else _("YAML syntax error: {detail}", detail=str(error.problem))
        )
        raise _error(source, [Problem(where, detail)]) from None
    except yaml.YAMLError as error:
        detail = _("YAML syntax error: {detail}", detail=str(error))
        raise _error(source, [Problem(source, detail)]) from None
    except RecursionError:  # pragma: no cover - the events' depth check comes first
        raise _error(source, [Problem(source, _too_deep(limits))]) from None
    check_values(value, source, limits=limits)
    return value


def _checked_events(text: str, source: str, limits: InputLimits) -> Iterator[yaml.Event]:
    """The parser's events, each let through once depth, expanded size and long numbers
    allow it."""
    walk = _EventWalk(source, limits)
    for event in yaml.parse(text, Loader=_SAFE_LOADER):
        if isinstance(event, yaml.ScalarEvent):
            walk.scalar(event)
        elif isinstance(event, yaml.CollectionStartEvent):
            walk.start(event)
        elif isinstance(event, yaml.CollectionEndEvent):
            walk.end()
        elif isinstance(event, yaml.AliasEvent):
            walk.alias(event)
        if walk.total > limits.max_nodes:
            message = _(
                "the document holds more than {limit} values once its aliases are expanded",
                limit=limits.max_nodes,
            )
            raise _event_error(event, source, message)
        yield event


class _EventWalk:
    """The open lists and mappings, and the expanded size and depth of every anchored value."""

    def __init__(self, source: str, limits: InputLimits) -> None:
        self.source = source
        self.limits = limits
        self.total = 0
        """Values so far, every alias counted at its anchored value's expanded size."""
        self.open: list[tuple[str | None, int, int]] = []
        """Per open collection: its anchor, the total before it, the deepest depth inside."""
        self.sizes: dict[str, tuple[int, int]] = {}
        """Anchor → (expanded values, levels of nesting)."""

    def scalar(self, event: yaml.ScalarEvent) -> None:
        self.total += 1
        _check_scalar(event, self.source, self.limits)
        if event.anchor is not None:
            self.sizes[event.anchor] = (1, 0)

    def start(self, event: yaml.CollectionStartEvent) -> None:
        self.total += 1
        depth = len(self.open) + 1
        if depth > self.limits.max_depth:
            raise _event_error(event, self.source, _too_deep(self.limits))
        self.open.append((event.anchor, self.total - 1, depth))

    def end(self) -> None:
        depth = len(self.open)
        anchor, before, deepest = self.open.pop()
        self._reach(deepest)
        if anchor is not None:
            self.sizes[anchor] = (self.total - before, deepest - depth + 1)

    def alias(self, event: yaml.AliasEvent) -> None:
        if any(anchor == event.anchor for anchor, _before, _deepest in self.open):
            message = _(
                "the alias *{anchor} refers to a value that contains it", anchor=event.anchor
            )
            raise _event_error(event, self.source, message)
        size, nested = self.sizes.get(str(event.anchor), (1, 0))
        self.total += size
        if len(self.open) + nested > self.limits.max_depth:
            raise _event_error(event, self.source, _too_deep(self.limits))
        self._reach(len(self.open) + nested)

    def _reach(self, depth: int) -> None:
        if self.open:
            anchor, before, deepest = self.open[-1]
            self.open[-1] = (anchor, before, max(deepest, depth))


def _check_scalar(event: yaml.ScalarEvent, source: str, limits: InputLimits) -> None:
    value = event.value
    if len(value) > limits.max_scalar_characters:
        raise _event_error(event, source, _too_long_text(len(value), limits))
    if len(value) <= limits.max_number_characters:
        return
    tag = event.tag
    if tag is None or tag == "!":
        if not event.implicit[0]:
            return
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    if tag in _NUMBER_TAGS:
        raise _event_error(event, source, _too_long_number(len(value), limits).message)


def _event_error(event: yaml.Event, source: str, message: Message) -> InvalidInputError:
    mark = event.start_mark
    where = f"{source}: line {mark.line + 1}, column {mark.column + 1}" if mark else source
    return _error(source, [Problem(where, message)])


# Values -----------------------------------------------------------------------------------------


def check_values(value: object, source: str, *, limits: InputLimits = DEFAULT_LIMITS) -> None:
    """Refuse, located by path (``source: lanes[12].capacity``), what no reader should take:
    nesting deeper than ``limits.max_depth``, infinite or undefined floats, integers outside
    64 bits, strings longer than ``limits.max_scalar_characters`` or holding NUL.

    Walks without recursion; a list or mapping reached twice (YAML aliases) is checked once."""
    problems: list[Problem] = []
    total = 0
    for path, message in _value_problems(value, limits):
        total += 1
        if len(problems) < MAX_LISTED:
            problems.append(Problem(f"{source}: {_format_path(path)}", message))
    if problems:
        raise InvalidInputError(
            _("{source} has values no reader accepts; nothing was used", source=source),
            problems,
            total=total,
        )


def _value_problems(value: object, limits: InputLimits) -> Iterator[tuple[list[Any], Message]]:
    path: list[Any] = []
    stack: list[Iterator[tuple[Any, Any]]] = [iter([(None, value)])]
    seen: set[int] = set()
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            if path:
                path.pop()
            continue
        key, child = item
        here = [*path, key] if len(stack) > 1 else []
        if isinstance(key, str | float | int) and len(stack) > 1:
            found = _scalar_problem(key, limits)
            if found is not None:
                yield here, found
        children = _children(child)
        if children is None:
            found = _scalar_problem(child, limits)
            if found is not None:
                yield here, found
            continue
        if id(child) in seen:
            continue
        seen.add(id(child))
        if isinstance(child, _DuplicatedKeys):
            for name in child.duplicates:
                yield [*here, name], _duplicate_key(_shortened(name, 60))
        if len(stack) > limits.max_depth:
            yield here, _too_deep(limits)
            continue
        if len(stack) > 1:
            path.append(key)
        stack.append(children)
    return


def _children(value: object) -> Iterator[tuple[Any, Any]] | None:
    if isinstance(value, dict):
        return iter(value.items())
    if isinstance(value, list | tuple):
        return enumerate(value)
    if isinstance(value, set | frozenset):
        return ((index, item) for index, item in enumerate(value))
    return None


def _scalar_problem(value: object, limits: InputLimits) -> Message | None:
    if isinstance(value, _Refused):
        return value.message
    if isinstance(value, bool) or value is None or isinstance(value, date | datetime | time):
        return None
    if isinstance(value, int | float):
        return _number_problem(value)
    if isinstance(value, str):
        return _text_problem(value, limits)
    if isinstance(value, bytes | bytearray):
        return (
            _too_long_text(len(value), limits)
            if len(value) > limits.max_scalar_characters
            else None
        )
    return _("a value of type {kind} is not accepted here", kind=type(value).__name__)


def _number_problem(value: int | float) -> Message | None:
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        return _(
            "{value} is outside the range of whole numbers peakguard stores ({low} to {high})",
            value=_shortened(str(value)),
            low=INT64_MIN,
            high=INT64_MAX,
        )
    if isinstance(value, float) and not math.isfinite(value):
        return _("{value} is not a finite number: write a finite number", value=str(value))
    return None


def _text_problem(value: str, limits: InputLimits) -> Message | None:
    if len(value) > limits.max_scalar_characters:
        return _too_long_text(len(value), limits)
    if "\x00" in value:
        return _("contains a NUL character (U+0000)")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            return _("contains an unpaired surrogate U+{code:04X}", code=ord(value[error.start]))
    return None


# Shared -----------------------------------------------------------------------------------------


def _decoded(text: str | bytes, source: str, limits: InputLimits) -> str:
    size = len(text)
    if size > limits.max_file_bytes:
        raise _error(source, [Problem(source, _too_large(size, limits))])
    if isinstance(text, str):
        return text.removeprefix("\ufeff")
    try:
        return text.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = text.count(b"\n", 0, error.start) + 1
        column = error.start - text.rfind(b"\n", 0, error.start)
        problem = Problem(
            f"{source}: line {line}, column {column}",
            _("the file is not UTF-8 text: save it as UTF-8 and retry"),
        )
        raise _error(source, [problem]) from None


def _error(source: str, problems: list[Problem]) -> InvalidInputError:
    return InvalidInputError(_("cannot read {path}", path=source), problems)


def _format_path(path: list[Any]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            shown = _shortened(str(part), 60)
            text += f".{shown}" if text else shown
    return text or "(document)"


def _shortened(text: str, keep: int = 30) -> str:
    return text if len(text) <= keep else f"{text[: keep // 2]}…{text[-keep // 2 :]}"


def _too_large(size: int, limits: InputLimits) -> Message:
    return _(
        "is {size} bytes long; at most {limit} are read (setting PEAKGUARD_MAX_FILE_MEGABYTES)",
        size=size,
        limit=limits.max_file_bytes,
    )


def _duplicate_key(key: str) -> Message:
    return _("the key {key} is given more than once: keep one", key=key)


def _too_deep(limits: InputLimits) -> Message:
    return _("lists and mappings are nested more than {limit} deep", limit=limits.max_depth)


def _too_long_text(length: int, limits: InputLimits) -> Message:
    return _(
        "a text of {length} characters; at most {limit} are accepted",
        length=length,
        limit=limits.max_scalar_characters,
    )


def _too_long_number(length: int, limits: InputLimits) -> _Refused:
    return _Refused(
        _(
            "a number written with {length} characters; at most {limit} are accepted",
            length=length,
            limit=limits.max_number_characters,
        )
    )
