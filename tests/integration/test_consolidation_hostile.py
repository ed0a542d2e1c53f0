"""Hostile point and schedule files through ``peakguard supply point add|schedule``, in the
spirit of the hostile corpus of issue #13 (tests/hostile_corpus.py): nesting past the limit,
numbers past 2**64, infinities, markup, invisible characters in names, a year 1 or 9999 with an
offset the store cannot turn into UTC. Each is refused with exit code 2 and the file's field
named, never a traceback, and nothing is stored (no point, no schedule, no audit entry)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from peakguard.app.context import open_store
from peakguard.cli import app as cli_app
from peakguard.config import Settings
from peakguard.store.access_tables import AuditEntryRow
from peakguard.store.consolidation_tables import ConsolidationPointRow, ConsolidationScheduleRow
from peakguard.store.database import Store, transaction
from tests.integration.test_consolidation_surfaces import ORDERS, POINT

POINT_CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    ("name", ("name",), "成都\u202e汇集点"),
    ("name", ("name",), "汇集点\x00"),
    ("carrier", ("carrier",), "<b>ZTO</b>"),
    ("carrier", ("carrier",), "ＺＴＯ"),
    ("code", ("code",), "CD HJ\n1"),
    ("region", ("region",), "５１０１００"),
    ("latitude", ("latitude",), 2**64),
    ("staff_per_shift", ("resources", "staff_per_shift"), 18446744073709551616),
    ("floor_area_m2", ("resources", "floor_area_m2"), 1e308),
    ("forklifts", ("resources", "forklifts"), -1),
]
SCHEDULE_CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    ("start", ("start",), "0001-01-01T00:00:00+08:00"),
    ("start", ("start",), "2026-12-03T07:00:00"),
    ("needed_by", ("orders", 0, "needed_by"), "9999-12-31T23:00:00-05:00"),
    ("at", ("orders", 1, "arrivals", 1, "at"), "0001-01-01T00:00:00+08:00"),
    ("sets", ("orders", 0, "arrivals", 0, "sets"), 2**64),
    ("days", ("days",), 10**30),
    ("staffing", ("staffing", "pick"), -2),
]


def mutated(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    copied = copy.deepcopy(document)
    target: Any = copied
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copied


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    """A deployment with the hand-worked point CD-HJ-1 (registered through the CLI)."""
    home = tmp_path_factory.mktemp("points-hostile")
    url = f"sqlite:///{home / 'peakguard.db'}"
    store = open_store(Settings(database_url=url, home=home))
    point = home / "point.json"
    point.write_text(json.dumps(POINT), "utf-8")
    result = CliRunner().invoke(
        cli_app, ["--lang", "en", "supply", "point", "add", str(point)], env=_env(url, home)
    )
    assert result.exit_code == 0, result.output
    yield url, store
    store.engine.dispose()


def _env(url: str, home: Path) -> dict[str, str]:
    return {"PEAKGUARD_DATABASE_URL": url, "PEAKGUARD_HOME": str(home), "COLUMNS": "240"}


def _counts(store: Store) -> tuple[int, int, int]:
    with transaction(store.sessions) as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in (ConsolidationPointRow, ConsolidationScheduleRow, AuditEntryRow)
        )


def _refused(database: tuple[str, Store], tmp_path: Path, *arguments: str) -> str:
    url, store = database
    before = _counts(store)
    result = CliRunner().invoke(cli_app, ["--lang", "en", *arguments], env=_env(url, tmp_path))
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Traceback" not in result.output
    assert _counts(store) == before, "a refused file stored something"
    return result.output


@pytest.mark.parametrize(("field", "path", "value"), POINT_CASES)
def test_a_hostile_point_file_is_refused_at_its_field(
    database: tuple[str, Store], tmp_path: Path, field: str, path: tuple[Any, ...], value: Any
) -> None:
    """``supply point add`` of a point with one hostile value: exit 2, the field named."""
    document = mutated({**POINT, "code": "HOSTILE-1"}, path, value)
    file = tmp_path / "point.json"
    file.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    output = _refused(database, tmp_path, "supply", "point", "add", str(file))
    assert field in output


@pytest.mark.parametrize(("field", "path", "value"), SCHEDULE_CASES)
def test_a_hostile_schedule_file_is_refused_at_its_field(
    database: tuple[str, Store], tmp_path: Path, field: str, path: tuple[Any, ...], value: Any
) -> None:
    """``supply point schedule`` of orders with one hostile value: exit 2, the field named,
    no schedule kept (a year-9999 need date used to be stored, then crash the printing)."""
    file = tmp_path / "orders.json"
    file.write_text(json.dumps(mutated(ORDERS, path, value)), "utf-8")
    output = _refused(database, tmp_path, "supply", "point", "schedule", "CD-HJ-1", str(file))
    assert field in output


def test_a_file_nested_past_the_limit_or_not_utf8_is_refused(
    database: tuple[str, Store], tmp_path: Path
) -> None:
    """A point file nested 100,000 deep, and one in UTF-16: refused, located, nothing kept."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, "utf-8")
    assert "nested" in _refused(database, tmp_path, "supply", "point", "add", str(deep))
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes(json.dumps(POINT).encode("utf-16"))
    assert "UTF-8" in _refused(database, tmp_path, "supply", "point", "add", str(utf16))
