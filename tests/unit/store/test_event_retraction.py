"""Retractions withdraw stored events by a record, never by deleting them: every reader leaves
the retracted events out, the record says who, when, why and which, and an event sent again
after its retraction is stored again as the correction (issue #13)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from peakguard.analytics import duckdb_engine
from peakguard.formats.scan_event_document import read_events
from peakguard.store.event_files import LAKE_KEY, event_paths
from peakguard.store.event_lake import ingest, read_stored_events
from peakguard.store.event_retraction import retract, retractions
from tests.unit.ingest.conftest import EXAMPLE

EVENTS = read_events(EXAMPLE)


def engine_count(lake: Path) -> int:
    """Events the KPI engine (DuckDB, reading the lake in place) sees."""
    engine = duckdb_engine(lake)
    return int(
        engine.compute(engine.events.aggregate(n=engine.events.count())).column("n")[0].as_py()
    )


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """lake: the documented example stored once (16 events, ZTO and SF)."""
    folder = tmp_path / "lake"
    ingest(folder, EVENTS, source="scan-events.csv")
    return folder


def test_a_retracted_event_is_left_out_by_every_reader_and_kept_on_disk(lake: Path) -> None:
    """One event retracted: the lake's reader and the KPI engine see 15, the files still hold
    16, and the record names the actor, the reason and the event."""
    files = sorted(event_paths(lake))
    done = retract(lake, actor="ops@zto", reason="scanned twice", keys=EVENTS.slice(2, 1))
    assert (done.retracted, done.missing, done.already_retracted) == (1, [], [])
    assert read_stored_events(lake).num_rows == 15
    assert read_stored_events(lake, include_retracted=True).num_rows == 16
    assert engine_count(lake) == 15
    assert sorted(event_paths(lake)) == files  # nothing rewritten, nothing deleted
    [recorded] = retractions(lake)
    assert (recorded.actor, recorded.reason, recorded.retracted) == ("ops@zto", "scanned twice", 1)
    remaining = read_stored_events(lake, columns=list(LAKE_KEY)).to_pylist()
    assert EVENTS.select(list(LAKE_KEY)).slice(2, 1).to_pylist()[0] not in remaining


def test_a_retracted_event_sent_again_is_stored_again(lake: Path) -> None:
    """The correction: retract, then send again; the new copy is stored and read, the old one
    stays retracted."""
    retract(lake, actor="ops@zto", reason="wrong node", keys=EVENTS.slice(0, 3))
    again = ingest(lake, EVENTS)
    assert (again.stored, again.already_stored) == (3, 13)
    assert read_stored_events(lake).num_rows == 16
    assert read_stored_events(lake, include_retracted=True).num_rows == 19
    assert engine_count(lake) == 16
    assert ingest(lake, EVENTS).already_stored == 16


def test_retraction_by_batch(lake: Path, tmp_path: Path) -> None:
    """A whole batch retracted, then re-sent: every event back once."""
    batch = ingest(lake, EVENTS.slice(0, 0)).batch  # an empty batch has no events
    assert retract(lake, actor="a", reason="r", batch=batch).found == 0
    first = event_paths(lake)[0].name.removeprefix("part-").removesuffix(".parquet")
    done = retract(lake, actor="a", reason="bad feed", batch=first)
    assert done.retracted == 16 and done.batches == [first]
    assert read_stored_events(lake).num_rows == engine_count(lake) == 0
    assert ingest(lake, EVENTS).stored == 16


def test_a_missing_key_retracts_nothing_and_a_repeat_changes_nothing(lake: Path) -> None:
    """A key matching no stored event is named and nothing is written; retracting what is
    already retracted writes nothing and says so."""
    keys = EVENTS.slice(0, 2)
    unknown = keys.set_column(
        keys.schema.get_field_index("waybill"), "waybill", pa.array(["NOPE", keys["waybill"][1]])
    )
    refused = retract(lake, actor="a", reason="r", keys=unknown)
    assert (refused.retracted, refused.missing) == (0, [0])
    assert retractions(lake) == [] and read_stored_events(lake).num_rows == 16
    retract(lake, actor="a", reason="r", keys=keys)
    repeat = retract(lake, actor="a", reason="r", keys=keys)
    assert (repeat.retracted, repeat.already_retracted, repeat.missing) == (0, [0, 1], [])
    assert len(retractions(lake)) == 1


def test_within_limits_what_a_caller_retracts(lake: Path) -> None:
    """A batch retracted by a caller who may reach only SF withdraws SF's events alone."""
    first = event_paths(lake)[0].name.removeprefix("part-").removesuffix(".parquet")
    done = retract(
        lake,
        actor="sf",
        reason="r",
        batch=first,
        within=lambda rows: pc.equal(rows["carrier"], "SF"),
    )
    assert done.retracted == pc.sum(pc.equal(EVENTS["carrier"], "SF")).as_py()
    assert set(read_stored_events(lake).column("carrier").to_pylist()) == {"ZTO"}


def test_the_documented_query_leaves_retracted_events_out(lake: Path) -> None:
    """The DuckDB query in scan-events.md that reads the lake in place without the retracted
    events counts 16 − 3 after three are retracted."""
    retract(lake, actor="a", reason="r", keys=EVENTS.slice(0, 3))
    text = (EXAMPLE.parents[1] / "reference" / "scan-events.md").read_text("utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    query = next(block for block in blocks if "retractions" in block)
    rows = duckdb.sql(query.replace("<lake>", str(lake))).fetchall()
    assert sum(count for _day, _carrier, count in rows) == 13
