"""The worker that runs queued jobs, started and stopped with the API (its lifespan).

It looks at the jobs table twice a second (``poll_seconds``), takes queued jobs while it has
free slots (``WorkBounds.concurrent_runs`` per server process; 0: this server runs none), and
runs each in a child process of :mod:`peakguard.api.running`'s fork server, under the memory
cap of a request's run and a deadline of its own (``WorkBounds.job_seconds``). The child sends
its progress back over a pipe; the worker writes it to the job's row at most twice a second,
and the same statement tells it whether the job is still its own: a cancelled job (or one
another worker took over after this one was thought dead) has its child killed at once.

While a job runs its heartbeat is refreshed; at start-up, and every ``recover_seconds``, the
worker returns to the queue the jobs whose worker stopped beating (it died, or the server was
restarted without stopping cleanly), and fails those that were started ``max_attempts`` times.
A worker that stops cleanly (the API shutting down) kills its children and puts their jobs
back in the queue without counting the start, so a restart takes them up again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from peakguard.api.running import _child, _context, _rebuilt, _stop
from peakguard.app.bounds import DEFAULT_BOUNDS, WorkBounds, work_bounds
from peakguard.app.forecast_job import perform_forecast_job, prepare_forecast_job
from peakguard.app.jobs import FORECAST, REROUTE, SIMULATION, STAGGER, failure_of, job_folder
from peakguard.app.plan_job import (
    perform_reroute_job,
    perform_stagger_job,
    prepare_reroute_job,
    prepare_stagger_job,
)
from peakguard.app.simulation_job import (
    DONE,
    LOADING,
    perform_simulation_job,
    prepare_simulation_job,
)
from peakguard.errors import PeakguardError, WorkLimitError
from peakguard.i18n import Message, _
from peakguard.store.database import Store
from peakguard.store.jobs import (
    JobFailure,
    JobRecord,
    beat,
    claim_next_job,
    finish_job,
    recover_stale_jobs,
    release_job,
    report_progress,
    still_running,
)
from peakguard.web.plan_report import write_plan_report
from peakguard.web.simulation_report import write_simulation_report

log = logging.getLogger("peakguard.jobs")


@dataclass(frozen=True)
class ChildCall:
    """What a job runs in its child: ``function(*arguments, **keywords, report=report)``,
    every part picklable; ``report(progress, stage)`` sends the job's progress back."""

    function: Callable[..., dict[str, Any]]
    arguments: tuple[Any, ...] = ()
    keywords: Mapping[str, Any] = field(default_factory=dict)


JobKind = Callable[[Store, JobRecord, WorkBounds, Path], ChildCall]
"""Prepares a job of one kind in the worker (reading the database): what its child runs,
writing its files into the given folder."""


def simulation_call(store: Store, job: JobRecord, bounds: WorkBounds, folder: Path) -> ChildCall:
    work = prepare_simulation_job(store, job, bounds=bounds)
    return ChildCall(
        perform_simulation_job, (work, folder), {"write_page": write_simulation_report}
    )


def stagger_call(store: Store, job: JobRecord, bounds: WorkBounds, folder: Path) -> ChildCall:
    work = prepare_stagger_job(store, job, bounds=bounds)
    return ChildCall(perform_stagger_job, (work, folder), {"write_page": write_plan_report})


def reroute_call(store: Store, job: JobRecord, bounds: WorkBounds, folder: Path) -> ChildCall:
    return ChildCall(perform_reroute_job, (prepare_reroute_job(store, job, bounds=bounds), folder))


def forecast_call(store: Store, job: JobRecord, bounds: WorkBounds, folder: Path) -> ChildCall:
    return ChildCall(
        perform_forecast_job, (prepare_forecast_job(store, job, bounds=bounds), folder)
    )


KINDS: Mapping[str, JobKind] = {
    SIMULATION: simulation_call,
    STAGGER: stagger_call,
    REROUTE: reroute_call,
    FORECAST: forecast_call,
}


@dataclass(frozen=True)
class RunnerTiming:
    """How often the worker looks and writes; the defaults suit a deployment, tests shorten
    them."""

    poll_seconds: float = 0.5
    """How often the table is looked at for queued jobs, and a running job for a cancel."""
    heartbeat_seconds: float = 5.0
    """How often the heartbeat of the worker's running jobs is written."""
    stale_seconds: float = 60.0
    """A running job whose heartbeat is older is taken for abandoned."""
    recover_seconds: float = 15.0
    """How often the worker looks for abandoned jobs."""
    max_attempts: int = 3
    """Starts after which an abandoned job is failed rather than queued again."""


def _gave_up(attempts: int) -> JobFailure:
    return JobFailure(
        _(
            "The job was started {attempts} times and its worker stopped each time (the server "
            "restarted or ran out of memory); it was not started again. Submit it again, or "
            "ask for less.",
            attempts=attempts,
        )
    )


class _CancelledError(Exception):
    """The job is no longer this worker's: cancelled, or taken over."""


class _StoppingError(Exception):
    """The worker is stopping: the job goes back to the queue."""


class _Progress:
    """A running job's latest progress, written at most every ``poll_seconds``; each write
    (or, when nothing changed, a read) says whether the job is still this worker's. The
    heartbeat is the dispatcher's (:func:`beat`, for all of the worker's jobs at once), so a
    job keeps beating while its worker loads the network or starts the fork server."""

    def __init__(self, store: Store, job: JobRecord, worker: str, timing: RunnerTiming) -> None:
        self.store, self.job, self.worker, self.timing = store, job, worker, timing
        self.progress, self.stage = 0.0, LOADING
        self.checked = time.monotonic()
        self.changed = False

    def update(self, progress: float, stage: Message) -> None:
        self.progress = max(self.progress, min(progress, 1.0))  # it only ever rises
        self.stage = stage
        self.changed = True

    def tick(self) -> None:
        """Write or check, when due; :class:`_CancelledError` when the job is no longer ours."""
        now = time.monotonic()
        if now - self.checked < self.timing.poll_seconds:
            return
        self.checked = now
        if self.changed:
            ours = report_progress(
                self.store, self.job.id, self.worker, progress=self.progress, stage=self.stage
            )
            self.changed = False
        else:
            ours = still_running(self.store, self.job.id, self.worker)
        if not ours:
            raise _CancelledError


def _child_body(sender: Connection, call: ChildCall) -> dict[str, Any]:
    """The job in its child: ``call`` with a ``report`` that sends over ``sender``."""

    def report(progress: float, stage: Message) -> None:
        sender.send((progress, stage))

    try:
        return call.function(*call.arguments, **call.keywords, report=report)
    finally:
        sender.close()


def _too_long(seconds: float) -> WorkLimitError:
    return WorkLimitError(
        _(
            "The job took longer than the {seconds:g} s the server gives one job and was "
            "stopped: ask for less (fewer days, a smaller network) or run it from the command "
            "line.",
            seconds=seconds,
        )
    )


def _too_large(megabytes: int) -> WorkLimitError:
    return WorkLimitError(
        _(
            "The job needed more than the {megabytes} MB of memory the server gives one run "
            "and was stopped: ask for less (fewer days, a smaller network) or run it from the "
            "command line.",
            megabytes=megabytes,
        )
    )


class JobRunner:
    """Runs queued jobs of ``kinds`` in child processes, at most ``bounds.concurrent_runs``
    at once; :meth:`start` and :meth:`stop` from the API's lifespan."""

    def __init__(
        self,
        store: Store,
        home: Path,
        bounds: WorkBounds = DEFAULT_BOUNDS,
        *,
        kinds: Mapping[str, JobKind] | None = None,
        timing: RunnerTiming | None = None,
        worker: str | None = None,
    ) -> None:
        self.store, self.home, self.bounds = store, home, bounds
        self.kinds = dict(KINDS if kinds is None else kinds)
        self.timing = timing or RunnerTiming()
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[str, threading.Thread] = {}
        self._dispatcher: threading.Thread | None = None
        self._recovered = 0.0
        self._beaten = 0.0

    @property
    def running(self) -> list[str]:
        """The ids of the jobs this worker runs now."""
        with self._lock:
            return list(self._running)

    def start(self) -> None:
        """Return abandoned jobs to the queue, then take jobs until :meth:`stop`."""
        self._recover()
        self._dispatcher = threading.Thread(
            target=self._dispatch, name=f"peakguard-jobs {self.worker}", daemon=True
        )
        self._dispatcher.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking jobs, kill the running ones' children and queue their jobs again;
        returns when every thread of the worker has ended."""
        self._stopping.set()
        if self._dispatcher is not None:
            self._dispatcher.join(timeout)
        for thread in list(self._running.values()):
            thread.join(timeout)

    def _recover(self) -> None:
        now = datetime.now(UTC)
        self._recovered = time.monotonic()
        found = recover_stale_jobs(
            self.store,
            stale_before=now - timedelta(seconds=self.timing.stale_seconds),
            max_attempts=self.timing.max_attempts,
            failure=_gave_up(self.timing.max_attempts),
            now=now,
            alive=self.worker,
        )
        if found.requeued or found.failed:
            log.warning("jobs abandoned by their worker: %s queued again, %s failed",
                        found.requeued, found.failed)  # fmt: skip

    def _dispatch(self) -> None:
        while not self._stopping.is_set():
            try:
                now = time.monotonic()
                if self.running and now - self._beaten >= self.timing.heartbeat_seconds:
                    self._beaten = now
                    beat(self.store, self.worker)
                if now - self._recovered >= self.timing.recover_seconds:
                    self._recover()
                self._take_jobs()
            except Exception:  # the database is away: try again at the next look
                log.exception("the job worker could not look at the jobs table")
            self._stopping.wait(self.timing.poll_seconds)

    def _take_jobs(self) -> None:
        while len(self.running) < self.bounds.concurrent_runs and not self._stopping.is_set():
            job = claim_next_job(self.store, self.worker, kinds=list(self.kinds))
            if job is None:
                return
            thread = threading.Thread(target=self._run, args=(job,), name=f"job {job.id}")
            with self._lock:
                self._running[job.id] = thread
            thread.start()

    def _run(self, job: JobRecord) -> None:
        folder = job_folder(self.home, job.id)
        try:
            outcome = self._attempt(job, folder)
        except _CancelledError:
            shutil.rmtree(folder, ignore_errors=True)
        except _StoppingError:
            release_job(self.store, job.id, self.worker)
        except Exception as error:
            if not isinstance(error, PeakguardError):
                log.exception("job %s failed", job.id)
            shutil.rmtree(folder, ignore_errors=True)
            finish_job(self.store, job.id, self.worker, failure=failure_of(error))
        else:
            if not finish_job(self.store, job.id, self.worker, result=outcome, stage=DONE):
                shutil.rmtree(folder, ignore_errors=True)  # cancelled at the last moment
        finally:
            with self._lock:
                self._running.pop(job.id, None)

    def _attempt(self, job: JobRecord, folder: Path) -> dict[str, Any]:
        tracker = _Progress(self.store, job, self.worker, self.timing)
        if not report_progress(self.store, job.id, self.worker, progress=0.0, stage=LOADING):
            raise _CancelledError
        shutil.rmtree(folder, ignore_errors=True)  # what an earlier start left
        call = self.kinds[job.kind](self.store, job, self.bounds, folder)
        return self._in_child(call, tracker)

    def _in_child(self, call: ChildCall, tracker: _Progress) -> dict[str, Any]:
        context = _context()
        receiver, sender = context.Pipe(duplex=False)
        progress_in, progress_out = context.Pipe(duplex=False)
        memory = self.bounds.run_memory_megabytes * 1024 * 1024
        process = context.Process(
            target=_child,
            args=(sender, memory, _child_body, (progress_out, call)),
            daemon=True,
        )
        try:
            process.start()
            sender.close()
            progress_out.close()
            outcome = self._wait(process, receiver, progress_in, tracker)
        finally:
            sender.close()
            progress_out.close()
            _stop(process)
            receiver.close()
            progress_in.close()
        return self._unpack(outcome)

    def _wait(
        self, process: Any, receiver: Connection, progress_in: Connection, tracker: _Progress
    ) -> tuple[str, Any]:
        deadline = time.monotonic() + self.bounds.job_seconds
        watched: list[Any] = [receiver, progress_in, process.sentinel]
        while True:
            wait(watched, timeout=self.timing.poll_seconds / 2)
            while progress_in in watched and progress_in.poll():
                try:
                    tracker.update(*progress_in.recv())
                except EOFError:  # the child closed its end: nothing more will come
                    watched.remove(progress_in)
            if receiver.poll():
                try:
                    return tuple(receiver.recv())
                except EOFError:
                    return ("died", process.exitcode)
            if not process.is_alive():
                return ("died", process.exitcode)
            if self._stopping.is_set():
                raise _StoppingError
            if time.monotonic() >= deadline:
                raise _too_long(self.bounds.job_seconds)
            tracker.tick()

    def _unpack(self, outcome: tuple[str, Any]) -> dict[str, Any]:
        kind, payload = outcome
        if kind == "value":
            return dict(payload)
        if kind == "error":
            raise _rebuilt(*payload)
        if kind == "crash":
            raise RuntimeError(f"the job failed in its child process:\n{payload}")
        raise _too_large(self.bounds.run_memory_megabytes)


def app_bounds(app: FastAPI) -> WorkBounds:
    """The app's caps: ``app.state.work_bounds`` when set, else from its settings."""
    bounds: WorkBounds | None = getattr(app.state, "work_bounds", None)
    if bounds is not None:
        return bounds
    settings = getattr(app.state, "settings", None)
    return DEFAULT_BOUNDS if settings is None else work_bounds(settings)


def start_job_runner(app: FastAPI) -> JobRunner | None:
    """Start the app's worker (none when ``concurrent_runs`` is 0, or ``app.state.run_jobs``
    is False); it is ``app.state.job_runner``."""
    bounds = app_bounds(app)
    if bounds.concurrent_runs <= 0 or not getattr(app.state, "run_jobs", True):
        app.state.job_runner = None
        return None
    runner = JobRunner(
        app.state.store,
        Path(app.state.settings.home),
        bounds,
        kinds=getattr(app.state, "job_kinds", None),
        timing=getattr(app.state, "job_timing", None),
    )
    runner.start()
    app.state.job_runner = runner
    return runner


def install_job_runner(app: FastAPI) -> None:
    """Run the app's worker for the time the app is up (its lifespan): started before the
    first request, stopped (its children killed, its jobs queued again) at shutdown."""
    if getattr(app.state, "job_runner_installed", False):
        return
    app.state.job_runner_installed = True
    inner: Callable[[Any], AbstractAsyncContextManager[Any]] = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        runner = await asyncio.to_thread(start_job_runner, app)
        try:
            async with inner(application) as state:
                yield state
        finally:
            if runner is not None:
                await asyncio.to_thread(runner.stop)

    app.router.lifespan_context = lifespan
