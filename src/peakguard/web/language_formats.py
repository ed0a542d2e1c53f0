"""Numbers, dates and messages in a report's language: the part every report page shares."""

from __future__ import annotations

from datetime import date

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_percent, get_group_symbol

from peakguard import i18n
from peakguard.i18n import Message


class LanguageFormats:
    """Formatting for one language (``zh_CN`` or ``en``)."""

    def __init__(self, language: str) -> None:
        self.language = language
        # Parsing once spares Babel a slow lookup on each of the thousands of calls.
        self.locale = Locale.parse(language)
        self.group_separator = get_group_symbol(self.locale)

    def text(self, message: Message) -> str:
        return i18n.render(message, self.language)

    def number(self, value: float) -> str:
        """A whole number with the language's grouping separator (1,234,567)."""
        return f"{round(value):,}".replace(",", self.group_separator)

    def decimal(self, value: float, digits: int = 1) -> str:
        """``digits`` decimals (the decimal point is "." in both languages)."""
        return f"{value:,.{digits}f}".replace(",", self.group_separator)

    def percent(self, value: float, *, decimals: int = 0) -> str:
        """A share (0.25) as a percentage in the language's way (25%), with ``decimals``."""
        pattern = "#,##0." + "0" * decimals + "%" if decimals else "#,##0%"
        return str(format_percent(value, format=pattern, locale=self.locale))

    def short_date(self, day: date) -> str:
        """A short date (Nov 11, 11月11日)."""
        return str(format_skeleton("MMMd", day, locale=self.locale))
