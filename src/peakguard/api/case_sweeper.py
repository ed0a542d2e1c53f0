"""The desk's sweeps (:mod:`peakguard.app.sweeps`: the cases' reminders and breaches, the
duty's alerts and their escalation, the daily reports' deadline flags, the incidents' blockage
clocks), run by the server while it is up: once at start (catching up with whatever fell due
while no server ran) and then every ``PEAKGUARD_COMPLAINT_SWEEP_SECONDS``. Several server
processes may run them; each sweep makes sure each firing is recorded once."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI

from peakguard.app.sweeps import run_sweeps
from peakguard.config import Settings
from peakguard.store.database import Store

LOG = logging.getLogger(__name__)


class CaseSweeper:
    """A thread that sweeps ``store`` every ``seconds`` until stopped."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.seconds = settings.complaint_sweep_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.sweeps = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="case sweep", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                report = run_sweeps(self.store, self.settings)
                self.sweeps += 1
                if report.recorded:
                    LOG.info("sweeps recorded %s", report.counts)
            except Exception:  # a failed sweep is retried at the next period
                LOG.exception("case sweep failed")
            self._stopping.wait(self.seconds)


def install_case_sweeper(app: FastAPI) -> None:
    """Sweep for the time the app is up (its lifespan), unless ``app.state.run_sweeps`` is
    False (tests that sweep by hand)."""
    inner: Callable[[Any], AbstractAsyncContextManager[Any]] = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        sweeper = None
        if getattr(app.state, "run_sweeps", True):
            sweeper = CaseSweeper(app.state.store, app.state.settings)
            sweeper.start()
        app.state.case_sweeper = sweeper
        try:
            async with inner(application) as state:
                yield state
        finally:
            if sweeper is not None:
                await asyncio.to_thread(sweeper.stop)

    app.router.lifespan_context = lifespan
