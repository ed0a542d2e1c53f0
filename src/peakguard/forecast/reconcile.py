"""Hierarchical reconciliation: node → city → province → national, per carrier and in total.

The hierarchy is built from the bottom series (usually nodes): every higher level gets one
series per carrier and one for all carriers (:data:`~peakguard.forecast.history.ALL_CARRIERS`)
in each region that holds a bottom series. ``S`` is the summing matrix (one row per series,
one column per bottom series, 1 where the bottom series belongs to the row's series).

Points. Base forecasts ŷ of every series (one column per day) are made coherent by
``ỹ = S · P · ŷ`` with ``P`` one of

* ``bottom_up``: ``P = [0 | I]`` — the bottom forecasts, summed;
* ``ols``: ``P = (SᵀS)⁻¹Sᵀ`` — the orthogonal projection onto coherent forecasts;
* ``wls_structural`` (default): ``P = (SᵀΛ⁻¹S)⁻¹SᵀΛ⁻¹`` with ``Λ = diag(S·1)``, the number of
  bottom series under each series (MinT with structural scaling: big aggregates, whose errors
  are bigger, move more).

The reconciled bottom forecasts are then clipped at 0 and rounded to whole parcels, and every
aggregate is the integer sum of its bottom series, so the levels add up **exactly** (integer
arithmetic, no rounding drift), whatever order a reader sums them in.

Intervals. Quantiles do not add up, so coherent intervals are not a goal; each series keeps the
relative width of its own base interval around its reconciled point, on the ``1 + volume``
scale the models work on: ``bound̃ = (1 + ỹ) · (1 + bound) / (1 + ŷ) − 1``, then lower bounds
rounded down and upper bounds up. Bounds stay ordered around the point and the 95 % interval
contains the 80 % one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from peakguard.forecast.history import ALL_CARRIERS, LEVELS, Level, SeriesKey

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

METHODS = ("bottom_up", "ols", "wls_structural")


@dataclass(frozen=True, eq=False)
class Hierarchy:
    """Every series of the hierarchy, aggregates first, and the summing matrix."""

    keys: tuple[SeriesKey, ...]
    bottom: tuple[SeriesKey, ...]
    summing: IntArray

    def index(self) -> dict[SeriesKey, int]:
        return {key: row for row, key in enumerate(self.keys)}


def build_hierarchy(bottom: Sequence[SeriesKey]) -> Hierarchy:
    """Aggregate ``bottom`` (all at one level) to every level above it, per carrier and in
    total (the total only when there is more than one carrier)."""
    bottom = tuple(sorted(bottom))
    levels = {key.level for key in bottom}
    if len(levels) != 1:
        raise ValueError("bottom series must share one level")
    bottom_level = levels.pop()
    carriers = sorted({key.carrier for key in bottom})
    groups = [*carriers, ALL_CARRIERS] if len(carriers) > 1 else carriers
    above = LEVELS[LEVELS.index(bottom_level) + 1 :]
    members: dict[SeriesKey, list[int]] = {}
    for column, key in enumerate(bottom):
        for level in (bottom_level, *above):
            if level is Level.node:
                continue
            for carrier in groups:
                if carrier not in (key.carrier, ALL_CARRIERS):
                    continue
                aggregate = SeriesKey(level, carrier, key.parent_region(level))
                if aggregate != key:
                    members.setdefault(aggregate, []).append(column)
    order = {level: rank for rank, level in enumerate(reversed(LEVELS))}
    aggregates = sorted(members, key=lambda key: (order[key.level], key))
    summing = np.zeros((len(aggregates) + len(bottom), len(bottom)), dtype=np.int64)
    for row, aggregate in enumerate(aggregates):
        summing[row, members[aggregate]] = 1
    summing[len(aggregates) :, :] = np.eye(len(bottom), dtype=np.int64)
    return Hierarchy((*aggregates, *bottom), bottom, summing)


def projection(hierarchy: Hierarchy, method: str) -> FloatArray:
    """The matrix ``P`` (bottom × all series) of the chosen method."""
    summing = hierarchy.summing.astype(float)
    rows, columns = summing.shape
    if method == "bottom_up":
        matrix = np.zeros((columns, rows))
        matrix[:, rows - columns :] = np.eye(columns)
        return matrix
    if method == "ols":
        weights = np.ones(rows)
    elif method == "wls_structural":
        weights = 1.0 / summing.sum(axis=1)
    else:
        raise ValueError(f"method must be one of {METHODS}")
    weighted = summing.T * weights
    return np.asarray(np.linalg.solve(weighted @ summing, weighted), dtype=float)


@dataclass(frozen=True, eq=False)
class Reconciled:
    """Coherent whole-parcel forecasts: one row per series of the hierarchy, one column a day."""

    point: IntArray
    lower_80: IntArray
    upper_80: IntArray
    lower_95: IntArray
    upper_95: IntArray


def reconcile(
    hierarchy: Hierarchy, base: Mapping[str, FloatArray], method: str = "wls_structural"
) -> Reconciled:
    """Reconcile base forecasts (``base["point"]`` etc., rows in ``hierarchy.keys`` order)."""
    base_point = np.maximum(base["point"], 0.0)
    bottom = projection(hierarchy, method) @ base_point
    whole: IntArray = np.rint(np.maximum(bottom, 0.0)).astype(np.int64)
    point: IntArray = hierarchy.summing @ whole

    def bound(name: str, rounding: str) -> IntArray:
        ratio = (1.0 + np.maximum(base[name], 0.0)) / (1.0 + base_point)
        value = (1.0 + point) * ratio - 1.0
        rounded = np.floor(value) if rounding == "down" else np.ceil(value)
        limited = np.maximum(rounded, 0.0)
        return (
            np.minimum(limited, point) if rounding == "down" else np.maximum(limited, point)
        ).astype(np.int64)

    return Reconciled(
        point=point,
        lower_80=bound("lower_80", "down"),
        upper_80=bound("upper_80", "up"),
        lower_95=np.minimum(bound("lower_95", "down"), bound("lower_80", "down")),
        upper_95=np.maximum(bound("upper_95", "up"), bound("upper_80", "up")),
    )
