"""Small synthetic hierarchies whose generating process is known."""

from __future__ import annotations

from datetime import date

import pytest

from peakguard.forecast.history import Level, SeriesHistory, SeriesKey, series_history
from peakguard.forecast.synthetic import SyntheticSpec, synthetic_volumes

FIRST_DAY = date(2021, 6, 1)
LAST_DAY = date(2024, 2, 29)

NODES = (
    ("ZTO", "510104", "ZTO-CD-1", 40_000.0),
    ("ZTO", "510603", "ZTO-DY-1", 15_000.0),
    ("SF", "510105", "SF-CD-1", 25_000.0),
    ("SF", "510703", "SF-MY-1", 8_000.0),
)


def node_history(
    carrier: str, region: str, node: str, base: float, seed: int, last_day: date = LAST_DAY
) -> SeriesHistory:
    spec = SyntheticSpec(base_volume=base)
    count = (last_day - FIRST_DAY).days + 1
    return series_history(
        SeriesKey(Level.node, carrier, region, node),
        FIRST_DAY,
        synthetic_volumes(spec, FIRST_DAY, count, seed=seed),
    )


@pytest.fixture(scope="package")
def four_nodes() -> tuple[SeriesHistory, ...]:
    """four_nodes: two carriers, three cities of Sichuan, June 2021 to February 2024 — enough
    for two Double 11s before the 2023 one, and small enough to forecast in seconds."""
    return tuple(
        node_history(carrier, region, node, base, seed)
        for seed, (carrier, region, node, base) in enumerate(NODES)
    )
