"""Tracing a sample of cohorts: the run is unchanged and the trace is exactly the full trace's
rows of the chosen cohorts (what the demo uses to produce scan events of a whole season)."""

from __future__ import annotations

import numpy as np

from peakguard.simulate.engine import simulate_plan
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
