"""What this process keeps between reads: small LRU tables of computed views, and the lake's
signature that says when a view measured on the scan events no longer holds.

A landing page's figures and a bulletin take a second or more to measure on a season's events;
kept by the lake's signature (every ingest appends to the batch log, every retraction adds a
file), a view asked for again — by the same reader or another of the same reach — is answered
at once, and a new event makes the next read measure afresh. The tables hold views, never
credentials: every operation checks the reader's permission before it looks here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from peakguard.store.event_files import retraction_paths

T = TypeVar("T")

_lock = threading.Lock()


def kept(table: OrderedDict[Any, Any], key: Any, limit: int, make: Callable[[], T]) -> T:
    """``table[key]``, made by ``make()`` the first time (and the oldest dropped past
    ``limit``)."""
    with _lock:
        if key in table:
            table.move_to_end(key)
            found: T = table[key]
            return found
    value = make()
    with _lock:
        table[key] = value
        while len(table) > limit:
            table.popitem(last=False)
    return value


def lake_signature(lake: Path) -> tuple[Any, ...]:
    """What changes whenever the lake's content does: its batch log (every ingest appends a
    line) and its retraction files. A figure measured on one signature holds until it
    changes."""
    log = lake / "batches.jsonl"
    stat = log.stat() if log.is_file() else None
    retractions = tuple(path.name for path in retraction_paths(lake))
    return (str(lake), stat and (stat.st_size, stat.st_mtime_ns), retractions)
