"""The engine against Ciw, a discrete-event queueing-network library, on a two-hub tandem.

Both see 150 parcels an hour for 10 hours arriving at hub 1 (sorting 100 an hour), which
feeds hub 2 (sorting 80 an hour). Ciw simulates every parcel with deterministic inter-arrival
and service times and no transit; the engine moves fluid cohorts in hourly steps with a
one-hour lane between the hubs. Mean throughput and the time-average number waiting to be
sorted at each hub must agree within 2 % (measured: 0.2 %); the lane only shifts hub 2's
episode in time, which the 40-hour average does not see.
"""

from __future__ import annotations

import ciw
import pytest

from .conftest import chain, run_chain

HOURS = 40
TOLERANCE = 0.02


class _Burst(ciw.dists.Distribution):  # type: ignore[misc]
    """Deterministic arrivals every ``gap`` hours until ``until``, then none."""

    def __init__(self, gap: float, until: float) -> None:
        super().__init__()
        self.gap = gap
        self.until = until

    def sample(self, t: float = 0.0, ind: object = None) -> float:
        return self.gap if t + self.gap < self.until - 1e-9 else float("inf")


def _ciw_tandem() -> dict[int, tuple[float, float]]:
    network = ciw.create_network(
        arrival_distributions=[_Burst(1 / 150, 10.0 + 1 / 150), None],
        service_distributions=[
            ciw.dists.Deterministic(value=1 / 100),
            ciw.dists.Deterministic(value=1 / 80),
        ],
        routing=[[0.0, 1.0], [0.0, 0.0]],
        number_of_servers=[1, 1],
    )
    ciw.seed(0)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(HOURS)
    records = simulation.get_all_records()
    results = {}
    for node in (1, 2):
        mine = [record for record in records if record.node == node]
        held = sum(record.exit_date - record.arrival_date for record in mine)
        results[node] = (len(mine) / HOURS, held / HOURS)
    return results


def test_throughput_and_backlog_agree_with_ciw() -> None:
    """Per hub: parcels sorted per hour and mean number waiting, within 2 % of Ciw."""
    reference = _ciw_tandem()
    run = run_chain(chain([100, 80]), [150.0] * 10, hours=HOURS, trace=False)
    for node in (1, 2):
        throughput, mean_held = reference[node]
        assert run.processed[node].sum() / HOURS == pytest.approx(throughput, rel=TOLERANCE)
        assert run.queued[node].mean() == pytest.approx(mean_held, rel=TOLERANCE)
