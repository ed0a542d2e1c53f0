"""What a staggering plan means to the customers: the clock starts at the release.

The network's figures count from pickup (acceptance); a parcel the plan held back a day has
waited a day before the network's clock starts. These figures are the released parcels'
own, counted from the release: the time from release to delivery, and the parcels
delivered later than their service standard (or not delivered by the end of the run),
overall, per carrier and per origin, and per platform (:mod:`.stagger_platforms`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peakguard.domain.network import Network
from peakguard.optimize.stagger_runs import CohortTags
from peakguard.simulate.engine import SimulationRun
from peakguard.simulate.plan import FloatArray, IntArray

LONGER_HOURS = 0.5
"""Mean release-to-delivery hours more than this longer is "customers wait longer"."""
MORE_LATE = 0.5
"""Parcels: more late than this (from release) is "more parcels late"."""


@dataclass(frozen=True)
class CustomerGroup:
    """The released parcels of one carrier, one origin, or all, counted from release."""

    key: str
    parcels: float
    delivered: float
    release_to_delivery_hours: float
    """Mean hours from release to delivery, of the parcels delivered."""
    late_from_release: float
    """Parcels not delivered within their service standard counted from release (those not
    delivered by the end of the run included)."""
    delayed: float
    """Parcels picked up after their release day."""

    @property
    def late_share(self) -> float:
        return self.late_from_release / self.parcels if self.parcels > 0 else 0.0


@dataclass(frozen=True)
class CustomerFigures:
    total: CustomerGroup
    carriers: list[CustomerGroup]
    origins: list[CustomerGroup]


@dataclass(frozen=True)
class NetworkWeights:
    """The network's own on-time figures (from pickup), every parcel after the warm-up."""

    accepted: float
    delivered: float
    on_time_rate: float
    mean_delivery_hours: float
    parcels_late: float


def network_figures(run: SimulationRun, cohorts: CohortTags, from_hour: int) -> NetworkWeights:
    """On time from pickup over every parcel accepted after the warm-up (split rows count
    by their network half)."""
    weight = np.where(cohorts.network, cohorts.weight, 0.0)
    weight = np.where(run.plan.cohort_hour >= from_hour, weight, 0.0)
    accepted = float((weight * run.plan.cohort_parcels).sum())
    delivered = float((weight * run.delivered).sum())
    on_time = float((weight * run.delivered_on_time).sum())
    hours = float((weight * run.delivered_hours).sum())
    return NetworkWeights(
        accepted=accepted,
        delivered=delivered,
        on_time_rate=on_time / delivered if delivered else 0.0,
        mean_delivery_hours=hours / delivered if delivered else 0.0,
        parcels_late=accepted - on_time,
    )


def customer_figures(network: Network, run: SimulationRun, cohorts: CohortTags) -> CustomerFigures:
    """The released parcels' figures from release, overall, per carrier and per origin.

    Cohorts are grouped by their origin's index and its carrier's, never by a string per
    cohort: the demo season has 2 M cohorts, whose labels alone took ~0.9 GB to sort."""
    columns = _columns(run, cohorts)
    origins = run.plan.cohort_origin
    chosen = np.where(cohorts.customer, cohorts.weight, 0.0) > 0
    origin_ids = [node.id for node in network.nodes]
    carrier_ids = sorted({str(node.carrier) for node in network.nodes})
    carrier_of = np.array(
        [carrier_ids.index(str(node.carrier)) for node in network.nodes], dtype=np.int64
    )
    return CustomerFigures(
        total=_group("", {name: float(value[chosen].sum()) for name, value in columns.items()}),
        carriers=_grouped(carrier_of[origins], carrier_ids, chosen, columns),
        origins=_grouped(origins, origin_ids, chosen, columns),
    )


def weighted_groups(
    run: SimulationRun, cohorts: CohortTags, shares: dict[str, FloatArray]
) -> list[CustomerGroup]:
    """One group per key of ``shares``: the released parcels' figures from release with each
    cohort counted for its share (``shares[key][cohort]``, e.g. a platform's part of it)."""
    columns = _columns(run, cohorts)
    return [
        _group(key, {name: float((value * share).sum()) for name, value in columns.items()})
        for key, share in sorted(shares.items())
    ]


def _columns(run: SimulationRun, cohorts: CohortTags) -> dict[str, FloatArray]:
    """[cohort] what each cohort adds to a group's sums (zero outside the customers' rows)."""
    weight = np.where(cohorts.customer, cohorts.weight, 0.0)
    delay_hours = 24.0 * cohorts.delay_days
    return {
        "parcels": weight * run.plan.cohort_parcels,
        "delivered": weight * run.delivered,
        "hours": weight * (run.delivered_hours + delay_hours * run.delivered),
        "on_time": weight * run.delivered_on_time,
        "delayed": np.where(delay_hours > 0, weight * run.plan.cohort_parcels, 0.0),
    }


def _grouped(
    codes: IntArray, names: list[str], chosen: np.ndarray, columns: dict[str, FloatArray]
) -> list[CustomerGroup]:
    """One group per name some chosen cohort has (``codes[cohort]`` its index in ``names``),
    ordered by name."""
    picked = codes[chosen]
    present = np.bincount(picked, minlength=len(names)) > 0
    sums = {
        name: np.bincount(picked, weights=value[chosen], minlength=len(names))
        for name, value in columns.items()
    }
    return [
        _group(names[index], {name: float(total[index]) for name, total in sums.items()})
        for index in sorted(np.flatnonzero(present).tolist(), key=names.__getitem__)
    ]


def _group(key: str, sums: dict[str, float]) -> CustomerGroup:
    delivered = sums["delivered"]
    return CustomerGroup(
        key=key,
        parcels=sums["parcels"],
        delivered=delivered,
        release_to_delivery_hours=sums["hours"] / delivered if delivered > 0 else 0.0,
        late_from_release=max(sums["parcels"] - sums["on_time"], 0.0),
        delayed=sums["delayed"],
    )


def customers_wait_longer(before: CustomerGroup, after: CustomerGroup) -> bool:
    """The plan makes customers wait longer: a longer mean time from release to delivery, or
    more parcels late counted from release."""
    return (
        after.release_to_delivery_hours > before.release_to_delivery_hours + LONGER_HOURS
        or after.late_from_release > before.late_from_release + MORE_LATE
    )
