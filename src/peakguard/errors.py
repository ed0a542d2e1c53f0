"""The one hierarchy of errors peakguard raises on purpose.

Every error carries translatable :class:`~peakguard.i18n.Message` objects. The edges map them:

================================  =========  ==============
error                             CLI exit   HTTP status
================================  =========  ==============
:class:`InvalidInputError`        2          422
:class:`CalendarYearMissingError` 2          422
:class:`NotFoundError`            3          404
:class:`ConflictError`            4          409
:class:`StaleRecordError`         4          409
:class:`IllegalTransitionError`   4          409
:class:`StorageError`             5          503
:class:`ConfigurationError`       6          500
:class:`ForbiddenError`           7          403
:class:`UnauthenticatedError`     8          401
:class:`WorkLimitError`           10         504
:class:`BusyError`                11         503
================================  =========  ==============
"""

from __future__ import annotations

from dataclasses import dataclass

from peakguard.i18n import Message, render


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and where: ``network.yaml: lanes[12].transit_hours``."""

    location: str
    message: Message

    def render(self, language: str | None = None) -> str:
        return f"{self.location}: {render(self.message, language)}"


class PeakguardError(Exception):
    """Base class: a failure peakguard explains to the user."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: Message) -> None:
        super().__init__(message.msgid)
        self.message = message

    def render(self, language: str | None = None) -> str:
        return render(self.message, language)


class InvalidInputError(PeakguardError):
    """An input file or request has mistakes; ``problems`` lists every one with its location."""

    exit_code = 2
    http_status = 422

    def __init__(
        self, message: Message, problems: list[Problem], *, total: int | None = None
    ) -> None:
        super().__init__(message)
        self.problems = problems
        self.total = len(problems) if total is None else total
        """How many problems there are; more than listed when a long list was cut short."""


class NotFoundError(PeakguardError):
    """A named record (a network, a node, a lane) does not exist."""

    exit_code = 3
    http_status = 404


class ConflictError(PeakguardError):
    """The request would overwrite something that exists (use --replace to allow it)."""

    exit_code = 4
    http_status = 409


class StaleRecordError(ConflictError):
    """Someone else changed the record since it was read (optimistic locking): nothing was
    written; read it again, look at what changed, and redo the change if it still applies."""


class IllegalTransitionError(ConflictError):
    """A case cannot take this step from the state it is in (the workflow's transition table
    does not allow it); ``allowed`` names the steps it can take."""

    def __init__(self, message: Message, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.allowed = allowed


class CalendarYearMissingError(InvalidInputError):
    """A working-day count reaches a year whose holiday notice (the State Council's
    国务院办公厅关于某年部分节假日安排的通知) is not loaded: peakguard refuses rather than guess.
    An administrator loads the notice (``peakguard calendar load``)."""

    def __init__(self, message: Message, year: int) -> None:
        super().__init__(message, [Problem(str(year), message)])
        self.year = year


class StorageError(PeakguardError):
    """The database could not be reached or written."""

    exit_code = 5
    http_status = 503


class ConfigurationError(PeakguardError):
    """A deployment setting is wrong (database URL, language, directories)."""

    exit_code = 6
    http_status = 500


class ForbiddenError(PeakguardError):
    """The acting user or token may not do this, or not to this record; ``problems`` locates
    the offending fields of a request (``events[3].carrier``) when there are any."""

    exit_code = 7
    http_status = 403

    def __init__(self, message: Message, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class UnauthenticatedError(PeakguardError):
    """No valid credentials: log in, or send a valid API token."""

    exit_code = 8
    http_status = 401


class WorkLimitError(PeakguardError):
    """An operation was stopped at a limit the server sets on one request's work (its time or
    its memory), or because the client left. The command line sets no such limit."""

    exit_code = 10
    http_status = 504


class BusyError(PeakguardError):
    """Every worker for long operations is taken: try again shortly."""

    exit_code = 11
    http_status = 503
