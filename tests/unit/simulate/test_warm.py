"""The install step's warm-up of the compiled engine is also its self-check."""

from __future__ import annotations

from peakguard.simulate.warm import warm


def test_warm_up_delivers_every_parcel_on_both_policies() -> None:
    """12 hours × 150 parcels through a 100-an-hour hub with 250 of storage, on each policy:
    all 1,800 delivered each time (and the restart from hour 6 agrees, or warm() raises)."""
    assert warm() == 2 * 12 * 150
