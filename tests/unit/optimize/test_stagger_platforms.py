"""Each platform's schedule: its share of the origins' pickup quotas (issue 20, item 4).

Worked by hand: two platforms (tmall, jd) over two origins (O1, O2), the program's pickups
given per release as a solver might split them, and the schedule each platform must follow.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peakguard.optimize.platform_shares import even_split
from peakguard.optimize.releases import OrderRelease
from peakguard.optimize.stagger_platforms import platform_quotas

D1, D2, D3 = date(2026, 11, 10), date(2026, 11, 11), date(2026, 11, 12)
REGIONS = {"O1": "510104", "O2": "510703"}


def _release(platform: str, origin: str, first: date, last: date, parcels: float) -> OrderRelease:
    return OrderRelease(origin, "ZTO", first, last, parcels, platform=platform)


def test_two_platforms_over_two_origins_worked_by_hand() -> None:
    """tmall 100 and jd 300 at O1 (10–12 Nov), jd 50 at O2 (10–11), tmall 80 at O2 (11–12).

    The program picks up 200 at O1 on the 10th and 200 on the 11th, but gave tmall's release
    all of the 10th (100) and jd's 100 + 200: an accident of the solver. Alike in origin and
    window, they share in proportion: tmall 100/400 = 1/4 of each day (50, 50), jd 3/4 (150,
    150). At O2 the windows differ, so the program's split stands: jd 30 on the 10th and 20 on
    the 11th, tmall 80 on the 12th. O1's quota on the 10th, 200 = tmall 50 + jd 150.
    """
    pickups = [
        (_release("tmall", "O1", D1, D3, 100), {D1: 100.0}),
        (_release("jd", "O1", D1, D3, 300), {D1: 100.0, D2: 200.0}),
        (_release("jd", "O2", D1, D2, 50), {D1: 30.0, D2: 20.0}),
        (_release("tmall", "O2", D2, D3, 80), {D3: 80.0}),
    ]
    schedule = {
        (q.platform, q.origin, q.day): (q.quota, q.released, q.region)
        for q in platform_quotas(even_split(pickups), REGIONS)
    }
    assert schedule == {
        ("jd", "O1", D1): (150.0, 300.0, "510104"),
        ("jd", "O1", D2): (150.0, 0.0, "510104"),
        ("jd", "O2", D1): (30.0, 50.0, "510703"),
        ("jd", "O2", D2): (20.0, 0.0, "510703"),
        ("tmall", "O1", D1): (50.0, 100.0, "510104"),
        ("tmall", "O1", D2): (50.0, 0.0, "510104"),
        ("tmall", "O2", D2): (0.0, 80.0, "510703"),
        ("tmall", "O2", D3): (80.0, 0.0, "510703"),
    }


def test_a_release_without_platform_has_a_row_of_its_own() -> None:
    """A release naming no platform is scheduled under the empty platform, not another's."""
    pickups = [
        (_release("", "O1", D1, D2, 60), {D1: 20.0, D2: 40.0}),
        (_release("jd", "O1", D1, D2, 40), {D1: 40.0}),
    ]
    rows = {(q.platform, q.day): q.quota for q in platform_quotas(even_split(pickups), REGIONS)}
    assert rows == {("", D1): 36.0, ("", D2): 24.0, ("jd", D1): 24.0, ("jd", D2): 16.0}


_days = st.integers(min_value=0, max_value=3)


@st.composite
def _plans(draw: st.DrawFn) -> list[tuple[OrderRelease, dict[date, float]]]:
    """Random releases of three platforms at two origins, each picked up within its window
    in random parts (as a program's solution would)."""
    result = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        first = D1 + timedelta(days=draw(_days))
        last = first + timedelta(days=draw(st.integers(min_value=0, max_value=2)))
        parcels = float(draw(st.integers(min_value=0, max_value=5000)))
        window = (last - first).days + 1
        parts = draw(st.lists(st.floats(0, 1), min_size=window, max_size=window))
        total = sum(parts)
        per_day = {
            first + timedelta(days=k): (parcels * part / total if total else parcels / window)
            for k, part in enumerate(parts)
        }
        platform = draw(st.sampled_from(["tmall", "jd", ""]))
        origin = draw(st.sampled_from(["O1", "O2"]))
        result.append((_release(platform, origin, first, last, parcels), per_day))
    return result


@given(_plans())
def test_platforms_quotas_add_up_to_the_origins_quotas(
    plan: list[tuple[OrderRelease, dict[date, float]]],
) -> None:
    """For every origin and day, the platforms' quotas sum to the origin's pickups (its
    quota), and their released parcels to what was released there; every release is picked
    up in full inside its window after the split."""
    origin_days: dict[tuple[str, date], float] = {}
    released: dict[tuple[str, date], float] = {}
    for release, per_day in plan:
        released[(release.origin, release.release_day)] = (
            released.get((release.origin, release.release_day), 0.0) + release.parcels
        )
        for day, amount in per_day.items():
            origin_days[(release.origin, day)] = (
                origin_days.get((release.origin, day), 0.0) + amount
            )
    shared = even_split(plan)
    summed: dict[tuple[str, date], float] = {}
    summed_released: dict[tuple[str, date], float] = {}
    for row in platform_quotas(shared, REGIONS):
        summed[(row.origin, row.day)] = summed.get((row.origin, row.day), 0.0) + row.quota
        summed_released[(row.origin, row.day)] = (
            summed_released.get((row.origin, row.day), 0.0) + row.released
        )
    for key, quota in origin_days.items():
        assert summed.get(key, 0.0) == pytest.approx(quota, abs=1e-6)
    for key, amount in released.items():
        assert summed_released.get(key, 0.0) == pytest.approx(amount, abs=1e-6)
    for release, per_day in shared:
        assert sum(per_day.values()) == pytest.approx(release.parcels, abs=1e-6)
        assert all(release.release_day <= day <= release.latest_day for day in per_day)
