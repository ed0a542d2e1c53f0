"""Heavy operations in a child process: stopped at the deadline, at the memory cap and when
the client leaves, with the child gone afterwards; refusals made in the child come back with
their locations (peakguard.api.running, #13)."""

from __future__ import annotations

import asyncio
import multiprocessing.forkserver
import os
import time
from pathlib import Path

import psutil
import pytest

from peakguard.api.running import RunLimits, run_in_child, start_workers
from peakguard.errors import InvalidInputError, Problem, WorkLimitError
from peakguard.i18n import _

LIMITS = RunLimits(seconds=1.0, memory_bytes=2048 * 1024 * 1024, concurrent=2)


def sleep_writing_pid(path: str, seconds: float) -> str:
    """A stand-in for a long computation: says who it is, then sleeps."""
    Path(path).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(seconds)
    return "done"


def spin_writing_pid(path: str) -> None:
    """CPU-bound Python, which no thread could stop."""
    Path(path).write_text(str(os.getpid()), encoding="utf-8")
    while True:
        pass


def refuse() -> None:
    raise InvalidInputError(
        _("The request has mistakes."), [Problem("scenario.days", _("too many"))]
    )


def grab_memory(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


async def never() -> bool:
    return False


def child_pid(path: Path) -> int:
    for _attempt in range(100):
        if path.exists() and path.read_text(encoding="utf-8"):
            return int(path.read_text(encoding="utf-8"))
        time.sleep(0.05)
    raise AssertionError("the child never started")


def gone(pid: int) -> bool:
    """The process no longer exists: killed and reaped (a zombie still has its pid)."""
    return not psutil.pid_exists(pid)


def test_a_value_comes_back_from_the_child(tmp_path: Path) -> None:
    """An operation that finishes in time gives its value."""
    pid_file = tmp_path / "pid"
    value = asyncio.run(
        run_in_child(sleep_writing_pid, (str(pid_file), 0.0), limits=LIMITS, abandoned=never)
    )
    assert value == "done"
    assert child_pid(pid_file) != os.getpid()
    assert gone(child_pid(pid_file))


def test_the_deadline_stops_cpu_bound_work_and_the_child_is_gone(tmp_path: Path) -> None:
    """A loop past a 1 s deadline is answered with the time-limit error in about 1 s, and its
    process no longer exists."""
    pid_file = tmp_path / "pid"
    asyncio.run(
        run_in_child(
            sleep_writing_pid, (str(tmp_path / "warm"), 0.0), limits=LIMITS, abandoned=never
        )
    )
    started = time.monotonic()
    with pytest.raises(WorkLimitError) as raised:
        asyncio.run(
            run_in_child(spin_writing_pid, (str(pid_file),), limits=LIMITS, abandoned=never)
        )
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 3.0
    assert "1 s" in raised.value.render("en")
    assert gone(child_pid(pid_file))


def test_a_client_that_leaves_stops_the_child(tmp_path: Path) -> None:
    """When the client disconnects the child is killed at once, long before the deadline."""
    pid_file = tmp_path / "pid"
    patient = RunLimits(seconds=60.0, memory_bytes=None, concurrent=1)

    async def left_after_start() -> bool:
        return pid_file.exists() and bool(pid_file.read_text(encoding="utf-8"))

    started = time.monotonic()
    with pytest.raises(WorkLimitError) as raised:
        asyncio.run(
            run_in_child(
                sleep_writing_pid, (str(pid_file), 60.0), limits=patient, abandoned=left_after_start
            )
        )
    assert time.monotonic() - started < 10
    assert "client left" in raised.value.render("en")
    assert gone(child_pid(pid_file))


def test_a_refusal_in_the_child_keeps_its_locations() -> None:
    """An InvalidInputError raised in the child is raised again with every problem."""
    with pytest.raises(InvalidInputError) as raised:
        asyncio.run(run_in_child(refuse, (), limits=LIMITS, abandoned=never))
    assert [problem.location for problem in raised.value.problems] == ["scenario.days"]
    assert raised.value.render("en") == "The request has mistakes."


def test_the_memory_cap_stops_a_greedy_child() -> None:
    """Asking for more memory than the cap is the work-limit error, not a server crash."""
    small = RunLimits(seconds=30.0, memory_bytes=1536 * 1024 * 1024, concurrent=1)
    with pytest.raises(WorkLimitError) as raised:
        asyncio.run(run_in_child(grab_memory, (4096,), limits=small, abandoned=never))
    assert "memory" in raised.value.render("en")


def test_the_workers_can_be_started_before_the_first_request(tmp_path: Path) -> None:
    """After start_workers the fork server runs, and a run starts from it without waiting."""
    start_workers()
    server = multiprocessing.forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    assert server is not None and psutil.pid_exists(server)
    started = time.monotonic()
    asyncio.run(
        run_in_child(
            sleep_writing_pid, (str(tmp_path / "pid"), 0.0), limits=LIMITS, abandoned=never
        )
    )
    assert time.monotonic() - started < 3.0
