"""A lake's first batch builds its partials from the batch alone (one merge into empty
partials), and they are the very rows the general rebuild from the stored events makes."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peakguard.analytics.partials_lake import (
    KINDS,
    Manifest,
    kind_paths,
    partials_directory,
    read_manifest,
)
from peakguard.store import event_partials
from peakguard.store.event_lake import ingest
from peakguard.store.event_partials import rebuild_partials
from tests.unit.analytics.conftest import CHENGDU, MIANYANG, XIAN, events, scan, trail


def _batch() -> pa.Table:
    """Parcels of two carriers over three China days: delivered, returned, an exception, one
    never arrived, a hub visited twice, and an event sent twice (stored once)."""
    rows = [
        *trail("A1", [("OA", 1, 2), ("HA", 5, 9), ("SA", 20, None)], delivered=30, carrier="A"),
        *trail("A2", [("OA", 15, 16), ("HA", 19, 40), ("SA", 50, None)], carrier="A"),
        *trail(
            "B1",
            [("OB", 10, 12), ("HB", 14, 15), ("HB2", 20, 22), ("SB", 30, None)],
            delivered=55,
            carrier="B",
            origin=MIANYANG,
            destination=XIAN,
        ),
        *trail("B2", [("OB", 22, 23), ("HB", 26, None)], carrier="B", origin=XIAN),
        scan("B2", "depart", "HB", 60, next_node="SB", carrier="B", origin=XIAN),
        scan("A2", "return", "SA", 52, carrier="A"),
        scan("A3", "accept", "OA", 40, carrier="A", origin=CHENGDU, flags=(True, False, None)),
        scan("A3", "exception", "OA", 44, reason="damage", carrier="A"),
    ]
    return events([*rows, rows[0]])


def _partials(lake: Path) -> dict[str, pa.Table]:
    """Every partial row of the lake by kind (and the node tables), in one order."""
    manifest = read_manifest(lake)
    assert manifest is not None
    root = partials_directory(lake)
    tables = {
        kind: pa.concat_tables(pq.read_table(path) for path in kind_paths(lake, manifest, kind))
        for kind in KINDS
    }
    tables["nodes"] = pq.read_table(root / str(manifest.nodes))
    tables["node_hours"] = pq.read_table(root / str(manifest.node_hours))
    return {
        kind: table.sort_by([(name, "ascending") for name in table.column_names])
        for kind, table in tables.items()
    }


def _assert_the_rebuild_gives(lake: Path, manifest: Manifest, rows: dict[str, pa.Table]) -> None:
    """The partials rebuilt from every stored event: ``manifest``'s batches, days and latest
    event, and ``rows`` row for row."""
    rebuild_partials(lake)
    rebuilt = read_manifest(lake)
    assert rebuilt is not None
    assert (rebuilt.batches, rebuilt.days, rebuilt.latest_event) == (
        manifest.batches,
        manifest.days,
        manifest.latest_event,
    )
    for kind, table in _partials(lake).items():
        assert rows[kind].equals(table), kind


@pytest.mark.parametrize("pass_events", [1_000_000, 7, 3])
def test_the_first_batch_builds_the_rows_the_rebuild_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pass_events: int
) -> None:
    """In one pass, or a few buckets at a time (a big batch is merged in passes of about
    ``pass_events`` events each, one DuckDB connection a pass): the same rows."""

    def no_rebuild(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the first batch went through the general rebuild")

    monkeypatch.setattr(event_partials, "BATCH_PASS_EVENTS", pass_events)
    with monkeypatch.context() as patch:
        patch.setattr(event_partials, "rebuild_partials", no_rebuild)
        report = ingest(tmp_path, _batch(), source="test")
    assert report.stored == _batch().num_rows - 1
    first = read_manifest(tmp_path)
    assert first is not None
    assert first.batches == {report.batch}
    from_batch = _partials(tmp_path)
    assert from_batch["parcels"].num_rows == 5

    _assert_the_rebuild_gives(tmp_path, first, from_batch)


def test_a_first_batch_after_a_retraction_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retraction recorded before any event may concern the batch's events: the batch's rows
    are then not the lake's live events, so the general rebuild (which leaves them out) runs."""
    (tmp_path / "retractions").mkdir(parents=True)
    pq.write_table(pa.table({"waybill": ["A1"]}), tmp_path / "retractions" / "r1.parquet")
    called: list[Path] = []
    monkeypatch.setattr(event_partials, "rebuild_partials", called.append)
    ingest(tmp_path, _batch(), source="test")
    assert called == [tmp_path]


def test_a_later_batch_merged_in_passes_gives_the_rows_the_rebuild_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second batch (late scans of stored parcels and new parcels) merged a few buckets at a
    time into the stored partials: the rows a rebuild from every stored event makes."""
    batch = _batch()
    ingest(tmp_path, batch.slice(0, 12), source="first")
    monkeypatch.setattr(event_partials, "BATCH_PASS_EVENTS", 4)
    second = ingest(tmp_path, batch.slice(12), source="second")
    assert second.stored > 8  # several passes
    merged_manifest = read_manifest(tmp_path)
    assert merged_manifest is not None
    merged = _partials(tmp_path)
    _assert_the_rebuild_gives(tmp_path, merged_manifest, merged)
