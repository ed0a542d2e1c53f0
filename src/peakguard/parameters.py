"""Algorithm knobs read from a TOML settings file, one section per parameter class.

A settings file holds one table per section (docs/reference/settings-files.md)::

    [stagger]
    storage_margin = 0.8

    [reserve.parcels_per_person_hour]
    hub = 150

A parameter class names its section on its class line,
``class StaggerParameters(FileParameters, section="stagger")``, and reads it with
``StaggerParameters.from_file(path)``. A command that needs several classes reads them with
:func:`read_settings`, so the mistakes of all its sections are listed at once.

- A key left out keeps its default; a table of a table (per node kind, per warning level)
  overrides only the keys it names. A list (``models``, ``service_standards``) replaces the
  default list whole.
- Nothing is ignored silently: a section name no command knows and a key the class does not
  have are mistakes. A known section that the reading command does not use is left to the
  commands that use it.
- Values are validated by pydantic from the classes' type hints, strictly (``"0.8"`` is not a
  number, ``true`` is not 1, ``8.0`` is not a whole number), then by the class's own rules.
  Every problem is located (``settings.toml: [stagger].storage_margin``); a TOML syntax error
  by line and column.

:func:`parameters_document` turns an object back into its section's table (JSON-ready, for
echoing in outputs) and :func:`settings_toml` writes such tables as a settings file; reading
either back gives an equal object.

This module is a foundation: it imports only the standard library, pydantic, errors and i18n.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import tomllib
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, ClassVar, Final, Self, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _

_SECTION_NAMES = "stagger reroute reserve forecast kpi warnings daily_reports security"
SECTIONS: Final = tuple(_SECTION_NAMES.split())
"""Every section a settings file may hold, one per parameter class."""

TIME_EXAMPLE: Final = "2024-11-11T20:00:00+08:00"

MAX_SETTINGS_BYTES: Final = 1024 * 1024
"""A settings file is a few hundred bytes; one past a mebibyte is refused unread."""
MAX_NUMBER_CHARACTERS: Final = 40
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
"""The range of a whole number a knob may hold (the stored columns' BIGINT); the same bounds
as ``peakguard.formats.limits``, which this foundation may not import."""

Key = tuple[str | int, ...]
Locate = Callable[[str], str]
"""A path inside a section (``models[0]``, or ``""`` for the section) → where to tell the user."""


class FileParameters:
    """Mixin of the parameter classes: ``class X(FileParameters, section="x")``."""

    settings_section: ClassVar[str]
    """The section of a settings file that holds this class's keys (one of :data:`SECTIONS`)."""

    def __init_subclass__(cls, *, section: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if section is not None:
            if section not in SECTIONS:
                raise TypeError(f"{section!r} is not one of SECTIONS; add it there and document it")
            cls.settings_section = section

    @classmethod
    def from_file(cls, path: Path | str) -> Self:
        """This class's section of the settings file at ``path`` (defaults where it is absent)."""
        return read_parameters(cls, Path(path))


P = TypeVar("P", bound=FileParameters)


@dataclasses.dataclass(frozen=True)
class ParameterSet:
    """The parameter objects read from one settings file, by class."""

    objects: Mapping[type[FileParameters], FileParameters]

    def get(self, cls: type[P]) -> P:
        """The object of class ``cls`` (which must have been asked of :func:`read_settings`)."""
        found = self.objects[cls]
        if not isinstance(found, cls):  # pragma: no cover - the mapping is built by class
            raise TypeError(cls)
        return found


def read_settings(
    path_or_text: Path | str,
    classes: Iterable[type[FileParameters]],
    *,
    source: str | None = None,
) -> ParameterSet:
    """The sections of ``classes`` from a settings file (a :class:`Path`) or TOML text.

    ``source`` names the input in locations (default: the file's name, or ``settings``).
    Raises :class:`InvalidInputError` listing every mistake of the file's section names and of
    the asked sections.
    """
    document, name = settings_document(path_or_text, source=source)
    return settings_from_document(document, classes, source=name)


def read_parameters(cls: type[P], path_or_text: Path | str, *, source: str | None = None) -> P:
    """One class's section of a settings file (a :class:`Path`) or TOML text."""
    return read_settings(path_or_text, [cls], source=source).get(cls)


def settings_from_document(
    document: Mapping[str, Any],
    classes: Iterable[type[FileParameters]],
    *,
    source: str = "settings",
) -> ParameterSet:
    """The sections of ``classes`` from an already parsed document (TOML or a JSON body)."""
    problems = [
        Problem(f"{source}: {_section_path(path)}", message)
        for path, message in _unfit_values(document, ())
    ]
    if problems:
        raise InvalidInputError(
            _("the settings in {source} have mistakes", source=source), problems
        )
    for key, value in document.items():
        if key not in SECTIONS:
            problems.append(
                Problem(
                    f"{source}: {key}",
                    _(
                        "is not a known section; the sections are {sections}",
                        sections=", ".join(f"[{name}]" for name in SECTIONS),
                    ),
                )
            )
        elif not isinstance(value, Mapping):
            problems.append(
                Problem(
                    f"{source}: {key}",
                    _(
                        "must be a table: write [{section}] on a line of its own, then its keys",
                        section=key,
                    ),
                )
            )
    objects: dict[type[FileParameters], FileParameters] = {}
    for cls in classes:
        section = cls.settings_section
        table = document.get(section, {})
        if not isinstance(table, Mapping):
            continue

        def locate(path: str, section: str = section) -> str:
            return f"{source}: [{section}].{path}" if path else f"{source}: [{section}]"

        read, found = _read_section(cls, table, locate)
        problems.extend(found)
        if read is not None:
            objects[cls] = read
    if problems:
        raise InvalidInputError(
            _("the settings in {source} have mistakes", source=source), problems
        )
    return ParameterSet(objects)


def parameters_from_document(
    cls: type[P], table: Mapping[str, Any], *, source: str | None = None
) -> P:
    """One class from its own table (an API body's object); located as ``source.key``.

    ``source`` defaults to the class's section name, so a mistake reads
    ``stagger.storage_margin``.
    """
    prefix = cls.settings_section if source is None else source

    def locate(path: str) -> str:
        return f"{prefix}.{path}" if path and prefix else (path or prefix)

    read, problems = _read_section(cls, table, locate)
    if read is None or problems:
        raise InvalidInputError(
            _("the settings in {source} have mistakes", source=prefix), problems
        )
    return read


def parameters_document(parameters: object) -> dict[str, Any]:
    """The table of a parameters object, JSON-ready (enums as text, times as ISO 8601 text).

    Keys whose value is ``None`` are left out (TOML has no null; an absent key means the
    default, and every optional knob defaults to ``None``).
    """
    dumped = _adapter(type(parameters)).dump_python(parameters, mode="json")
    cleaned = _without_none(dumped)
    if not isinstance(cleaned, dict):  # pragma: no cover - parameter classes dump to tables
        raise TypeError(type(parameters))
    return cleaned


def settings_toml(parameters: Iterable[FileParameters]) -> str:
    """A settings file holding each object's section (what :func:`read_settings` reads back)."""
    blocks = [
        "\n".join(_table_lines(item.settings_section, parameters_document(item), array=False))
        for item in parameters
    ]
    return "\n\n".join(blocks) + "\n"


# Reading a file ---------------------------------------------------------------------------------


def settings_document(
    path_or_text: Path | str, *, source: str | None = None
) -> tuple[dict[str, Any], str]:
    """A settings file (a :class:`Path`) or TOML text parsed, and the name that locates it.

    A file longer than :data:`MAX_SETTINGS_BYTES` is refused unread; a syntax error is located
    by line and column, and so is what tomllib cannot convert (a number of thousands of
    digits) or nests past the stack; values that no knob can hold (``inf``, ``nan``, integers
    beyond 64 bits, NUL) are refused by :func:`settings_from_document`."""
    if isinstance(path_or_text, Path):
        text, name = _read_text(path_or_text), source or path_or_text.name
    else:
        text, name = path_or_text, source or "settings"
    try:
        return tomllib.loads(text), name
    except tomllib.TOMLDecodeError as error:
        detail, line, column = _syntax_place(str(error), text)
        message = _("TOML syntax error: {detail}", detail=detail)
    except RecursionError:
        line, column = _first_match(text, r"[\[{]\s*[\[{]\s*[\[{]")
        message = _("arrays and tables are nested too deep")
    except ValueError:  # int() past Python's 4300-digit limit
        line, column = _first_match(text, rf"[0-9_]{{{MAX_NUMBER_CHARACTERS},}}")
        message = _("a number of more than {limit} digits", limit=MAX_NUMBER_CHARACTERS)
    raise InvalidInputError(
        _("cannot read {path}", path=name), [Problem(f"{name}:{line}:{column}", message)]
    ) from None


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_SETTINGS_BYTES:
            raise _unreadable(
                path,
                _(
                    "is {size} bytes long; a settings file holds at most {limit}",
                    size=size,
                    limit=MAX_SETTINGS_BYTES,
                ),
            )
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _unreadable(path, _("no such file")) from None
    except UnicodeDecodeError:
        raise _unreadable(
            path, _("the file is not UTF-8 text: save it as UTF-8 and retry")
        ) from None
    except OSError as error:
        detail = error.strerror or type(error).__name__
        raise _unreadable(path, _("cannot be read: {detail}", detail=detail)) from None


def _first_match(text: str, pattern: str) -> tuple[int, int]:
    """Line and column of the first match of ``pattern`` (1, 1 when there is none)."""
    found = re.search(pattern, text)
    start = found.start() if found else 0
    return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)


def _unfit_values(value: object, path: Key) -> Iterator[tuple[Key, Message]]:
    """Values no knob can hold, by path: infinite or undefined floats, integers outside
    64 bits, text with NUL. Walked without recursion."""
    stack: list[tuple[Key, object]] = [(path, value)]
    while stack:
        here, item = stack.pop()
        if isinstance(item, Mapping):
            pairs = list(item.items())
            stack.extend(((*here, str(key)), child) for key, child in reversed(pairs))
        elif isinstance(item, list | tuple):
            stack.extend(
                ((*here, index), child) for index, child in reversed(list(enumerate(item)))
            )
        elif isinstance(item, float) and not math.isfinite(item):
            yield here, _("{value} is not a finite number: write a finite number", value=str(item))
        elif isinstance(item, int) and not isinstance(item, bool):
            if not INT64_MIN <= item <= INT64_MAX:
                shown = str(item) if len(str(item)) <= 30 else f"{str(item)[:15]}…"
                yield (
                    here,
                    _(
                        "{value} is outside the range of whole numbers peakguard stores "
                        "({low} to {high})",
                        value=shown,
                        low=INT64_MIN,
                        high=INT64_MAX,
                    ),
                )
        elif isinstance(item, str) and "\x00" in item:
            yield here, _("contains a NUL character (U+0000)")


def _section_path(path: Key) -> str:
    """``("stagger", "storage_margin")`` → ``[stagger].storage_margin``."""
    if not path:
        return "(document)"
    rest = _format_path(path[1:])
    return f"[{path[0]}]" + (f".{rest}" if rest and not rest.startswith("[") else rest)


def _unreadable(path: Path, message: Message) -> InvalidInputError:
    return InvalidInputError(_("cannot read {path}", path=str(path)), [Problem(str(path), message)])


def _syntax_place(text: str, document: str) -> tuple[str, int, int]:
    """tomllib's ``"Invalid value (at line 3, column 17)"`` → (detail, line, column)."""
    found = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", text, re.S)
    if found:
        return found.group(1), int(found.group(2)), int(found.group(3))
    detail = text.removesuffix(" (at end of document)")
    lines = document.split("\n")
    return detail, len(lines), len(lines[-1]) + 1


# Validating a section ---------------------------------------------------------------------------


def _read_section(
    cls: type[P], table: Mapping[str, Any], locate: Locate
) -> tuple[P | None, list[Problem]]:
    """Validate one section, listing every problem: a field found wrong is set aside and the
    rest validated again, so the class's own rules still judge the fields that are right."""
    problems: list[Problem] = []
    refused: set[str] = set()
    data = _merged(_defaults(cls), table)
    for path, names in _unknown_keys(cls, data, ()):
        problems.append(
            Problem(
                locate(_format_path(path)),
                _("is not a known setting; the known ones are {names}", names=", ".join(names)),
            )
        )
        refused.add(str(path[0]))
    for path in _naive_times(data, ()):
        message = _("needs a time zone, e.g. {example}", example=TIME_EXAMPLE)
        problems.append(Problem(locate(_format_path(path)), message))
        refused.add(str(path[0]))
    plain = _plain(data)
    adapter = _adapter(cls)
    while True:
        attempt = {key: value for key, value in plain.items() if key not in refused}
        try:
            # JSON mode, strictly: a TOML array is a tuple and a string an enum member, an
            # integer a float; but a string is never a number and true is never 1.
            read = adapter.validate_json(json.dumps(attempt), strict=True)
        except ValidationError as error:
            wrong: set[str] = set()
            for item in error.errors():
                path = tuple(part for part in item["loc"] if part != "[key]")
                problems.append(Problem(locate(_format_path(path)), _message(item)))
                if path:
                    wrong.add(str(path[0]))
            if wrong <= refused:  # a rule over the whole section: nothing more to set aside
                break
            refused |= wrong
        except InvalidInputError as error:
            seen = {problem.location for problem in problems}
            for problem in error.problems:
                where = locate(problem.location.removeprefix("parameters."))
                if where not in seen:
                    problems.append(Problem(where, problem.message))
            break
        else:
            if problems:
                break
            return typing.cast(P, read), problems
    return None, problems


_ADAPTERS: dict[type, TypeAdapter[Any]] = {}
_DEFAULTS: dict[type, dict[str, Any]] = {}


def _adapter(cls: type) -> TypeAdapter[Any]:
    if cls not in _ADAPTERS:
        _ADAPTERS[cls] = TypeAdapter(cls)
    return _ADAPTERS[cls]


def _defaults(cls: type) -> dict[str, Any]:
    """The default object's table; empty when the class has required fields."""
    if cls not in _DEFAULTS:
        try:
            _DEFAULTS[cls] = parameters_document(cls())
        except (TypeError, ValidationError, InvalidInputError):
            _DEFAULTS[cls] = {}
    return _DEFAULTS[cls]


def _merged(defaults: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """``given`` over ``defaults``, for the tables both have (a sub-table names only changes)."""
    merged = dict(given)
    for key, value in given.items():
        default = defaults.get(key)
        if isinstance(value, Mapping) and isinstance(default, Mapping):
            merged[key] = {**default, **_merged(default, value)}
    return merged


def _unknown_keys(hint: Any, value: Any, path: Key) -> Iterator[tuple[Key, list[str]]]:
    """Keys of ``value`` that its type has no field for, with the names it has."""
    fields = _field_types(hint)
    if fields is not None and isinstance(value, Mapping):
        for key, item in value.items():
            if key in fields:
                yield from _unknown_keys(fields[key], item, (*path, key))
            else:
                yield (*path, key), list(fields)
        return
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (tuple, list) and arguments and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unknown_keys(arguments[0], item, (*path, index))
    elif origin is dict and len(arguments) == 2 and isinstance(value, Mapping):
        for key, item in value.items():
            yield from _unknown_keys(arguments[1], item, (*path, key))
    elif arguments and origin is not None:  # X | None, Annotated[X, ...]
        for argument in arguments:
            if _field_types(argument) is not None:
                yield from _unknown_keys(argument, value, path)
                return


def _field_types(hint: Any) -> dict[str, Any] | None:
    """Field name → type of a dataclass or pydantic model; ``None`` for other types."""
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return {name: field.annotation for name, field in hint.model_fields.items()}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return {field.name: hints[field.name] for field in dataclasses.fields(hint) if field.init}
    return None


def _naive_times(value: Any, path: Key) -> Iterator[Key]:
    """Where ``value`` holds a date-time without a UTC offset (a TOML local date-time)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _naive_times(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _naive_times(item, (*path, index))
    elif isinstance(value, datetime) and value.utcoffset() is None:
        yield path


def _plain(value: Any) -> Any:
    """TOML values as JSON values: dates and times as ISO 8601 text."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def _format_path(path: Key) -> str:
    """``("service_standards", 0, "carrier")`` → ``service_standards[0].carrier``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(error: ErrorDetails) -> Message:
    """A translatable sentence for one pydantic error (the msgids of formats' loaders)."""
    kind = error["type"]
    context: dict[str, Any] = dict(error.get("ctx") or {})
    value = error.get("input")
    shown = value if isinstance(value, str | int | float | bool) else type(value).__name__
    if kind == "peakguard":
        return Message(str(context.pop("msgid")), context)
    if kind == "missing":
        return _("is required")
    found = _limit_message(kind, context) or _type_message(kind, shown, context)
    return found or _("is not valid: {detail}", detail=error["msg"])


def _limit_message(kind: str, context: Mapping[str, Any]) -> Message | None:
    """A value past a bound (``gt``, ``ge``, ``lt``, ``le``)."""
    if kind == "greater_than":
        return _("must be greater than {limit}", limit=context.get("gt"))
    if kind == "greater_than_equal":
        return _("must be at least {limit}", limit=context.get("ge"))
    if kind == "less_than":
        return _("must be less than {limit}", limit=context.get("lt"))
    if kind == "less_than_equal":
        return _("must be at most {limit}", limit=context.get("le"))
    return None


def _type_message(kind: str, shown: object, context: Mapping[str, Any]) -> Message | None:
    """A value of the wrong kind: number, flag, text, choice, list, table or time."""
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return _("must be a whole number, not {value!r}", value=shown)
    if kind in {"float_type", "float_parsing", "finite_number"}:
        return _("must be a number, not {value!r}", value=shown)
    if kind in {"bool_type", "bool_parsing"}:
        return _("must be true or false, not {value!r}", value=shown)
    if kind == "string_type":
        return _("must be text")
    if kind == "enum":
        return _(
            "{value!r} is not one of {expected}", value=shown, expected=context.get("expected")
        )
    if kind in {"list_type", "tuple_type"}:
        return _("must be a list")
    if kind in {"dict_type", "model_type", "dataclass_type", "dataclass_exact_type"}:
        return _("must be a mapping of field names to values")
    if kind.startswith(("datetime", "timezone")):
        return _(
            "{value!r} is not a time: use ISO 8601 with a time zone, e.g. {example}",
            value=shown,
            example=TIME_EXAMPLE,
        )
    return None


# Writing a file ---------------------------------------------------------------------------------


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value


def _table_lines(header: str, table: Mapping[str, Any], *, array: bool) -> list[str]:
    """A TOML table: its keys, then its sub-tables and arrays of tables under their headers."""
    lines = [f"[[{header}]]" if array else f"[{header}]"]
    nested: list[str] = []
    for key, value in table.items():
        name = f"{header}.{_toml_key(key)}"
        if isinstance(value, Mapping):
            nested += ["", *_table_lines(name, value, array=False)]
        elif value and isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
            for item in value:
                nested += ["", *_table_lines(name, item, array=True)]
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    return lines + nested


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_string(text: str) -> str:
    # JSON's escapes are TOML's; TOML also refuses a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        pairs = (f"{_toml_key(key)} = {_toml_value(item)}" for key, item in value.items())
        return "{ " + ", ".join(pairs) + " }"
    raise TypeError(f"{type(value).__name__} has no TOML form")
