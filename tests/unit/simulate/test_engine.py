"""The engine against cases worked out by hand, conservation, and Little's law."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.simulate.engine import conservation_gap
from peakguard.simulate.plan import StoragePolicy

from .conftest import chain, run_chain


def test_backlog_peak_and_clearing_hour_by_hand() -> None:
    """150 parcels an hour for 10 hours into a hub sorting 100 an hour.

    Accepted at the outlet in hour h, sorted there in h, leaving at h+1, the parcels reach the
    hub in hour h+2: it receives 150 in hours 2..11. It sorts 100 a hour, so its queue grows by
    50 a hour: 50·(k−1) at the end of hour k; the 100 sorted in hour k wait for the hour k+1
    departure, so the backlog is 50·(k−1) + 100, peaking at 600 at the end of hour 11. The queue
    of 500 then clears at 100 a hour, empty at the end of hour 16; the last 100 leave in hour 17.
    """
    run = run_chain(chain([100]), [150.0] * 10, hours=30)
    hub = run.backlog[1]
    assert hub[:2].tolist() == [0, 0]
    assert hub[2:12] == pytest.approx([50 * (k - 1) + 100 for k in range(2, 12)])
    assert hub.max() == pytest.approx(600) and int(hub.argmax()) == 11
    assert hub[12:17] == pytest.approx([500, 400, 300, 200, 100])
    assert hub[17:].max() == pytest.approx(0)
    assert run.queued[1, 16] == pytest.approx(0) and run.queued[1, 15] == pytest.approx(100)
    assert run.processed[1].max() == pytest.approx(100)
    # The first cohort: 100 sorted at the hub in hour 2, 50 in hour 3; delivered at the
    # station at the end of hours 4 and 5: ages 5 and 6 hours → mean 16/3.
    assert run.delivered_hours[0] / run.delivered[0] == pytest.approx(16 / 3)
    assert run.delivered.sum() == pytest.approx(1500)


def test_a_full_hub_blocks_its_senders() -> None:
    """With storage for 300 and the block policy the hub never holds more than 300; the
    rest waits at the outlet, and everything is delivered in the end."""
    run = run_chain(chain([100], storage=[300]), [150.0] * 10, hours=40)
    assert run.backlog[1].max() <= 300 + 1e-6
    assert run.backlog[0].max() > 0  # the outlet holds what the hub refused
    assert run.blocked[1].sum() > 0
    assert run.delivered.sum() == pytest.approx(1500)


def test_overflow_policy_takes_parcels_in_beyond_storage() -> None:
    """With the overflow policy the hub takes everything: its overflow is backlog − 300."""
    run = run_chain(
        chain([100], storage=[300]), [150.0] * 10, hours=40, policy=StoragePolicy.overflow
    )
    assert run.backlog[1].max() == pytest.approx(600)
    assert run.overflow()[1].max() == pytest.approx(300)
    assert run.blocked.sum() == 0


def test_a_closed_hub_neither_receives_nor_sorts() -> None:
    """Closed in hours 3–8: nothing is sorted or received there; parcels wait upstream."""
    run = run_chain(chain([1000]), [100.0] * 6, hours=30, closed={"H1": range(3, 9)})
    assert run.processed[1, 3:9].sum() == 0
    assert run.arrived[1, 4:9].sum() == 0
    assert run.backlog[0, 5] > 0
    assert run.delivered.sum() == pytest.approx(600)


@settings(max_examples=60, deadline=None)
@given(
    capacities=st.lists(st.integers(1, 400), min_size=1, max_size=4),
    storage=st.integers(50, 2000),
    lane_capacity=st.integers(1, 600),
    arrivals=st.lists(st.floats(0, 500), min_size=1, max_size=30),
    policy=st.sampled_from(list(StoragePolicy)),
)
def test_parcels_are_conserved(
    capacities: list[int],
    storage: int,
    lane_capacity: int,
    arrivals: list[float],
    policy: StoragePolicy,
) -> None:
    """Whatever the capacities and demand, at every hour: accepted so far = delivered so far
    + at the nodes + on lanes; no backlog is negative; no node sorts beyond its capacity."""
    network = chain(capacities, storage=[storage] * len(capacities), lane_capacity=lane_capacity)
    hours = 60
    run = run_chain(network, arrivals, hours=hours, policy=policy, trace=False)
    accepted = np.cumsum(np.pad(np.asarray(arrivals), (0, hours - len(arrivals))))
    present = run.backlog.sum(axis=0) + run.in_transit + np.cumsum(run.delivered_per_hour)
    assert present == pytest.approx(accepted, abs=1e-6 * max(1.0, accepted[-1]))
    assert abs(conservation_gap(run)) <= 1e-6 * max(1.0, accepted[-1])
    assert run.backlog.min() >= -1e-9
    assert (run.processed <= run.plan.sorting_capacity + 1e-6).all()
    if policy is StoragePolicy.block:
        hubs = run.backlog[1:-1]
        assert (hubs <= storage + 1e-6).all()


def test_littles_law_on_the_run_itself() -> None:
    """For every node, the backlog summed over the hours (parcel-hours held) equals the sum
    over the traced fractions of parcels × hours spent there: L = λ·W on the run's output."""
    network = chain([120, 90])
    run = run_chain(network, [150.0, 40.0, 200.0, 0.0, 130.0] * 3, hours=60)
    assert run.backlog[:, -1].sum() == pytest.approx(0)
    trace = run.trace
    assert trace is not None
    leave = np.where(trace.departed_hour >= 0, trace.departed_hour, trace.sorted_hour)
    held = np.zeros(len(network.nodes))
    np.add.at(held, trace.node, trace.parcels * (leave - trace.arrived_hour))
    assert held == pytest.approx(run.backlog.sum(axis=1))
    # λ and W per node: arrivals per hour and mean time held.
    for node in range(len(network.nodes)):
        mine = trace.node == node
        arrivals = trace.parcels[mine].sum()
        mean_wait = (trace.parcels[mine] * (leave[mine] - trace.arrived_hour[mine])).sum() / (
            arrivals
        )
        assert run.backlog[node].mean() == pytest.approx(arrivals / 60 * mean_wait)
