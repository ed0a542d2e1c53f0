"""Which demo releases are the demo platform's (demo/platforms.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from peakguard.demo.platforms import DEMO_PLATFORM, with_demo_platform
from peakguard.optimize.releases import OrderRelease


def _releases() -> list[OrderRelease]:
    """ZTO with 10 outlets and SF with 3, each releasing on three days."""
    first = date(2026, 11, 9)
    return [
        OrderRelease(
            origin=f"{carrier}-O{number}",
            carrier=carrier,
            release_day=first + timedelta(days=day),
            latest_day=first + timedelta(days=day + 2),
            parcels=100.0 * (number + 1) + day,
        )
        for carrier, outlets in (("ZTO", 10), ("SF", 3))
        for number in range(outlets)
        for day in range(3)
    ]


def test_the_platform_s_outlets_are_a_share_of_each_carrier_s_every_day() -> None:
    """6 of ZTO's 10 outlets and 2 of SF's 3 (0.6, rounded) are the platform's on every day
    they release; nothing else about a release changes; another seed picks other outlets."""
    releases = _releases()
    labelled = with_demo_platform(releases, seed=2016)
    assert len(labelled) == len(releases)
    platform_outlets: dict[str, set[str]] = defaultdict(set)
    for before, after in zip(releases, labelled, strict=True):
        assert after.platform in (DEMO_PLATFORM, "")
        assert (after.origin, after.carrier, after.release_day, after.latest_day) == (
            before.origin,
            before.carrier,
            before.release_day,
            before.latest_day,
        )
        assert after.parcels == before.parcels
        if after.platform:
            platform_outlets[after.carrier].add(after.origin)
    assert {carrier: len(outlets) for carrier, outlets in platform_outlets.items()} == {
        "ZTO": 6,
        "SF": 2,
    }
    for release in labelled:  # an outlet is the platform's on all its days or on none
        assert (release.origin in platform_outlets[release.carrier]) == bool(release.platform)
    assert with_demo_platform(releases, seed=2016) == labelled
    others = {r.origin for r in with_demo_platform(releases, seed=7) if r.platform}
    assert others != {o for outlets in platform_outlets.values() for o in outlets}


def test_a_carrier_with_one_outlet_still_has_the_platform_s_orders() -> None:
    release = _releases()[0]
    assert [r.platform for r in with_demo_platform([release], seed=1, share=0.2)] == [DEMO_PLATFORM]
