"""The engine: an hourly, fluid, FIFO simulation of parcels through the network.

Parcels move as cohorts (origin, destination, hour accepted). Every hour:

1. lanes whose departure falls in the hour leave, carrying up to their capacity from the
   parcels sorted in earlier hours, oldest first; a departure to a closed node carries nothing,
   and (with the ``block`` policy) one to a node loads only what the node is projected to have
   room for when it arrives (:mod:`peakguard.simulate.blocking`);
2. parcels arriving from lanes, and parcels accepted at their origin, join the node's queue
   as one batch stamped with the hour; under ``block``, what arrives at a node without room
   for it waits on the lane, at the node's gate, for the next hour;
3. each node sorts up to its capacity for the hour, oldest batch first; when a batch is only
   partly sorted, every cohort in it is sorted in the same proportion (parcels that arrived in
   the same hour are interchangeable); sorted parcels wait for the next lane on their route,
   or, at their destination, are delivered at the end of the hour;
4. the node's backlog (queued + sorted and waiting to leave) is recorded.

:func:`simulate_plan` runs these steps compiled (:mod:`peakguard.simulate.compiled_engine`,
Numba; decision 0016). :mod:`peakguard.simulate.reference_engine` is the same hour written
plainly in Python: the specification the compiled engine is tested against.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from peakguard.simulate.compiled_engine import simulate_compiled
from peakguard.simulate.plan import SimulationPlan
from peakguard.simulate.run_state import (
    HOURS_A_DAY,
    STILL_THERE,
    LaneBlocks,
    SimulationRun,
    Trace,
    conservation_gap,
)
from peakguard.simulate.state import SimulationState

__all__ = [
    "HOURS_A_DAY",
    "STILL_THERE",
    "LaneBlocks",
    "SimulationRun",
    "SimulationState",
    "Trace",
    "conservation_gap",
    "simulate_plan",
]


def simulate_plan(
    plan: SimulationPlan,
    *,
    trace: bool = False,
    trace_cohorts: npt.NDArray[np.bool_] | None = None,
    progress: Callable[[float], None] | None = None,
    start: SimulationState | None = None,
    snapshot_at: int | None = None,
) -> SimulationRun:
    """Run a compiled plan hour by hour. Deterministic: the same plan gives the same run.

    ``trace`` records every fraction's hours at every node; ``trace_cohorts`` (one flag per
    cohort) records only those cohorts' — a cluster sample of parcels whose scan events a season
    too large to trace whole can still produce (the run itself is the same either way).
    ``progress`` is told the share of hours done at the end of every simulated day.

    ``start`` runs from a state (taken from a run, or observed) at the start of its hour ``h``
    instead of from an empty network: the plan's cohorts accepted from ``h`` on join as usual,
    the state's parcels are where the state has them, and hours before ``h`` are recorded as
    zeros. The run's ``plan`` is then :func:`~peakguard.simulate.state.resume_plan`'s (the
    plan's cohorts from ``h`` on, then the state's), which its per-cohort arrays follow;
    ``trace_cohorts`` flags the given plan's cohorts, and the state's are traced.

    ``snapshot_at`` (an hour from the start, up to ``plan.hours``) leaves the state at the
    start of that hour in ``run.state``: a run started from it gives the same answers, hour by
    hour, as this one (within floating-point noise).

    The first call on a machine compiles the engine (about a minute; Numba keeps the machine
    code in its cache beside the package, so later processes load it in about a second)."""
    return simulate_compiled(
        plan,
        trace=trace,
        trace_cohorts=trace_cohorts,
        progress=progress,
        start=start,
        snapshot_at=snapshot_at,
    )
