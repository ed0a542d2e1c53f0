"""Tracking's measured times of recent parcels: parcel by parcel (the rule as stated,
``notices.eta.measure`` over ``store.notices.lake_parcels``) against column by column (what
tracking runs, ``notices.eta_scans.measure_scans`` over ``store.notices.lake_scans``),
alternately in one process, on a lake ``peakguard demo`` wrote::

    .venv/bin/python -m benchmarks.tracking_eta $PEAKGUARD_HOME/lake [runs]

``now`` is noon of 14 November 2026 in China (the demo's supply control, a week of Double 11
behind it). Prints each run's CPU seconds, the medians, their ratio, and checks that both give
the same times. Not part of the test suite.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from peakguard.app.tracking import MEASURING_SLACK, _days, _delivered_on
from peakguard.notices.eta import EtaSettings, Measured, measure
from peakguard.notices.eta_scans import measure_scans
from peakguard.store import notices as stored

NOW = datetime(2026, 11, 14, 12, tzinfo=timezone(timedelta(hours=8)))


def main(lake: Path, runs: int) -> None:
    chosen = EtaSettings()
    days = _days((NOW - chosen.lookback - MEASURING_SLACK).date(), NOW.date())
    delivered = _delivered_on(lake, _days((NOW - chosen.lookback).date(), NOW.date()))
    print(f"lake {lake}: {len(delivered):,} parcels delivered in the look-back")
    seconds: dict[str, list[float]] = {"parcels": [], "columns": []}
    found: dict[str, Measured] = {}
    for run in range(runs):
        for name in ("parcels", "columns") if run % 2 == 0 else ("columns", "parcels"):
            start = time.process_time()
            if name == "parcels":
                parcels = stored.lake_parcels(lake, delivered, days=days).parcels.values()
                found[name] = measure(parcels, NOW, chosen)
            else:
                found[name] = measure_scans(
                    stored.lake_scans(lake, delivered, days=days), NOW, chosen
                )
            seconds[name].append(time.process_time() - start)
            print(f"run {run + 1} {name}: {seconds[name][-1]:.2f} CPU s")
    for part in ("from_node", "on_lane"):
        one, other = getattr(found["parcels"], part), getattr(found["columns"], part)
        same = one.keys() == other.keys() and all(sorted(one[k]) == sorted(other[k]) for k in one)
        print(f"{part}: {len(one):,} keys, {'the same' if same else 'DIFFERENT'}")
    old, new = (statistics.median(seconds[name]) for name in ("parcels", "columns"))
    print(f"median CPU s: parcels {old:.2f}, columns {new:.2f}, ratio {new / old:.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3)
