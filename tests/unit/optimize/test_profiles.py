"""Free-flow load profiles against the engine's rules worked out by hand, and linearity."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from peakguard.domain.network import Network
from peakguard.domain.routing import derive_routing
from peakguard.optimize.loads import origin_mixes
from peakguard.optimize.profiles import Profiles, probe_profiles, uncongested_run
from peakguard.simulate.plan import Demand

from .conftest import CARRIERS, lane, node, scenario, shift

PICKUP_HOURS = [10, 19, 22]
THIRD = 1 / 3


@pytest.fixture
def timed_chain() -> Network:
    """O → H → S where shifts and timetables, not capacity, decide the timing.

    O works 09–21; its lane to H leaves at 14:30 and 21:00 and takes 2.5 hours (3 whole
    hours); H works a night shift 22–06; its lane to S leaves at 07:00 and takes 1.5 hours
    (2); S delivers 08–18. Pickups at 10, 19 and 22 (a third each): the 22:00 round misses
    O's shift and waits overnight, so every rule of the engine shows up in the profile.
    """
    return Network(
        name="timed-chain",
        carriers=CARRIERS[:1],
        nodes=[
            node("O", "outlet", shifts=[shift(9, 21, 10**6)], daily_volume=900),
            node("H", "hub", shifts=[shift(22, 6, 500)]),
            node("S", "station", shifts=[shift(8, 18, 10**6)]),
        ],
        lanes=[
            lane("O", "H", hours=2.5, departures=["14:30", "21:00"]),
            lane("H", "S", hours=1.5, departures=["07:00"]),
        ],
    )


@pytest.fixture
def branching() -> Network:
    """O → H → {S1, S2} with S1 receiving three times S2's volume: O's mix is 3/4 to S1 and
    1/4 to S2, and H has two lanes out (every hour, one hour), S2's taking three hours."""
    return Network(
        name="branching",
        carriers=CARRIERS[:1],
        nodes=[
            node("O", "outlet", daily_volume=800),
            node("H", "hub", shifts=[shift(6, 22, 300)]),
            node("S1", "station", daily_volume=300),
            node("S2", "station", daily_volume=100, shifts=[shift(9, 17, 50)]),
        ],
        lanes=[lane("O", "H"), lane("H", "S1"), lane("H", "S2", hours=3)],
    )


def _as_dict(profiles: Profiles, kind: str) -> dict[tuple[int, int], float]:
    result: dict[tuple[int, int], float] = defaultdict(float)
    nodes = getattr(profiles, f"{kind}_node").tolist()
    offsets = getattr(profiles, f"{kind}_offset").tolist()
    values = getattr(profiles, f"{kind}_value").tolist()
    for where, offset, value in zip(nodes, offsets, values, strict=True):
        result[where, offset] += value
    return dict(result)


def _spread(node_index: int, hours: range, value: float) -> dict[tuple[int, int], float]:
    return {(node_index, hour): value for hour in hours}


def test_profiles_of_one_parcel_match_the_engine_rules_by_hand(timed_chain: Network) -> None:
    """One parcel picked up at O on day 0 is sorted and held where and when the engine's
    rules say.

    Nodes: O = 0, H = 1, S = 2; hours from 00:00 of the pickup day. A parcel is held at a
    node at the end of every hour from the one it arrives in up to, not including, the one
    its lane leaves in (departures go before the backlog is counted); on the lane it is at
    neither node; at its destination it is gone at the end of the hour it is delivered.

    - 10:00 third: joins O's queue and is sorted in hour 10; the 14:30 lane (hour 14) takes
      it, so it is at O at the end of hours 10–13; it reaches H in 14 + 3 = 17, waits for the
      night shift, sorted at 22; at H at the end of 17–30 until the 07:00 lane of day 1
      (hour 31); reaches S in 33 (09:00, S working) and is delivered in hour 33.
    - 19:00 third: sorted at O in 19, leaves on the 21:00 lane (at O at the end of 19, 20);
      reaches H in 24 (00:00, inside the night shift), sorted in 24, at H 24–30, leaves 31,
      delivered at S in 33.
    - 22:00 third: O's shift ended at 21, so it waits until 09:00 of day 1 (hour 33) to be
      sorted and leaves on the 14:30 lane of day 1 (hour 38): at O at the end of 22–37; it
      reaches H in 41, sorted at 22:00 of day 1 (46), at H 41–54, leaves on the 07:00 lane
      of day 2 (55), delivered at S in 57.
    """
    network = timed_chain
    mixes = origin_mixes(network, scenario(demand={"pickup_hours": PICKUP_HOURS}))
    assert list(mixes) == [0]
    profiles = probe_profiles(network, derive_routing(network), [mixes[0]], PICKUP_HOURS)
    assert set(profiles.sorting_origin.tolist()) == {0}
    assert set(profiles.storage_origin.tolist()) == {0}

    sorting = {
        (0, 10): THIRD, (0, 19): THIRD, (0, 33): THIRD,
        (1, 22): THIRD, (1, 24): THIRD, (1, 46): THIRD,
        (2, 33): 2 * THIRD, (2, 57): THIRD,
    }  # fmt: skip
    storage = {
        **_spread(0, range(10, 14), THIRD),
        **_spread(0, range(19, 21), THIRD),
        **_spread(0, range(22, 38), THIRD),
        **_spread(1, range(17, 24), THIRD),
        **_spread(1, range(24, 31), 2 * THIRD),
        **_spread(1, range(41, 55), THIRD),
    }
    got_sorting = _as_dict(profiles, "sorting")
    got_storage = _as_dict(profiles, "storage")
    assert got_sorting.keys() == sorting.keys()
    assert got_storage.keys() == storage.keys()
    for key, value in sorting.items():
        assert got_sorting[key] == pytest.approx(value), key
    for key, value in storage.items():
        assert got_storage[key] == pytest.approx(value), key
    # One parcel is sorted once at every node of its route.
    assert profiles.sorting_value.sum() == pytest.approx(3.0)


def test_branching_mix_follows_the_stations_volumes(branching: Network) -> None:
    """O's mix is 3/4 to S1 and 1/4 to S2, and its profile delivers exactly those shares."""
    mixes = origin_mixes(branching, scenario())
    mix = mixes[0]
    shares = dict(zip(mix.destinations.tolist(), mix.shares.tolist(), strict=True))
    assert shares == pytest.approx({2: 0.75, 3: 0.25})
    profiles = probe_profiles(branching, derive_routing(branching), [mix], [10, 13, 16, 19])
    delivered = _as_dict(profiles, "sorting")
    assert sum(v for (n, _), v in delivered.items() if n == 2) == pytest.approx(0.75)
    assert sum(v for (n, _), v in delivered.items() if n == 3) == pytest.approx(0.25)


@pytest.mark.parametrize("network_name", ["timed_chain", "branching"])
def test_profiles_times_quotas_equal_the_uncongested_engine(
    network_name: str, request: pytest.FixtureRequest
) -> None:
    """Free flow is linear: Σ_d quota_d × profile(h − 24 d) is the uncongested engine's own
    sorted and held parcels (processed and backlog), hour by hour, for quotas of 300, 0
    and 120 on days 0, 1, 2."""
    network: Network = request.getfixturevalue(network_name)
    routing = derive_routing(network)
    mix = origin_mixes(network, scenario(demand={"pickup_hours": PICKUP_HOURS}))[0]
    profiles = probe_profiles(network, routing, [mix], PICKUP_HOURS)
    quotas = {0: 300.0, 1: 0.0, 2: 120.0}
    hours = 24 * 6

    origins, destinations, when, parcels = [], [], [], []
    for quota_day, quota in quotas.items():
        for hour in PICKUP_HOURS:
            for destination, share in zip(
                mix.destinations.tolist(), mix.shares.tolist(), strict=True
            ):
                origins.append(mix.origin)
                destinations.append(destination)
                when.append(24 * quota_day + hour)
                parcels.append(quota * share / len(PICKUP_HOURS))
    demand = Demand(
        np.array(origins, dtype=np.int64),
        np.array(destinations, dtype=np.int64),
        np.array(when, dtype=np.int64),
        np.array(parcels, dtype=float),
    )
    run = uncongested_run(network, routing, demand, hours=hours, trace=False)

    expected_processed = np.zeros((len(network.nodes), hours))
    expected_backlog = np.zeros((len(network.nodes), hours))
    for quota_day, quota in quotas.items():
        for kind, target in (("sorting", expected_processed), ("storage", expected_backlog)):
            for (where, offset), value in _as_dict(profiles, kind).items():
                hour = 24 * quota_day + offset
                if hour < hours:
                    target[where, hour] += quota * value
    assert run.backlog[:, -24:].sum() == 0
    assert run.processed == pytest.approx(expected_processed, abs=1e-6)
    assert run.backlog == pytest.approx(expected_backlog, abs=1e-6)
    # And it is not trivially zero: every parcel is sorted at every node of its route.
    assert run.processed.sum() == pytest.approx(420 * 3)
