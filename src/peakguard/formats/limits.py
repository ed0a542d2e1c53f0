"""How much of an input peakguard will read before refusing it.

Every reader takes an :class:`InputLimits`; the deployment settings build one
(``Settings.input_limits()``, docs/reference/input-limits.md). The defaults let through every
real file the project has seen (a national network of 8,589 nodes is 2.4 MB of YAML; a day's
scan events of a province some 40 MB of CSV) and refuse, cheaply and with a located error,
the inputs that would exhaust a server: nesting that overflows a parser's stack, YAML aliases
that expand to gigabytes, a spreadsheet whose one far cell makes a reader walk a million empty
rows, numbers too long to convert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

MEBIBYTE = 1024 * 1024


@dataclass(frozen=True)
class InputLimits:
    """The bounds every reader checks before doing work proportional to what a file claims."""

    max_file_bytes: int = 256 * MEBIBYTE
    """A file (or request body) longer than this is refused before it is read."""
    max_depth: int = 32
    """Nesting of lists and mappings in YAML/JSON; the network format needs 4."""
    max_nodes: int = 5_000_000
    """Values in a YAML/JSON document once every alias is expanded."""
    max_scalar_characters: int = 100_000
    """One YAML/JSON string, or one CSV/Excel cell."""
    max_number_characters: int = 40
    """Digits of one number; a 64-bit integer has 19, a float's exact text fewer than 30."""
    max_rows: int = 20_000_000
    """Data rows in one table (CSV, Excel sheet, JSON lines, Parquet)."""
    max_columns: int = 256
    """Columns in one table."""
    max_unpacked_bytes: int = 1024 * MEBIBYTE
    """An Excel workbook's parts once unzipped (a workbook is a zip archive)."""
    earliest_time: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    """No scan, release or scenario of express delivery predates this."""
    latest_year: int = 2100
    """Nor lies beyond this year (scenarios, releases, forecasts look ahead, never this far)."""
    future_tolerance_hours: int = 24
    """A scan event (something that happened) may carry a time at most this far past now:
    clocks of scanners drift, but an event dated next week is a wrong clock or a forgery."""
    max_request_bytes: int = 16 * MEBIBYTE
    """An API request body; the bulk events route has its own, larger bound."""


DEFAULT_LIMITS = InputLimits()
"""The limits readers use when the caller gives none (tests, the library used directly)."""

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
"""The range of every integer column peakguard stores (SQL BIGINT, Arrow int64)."""
