"""Heavy operations run outside the event loop: each in a child process with a deadline and a
memory cap, stopped when the client leaves.

A route does the light work itself (authorise, read the stored network, parse the body) and
hands the computation, with only picklable arguments, to :func:`run_bounded`. CPU-bound Python
in a thread cannot be stopped, a process can: the child is killed at the deadline or when the
client disconnects, and its address space is capped so one request cannot take the machine.
A :class:`~peakguard.errors.PeakguardError` raised in the child (a refusal with its locations)
is raised again here, as if the operation had run in the server.

This is the seed of the job runner: a job that outlives its request needs a record of its own
(state, progress, result) and a worker pool outside the server process; what stays is the
child, its limits and the way errors come back.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.forkserver
import resource
import threading
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar, cast

from fastapi import FastAPI, Request

from peakguard.api.schemas import documented
from peakguard.app.bounds import DEFAULT_BOUNDS, WorkBounds, work_bounds
from peakguard.errors import BusyError, PeakguardError, WorkLimitError
from peakguard.i18n import _

T = TypeVar("T")

POLL_SECONDS = 0.05
"""How often the wait looks at the child, the deadline and the client."""
PRELOAD = ["peakguard.api.app"]
"""Imported once by the fork server, so that each child starts with the whole application
(numpy, scipy, HiGHS) in memory instead of importing it again."""

RUN_RESPONSES: dict[int | str, dict[str, Any]] = documented(503, 504)
"""The statuses a route answers when it runs its operation through :func:`run_bounded`."""

_context_lock = threading.Lock()
_slots_lock = threading.Lock()


@dataclass(frozen=True)
class RunLimits:
    """What one run may take: ``seconds`` of wall time, ``memory_bytes`` of address space
    (None: unbounded) and ``concurrent`` runs at once per server process."""

    seconds: float
    memory_bytes: int | None
    concurrent: int

    @classmethod
    def of(cls, bounds: WorkBounds) -> RunLimits:
        return cls(
            seconds=bounds.run_seconds,
            memory_bytes=bounds.run_memory_megabytes * 1024 * 1024,
            concurrent=bounds.concurrent_runs,
        )


def request_bounds(request: Request) -> WorkBounds:
    """The app's caps: ``app.state.work_bounds`` when set, else from its settings."""
    bounds: WorkBounds | None = getattr(request.app.state, "work_bounds", None)
    if bounds is not None:
        return bounds
    settings = getattr(request.app.state, "settings", None)
    return DEFAULT_BOUNDS if settings is None else work_bounds(settings)


def _slots(app: FastAPI, concurrent: int) -> threading.BoundedSemaphore:
    """The app's run slots, made on first use (the event loop may change between test clients,
    so a thread semaphore, taken without waiting, rather than an asyncio one)."""
    with _slots_lock:
        slots: threading.BoundedSemaphore | None = getattr(app.state, "run_slots", None)
        if slots is None:
            slots = threading.BoundedSemaphore(concurrent)
            app.state.run_slots = slots
        return slots


async def run_bounded(request: Request, function: Callable[..., T], /, *arguments: Any) -> T:
    """``function(*arguments)`` in a child process under the app's limits, stopped when the
    client of ``request`` disconnects; refused as busy when every slot is taken."""
    limits = RunLimits.of(request_bounds(request))
    slots = _slots(request.app, limits.concurrent)
    if not slots.acquire(blocking=False):
        raise BusyError(
            _(
                "The server is running as many long operations as it may ({count}); "
                "try again in a minute.",
                count=limits.concurrent,
            )
        )
    try:
        return await run_in_child(
            function, arguments, limits=limits, abandoned=request.is_disconnected
        )
    finally:
        slots.release()


def _context() -> Any:
    with _context_lock:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context


def start_workers() -> None:
    """Start the fork server now (it imports the application once, a few seconds), so the
    first heavy request does not spend its deadline on it; call when the server starts."""
    _context()
    multiprocessing.forkserver.ensure_running()


async def run_in_child(
    function: Callable[..., T],
    arguments: tuple[Any, ...],
    *,
    limits: RunLimits,
    abandoned: Callable[[], Awaitable[bool]],
) -> T:
    """``function(*arguments)`` in a fresh child process: its value, or its PeakguardError
    raised again; :class:`WorkLimitError` when it passes ``limits.seconds``, runs out of
    memory or ``abandoned()`` turns true. The child is gone when this returns."""
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process: BaseProcess = context.Process(
        target=_child, args=(sender, limits.memory_bytes, function, arguments), daemon=True
    )
    try:
        await asyncio.to_thread(process.start)  # the fork server's first start takes seconds
        sender.close()
        outcome = await _wait(process, receiver, limits, abandoned)
    finally:
        sender.close()
        _stop(process)
        receiver.close()
    return cast(T, _unpack(outcome, limits))


async def _wait(
    process: BaseProcess,
    receiver: Connection,
    limits: RunLimits,
    abandoned: Callable[[], Awaitable[bool]],
) -> tuple[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limits.seconds
    while not receiver.poll():
        if not process.is_alive() and not receiver.poll():
            return ("died", process.exitcode)
        if loop.time() >= deadline:
            raise WorkLimitError(
                _(
                    "The operation took longer than the {seconds:g} s the server gives one "
                    "request and was stopped: ask for less (fewer days, a shorter horizon) or "
                    "run it from the command line.",
                    seconds=limits.seconds,
                )
            )
        if await abandoned():
            raise WorkLimitError(_("The client left; the operation was stopped."))
        await asyncio.sleep(POLL_SECONDS)
    try:
        return cast(tuple[str, Any], await asyncio.to_thread(receiver.recv))
    except EOFError:
        return ("died", process.exitcode)


def _stop(process: BaseProcess) -> None:
    """Kill the child if it still runs, and reap it."""
    if process.pid is None:
        return
    if process.is_alive():
        process.kill()
    process.join(5)


def _unpack(outcome: tuple[str, Any], limits: RunLimits) -> Any:
    kind, payload = outcome
    if kind == "value":
        return payload
    if kind == "error":
        raise _rebuilt(*payload)
    if kind == "crash":
        raise RuntimeError(f"the operation failed in its child process:\n{payload}")
    megabytes = (limits.memory_bytes or 0) // (1024 * 1024)
    raise WorkLimitError(
        _(
            "The operation needed more than the {megabytes} MB of memory the server gives one "
            "request and was stopped: ask for less (fewer days, fewer nodes or series) or run "
            "it from the command line.",
            megabytes=megabytes,
        )
    )


def _portable(
    error: PeakguardError,
) -> tuple[type[PeakguardError], tuple[Any, ...], dict[str, Any]]:
    """An error as its class, arguments and attributes: its own ``__init__`` may not take
    back its ``args`` (InvalidInputError wants its problems), so pickling it as is fails."""
    return type(error), error.args, dict(vars(error))


def _rebuilt(
    kind: type[PeakguardError], arguments: tuple[Any, ...], state: dict[str, Any]
) -> PeakguardError:
    error = kind.__new__(kind)
    BaseException.__init__(error, *arguments)
    vars(error).update(state)
    return error


def _child(
    sender: Connection,
    memory_bytes: int | None,
    function: Callable[..., Any],
    arguments: tuple[Any, ...],
) -> None:
    """The child's body: cap the address space, run, send back one outcome."""
    if memory_bytes is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    outcome: tuple[str, Any]
    try:
        outcome = ("value", function(*arguments))
    except PeakguardError as error:
        outcome = ("error", _portable(error))
    except MemoryError:
        outcome = ("memory", None)
    except BaseException:  # a bug: its traceback goes to the server's log
        outcome = ("crash", traceback.format_exc())
    try:
        sender.send(outcome)
    except MemoryError:
        sender.send(("memory", None))
    except Exception:  # an unpicklable value is a bug too
        sender.send(("crash", traceback.format_exc()))
    finally:
        sender.close()
