"""What every command shares: the deployment settings, the consoles, error rendering (every
problem with its location, then the exit code), progress and tables of figures.

Everything printed here goes out as :class:`rich.text.Text`, never as console markup: a value
a user wrote (a network name, a file name, a cell, a problem's location) may contain ``[/x]``,
which markup would try to close, or an escape sequence that would rewrite the terminal. Values
pass through :func:`visible` once, in these helpers, not at each call site; sentences are
rendered with :func:`plain`, which makes their parameters visible and leaves the translation's
own text alone.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console, JustifyMethod
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from peakguard.app.context import open_store
from peakguard.app.networks import resolve_network
from peakguard.config import Settings
from peakguard.domain.network import Network
from peakguard.errors import ConfigurationError, InvalidInputError, PeakguardError
from peakguard.i18n import Message, _, render, set_language
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from peakguard.store.database import Store

SettingsOption = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        help="settings file (.toml) of algorithm parameters, one section per class "
        "(docs/reference/settings-files.md); options given here win over it",
    ),
]

console = Console()
errors = Console(stderr=True)

T = TypeVar("T")

_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Control and format characters, lone surrogates (an undecodable file name), line and
paragraph separators: what a terminal would act on, or cannot encode, rather than show."""

_LONGEST_VALUE = 500
"""Characters of one value shown inside a sentence; a 131,073-character cell is cut."""


def visible(value: object, *, longest: int | None = None) -> str:
    """``value`` as text a terminal shows as it is: ESC as ``\\x1b``, a zero-width space as
    ``\\u200b``; cut after ``longest`` characters, saying how long it was."""
    text = str(value)
    if longest is not None and len(text) > longest:
        cut = text[:longest]
        text = f"{cut}… ({len(text):,})"
    if text.isprintable():
        return text
    return "".join(
        _escaped(character) if unicodedata.category(character) in _HIDDEN_CATEGORIES else character
        for character in text
    )


def _escaped(character: str) -> str:
    code = ord(character)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def plain(message: Message | str) -> str:
    """A sentence in the user's language whose parameters (names, paths, values a user wrote)
    are made :func:`visible`; a plain string is a value and is made visible whole."""
    if isinstance(message, str):
        return visible(message)
    return render(_visible_parameters(message))


def _visible_parameters(message: Message) -> Message:
    """Text parameters made visible; numbers and dates kept, so ``{count:,}`` still formats."""
    params = {key: _visible_parameter(value) for key, value in message.params.items()}
    return Message(message.msgid, params)


def _visible_parameter(value: object) -> object:
    if isinstance(value, Message):
        return _visible_parameters(value)
    if isinstance(value, str | PurePath):
        return _Visible(str(value))
    return value


class _Visible(str):
    """A text parameter made :func:`visible`; ``{value!r}`` still shows the original's repr,
    which escapes what cannot be seen by itself (a visible copy's repr would double each
    backslash: ``\\\\u2028``)."""

    original: str

    def __new__(cls, original: str) -> _Visible:
        shown = super().__new__(cls, visible(original, longest=_LONGEST_VALUE))
        shown.original = original
        return shown

    def __repr__(self) -> str:
        if len(self.original) <= _LONGEST_VALUE:
            return repr(self.original)
        return f"{self.original[:_LONGEST_VALUE]!r}… ({len(self.original):,})"


def say(message: Message | str, *, style: str = "", stderr: bool = False) -> None:
    """Print one sentence (or value) as plain text: no markup, no emoji codes, nothing a value
    could use to style, hide or rewrite what the terminal shows."""
    (errors if stderr else console).print(Text(plain(message), style=style))


class State:
    settings: Settings | None = None


def settings() -> Settings:
    """The deployment settings, built on first use (never at import)."""
    if State.settings is None:
        State.settings = Settings()
    return State.settings


def configure(language: str | None = None, database_url: str | None = None) -> None:
    """Settings from the environment with the command line's overrides; a bad value exits
    with the configuration error's code."""
    overrides: dict[str, str] = {}
    if language:
        overrides["language"] = language
    if database_url:
        overrides["database_url"] = database_url
    try:
        State.settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        say(f"{visible(first['loc'][0])}: {visible(first['msg'])}", style="red", stderr=True)
        raise typer.Exit(ConfigurationError.exit_code) from None
    set_language(State.settings.language)


@contextmanager
def opened_store() -> Iterator[Store]:
    """The configured database, migrated, and closed again when the command is done."""
    store = open_store(settings())
    try:
        yield store
    finally:
        store.engine.dispose()


LOCAL = LOCAL_ADMINISTRATOR
"""Who the CLI acts as: the local administrator (it runs where the database's keys are)."""


def network_named(source: str) -> Network:
    """A network file's network, or the stored network of that name."""
    if Path(source).exists():
        return resolve_network(source, None, actor=LOCAL, limits=settings().input_limits())
    with opened_store() as store:
        return resolve_network(source, store, actor=LOCAL)


@contextmanager
def handled() -> Iterator[None]:
    """Render a :class:`PeakguardError` for a person and exit with its code."""
    try:
        yield
    except InvalidInputError as error:
        print_problems(error)
        raise typer.Exit(error.exit_code) from None
    except PeakguardError as error:
        say(error.message, style="bold red", stderr=True)
        raise typer.Exit(error.exit_code) from None


def print_problems(error: InvalidInputError) -> None:
    """The error's sentence, then every problem with its location, then how many there were."""
    say(error.message, style="bold red", stderr=True)
    table = Table(show_header=True, header_style="bold")
    table.add_column(Text(plain(_("Where"))), overflow="fold")
    table.add_column(Text(plain(_("What is wrong"))), overflow="fold")
    for problem in error.problems:
        table.add_row(
            Text(visible(problem.location, longest=_LONGEST_VALUE)), Text(plain(problem.message))
        )
    errors.print(table)
    say(
        _("{count} problem(s) found. Correct them and run the command again.", count=error.total),
        stderr=True,
    )


def progress() -> Progress:
    """A transient progress display on standard error (descriptions are plain text)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )


def with_progress(description: Message, work: Callable[[], T]) -> T:
    """``work()`` under a spinner labelled ``description``."""
    with progress() as shown:
        task = shown.add_task(plain(description), total=None)
        result = work()
        shown.update(task, completed=1, total=1)
    return result


def print_figures(title: Message, rows: Sequence[tuple[Message, str]]) -> None:
    """A two-column table of labelled figures (labels rendered in the user's language)."""
    table = Table(title=Text(plain(title)), show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, value in rows:
        table.add_row(Text(plain(label)), Text(visible(value)))
    console.print(table)


def print_table(
    title: Message,
    headers: Sequence[Message],
    rows: Iterable[Sequence[str]],
    *,
    justify: JustifyMethod = "left",
) -> None:
    """A table with a title and a header row (both rendered in the user's language); every
    cell is a value, shown as it is."""
    table = Table(title=Text(plain(title)))
    for header in headers:
        table.add_column(Text(plain(header)), justify=justify)
    for row in rows:
        table.add_row(*(Text(visible(cell)) for cell in row))
    console.print(table)


def print_written(paths: Sequence[object]) -> None:
    """One line per file written."""
    for path in paths:
        say(_("Wrote {path}", path=str(path)))
