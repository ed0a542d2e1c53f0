"""The console helpers print what users wrote as it is: no markup, no terminal control.

A network name, a file name, a cell or a problem's location may hold ``[/x]`` (which rich's
markup would try to close, crashing the error printer itself), ``:smile:`` (an emoji code), or an
escape sequence that clears or rewrites the terminal. The helpers in ``peakguard.cli.console``
show them all as text."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from peakguard.cli import console as cli_console
from peakguard.errors import InvalidInputError, NotFoundError, Problem
from peakguard.i18n import _

HOSTILE = "[/x] [bold]b[/bold] :smile: \x1b[2J\x1b]0;owned\x07 a\rb\x00c\u200b\u202e\u2028"
"""Markup, an emoji code, clear-screen and set-title sequences, a carriage return, a NUL, a
zero-width space, a right-to-left override and a line separator."""


@pytest.fixture
def screens(monkeypatch: pytest.MonkeyPatch) -> tuple[io.StringIO, io.StringIO]:
    """screens: standard output and standard error as a colour terminal, captured."""
    out, err = io.StringIO(), io.StringIO()
    for name, file in (("console", out), ("errors", err)):
        terminal = Console(file=file, force_terminal=True, color_system="standard", width=400)
        monkeypatch.setattr(cli_console, name, terminal)
    return out, err


def assert_shown_as_text(output: str) -> None:
    assert "[/x] [bold]b[/bold] :smile:" in output
    assert "\\x1b[2J" in output and "\x1b[2J" not in output
    assert "\\x1b]0;owned\\x07" in output and "\x1b]0" not in output
    assert "a\\x0db\\x00c\\u200b\\u202e\\u2028" in output
    assert not {"\r", "\x00", "\x07", "\u200b", "\u202e", "\u2028"} & set(output)


def test_visible_shows_control_and_format_characters_as_escapes() -> None:
    """ESC, CR, NUL, zero-width and bidi characters become their escapes; other text stays."""
    assert (
        cli_console.visible("ZTO\x1b[31m\r\x00\u200b成都 a")
        == "ZTO\\x1b[31m\\x0d\\x00\\u200b成都 a"
    )
    assert cli_console.visible("plain 中通 [/x]") == "plain 中通 [/x]"


def test_visible_shows_an_undecodable_file_name() -> None:
    """A file name with bytes that are not UTF-8 (a lone surrogate in Python) prints."""
    assert cli_console.visible(Path("events-\udcff.csv")) == "events-\\udcff.csv"


def test_visible_cuts_a_long_value_saying_its_length() -> None:
    """A 131,073-character cell in a sentence is cut, and says how long it was."""
    shown = cli_console.visible("x" * 131_073, longest=500)
    assert shown.startswith("x" * 500) and shown.endswith("(131,073)") and len(shown) < 520


def test_plain_keeps_numbers_formattable_and_makes_text_visible() -> None:
    """Parameters that are text are made visible; numbers keep their format specifications."""
    message = _("Wrote {path}", path="out\x1b[2J.csv")
    assert cli_console.plain(message) == "Wrote out\\x1b[2J.csv"
    counted = _("{count} problem(s) found. Correct them and run the command again.", count=1234)
    assert cli_console.plain(counted).startswith("1234")


def test_a_value_shown_by_its_repr_keeps_single_escapes() -> None:
    """A message that quotes a value with ``!r`` shows ``\\u2028`` once, not doubled."""
    message = _("{value!r} is not an identifier", value="ZT78000\u202812345")
    assert cli_console.plain(message) == "'ZT78000\\u202812345' is not an identifier"


def test_problem_with_markup_and_control_characters_is_printed(
    screens: tuple[io.StringIO, io.StringIO],
) -> None:
    """The error printer shows a hostile location and message and exits 2 (it crashed on [/x])."""
    error = InvalidInputError(
        _("The network file has mistakes."),
        [Problem(f"network.yaml: nodes[0].id {HOSTILE}", _("Wrote {path}", path=HOSTILE))],
    )
    with pytest.raises(typer.Exit) as exited, cli_console.handled():
        raise error
    assert exited.value.exit_code == 2
    output = screens[1].getvalue()
    assert "network.yaml: nodes[0].id" in output
    assert output.count("[/x] [bold]b[/bold]") == 2
    assert_shown_as_text(output)


def test_other_errors_show_their_values(screens: tuple[io.StringIO, io.StringIO]) -> None:
    """A not-found error naming what a user typed shows it as text and exits 3."""
    with pytest.raises(typer.Exit) as exited, cli_console.handled():
        raise NotFoundError(_("No network named {name}.", name=HOSTILE))
    assert exited.value.exit_code == 3
    assert_shown_as_text(screens[1].getvalue())


def test_tables_and_figures_show_cells_as_text(screens: tuple[io.StringIO, io.StringIO]) -> None:
    """Cells, figures and titles holding markup or escapes print as text."""
    cli_console.print_table(_("Network {name}", name=HOSTILE), [_("Name")], [[HOSTILE]])
    cli_console.print_figures(_("Network {name}", name="n"), [(_("Name"), HOSTILE)])
    cli_console.print_written([Path(HOSTILE)])
    output = screens[0].getvalue()
    assert output.count("[/x] [bold]b[/bold] :smile:") == 4
    assert_shown_as_text(output)


def test_progress_description_is_plain_text(screens: tuple[io.StringIO, io.StringIO]) -> None:
    """A spinner labelled with a user's value (markup included) runs and returns the work."""
    assert cli_console.with_progress(_("Wrote {path}", path="[/x]"), lambda: 7) == 7


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("[]/\\:\x1b\r"), max_size=60)
)
def test_any_text_prints_without_control_characters(value: str) -> None:
    """Whatever a problem's location and message hold, the printer prints it, and nothing but
    line ends reaches the terminal as a control or format character."""
    captured = io.StringIO()
    plain_console = Console(file=captured, width=120, force_terminal=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli_console, "errors", plain_console)
        cli_console.print_problems(
            InvalidInputError(_("{name}", name=value), [Problem(value, _("x"))])
        )
    output = captured.getvalue()
    hidden = {"Cc", "Cf", "Cs", "Zl", "Zp"}
    assert all(unicodedata.category(c) not in hidden for c in output.replace("\n", ""))
