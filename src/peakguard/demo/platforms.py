"""Which of the demo's order releases the demo's e-commerce platform made.

The demo plans the season's pickups from releases derived from its own demand (one per outlet
and day, :func:`~peakguard.optimize.releases.releases_from_problem`), which name no platform.
So that the demo's platform login has a schedule to read (错峰发货: the platform must know how
many of its orders each outlet picks up each day), the releases of a seeded share of each
carrier's outlets are the demo platform's and the rest are the carriers' own contract
customers'. The share is scenario data, not a finding; a label changes nothing the program
sees (it plans releases by origin, carrier and window), so the plan is the same either way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np

from peakguard.optimize.releases import OrderRelease

DEMO_PLATFORM = "demo-platform"
"""The code of the demo's e-commerce platform organisation (app/demo_accounts.py)."""
PLATFORM_OUTLET_SHARE = 0.6
"""Share of each carrier's outlets whose releases are the demo platform's."""


def with_demo_platform(
    releases: list[OrderRelease], *, seed: int, share: float = PLATFORM_OUTLET_SHARE
) -> list[OrderRelease]:
    """``releases`` with those of ``share`` of each carrier's outlets (at least one, chosen by
    ``seed``, the same outlets every day) labelled as :data:`DEMO_PLATFORM`'s."""
    outlets: dict[str, set[str]] = defaultdict(set)
    for release in releases:
        outlets[release.carrier].add(release.origin)
    generator = np.random.default_rng(seed)
    chosen: set[str] = set()
    for carrier in sorted(outlets):
        names = sorted(outlets[carrier])
        count = max(1, round(share * len(names)))
        chosen.update(names[int(i)] for i in generator.permutation(len(names))[:count])
    return [
        replace(release, platform=DEMO_PLATFORM) if release.origin in chosen else release
        for release in releases
    ]
