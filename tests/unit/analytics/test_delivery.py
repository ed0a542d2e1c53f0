"""Delivery rates, on-time rate and the journey's legs on parcels worked out by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from peakguard.analytics import (
    LEGS,
    ServiceStandard,
    delivery_rates,
    journey_times,
    on_time_rates,
    parcel_facts,
    parcel_legs,
)
from peakguard.domain.regions import PairClass

from .conftest import CHENGDU_2, MIANYANG, XIAN, duck, settings, trail

CUTOFF = 100.0


def delivery_case() -> list[dict[str, Any]]:
    """Five parcels from Chengdu, cutoff at hour 100 (acceptance hour → delivery hour):

    - P1 same city, O→H1→S, accepted 0, delivered 10 (journey 10 h);
    - P2 to Xi'an, O→H1→H2→S, accepted 0, delivered 60 (60 h);
    - P3 to Mianyang, O→S direct, accepted 10, delivered 90 (80 h);
    - P4 same city, accepted 0, stuck at H1, never delivered;
    - P5 same city, accepted at the delivering station S2 at 50, delivered 60 (10 h).
    """
    return [
        *trail("P1", [("O", 0, 2), ("H1", 3, 5), ("S", 6, None)], delivered=10),
        *trail(
            "P2",
            [("O", 0, 1), ("H1", 2, 4), ("H2", 20, 22), ("S", 24, None)],
            delivered=60,
            destination=XIAN,
        ),
        *trail("P3", [("O", 10, 12), ("S", 14, None)], delivered=90, destination=MIANYANG),
        *trail("P4", [("O", 0, 1), ("H1", 2, None)]),
        *trail("P5", [("S2", 50, None)], delivered=60, destination=CHENGDU_2),
    ]


def test_delivery_rates_by_hand() -> None:
    """72 h: P5's 72 h had not run out (50 + 72 > 100): left out; of P1–P4, P1 and P2 made
    it → 2/4. 48 h: all five due (P5: 98 ≤ 100); P1 and P5 made it → 2/5. Four delivered,
    mean journey (10 + 60 + 80 + 10)/4 = 40 h."""
    engine = duck(delivery_case())
    config = settings(CUTOFF)
    [row] = engine.compute(delivery_rates(parcel_facts(engine.events, config), config)).to_pylist()
    assert row == {
        "carrier": "ZTO",
        "accepted": 5,
        "delivered": 4,
        "mean_journey_hours": 40.0,
        "due_72h": 4,
        "delivered_72h": 2,
        "due_48h": 5,
        "delivered_48h": 2,
        "rate_72h": 0.5,
        "rate_48h": 0.4,
    }


def test_delivery_rates_by_day_and_pair() -> None:
    """Hour 0 is 08:00 China time on 11 Nov, so P5 (hour 50) was accepted on 13 Nov; by city
    pair, Chengdu→Chengdu holds P1, P4, P5: 72 h due P1, P4, made by P1 → 0.5."""
    engine = duck(delivery_case())
    config = settings(CUTOFF)
    parcels = parcel_facts(engine.events, config)
    by_day = engine.compute(delivery_rates(parcels, config, ("acceptance_day",))).to_pylist()
    assert [(r["acceptance_day"], r["accepted"]) for r in by_day] == [
        (date(2026, 11, 11), 4),
        (date(2026, 11, 13), 1),
    ]
    pairs = engine.compute(
        delivery_rates(parcels, config, ("origin_city", "destination_city"))
    ).to_pylist()
    local = next(r for r in pairs if r["destination_city"] == "510100")
    assert (local["origin_city"], local["accepted"], local["due_72h"]) == ("510100", 3, 2)
    assert local["rate_72h"] == 0.5
    assert {r["destination_city"] for r in pairs} == {"510100", "510700", "610100"}
    provinces = engine.compute(delivery_rates(parcels, config, ("destination_province",)))
    assert provinces.column("destination_province").to_pylist() == ["510000", "610000"]


def test_on_time_rate_by_hand() -> None:
    """Standards 24/48/72 h: P1 (same city, 10 h) on time, P2 (other province, 60 h) on time,
    P3 (same province, 80 h) late, P5 (same city, 10 h) on time: 3 of 4 delivered. Every
    limit had run out by hour 100 (P5: 50 + 24), so with undelivered P4 late: 3 of 5."""
    engine = duck(delivery_case())
    config = settings(CUTOFF)
    [row] = engine.compute(on_time_rates(parcel_facts(engine.events, config))).to_pylist()
    assert row["delivered"] == 4 and row["on_time"] == 3 and row["on_time_rate"] == 0.75
    assert row["due"] == 5 and row["due_on_time"] == 3 and row["due_on_time_rate"] == 0.6


def test_a_carriers_own_standard_wins() -> None:
    """ZTO's own same-city standard of 8 h makes P1 and P5 (10 h) late: 1 of 4 on time."""
    own = (
        ServiceStandard(PairClass.same_city, 8.0, carrier="ZTO"),
        ServiceStandard(PairClass.same_city, 24.0),
        ServiceStandard(PairClass.same_province, 48.0),
        ServiceStandard(PairClass.other_province, 72.0),
    )
    engine = duck(delivery_case())
    config = settings(CUTOFF, service_standards=own)
    [row] = engine.compute(on_time_rates(parcel_facts(engine.events, config))).to_pylist()
    assert row["on_time"] == 1


def test_legs_by_hand() -> None:
    """Checkpoints accept, 1st depart, 2nd depart, arrival before the delivering node,
    arrival at it, delivery. P2 (0, 1, 4, 20, 24, 60): legs 1, 3, 16, 4, 36. P1 (0, 2, 5;
    its arrival at H1 (3) comes before the 2nd departure, so held at 5; 6, 10): 2, 3, 0, 1,
    4. P3 direct (10, 12, –, –, 14, 90): 2, 0, 0, 2, 76. P5 accepted where delivered: all in
    the delivery leg, 0, 0, 0, 0, 10. Means over the four: 1.25, 1.5, 4, 1.75, 31.5 = 40."""
    engine = duck(delivery_case())
    config = settings(CUTOFF)
    parcels = parcel_facts(engine.events, config)
    legs = engine.compute(parcel_legs(engine.events, parcels, config))
    found = {row["waybill"]: [row[f"{leg}_hours"] for leg in LEGS] for row in legs.to_pylist()}
    assert found == {
        "P1": [2, 3, 0, 1, 4],
        "P2": [1, 3, 16, 4, 36],
        "P3": [2, 0, 0, 2, 76],
        "P5": [0, 0, 0, 0, 10],
    }
    [row] = engine.compute(journey_times(parcel_legs(engine.events, parcels, config))).to_pylist()
    assert row["delivered"] == 4 and row["mean_journey_hours"] == 40.0
    means = [row[f"mean_{leg}_hours"] for leg in LEGS]
    assert means == [1.25, 1.5, 4.0, 1.75, 31.5]


@st.composite
def parcels_strategy(draw: Any) -> list[dict[str, Any]]:
    """Random trails: 1–4 stops with random dwell and transit (quarter hours), delivered or
    not, to random destinations."""
    rows: list[dict[str, Any]] = []
    count = draw(st.integers(1, 6))
    for number in range(count):
        stops = draw(st.integers(1, 4))
        clock = draw(st.integers(0, 200)) / 4
        path = []
        for index in range(stops):
            dwell = draw(st.integers(0, 40)) / 4
            last = index == stops - 1
            path.append((f"N{index}", clock, None if last else clock + dwell))
            clock += dwell + draw(st.integers(1, 40)) / 4
        delivered = clock + 1 if draw(st.booleans()) else None
        destination = draw(st.sampled_from([CHENGDU_2, MIANYANG, XIAN]))
        rows += trail(f"W{number}", path, delivered=delivered, destination=destination)
    return rows


FAST = hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(parcels_strategy(), st.integers(0, 150))
def test_rates_stay_between_zero_and_one(rows: list[dict[str, Any]], cutoff: int) -> None:
    """Every rate is empty or within [0, 1], whatever the trails and the cutoff."""
    engine = duck(rows)
    config = settings(cutoff)
    parcels = parcel_facts(engine.events, config)
    for table in (
        engine.compute(delivery_rates(parcels, config)),
        engine.compute(on_time_rates(parcels)),
    ):
        for name in table.column_names:
            if name.startswith("rate_") or name.endswith("_rate"):
                for value in table.column(name).to_pylist():
                    assert value is None or 0.0 <= value <= 1.0


@FAST
@given(parcels_strategy())
def test_legs_sum_to_the_journey(rows: list[dict[str, Any]]) -> None:
    """For every delivered parcel the five legs are never negative and sum to its journey."""
    engine = duck(rows)
    config = settings(400)
    parcels = parcel_facts(engine.events, config)
    for row in engine.compute(parcel_legs(engine.events, parcels, config)).to_pylist():
        legs = [row[f"{leg}_seconds"] for leg in LEGS]
        assert min(legs) >= 0
        assert sum(legs) == row["journey_seconds"]
        assert sum(row[f"{leg}_hours"] for leg in LEGS) == pytest.approx(row["journey_hours"])


@FAST
@given(parcels_strategy(), st.integers(0, 40))
def test_an_on_time_parcel_never_lowers_the_on_time_rate(
    rows: list[dict[str, Any]], hours: int
) -> None:
    """Adding a parcel delivered within its standard keeps the on-time rate or raises it."""
    config = settings(400)

    def rate(events: list[dict[str, Any]]) -> float:
        engine = duck(events)
        table = engine.compute(on_time_rates(parcel_facts(engine.events, config), by=()))
        value = table.column("on_time_rate")[0].as_py()
        return 0.0 if value is None else float(value)

    before = rate(rows)
    quick = trail("EXTRA", [("O", 10, None)], delivered=10 + hours / 4, destination=CHENGDU_2)
    assert rate([*rows, *quick]) >= before
