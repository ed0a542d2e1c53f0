"""The order of an hour's departures under ``block``: from the fullest origins first.

The compiled form of :func:`peakguard.simulate.blocking.fullest_first` (the specification,
which the reference engine calls), with the same arithmetic so that both engines order an
hour's departures alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from peakguard.simulate.blocking import FULLNESS_STEPS
from peakguard.simulate.kernel_pools import EPSILON


@njit(cache=True)
def fullest_first(
    lane_origin: Any, storage: Any, queued: Any, waiting: Any, lanes: Any, capacities: Any
) -> tuple[Any, Any]:
    """``lanes`` and their ``capacities`` ordered by what their origin holds (``queued`` +
    ``waiting``) ÷ its storage in steps of ``1/FULLNESS_STEPS``, fullest first, the plan's
    order kept among equals."""
    steps = np.empty(len(lanes))
    for index in range(len(lanes)):
        origin = lane_origin[lanes[index]]
        held = queued[origin] + waiting[origin]
        fullness = held / max(storage[origin], EPSILON)
        steps[index] = -np.floor(fullness * FULLNESS_STEPS + 0.5)
    order = np.argsort(steps, kind="mergesort")
    return lanes[order], capacities[order]
