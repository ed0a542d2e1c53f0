"""What every command shares: the deployment settings, the consoles, error rendering (every
problem with its location, then the exit code), progress and tables of figures."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console, JustifyMethod
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

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
        errors.print(f"[red]{escape(str(first['loc'][0]))}: {escape(first['msg'])}[/red]")
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
        return resolve_network(source, None, actor=LOCAL)
    with opened_store() as store:
        return resolve_network(source, store, actor=LOCAL)


@contextmanager
def handled() -> Iterator[None]:
    """Render a :class:`PeakguardError` for a person and exit with its code."""
    try:
        yield
    except InvalidInputError as error:
        errors.print(f"[bold red]{escape(render(error.message))}[/bold red]")
        table = Table(show_header=True, header_style="bold")
        table.add_column(render(_("Where")), overflow="fold")
        table.add_column(render(_("What is wrong")), overflow="fold")
        for problem in error.problems:
            table.add_row(escape(problem.location), escape(render(problem.message)))
        errors.print(table)
        errors.print(
            render(
                _(
                    "{count} problem(s) found. Correct them and run the command again.",
                    count=error.total,
                )
            )
        )
        raise typer.Exit(error.exit_code) from None
    except PeakguardError as error:
        errors.print(f"[bold red]{escape(render(error.message))}[/bold red]")
        raise typer.Exit(error.exit_code) from None


def progress() -> Progress:
    """A transient progress display on standard error."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )


def with_progress(description: Message, work: Callable[[], T]) -> T:
    """``work()`` under a spinner labelled ``description``."""
    with progress() as shown:
        task = shown.add_task(render(description), total=None)
        result = work()
        shown.update(task, completed=1, total=1)
    return result


def print_figures(title: Message, rows: Sequence[tuple[Message, str]]) -> None:
    """A two-column table of labelled figures (labels rendered in the user's language)."""
    table = Table(title=render(title), show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, value in rows:
        table.add_row(render(label), value)
    console.print(table)


def print_table(
    title: Message,
    headers: Sequence[Message],
    rows: Iterable[Sequence[str]],
    *,
    justify: JustifyMethod = "left",
) -> None:
    """A table with a title and a header row (both rendered in the user's language)."""
    table = Table(title=render(title))
    for header in headers:
        table.add_column(render(header), justify=justify)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def print_written(paths: Sequence[object]) -> None:
    """One line per file written."""
    for path in paths:
        console.print(render(_("Wrote {path}", path=str(path))))
