"""Freed arrays of a few megabytes go back to the system once the CLI has set the allocator,
not only the first of their size (glibc's sliding threshold would keep the later ones)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    from peakguard.cli.process_memory import return_large_blocks
    if sys.argv[1] == "set":
        assert return_large_blocks()
    page = os.sysconf("SC_PAGE_SIZE")
    def resident():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * page
    first = np.ones(16 << 20, dtype=np.uint8)  # freed: glibc raises its threshold to 16 MB
    del first
    before = resident()
    kept = [np.ones(4 << 20, dtype=np.uint8) for _ in range(16)]  # 64 MB in 4 MB arrays
    del kept[::2]  # half freed, interleaved: heap blocks would stay with the process
    print((resident() - before) >> 20)
    """
)


def _held_mb(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_freed_arrays_are_returned_to_the_system() -> None:
    held = _held_mb("set")
    assert held <= 40, held  # the 8 arrays still alive, 32 MB, and no more
    assert _held_mb("default") >= 56  # without it all 16 stay resident


AFTER_THE_CLI_SET_IT = textwrap.dedent(
    """
    import os, sys
    from peakguard.cli.process_memory import hand_back_freed, return_large_blocks
    assert return_large_blocks()
    page = os.sysconf("SC_PAGE_SIZE")
    def resident():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * page
    before = resident()
    """
)
"""A probe's start: the allocator set as the CLI sets it, and the resident bytes so far."""

TRIM_PROBE = AFTER_THE_CLI_SET_IT + textwrap.dedent(
    """
    # 128 MB in written blocks of 256 KB (under the 1 MB threshold: from the heap), each
    # followed by a 4 KB block kept alive (also from the heap), so no freed block joins the
    # heap's top, where free() would trim it anyway.
    blocks = []
    for _ in range(512):
        blocks.append(bytearray(b"\\x01") * (256 << 10))
        blocks.append(bytearray(b"\\x01") * 4096)
    del blocks[::2]
    held = resident() - before
    trimmed = hand_back_freed() if sys.argv[1] == "trim" else False
    print(held >> 20, (resident() - before) >> 20, trimmed)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_a_stage_boundary_hands_freed_heap_pages_back() -> None:
    """Blocks under the mapping threshold freed in the middle of the heap stay resident
    until the demo's stage boundary hands them back: 128 MB of them, nearly all returned."""
    done = subprocess.run(
        [sys.executable, "-c", TRIM_PROBE, "trim"], capture_output=True, text=True, check=True
    )
    held, after, trimmed = done.stdout.split()
    assert int(held) >= 120, done.stdout  # freed, yet still resident
    assert trimmed == "True"
    assert int(after) <= 16, done.stdout  # handed back (the small blocks kept: 2 MB)
    kept = subprocess.run(
        [sys.executable, "-c", TRIM_PROBE, "keep"], capture_output=True, text=True, check=True
    )
    assert int(kept.stdout.split()[1]) >= 120, kept.stdout  # without it they stay


ARROW_PROBE = AFTER_THE_CLI_SET_IT + textwrap.dedent(
    """
    import pyarrow as pa
    # 128 MB of Arrow buffers of 256 KB, written, each followed by a small buffer kept alive
    # (as an ingest leaves its batches' columns among the tables it keeps), then freed.
    freed, kept = [], []
    for _ in range(512):
        buffer = pa.allocate_buffer(256 << 10)
        memoryview(buffer).cast("B")[:] = b"\\x01" * (256 << 10)
        freed.append(buffer)
        kept.append(pa.allocate_buffer(64))
    del freed
    held = resident() - before
    hand_back_freed()
    print(held >> 20, (resident() - before) >> 20)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_stage_boundary_hands_arrow_s_freed_pages_back() -> None:
    """Arrow's pool keeps the pages of buffers freed among live ones (128 MB of them, still
    resident after they are freed); the stage boundary has the pool release them."""
    done = subprocess.run(
        [sys.executable, "-c", ARROW_PROBE], capture_output=True, text=True, check=True
    )
    held, after = (int(value) for value in done.stdout.split())
    assert held >= 120, done.stdout
    assert after <= 16, done.stdout
