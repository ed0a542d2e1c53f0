"""Where the compiled kernel spends the national case's time, and who makes Numba count references.

Run it from the repository root (Linux, with ``perf``; not part of the test run)::

    .venv/bin/python benchmarks/kernel_perf.py --days 10

The national case (``benchmarks/simulate_national.py``) runs in a child process with an empty
Numba cache, so the kernel is compiled in that process (about a minute) and the addresses of its
functions are known; ``perf record`` samples the engine call alone, and the child writes
``/tmp/perf-<pid>.map`` so ``perf`` can name the compiled functions. Printed: the functions with
the most samples, the samples by thread (under ``workqueue``, how much of the run is serial:
decision 0029), then the callers of ``NRT_incref`` and ``NRT_decref`` — Numba's atomic
reference counts, the cost decision 0028 is about. Those two are leaf functions without unwind
information, so each sample's caller is read from the return address on top of its stack
(``perf`` keeps 64 bytes of it).
"""

from __future__ import annotations

import argparse
import bisect
import collections
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLE = re.compile(r"PERF_RECORD_SAMPLE\(IP, 0x2\): (\d+)/(\d+): (0x[0-9a-f]+)")
STACK = re.compile(r"\.\.\. ustack: size (\d+), offset (0x[0-9a-f]+)")


def _child(days: int, ready: Path) -> None:
    """Compile, build the case and its plan, tell the parent, run the engine, write the map."""
    from numba.core.registry import CPUDispatcher

    from benchmarks.simulate_national import _warm_up, build_national_case, compile_national
    from peakguard.domain.routing import derive_routing
    from peakguard.simulate.compiled_engine import simulate_compiled

    _warm_up("compiled")
    case = build_national_case()
    plan, _ = compile_national(case, derive_routing(case.network), days)
    ready.write_text(str(os.getpid()))
    time.sleep(1.5)  # perf attaches
    start = time.perf_counter()
    simulate_compiled(plan)
    print(f"engine {time.perf_counter() - start:.2f} s", flush=True)
    import gc

    entries: set[tuple[int, str]] = set()
    for thing in gc.get_objects():
        if isinstance(thing, CPUDispatcher):
            for result in thing.overloads.values():
                for function in result.library.get_defined_functions():
                    address = result.library.get_pointer_to_function(function.name)
                    if address:
                        entries.add((address, function.name))
    ordered = sorted(entries)
    with open(f"/tmp/perf-{os.getpid()}.map", "w") as handle:
        for index, (address, name) in enumerate(ordered):
            following = ordered[index + 1][0] if index + 1 < len(ordered) else address + 4096
            handle.write(f"{address:x} {min(following - address, 1 << 20):x} {name}\n")


def _short(name: str) -> str:
    """``peakguard.simulate.kernel_sort._route`` from a Numba symbol."""
    parts, rest = [], name[3:] if name.startswith("_ZN") else name
    while rest and rest[0].isdigit():
        digits = re.match(r"\d+", rest)
        assert digits is not None
        length = int(digits.group(0))
        rest = rest[len(digits.group(0)) :]
        parts.append(rest[:length])
        rest = rest[length:]
    return ".".join(parts) or name[:60]


class _Symbols:
    """A ``perf`` map: address → function."""

    def __init__(self, path: Path) -> None:
        rows = []
        for line in path.read_text().splitlines():
            address, size, name = line.split(" ", 2)
            rows.append((int(address, 16), int(size, 16), name))
        rows.sort()
        self.rows, self.starts = rows, [row[0] for row in rows]

    def name(self, address: int) -> str | None:
        index = bisect.bisect_right(self.starts, address) - 1
        if index >= 0 and address < self.rows[index][0] + self.rows[index][1]:
            return _short(self.rows[index][2])
        return None


def _report(data: Path, symbols: _Symbols, top: int) -> None:
    """The functions with most samples, and the callers of the reference counts."""
    dump = subprocess.Popen(
        ["perf", "report", "-D", "-i", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert dump.stdout is not None
    record, ip, thread = bytearray(), None, ""
    functions: collections.Counter[str] = collections.Counter()
    callers: collections.Counter[tuple[str, str]] = collections.Counter()
    threads: collections.Counter[str] = collections.Counter()
    for line in dump.stdout:
        if line.startswith(".  ") and line[7:8] == ":":  # ".  0010:  a8 01 …" (raw event)
            if line[3:7] == "0000":
                record = bytearray()
            record.extend(bytes.fromhex(line[10:57].replace(" ", "")))
        elif found := SAMPLE.search(line):
            ip = int(found.group(3), 16)
            main = found.group(1) == found.group(2)
            thread = "the main thread" if main else f"pool thread {found.group(2)}"
        elif (found := STACK.match(line)) and ip is not None:
            name = symbols.name(ip) or "(elsewhere: the OS kernel, libc, Python)"
            functions[name] += 1
            threads[thread] += 1
            if name in ("NRT_incref", "NRT_decref"):
                offset = int(found.group(2), 16) + 8
                back = struct.unpack_from("<Q", record, offset)[0]
                callers[(name, symbols.name(back) or hex(back))] += 1
            ip = None
    total = sum(functions.values()) or 1
    print(f"\n{total} samples of the engine call, by function:")
    for name, count in functions.most_common(top):
        print(f"{100 * count / total:6.2f} %  {name}")
    print(
        "\nBy thread (under workqueue the main thread waits while the pool's threads run a "
        "parallel pass; under OpenMP it works in the pass as one of the team):"
    )
    for name, count in threads.most_common():
        print(f"{100 * count / total:6.2f} %  {name}")
    print("\nNumba's reference counts by the function that called them:")
    for (which, caller), count in callers.most_common(top):
        print(f"{100 * count / total:6.2f} %  {which:<11} from {caller}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.days, args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        ready, data = Path(folder) / "ready", Path(folder) / "perf.data"
        environment = {**os.environ, "NUMBA_CACHE_DIR": str(Path(folder) / "numba")}
        child = subprocess.Popen(
            [sys.executable, __file__, "--days", str(args.days), "--child", str(ready)],
            env=environment,
        )
        while not ready.exists() and child.poll() is None:
            time.sleep(0.5)
        if child.poll() is not None:
            raise SystemExit("the national case stopped before the engine ran")
        pid = int(ready.read_text())
        command = ["perf", "record", "-F", "499", "--call-graph", "dwarf,64", "-p", str(pid)]
        record = subprocess.Popen([*command, "-o", str(data)], stderr=subprocess.DEVNULL)
        child.wait()
        record.wait()
        mapping = Path(f"/tmp/perf-{pid}.map")
        _report(data, _Symbols(mapping), args.top)
        mapping.unlink()


if __name__ == "__main__":
    sys.path[:0] = [str(Path(__file__).resolve().parents[1])]
    main()
