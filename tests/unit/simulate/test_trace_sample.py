"""Tracing a sample of cohorts: the run is unchanged and the trace is exactly the full trace's
rows of the chosen cohorts (what the demo uses to produce scan events of a whole season)."""

from __future__ import annotations

import numpy as np

from peakguard.simulate.engine import simulate_plan
from peakguard.simulate.events import ScanEvent, expand_events
from tests.unit.simulate.conftest import chain, run_chain


def _rows(trace, keep=None):  # type: ignore[no-untyped-def]
    columns = np.column_stack(
        [trace.cohort, trace.node, trace.arrived_hour, trace.sorted_hour, trace.departed_hour]
    )
    parcels = trace.parcels
    if keep is not None:
        mask = keep[trace.cohort]
        columns, parcels = columns[mask], parcels[mask]
    order = np.lexsort(columns.T[::-1])
    return columns[order], parcels[order]


def test_a_cohort_sample_traces_exactly_the_chosen_cohorts_and_changes_nothing_else() -> None:
    """A congested chain (hub sorting 300 an hour, 500 arriving an hour for 10 hours) traced
    whole and traced for every other cohort: node figures equal, and the sampled trace equals
    the full trace's rows of those cohorts, row for row."""
    network = chain([300, 400], storage=[800, 10**9])
    full = run_chain(network, [500.0] * 10, hours=48)
    chosen = np.arange(len(full.plan.cohort_parcels)) % 2 == 0
    sampled = simulate_plan(full.plan, trace_cohorts=chosen)
    assert np.array_equal(full.backlog, sampled.backlog)
    assert np.array_equal(full.delivered, sampled.delivered)
    assert full.trace is not None and sampled.trace is not None
    expected_rows, expected_parcels = _rows(full.trace, chosen)
    rows, parcels = _rows(sampled.trace)
    assert len(rows) > 0 and np.array_equal(rows, expected_rows)
    assert np.allclose(parcels, expected_parcels)
    assert set(sampled.trace.cohort.tolist()) == set(np.flatnonzero(chosen).tolist())


def test_parcels_still_at_a_node_when_the_run_ends_have_their_arrival_scan() -> None:
    """A run cut short (hub H1 sorting 100 an hour, 300 arriving an hour for 10 hours, 24
    hours run): the parcels still at a node at the end have arrived there — their last scan is
    that node's arrive (or sort), never a depart toward it without an arrival — and they
    number the simulator's own backlog at the last hour."""
    network = chain([100, 10**6])
    run = run_chain(network, [300.0] * 10, hours=24)
    events = expand_events(run)
    last = np.r_[np.flatnonzero(np.diff(events.parcel)), len(events.parcel) - 1]
    ended_at_node = np.isin(
        events.event[last], [ScanEvent.arrive, ScanEvent.sort, ScanEvent.accept]
    )
    assert ended_at_node.sum() == round(float(run.backlog[:, -1].sum()))
    assert ended_at_node.sum() > 500
    stuck = events.node[last][ended_at_node]
    hub = [node.id for node in network.nodes].index("H1")
    assert (stuck == hub).mean() >= 0.9  # the rest reached H2 in the last hour
