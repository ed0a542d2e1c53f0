"""A year's holiday notice as an administrator types it from the State Council's notice.

For a year the package's calendar does not know yet, an administrator copies the notice
(国务院办公厅关于某年部分节假日安排的通知) into a TOML file and loads it
(``peakguard calendar load FILE``; docs/reference/clocks.md)::

    year = 2027
    source = "国办发明电〔2026〕N号"
    rest_days = [
        "2027-01-01",
        { from = "2027-02-05", to = "2027-02-12" },   # both days included
    ]
    working_days = ["2027-01-31", "2027-02-20"]          # make-up working days (调休)

Days are ``"YYYY-MM-DD"`` strings or TOML dates. Every mistake is reported at once, located by
key and index (``notice.toml: rest_days[1].to``): a day outside the year, a make-up working day
that is not a Saturday or a Sunday, a day both off and worked, a missing source.
:func:`notice_document` writes a notice back in the same form; reading it gives it again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final, TypeGuard

from peakguard.cases.calendar import YearNotice
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.parameters import settings_document

KEYS: Final = ("year", "source", "rest_days", "working_days")
RANGE_KEYS: Final = ("from", "to")
EARLIEST_YEAR: Final = 2000
LATEST_YEAR: Final = 2100
MAX_SHOWN: Final = 100
"""Problems listed in full; the error counts the rest."""
SATURDAY: Final = 5
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

Days = dict[date, str]
"""Each day a list gives, with the location of the entry that gave it first."""


def read_notice(path_or_text: Path | str, *, source: str | None = None) -> YearNotice:
    """The notice in a TOML file (a :class:`Path`) or TOML text; ``source`` names it in
    locations (default: the file's name, or ``notice``). Raises InvalidInputError listing
    every mistake."""
    if source is None and not isinstance(path_or_text, Path):
        source = "notice"
    document, name = settings_document(path_or_text, source=source)
    return notice_from_document(document, where=name)


def notice_from_document(document: Mapping[str, Any], *, where: str = "notice") -> YearNotice:
    """The notice in an already parsed document (TOML, or a JSON request body)."""
    reader = _Reader(where)
    for key in document:
        if key not in KEYS:
            reader.problem(
                key,
                _("is not a key of a holiday notice; the keys are {keys}", keys=", ".join(KEYS)),
            )
    year = reader.year(document)
    source = reader.source(document)
    rest = reader.days(document, "rest_days", year, required=True)
    working = reader.days(document, "working_days", year, required=False)
    for day, located in working.items():
        if day.weekday() < SATURDAY:
            reader.problem(
                located,
                _(
                    "{day} is not a Saturday or a Sunday: a make-up working day (调休) is a "
                    "weekend day worked; a weekday is a working day already",
                    day=day.isoformat(),
                ),
            )
        if day in rest:
            reader.problem(
                located,
                _("{day} is also a rest day ({where})", day=day.isoformat(), where=rest[day]),
            )
    if reader.problems or year is None or source is None:
        raise InvalidInputError(
            _("the holiday notice in {source} has mistakes", source=where),
            reader.problems[:MAX_SHOWN],
            total=len(reader.problems),
        )
    return YearNotice(year, frozenset(rest), frozenset(working), source)


class _Reader:
    """Collects every problem of one notice, located in its file."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[Problem] = []

    def problem(self, location: str, message: Message) -> None:
        self.problems.append(Problem(f"{self.where}: {location}", message))

    def year(self, document: Mapping[str, Any]) -> int | None:
        value = document.get("year")
        if "year" not in document:
            self.problem("year", _("is required: the year the notice arranges (2027)"))
        elif not _whole(value) or not EARLIEST_YEAR <= value <= LATEST_YEAR:
            self.problem(
                "year",
                _(
                    "must be a year from {earliest} to {latest}, not {value}",
                    earliest=EARLIEST_YEAR,
                    latest=LATEST_YEAR,
                    value=repr(value),
                ),
            )
        else:
            return value
        return None

    def source(self, document: Mapping[str, Any]) -> str | None:
        value = document.get("source")
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.problem(
            "source",
            _(
                "is required: the notice's document number (国办发明电〔2026〕N号) or where "
                "the arrangement comes from"
            ),
        )
        return None

    def days(
        self, document: Mapping[str, Any], key: str, year: int | None, *, required: bool
    ) -> Days:
        """The days of one list, each with the location of its entry."""
        entries = document.get(key, [])
        if not isinstance(entries, list):
            self.problem(key, _("must be a list of days and ranges of days"))
            return {}
        if required and not entries:
            self.problem(key, _("lists no day: a year's notice gives at least its New Year's Day"))
        found: Days = {}
        for index, entry in enumerate(entries):
            located = f"{key}[{index}]"
            for day in self._entry(entry, located, year):
                found.setdefault(day, located)
        return found

    def _entry(self, entry: object, located: str, year: int | None) -> Iterator[date]:
        """The days of one entry (a day, or a range from a day to a day)."""
        if not isinstance(entry, dict):
            day = self._day(entry, located, year)
            if day is not None:
                yield day
            return
        for name in entry:
            if name not in RANGE_KEYS:
                self.problem(f"{located}.{name}", _("is not a key of a range; use from and to"))
        for name in RANGE_KEYS:
            if name not in entry:
                self.problem(f"{located}.{name}", _("is required: a range gives from and to"))
        first, last = (
            self._day(entry[name], f"{located}.{name}", year) if name in entry else None
            for name in RANGE_KEYS
        )
        if first is not None and last is not None:
            if last < first:
                self.problem(located, _("ends before it begins"))
            yield from (first + timedelta(days=n) for n in range((last - first).days + 1))

    def _day(self, value: object, located: str, year: int | None) -> date | None:
        day = _as_day(value)
        if day is None:
            self.problem(
                located,
                _(
                    'must be a day written 2027-02-05, or a range {{ from = "2027-02-05", '
                    'to = "2027-02-12" }}, not {value}',
                    value=repr(value),
                ),
            )
        elif year is not None and day.year != year:
            self.problem(
                located,
                _("{day} is not in {year}, the notice's year", day=day.isoformat(), year=year),
            )
            return None
        return day


def _as_day(value: object) -> date | None:
    """A TOML date or a ``YYYY-MM-DD`` string as a date; None for anything else."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DAY.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _whole(value: object) -> TypeGuard[int]:
    """A whole number (TOML's ``true`` is not 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


def notice_document(notice: YearNotice) -> str:
    """The notice as a TOML file :func:`read_notice` reads back to an equal notice: runs of
    consecutive rest days written as ranges."""
    rest = [_entry_text(first, last) for first, last in _runs(sorted(notice.rest_days))]
    working = [_entry_text(day, day) for day in sorted(notice.working_days)]
    lines = [
        f"# 国务院办公厅关于{notice.year}年部分节假日安排的通知: the days off and the make-up "
        "working days",
        f"year = {notice.year}",
        f"source = {_toml_string(notice.source)}",
        "rest_days = [",
        *(f"    {entry}," for entry in rest),
        "]",
        "working_days = [",
        *(f"    {entry}," for entry in working),
        "]",
    ]
    return "\n".join(lines) + "\n"


def _runs(days: list[date]) -> Iterator[tuple[date, date]]:
    """Runs of consecutive days, as (first, last)."""
    start = previous = None
    for day in days:
        if previous is None or day != previous + timedelta(days=1):
            if start is not None and previous is not None:
                yield start, previous
            start = day
        previous = day
    if start is not None and previous is not None:
        yield start, previous


def _entry_text(first: date, last: date) -> str:
    if first == last:
        return f'"{first.isoformat()}"'
    return f'{{ from = "{first.isoformat()}", to = "{last.isoformat()}" }}'


def _toml_string(text: str) -> str:
    # JSON's escapes are TOML's; TOML also refuses a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
