"""The reserve arithmetic by hand, monotone in volume, and the gap report's dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.domain.network import Carrier, Network, Node, NodeKind, Shift
from peakguard.errors import InvalidInputError
from peakguard.reserve.parameters import ReserveParameters
from peakguard.reserve.requirements import gap_report, node_requirement, reserve_requirements

DAY = date(2024, 11, 11)


def hub(
    *, staff: int = 60, vehicles: int = 5, floor: float = 2000.0, automated: bool = False
) -> Node:
    """day_hub: one 12-hour shift (08–20) sorting 5,000 an hour: 60,000 parcels a day."""
    return Node(
        id="DY-HUB",
        name="德阳分拨中心",
        kind=NodeKind.hub,
        region="510600",
        carrier="ZTO",
        shifts=[Shift(name="day", start_hour=8, end_hour=20, sorting_capacity_per_hour=5000)],
        storage_capacity=100_000,
        staff=staff,
        vehicles=vehicles,
        floor_area_m2=floor,
        automated_sorter=automated,
        longitude=104.4,
        latitude=31.1,
    )


def two_shift_hub() -> Node:
    """two_shift_hub: day 08–20 at 5,000/h (60,000) and night 20–08 at 2,500/h (30,000)."""
    return hub().model_copy(
        update={
            "shifts": [
                Shift(name="day", start_hour=8, end_hour=20, sorting_capacity_per_hour=5000),
                Shift(name="night", start_hour=20, end_hour=8, sorting_capacity_per_hour=2500),
            ]
        }
    )


def network(node: Node) -> Network:
    return Network(name="one-hub", carriers=[Carrier(code="ZTO", name="中通快递")], nodes=[node])


def test_requirement_by_hand() -> None:
    """90,000 parcels, 120 per person-hour over 12 hours: ⌈62.5⌉ = 63 staff; 18 sorting hours
    at 5,000/h; ⌈90,000/8,000⌉ = 12 departures on ⌈12/2⌉ = 6 trucks; 25,000 parcels of
    backlog at 40 m² per 1,000 need 1,000 m²; 30,000 beyond the 60,000 capacity."""
    requirement = node_requirement(hub(), DAY, 90_000, 25_000, ReserveParameters())
    assert requirement.staff_by_shift == (63,)
    assert requirement.sorting_hours == pytest.approx(18.0)
    assert (requirement.departures, requirement.vehicles) == (12, 6)
    assert requirement.floor_area_m2 == pytest.approx(1000.0)
    assert requirement.sorting_shortfall == pytest.approx(30_000)


def test_staff_split_over_shifts_by_hand() -> None:
    """90,000 parcels on a 60,000 + 30,000 hub: 60,000 by day (⌈60,000/1,440⌉ = 42) and
    30,000 by night (⌈30,000/1,440⌉ = 21); with an automated sorter 400/h: 13 and 7."""
    manual = node_requirement(two_shift_hub(), DAY, 90_000, 0, ReserveParameters())
    assert manual.staff_by_shift == (42, 21) and manual.staff == 63
    automated = two_shift_hub().model_copy(update={"automated_sorter": True})
    assert node_requirement(automated, DAY, 90_000, 0, ReserveParameters()).staff_by_shift == (
        13,
        7,
    )


@settings(max_examples=80, deadline=None)
@given(
    smaller=st.floats(0, 500_000),
    extra=st.floats(0, 500_000),
    backlog=st.floats(0, 200_000),
    extra_backlog=st.floats(0, 200_000),
)
def test_requirements_are_monotone_in_volume(
    smaller: float, extra: float, backlog: float, extra_backlog: float
) -> None:
    """More parcels never need fewer staff, trucks, departures, sorting hours or floor area."""
    parameters = ReserveParameters()
    low = node_requirement(two_shift_hub(), DAY, smaller, backlog, parameters)
    high = node_requirement(
        two_shift_hub(), DAY, smaller + extra, backlog + extra_backlog, parameters
    )
    assert all(a <= b for a, b in zip(low.staff_by_shift, high.staff_by_shift, strict=True))
    assert low.vehicles <= high.vehicles and low.departures <= high.departures
    assert low.sorting_hours <= high.sorting_hours
    assert low.floor_area_m2 <= high.floor_area_m2


def test_gap_report_says_what_to_add_and_by_when() -> None:
    """Volumes 50k, 50k, 90k, 70k from 9 November on a hub with 60 staff and 5 trucks: short
    from the 11th (63 staff, 6 trucks), so in place by the 10th and decided 7 and 3 days
    before; sorting capacity short by 30,000 then 10,000 → 40,000 carried unsorted."""
    node = hub()
    first = DAY - timedelta(days=2)
    requirements = reserve_requirements(
        network(node), {node.id: [50_000, 50_000, 90_000, 70_000]}, first_day=first
    )
    gaps = {gap.resource: gap for gap in gap_report(network(node), requirements)}
    assert set(gaps) == {"staff", "vehicles", "sorting_capacity"}
    staff = gaps["staff"]
    assert (staff.on_hand, staff.required, staff.add) == (60, 63, 3)
    assert staff.first_short_day == DAY and staff.in_place_by == DAY - timedelta(days=1)
    assert staff.decide_by == DAY - timedelta(days=8)
    assert gaps["vehicles"].add == 1 and gaps["vehicles"].decide_by == DAY - timedelta(days=4)
    sorting = gaps["sorting_capacity"]
    assert sorting.add == 30_000 and sorting.short_days == 2
    assert sorting.unsorted_parcels_if_not_added == pytest.approx(40_000)


def test_floor_area_counts_only_the_free_share() -> None:
    """2,000 m² with half free holds 25,000 parcels at 40 m² per 1,000; 30,000 need 200 m² more."""
    node = hub(floor=2000.0)
    requirements = reserve_requirements(
        network(node), {node.id: [10_000]}, first_day=DAY, backlog={node.id: [30_000]}
    )
    gaps = {gap.resource: gap for gap in gap_report(network(node), requirements)}
    assert gaps["floor_area_m2"].add == pytest.approx(200.0)


def test_bad_inputs_are_located() -> None:
    """An unknown node, a negative volume and a backlog of the wrong length are all reported."""
    node = hub()
    with pytest.raises(InvalidInputError) as caught:
        reserve_requirements(
            network(node),
            {node.id: [1.0, -1.0], "NOPE": [1.0, 1.0]},
            first_day=DAY,
            backlog={node.id: [0.0]},
        )
    locations = {problem.location for problem in caught.value.problems}
    assert locations == {"volumes[DY-HUB][1]", "volumes[NOPE]", "backlog[DY-HUB]"}
    with pytest.raises(InvalidInputError):
        ReserveParameters(floor_share_for_backlog=0.0, staff_lead_days=-1)
