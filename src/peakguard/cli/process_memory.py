"""Large blocks of memory handed back to the system as soon as they are freed.

glibc's allocator serves a block above its threshold (128 KB at first) from its own mapping,
returned on ``free``; but each such block freed raises the threshold to its size (up to 32 MB),
after which arrays of that size come from the heap and stay with the process when freed. The
demo and the server allocate and free arrays of tens of megabytes stage after stage (a season's
per-cohort arrays, a linear program's matrix, a batch of events): with the threshold fixed at
1 MB, the demo's plan stage run alone held 0.43 GB less once the assurance plan was made
(1,574 → 1,140 MB resident; docs/benchmarks.md). Elsewhere than glibc this does nothing.

Blocks under the threshold (a stage's millions of small objects and buffers) come from the
heap, and a page of it freed in the middle stays with the process until ``malloc_trim``
gives it back: :func:`hand_back_freed` does, between the demo's stages (trimmed there, the
demo's resident memory at the capacity stage's start fell from 1,446 to 1,248 MB).

Arrow's buffers come from its own pool (mimalloc in the wheels), which keeps pages its freed
buffers leave among live ones: at the start of the demo's plan stage, after the bulletin's
ingest and the heap's trim, releasing them took the resident memory from 1,099 to 905 MiB in
one run. :func:`hand_back_freed` asks the pool to release them too."""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

import pyarrow as pa

M_MMAP_THRESHOLD = -3
"""mallopt's parameter number for the threshold (glibc's malloc.h)."""
THRESHOLD_BYTES = 1 << 20


def return_large_blocks() -> bool:
    """Fix the allocator's mapping threshold at 1 MB (glibc only); whether it was set."""
    mallopt = _libc_function("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES))


def hand_back_freed() -> bool:
    """Give the heap's free pages back to the system (glibc's ``malloc_trim``, every arena),
    and Arrow's pool its unused pages; whether glibc gave any back. Elsewhere than glibc only
    Arrow's pool is asked."""
    pa.default_memory_pool().release_unused()
    trim = _libc_function("malloc_trim")
    if trim is None:
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return bool(trim(0))


def _libc_function(name: str) -> Any | None:
    """The C library's function ``name``, or None where there is none (not glibc)."""
    library = ctypes.util.find_library("c")
    if library is None:
        return None
    try:
        return getattr(ctypes.CDLL(library), name)
    except (OSError, AttributeError):
        return None
