"""Which of Numba's threading layers runs the kernel's parallel passes (decision 0031).

OpenMP (GNU's ``libgomp``) where the system has it: the thread that starts a parallel pass
works in it as one of the team, and the team's threads wait for the next pass by spinning a
short while (``GOMP_SPINCOUNT``, set here to 10,000 unless the environment sets it) before they
sleep — the kernel starts about ten passes a simulated hour, with short serial stretches
between them, and waking sleeping threads for each cost the national month about a quarter of its
wall clock. The spin is kept short so that idle threads do not take a busy host's cores (the
reason decision 0027 chose ``workqueue``: libgomp's default spin is thirty times longer).
Numba's own ``workqueue`` where there is no ``libgomp``; ``NUMBA_THREADING_LAYER`` overrides
both (and ``GOMP_SPINCOUNT`` the spin).

GNU OpenMP is not safe across ``fork``: a child forked from a process that has run parallel
passes is stopped if it runs one. The API and the job runner start their children from a fork
server that has run none, so they are not affected.
"""

from __future__ import annotations

import ctypes
import os

import numba

OPENMP_RUNTIME = "libgomp.so.1"
SPIN_COUNT = "10000"
"""Spins before an idle OpenMP thread sleeps (libgomp's default is 300,000)."""


def choose_threading_layer() -> str:
    """Set Numba's threading layer for this process (before its first parallel pass) and
    return its name."""
    # Read by libgomp once, when it is loaded: so before anything loads it.
    os.environ.setdefault("GOMP_SPINCOUNT", SPIN_COUNT)
    chosen = os.environ.get("NUMBA_THREADING_LAYER")
    if chosen:
        return chosen
    try:
        ctypes.CDLL(OPENMP_RUNTIME)
    except OSError:
        layer = "workqueue"
    else:
        layer = "omp"
    numba.config.THREADING_LAYER = layer  # type: ignore[attr-defined]
    return layer
