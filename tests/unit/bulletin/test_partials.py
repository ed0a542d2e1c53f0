"""The bulletin from the lake's partial aggregates equals the bulletin from the raw events,
whatever batches the events came in and in whatever order (issue #21, part 4).

The events are made by hand (a fixed seed picks among trail shapes written out below: a
second hub, a revisited node, a lost arrival, exceptions of each reason, returns, X-ray at the
outlet or at a hub, an acceptance sent days after the parcel's other scans); Hypothesis splits
them into batches and shuffles the batches; each batch is ingested into a fresh lake, which
keeps its partials current at every ingest; the bulletin read from the partials must then
equal, figure by figure, the bulletin computed from all the events at once by the raw-event
KPI functions.
"""

from __future__ import annotations

import itertools
import math
import random
import tempfile
from dataclasses import fields, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peakguard.analytics import KpiSettings
from peakguard.analytics.partials_lake import read_manifest
from peakguard.bulletin import assemble_bulletin, day_period
from peakguard.store.event_lake import ingest
from peakguard.store.event_partials import rebuild_partials
from peakguard.store.event_retraction import retract
from tests.unit.analytics.conftest import CHENGDU, CHENGDU_2, MIANYANG, XIAN, at, events, scan

CUTOFF = KpiSettings(cutoff=at(95))
DAYS = (date(2026, 11, 12), date(2026, 11, 13))
LANES = pa.table(
    {
        "node_id": ["OA", "HA", "OB"],
        "next_node_id": ["HA", "SA", "HB"],
        "transit_hours": [2.0, 30.0, 1.0],
    }
)


def _parcel(rng: random.Random, number: int) -> list[dict[str, Any]]:
    """One parcel's scans, all at or before hour 87 (so the as-of of both days' previous
    periods, hour 88 at the earliest, is after every event)."""
    carrier = rng.choice("AB")
    waybill = f"{carrier}{number:04d}"
    origin, destination = rng.choice(
        [(CHENGDU, CHENGDU_2), (CHENGDU, MIANYANG), (MIANYANG, XIAN), (CHENGDU, XIAN)]
    )
    common: dict[str, Any] = {"carrier": carrier, "origin": origin, "destination": destination}
    outlet, hub, hub2, station = (f"O{carrier}", f"H{carrier}", f"H{carrier}2", f"S{carrier}")
    accepted = rng.uniform(0, 60)
    flags = (rng.random() < 0.9, rng.random() < 0.9, rng.random() < 0.7)
    rows = [scan(waybill, "accept", outlet, accepted, flags=flags, **common)]
    clock = accepted
    route = [outlet, hub, *([hub2] if rng.random() < 0.4 else []), station]
    for here, there in itertools.pairwise(route):
        clock += rng.uniform(0.5, 6)
        rows.append(scan(waybill, "depart", here, clock, next_node=there, **common))
        clock += rng.uniform(0.5, 8)
        if rng.random() < 0.08:  # the arrival never scanned: a missing handover
            continue
        arrival = scan(waybill, "arrive", there, clock, **common)
        if there.startswith("H") and rng.random() < 0.5:
            arrival["x_rayed"] = True  # screened at the hub
        rows.append(arrival)
        if rng.random() < 0.1:  # sorted twice at the hub, then a second departure
            rows.append(scan(waybill, "sort", there, clock + 0.2, **common))
    shape = rng.random()
    clock = min(clock, 85.0)
    if shape < 0.6:
        rows.append(scan(waybill, "out_for_delivery", station, clock + 0.5, **common))
        rows.append(scan(waybill, "deliver", station, min(clock + 1.5, 87.0), **common))
    elif shape < 0.7:
        rows.append(scan(waybill, "return", station, clock + 0.3, **common))
    elif shape < 0.85:
        reason = rng.choice(["damage", "loss", "locker_without_consent", "refused"])
        rows.append(scan(waybill, "exception", station, clock + 0.4, reason=reason, **common))
    return [row for row in rows if row["time"] <= at(87)]


def hand_made_events() -> pa.Table:
    rng = random.Random(21)
    rows = [row for number in range(60) for row in _parcel(rng, number)]
    return events(rows)


EVENTS = hand_made_events()


def _close(left: Any, right: Any, where: str = "bulletin") -> None:
    """Field by field: floats to 1e-9 relative, everything else exactly."""
    if is_dataclass(left) and not isinstance(left, type):
        for item in fields(left):
            if item.name in {"figures_from", "partials_unusable"}:
                continue
            _close(getattr(left, item.name), getattr(right, item.name), f"{where}.{item.name}")
    elif isinstance(left, tuple | list):
        assert len(left) == len(right), where
        for index, (one, other) in enumerate(zip(left, right, strict=True)):
            _close(one, other, f"{where}[{index}]")
    elif isinstance(left, float) and isinstance(right, float):
        assert math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12), (where, left, right)
    else:
        assert left == right, (where, left, right)


def _raw(day: date) -> Any:
    return assemble_bulletin(EVENTS, day_period(day), settings=CUTOFF, lanes=LANES)


RAW = {day: _raw(day) for day in DAYS}


def _ingest_in(lake: Path, batches: list[pa.Table]) -> None:
    for batch in batches:
        ingest(lake, batch, source="test")


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(order=st.permutations(range(EVENTS.num_rows)), cuts=st.sets(st.integers(1, 300), max_size=3))
def test_partials_equal_the_raw_events_after_any_order_of_batches(
    order: list[int], cuts: set[int]
) -> None:
    """Events shuffled (so a parcel's acceptance can come in a later batch than its delivery),
    cut into up to four batches, ingested in that order: every figure of both days' bulletins
    from the partials equals the raw computation."""
    bounds = [0, *sorted(cut for cut in cuts if cut < len(order)), len(order)]
    shuffled = EVENTS.take(pa.array(order))
    batches = [shuffled.slice(start, end - start) for start, end in itertools.pairwise(bounds)]
    with tempfile.TemporaryDirectory() as folder:
        lake = Path(folder)
        _ingest_in(lake, batches)
        for day in DAYS:
            bulletin = assemble_bulletin(lake, day_period(day), settings=CUTOFF, lanes=LANES)
            assert bulletin.figures_from == "partials"
            _close(bulletin, RAW[day])


def test_the_hand_made_events_exercise_every_figure() -> None:
    """The comparison above means something: the raw bulletins have delivered, late, lost
    and returned parcels, unmatched handovers, backlogs and hub screening."""
    bulletin = RAW[DAYS[1]]
    every = bulletin.headline("all")
    assert every.figure("accepted").current > 10
    assert 0 < every.figure("rate_48h").current < 1
    assert 0 < RAW[DAYS[0]].headline("all").figure("rate_72h").current < 1
    assert every.figure("information_loss_rate").current > 0
    assert bulletin.busiest_nodes and bulletin.slowest_nodes and bulletin.unmatched_nodes
    assert any(figure.current for figure in every.figures if "per_million" in figure.metric)


def test_an_event_after_the_as_of_sends_the_bulletin_to_the_raw_events(tmp_path: Path) -> None:
    """With the as-of before the latest stored event the partials would count that event: the
    bulletin is computed from the raw events, says so, and still equals the raw one."""
    ingest(tmp_path, EVENTS, source="test")
    early = KpiSettings(cutoff=at(70))
    bulletin = assemble_bulletin(tmp_path, day_period(DAYS[1]), settings=early, lanes=LANES)
    assert (bulletin.figures_from, bulletin.partials_unusable) == ("events", "unsettled")
    raw = assemble_bulletin(EVENTS, day_period(DAYS[1]), settings=early, lanes=LANES)
    _close(bulletin, raw)


def test_a_lake_without_current_partials_is_read_raw_until_rebuilt(tmp_path: Path) -> None:
    """A manifest missing a stored batch (a batch killed between its event files and its
    partials) is stale: the raw events answer; a rebuild makes the partials answer again."""
    ingest(tmp_path, EVENTS, source="test")
    manifest = tmp_path / "partials" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"batches": [', '"batches": ["x", '))
    stale = assemble_bulletin(tmp_path, day_period(DAYS[1]), settings=CUTOFF, lanes=LANES)
    assert (stale.figures_from, stale.partials_unusable) == ("events", "stale")
    rebuild_partials(tmp_path)
    assert read_manifest(tmp_path) is not None
    fresh = assemble_bulletin(tmp_path, day_period(DAYS[1]), settings=CUTOFF, lanes=LANES)
    assert fresh.figures_from == "partials"
    _close(fresh, RAW[DAYS[1]])


@pytest.mark.parametrize("day", DAYS)
def test_one_batch_gives_the_raw_bulletin(tmp_path: Path, day: date) -> None:
    ingest(tmp_path, EVENTS, source="test")
    bulletin = assemble_bulletin(tmp_path, day_period(day), settings=CUTOFF, lanes=LANES)
    assert bulletin.figures_from == "partials"
    _close(bulletin, RAW[day])


def test_a_retraction_is_reflected_after_the_next_ingest(tmp_path: Path) -> None:
    """Retracted events leave the partials stale (a minimum cannot be un-merged): the bulletin
    reads the raw events, without the retracted ones; the next ingest, even of nothing,
    rebuilds the partials from the live events and they answer again, with the same figures."""
    first = ingest(tmp_path, EVENTS, source="test")
    accepted = {  # parcels of the first bulletin day (China time) past their 72 h at the as-of
        row["waybill"]
        for row in EVENTS.to_pylist()
        if row["event"] == "accept" and at(16) <= row["time"] < at(22)
    }
    delivers = EVENTS.filter(pc.equal(EVENTS.column("event"), "deliver"))
    mask = pc.is_in(delivers.column("waybill"), value_set=pa.array(sorted(accepted)))
    delivered = delivers.filter(mask).slice(0, 5)
    keys = delivered.select(["carrier", "waybill", "event", "node_id", "time"])
    done = retract(tmp_path, actor="test", reason="wrong station", keys=keys)
    assert done.retracted == 5 and done.batches == [first.batch]
    live = pa.Table.from_pylist(
        [row for row in EVENTS.to_pylist() if row not in delivered.to_pylist()],
        schema=EVENTS.schema,
    )
    expected = assemble_bulletin(live, day_period(DAYS[0]), settings=CUTOFF, lanes=LANES)
    stale = assemble_bulletin(tmp_path, day_period(DAYS[0]), settings=CUTOFF, lanes=LANES)
    assert (stale.figures_from, stale.partials_unusable) == ("events", "stale")
    _close(stale, expected)
    ingest(tmp_path, EVENTS.slice(0, 0), source="nothing")
    fresh = assemble_bulletin(tmp_path, day_period(DAYS[0]), settings=CUTOFF, lanes=LANES)
    assert fresh.figures_from == "partials"
    _close(fresh, expected)
    before = RAW[DAYS[0]].headline("all")
    due = before.figure("due_72h").current
    assert fresh.headline("all").figure("due_72h").current == due
    rate = fresh.headline("all").figure("rate_72h").current
    assert rate == pytest.approx(before.figure("rate_72h").current - 5 / due)
