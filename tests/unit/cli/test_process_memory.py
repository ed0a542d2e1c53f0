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
