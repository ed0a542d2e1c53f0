"""Batches: the fractions of cohorts that joined a queue, or a lane's buffer, in the same hour.

Queues and lane buffers hold batches oldest first; :func:`take` removes parcels from the front,
splitting the last batch it touches so that each of its cohorts gives the same proportion
(parcels that arrived in the same hour are interchangeable).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from peakguard.simulate.plan import FloatArray, IntArray

EPSILON = 1e-9
"""Parcels below this count as none."""
UNTRACED: IntArray = np.zeros(0, dtype=np.int64)
"""Stands in for the per-fraction hours a batch carries only when the run is traced."""


class Batch:
    """Fractions of cohorts that joined a queue (or a lane's buffer) in the same hour."""

    __slots__ = ("arrived", "cohort", "hop", "parcels", "since", "sorted_at", "total")

    def __init__(
        self,
        cohort: IntArray,
        hop: IntArray,
        parcels: FloatArray,
        since: int,
        arrived: IntArray,
        sorted_at: IntArray,
        total: float | None = None,
    ) -> None:
        self.cohort = cohort
        self.hop = hop
        self.parcels = parcels
        self.since = since
        """Hour it joined the queue (queues) or became ready to leave (lane buffers)."""
        self.arrived = arrived
        """Hour each fraction arrived at this node (kept through the buffer for the trace)."""
        self.sorted_at = sorted_at
        """Hour each fraction was sorted at this node (-1 while still queued)."""
        self.total = float(parcels.sum()) if total is None else total


def merge(batches: list[Batch], hour: int) -> Batch:
    """``batches`` (in order) as one, stamped ``hour``."""
    if len(batches) == 1:
        return batches[0]
    return Batch(
        np.concatenate([b.cohort for b in batches]),
        np.concatenate([b.hop for b in batches]),
        np.concatenate([b.parcels for b in batches]),
        hour,
        np.concatenate([b.arrived for b in batches])
        if batches[0].arrived is not UNTRACED
        else UNTRACED,
        np.concatenate([b.sorted_at for b in batches])
        if batches[0].sorted_at is not UNTRACED
        else UNTRACED,
        sum(b.total for b in batches),
    )


def take(queue: deque[Batch], amount: float, *, ready_before: int) -> Batch | None:
    """Remove up to ``amount`` parcels from the front of ``queue`` (batches whose ``since`` is
    before ``ready_before``); a partly taken batch gives each cohort the same proportion."""
    taken: list[Batch] = []
    remaining = amount
    while queue and remaining > EPSILON and queue[0].since < ready_before:
        head = queue[0]
        total = head.total
        if total <= remaining + EPSILON:
            taken.append(queue.popleft())
            remaining -= total
        else:
            share = remaining / total
            part = head.parcels * share
            head.parcels = head.parcels - part
            head.total = total - remaining
            taken.append(
                Batch(
                    head.cohort, head.hop, part, head.since, head.arrived, head.sorted_at, remaining
                )
            )
            remaining = 0.0
    if not taken:
        return None
    return merge(taken, taken[0].since)
