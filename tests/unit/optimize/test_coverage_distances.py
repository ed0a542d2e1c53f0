"""The coverage plans' distances and split checked against figures computed here, from the
reference table of administrative divisions (src/peakguard/reference/admin_divisions.csv,
read with the csv module) and the haversine formula — not from the planner's own geometry.

Henan closed, with the default four centres and, as a new case, with at most three: every
part's road is 1.3 × the great-circle kilometres between its prefecture's and its centre's
city centres, its hours 0.5 + road km ÷ 60; no centre takes more than 0.8 of its spare; every
parcel is given a centre; and a part never goes past a nearer chosen centre that still had
room for it (the split is the nearest centre with room).
"""

from __future__ import annotations

import csv
import math
from datetime import datetime
from functools import cache
from pathlib import Path

import pytest

from peakguard.optimize.coverage import CoverageRequest, plan_coverage
from peakguard.optimize.coverage_model import CoveragePlan
from peakguard.optimize.coverage_parameters import CoverageParameters

from .test_coverage_networks import CENTRES, HENAN_VOLUMES, henan_network

TABLE = Path(__file__).resolve().parents[3] / "src/peakguard/reference/admin_divisions.csv"
EARTH_KM = 6371.0
START, END = datetime(2022, 5, 1), datetime(2022, 5, 8)


@cache
def centres_of_regions() -> dict[str, tuple[float, float]]:
    with TABLE.open(encoding="utf-8") as file:
        return {
            row["adcode6"]: (float(row["lon"]), float(row["lat"]))
            for row in csv.DictReader(file)
            if row["lon"] and row["lat"]
        }


def great_circle_km(a: str, b: str) -> float:
    (lon1, lat1), (lon2, lat2) = centres_of_regions()[a], centres_of_regions()[b]
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def centre_region(hub: str) -> str:
    return CENTRES[hub][0]


@pytest.fixture(scope="module", params=[4, 3], ids=["four-centres", "three-centres"])
def plan(request: pytest.FixtureRequest) -> CoveragePlan:
    """Henan closed for a week, with at most four (seed 004) or three centres."""
    parameters = CoverageParameters(max_centres=request.param)
    return plan_coverage(
        henan_network(), CoverageRequest("410000", START, END), parameters=parameters
    )


def test_roads_are_the_detoured_great_circle_of_the_reference_table(plan: CoveragePlan) -> None:
    """Each part's road km and hours from the table's city centres, to the nearest km and
    0.05 h."""
    for assignment in plan.assignments:
        assert assignment.centre is not None and assignment.road_km is not None
        km = great_circle_km(assignment.part.code, centre_region(assignment.centre))
        assert assignment.road_km == pytest.approx(1.3 * km, abs=1.0), assignment.part.name
        assert assignment.road_hours == pytest.approx(0.5 + 1.3 * km / 60, abs=0.05)


def test_every_parcel_has_a_centre_within_its_capacity(plan: CoveragePlan) -> None:
    """553,000 parcels a day all given; no centre past 0.8 × (capacity − normal load)."""
    assert sum(a.part.parcels for a in plan.assignments if a.centre) == sum(HENAN_VOLUMES.values())
    for centre in plan.centres:
        _region, _name, _automated, capacity, normal = CENTRES[centre.hub]
        taken = sum(a.part.parcels for a in plan.assignments if a.centre == centre.hub)
        assert taken <= 0.8 * (capacity - normal)


def test_no_part_passes_a_nearer_centre_with_room(plan: CoveragePlan) -> None:
    """For every part at a centre other than its nearest chosen one, each nearer chosen
    centre's load plus the part exceeds its usable spare (by the table's distances)."""
    load = {c.hub: c.parcels for c in plan.centres}
    room = {c.hub: 0.8 * (CENTRES[c.hub][3] - CENTRES[c.hub][4]) for c in plan.centres}
    for assignment in plan.assignments:
        assert assignment.centre is not None
        own = great_circle_km(assignment.part.code, centre_region(assignment.centre))
        for hub, taken in load.items():
            nearer = great_circle_km(assignment.part.code, centre_region(hub)) < own - 0.5
            if nearer:
                assert taken + assignment.part.parcels > room[hub], (
                    assignment.part.name,
                    hub,
                    taken,
                    room[hub],
                )
