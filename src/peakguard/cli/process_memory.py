"""Large blocks of memory handed back to the system as soon as they are freed.

glibc's allocator serves a block above its threshold (128 KB at first) from its own mapping,
returned on ``free``; but each such block freed raises the threshold to its size (up to 32 MB),
after which arrays of that size come from the heap and stay with the process when freed. The
demo and the server allocate and free arrays of tens of megabytes stage after stage (a season's
per-cohort arrays, a linear program's matrix, a batch of events): with the threshold fixed at
1 MB, the demo's plan stage run alone held 0.43 GB less once the assurance plan was made
(1,574 → 1,140 MB resident; docs/benchmarks.md). Elsewhere than glibc this does nothing."""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3
"""mallopt's parameter number for the threshold (glibc's malloc.h)."""
THRESHOLD_BYTES = 1 << 20


def return_large_blocks() -> bool:
    """Fix the allocator's mapping threshold at 1 MB (glibc only); whether it was set."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES))
