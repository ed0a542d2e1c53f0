"""Processes starting together over a new database migrate it one after another."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import inspect

from peakguard.app.context import open_store
from peakguard.config import Settings
from peakguard.errors import PeakguardError
from peakguard.store.database import Store


def test_four_starts_at_once_over_a_new_database_all_succeed(
    empty_database_url: str, tmp_path: Path
) -> None:
    """Two CLI processes on a fresh home both ran the first migration and one died with
    "table networks already exists" (exit 5); now every start finds the schema made once."""
    opened: list[Store] = []
    failures: list[PeakguardError] = []
    barrier = threading.Barrier(4)

    def start(index: int) -> None:
        barrier.wait()
        try:
            opened.append(
                open_store(Settings(database_url=empty_database_url, home=tmp_path / f"h{index}"))
            )
        except PeakguardError as error:
            failures.append(error)

    threads = [threading.Thread(target=start, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [error.render("en") for error in failures] == []
    assert len(opened) == 4
    assert "networks" in inspect(opened[0].engine).get_table_names()
    for store in opened:
        store.engine.dispose()
