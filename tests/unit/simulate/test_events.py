"""Parcel-level scan events give back the run's own truth."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from peakguard.simulate.events import ScanEvent, expand_events

from .conftest import chain, run_chain


def test_every_parcel_has_its_scans_in_order() -> None:
    """1,500 parcels through outlet → 2 hubs → station: each has accept, sort and depart at
    the outlet, arrive/sort/depart at each hub, then out-for-delivery and deliver, in time order;
    and deliver − accept is the run's own delivery time, parcel for parcel on average."""
    run = run_chain(chain([100, 80]), [150.0] * 10, hours=60)
    events = expand_events(run)
    parcels = np.unique(events.parcel)
    assert len(parcels) == 1500
    kinds = Counter(events.event.tolist())
    assert kinds[ScanEvent.accept] == kinds[ScanEvent.deliver] == 1500
    assert kinds[ScanEvent.arrive] == 3 * 1500  # two hubs and the station
    assert kinds[ScanEvent.depart] == 3 * 1500
    accept = events.hour[events.event == ScanEvent.accept]
    deliver = events.hour[events.event == ScanEvent.deliver]
    order = np.argsort(events.parcel[events.event == ScanEvent.accept])
    back = np.argsort(events.parcel[events.event == ScanEvent.deliver])
    ages = deliver[back] - accept[order]
    assert ages.mean() == pytest.approx(run.delivered_hours.sum() / run.delivered.sum())
    # Within each parcel, times never go backwards.
    for parcel in parcels[:50].tolist():
        hours = events.hour[events.parcel == parcel]
        assert (np.diff(hours) >= 0).all()


def test_a_sample_keeps_the_on_time_rate_close() -> None:
    """A 20 % sample of the parcels has the run's on-time rate within sampling error (a slow
    hub makes about half the parcels miss the 24 h same-city limit)."""
    run = run_chain(chain([30]), [150.0] * 10, hours=80)
    true_rate = run.delivered_on_time.sum() / run.delivered.sum()
    assert 0.2 < true_rate < 0.8
    limits = run.plan.cohort_time_limit
    events = expand_events(run, rate=0.2, seed=3)
    accept = events.event == ScanEvent.accept
    deliver = events.event == ScanEvent.deliver
    assert accept.sum() == pytest.approx(300, abs=5)
    age = (
        events.hour[deliver][np.argsort(events.parcel[deliver])]
        - events.hour[accept][np.argsort(events.parcel[accept])]
    )
    cohort = events.cohort[accept][np.argsort(events.parcel[accept])]
    on_time = (age <= limits[cohort]).mean()
    assert on_time == pytest.approx(true_rate, abs=0.05)
